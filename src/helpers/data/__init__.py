"""Load and validate the survey data in ``data/``.

Seven files, all required (:data:`DATA_FILES`): ``survey.yml`` (metadata and sources), ``questions.csv`` (the
codebook), ``coverage.csv`` (which country has figures for which question from which source, and whether
those figures are the codebook's measure), ``toplines.csv`` (the published figures),
``release_claims.csv`` (how the release words its findings), and ``waves.csv`` and ``trends.csv`` (earlier
surveys of the same publics and their figures, loaded and checked by :mod:`helpers.trends`).

Every load validates. A problem raises :class:`DataValidationError`, whose message names the file, the
line, the column (or the key of ``survey.yml``) and what is wrong, e.g.::

    data/toplines.csv, line 12, column 'percent': '4O.5' is not a number (...)
    data/survey.yml, line 31, key 'countries.JP.margin_of_error': 'abc' is not a number (...)

All problems found in one pass are reported together (the first ones in the message, all of them in
``error.problems``), so a reader fixes a file in one go rather than one error per run.

The package: :mod:`~helpers.data.files` (reading files safely, messages), :mod:`~helpers.data.survey`
(``survey.yml`` as typed objects), :mod:`~helpers.data.rules` (the CSV column rules, declared) and
:mod:`~helpers.data.csvfiles` (the CSV loaders and the checks across rows and files). Outside this package
the survey is read only through :class:`SurveyData` and the typed objects (``data.survey.title``,
``data.country("JP").adjective``, ``data.measure(m).label``), never as a raw mapping.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> data.wording("us_relations_state", "JP")
'Current state of relations between Japan and the United States'
>>> data.countries_of("japan_impression")
('KR', 'US')
>>> data.country("US").in_text
'the United States'
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..kinds import OptionsPublished
from .csvfiles import (
    COUNTRY_PLACEHOLDER,
    answer_format,
    decimals_of,
    load_claims,
    load_codebook,
    load_coverage,
    load_questions,
    load_toplines,
    sum_counts_as_single,
    with_countries,
)
from .files import (
    CLAIMS_CSV,
    COVERAGE_CSV,
    DATA_FILES,
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    QUESTIONS_CSV,
    SURVEY_YML,
    TOPLINES_CSV,
    DataValidationError,
    check_data_files,
    check_file,
    display_path,
    known,
    location,
    read_csv_records,
    read_text,
    visible,
)
from .rules import CATEGORIES, QUESTION_TYPES, check_percent
from .survey import (
    NOT_GIVEN_PREFIX,
    Country,
    Disclosure,
    Fieldwork,
    Institute,
    Measure,
    Source,
    Survey,
    check_country_code,
    load_survey,
)

__all__ = [
    "CATEGORIES",
    "DATA_FILES",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "NOT_GIVEN_PREFIX",
    "QUESTION_TYPES",
    "Country",
    "DataValidationError",
    "Disclosure",
    "Fieldwork",
    "Institute",
    "Measure",
    "Source",
    "Survey",
    "SurveyData",
    "answer_format",
    "check_country_code",
    "check_data_files",
    "check_file",
    "decimals_of",
    "display_path",
    "fill_country",
    "load_claims",
    "load_codebook",
    "load_coverage",
    "load_questions",
    "load_survey",
    "load_survey_data",
    "load_toplines",
    "location",
    "read_csv_records",
    "read_text",
    "sum_counts_as_single",
    "visible",
]


def _figure_text(value: float, decimals: int) -> str:
    """A figure written at the precision it was published with (60 at one decimal → "60.0")."""
    return f"{value:.{decimals}f}" if float(f"{value:.{decimals}f}") == value else repr(float(value))


def _figure_problem(frame: pd.DataFrame, i: int) -> str | None:
    """Why row ``i`` (by position) of the toplines is out of step (its figure is not a percentage)."""
    text = frame["percent_text"].iloc[i]
    value = frame["percent"].iloc[i]
    where = f"data.toplines row {frame.index[i]!r} (line {frame['line'].iloc[i]} of {TOPLINES_CSV})"
    if pd.isna(text) or check_percent(str(text)):
        return f"{where}: percent_text {text!r} is not a published figure ({check_percent(str(text))})"
    if not (isinstance(value, (int, float)) and 0 <= value <= 100):
        return f"{where}: percent {value} is not a percentage from 0 to 100"
    return None


def _keep_in_step(frame: pd.DataFrame, last: tuple | None) -> tuple:
    """Keep ``percent``, ``percent_text`` and ``decimals`` of the toplines in step after an edit.

    ``last`` is what the three columns held when last seen (index, texts, values). A row whose
    ``percent_text`` changed takes its ``percent`` and ``decimals`` from the new text; a row whose ``percent``
    changed gets its ``percent_text`` written from it, at the published precision. An edit that is not a
    percentage is left as it is, and :meth:`SurveyData.fingerprint` refuses it with a message.
    """
    text = frame["percent_text"].astype(object).to_numpy()
    value = pd.to_numeric(frame["percent"], errors="coerce").to_numpy(dtype=float)
    if last is not None and last[0].equals(frame.index) and np.array_equal(text, last[1]):
        if np.array_equal(value, last[2], equal_nan=True):
            return last
    if last is not None and frame.index.is_unique and last[0].is_unique:
        before_text = pd.Series(last[1], index=last[0], dtype=object).reindex(frame.index).to_numpy()
        before_value = pd.Series(last[2], index=last[0], dtype=float).reindex(frame.index).to_numpy()
    else:
        before_text, before_value = np.full(len(frame), None, dtype=object), np.full(len(frame), math.nan)
    text_edited = text != before_text
    value_edited = ~(value == before_value) & ~text_edited
    for i in np.flatnonzero(text_edited):
        if not pd.isna(text[i]) and check_percent(str(text[i])) is None:
            frame.iloc[i, frame.columns.get_loc("percent")] = float(text[i])
            frame.iloc[i, frame.columns.get_loc("decimals")] = decimals_of(str(text[i]))
    for i in np.flatnonzero(value_edited):
        if 0 <= value[i] <= 100:
            text_at = _figure_text(value[i], int(frame["decimals"].iloc[i]))
            frame.iloc[i, frame.columns.get_loc("percent_text")] = text_at
    return (
        frame.index.copy(),
        frame["percent_text"].astype(object).to_numpy(),
        pd.to_numeric(frame["percent"], errors="coerce").to_numpy(dtype=float),
    )


def _check_figures(frame: pd.DataFrame) -> None:
    """A ValueError naming the first row whose figure is not a percentage or whose two columns disagree."""
    parsed = pd.to_numeric(frame["percent_text"], errors="coerce")
    value = pd.to_numeric(frame["percent"], errors="coerce")
    bad = parsed.isna() | value.isna() | (parsed != value) | (value < 0) | (value > 100)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            (_figure_problem(frame, i) or f"data.toplines row {frame.index[i]!r}: percent and percent_text disagree")
            + "; edit percent (or percent_text) with a percentage from 0 to 100, or reload the data"
        )


@dataclass
class SurveyData:
    """The data files, loaded and cross-validated, and the questions a caller asks of them.

    Nothing is cached on the object: every method reads the frames afresh. What is derived from them (the
    tables of :mod:`helpers.tables`) is memoised by :meth:`fingerprint`, so an edit shows at once.

    A figure of ``toplines`` may be edited through either of its columns, ``percent`` or ``percent_text``
    (the figure as published); the other follows when ``toplines`` is next read, so an edit is never
    ignored, and an edit that is not a percentage from 0 to 100 is refused with a message.
    """

    survey: Survey
    questions: pd.DataFrame
    coverage: pd.DataFrame
    toplines: pd.DataFrame
    claims: pd.DataFrame
    data_dir: Path = field(default=paths.DATA_DIR)
    waves: pd.DataFrame = field(default_factory=pd.DataFrame)  # earlier waves (helpers.trends)
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)

    def fingerprint(self) -> str:
        """A digest of the loaded content (the survey, the codebook, coverage, figures and claims).

        Equal fingerprints mean equal data, so a table derived from the data can be reused while the
        fingerprint stays the same; editing any frame in place changes it. A figure edited into something
        other than a percentage is refused here (a ValueError naming the row). A few milliseconds: the calls a
        remembered function makes while it computes reuse the fingerprint of its call (:mod:`helpers.memo`).
        """
        toplines = self.toplines
        _check_figures(toplines)
        frames = (self.questions, self.coverage, toplines, self.claims, self.waves, self.trends)
        # Each frame by its columns, dtypes, index and values, never as pickled whole: a frame's pickle also
        # holds what pandas remembers as it is read (its block layout, a dtype's cached attributes), so the
        # same data would change its fingerprint on first use.
        content = pickle.dumps(
            (
                self.survey,
                [(tuple(f.columns), tuple(map(str, f.dtypes)), f.index.to_numpy(), f.to_numpy()) for f in frames],
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        return hashlib.blake2b(content, digest_size=16).hexdigest()

    # ------------------------------------------------------------------------------------------ countries
    def countries(self) -> list[str]:
        """Codes of every country in the survey, in the order of ``survey.yml``."""
        return list(self.survey.codes)

    def country(self, country: str) -> Country:
        """The facts of one country (:class:`~helpers.data.survey.Country`); a ValueError if unknown."""
        return self.survey.country(self.check_country(country))

    def check_country(self, country: str) -> str:
        """Return ``country`` if the survey has it; otherwise a ValueError naming it and the known codes."""
        if not isinstance(country, str) or country not in self.survey.codes:
            raise ValueError(f"unknown country {country!r}: {SURVEY_YML} has {known(self.countries())}")
        return country

    def country_n(self, country: str) -> int:
        return self.country(country).n

    def country_name(self, country: str) -> str:
        """The country's name as a label: "United States"."""
        return self.country(country).name

    def country_in_text(self, country: str) -> str:
        """The country's name inside a sentence: "the United States" (``name_in_text``, else ``name``)."""
        return self.country(country).in_text

    def respondents(self, country: str) -> str:
        """ "American respondents"."""
        return f"{self.country(country).adjective} respondents"

    # -------------------------------------------------------------------------------------------- sources
    def source(self, source_id: str) -> Source:
        """A source of ``survey.yml``; a ValueError naming it and the known ids if there is none."""
        return self.survey.source(source_id)

    def is_press(self, source_id: str) -> bool:
        """Whether a source is secondary (a press report) rather than an institute's own publication."""
        return self.source(source_id).is_press

    def source_label(self, source_id: str, in_brackets: bool = False) -> str:
        """The one name of a source in chart footers and sentences: "KEI", "Yankee Times (press report)"; within
        brackets of a sentence (``in_brackets``), "Yankee Times [press report]", never nested parentheses."""
        s = self.source(source_id)
        name = s.short or s.publisher
        if not s.is_press:
            return name
        return f"{name} [press report]" if in_brackets else f"{name} (press report)"

    def measure(self, measure_id: str) -> Measure:
        """A measure of ``survey.yml`` (label, answer format, description); a ValueError if unknown."""
        return self.survey.measure(measure_id)

    # ----------------------------------------------------------------------------------------- categories
    @staticmethod
    def check_category(category: str) -> str:
        """Return ``category`` if it is one of :data:`CATEGORIES`; otherwise a ValueError listing them."""
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}: the categories are {'; '.join(CATEGORIES)}")
        return category

    # ------------------------------------------------------------------------------------------ questions
    def check_question(self, question_id: str, country: str | None = None) -> str:
        """Return ``question_id`` if the codebook has it (and, given ``country``, if that country has figures
        for it); otherwise a ValueError naming the bad value and the valid ones."""
        if not (self.questions["question_id"].to_numpy() == question_id).any():
            ids = list(self.questions["question_id"])
            raise ValueError(f"unknown question {question_id!r}: {QUESTIONS_CSV} has {known(ids)}")
        if country is not None:
            self.check_country(country)
            have = self.countries_of(question_id)
            if country not in have:
                raise ValueError(
                    f"question {question_id!r} has no figures for {country!r}; it has figures for {known(have)}"
                )
        return question_id

    def question(self, question_id: str) -> pd.Series:
        """The codebook row of a question (``options`` and ``countries`` as tuples)."""
        found = (self.questions["question_id"].to_numpy() == question_id).nonzero()[0]
        if not len(found):
            self.check_question(question_id)  # raises, naming the valid ids
        return self.questions.iloc[int(found[0])]

    def wording(self, question_id: str, country: str) -> str:
        """The question's wording for the respondents of ``country``, ``{country}`` filled in."""
        text = str(self.question(question_id)["wording"])
        return fill_country(text, self.country_in_text(country))

    def subject(self, question_id: str) -> str | None:
        """The country a question is about ("US" for impressions of the United States), or None."""
        value = self.question(question_id)["subject"]
        return None if pd.isna(value) else str(value)

    def base_question(self, question_id: str) -> str | None:
        """The question whose answer routes respondents to this one (a follow-up), or None."""
        value = self.question(question_id)["base_question"]
        return None if pd.isna(value) or not value else str(value)

    def family(self, question_id: str) -> str | None:
        """The family of items asking the same thing about different subjects ("impression"), or None."""
        value = self.question(question_id)["family"]
        return None if pd.isna(value) else str(value)

    def mirror_pairs(self) -> list[tuple[tuple[str, str], tuple[str, str]]]:
        """Every pair of mirror items: respondents of A about B and respondents of B about A, one family.

        Each pair is ``((question_a, country_a), (question_b, country_b))`` with ``country_a`` before
        ``country_b`` in survey order, e.g. ``(("korea_impression", "JP"), ("japan_impression", "KR"))``.
        Derived from ``subject``, ``family`` and the coverage; nothing stores it.
        """
        order = self.countries()
        by_key = {}
        for q in self.questions.dropna(subset=["family", "subject"]).itertuples(index=False):
            for country in q.countries:
                by_key[(q.family, country, q.subject)] = q.question_id
        pairs = []
        for (family, a, b), qid in by_key.items():
            other = by_key.get((family, b, a))
            if other is not None and order.index(a) < order.index(b):
                pairs.append(((qid, a), (other, b)))
        return sorted(pairs, key=lambda p: (order.index(p[0][1]), order.index(p[1][1]), p[0][0]))

    def countries_of(self, question_id: str) -> tuple[str, ...]:
        """Respondent countries with figures for a question, in survey order."""
        return tuple(self.question(question_id)["countries"])

    # ------------------------------------------------------------------------------------------- coverage
    def _coverage_rows(self, country: str, question_id: str) -> pd.DataFrame:
        c = self.coverage
        rows = c[(c["country"].to_numpy() == country) & (c["question_id"].to_numpy() == question_id)]
        if rows.empty:
            self.check_question(question_id, country)  # raises, naming what is valid
        return rows

    def options_published(self, country: str, question_id: str, source: str | None = None) -> OptionsPublished:
        """``all`` or ``some``: whether a country's figures for a question leave no option unpublished.

        With ``source``, the value recorded for that source; without, ``all`` when any source of the
        country records ``all``.
        """
        rows = self._coverage_rows(country, question_id)
        if source is not None:
            rows = rows[rows["source"] == source]
            if rows.empty:
                have = known(self._coverage_rows(country, question_id)["source"])
                raise ValueError(
                    f"source {source!r} has no figures for {country}/{question_id}; sources with figures: {have}"
                )
            return OptionsPublished(rows["options_published"].iloc[0])
        return (
            OptionsPublished.ALL if (rows["options_published"] == OptionsPublished.ALL).any() else OptionsPublished.SOME
        )

    def measure_note(self, country: str, question_id: str) -> str | None:
        """What a country's figures measure when it is not the codebook's wording (None when it is)."""
        notes = list(dict.fromkeys(self._coverage_rows(country, question_id)["measure_note"].dropna()))
        return "; ".join(notes) if notes else None

    def notes_for(self, country: str, question_id: str, source: str | None = None) -> list[str]:
        """Notes for readers of one country's figures of a question: the question's own note (true for every
        country) and the notes on this country's figures (with ``source``: on that source's figures only).
        Never the codebook's filing notes."""
        note = self.question(question_id)["note"]
        own = self.figure_notes(country, question_id, None if source is None else [source])
        return list(dict.fromkeys(([] if pd.isna(note) else [str(note)]) + own))

    def figure_notes(self, country: str, question_id: str, sources: Iterable[str] | None = None) -> list[str]:
        """The notes of ``coverage.csv`` on one country's figures of a question (of ``sources`` only, when
        given): how a source words them, what it leaves unsaid."""
        rows = self._coverage_rows(country, question_id)
        if sources is not None:
            rows = rows[rows["source"].isin(list(sources))]
        return list(dict.fromkeys(rows["note"].dropna()))

    def non_answers(self, question_id: str) -> tuple[str, ...]:
        """Options of a question that express no view ("neither", "don't know"): its ``no_view`` column."""
        return tuple(self.question(question_id)["no_view"])


