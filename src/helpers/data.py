"""Load and validate the survey data: ``toplines.csv``, ``questions.csv`` and ``survey.yml``.

Every load validates. A problem raises :class:`DataValidationError`, whose message names the file, the
line, the column and what is wrong, e.g.::

    data/toplines.csv, line 12, column 'percent': '4O.5' is not a number

All problems found in one pass are reported together (the first ones in the message, all of them in
``error.problems``), so a reader fixes a file in one go rather than one error per run.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> data.toplines.query("country == 'JP' and question_id == 'us_impression'")[["option", "percent"]]
... # doctest: +SKIP
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import paths

CATEGORIES = (
    "bilateral relations",
    "economy & trade",
    "security",
    "culture & history",
    "trilateral cooperation",
)
"""The five survey categories, in the order of the release's survey overview."""

QUESTION_TYPES = ("single_choice", "scale", "select_all", "top_reasons")
ANSWER_FORMATS = ("one", "up to 2", "multiple", "not disclosed")
STATUSES = ("published", "unconfirmed")
SIDES = ("+", "0", "-")

TOPLINES_COLUMNS = (
    "country", "question_id", "option", "percent", "source", "locator",
    "net_of", "measure", "status", "corroborated_by", "note",
)
TOPLINES_REQUIRED = ("country", "question_id", "option", "percent", "source", "locator", "status")
QUESTIONS_COLUMNS = (
    "question_id", "category", "wording", "question_type", "answers", "base_question", "base_option",
    "options", "option_sides", "options_published", "countries", "mirror_of", "note",
)
QUESTIONS_REQUIRED = (
    "question_id", "category", "wording", "question_type", "answers", "options",
    "options_published", "countries",
)
CLAIMS_COLUMNS = ("country", "question_id", "option", "versus", "release_words", "implies", "source", "locator")
CLAIMS_REQUIRED = ("country", "question_id", "option", "release_words", "implies", "source", "locator")
CLAIM_READINGS = ("tie", "lead", "narrow lead", "clear lead", "overwhelming lead", "majority", "about half")
"""What a release's wording implies, in this report's terms: a gap (tie, lead …) or a share (majority …)."""
SHARE_READINGS = ("majority", "about half")
SURVEY_COUNTRY_KEYS = ("name", "adjective", "n", "conductor", "fieldwork_vendor", "mode", "fieldwork",
                       "population", "margin_of_error")
SOURCE_KEYS = ("id", "title", "publisher", "date", "url", "kind")
MEASURE_KEYS = ("label", "answers", "description")
AAPOR_ELEMENTS = 11

