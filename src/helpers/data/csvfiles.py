"""The four CSV files: parsed (:mod:`helpers.data.files`), checked value by value against the column
declarations (:mod:`helpers.data.rules`), then against each other (keys, families, coverage, sums), and
returned as typed frames.

Each loader reads its file, collects every problem of the file in one pass and raises them together.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from .. import paths
from ..kinds import AnswerFormat, QuestionType
from . import rules
from .files import (
    COVERAGE_CSV,
    QUESTIONS_CSV,
    SURVEY_YML,
    TOPLINES_CSV,
    DataValidationError,
    display_path,
    location,
    read_csv_records,
)
from .rules import CATEGORIES, SHARE_READINGS, SIDES, split_list
from .survey import Survey, load_survey

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


def closed_lists(survey: Survey) -> dict[str, tuple[str, ...]]:
    """The lists from survey.yml that CSV columns refer to (see :class:`~helpers.data.rules.Column`)."""
    return {"countries": survey.codes, "sources": survey.source_ids, "measures": survey.measure_ids}


def read_checked(path: Path, columns, survey: Survey) -> tuple[list[dict], list[str], set[int]]:
    """Rows of a CSV file, the problems of single values, and the lines of the rows that have one."""
    records = read_csv_records(path, rules.names(columns))
    problems, bad_lines = rules.check_columns(path, records, columns, closed_lists(survey))
    return records, problems, bad_lines


def key_problems(path: Path, records: list[dict], key: tuple[str, ...]) -> list[str]:
    """A key given twice: reported on the second line, naming the first."""
    problems, seen = [], {}
    for r in records:
        k = tuple(r[c] for c in key)
        if k in seen:
            where = location(path, r["_line"], key[0]) if len(key) == 1 else location(path, r["_line"])
            shown = f"'{k[0]}'" if len(key) == 1 else "/".join(k)
            problems.append(f"{where}: duplicate key {shown} (first on line {seen[k]})")
        else:
            seen[k] = r["_line"]
    return problems


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


def sum_counts_as_single(q) -> bool:
    """Whether a question's options are known to be mutually exclusive, so their shares cannot exceed 100%.

    That takes one answer per respondent (``answers`` is ``one``); where the source does not disclose the
    answer format, not even a single-choice reading is assumed.
    """
    return q.answers == "one"


def answer_format(q) -> AnswerFormat:
    """How many answers a respondent could give: ``answers`` of the codebook, ``multiple`` for any select-all
    question (its format whatever ``answers`` says)."""
    return AnswerFormat.MULTIPLE if q.question_type == QuestionType.SELECT_ALL else AnswerFormat(q.answers)


def _frame(records: list[dict], string_columns, path: Path) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records).rename(columns={"_line": "line"})
    for c in string_columns:
        frame[c] = frame[c].astype("string").replace("", pd.NA)
    frame["line"] = frame["line"].astype("int64")
    frame.attrs["path"] = display_path(path)
    return frame


# ----------------------------------------------------------------------------------------- questions.csv


def check_wording(path: Path, line: int, wording: str) -> list[str]:
    """A wording names the respondents' country only through ``{country}``, and has no other placeholder."""
    problems = [
        f"{location(path, line, 'wording')}: '{words}' is vague; write {COUNTRY_PLACEHOLDER} "
        "for the respondents' country (it is replaced by the country's name)"
        for words in VAGUE_COUNTRY_WORDS
        if words in wording.lower()
    ]
    rest = wording.replace(COUNTRY_PLACEHOLDER, "")
    if "{" in rest or "}" in rest:
        problems.append(
            f"{location(path, line, 'wording')}: the only placeholder a wording may hold is {COUNTRY_PLACEHOLDER}"
        )
    return problems


