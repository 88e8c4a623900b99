"""Load and validate the survey data in ``data/``.

Five files, all required (:data:`DATA_FILES`): ``survey.yml`` (metadata and sources), ``questions.csv`` (the
codebook), ``coverage.csv`` (which country has figures for which question from which source, and whether
those figures are the codebook's measure), ``toplines.csv`` (the published figures) and
``release_claims.csv`` (how the release words its findings).

Every load validates. A problem raises :class:`DataValidationError`, whose message names the file, the
line, the column and what is wrong, e.g.::

    data/toplines.csv, line 12, column 'percent': '4O.5' is not a number (...)

All problems found in one pass are reported together (the first ones in the message, all of them in
``error.problems``), so a reader fixes a file in one go rather than one error per run.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> data.wording("us_relations_state", "JP")
'Current state of relations between Japan and the United States'
>>> data.countries_of("japan_impression")
('KR', 'US')
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import pickle
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import paths
from .kinds import AnswerFormat, QuestionType

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
STATUSES = ("published", "unconfirmed")
SIDES = ("+", "0", "-")
OPTIONS_PUBLISHED = ("all", "some")
"""``coverage.csv``: ``all`` when a country's figures leave no option unpublished, ``some`` otherwise."""

SURVEY_YML = "survey.yml"
QUESTIONS_CSV = "questions.csv"
COVERAGE_CSV = "coverage.csv"
TOPLINES_CSV = "toplines.csv"
CLAIMS_CSV = "release_claims.csv"
DATA_FILES = tuple(p.name for p in paths.DATA_FILES)
"""Every file of a data folder, in loading order; all are required (defined once, in helpers.paths)."""

TOPLINES_COLUMNS = (
    "country",
    "question_id",
    "option",
    "percent",
    "source",
    "locator",
    "net_of",
    "measure",
    "status",
    "corroborated_by",
    "note",
)
TOPLINES_REQUIRED = ("country", "question_id", "option", "percent", "source", "locator", "status")
QUESTIONS_COLUMNS = (
    "question_id",
    "category",
    "wording",
    "question_type",
    "answers",
    "base_question",
    "base_option",
    "options",
    "option_sides",
    "subject",
    "family",
    "note",
    "codebook_note",
    "no_view",
    "chart_group",
)
QUESTIONS_REQUIRED = ("question_id", "category", "wording", "question_type", "answers", "options")
COVERAGE_COLUMNS = ("country", "question_id", "source", "options_published", "measure_note", "note")
COVERAGE_REQUIRED = ("country", "question_id", "source", "options_published")
CLAIMS_COLUMNS = ("country", "question_id", "option", "versus", "release_words", "implies", "source", "locator")
CLAIMS_REQUIRED = ("country", "question_id", "option", "release_words", "implies", "source", "locator")
CLAIM_READINGS = (
    "tie",
    "lead",
    "narrow lead",
    "clear lead",
    "overwhelming lead",
    "no majority",
    "majority",
    "about half",
    "largest",
)
"""What a release's wording implies, in this report's terms: a gap (tie, lead …) or a share (majority …)."""
SHARE_READINGS = ("majority", "about half", "largest")
SURVEY_KEYS = ("title", "countries", "sources", "aapor_disclosure", "measures", "fieldwork_month")
SURVEY_COUNTRY_KEYS = (
    "name",
    "adjective",
    "n",
    "conductor",
    "fieldwork_vendor",
    "mode",
    "fieldwork",
    "population",
    "margin_of_error",
    "margin_of_error_source",
)
SOURCE_KEYS = ("id", "title", "publisher", "date", "url", "kind")
MEASURE_KEYS = ("label", "answers", "description")
AAPOR_ELEMENTS = 11

COUNTRY_CODE = re.compile(r"[A-Z]{2}")
"""A country code: ISO 3166-1 alpha-2 style, two capital letters (checked before a code is used anywhere)."""
# A sign and any number of digits are accepted here so that "-3" or "250" are reported as out of range,
# not as "not a number"; a leading zero ("040.5") is refused separately.
PERCENT_PATTERN = re.compile(r"^-?\d+(\.\d+)?$")
PERCENT_FORMAT = "digits with an optional decimal part and no leading zero, as published (e.g. 40.5, 7, 0.5)"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTRY_PLACEHOLDER = "{country}"
"""In ``wording``: replaced by the name of the respondents' country (``name_in_text`` in survey.yml)."""
VAGUE_COUNTRY_WORDS = (
    "respondent's country",
    "respondents' country",
    "respondent country",
    "host country",
    "home country",
    "own country",
)
"""Phrases a wording must not use for the respondents' country: write ``{country}`` instead."""
OPTION_SEPARATOR = "|"
LIST_SEPARATOR = ";"
MAX_FIELD_CHARS = 128 * 1024
"""The longest field a data file may hold (128 KiB); longer is a mistake, usually an unclosed quote."""
MAX_PROBLEMS_SHOWN = 20


