"""The column rules of the CSV files, as declarations: which columns exist, which need a value, and which
values each may hold (a closed list, a list from ``survey.yml``, or a pattern).

:func:`check_columns` applies them to parsed rows and names the file, line and column of each problem.
Rules that relate several rows or files (keys, sums, coverage) are code, in :mod:`helpers.data.csvfiles`.

Why a table of our own rather than frictionless or pandera: measured here, either adds about 0.2 s of CPU
to every kernel's import (the whole loader costs 0.05 s on ``data/``), neither reports the physical line
of a row after a multi-line quoted field (frictionless gives the row position, pandera the frame index),
their messages would be rewritten anyway to name the file, and the rules that need code (sums, nets,
coverage) stay code with either. The table below is the declarative part they would have provided.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..kinds import AnswerFormat, OptionsPublished, QuestionType, Status
from .files import SURVEY_YML, location

CATEGORIES = (
    "bilateral relations",
    "economy & trade",
    "security",
    "culture & history",
    "trilateral cooperation",
)
"""The five survey categories, in the order of the release's survey overview."""
QUESTION_TYPES = tuple(QuestionType)
ANSWER_FORMATS = tuple(AnswerFormat)
STATUSES = tuple(Status)
SIDES = ("+", "0", "-")
OPTIONS_PUBLISHED = tuple(OptionsPublished)
LARGEST_READINGS = {"largest": 1, "one of the two largest": 2}
"""Readings that rank an answer, and how many leading answers the release's words name ("X and Y were the most
common answers": a row for each, X ``largest`` and Y ``one of the two largest``)."""
CLAIM_READINGS = (
    "tie",
    "lead",
    "narrow lead",
    "clear lead",
    "overwhelming lead",
    "no majority",
    "majority",
    "about half",
    *LARGEST_READINGS,
)
"""What a release's wording implies, in this report's terms: a gap (tie, lead …) or a share (majority …)."""
SHARE_READINGS = ("majority", "about half", *LARGEST_READINGS)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ID_FORMAT = "lower case letters, digits and _"
# ASCII digits only ([0-9], not \d, which also matches Arabic-Indic or full-width digits). A sign and any
# number of digits are accepted here so that "-3" or "250" are reported as out of range, not as "not a
# number"; a leading zero ("040.5") is refused separately.
PERCENT_PATTERN = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
PERCENT_FORMAT = "ASCII digits with an optional decimal part and no leading zero, as published (e.g. 40.5, 7, 0.5)"
LIST_SEPARATOR = ";"


def check_percent(text: str) -> str | None:
    """What is wrong with a published percentage, or None."""
    if not PERCENT_PATTERN.match(text):
        return f"'{text}' is not a number (expected {PERCENT_FORMAT})"
    if re.match(r"^-?0[0-9]", text):
        return f"'{text}' has a leading zero (expected {PERCENT_FORMAT})"
    if text.startswith("-") or not 0 <= float(text) <= 100:
        return f"{text} is outside 0–100"
    return None


def check_id(text: str) -> str | None:
    return None if ID_PATTERN.match(text) else f"'{text}' is not a valid id ({ID_FORMAT})"


def split_list(value: str, separator: str = LIST_SEPARATOR) -> list[str]:
    return [v.strip() for v in value.split(separator) if v.strip()] if value else []


@dataclass(frozen=True)
class Column:
    """One column of a CSV file and the values it may hold."""

    name: str
    required: bool = False
    one_of: tuple[str, ...] | str | None = None
    """A closed list of values, or the name of a list from survey.yml ("countries", "sources", "measures")."""
    each: bool = False
    """The value is a ``;`` list, each entry checked against ``one_of``."""
    check: Callable[[str], str | None] | None = None
    """What is wrong with a value, or None (run only on non-empty values)."""
    noun: str = ""
    """What a value is, in messages ("unknown answer format 'x'"); by default the list's or column's name."""

    def what(self) -> str:
        if self.noun:
            return self.noun
        return LIST_NOUNS.get(self.one_of, self.name.replace("_", " "))


LIST_NOUNS = {"countries": "country", "sources": "source", "measures": "measure"}


TOPLINES = (
    Column("country", True, "countries"),
    Column("question_id", True),
    Column("option", True),
    Column("percent", True, check=check_percent),
    Column("source", True, "sources"),
    Column("locator", True),
    Column("net_of"),
    Column("measure", one_of="measures"),
    Column("status", True, STATUSES),
    Column("corroborated_by", one_of="sources", each=True),
    Column("note"),
)
QUESTIONS = (
    Column("question_id", True, check=check_id),
    Column("category", True, CATEGORIES),
    Column("wording", True),
    Column("question_type", True, QUESTION_TYPES),
    Column("answers", True, ANSWER_FORMATS, noun="answer format"),
    Column("base_question"),
    Column("base_option"),
    Column("options", True),
    Column("option_sides"),
    Column("subject", one_of="countries"),
    Column("family", check=check_id),
    Column("note"),
    Column("codebook_note"),
    Column("no_view"),
    Column("chart_group", check=check_id),
)
COVERAGE = (
    Column("country", True, "countries"),
    Column("question_id", True),
    Column("source", True, "sources"),
    Column("options_published", True, OPTIONS_PUBLISHED, noun="options_published value"),
    Column("measure_note"),
    Column("note"),
)
CLAIMS = (
    Column("country", True, "countries"),
    Column("question_id", True),
    Column("option", True),
    Column("versus"),
    Column("release_words", True),
    Column("implies", True, CLAIM_READINGS, noun="reading"),
    Column("source", True, "sources"),
    Column("locator", True),
)


def names(columns: tuple[Column, ...]) -> tuple[str, ...]:
    return tuple(c.name for c in columns)


def _value_problem(column: Column, value: str, lists: Mapping[str, Collection[str]]) -> str | None:
    if column.check is not None:
        return column.check(value)
    if column.one_of is None:
        return None
    allowed = lists[column.one_of] if isinstance(column.one_of, str) else column.one_of
    values = split_list(value) if column.each else [value]
    for v in values:
        if v not in allowed:
            where = f"{SURVEY_YML} has" if isinstance(column.one_of, str) else "expected one of"
            return f"unknown {column.what()} '{v}' ({where}: {', '.join(allowed)})"
    return None


def check_columns(
    path: Path, records: list[dict], columns: tuple[Column, ...], lists: Mapping[str, Collection[str]]
) -> tuple[list[str], set[int]]:
    """Problems of single values (required, closed list, pattern), and the lines of the rows that have one."""
    problems: list[str] = []
    bad_lines: set[int] = set()
    for r in records:
        for column in columns:
            value = r[column.name]
            if not value:
                wrong = "empty, a value is required" if column.required else None
            else:
                wrong = _value_problem(column, value, lists)
            if wrong:
                problems.append(f"{location(path, r['_line'], column.name)}: {wrong}")
                bad_lines.add(r["_line"])
    return problems, bad_lines