def _parse_option_lists(path: Path, r: dict) -> list[str]:
    """Split ``options``, ``option_sides`` and ``no_view`` in place; their problems."""
    problems: list[str] = []
    line = r["_line"]
    options = split_options(r["options"], path, line, "options", problems)
    for opt in sorted({o for o in options if options.count(o) > 1}):
        problems.append(f"{location(path, line, 'options')}: option '{opt}' listed more than once")
    sides = split_options(r["option_sides"], path, line, "option_sides", problems)
    if problems:
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
    problems += [
        f"{location(path, line, 'no_view')}: '{opt}' is not one of the question's options"
        for opt in no_view
        if opt not in options
    ]
    r["options"], r["option_sides"], r["no_view"] = tuple(options), tuple(sides), tuple(no_view)
    return problems


def _check_bases(path: Path, records: list[dict], by_id: dict[str, dict]) -> list[str]:
    """A follow-up names its base question and an option of it, both or neither."""
    problems = []
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
        if r["family"] and not r["subject"]:
            problems.append(
                f"{location(path, line, 'subject')}: '{r['question_id']}' is in family '{r['family']}', so it "
                "needs the country it is about (a family asks one thing about several countries)"
            )
    return problems


def check_families(path: Path, records: list[dict]) -> list[str]:
    """Items of one family ask the same thing (one question type) about different subjects; items of one
    chart group share their question type, options and sides."""
    problems: list[str] = []
    first_of: dict[tuple, dict] = {}
    firsts: dict[str, dict] = {}
    for r in (r for r in records if r["family"]):
        family = r["family"]
        first = firsts.setdefault(family, r)
        other = first_of.setdefault((family, r["subject"]), r) if r["subject"] else r
        if other is not r:
            problems.append(
                f"{location(path, r['_line'], 'subject')}: '{r['question_id']}' and "
                f"'{other['question_id']}' (line {other['_line']}) are both about "
                f"{r['subject']} in family '{family}'; a family has one item per subject"
            )
        if r["question_type"] != first["question_type"]:
            problems.append(
                f"{location(path, r['_line'], 'question_type')}: '{r['question_type']}' differs "
                f"from '{first['question_type']}' of '{first['question_id']}' (line "
                f"{first['_line']}); items of family '{family}' ask the same kind of question"
            )
    groups: dict[str, dict] = {}
    for r in (r for r in records if r["chart_group"]):
        first = groups.setdefault(r["chart_group"], r)
        shape = ("question_type", "options", "option_sides")
        if any(r[k] != first[k] for k in shape):
            problems.append(
                f"{location(path, r['_line'], 'chart_group')}: '{r['question_id']}' is drawn with "
                f"'{first['question_id']}' (line {first['_line']}) in chart group "
                f"'{r['chart_group']}', so it needs the same question type, options and sides"
            )
    return problems


def load_codebook(path: Path | str | None = None, survey: Survey | None = None) -> pd.DataFrame:
    """Load and validate ``questions.csv`` on its own (without the ``countries`` derived from coverage)."""
    path = Path(path) if path else paths.QUESTIONS_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    records, problems, _ = read_checked(path, rules.QUESTIONS, survey)
    problems += key_problems(path, records, ("question_id",))
    for r in records:
        problems += check_wording(path, r["_line"], r["wording"])
        problems += _parse_option_lists(path, r)
    by_id: dict[str, dict] = {}
    for r in records:
        by_id.setdefault(r["question_id"], r)  # a duplicate is reported above; the first definition counts
    problems += _check_bases(path, records, by_id)
    problems += check_families(path, [r for r in records if by_id[r["question_id"]] is r])
    if problems:
        raise DataValidationError(problems)
    strings = [c.name for c in rules.QUESTIONS if c.name not in ("options", "option_sides", "no_view")]
    frame = _frame(records, strings, path)
    frame["category"] = pd.Categorical(frame["category"], categories=list(CATEGORIES))
    return frame


# ------------------------------------------------------------------------------------------ coverage.csv