class DataValidationError(ValueError):
    """Raised when a data file is malformed; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more problem(s)" if more > 0 else "")
        super().__init__(text)


def _known(values) -> str:
    return ", ".join(str(v) for v in values) or "none"


@dataclass
class SurveyData:
    """The data files, loaded and cross-validated, and the questions a caller asks of them.

    Nothing is cached on the object: every method reads the frames afresh. What is derived from them (the
    tables of :mod:`helpers.tables`) is memoised by :meth:`fingerprint`, so an edit shows at once.
    """

    survey: dict[str, Any]
    questions: pd.DataFrame
    coverage: pd.DataFrame
    toplines: pd.DataFrame
    claims: pd.DataFrame
    data_dir: Path = field(default=paths.DATA_DIR)

    def fingerprint(self) -> str:
        """A digest of the loaded content (the survey, the codebook, coverage, figures and claims).

        Equal fingerprints mean equal data, so a table derived from the data can be reused while the
        fingerprint stays the same; editing any frame in place changes it. About half a millisecond.
        """
        content = pickle.dumps(
            (self.survey, self.questions, self.coverage, self.toplines, self.claims), protocol=pickle.HIGHEST_PROTOCOL
        )
        return hashlib.blake2b(content, digest_size=16).hexdigest()

    # ------------------------------------------------------------------------------------------ countries
    def countries(self) -> list[str]:
        """Codes of every country in the survey, in the order of ``survey.yml``."""
        return list(self.survey["countries"])

    def check_country(self, country: str) -> str:
        """Return ``country`` if the survey has it; otherwise a ValueError naming it and the known codes."""
        if not isinstance(country, str) or country not in self.survey["countries"]:
            raise ValueError(f"unknown country {country!r}: {SURVEY_YML} has {_known(self.countries())}")
        return country

    def country_n(self, country: str) -> int:
        return int(self.survey["countries"][self.check_country(country)]["n"])

    def country_name(self, country: str) -> str:
        """The country's name as a label: "United States"."""
        return str(self.survey["countries"][self.check_country(country)]["name"])

    def country_in_text(self, country: str) -> str:
        """The country's name inside a sentence: "the United States" (``name_in_text``, else ``name``)."""
        c = self.survey["countries"][self.check_country(country)]
        return str(c.get("name_in_text") or c["name"])

    def respondents(self, country: str) -> str:
        """ "American respondents"."""
        return f"{self.survey['countries'][self.check_country(country)]['adjective']} respondents"

    # -------------------------------------------------------------------------------------------- sources
    def source(self, source_id: str) -> dict:
        """The entry of a source in ``survey.yml``; a ValueError naming it and the known ids if there is none."""
        for source in self.survey["sources"]:
            if source["id"] == source_id:
                return source
        raise ValueError(
            f"unknown source {source_id!r}: {SURVEY_YML} has {_known(s['id'] for s in self.survey['sources'])}"
        )

    def is_press(self, source_id: str) -> bool:
        """Whether a source is secondary (a press report) rather than an institute's own publication."""
        return str(self.source(source_id)["kind"]).startswith("secondary")

    def source_label(self, source_id: str) -> str:
        """The one name of a source in chart footers and sentences: "KEI", "Yankee Times (press report)"."""
        s = self.source(source_id)
        name = str(s.get("short") or s["publisher"])
        return f"{name} (press report)" if self.is_press(source_id) else name

    def source_citation(self, source_id: str) -> str:
        """A full reference for a list of sources: publisher, title, date and URL (or that they are missing)."""
        s = self.source(source_id)
        date = str(s["date"])
        url = str(s["url"])
        date_text = f"date {date}" if date.startswith("not ") else date
        url_text = url if url.startswith(("http://", "https://")) else f"URL {url}"
        kind = "press report" if self.is_press(source_id) else "primary source"
        return f"{s['publisher']}, {s['title']} ({kind}), {date_text}, {url_text}"

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
            raise ValueError(f"unknown question {question_id!r}: {QUESTIONS_CSV} has {_known(ids)}")
        if country is not None:
            self.check_country(country)
            have = self.countries_of(question_id)
            if country not in have:
                raise ValueError(
                    f"question {question_id!r} has no figures for {country!r}; it has figures for {_known(have)}"
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

    def family_members(self, family: str) -> list[str]:
        """Question ids of one family, in codebook order (a ValueError listing the families if unknown)."""
        families = list(dict.fromkeys(self.questions["family"].dropna()))
        if family not in families:
            raise ValueError(f"unknown family {family!r}: {QUESTIONS_CSV} has {_known(families)}")
        return list(self.questions.loc[self.questions["family"] == family, "question_id"])

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

    def check_option(self, question_id: str, option: str) -> str:
        """Return ``option`` if it is an option of the question or a published net of it; otherwise a
        ValueError naming it and the valid ones."""
        q = self.question(question_id)
        nets = self.toplines.loc[(self.toplines["question_id"] == question_id) & self.toplines["is_net"], "option"]
        valid = list(q["options"]) + [n for n in dict.fromkeys(nets) if n not in q["options"]]
        if option not in valid:
            raise ValueError(
                f"unknown option {option!r} of question {question_id!r}: valid options are {' | '.join(valid)}"
            )
        return option

    # ------------------------------------------------------------------------------------------- coverage
    def _coverage_rows(self, country: str, question_id: str) -> pd.DataFrame:
        c = self.coverage
        rows = c[(c["country"].to_numpy() == country) & (c["question_id"].to_numpy() == question_id)]
        if rows.empty:
            self.check_question(question_id, country)  # raises, naming what is valid
        return rows

    def options_published(self, country: str, question_id: str, source: str | None = None) -> str:
        """``all`` or ``some``: whether a country's figures for a question leave no option unpublished.

        With ``source``, the value recorded for that source; without, ``all`` when any source of the
        country records ``all``.
        """
        rows = self._coverage_rows(country, question_id)
        if source is not None:
            rows = rows[rows["source"] == source]
            if rows.empty:
                have = _known(self._coverage_rows(country, question_id)["source"])
                raise ValueError(
                    f"source {source!r} has no figures for {country}/{question_id}; sources with figures: {have}"
                )
            return str(rows["options_published"].iloc[0])
        return "all" if (rows["options_published"] == "all").any() else "some"

    def measure_note(self, country: str, question_id: str) -> str | None:
        """What a country's figures measure when it is not the codebook's wording (None when it is)."""
        notes = list(dict.fromkeys(self._coverage_rows(country, question_id)["measure_note"].dropna()))
        return "; ".join(notes) if notes else None

    def is_same_measure(self, country: str, question_id: str) -> bool:
        """Whether a country's figures measure what the codebook's wording says."""
        return self.measure_note(country, question_id) is None

    def notes_for(self, country: str, question_id: str) -> list[str]:
        """Notes for readers of one country's figures of a question: the question's own note (true for every
        country) and the notes on this country's figures. Never the codebook's filing notes."""
        rows = self._coverage_rows(country, question_id)
        note = self.question(question_id)["note"]
        notes = ([] if pd.isna(note) else [str(note)]) + list(rows["note"].dropna())
        return list(dict.fromkeys(notes))

    def non_answers(self, question_id: str) -> tuple[str, ...]:
        """Options of a question that express no view ("neither", "don't know"): its ``no_view`` column."""
        return tuple(self.question(question_id)["no_view"])


def fill_country(text: str, country_in_text: str) -> str:
    """Replace ``{country}`` by a country's name; a wording that starts with it starts with a capital."""
    filled = text.replace(COUNTRY_PLACEHOLDER, country_in_text)
    return filled[:1].upper() + filled[1:] if text.startswith(COUNTRY_PLACEHOLDER) else filled


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the repository when inside it (no absolute paths)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return path.name


def location(path: Path, line: int | None = None, column: str | None = None) -> str:
    where = display_path(path)
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column '{column}'"
    return where


def check_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a data file (missing, a folder, a FIFO …), or None if it can.

    The type is checked with ``stat`` before the file is opened, so a FIFO never blocks the loader.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{location(path)}: file not found (every data folder needs {', '.join(DATA_FILES)})"
    except OSError as exc:
        return f"{location(path)}: cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return f"{location(path)}: is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        return f"{location(path)}: is {kind}; a data file must be an ordinary file"
    return None


def read_text(path: Path) -> str:
    """Read a file as UTF-8, naming the line and column of the first byte that is not UTF-8."""
    path = Path(path)
    problem = check_file(path)
    if problem:
        raise DataValidationError([problem])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError([f"{location(path)}: cannot be read ({exc.strerror or exc})"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataValidationError(
            [
                f"{location(path, line)}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at character {col}); "
                "save the file as UTF-8"
            ]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataValidationError([f"{location(path)}: the file is empty"])
    return text


def _csv_rows(path: Path, text: str):
    """Yield ``(first_line, last_line, fields)`` per row; a quoting error becomes a DataValidationError.

    The reader is strict, so a quote closed in the middle of a field or left open at the end of the file
    is an error rather than a silently merged field.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                what = (
                    f"a field is longer than {MAX_FIELD_CHARS // 1024} KiB ({MAX_FIELD_CHARS} characters); "
                    "is a quote left unclosed?"
                )
            elif "unexpected end of data" in message:
                what = "unclosed quote: a quoted field starts on this line and is never closed"
            elif reader.line_num > start:
                what = (
                    f"unclosed quote: a quoted field starts on this line and runs on to line "
                    f"{reader.line_num}, where the next quote is"
                )
            else:
                what = (
                    f"bad quoting ({message}): probably an unclosed quote, closed only by the next quote on "
                    'this line; a quote inside a quoted field is written twice ("")'
                )
            raise DataValidationError([f"{location(path, start)}: {what}"]) from None
        end = reader.line_num
        yield start, end, fields


def read_csv_records(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> list[dict]:
    """Parse a CSV into dicts with a ``_line`` key; check the header, field counts and required values."""
    text = read_text(path)
    rows = _csv_rows(path, text)
    problems: list[str] = []
    _, _, header = next(rows)
    header = [h.strip() for h in header]
    missing = [c for c in columns if c not in header]
    unexpected = [c for c in header if c not in columns]
    for c in missing:
        problems.append(f"{location(path, 1, c)}: missing column")
    for c in unexpected:
        problems.append(f"{location(path, 1, c)}: unexpected column (expected: {', '.join(columns)})")
    dupes = sorted({c for c in header if header.count(c) > 1})
    for c in dupes:
        problems.append(f"{location(path, 1, c)}: column appears more than once")
    if problems:
        raise DataValidationError(problems)
    records = []
    for line, last, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        long = [h for h, f in zip(header, fields) if len(f) > MAX_FIELD_CHARS]
        if long:
            problems.append(
                f"{location(path, line, long[0])}: longer than {MAX_FIELD_CHARS // 1024} KiB "
                f"({MAX_FIELD_CHARS} characters)"
            )
            continue
        if len(fields) != len(header):
            hint = f" (the row runs on to line {last}: is a quote left unclosed on line {line}?)" if last > line else ""
            problems.append(f"{location(path, line)}: {len(fields)} fields, expected {len(header)}{hint}")
            continue
        record = {h: f.strip() for h, f in zip(header, fields)}
        record["_line"] = line
        for c in required:
            if record[c] == "":
                problems.append(f"{location(path, line, c)}: empty, a value is required")
        records.append(record)
    if not records and not problems:
        problems.append(f"{location(path)}: the file has a header but no data rows")
    if problems:
        raise DataValidationError(problems)
    return records


def split_list(value: str, separator: str = LIST_SEPARATOR) -> list[str]:
    return [v.strip() for v in value.split(separator) if v.strip()] if value else []


def split_options(value: str, path: Path, line: int, column: str, problems: list[str]) -> list[str]:
    """Split a ``|`` list; an empty entry (``a||b``, a leading or trailing ``|``) is reported once."""
    if not value:
        return []
    parts = [v.strip() for v in value.split(OPTION_SEPARATOR)]
    empty = [i + 1 for i, v in enumerate(parts) if not v]
    if empty:
        problems.append(
            f"{location(path, line, column)}: entry {empty[0]} of the list is empty (two "
            f"separators '{OPTION_SEPARATOR * 2}' or one at an end); remove the extra separator"
        )
    return [v for v in parts if v]


def decimals_of(percent_text: str) -> int:
    """How many decimals a figure was published with ("26.0" → 1, "26" → 0)."""
    return len(percent_text.split(".")[1]) if "." in percent_text else 0


def half_unit(percent_text: str) -> Decimal:
    """Half of the last published digit: the most a figure can be off through rounding (26.0 → 0.05)."""
    return Decimal(5) / (Decimal(10) ** (decimals_of(percent_text) + 1))


def _frame(records: list[dict], string_columns, path: Path) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records).rename(columns={"_line": "line"})
    for c in string_columns:
        frame[c] = frame[c].astype("string").replace("", pd.NA)
    frame["line"] = frame["line"].astype("int64")
    frame.attrs["path"] = display_path(path)
    return frame


# --------------------------------------------------------------------------------------------- survey.yml


class _DuplicateKey(Exception):
    def __init__(self, key, line: int, first: int):
        self.key, self.line, self.first = key, line, first


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping (YAML itself keeps the last one)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base loader reports it
                continue
            if first is not None:
                raise _DuplicateKey(key, key_node.start_mark.line + 1, first)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def parse_yaml(path: Path, text: str) -> Any:
    """Parse YAML text, with a message naming the line of a syntax error or of a key given twice."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as dup:
        raise DataValidationError(
            [
                f"{location(path, dup.line)}: key '{dup.key}' appears twice in one mapping "
                f"(first on line {dup.first}); keep one"
            ]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise DataValidationError(
            [f"{location(path, line)}: not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from None


def check_country_codes(path: Path, countries: Any) -> list[str]:
    """The country codes under ``countries:``, refused unless every one is two capital letters.

    Checked before anything else uses a code (file names, make recipes, messages built from it).
    """
    if not isinstance(countries, dict) or not countries:
        raise DataValidationError(
            [f"{location(path)}, key 'countries': expected a mapping of country codes to country facts"]
        )
    bad = [code for code in countries if not (isinstance(code, str) and COUNTRY_CODE.fullmatch(code))]
    if bad:
        raise DataValidationError(
            [
                f"{location(path)}, key 'countries': {code!r} is not a country code "
                "(two capital letters, ISO 3166-1 alpha-2 style, e.g. JP)"
                for code in bad
            ]
        )
    return list(countries)


def load_survey(path: Path | str | None = None) -> dict[str, Any]:
    """Load ``survey.yml`` and check its structure: countries, sources, measures, AAPOR elements."""
    path = Path(path) if path else paths.SURVEY_YML
    survey = parse_yaml(path, read_text(path))
    problems: list[str] = []
    if not isinstance(survey, dict):
        raise DataValidationError(
            [f"{location(path)}: expected a mapping (key: value lines) at the top level, found {type(survey).__name__}"]
        )
    for key in SURVEY_KEYS:
        if key not in survey:
            problems.append(f"{location(path)}, key '{key}': missing")
    if problems:
        raise DataValidationError(problems)
    check_country_codes(path, survey["countries"])
    if not isinstance(survey["sources"], list):
        problems.append(f"{location(path)}, key 'sources': expected a list of sources")
    if not isinstance(survey["aapor_disclosure"], list):
        problems.append(f"{location(path)}, key 'aapor_disclosure': expected a list of {AAPOR_ELEMENTS} elements")
    if survey["measures"] is not None and not isinstance(survey["measures"], dict):
        problems.append(f"{location(path)}, key 'measures': expected a mapping of measure ids")
    if problems:
        raise DataValidationError(problems)
    for code, country in survey["countries"].items():
        if not isinstance(country, dict):
            problems.append(f"{location(path)}, key 'countries.{code}': expected a mapping of country facts")
            continue
        for key in SURVEY_COUNTRY_KEYS:
            if key not in country:
                problems.append(f"{location(path)}, key 'countries.{code}.{key}': missing")
        for key in ("name", "adjective", "name_in_text"):
            if key in country and not (isinstance(country[key], str) and country[key].strip()):
                problems.append(f"{location(path)}, key 'countries.{code}.{key}': expected a text")
        n = country.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            problems.append(f"{location(path)}, key 'countries.{code}.n': {n!r} is not a positive integer")
    ids = []
    for i, source in enumerate(survey["sources"]):
        if not isinstance(source, dict):
            problems.append(f"{location(path)}, key 'sources[{i}]': expected a mapping with {', '.join(SOURCE_KEYS)}")
            continue
        for key in SOURCE_KEYS:
            if key not in source:
                problems.append(f"{location(path)}, key 'sources[{i}].{key}': missing")
        ids.append(source.get("id"))
    for sid in sorted({str(s) for s in ids if ids.count(s) > 1}):
        problems.append(f"{location(path)}, key 'sources': id '{sid}' appears more than once")
    for code, country in survey["countries"].items():
        cited = country.get("margin_of_error_source") if isinstance(country, dict) else None
        if cited is not None and cited not in ids:
            problems.append(
                f"{location(path)}, key 'countries.{code}.margin_of_error_source': unknown source "
                f"'{cited}' (not under sources:)"
            )
    for mid, measure in (survey["measures"] or {}).items():
        if not isinstance(measure, dict) or any(k not in measure for k in MEASURE_KEYS):
            problems.append(f"{location(path)}, key 'measures.{mid}': needs {', '.join(MEASURE_KEYS)}")
        elif measure["answers"] not in ANSWER_FORMATS:
            problems.append(
                f"{location(path)}, key 'measures.{mid}.answers': '{measure['answers']}' is not one "
                f"of {', '.join(ANSWER_FORMATS)}"
            )
    if len(survey["aapor_disclosure"]) != AAPOR_ELEMENTS:
        problems.append(
            f"{location(path)}, key 'aapor_disclosure': {len(survey['aapor_disclosure'])} elements, "
            f"expected {AAPOR_ELEMENTS}"
        )
    if problems:
        raise DataValidationError(problems)
    return survey


def source_ids(survey: dict[str, Any]) -> set[str]:
    return {s["id"] for s in survey["sources"]}


# ----------------------------------------------------------------------------------------- questions.csv


def load_codebook(path: Path | str | None = None, survey: dict[str, Any] | None = None) -> pd.DataFrame:
    """Load and validate ``questions.csv`` on its own (without the ``countries`` derived from coverage)."""
    path = Path(path) if path else paths.DATA_DIR / QUESTIONS_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    records = read_csv_records(path, QUESTIONS_COLUMNS, QUESTIONS_REQUIRED)
    problems: list[str] = []
    known_countries = list(survey["countries"])
    first_line: dict[str, int] = {}
    for r in records:
        line, qid = r["_line"], r["question_id"]
        if qid in first_line:
            problems.append(
                f"{location(path, line, 'question_id')}: duplicate key '{qid}' (first on line {first_line[qid]})"
            )
        else:
            first_line[qid] = line
        if not ID_PATTERN.match(qid):
            problems.append(
                f"{location(path, line, 'question_id')}: '{qid}' is not a valid id (lower case letters, digits and _)"
            )
        if r["category"] not in CATEGORIES:
            problems.append(
                f"{location(path, line, 'category')}: unknown category '{r['category']}' "
                f"(expected one of: {'; '.join(CATEGORIES)})"
            )
        if r["question_type"] not in QUESTION_TYPES:
            problems.append(
                f"{location(path, line, 'question_type')}: unknown question type "
                f"'{r['question_type']}' (expected one of: {', '.join(QUESTION_TYPES)})"
            )
        if r["answers"] not in ANSWER_FORMATS:
            problems.append(
                f"{location(path, line, 'answers')}: unknown answer format '{r['answers']}' "
                f"(expected one of: {', '.join(ANSWER_FORMATS)})"
            )
        problems += check_wording(path, line, r["wording"])
        n_problems = len(problems)
        options = split_options(r["options"], path, line, "options", problems)
        r["options"] = tuple(options)
        for opt in sorted({o for o in options if options.count(o) > 1}):
            problems.append(f"{location(path, line, 'options')}: option '{opt}' listed more than once")
        sides = split_options(r["option_sides"], path, line, "option_sides", problems)
        r["option_sides"] = tuple(sides)
        if len(problems) > n_problems:
            pass  # sides are not counted against a list already reported as broken (no knock-on errors)
        elif r["question_type"] == "scale":
            if len(sides) != len(options):
                problems.append(
                    f"{location(path, line, 'option_sides')}: {len(sides)} sides for "
                    f"{len(options)} options; a scale needs one of + 0 - per option"
                )
            elif any(s not in SIDES for s in sides):
                problems.append(f"{location(path, line, 'option_sides')}: sides must be +, 0 or -")
        elif sides:
            problems.append(f"{location(path, line, 'option_sides')}: only scale questions have sides")
        no_view = split_options(r["no_view"], path, line, "no_view", problems)
        for opt in no_view:
            if opt not in options:
                problems.append(f"{location(path, line, 'no_view')}: '{opt}' is not one of the question's options")
        r["no_view"] = tuple(no_view)
        if r["chart_group"] and not ID_PATTERN.match(r["chart_group"]):
            problems.append(
                f"{location(path, line, 'chart_group')}: '{r['chart_group']}' is not a valid id "
                "(lower case letters, digits and _)"
            )
        if r["subject"] and r["subject"] not in known_countries:
            problems.append(
                f"{location(path, line, 'subject')}: unknown country '{r['subject']}' "
                f"({SURVEY_YML} has: {', '.join(known_countries)})"
            )
        if r["family"]:
            if not ID_PATTERN.match(r["family"]):
                problems.append(
                    f"{location(path, line, 'family')}: '{r['family']}' is not a valid id "
                    "(lower case letters, digits and _)"
                )
            if not r["subject"]:
                problems.append(
                    f"{location(path, line, 'subject')}: '{qid}' is in family '{r['family']}', so it "
                    "needs the country it is about (a family asks one thing about several countries)"
                )
    by_id: dict[str, dict] = {}
    for r in records:
        by_id.setdefault(r["question_id"], r)  # a duplicate is reported above; the first definition counts
    for r in records:
        line = r["_line"]
        if bool(r["base_question"]) != bool(r["base_option"]):
            problems.append(f"{location(path, line, 'base_option')}: base_question and base_option go together")
        elif r["base_question"]:
            parent = by_id.get(r["base_question"])
            if parent is None:
                problems.append(f"{location(path, line, 'base_question')}: unknown question '{r['base_question']}'")
            elif r["base_option"] not in parent["options"]:
                problems.append(
                    f"{location(path, line, 'base_option')}: '{r['base_option']}' is not an "
                    f"option of '{r['base_question']}'"
                )
    problems += check_families(path, [r for r in records if by_id[r["question_id"]] is r])
    if problems:
        raise DataValidationError(problems)
    frame = _frame(
        records,
        (
            "question_id",
            "category",
            "wording",
            "question_type",
            "answers",
            "base_question",
            "base_option",
            "subject",
            "family",
            "note",
            "codebook_note",
            "chart_group",
        ),
        path,
    )
    frame["category"] = pd.Categorical(frame["category"], categories=list(CATEGORIES))
    return frame


def check_wording(path: Path, line: int, wording: str) -> list[str]:
    """A wording names the respondents' country only through ``{country}``, and has no other placeholder."""
    problems = []
    lowered = wording.lower()
    for words in VAGUE_COUNTRY_WORDS:
        if words in lowered:
            problems.append(
                f"{location(path, line, 'wording')}: '{words}' is vague; write {COUNTRY_PLACEHOLDER} "
                "for the respondents' country (it is replaced by the country's name)"
            )
    rest = wording.replace(COUNTRY_PLACEHOLDER, "")
    if "{" in rest or "}" in rest:
        problems.append(
            f"{location(path, line, 'wording')}: the only placeholder a wording may hold is {COUNTRY_PLACEHOLDER}"
        )
    return problems


def check_families(path: Path, records: list[dict]) -> list[str]:
    """Items of one family ask the same thing (one question type) about different subjects."""
    problems: list[str] = []
    members: dict[str, list[dict]] = {}
    for r in records:
        if r["family"]:
            members.setdefault(r["family"], []).append(r)
    for family, rows in members.items():
        first_subject: dict[str, dict] = {}
        for r in rows:
            if r["subject"] and r["subject"] in first_subject:
                other = first_subject[r["subject"]]
                problems.append(
                    f"{location(path, r['_line'], 'subject')}: '{r['question_id']}' and "
                    f"'{other['question_id']}' (line {other['_line']}) are both about "
                    f"{r['subject']} in family '{family}'; a family has one item per subject"
                )
            elif r["subject"]:
                first_subject[r["subject"]] = r
            if r["question_type"] != rows[0]["question_type"]:
                problems.append(
                    f"{location(path, r['_line'], 'question_type')}: '{r['question_type']}' differs "
                    f"from '{rows[0]['question_type']}' of '{rows[0]['question_id']}' (line "
                    f"{rows[0]['_line']}); items of family '{family}' ask the same kind of question"
                )
    groups: dict[str, dict] = {}
    for r in records:
        if not r["chart_group"]:
            continue
        first = groups.setdefault(r["chart_group"], r)
        if (r["question_type"], r["options"], r["option_sides"]) != (
            first["question_type"],
            first["options"],
            first["option_sides"],
        ):
            problems.append(
                f"{location(path, r['_line'], 'chart_group')}: '{r['question_id']}' is drawn with "
                f"'{first['question_id']}' (line {first['_line']}) in chart group "
                f"'{r['chart_group']}', so it needs the same question type, options and sides"
            )
    return problems


# ------------------------------------------------------------------------------------------ coverage.csv


def load_coverage(
    path: Path | str | None = None, survey: dict[str, Any] | None = None, codebook: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Load ``coverage.csv``: one row per (country, question, source) with figures in ``toplines.csv``.

    Checked here: known country, question and source; ``options_published`` is ``all`` or ``some``; one row
    per key; a question is never asked of the country it is about (its ``subject``). That every row has
    figures and every figure a row is checked by :func:`load_toplines`.
    """
    path = Path(path) if path else paths.DATA_DIR / COVERAGE_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    codebook = codebook if codebook is not None else load_codebook(path.parent / QUESTIONS_CSV, survey=survey)
    qpath = codebook.attrs.get("path", QUESTIONS_CSV)
    records = read_csv_records(path, COVERAGE_COLUMNS, COVERAGE_REQUIRED)
    problems: list[str] = []
    known_countries = list(survey["countries"])
    known_sources = source_ids(survey)
    subjects = dict(zip(codebook["question_id"], codebook["subject"]))
    seen: dict[tuple, int] = {}
    for r in records:
        line, country, qid = r["_line"], r["country"], r["question_id"]
        if country not in known_countries:
            problems.append(
                f"{location(path, line, 'country')}: unknown country '{country}' "
                f"({SURVEY_YML} has: {', '.join(known_countries)})"
            )
        if qid not in subjects:
            problems.append(f"{location(path, line, 'question_id')}: '{qid}' is not in the codebook ({qpath})")
        elif not pd.isna(subjects[qid]) and subjects[qid] == country:
            problems.append(
                f"{location(path, line, 'country')}: '{qid}' is about {country} (its subject in "
                f"{qpath}), so it cannot be asked of {country}'s respondents"
            )
        if r["source"] not in known_sources:
            problems.append(
                f"{location(path, line, 'source')}: unknown source '{r['source']}' (not in the sources of {SURVEY_YML})"
            )
        if r["options_published"] not in OPTIONS_PUBLISHED:
            problems.append(
                f"{location(path, line, 'options_published')}: '{r['options_published']}' "
                f"must be one of {', '.join(OPTIONS_PUBLISHED)}"
            )
        key = (country, qid, r["source"])
        if key in seen:
            problems.append(
                f"{location(path, line)}: duplicate key {country}/{qid}/{r['source']} (first on line {seen[key]})"
            )
        else:
            seen[key] = line
    if problems:
        raise DataValidationError(problems)
    return _frame(records, COVERAGE_COLUMNS, path)


def with_countries(codebook: pd.DataFrame, coverage: pd.DataFrame, survey: dict[str, Any]) -> pd.DataFrame:
    """The codebook with ``countries``: the respondent countries with figures, in survey order (derived
    from ``coverage.csv``, never stored). A question without any is reported by :func:`load_toplines`."""
    have = set(zip(coverage["country"], coverage["question_id"]))
    order = list(survey["countries"])
    countries = [tuple(c for c in order if (c, qid) in have) for qid in codebook["question_id"]]
    frame = codebook.copy()
    frame.insert(frame.columns.get_loc("options") + 2, "countries", countries)
    frame.attrs = dict(codebook.attrs)
    return frame


def load_questions(
    path: Path | str | None = None, survey: dict[str, Any] | None = None, coverage: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Load and validate the codebook; return one typed row per question.

    List columns come back parsed: ``options`` and ``option_sides`` as tuples, and ``countries`` (derived
    from ``coverage.csv`` in the same folder unless ``coverage`` is given) as a tuple in survey order.
    """
    path = Path(path) if path else paths.DATA_DIR / QUESTIONS_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    codebook = load_codebook(path, survey=survey)
    if coverage is None:
        coverage = load_coverage(path.parent / COVERAGE_CSV, survey=survey, codebook=codebook)
    return with_countries(codebook, coverage, survey)


# ----------------------------------------------------------------------------------------- toplines.csv


def check_percent(text: str) -> str | None:
    """What is wrong with a published percentage, or None."""
    if not PERCENT_PATTERN.match(text):
        return f"'{text}' is not a number (expected {PERCENT_FORMAT})"
    if re.match(r"^-?0\d", text):
        return f"'{text}' has a leading zero (expected {PERCENT_FORMAT})"
    if text.startswith("-") or not 0 <= float(text) <= 100:
        return f"{text} is outside 0–100"
    return None


def load_toplines(
    path: Path | str | None = None,
    questions: pd.DataFrame | None = None,
    survey: dict[str, Any] | None = None,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Load and validate ``toplines.csv`` against the codebook, the coverage and the survey metadata.

    Returns one typed row per published figure with extra columns: ``percent`` (float), ``decimals``
    (published precision), ``percent_text`` (the figure as published), ``is_net`` and ``line``.
    """
    path = Path(path) if path else paths.DATA_DIR / TOPLINES_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    if coverage is None:
        coverage = load_coverage(
            path.parent / COVERAGE_CSV, survey=survey, codebook=questions if questions is not None else None
        )
    questions = (
        questions
        if questions is not None
        else load_questions(path.parent / QUESTIONS_CSV, survey=survey, coverage=coverage)
    )
    qpath = questions.attrs.get("path", QUESTIONS_CSV)
    cpath = coverage.attrs.get("path", COVERAGE_CSV)
    records = read_csv_records(path, TOPLINES_COLUMNS, TOPLINES_REQUIRED)
    problems: list[str] = []
    codebook = {q.question_id: q for q in questions.itertuples(index=False)}
    known_sources = source_ids(survey)
    known_measures = set(survey.get("measures") or {})
    known_countries = list(survey["countries"])
    covered = {(c.country, c.question_id, c.source): c for c in coverage.itertuples(index=False)}
    with_figures: set[tuple] = set()
    rejected: set[str] = set()  # questions with a row already reported: no knock-on coverage or sum errors
    seen: dict[tuple, int] = {}
    valid: list[dict] = []
    for r in records:
        line = r["_line"]
        ok = True
        country, qid, option = r["country"], r["question_id"], r["option"]
        if country not in known_countries:
            problems.append(
                f"{location(path, line, 'country')}: unknown country '{country}' "
                f"({SURVEY_YML} has: {', '.join(known_countries)})"
            )
            ok = False
        wrong = check_percent(r["percent"])
        if wrong:
            problems.append(f"{location(path, line, 'percent')}: {wrong}")
            ok = False
        if r["source"] not in known_sources:
            problems.append(
                f"{location(path, line, 'source')}: unknown source '{r['source']}' (not in the sources of {SURVEY_YML})"
            )
            ok = False
        for sid in split_list(r["corroborated_by"]):
            if sid not in known_sources:
                problems.append(f"{location(path, line, 'corroborated_by')}: unknown source '{sid}'")
        if r["measure"] and r["measure"] not in known_measures:
            problems.append(
                f"{location(path, line, 'measure')}: unknown measure '{r['measure']}' "
                f"(not under measures: in {SURVEY_YML})"
            )
        if r["status"] not in STATUSES:
            problems.append(f"{location(path, line, 'status')}: '{r['status']}' must be one of {', '.join(STATUSES)}")
        key = (country, qid, option, r["source"])
        if key in seen:
            problems.append(
                f"{location(path, line)}: duplicate key {country}/{qid}/{option}/{r['source']} "
                f"(first on line {seen[key]})"
            )
            ok = False
        else:
            seen[key] = line
        cover_key = (country, qid, r["source"])
        known_key = cover_key in with_figures
        with_figures.add(cover_key)
        q = codebook.get(qid)
        if q is None:
            problems.append(f"{location(path, line, 'question_id')}: '{qid}' is not in the codebook ({qpath})")
            continue
        parts = split_list(r["net_of"])
        if parts:
            for p in parts:
                if p not in q.options:
                    problems.append(f"{location(path, line, 'net_of')}: '{p}' is not an option of '{qid}'")
            if option in q.options:
                problems.append(f"{location(path, line, 'option')}: a net cannot share its name with an option")
        elif option not in q.options:
            problems.append(
                f"{location(path, line, 'option')}: '{option}' is not an option of '{qid}' "
                f"(codebook: {' | '.join(q.options)})"
            )
        if ok and cover_key not in covered:
            if not known_key:
                problems.append(
                    f"{location(path, line, 'source')}: no row for {country}/{qid}/{r['source']} in "
                    f"{cpath} (each country, question and source with figures has one)"
                )
            ok = False
        if ok:
            r["net_parts"] = tuple(parts)
            valid.append(r)
        else:
            rejected.add(qid)
    for key, c in covered.items():
        if key not in with_figures and key[1] not in rejected:
            problems.append(f"{location(Path(cpath), c.line)}: no figures for {'/'.join(key)} in {display_path(path)}")

    problems += check_sums(path, valid, codebook, covered, cpath, rejected)
    asked = {qid for _, qid, _ in with_figures}
    for q in questions.itertuples(index=False):
        if not q.countries and q.question_id not in asked:
            problems.append(
                f"{location(Path(qpath), q.line, 'question_id')}: question '{q.question_id}' has no "
                f"figures for any country (no row in {display_path(path)} or {cpath})"
            )
    if problems:
        raise DataValidationError(problems)

    frame = _frame(
        valid,
        (
            "country",
            "question_id",
            "option",
            "source",
            "locator",
            "net_of",
            "measure",
            "status",
            "corroborated_by",
            "note",
        ),
        path,
    )
    frame["percent_text"] = frame["percent"].astype("string")
    frame["decimals"] = frame["percent_text"].map(decimals_of).astype("int64")
    frame["percent"] = frame["percent_text"].astype(float)
    frame["is_net"] = frame["net_parts"].map(bool)
    return frame


def sum_counts_as_single(q) -> bool:
    """Whether a question's options are known to be mutually exclusive, so their shares cannot exceed 100%.

    That takes one answer per respondent (``answers`` is ``one``); where the source does not disclose the
    answer format, not even a single-choice reading is assumed.
    """
    return q.answers == "one"


def check_sums(
    path: Path, records: list[dict], codebook: dict, covered: dict, cpath: str, rejected: set[str] = frozenset()
) -> list[str]:
    """Single-answer questions sum to at most 100 (plus rounding); nets equal the sum of their parts; a
    country marked ``all`` in coverage has a figure for every option, summing to 100 (within rounding)."""
    problems: list[str] = []
    # Figures of one measure add up across sources (one source may give an option another left out);
    # where two sources give the same option of the same measure, the first one counts.
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["country"], r["question_id"], r["measure"]), []).append(r)
    for (country, qid, measure), rows in groups.items():
        q = codebook[qid]
        source = ", ".join(dict.fromkeys(r["source"] for r in rows)) + (f"; measure {measure}" if measure else "")
        plain = list({r["option"]: r for r in reversed(rows) if not r["net_parts"]}.values())
        total = sum(Decimal(r["percent"]) for r in plain)
        tolerance = sum(half_unit(r["percent"]) for r in plain)
        last = max(r["_line"] for r in plain) if plain else None
        if plain and sum_counts_as_single(q) and total > 100 + tolerance:
            problems.append(
                f"{location(path, last, 'percent')}: the options of single-answer question "
                f"'{qid}' ({country}, {source}) sum to {total}, more than 100 plus rounding "
                f"({tolerance})"
            )
        # The sources of one measure of one country either leave nothing unpublished together, or not.
        cover = [covered[(country, qid, s)] for s in dict.fromkeys(r["source"] for r in rows)]
        marks = {c.options_published for c in cover}
        if len(marks) > 1:
            problems.append(
                f"{location(Path(cpath), cover[-1].line, 'options_published')}: "
                f"'{cover[-1].options_published}' here but '{cover[0].options_published}' on line "
                f"{cover[0].line}; the sources of {country}/{qid} give figures of one measure, so "
                "they agree on whether every option was published"
            )
        elif plain and marks == {"all"} and qid not in rejected:
            missing = [o for o in q.options if o not in {r["option"] for r in plain}]
            if missing:
                problems.append(
                    f"{location(path, last, 'option')}: '{qid}' ({country}) is marked as fully "
                    f"published in {cpath} but has no row for: {', '.join(missing)}"
                )
            elif total < 100 - tolerance:
                problems.append(
                    f"{location(path, last, 'percent')}: '{qid}' ({country}) is marked as fully "
                    f"published in {cpath} but its options sum to {total}"
                )
        by_option = {r["option"]: r for r in plain}
        for net in (r for r in rows if r["net_parts"]):
            if all(p in by_option for p in net["net_parts"]):
                parts_sum = sum(Decimal(by_option[p]["percent"]) for p in net["net_parts"])
                allowed = half_unit(net["percent"]) + sum(half_unit(by_option[p]["percent"]) for p in net["net_parts"])
                if abs(Decimal(net["percent"]) - parts_sum) > allowed:
                    problems.append(
                        f"{location(path, net['_line'], 'percent')}: net '{net['option']}' of "
                        f"'{qid}' ({country}) is {net['percent']} but its parts sum to {parts_sum} "
                        f"(more than rounding, {allowed}, apart)"
                    )
    return problems


# ------------------------------------------------------------------------------------------- everything


def load_claims(
    path: Path | str | None = None, toplines: pd.DataFrame | None = None, survey: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Load ``release_claims.csv``: how the release worded a finding, and what that wording implies.

    Each claim names figures that must exist in ``toplines.csv`` (the option and, for a gap, the option it
    is set against), so the narrative can test the release's words with this report's rules.
    """
    path = Path(path) if path else paths.CLAIMS_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    toplines = toplines if toplines is not None else load_toplines(path.parent / TOPLINES_CSV, survey=survey)
    records = read_csv_records(path, CLAIMS_COLUMNS, CLAIMS_REQUIRED)
    problems: list[str] = []
    have = set(zip(toplines["country"], toplines["question_id"], toplines["option"]))
    known_sources = source_ids(survey)
    for r in records:
        line = r["_line"]
        for column in ("option", "versus"):
            if r[column] and (r["country"], r["question_id"], r[column]) not in have:
                problems.append(
                    f"{location(path, line, column)}: no figure for {r['country']}/{r['question_id']}/"
                    f"'{r[column]}' in {TOPLINES_CSV}"
                )
        if r["implies"] not in CLAIM_READINGS:
            problems.append(
                f"{location(path, line, 'implies')}: '{r['implies']}' is not one of {', '.join(CLAIM_READINGS)}"
            )
        elif (r["implies"] in SHARE_READINGS) == bool(r["versus"]):
            problems.append(
                f"{location(path, line, 'versus')}: a claim about a gap needs the option it is set "
                "against; a claim about a share must leave it empty"
            )
        if r["source"] not in known_sources:
            problems.append(f"{location(path, line, 'source')}: unknown source '{r['source']}'")
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame.from_records(records).rename(columns={"_line": "line"})
    for c in CLAIMS_COLUMNS:
        frame[c] = frame[c].astype("string").replace("", pd.NA)
    return frame


def load_survey_data(data_dir: Path | str | None = None) -> SurveyData:
    """Load and cross-validate every file of :data:`DATA_FILES` in ``data_dir`` (default ``data/``).

    Each file is checked to be an ordinary, readable file before any is opened, and every missing or
    unreadable one is named in one error.
    """
    data_dir = Path(data_dir) if data_dir else paths.DATA_DIR
    if not data_dir.is_absolute():
        data_dir = paths.ROOT / data_dir
    problems = [p for p in (check_file(data_dir / name) for name in DATA_FILES) if p]
    if problems:
        raise DataValidationError(problems)
    survey = load_survey(data_dir / SURVEY_YML)
    codebook = load_codebook(data_dir / QUESTIONS_CSV, survey=survey)
    coverage = load_coverage(data_dir / COVERAGE_CSV, survey=survey, codebook=codebook)
    questions = with_countries(codebook, coverage, survey)
    toplines = load_toplines(data_dir / TOPLINES_CSV, questions=questions, survey=survey, coverage=coverage)
    claims = load_claims(data_dir / CLAIMS_CSV, toplines=toplines, survey=survey)
    return SurveyData(
        survey=survey, questions=questions, coverage=coverage, toplines=toplines, claims=claims, data_dir=data_dir
    )


def check_country(data: SurveyData, country: str) -> str:
    """Return ``country`` if the survey has it; otherwise raise a ValueError listing the known codes.

    Kept for callers of the module-level form; same as :meth:`SurveyData.check_country`.
    """
    return data.check_country(country)