def _get_toplines(self: SurveyData) -> pd.DataFrame:
    frame = self.__dict__["_toplines"]
    self.__dict__["_figures_seen"] = _keep_in_step(frame, self.__dict__["_figures_seen"])
    return frame


def _set_toplines(self: SurveyData, frame: pd.DataFrame) -> None:
    self.__dict__["_toplines"] = frame
    self.__dict__["_figures_seen"] = (
        frame.index.copy(),
        frame["percent_text"].astype(object).to_numpy(),
        pd.to_numeric(frame["percent"], errors="coerce").to_numpy(dtype=float),
    )


# A property set after the dataclass is made, so ``toplines`` stays an ordinary field of __init__ and
# dataclasses.replace while every read keeps its two figure columns in step.
SurveyData.toplines = property(_get_toplines, _set_toplines, doc="The published figures (toplines.csv).")


def fill_country(text: str, country_in_text: str) -> str:
    """Replace ``{country}`` by a country's name; a wording that starts with it starts with a capital."""
    filled = text.replace(COUNTRY_PLACEHOLDER, country_in_text)
    return filled[:1].upper() + filled[1:] if text.startswith(COUNTRY_PLACEHOLDER) else filled


def load_survey_data(data_dir: Path | str | None = None) -> SurveyData:
    """Load and cross-validate every file of :data:`DATA_FILES` in ``data_dir`` (default ``data/``).

    Each file is checked to be an ordinary, readable file of a sane size before any is opened
    (:func:`check_data_files`), and every missing or unreadable one is named in one error.
    """
    data_dir = Path(data_dir) if data_dir else paths.DATA_DIR
    if not data_dir.is_absolute():
        data_dir = paths.ROOT / data_dir
    check_data_files(data_dir)
    survey = load_survey(data_dir / SURVEY_YML)
    codebook = load_codebook(data_dir / QUESTIONS_CSV, survey=survey)
    coverage = load_coverage(data_dir / COVERAGE_CSV, survey=survey, codebook=codebook)
    questions = with_countries(codebook, coverage, survey)
    toplines = load_toplines(data_dir / TOPLINES_CSV, questions=questions, survey=survey, coverage=coverage)
    claims = load_claims(data_dir / CLAIMS_CSV, toplines=toplines, survey=survey)
    from ..trends import load_trend_data  # helpers.trends imports this package: loaded here, not at the top

    waves, trends = load_trend_data(data_dir, survey, questions, toplines)
    return SurveyData(
        survey=survey,
        questions=questions,
        coverage=coverage,
        toplines=toplines,
        claims=claims,
        data_dir=data_dir,
        waves=waves,
        trends=trends,
    )