def load_coverage(
    path: Path | str | None = None, survey: Survey | None = None, codebook: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Load ``coverage.csv``: one row per (country, question, source) with figures in ``toplines.csv``.

    Checked here: the column rules; one row per key; a known question, never asked of the country it is
    about (its ``subject``). That every row has figures and every figure a row is checked by
    :func:`load_toplines`.
    """
    path = Path(path) if path else paths.COVERAGE_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    codebook = codebook if codebook is not None else load_codebook(path.parent / QUESTIONS_CSV, survey=survey)
    qpath = codebook.attrs.get("path", QUESTIONS_CSV)
    records, problems, _ = read_checked(path, rules.COVERAGE, survey)
    subjects = dict(zip(codebook["question_id"], codebook["subject"]))
    for r in records:
        line, country, qid = r["_line"], r["country"], r["question_id"]
        if qid not in subjects:
            problems.append(f"{location(path, line, 'question_id')}: '{qid}' is not in the codebook ({qpath})")
        elif not pd.isna(subjects[qid]) and subjects[qid] == country:
            problems.append(
                f"{location(path, line, 'country')}: '{qid}' is about {country} (its subject in "
                f"{qpath}), so it cannot be asked of {country}'s respondents"
            )
    problems += key_problems(path, records, ("country", "question_id", "source"))
    if problems:
        raise DataValidationError(problems)
    return _frame(records, rules.names(rules.COVERAGE), path)


def with_countries(codebook: pd.DataFrame, coverage: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """The codebook with ``countries``: the respondent countries with figures, in survey order (derived
    from ``coverage.csv``, never stored). A question without any is reported by :func:`load_toplines`."""
    have = set(zip(coverage["country"], coverage["question_id"]))
    countries = [tuple(c for c in survey.codes if (c, qid) in have) for qid in codebook["question_id"]]
    frame = codebook.copy()
    frame.insert(frame.columns.get_loc("options") + 2, "countries", countries)
    frame.attrs = dict(codebook.attrs)
    return frame


def load_questions(
    path: Path | str | None = None, survey: Survey | None = None, coverage: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Load and validate the codebook; return one typed row per question.

    List columns come back parsed: ``options`` and ``option_sides`` as tuples, and ``countries`` (derived
    from ``coverage.csv`` in the same folder unless ``coverage`` is given) as a tuple in survey order.
    """
    path = Path(path) if path else paths.QUESTIONS_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    codebook = load_codebook(path, survey=survey)
    if coverage is None:
        coverage = load_coverage(path.parent / COVERAGE_CSV, survey=survey, codebook=codebook)
    return with_countries(codebook, coverage, survey)


# ----------------------------------------------------------------------------------------- toplines.csv


def _option_problems(path: Path, r: dict, q) -> list[str]:
    """An option is one of the question's, or a net of some of them under a name of its own."""
    line, option, qid = r["_line"], r["option"], r["question_id"]
    parts = split_list(r["net_of"])
    if not parts:
        if option in q.options:
            return []
        return [
            f"{location(path, line, 'option')}: '{option}' is not an option of '{qid}' "
            f"(codebook: {' | '.join(q.options)})"
        ]
    where = location(path, line, "net_of")
    problems = [f"{where}: '{p}' is not an option of '{qid}'" for p in parts if p not in q.options]
    if option in q.options:
        problems.append(f"{location(path, line, 'option')}: a net cannot share its name with an option")
    return problems


class _Toplines:
    """The checks of ``toplines.csv`` against the codebook and the coverage, row by row then as a whole."""

    def __init__(self, path: Path, questions: pd.DataFrame, coverage: pd.DataFrame):
        self.path = path
        self.qpath = questions.attrs.get("path", QUESTIONS_CSV)
        self.cpath = coverage.attrs.get("path", COVERAGE_CSV)
        self.questions = questions
        self.codebook = {q.question_id: q for q in questions.itertuples(index=False)}
        self.covered = {(c.country, c.question_id, c.source): c for c in coverage.itertuples(index=False)}
        self.with_figures: set[tuple] = set()
        self.rejected: set[str] = set()  # questions with a row already reported: no knock-on errors
        self.valid: list[dict] = []

    def row(self, r: dict, ok: bool) -> list[str]:
        path, line, qid = self.path, r["_line"], r["question_id"]
        cover_key = (r["country"], qid, r["source"])
        first_of_key = cover_key not in self.with_figures
        self.with_figures.add(cover_key)
        q = self.codebook.get(qid)
        if q is None:
            return [f"{location(path, line, 'question_id')}: '{qid}' is not in the codebook ({self.qpath})"]
        problems = _option_problems(path, r, q)
        if ok and cover_key not in self.covered:
            ok = False
            if first_of_key:
                problems.append(
                    f"{location(path, line, 'source')}: no row for {'/'.join(cover_key)} in "
                    f"{self.cpath} (each country, question and source with figures has one)"
                )
        if ok:
            r["net_parts"] = tuple(split_list(r["net_of"]))
            self.valid.append(r)
        else:
            self.rejected.add(qid)
        return problems

    def whole(self) -> list[str]:
        """Coverage rows without figures, questions without figures, and the sums."""
        problems = [
            f"{location(Path(self.cpath), c.line)}: no figures for {'/'.join(key)} in {display_path(self.path)}"
            for key, c in self.covered.items()
            if key not in self.with_figures and key[1] not in self.rejected
        ]
        problems += check_sums(self.path, self.valid, self.codebook, self.covered, self.cpath, self.rejected)
        asked = {qid for _, qid, _ in self.with_figures}
        problems += [
            f"{location(Path(self.qpath), q.line, 'question_id')}: question '{q.question_id}' has no "
            f"figures for any country (no row in {display_path(self.path)} or {self.cpath})"
            for q in self.questions.itertuples(index=False)
            if not q.countries and q.question_id not in asked
        ]
        return problems


def load_toplines(
    path: Path | str | None = None,
    questions: pd.DataFrame | None = None,
    survey: Survey | None = None,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Load and validate ``toplines.csv`` against the codebook, the coverage and the survey metadata.

    Returns one typed row per published figure with extra columns: ``percent`` (float), ``decimals``
    (published precision), ``percent_text`` (the figure as published), ``is_net`` and ``line``.
    """
    path = Path(path) if path else paths.TOPLINES_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    if coverage is None:
        coverage = load_coverage(path.parent / COVERAGE_CSV, survey=survey, codebook=questions)
    if questions is None:
        questions = load_questions(path.parent / QUESTIONS_CSV, survey=survey, coverage=coverage)
    records, problems, bad_lines = read_checked(path, rules.TOPLINES, survey)
    problems += key_problems(path, records, ("country", "question_id", "option", "source"))
    first_lines: dict[tuple, int] = {}
    check = _Toplines(path, questions, coverage)
    for r in records:
        key = (r["country"], r["question_id"], r["option"], r["source"])
        unique = first_lines.setdefault(key, r["_line"]) == r["_line"]
        problems += check.row(r, r["_line"] not in bad_lines and unique)
    problems += check.whole()
    if problems:
        raise DataValidationError(problems)
    frame = _frame(check.valid, [c.name for c in rules.TOPLINES if c.name != "percent"], path)
    frame["percent_text"] = frame["percent"].astype("string")
    frame["decimals"] = frame["percent_text"].map(decimals_of).astype("int64")
    frame["percent"] = frame["percent_text"].astype(float)
    frame["is_net"] = frame["net_parts"].map(bool)
    return frame


def _sum_problems(path: Path, country: str, qid: str, q, plain: list[dict], source: str) -> list[str]:
    total = sum(Decimal(r["percent"]) for r in plain)
    tolerance = sum(half_unit(r["percent"]) for r in plain)
    if plain and sum_counts_as_single(q) and total > 100 + tolerance:
        last = max(r["_line"] for r in plain)
        return [
            f"{location(path, last, 'percent')}: the options of single-answer question "
            f"'{qid}' ({country}, {source}) sum to {total}, more than 100 plus rounding ({tolerance})"
        ]
    return []


def _all_published_problems(path: Path, country: str, qid: str, q, plain: list[dict], cover, cpath: str) -> list[str]:
    """The sources of one measure of one country agree on ``options_published``; ``all`` is complete."""
    marks = {c.options_published for c in cover}
    if len(marks) > 1:
        return [
            f"{location(Path(cpath), cover[-1].line, 'options_published')}: "
            f"'{cover[-1].options_published}' here but '{cover[0].options_published}' on line "
            f"{cover[0].line}; the sources of {country}/{qid} give figures of one measure, so "
            "they agree on whether every option was published"
        ]
    if not plain or marks != {"all"}:
        return []
    last = max(r["_line"] for r in plain)
    missing = [o for o in q.options if o not in {r["option"] for r in plain}]
    if missing:
        return [
            f"{location(path, last, 'option')}: '{qid}' ({country}) is marked as fully "
            f"published in {cpath} but has no row for: {', '.join(missing)}"
        ]
    total = sum(Decimal(r["percent"]) for r in plain)
    if total < 100 - sum(half_unit(r["percent"]) for r in plain):
        return [
            f"{location(path, last, 'percent')}: '{qid}' ({country}) is marked as fully "
            f"published in {cpath} but its options sum to {total}"
        ]
    return []


def _net_problems(path: Path, country: str, qid: str, rows: list[dict], by_option: dict) -> list[str]:
    problems = []
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
        sources = list(dict.fromkeys(r["source"] for r in rows))
        source = ", ".join(sources) + (f"; measure {measure}" if measure else "")
        plain = list({r["option"]: r for r in reversed(rows) if not r["net_parts"]}.values())
        problems += _sum_problems(path, country, qid, q, plain, source)
        if qid not in rejected:
            cover = [covered[(country, qid, s)] for s in sources]
            problems += _all_published_problems(path, country, qid, q, plain, cover, cpath)
        problems += _net_problems(path, country, qid, rows, {r["option"]: r for r in plain})
    return problems


# ---------------------------------------------------------------------------------- release_claims.csv


def load_claims(
    path: Path | str | None = None, toplines: pd.DataFrame | None = None, survey: Survey | None = None
) -> pd.DataFrame:
    """Load ``release_claims.csv``: how the release worded a finding, and what that wording implies.

    Each claim names figures that must exist in ``toplines.csv`` (the option and, for a gap, the option it
    is set against), so the narrative can test the release's words with this report's rules.
    """
    path = Path(path) if path else paths.CLAIMS_CSV
    survey = survey if survey is not None else load_survey(path.parent / SURVEY_YML)
    toplines = toplines if toplines is not None else load_toplines(path.parent / TOPLINES_CSV, survey=survey)
    records, problems, bad_lines = read_checked(path, rules.CLAIMS, survey)
    have = set(zip(toplines["country"], toplines["question_id"], toplines["option"]))
    for r in records:
        line = r["_line"]
        for column in ("option", "versus"):
            if r[column] and (r["country"], r["question_id"], r[column]) not in have:
                problems.append(
                    f"{location(path, line, column)}: no figure for {r['country']}/{r['question_id']}/"
                    f"'{r[column]}' in {TOPLINES_CSV}"
                )
        if line not in bad_lines and (r["implies"] in SHARE_READINGS) == bool(r["versus"]):
            problems.append(
                f"{location(path, line, 'versus')}: a claim about a gap needs the option it is set "
                "against; a claim about a share must leave it empty"
            )
    if problems:
        raise DataValidationError(problems)
    return _frame(records, rules.names(rules.CLAIMS), path)