# A sign and any number of digits are accepted here so that "-3" or "250" are reported as out of range,
# not as "not a number".
PERCENT_PATTERN = re.compile(r"^-?\d+(\.\d+)?$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
OPTION_SEPARATOR = "|"
LIST_SEPARATOR = ";"
MAX_PROBLEMS_SHOWN = 20


class DataValidationError(ValueError):
    """Raised when a data file is malformed; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more problem(s)" if more > 0 else "")
        super().__init__(text)


@dataclass
class SurveyData:
    """The three data files, loaded and cross-validated."""

    survey: dict[str, Any]
    questions: pd.DataFrame
    toplines: pd.DataFrame
    data_dir: Path = field(default=paths.DATA_DIR)
    claims: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CLAIMS_COLUMNS)))

    def countries(self) -> list[str]:
        """ISO codes of every country in the survey, in the order of ``survey.yml``."""
        return list(self.survey["countries"])

    def country_n(self, country: str) -> int:
        return int(self.survey["countries"][country]["n"])

    def source(self, source_id: str) -> dict:
        """The entry of a source in ``survey.yml``; a KeyError naming it if there is none."""
        for source in self.survey["sources"]:
            if source["id"] == source_id:
                return source
        raise KeyError(f"source '{source_id}' is not in data/survey.yml")

    def is_press(self, source_id: str) -> bool:
        """Whether a source is secondary (a press report) rather than an institute's own publication."""
        return str(self.source(source_id)["kind"]).startswith("secondary")

    # Interim accessors over the two-country schema (replaced by the data branch's versions).
    def check_country(self, country: str) -> str:
        return check_country(self, country)

    def check_category(self, category: str) -> str:
        cats = list(dict.fromkeys(self.questions["category"]))
        if category not in cats:
            raise ValueError(f"unknown category {category!r}: expected one of {', '.join(cats)}")
        return category

    def question(self, question_id: str) -> pd.Series:
        q = self.questions[self.questions["question_id"] == question_id]
        if q.empty:
            raise ValueError(f"unknown question {question_id!r}: data/questions.csv has "
                             f"{', '.join(self.questions['question_id'])}")
        return q.iloc[0]

    def countries_of(self, question_id: str) -> list[str]:
        have = set(self.toplines.loc[self.toplines["question_id"] == question_id, "country"])
        return [c for c in self.countries() if c in have]

    def wording(self, question_id: str, country: str) -> str:
        return str(self.question(question_id)["wording"]).replace("{country}", self.country_name(country))

    def country_name(self, country: str) -> str:
        return str(self.survey["countries"][country]["name"])

    def subject(self, question_id: str):
        v = self.question(question_id).get("subject")
        return None if v is None or pd.isna(v) or not v else str(v)

    def family(self, question_id: str):
        v = self.question(question_id).get("family")
        return None if v is None or pd.isna(v) or not v else str(v)

    def options_published(self, country: str, question_id: str, source: str | None = None) -> str:
        return str(self.question(question_id)["options_published"])

    def measure_note(self, country: str, question_id: str):
        return None

    def notes_for(self, country: str, question_id: str) -> list[str]:
        v = self.question(question_id)["note"]
        return [] if pd.isna(v) or not v else [str(v)]

    def check_question(self, question_id: str, country: str | None = None) -> str:
        self.question(question_id)
        if country is not None:
            self.check_country(country)
            if country not in self.countries_of(question_id):
                raise ValueError(f"question {question_id!r} has no figures for {country!r} "
                                 f"(it has: {', '.join(self.countries_of(question_id))})")
        return question_id

    def non_answers(self, question_id: str) -> tuple[str, ...]:
        return tuple(o for o in self.question(question_id)["options"] if "neither" in o or "don't know" in o)

    def country_in_text(self, country: str) -> str:
        c = self.survey["countries"][country]
        return str(c.get("name_in_text", c["name"]))

    def respondents(self, country: str) -> str:
        return f"{self.survey['countries'][country]['adjective']} respondents"

    def source_label(self, source_id: str) -> str:
        s = self.source(source_id)
        name = str(s.get("short", s["publisher"]))
        return f"{name} (press report)" if self.is_press(source_id) else name

    def source_citation(self, source_id: str) -> str:
        s = self.source(source_id)
        return f"{s['publisher']}, *{' '.join(str(s['title']).split())}*, {s['date']}; {s['url']}"


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


def read_text(path: Path) -> str:
    """Read a file as UTF-8, naming the line and column of the first byte that is not UTF-8."""
    path = Path(path)
    if not path.exists():
        raise DataValidationError([f"{location(path)}: file not found"])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataValidationError(
            [f"{location(path, line)}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at character {col}); "
             "save the file as UTF-8"]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataValidationError([f"{location(path)}: the file is empty"])
    return text


def read_csv_records(path: Path, columns: tuple[str, ...], required: tuple[str, ...]) -> list[dict]:
    """Parse a CSV into dicts with a ``_line`` key; check the header, field counts and required values."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    header = next(reader)
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
    start = 1
    for fields in reader:
        line = start + 1
        start = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            problems.append(f"{location(path, line)}: {len(fields)} fields, expected {len(header)}")
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


def half_unit(percent_text: str) -> Decimal:
    """Half of the last published digit: the most a figure can be off through rounding (26.0 → 0.05)."""
    decimals = len(percent_text.split(".")[1]) if "." in percent_text else 0
    return Decimal(5) / (Decimal(10) ** (decimals + 1))


# --------------------------------------------------------------------------------------------- survey.yml

def load_survey(path: Path | str | None = None) -> dict[str, Any]:
    """Load ``survey.yml`` and check its structure: countries, sources, measures, AAPOR elements."""
    path = Path(path) if path else paths.SURVEY_YML
    text = read_text(path)
    try:
        survey = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise DataValidationError([f"{location(path, line)}: not valid YAML ({getattr(exc, 'problem', exc)})"]) \
            from None
    problems: list[str] = []
    if not isinstance(survey, dict):
        raise DataValidationError([f"{location(path)}: expected a mapping at the top level"])
    for key in ("title", "countries", "sources", "aapor_disclosure", "measures", "fieldwork_month"):
        if key not in survey:
            problems.append(f"{location(path)}, key '{key}': missing")
    if problems:
        raise DataValidationError(problems)
    if not isinstance(survey["countries"], dict) or not isinstance(survey["sources"], list):
        raise DataValidationError([f"{location(path)}, keys 'countries' and 'sources': expected a mapping of "
                                   "countries and a list of sources"])
    for code, country in survey["countries"].items():
        if not isinstance(country, dict):
            problems.append(f"{location(path)}, key 'countries.{code}': expected a mapping of country facts")
            continue
        if not re.fullmatch(r"[A-Z]{2}", str(code)):
            problems.append(f"{location(path)}, key 'countries.{code}': not an ISO 3166-1 alpha-2 code")
        for key in SURVEY_COUNTRY_KEYS:
            if key not in country:
                problems.append(f"{location(path)}, key 'countries.{code}.{key}': missing")
        n = country.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            problems.append(f"{location(path)}, key 'countries.{code}.n': {n!r} is not a positive integer")
    source_ids = []
    for i, source in enumerate(survey["sources"]):
        if not isinstance(source, dict):
            problems.append(f"{location(path)}, key 'sources[{i}]': expected a mapping with {', '.join(SOURCE_KEYS)}")
            continue
        for key in SOURCE_KEYS:
            if key not in source:
                problems.append(f"{location(path)}, key 'sources[{i}].{key}': missing")
        source_ids.append(source.get("id"))
    for sid in sorted({s for s in source_ids if source_ids.count(s) > 1}):
        problems.append(f"{location(path)}, key 'sources': id '{sid}' appears more than once")
    for mid, measure in (survey["measures"] or {}).items():
        if not isinstance(measure, dict) or any(k not in measure for k in MEASURE_KEYS):
            problems.append(f"{location(path)}, key 'measures.{mid}': needs {', '.join(MEASURE_KEYS)}")
        elif measure["answers"] not in ANSWER_FORMATS:
            problems.append(f"{location(path)}, key 'measures.{mid}.answers': '{measure['answers']}' is not one "
                            f"of {', '.join(ANSWER_FORMATS)}")
    if len(survey["aapor_disclosure"]) != AAPOR_ELEMENTS:
        problems.append(f"{location(path)}, key 'aapor_disclosure': {len(survey['aapor_disclosure'])} elements, "
                        f"expected {AAPOR_ELEMENTS}")
    if problems:
        raise DataValidationError(problems)
    return survey


def source_ids(survey: dict[str, Any]) -> set[str]:
    return {s["id"] for s in survey["sources"]}


# ----------------------------------------------------------------------------------------- questions.csv

def load_questions(path: Path | str | None = None, survey: dict[str, Any] | None = None) -> pd.DataFrame:
    """Load and validate the codebook; return one typed row per question.

    List columns come back parsed: ``options`` and ``option_sides`` as tuples, ``countries`` as a tuple.
    """
    path = Path(path) if path else paths.QUESTIONS_CSV
    survey = survey if survey is not None else load_survey()
    records = read_csv_records(path, QUESTIONS_COLUMNS, QUESTIONS_REQUIRED)
    problems: list[str] = []
    known_countries = list(survey["countries"])
    first_line: dict[str, int] = {}
    for r in records:
        line, qid = r["_line"], r["question_id"]
        if qid in first_line:
            problems.append(f"{location(path, line, 'question_id')}: duplicate key '{qid}' "
                            f"(first on line {first_line[qid]})")
        else:
            first_line[qid] = line
        if not ID_PATTERN.match(qid):
            problems.append(f"{location(path, line, 'question_id')}: '{qid}' is not a valid id "
                            "(lower case letters, digits and _)")
        if r["category"] not in CATEGORIES:
            problems.append(f"{location(path, line, 'category')}: unknown category '{r['category']}' "
                            f"(expected one of: {'; '.join(CATEGORIES)})")
        if r["question_type"] not in QUESTION_TYPES:
            problems.append(f"{location(path, line, 'question_type')}: unknown question type "
                            f"'{r['question_type']}' (expected one of: {', '.join(QUESTION_TYPES)})")
        if r["answers"] not in ANSWER_FORMATS:
            problems.append(f"{location(path, line, 'answers')}: unknown answer format '{r['answers']}' "
                            f"(expected one of: {', '.join(ANSWER_FORMATS)})")
        if r["options_published"] not in ("all", "some"):
            problems.append(f"{location(path, line, 'options_published')}: '{r['options_published']}' "
                            "must be 'all' or 'some'")
        options = split_list(r["options"], OPTION_SEPARATOR)
        r["options"] = tuple(options)
        for opt in sorted({o for o in options if options.count(o) > 1}):
            problems.append(f"{location(path, line, 'options')}: option '{opt}' listed more than once")
        sides = split_list(r["option_sides"], OPTION_SEPARATOR)
        r["option_sides"] = tuple(sides)
        if r["question_type"] == "scale":
            if len(sides) != len(options):
                problems.append(f"{location(path, line, 'option_sides')}: {len(sides)} sides for "
                                f"{len(options)} options; a scale needs one of + 0 - per option")
            elif any(s not in SIDES for s in sides):
                problems.append(f"{location(path, line, 'option_sides')}: sides must be +, 0 or -")
        elif sides:
            problems.append(f"{location(path, line, 'option_sides')}: only scale questions have sides")
        countries = split_list(r["countries"])
        r["countries"] = tuple(countries)
        for c in countries:
            if c not in known_countries:
                problems.append(f"{location(path, line, 'countries')}: unknown country '{c}' "
                                f"(not in survey.yml: {', '.join(known_countries)})")
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
                problems.append(f"{location(path, line, 'base_question')}: unknown question "
                                f"'{r['base_question']}'")
            elif r["base_option"] not in parent["options"]:
                problems.append(f"{location(path, line, 'base_option')}: '{r['base_option']}' is not an "
                                f"option of '{r['base_question']}'")
        if r["mirror_of"]:
            other = by_id.get(r["mirror_of"])
            if r["mirror_of"] == r["question_id"]:
                problems.append(f"{location(path, line, 'mirror_of')}: a question cannot mirror itself")
            elif other is None:
                problems.append(f"{location(path, line, 'mirror_of')}: unknown question '{r['mirror_of']}'")
            elif other["mirror_of"] != r["question_id"]:
                problems.append(f"{location(path, line, 'mirror_of')}: '{r['mirror_of']}' does not link back "
                                f"to '{r['question_id']}'")
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame.from_records(records).rename(columns={"_line": "line"})
    for c in ("question_id", "category", "wording", "question_type", "answers", "base_question",
              "base_option", "options_published", "mirror_of", "note"):
        frame[c] = frame[c].astype("string").replace("", pd.NA)
    frame["category"] = pd.Categorical(frame["category"], categories=list(CATEGORIES))
    frame.attrs["path"] = display_path(path)
    return frame


# ----------------------------------------------------------------------------------------- toplines.csv

def load_toplines(path: Path | str | None = None, questions: pd.DataFrame | None = None,
                  survey: dict[str, Any] | None = None) -> pd.DataFrame:
    """Load and validate ``toplines.csv`` against the codebook and the survey metadata.

    Returns one typed row per published figure with extra columns: ``percent`` (float), ``decimals``
    (published precision), ``percent_text`` (the figure as published), ``is_net`` and ``line``.
    """
    path = Path(path) if path else paths.TOPLINES_CSV
    survey = survey if survey is not None else load_survey()
    questions = questions if questions is not None else load_questions(survey=survey)
    qpath = questions.attrs.get("path", "data/questions.csv")
    records = read_csv_records(path, TOPLINES_COLUMNS, TOPLINES_REQUIRED)
    problems: list[str] = []
    codebook = {q.question_id: q for q in questions.itertuples(index=False)}
    known_sources = source_ids(survey)
    known_measures = set(survey.get("measures") or {})
    known_countries = list(survey["countries"])
    seen: dict[tuple, int] = {}
    valid: list[dict] = []
    for r in records:
        line = r["_line"]
        ok = True
        country, qid, option = r["country"], r["question_id"], r["option"]
        if country not in known_countries:
            problems.append(f"{location(path, line, 'country')}: unknown country '{country}' "
                            f"(survey.yml has: {', '.join(known_countries)})")
            ok = False
        if not PERCENT_PATTERN.match(r["percent"]):
            problems.append(f"{location(path, line, 'percent')}: '{r['percent']}' is not a number")
            ok = False
        elif r["percent"].startswith("-") or not 0 <= float(r["percent"]) <= 100:
            problems.append(f"{location(path, line, 'percent')}: {r['percent']} is outside 0–100")
            ok = False
        if r["source"] not in known_sources:
            problems.append(f"{location(path, line, 'source')}: unknown source '{r['source']}' "
                            "(not in the sources of survey.yml)")
        for sid in split_list(r["corroborated_by"]):
            if sid not in known_sources:
                problems.append(f"{location(path, line, 'corroborated_by')}: unknown source '{sid}'")
        if r["measure"] and r["measure"] not in known_measures:
            problems.append(f"{location(path, line, 'measure')}: unknown measure '{r['measure']}' "
                            "(not under measures: in survey.yml)")
        if r["status"] not in STATUSES:
            problems.append(f"{location(path, line, 'status')}: '{r['status']}' must be one of "
                            f"{', '.join(STATUSES)}")
        key = (country, qid, option, r["source"])
        if key in seen:
            problems.append(f"{location(path, line)}: duplicate key {country}/{qid}/{option}/{r['source']} "
                            f"(first on line {seen[key]})")
            ok = False
        else:
            seen[key] = line
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
            problems.append(f"{location(path, line, 'option')}: '{option}' is not an option of '{qid}' "
                            f"(codebook: {' | '.join(q.options)})")
        if country in known_countries and country not in q.countries:
            problems.append(f"{location(path, line, 'country')}: '{qid}' is not listed for {country} "
                            f"in the codebook's countries column")
        if ok:
            r["net_parts"] = tuple(parts)
            valid.append(r)

    problems += check_sums(path, valid, codebook)
    problems += check_coverage(path, qpath, valid, questions)
    if problems:
        raise DataValidationError(problems)

    frame = pd.DataFrame.from_records(valid).rename(columns={"_line": "line"})
    frame["percent_text"] = frame["percent"].astype("string")
    frame["decimals"] = frame["percent_text"].map(lambda t: len(t.split(".")[1]) if "." in t else 0).astype("int64")
    frame["percent"] = frame["percent_text"].astype(float)
    frame["is_net"] = frame["net_parts"].map(bool)
    for c in ("country", "question_id", "option", "source", "locator", "net_of", "measure", "status",
              "corroborated_by", "note"):
        frame[c] = frame[c].astype("string").replace("", pd.NA)
    frame.attrs["path"] = display_path(path)
    return frame


def sum_counts_as_single(q) -> bool:
    """Whether a question's options are known to be mutually exclusive, so their shares cannot exceed 100%.

    That takes one answer per respondent (``answers`` is ``one``); where the source does not disclose the
    answer format, not even a single-choice reading is assumed.
    """
    return q.answers == "one"


def check_sums(path: Path, records: list[dict], codebook: dict) -> list[str]:
    """Single-answer questions sum to at most 100 (plus rounding); nets equal the sum of their parts."""
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
            problems.append(f"{location(path, last, 'percent')}: the options of single-answer question "
                            f"'{qid}' ({country}, {source}) sum to {total}, more than 100 plus rounding "
                            f"({tolerance})")
        if plain and q.options_published == "all":
            missing = [o for o in q.options if o not in {r["option"] for r in plain}]
            if missing:
                problems.append(f"{location(path, last, 'option')}: '{qid}' ({country}) is marked as fully "
                                f"published but has no row for: {', '.join(missing)}")
            elif total < 100 - tolerance:
                problems.append(f"{location(path, last, 'percent')}: '{qid}' ({country}) is marked as fully "
                                f"published but its options sum to {total}")
        by_option = {r["option"]: r for r in plain}
        for net in (r for r in rows if r["net_parts"]):
            if all(p in by_option for p in net["net_parts"]):
                parts_sum = sum(Decimal(by_option[p]["percent"]) for p in net["net_parts"])
                allowed = half_unit(net["percent"]) + sum(half_unit(by_option[p]["percent"])
                                                          for p in net["net_parts"])
                if abs(Decimal(net["percent"]) - parts_sum) > allowed:
                    problems.append(f"{location(path, net['_line'], 'percent')}: net '{net['option']}' of "
                                    f"'{qid}' ({country}) is {net['percent']} but its parts sum to {parts_sum} "
                                    f"(more than rounding, {allowed}, apart)")
    return problems


def check_coverage(path: Path, qpath: str, records: list[dict], questions: pd.DataFrame) -> list[str]:
    """Every codebook question has data for every country it lists."""
    problems: list[str] = []
    have = {(r["country"], r["question_id"]) for r in records}
    for q in questions.itertuples(index=False):
        for country in q.countries:
            if (country, q.question_id) not in have:
                problems.append(f"{qpath}, line {q.line}, column 'countries': question '{q.question_id}' "
                                f"has no data for {country} in {display_path(path)}")
    return problems


# ------------------------------------------------------------------------------------------- everything

def load_claims(path: Path | str | None = None, toplines: pd.DataFrame | None = None,
                survey: dict[str, Any] | None = None) -> pd.DataFrame:
    """Load ``release_claims.csv``: how the release worded a finding, and what that wording implies.

    Each claim names figures that must exist in ``toplines.csv`` (the option and, for a gap, the option it
    is set against), so the narrative can test the release's words with this report's rules.
    """
    path = Path(path) if path else paths.CLAIMS_CSV
    survey = survey if survey is not None else load_survey()
    toplines = toplines if toplines is not None else load_toplines(survey=survey)
    records = read_csv_records(path, CLAIMS_COLUMNS, CLAIMS_REQUIRED)
    problems: list[str] = []
    have = set(zip(toplines["country"], toplines["question_id"], toplines["option"]))
    known_sources = source_ids(survey)
    for r in records:
        line = r["_line"]
        for column in ("option", "versus"):
            if r[column] and (r["country"], r["question_id"], r[column]) not in have:
                problems.append(f"{location(path, line, column)}: no figure for {r['country']}/{r['question_id']}/"
                                f"'{r[column]}' in toplines.csv")
        if r["implies"] not in CLAIM_READINGS:
            problems.append(f"{location(path, line, 'implies')}: '{r['implies']}' is not one of "
                            f"{', '.join(CLAIM_READINGS)}")
        elif (r["implies"] in SHARE_READINGS) == bool(r["versus"]):
            problems.append(f"{location(path, line, 'versus')}: a claim about a gap needs the option it is set "
                            "against; a claim about a share must leave it empty")
        if r["source"] not in known_sources:
            problems.append(f"{location(path, line, 'source')}: unknown source '{r['source']}'")
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame.from_records(records).rename(columns={"_line": "line"})
    for c in CLAIMS_COLUMNS:
        frame[c] = frame[c].astype("string").replace("", pd.NA)
    return frame


def load_survey_data(data_dir: Path | str | None = None) -> SurveyData:
    """Load and cross-validate ``survey.yml``, ``questions.csv`` and ``toplines.csv`` from ``data_dir``.

    ``release_claims.csv`` is loaded too when the folder has one (it is optional).
    """
    data_dir = Path(data_dir) if data_dir else paths.DATA_DIR
    if not data_dir.is_absolute():
        data_dir = paths.ROOT / data_dir
    survey = load_survey(data_dir / paths.SURVEY_YML.name)
    questions = load_questions(data_dir / paths.QUESTIONS_CSV.name, survey=survey)
    toplines = load_toplines(data_dir / paths.TOPLINES_CSV.name, questions=questions, survey=survey)
    data = SurveyData(survey=survey, questions=questions, toplines=toplines, data_dir=data_dir)
    claims_path = data_dir / paths.CLAIMS_CSV.name
    if claims_path.exists():
        data.claims = load_claims(claims_path, toplines=toplines, survey=survey)
    return data


def check_country(data: SurveyData, country: str) -> str:
    """Return ``country`` if the survey has it; otherwise raise a ValueError listing the known codes."""
    if country not in data.survey["countries"]:
        known = ", ".join(data.countries())
        raise ValueError(f"unknown country '{country}': data/survey.yml has {known}")
    return country
