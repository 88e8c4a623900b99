"""The project's closed lists of values, each defined once.

Every module that needs a kind of table row, a question type or a kind of comparison imports it from
here, so a new value is added in one place and a typo fails at import rather than silently matching
nothing. The enums are ``StrEnum``: their members compare equal to the plain strings stored in
``data/`` and in table columns.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a row of a question table is."""

    PUBLISHED = "published"
    """A figure exactly as a source published it."""
    NET = "net"
    """A published sum of options (e.g. "in favor" = strongly + somewhat in favor)."""
    DERIVED = "derived"
    """Computed from published figures (a net minus its other parts); never published itself."""
    NOT_PUBLISHED = "not published"
    """The share of a one-answer question left over by the published options."""


class Status(StrEnum):
    """``status`` of a figure in data/toplines.csv: how sure the sources are of which item it belongs to."""

    PUBLISHED = "published"
    """A figure a source states for a named item."""
    UNCONFIRMED = "unconfirmed"
    """A figure whose item the source does not name for certain (a cut-off excerpt): shown, never tested."""


class OptionsPublished(StrEnum):
    """``options_published`` of data/coverage.csv: whether a country's figures leave an option unpublished."""

    ALL = "all"
    """Every option of the question has its figure."""
    SOME = "some"
    """Only some options were published: the rest is unknown (or, for a one-answer question, the remainder)."""


class QuestionType(StrEnum):
    """``question_type`` of the codebook (data/questions.csv)."""

    SINGLE_CHOICE = "single_choice"
    SCALE = "scale"
    SELECT_ALL = "select_all"
    TOP_REASONS = "top_reasons"


class AnswerFormat(StrEnum):
    """``answers`` of the codebook: how many answers a respondent could give."""

    ONE = "one"
    UP_TO_2 = "up to 2"
    MULTIPLE = "multiple"
    NOT_DISCLOSED = "not disclosed"


class Relation(StrEnum):
    """How two publics' figures of a comparison relate."""

    SAME_ITEM = "same item"
    """The same question about the same subject, asked of different publics."""
    MIRROR = "mirror"
    """Each public's view of the other (Japanese views of South Korea ↔ South Korean views of Japan)."""


class SourceKind(StrEnum):
    """``kind`` of a source in ``survey.yml``: an institute's own publication, or a press report of it."""

    PRIMARY = "primary"
    PRESS = "secondary (press)"


class Mode(StrEnum):
    """``mode`` of a country's sample in ``survey.yml``: how the interviews were done."""

    ONLINE = "online"
    TELEPHONE = "telephone"
    FACE_TO_FACE = "face-to-face"
    VISIT_AND_COLLECT = "visit-and-collect"  # questionnaires left with respondents and collected later
    MAIL = "mail"
    MIXED = "mixed"


class FieldworkScope(StrEnum):
    """``scope`` of a fieldwork entry in ``survey.yml``: what its dates are given for."""

    PUBLIC = "this public"
    """The dates of this public's sample (the default)."""
    SURVEY = "whole survey"
    """Dates one source gives for the survey as a whole: not a statement about this public's sample."""


class DisclosureFrom(StrEnum):
    """``from_countries`` of an AAPOR element in ``survey.yml``: which per-country facts state it."""

    FIELDWORK = "fieldwork"
    SAMPLE = "n and margin_of_error"


COUNTRY_CODE = re.compile(r"[A-Z]{2}")


def check_country_code(code: Any) -> str:
    """``code`` if it is a country code (two capital letters); otherwise a ValueError saying so.

    The one check of a country code's form, used by the loader and by the build before a code names a file.
    """
    if not (isinstance(code, str) and COUNTRY_CODE.fullmatch(code)):
        raise ValueError(f"{code!r} is not a country code (two capital letters, ISO 3166-1 alpha-2 style, e.g. JP)")
    return code
