"""Tests for helpers.data: every validation rule, and the shipped data in data/.

Each rule is tested on the small valid set in ``tests/fixtures/data/good/`` with exactly one textual edit,
written to a temporary folder. The message must name the file, the line and the column of the problem and
say what is wrong. Because the temporary folder is outside the repository, messages start with the bare
file name (``toplines.csv, line 4, column 'percent': ...``).

Line numbers in the expected messages refer to the good fixtures:

* ``toplines.csv``: 2-4 JP us_impression, 5-7 KR us_impression, 8-9 us_favorable_reasons, 10-11
  korea_impression, 12-13 japan_impression, 14-19 nuclear_weapons (18 and 19 are the nets), 20-22
  economic_partners, 23 KR japan_impression 'neither' (from a second source).
* ``questions.csv``: 2 us_impression, 3 us_favorable_reasons, 4 korea_impression, 5 japan_impression,
  6 nuclear_weapons, 7 economic_partners.
* ``coverage.csv``: 2 JP us_impression, 3-4 KR us_impression (press-a, press-b), 5 us_favorable_reasons,
  6 korea_impression, 7-8 KR japan_impression (press-a, press-b), 9 nuclear_weapons, 10 economic_partners.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import threading
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from helpers import pages, paths
from helpers.data import (
    CATEGORIES,
    DATA_FILES,
    MAX_FIELD_CHARS,
    DataValidationError,
    check_country_code,
    check_data_files,
    display_path,
    load_questions,
    load_survey,
    load_survey_data,
    load_toplines,
)

GOOD = Path(__file__).parent / "fixtures" / "data" / "good"
FILES = DATA_FILES
CSV_FILES = tuple(name for name in DATA_FILES if name.endswith(".csv"))


# ------------------------------------------------------------------------------------------------ helpers


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the good fixture set, to be edited by one test."""
    for name in FILES:
        shutil.copyfile(GOOD / name, tmp_path / name)
    return tmp_path


def write_variant(data_dir: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once, so a stale edit fails loudly) by ``new``."""
    path = data_dir / name
    text = path.read_bytes().decode("utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}, expected once"
    path.write_bytes(text.replace(old, new).encode("utf-8"))


def load_problems(data_dir: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load_survey_data(data_dir)
    problems = info.value.problems
    assert problems, "DataValidationError raised without problems"
    assert str(info.value).splitlines()[0] == problems[0]
    return problems


def assert_reported(problems: list[str], where: str, what: str, only: bool = True) -> None:
    """Some problem starts with ``where: `` and mentions ``what``; with ``only``, it is the only problem."""
    shown = "\n".join(problems)
    matching = [p for p in problems if p.startswith(where + ": ") and what in p]
    assert matching, f"expected a problem at {where!r} mentioning {what!r}, got:\n{shown}"
    if only:
        assert len(problems) == 1, f"expected one problem, got:\n{shown}"


# ------------------------------------------------------------------------------------------ good fixture


def test_good_fixture_set_loads():
    data = load_survey_data(GOOD)
    assert data.countries() == ["JP", "KR", "US"]
    assert data.country_n("KR") == 1585
    assert list(data.questions["question_id"]) == [
        "us_impression",
        "us_favorable_reasons",
        "korea_impression",
        "japan_impression",
        "nuclear_weapons",
        "economic_partners",
    ]
    assert len(data.toplines) == 22
    assert data.toplines["is_net"].sum() == 2
    # The quoted option with a comma is read as one field.
    assert "EU, the European Union" in set(data.toplines["option"])
    # Lines are the physical lines of the file (the header is line 1).
    assert list(data.toplines["line"]) == list(range(2, 24))
    assert list(data.coverage["line"]) == list(range(2, 11))
    # Respondent countries are derived from coverage.csv, in survey order.
    assert data.questions.set_index("question_id")["countries"].to_dict() == {
        "us_impression": ("JP", "KR"),
        "us_favorable_reasons": ("JP",),
        "korea_impression": ("JP",),
        "japan_impression": ("KR",),
        "nuclear_weapons": ("JP",),
        "economic_partners": ("JP",),
    }


def test_messages_show_repository_relative_paths_or_bare_file_names(tmp_path):
    assert display_path(paths.TOPLINES_CSV) == "data/toplines.csv"
    assert display_path(GOOD / "questions.csv") == "tests/fixtures/data/good/questions.csv"
    assert display_path(tmp_path / "toplines.csv") == "toplines.csv"


# ------------------------------------------------------------------------------- one edit, one problem

# (file, text to replace, replacement, where the message must point, what it must say)
RULES = [
    # --- headers
    pytest.param(
        "toplines.csv",
        ",measure,status",
        ",status",
        "toplines.csv, line 1, column 'measure'",
        "missing column",
        id="toplines-missing-column",
    ),
    pytest.param(
        "toplines.csv",
        "corroborated_by,note\n",
        "corroborated_by,note,extra\n",
        "toplines.csv, line 1, column 'extra'",
        "unexpected column",
        id="toplines-unexpected-column",
    ),
    pytest.param(
        "questions.csv",
        ",family,note",
        ",note",
        "questions.csv, line 1, column 'family'",
        "missing column",
        id="questions-missing-column",
    ),
    pytest.param(
        "questions.csv",
        "no_view,chart_group\n",
        "no_view,chart_group,comment\n",
        "questions.csv, line 1, column 'comment'",
        "unexpected column",
        id="questions-unexpected-column",
    ),
    pytest.param(
        "coverage.csv",
        ",measure_note,note",
        ",note",
        "coverage.csv, line 1, column 'measure_note'",
        "missing column",
        id="coverage-missing-column",
    ),
    # --- line structure and required values
    pytest.param(
        "coverage.csv",
        "JP,korea_impression,release,some,,",
        "JP,korea_impression,release,,,",
        "coverage.csv, line 6, column 'options_published'",
        "empty, a value is required",
        id="coverage-required-value-empty",
    ),
    pytest.param(
        "toplines.csv",
        "KR,japan_impression,favorable,52.4,press-a,paragraph 3,,,published,,\n",
        "KR,japan_impression,favorable,52.4,press-a,paragraph 3,,,published,\n",
        "toplines.csv, line 12",
        "10 fields, expected 11",
        id="toplines-wrong-number-of-fields",
    ),
    pytest.param(
        "toplines.csv",
        "press-b,paragraph 5,",
        "press-b,,",
        "toplines.csv, line 7, column 'locator'",
        "empty, a value is required",
        id="toplines-required-value-empty",
    ),
    pytest.param(
        "questions.csv",
        "Overall impression of South Korea",
        "",
        "questions.csv, line 4, column 'wording'",
        "empty, a value is required",
        id="questions-required-value-empty",
    ),
    # --- percent
    pytest.param(
        "toplines.csv",
        "JP,korea_impression,favorable,24.8",
        "JP,korea_impression,favorable,4O.8",
        "toplines.csv, line 10, column 'percent'",
        "'4O.8' is not a number",
        id="percent-not-a-number",
    ),
    pytest.param(
        "toplines.csv",
        "JP,economic_partners,United States,66.4",
        "JP,economic_partners,United States,100.5",
        "toplines.csv, line 20, column 'percent'",
        "100.5 is outside 0–100",
        id="percent-above-100",
    ),
    pytest.param(
        "toplines.csv",
        "JP,economic_partners,China,37.3",
        "JP,economic_partners,China,-3",
        "toplines.csv, line 21, column 'percent'",
        "-3 is outside 0–100",
        id="percent-negative",
    ),
    # --- keys
    pytest.param(
        "toplines.csv",
        "KR,japan_impression,unfavorable,37.1,press-a,paragraph 3,,,published,,\n",
        "KR,japan_impression,unfavorable,37.1,press-a,paragraph 3,,,published,,\n"
        "KR,japan_impression,unfavorable,37.1,press-a,paragraph 4,,,published,,\n",
        "toplines.csv, line 14",
        "duplicate key KR/japan_impression/unfavorable/press-a (first on line 13)",
        id="toplines-duplicate-key",
    ),
    # A second, shorter definition of economic_partners inserted before the original one (now line 8).
    pytest.param(
        "questions.csv",
        "\neconomic_partners,",
        "\neconomic_partners,economy & trade,Partners,select_all,multiple,,,China,,,,,,,\neconomic_partners,",
        "questions.csv, line 8, column 'question_id'",
        "duplicate key 'economic_partners' (first on line 7)",
        id="questions-duplicate-question-id",
    ),
    pytest.param(
        "questions.csv",
        "US,impression,,,neither,",
        "US,impression,,,undecided,",
        "questions.csv, line 2, column 'no_view'",
        "'undecided' is not one of the question's options",
        id="questions-no-view-not-an-option",
    ),
    pytest.param(
        "survey.yml",
        "margin_of_error_source: press-a\n",
        "margin_of_error_source: press-z\n",
        "survey.yml, line 33, key 'countries.KR.margin_of_error_source'",
        "unknown source 'press-z'",
        id="survey-margin-source-unknown",
    ),
    pytest.param(
        "questions.csv",
        "A note for readers.,,,\n",
        "A note for readers.,,,weapons\n",
        "questions.csv, line 7, column 'chart_group'",
        "needs the same question type, options and sides",
        id="questions-chart-group-of-different-questions",
    ),
    pytest.param(
        "toplines.csv",
        'JP,economic_partners,"EU',
        'JP,economic_partner,"EU',
        "toplines.csv, line 22, column 'question_id'",
        "'economic_partner' is not in the codebook (questions.csv)",
        id="toplines-question-not-in-codebook",
    ),
    pytest.param(
        "coverage.csv",
        "JP,economic_partners,release,some,",
        "KR,economic_partners,release,some,,\nJP,economic_partners,release,some,",
        "coverage.csv, line 10",
        "no figures for KR/economic_partners/release in toplines.csv",
        id="coverage-row-without-figures",
    ),
    pytest.param(
        "coverage.csv",
        "JP,korea_impression,release,some,,\n",
        "",
        "toplines.csv, line 10, column 'source'",
        "no row for JP/korea_impression/release in coverage.csv",
        id="figures-without-coverage-row-reported-once",
    ),
    pytest.param(
        "coverage.csv",
        "KR,japan_impression,press-b,all,,\n",
        "KR,japan_impression,press-b,all,,\n" + "KR,japan_impression,press-b,all,,a note\n",
        "coverage.csv, line 9",
        "duplicate key KR/japan_impression/press-b (first on line 8)",
        id="coverage-duplicate-key",
    ),
    pytest.param(
        "coverage.csv",
        "KR,japan_impression,press-b,all",
        "KR,japan_impression,press-b,most",
        "coverage.csv, line 8, column 'options_published'",
        "unknown options_published value 'most' (expected one of: all, some)",
        id="coverage-options-published-vocabulary",
    ),
    pytest.param(
        "coverage.csv",
        "KR,japan_impression,press-b,all",
        "KR,japan_impression,press-b,some",
        "coverage.csv, line 8, column 'options_published'",
        "'some' here but 'all' on line 7",
        id="coverage-sources-of-one-measure-disagree",
    ),
    pytest.param(
        "coverage.csv",
        "JP,nuclear_weapons,release",
        "JP,nuclear_weapons,press-q",
        "coverage.csv, line 9, column 'source'",
        "unknown source 'press-q'",
        id="coverage-unknown-source",
    ),
    # --- vocabularies
    pytest.param(
        "questions.csv",
        "security,Whether",
        "defence,Whether",
        "questions.csv, line 6, column 'category'",
        "unknown category 'defence'",
        id="questions-unknown-category",
    ),
    pytest.param(
        "toplines.csv",
        "KR,japan_impression,favorable",
        "CN,japan_impression,favorable",
        "toplines.csv, line 12, column 'country'",
        "unknown country 'CN'",
        id="toplines-unknown-country",
    ),
    pytest.param(
        "coverage.csv",
        "KR,japan_impression,press-a",
        "CN,japan_impression,press-a",
        "coverage.csv, line 7, column 'country'",
        "unknown country 'CN'",
        id="coverage-unknown-country",
    ),
    pytest.param(
        "questions.csv",
        "neither,,JP,impression",
        "neither,,CN,impression",
        "questions.csv, line 5, column 'subject'",
        "unknown country 'CN'",
        id="questions-unknown-subject",
    ),
    pytest.param(
        "toplines.csv",
        "JP,korea_impression,unfavorable",
        "KR,korea_impression,unfavorable",
        "toplines.csv, line 11, column 'source'",
        "no row for KR/korea_impression/release in coverage.csv",
        id="toplines-country-without-coverage",
    ),
    pytest.param(
        "toplines.csv",
        "10.0,press-b",
        "10.0,press-c",
        "toplines.csv, line 7, column 'source'",
        "unknown source 'press-c'",
        id="toplines-unknown-source",
    ),
    pytest.param(
        "toplines.csv",
        "published,press-a,",
        "published,press-z,",
        "toplines.csv, line 2, column 'corroborated_by'",
        "unknown source 'press-z'",
        id="toplines-unknown-corroborating-source",
    ),
    pytest.param(
        "toplines.csv",
        '16.0,release,"Findings §1, bullet 1",,main_reason',
        '16.0,release,"Findings §1, bullet 1",,main_reasons',
        "toplines.csv, line 9, column 'measure'",
        "unknown measure 'main_reasons'",
        id="toplines-unknown-measure",
    ),
    pytest.param(
        "toplines.csv",
        "JP,economic_partners,China",
        "JP,economic_partners,Chinaa",
        "toplines.csv, line 21, column 'option'",
        "'Chinaa' is not an option of 'economic_partners'",
        id="toplines-option-not-in-codebook",
    ),
    pytest.param(
        "toplines.csv",
        "strongly in favor;somewhat in favor",
        "strongly in favor;rather in favor",
        "toplines.csv, line 18, column 'net_of'",
        "'rather in favor' is not an option of 'nuclear_weapons'",
        id="toplines-net-part-not-an-option",
    ),
    # --- codebook structure
    pytest.param(
        "questions.csv",
        "+|+|-|-",
        "+|+|-",
        "questions.csv, line 6, column 'option_sides'",
        "3 sides for 4 options",
        id="questions-scale-sides-count",
    ),
    pytest.param(
        "questions.csv",
        "us_impression,favorable,a security partner",
        "us_impression,favourable,a security partner",
        "questions.csv, line 3, column 'base_option'",
        "'favourable' is not an option of 'us_impression'",
        id="questions-base-option-not-an-option",
    ),
    pytest.param(
        "questions.csv",
        'Union",,,,,',
        'Union",,JP,,,',
        "coverage.csv, line 10, column 'country'",
        "'economic_partners' is about JP (its subject in questions.csv), so it cannot be asked of JP",
        id="subject-is-a-respondent-country",
    ),
    pytest.param(
        "questions.csv",
        "+|+|-|-,,,",
        "+|+|-|-,,own_arms,",
        "questions.csv, line 6, column 'subject'",
        "'nuclear_weapons' is in family 'own_arms', so it needs",
        id="family-member-without-subject",
    ),
    pytest.param(
        "questions.csv",
        "neither,,JP,impression",
        "neither,,KR,impression",
        "questions.csv, line 5, column 'subject'",
        "'japan_impression' and 'korea_impression' (line 4) are both about KR in family 'impression'",
        id="family-two-items-about-one-subject",
    ),
    pytest.param(
        "questions.csv",
        "Overall impression of South Korea",
        "Overall impression of the host country",
        "questions.csv, line 4, column 'wording'",
        "'host country' is vague; write {country}",
        id="wording-vague-country",
    ),
    pytest.param(
        "questions.csv",
        "Overall impression of South Korea",
        "Overall impression of {name}",
        "questions.csv, line 4, column 'wording'",
        "the only placeholder a wording may hold is {country}",
        id="wording-unknown-placeholder",
    ),
    # An empty entry is reported once, and the sides of the scale are not counted against the broken list.
    pytest.param(
        "questions.csv",
        "strongly in favor|somewhat in favor|",
        "strongly in favor||somewhat in favor|",
        "questions.csv, line 6, column 'options'",
        "entry 2 of the list is empty",
        id="options-with-an-empty-entry",
    ),
    pytest.param(
        "questions.csv",
        '"United States|China|',
        '"United States|China||',
        "questions.csv, line 7, column 'options'",
        "entry 3 of the list is empty",
        id="options-with-an-empty-entry-select-all",
    ),
    pytest.param(
        "toplines.csv",
        "JP,korea_impression,favorable,24.8",
        "JP,korea_impression,favorable,024.8",
        "toplines.csv, line 10, column 'percent'",
        "'024.8' has a leading zero (expected ASCII digits with an optional decimal part and no leading zero",
        id="percent-leading-zero",
    ),
    # --- sums
    pytest.param(
        "toplines.csv",
        "JP,us_impression,neither,25.0",
        "JP,us_impression,neither,25.2",
        "toplines.csv, line 4, column 'percent'",
        "'us_impression' (JP, release) sum to 100.2, more than 100 plus rounding (0.15)",
        id="single-choice-sum-over-100",
    ),
    pytest.param(
        "toplines.csv",
        "in favor,23.7",
        "in favor,23.9",
        "toplines.csv, line 18, column 'percent'",
        "net 'in favor' of 'nuclear_weapons' (JP) is 23.9 but its parts sum to 23.7",
        id="net-differs-from-parts",
    ),
    pytest.param(
        "toplines.csv",
        "KR,us_impression,neither,10.0,press-b",
        "KR,us_impression,unfavorable,10.0,press-b",
        "toplines.csv, line 6, column 'option'",
        "'us_impression' (KR) is marked as fully published in coverage.csv but has no row for: neither",
        id="options-published-all-with-missing-option",
    ),
    pytest.param(
        "toplines.csv",
        "KR,us_impression,neither,10.0",
        "KR,us_impression,neither,5.0",
        "toplines.csv, line 7, column 'percent'",
        "'us_impression' (KR) is marked as fully published in coverage.csv but its options sum to 95.0",
        id="options-published-all-sum-short-of-100",
    ),
    # --- survey.yml
    pytest.param(
        "survey.yml",
        "title: Test survey",
        "title: Test: survey",
        "survey.yml, line 3",
        "not valid YAML",
        id="survey-invalid-yaml",
    ),
    pytest.param(
        "survey.yml",
        "    n: 1585",
        "    n: 0",
        "survey.yml, line 24, key 'countries.KR.n'",
        "0 is out of range (more than 0)",
        id="survey-country-n-not-positive",
    ),
    pytest.param(
        "survey.yml",
        "  - element: Weighting\n    disclosed: not disclosed in the source\n",
        "",
        "survey.yml, line 49, key 'aapor_disclosure'",
        "10 elements, expected 11",
        id="survey-aapor-elements-count",
    ),
    pytest.param(
        "survey.yml",
        "id: press-b",
        "id: press-a",
        "survey.yml, line 79, key 'sources'",
        "id 'press-a' appears more than once",
        id="survey-duplicate-source-id",
    ),
    pytest.param(
        "survey.yml",
        "    n: 1037\n",
        "    n: 1037\n    n: 1038\n",
        "survey.yml, line 12",
        "key 'n' appears twice in one mapping (first on line 11)",
        id="survey-duplicate-key",
    ),
    # A code with a shell metacharacter is refused before anything else looks at the country.
    pytest.param(
        "survey.yml",
        "  KR:\n",
        "  K`touch pwned`R:\n",
        "survey.yml, line 21, key 'countries.K`touch pwned`R'",
        "'K`touch pwned`R' is not a country code (two capital letters",
        id="survey-country-code-with-backquote",
    ),
    pytest.param(
        "survey.yml",
        "  KR:\n",
        "  kr:\n",
        "survey.yml, line 21, key 'countries.kr'",
        "'kr' is not a country code",
        id="survey-country-code-lower-case",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "where", "what"), RULES)
def test_rule_reports_file_line_column_and_problem(data_dir, name, old, new, where, what):
    write_variant(data_dir, name, old, new)
    assert_reported(load_problems(data_dir), where, what)


def test_survey_aapor_not_a_list_and_a_misspelled_top_level_key(data_dir):
    write_variant(data_dir, "survey.yml", "aapor_disclosure:\n", "aapor_disclosure: 11\nold_aapor_disclosure:\n")
    problems = load_problems(data_dir)
    assert_reported(
        problems,
        "survey.yml, line 49, key 'aapor_disclosure'",
        "expected a list of the 11 AAPOR disclosure elements, found int 11",
        only=False,
    )
    assert_reported(
        problems, "survey.yml, line 50, key 'old_aapor_disclosure'", "did you mean 'aapor_disclosure'?", only=False
    )
    assert len(problems) == 2


def test_survey_missing_country_n(data_dir):
    write_variant(data_dir, "survey.yml", "    n: 1037\n", "")
    problems = load_problems(data_dir)
    # Reported both as a missing key and as a value that is not a positive integer.
    assert_reported(problems, "survey.yml, line 8, key 'countries.JP.n'", "missing")
    assert all("countries.JP.n" in p for p in problems), problems


@pytest.mark.parametrize(
    ("new", "what"),
    [
        pytest.param("25.1", None, id="sum-100.1-within-rounding-0.15"),
        pytest.param("25.2", "sum to 100.2", id="sum-100.2-beyond-rounding-0.15"),
    ],
)
def test_single_choice_sum_tolerance_is_half_a_unit_per_figure(data_dir, new, what):
    # Three figures with one decimal may each be off by 0.05 through rounding: tolerance 0.15.
    write_variant(data_dir, "toplines.csv", "JP,us_impression,neither,25.0", f"JP,us_impression,neither,{new}")
    if what is None:
        data = load_survey_data(data_dir)
        jp = data.toplines.query("country == 'JP' and question_id == 'us_impression'")
        assert jp["percent"].sum() == pytest.approx(100.1)
    else:
        assert_reported(load_problems(data_dir), "toplines.csv, line 4, column 'percent'", what)


def test_net_within_rounding_of_its_parts_passes(data_dir):
    # 8.2 + 15.5 = 23.7; three one-decimal figures allow 0.15 of rounding, so 23.8 is consistent.
    write_variant(data_dir, "toplines.csv", "in favor,23.7", "in favor,23.8")
    data = load_survey_data(data_dir)
    net = data.toplines.query("question_id == 'nuclear_weapons' and option == 'in favor'")
    assert net["percent"].tolist() == [23.8]


def test_all_problems_of_a_pass_are_reported_together(data_dir):
    write_variant(data_dir, "toplines.csv", "JP,korea_impression,favorable,24.8", "JP,korea_impression,favorable,x")
    write_variant(data_dir, "toplines.csv", "10.0,press-b", "10.0,press-c")
    problems = load_problems(data_dir)
    assert_reported(problems, "toplines.csv, line 10, column 'percent'", "'x' is not a number", only=False)
    assert_reported(problems, "toplines.csv, line 7, column 'source'", "unknown source 'press-c'", only=False)
    assert len(problems) == 2


# ------------------------------------------------------------------------------ empty and unreadable files


@pytest.mark.parametrize("content", [pytest.param(b"", id="0-bytes"), pytest.param(b" \n\t\n  ", id="whitespace")])
@pytest.mark.parametrize("name", FILES)
def test_empty_file(data_dir, name, content):
    (data_dir / name).write_bytes(content)
    assert_reported(load_problems(data_dir), name, "the file is empty")


@pytest.mark.parametrize("name", CSV_FILES)
def test_header_only_file(data_dir, name):
    header = (data_dir / name).read_bytes().split(b"\n")[0]
    (data_dir / name).write_bytes(header + b"\n")
    assert_reported(load_problems(data_dir), name, "the file has a header but no data rows")


@pytest.mark.parametrize("name", FILES)
def test_file_not_utf8_names_the_line(data_dir, name):
    lines = (data_dir / name).read_bytes().split(b"\n")
    lines[3] += "café".encode("latin-1")  # é is the single byte 0xe9 in latin-1, invalid in UTF-8 here
    (data_dir / name).write_bytes(b"\n".join(lines))
    assert_reported(load_problems(data_dir), f"{name}, line 4", "not valid UTF-8 (byte 0xe9")


# --------------------------------------------------------------------------- quoted multi-line fields

# A note with an embedded newline on line 8 (us_favorable_reasons 'a security partner').
MULTILINE_NOTE = (
    'a security partner,31.0,release,"Findings §1, bullet 1",,main_reason,published,,\n',
    'a security partner,31.0,release,"Findings §1, bullet 1",,main_reason,published,,"a note\nover two lines"\n',
)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # The row holding the multi-line field is named by the line it starts on.
        pytest.param(
            "a security partner,31.0",
            "a security partner,4O.5",
            "toplines.csv, line 8, column 'percent'",
            id="on-the-multiline-row",
        ),
        # korea_impression 'favorable' was on line 10; the embedded newline moves it to line 11.
        pytest.param(
            "korea_impression,favorable,24.8",
            "korea_impression,favorable,4O.5",
            "toplines.csv, line 11, column 'percent'",
            id="on-a-later-row",
        ),
    ],
)
def test_error_near_a_multiline_field_names_the_physical_line(data_dir, old, new, where):
    write_variant(data_dir, "toplines.csv", *MULTILINE_NOTE)
    write_variant(data_dir, "toplines.csv", old, new)
    assert_reported(load_problems(data_dir), where, "'4O.5' is not a number")


def test_rows_after_a_multiline_field_keep_their_physical_line(data_dir):
    write_variant(data_dir, "toplines.csv", *MULTILINE_NOTE)
    toplines = load_survey_data(data_dir).toplines
    assert toplines["note"].iloc[6] == "a note\nover two lines"
    # The row with the multi-line field starts on line 8 and ends on line 9; the next row is on line 10.
    assert list(toplines["line"]) == list(range(2, 9)) + list(range(10, 25))


# ------------------------------------------------------------------------------------------ shipped data


@pytest.fixture(scope="module")
def shipped():
    return load_survey_data()


API = "api-2025-08-28"


def test_shipped_data_loads(shipped):
    assert shipped.countries() == ["JP", "KR", "US"]
    assert len(shipped.questions) > 0 and len(shipped.toplines) > 0


def test_shipped_loaders_agree_with_load_survey_data(shipped):
    survey = load_survey()
    questions = load_questions(survey=survey)
    toplines = load_toplines(questions=questions, survey=survey)
    assert survey == shipped.survey
    pd.testing.assert_frame_equal(questions, shipped.questions)
    pd.testing.assert_frame_equal(toplines, shipped.toplines)


def test_shipped_rows_cover_exactly_the_countries_of_each_question(shipped):
    toplines = shipped.toplines
    for q in shipped.questions.itertuples(index=False):
        rows = toplines[toplines["question_id"] == q.question_id]
        assert set(rows["country"]) == set(q.countries), q.question_id
        for country in q.countries:
            assert (rows["country"] == country).sum() >= 1, (q.question_id, country)


def test_shipped_fully_published_questions_have_one_row_per_option(shipped):
    toplines = shipped.toplines
    fully = shipped.coverage[shipped.coverage["options_published"] == "all"]
    assert len(fully) > 0
    for country, qid in dict.fromkeys(zip(fully["country"], fully["question_id"])):
        options = shipped.question(qid)["options"]
        plain = toplines[(toplines["question_id"] == qid) & (toplines["country"] == country) & ~toplines["is_net"]]
        assert len(plain) == len(options), (qid, country)
        assert set(plain["option"]) == set(options), (qid, country)


def test_shipped_coverage_matches_the_figures_exactly(shipped):
    keys = set(zip(shipped.toplines["country"], shipped.toplines["question_id"], shipped.toplines["source"]))
    rows = list(zip(shipped.coverage["country"], shipped.coverage["question_id"], shipped.coverage["source"]))
    assert len(rows) == len(set(rows))
    assert set(rows) == keys


# The U.S. figures as the issue lists them, with where each is published.
US_FIGURES = [
    ("korea_impression", "favorable", "62", "kei-2025-09-10", "key findings"),
    ("japan_impression", "favorable", "78", "kei-2025-09-10", "key findings"),
    ("korea_trust", "trust", "58", "kei-2025-09-10", "key findings"),
    ("japan_trust", "trust", "69", "kei-2025-09-10", "key findings"),
    ("us_tariffs", "disapprove", "45", "yankeetimes", "paragraph on the high reciprocal tariffs"),
]


def test_shipped_us_figures_as_published(shipped):
    us = shipped.toplines[shipped.toplines["country"] == "US"]
    got = sorted(zip(us["question_id"], us["option"], us["percent_text"], us["source"], us["locator"]))
    assert got == sorted(US_FIGURES)
    tariff = us[us["question_id"] == "us_tariffs"].iloc[0]
    assert tariff["corroborated_by"] == "livedoor-29464206"
    kei = shipped.source("kei-2025-09-10")
    assert (kei.publisher, kei.date, kei.url, kei.kind) == (
        "Korea Economic Institute of America",
        "2025-09-10",
        "https://keia.org/?p=27766",
        "primary",
    )
    assert "does not state which sample" in kei.note
    assert shipped.source_label("kei-2025-09-10") == "KEI"
    assert shipped.source_label("yankeetimes") == "Yankee Times (press report)"


def test_shipped_us_views_are_about_the_right_subjects(shipped):
    assert [shipped.subject(q) for q in ("korea_impression", "japan_impression", "korea_trust", "japan_trust")] == [
        "KR",
        "JP",
        "KR",
        "JP",
    ]
    assert shipped.family("korea_trust") == shipped.family("us_trust") == "trust"
    assert shipped.subject("us_tariffs") is None
    assert shipped.countries_of("us_tariffs") == ("JP", "KR", "US")
    # One option published for the United States, all of them for South Korea: both load.
    assert shipped.options_published("US", "japan_impression") == "some"
    assert shipped.options_published("KR", "japan_impression") == "all"


def test_shipped_no_item_is_asked_about_its_own_respondents(shipped):
    for q in shipped.questions.itertuples(index=False):
        if not pd.isna(q.subject):
            assert q.subject not in q.countries, q.question_id


def test_shipped_families_have_one_item_per_subject(shipped):
    families = shipped.questions.dropna(subset=["family"]).groupby("family")
    assert {
        "impression",
        "leader_impression",
        "trust",
        "favorable_reasons",
        "unfavorable_reasons",
        "relations_state",
    } <= set(families.groups)
    for family, rows in families:
        assert rows["subject"].notna().all() and rows["subject"].is_unique, family


@pytest.mark.parametrize(
    ("country", "question_id", "words"),
    [
        pytest.param("KR", "trilateral_security_cooperation", "positively", id="kr-cooperation-a-view"),
    ],
)
def test_shipped_different_measures_are_marked_on_the_country_figures(shipped, country, question_id, words):
    assert words in shipped.measure_note(country, question_id)
    assert shipped.measure_note("JP", question_id) is None
    # The note about South Korea's figure is not a note of the question, so it never reaches Japan's chart.
    assert not any(words in n for n in shipped.notes_for("JP", question_id))


def test_shipped_wording_names_the_country(shipped):
    assert (
        shipped.wording("us_relations_state", "JP") == "Current state of relations between Japan and the United States"
    )
    assert (
        shipped.wording("us_forces_cost_share", "KR")
        == "South Korea's share of the cost of the U.S. forces stationed in South Korea"
    )
    for wording in shipped.questions["wording"]:
        assert "respondent's country" not in wording and "host country" not in wording


def test_shipped_filing_notes_stay_in_the_codebook(shipped):
    notes = shipped.questions["note"].dropna()
    assert not notes.str.contains("Filed under").any()
    assert shipped.questions["codebook_note"].dropna().str.contains("Filed under").sum() == 2


def test_shipped_options_and_nets_come_from_the_codebook(shipped):
    options = dict(zip(shipped.questions["question_id"], shipped.questions["options"]))
    for row in shipped.toplines.itertuples(index=False):
        if row.is_net:
            assert row.option not in options[row.question_id], row
            assert set(row.net_of.split(";")) <= set(options[row.question_id]), row
        else:
            assert row.option in options[row.question_id], row


def test_shipped_rows_name_a_known_source_and_a_locator(shipped):
    ids = set(shipped.survey.source_ids)
    toplines = shipped.toplines
    assert set(toplines["source"]) <= ids
    assert toplines["locator"].notna().all()
    assert (toplines["locator"].str.strip() != "").all()


def test_shipped_sources_are_each_cited(shipped):
    """Every source of survey.yml backs a figure, a claim or a survey fact (no source listed for nothing)."""
    cited = set(shipped.toplines["source"]) | set(shipped.claims["source"])
    cited |= {s for value in shipped.toplines["corroborated_by"].dropna() for s in value.split(";")}
    # earlier waves: their methods' sources and their figures' (helpers.trends)
    for frame, column in ((shipped.waves, "source"), (shipped.trends, "source"), (shipped.trends, "corroborated_by")):
        cited |= {s for value in frame[column].dropna() for s in str(value).split(";") if s}
    survey_text = (Path(shipped.data_dir) / "survey.yml").read_text(encoding="utf-8")
    for source in shipped.survey.sources:
        assert source.id in cited or survey_text.count(source.id) > 1, source.id


def test_shipped_api_release_figures(shipped):
    api = shipped.toplines[shipped.toplines["source"] == API]
    # The API release (Japanese interim findings, 2025-08-28) mentions a percentage 109 times. Four of those
    # are the opening summary's roundings of detailed figures given later (about 45% = 44.7, 70% = 70.1,
    # 42% = 42.1, 63% = 63.0), so they are not stored again; 33% and 49% appear only in the summary and are
    # stored. 109 - 4 = 105 rows.
    assert len(api) == 105
    roundings = {"45", "70", "42", "63"}
    assert not roundings & set(api["percent_text"])
    assert not ((api["decimals"] == 0) & api["percent"].isin([45, 70, 42, 63])).any()
    # The detailed figures behind the roundings are there, with their decimal.
    assert {"44.7", "70.1", "42.1", "63.0"} <= set(api["percent_text"])
    assert Counter(api.loc[api["decimals"] == 0, "percent_text"]) == Counter({"33": 1, "49": 1})


def test_shipped_data_stores_no_derived_value(shipped):
    # The release gives South Korea's nuclear armament only as in favor 15.5, opposed 65.0 and strongly
    # opposed 40.9; 'somewhat opposed' (65.0 - 40.9 = 24.1) is derived and must not be stored.
    korea = shipped.toplines[shipped.toplines["question_id"] == "korea_nuclear_weapons"]
    assert "somewhat opposed" not in set(korea["option"])
    assert "24.1" not in set(korea["percent_text"])
    assert set(korea["option"]) == {"strongly opposed", "in favor", "opposed"}


@pytest.mark.parametrize(
    ("question_id", "option", "text", "decimals"),
    [
        pytest.param("taiwan_japan_role", "no military involvement", "26.0", 1, id="26.0-keeps-its-decimal"),
        pytest.param("nuclear_umbrella", "trust it", "33", 0, id="33-has-no-decimal"),
    ],
)
def test_shipped_percent_keeps_published_precision(shipped, question_id, option, text, decimals):
    toplines = shipped.toplines
    row = toplines[(toplines["question_id"] == question_id) & (toplines["option"] == option)]
    assert len(row) == 1
    assert row["percent_text"].iloc[0] == text
    assert row["decimals"].iloc[0] == decimals
    assert row["percent"].iloc[0] == float(text)


def test_shipped_frames_are_typed(shipped):
    toplines, questions = shipped.toplines, shipped.questions
    for column in (
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
        "percent_text",
    ):
        assert pd.api.types.is_string_dtype(toplines[column]) and toplines[column].dtype == "string", column
    assert toplines["percent"].dtype == "float64"
    assert toplines["decimals"].dtype == "int64"
    assert toplines["is_net"].dtype == "bool"
    assert toplines["line"].dtype == "int64"
    # Empty optional fields are missing values, not empty strings.
    assert toplines["net_of"].isna().any() and not (toplines["net_of"] == "").any()
    for column in ("question_id", "wording", "question_type", "answers", "subject", "family", "note", "codebook_note"):
        assert questions[column].dtype == "string", column
    assert "mirror_of" not in questions and "options_published" not in questions
    for column in ("country", "question_id", "source", "options_published", "measure_note", "note"):
        assert shipped.coverage[column].dtype == "string", column
    assert isinstance(questions["category"].dtype, pd.CategoricalDtype)
    assert all(isinstance(v, tuple) for v in questions["options"])
    assert all(isinstance(v, tuple) for v in questions["countries"])


def test_a_measure_without_its_answer_format_is_rejected(data_dir):
    """Measures carry a label and an answer format: the narrative words and tests reasons by them."""
    write_variant(data_dir, "survey.yml", "    answers: not disclosed\n", "")
    assert_reported(load_problems(data_dir), "survey.yml, line 74, key 'measures.main_reason.answers'", "missing")


# ------------------------------------------------------------------------------------------ release claims

CLAIMS_HEADER = "country,question_id,option,versus,release_words,implies,source,locator\n"


@pytest.mark.parametrize(
    "row, where, what",
    [
        pytest.param(
            "JP,us_impression,favourable,unfavorable,close,tie,release,§1\n",
            "release_claims.csv, line 2, column 'option'",
            "no figure for JP/us_impression/'favourable'",
            id="claim-unknown-option",
        ),
        pytest.param(
            "JP,us_impression,favorable,unfavorable,close,even,release,§1\n",
            "release_claims.csv, line 2, column 'implies'",
            "unknown reading 'even' (expected one of: tie, lead,",
            id="claim-unknown-reading",
        ),
        pytest.param(
            "JP,us_impression,favorable,,close,tie,release,§1\n",
            "release_claims.csv, line 2, column 'versus'",
            "a claim about a gap needs",
            id="claim-gap-without-versus",
        ),
        pytest.param(
            "JP,us_impression,favorable,unfavorable,close,tie,nowhere,§1\n",
            "release_claims.csv, line 2, column 'source'",
            "unknown source 'nowhere'",
            id="claim-unknown-source",
        ),
    ],
)
def test_bad_release_claims_are_rejected(data_dir, row, where, what):
    (data_dir / "release_claims.csv").write_text(CLAIMS_HEADER + row, encoding="utf-8")
    assert_reported(load_problems(data_dir), where, what)


def test_a_good_release_claim_loads(data_dir):
    (data_dir / "release_claims.csv").write_text(
        CLAIMS_HEADER + "JP,us_impression,favorable,unfavorable,close,tie,release,§1\n", encoding="utf-8"
    )
    claims = load_survey_data(data_dir).claims
    assert list(claims["implies"]) == ["tie"] and list(claims["line"]) == [2]


def test_shipped_release_claims_load_and_name_published_figures():
    data = load_survey_data()
    assert len(data.claims) >= 10
    assert set(data.claims["source"]) <= set(data.survey.source_ids)


# --------------------------------------------------------------------------------- SurveyData methods


@pytest.fixture(scope="module")
def good():
    return load_survey_data(GOOD)


def test_country_names(good):
    assert good.country_name("US") == "United States"
    assert good.country_in_text("US") == "the United States"
    assert good.country_in_text("JP") == "Japan"  # no name_in_text: the name
    assert good.respondents("US") == "American respondents"


def test_sources_have_one_label_and_a_full_reference(good):
    assert good.source_label("release") == "TI"
    assert good.source_label("press-a") == "Paper A (press report)"
    assert not good.is_press("release") and good.is_press("press-b")
    entry = next(e for e in pages.sources_model(good) if e["label"] == "Paper B (press report)")
    assert entry == {
        "label": "Paper B (press report)",
        "title": "Press report B",
        "url": "https://example.org/b",
        "url_note": "",
        "publisher": "",  # the label says it
        "date": "date not stated",
        "note": "",
    }


def test_coverage_per_country_and_source(good):
    assert good.countries_of("us_impression") == ("JP", "KR")
    assert good.options_published("KR", "us_impression") == "all"
    assert good.options_published("KR", "japan_impression", "press-b") == "all"
    assert good.options_published("JP", "korea_impression") == "some"
    assert good.measure_note("JP", "economic_partners") == "a measure other than the wording"
    assert good.measure_note("JP", "korea_impression") is None
    assert good.notes_for("KR", "japan_impression") == ["A note on the South Korean figures."]
    assert good.notes_for("JP", "nuclear_weapons") == ["A note for readers."]
    # A filing note is the codebook's, never a reader's.
    assert good.notes_for("JP", "economic_partners") == []
    assert good.question("economic_partners")["codebook_note"].startswith("Filed under")


def test_subject_and_family(good):
    assert good.subject("japan_impression") == "JP" and good.subject("nuclear_weapons") is None
    assert good.family("us_impression") == "impression" and good.family("economic_partners") is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda d: d.check_country("CN"), "unknown country 'CN': survey.yml has JP, KR, US", id="country"),
        pytest.param(lambda d: d.country_name("XX"), "unknown country 'XX'", id="country-name"),
        pytest.param(
            lambda d: d.check_category("defence"),
            "unknown category 'defence': the categories are " + "; ".join(CATEGORIES),
            id="category",
        ),
        pytest.param(
            lambda d: d.check_question("nuclear"),
            "unknown question 'nuclear': questions.csv has us_impression, ",
            id="question",
        ),
        pytest.param(
            lambda d: d.check_question("japan_impression", "JP"),
            "question 'japan_impression' has no figures for 'JP'; it has figures for KR",
            id="question-country",
        ),
        pytest.param(lambda d: d.question("x"), "unknown question 'x'", id="question-row"),
        pytest.param(lambda d: d.wording("x", "JP"), "unknown question 'x'", id="wording"),
        pytest.param(
            lambda d: d.options_published("KR", "japan_impression", "release"),
            "source 'release' has no figures for KR/japan_impression; sources with figures: press-a, press-b",
            id="options-published-source",
        ),
        pytest.param(
            lambda d: d.source("press-z"),
            "unknown source 'press-z': survey.yml has release, press-a, press-b",
            id="source",
        ),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_the_valid_values(good, call, message):
    with pytest.raises(ValueError) as info:
        call(good)
    assert str(info.value).startswith(message)


def test_valid_arguments_are_returned(good):
    assert good.check_country("KR") == "KR"
    assert good.check_category("security") == "security"
    assert good.check_question("us_impression", "KR") == "us_impression"


@pytest.mark.parametrize(
    ("wording", "country", "expected"),
    [
        pytest.param(
            "Relations between {country} and Japan", "KR", "Relations between South Korea and Japan", id="inside"
        ),
        pytest.param(
            "{country} and Japan: relations", "US", "The United States and Japan: relations", id="at-the-start"
        ),
    ],
)
def test_wording_fills_in_the_country(data_dir, wording, country, expected):
    write_variant(data_dir, "questions.csv", "Overall impression of Japan", wording)
    assert load_survey_data(data_dir).wording("japan_impression", country) == expected


def test_a_family_asks_one_kind_of_question(data_dir):
    write_variant(data_dir, "questions.csv", "world leadership,,US,,", "world leadership,,US,mixed,")
    write_variant(data_dir, "questions.csv", "favorable|unfavorable,,KR,impression", "favorable|unfavorable,,KR,mixed")
    assert_reported(
        load_problems(data_dir),
        "questions.csv, line 4, column 'question_type'",
        "'single_choice' differs from 'top_reasons' of 'us_favorable_reasons' (line 3)",
    )


def test_a_country_may_publish_one_option_of_an_item_fully_published_elsewhere(data_dir):
    with open(data_dir / "toplines.csv", "a", encoding="utf-8") as f:
        f.write("US,japan_impression,favorable,78,press-a,paragraph 9,,,published,,\n")
    with open(data_dir / "coverage.csv", "a", encoding="utf-8") as f:
        f.write("US,japan_impression,press-a,some,,\n")
    data = load_survey_data(data_dir)
    assert data.countries_of("japan_impression") == ("KR", "US")
    assert (data.options_published("US", "japan_impression"), data.options_published("KR", "japan_impression")) == (
        "some",
        "all",
    )
    # Marked 'all', the same single figure is refused: the other options are missing.
    write_variant(data_dir, "coverage.csv", "US,japan_impression,press-a,some", "US,japan_impression,press-a,all")
    assert_reported(
        load_problems(data_dir),
        "toplines.csv, line 24, column 'option'",
        "'japan_impression' (US) is marked as fully published in coverage.csv but has no row for: unfavorable, neither",
    )


# ------------------------------------------------------------------------------ bad files (issue 8)


@pytest.mark.parametrize("name", FILES)
def test_a_missing_data_file_is_named(data_dir, name):
    (data_dir / name).unlink()
    assert_reported(load_problems(data_dir), name, "file not found")


@pytest.mark.parametrize("name", FILES)
def test_a_folder_in_place_of_a_data_file(data_dir, name):
    (data_dir / name).unlink()
    (data_dir / name).mkdir()
    assert_reported(load_problems(data_dir), name, "is a folder, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need os.mkfifo (POSIX)")
@pytest.mark.parametrize("name", ["survey.yml", "toplines.csv"])
def test_a_fifo_in_place_of_a_data_file_is_refused_without_blocking(data_dir, name):
    (data_dir / name).unlink()
    os.mkfifo(data_dir / name)
    result: list = []

    def load():
        try:
            load_survey_data(data_dir)
        except DataValidationError as exc:
            result.append(exc.problems)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the thread ends, then fail
        with open(data_dir / name, "wb", buffering=0):
            pass
        pytest.fail("the loader blocked on a FIFO")
    assert_reported(result[0], name, "is a FIFO (named pipe); a data file must be an ordinary file")


def test_an_unreadable_data_file_is_named(data_dir, monkeypatch):
    read_bytes = Path.read_bytes

    def refuse(self):
        if self.name == "coverage.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert_reported(load_problems(data_dir), "coverage.csv", "cannot be read (Permission denied)")


def test_a_survey_that_is_a_list_at_the_top_level(data_dir):
    (data_dir / "survey.yml").write_text("- JP\n- KR\n", encoding="utf-8")
    assert_reported(
        load_problems(data_dir),
        "survey.yml, line 1",
        "expected a mapping (key: value lines) at the top level, found a list",
    )


def test_a_field_over_128_kib(data_dir):
    long = "x" * (MAX_FIELD_CHARS + 1)
    write_variant(
        data_dir,
        "toplines.csv",
        "paragraph 3,,,published,,\nKR,japan_impression,unfavorable",
        f'paragraph 3,,,published,,"{long}"\nKR,japan_impression,unfavorable',
    )
    assert_reported(load_problems(data_dir), "toplines.csv, line 12", "a field is longer than 128 KiB")


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        # The quote opened on line 8 runs on to the next quote (line 9).
        pytest.param(
            'a security partner,31.0,release,"Findings §1, bullet 1"',
            'a security partner,31.0,release,"Findings §1, bullet 1',
            "toplines.csv, line 8",
            id="runs-into-the-next-quote",
        ),
        # Nothing after it closes it.
        pytest.param(
            "press-b,paragraph 4,", 'press-b,"paragraph 4,', "toplines.csv, line 23", id="open-at-the-end-of-the-file"
        ),
        # Closed in the middle of the line by the next field's opening quote.
        pytest.param(
            'EU, the European Union",37.1',
            "EU, the European Union,37.1",
            "toplines.csv, line 22",
            id="closed-by-a-later-quote-on-its-line",
        ),
    ],
)
def test_an_unclosed_quote_is_reported_as_such_at_its_line(data_dir, old, new, where):
    write_variant(data_dir, "toplines.csv", old, new)
    assert_reported(load_problems(data_dir), where, "unclosed quote")


# --------------------------------------------------------------------------- a fictitious fourth country

FOURTH = Path(__file__).parent / "fixtures" / "data" / "fourth_country"


def _fourth_country_module():
    import importlib.util

    path = Path(__file__).parent / "fixtures" / "fourth_country.py"
    spec = importlib.util.spec_from_file_location("fourth_country", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fourth_country_fixture_is_current(tmp_path):
    """The committed folder is what tests/fixtures/fourth_country.py makes from today's data/."""
    built = _fourth_country_module().build(tmp_path / "fourth_country")
    names = sorted(p.name for p in FOURTH.iterdir())
    assert names == sorted(p.name for p in built.iterdir()) == sorted(DATA_FILES)
    for name in names:
        assert (FOURTH / name).read_bytes() == (built / name).read_bytes(), (
            f"{name} is stale: run python tests/fixtures/fourth_country.py"
        )


def test_fourth_country_loads_from_data_alone():
    data = load_survey_data(FOURTH)
    shipped = load_survey_data()
    assert data.countries() == [*shipped.countries(), "XA"]
    assert "XA" not in shipped.countries() and not (shipped.toplines["country"] == "XA").any()
    assert (
        data.wording("us_relations_state", "XA")
        == "Current state of relations between Examplestan and the United States"
    )
    assert data.measure_note("XA", "us_relations_state") is not None
    assert data.options_published("XA", "japan_impression") == "all"
    assert data.countries_of("japan_impression") == ("KR", "US", "XA")


def test_mirror_pairs_are_each_public_about_the_other():
    shipped = load_survey_data()
    assert (("korea_impression", "JP"), ("japan_impression", "KR")) in shipped.mirror_pairs()
    assert (("lee_impression", "JP"), ("ishiba_impression", "KR")) in shipped.mirror_pairs()
    data = load_survey_data(FOURTH)
    pairs = data.mirror_pairs()
    assert (("xa_impression", "JP"), ("japan_impression", "XA")) in pairs
    for (qa, a), (qb, b) in pairs:
        assert data.subject(qa) == b and data.subject(qb) == a and data.family(qa) == data.family(qb)
        assert a in data.countries_of(qa) and b in data.countries_of(qb)
    # The U.S. public's view of South Korea has no mirror: South Korean views of the U.S. impression are
    # not published, so no pair joins them, and none pairs items about different subjects.
    assert not any(("korea_impression", "US") in pair for pair in pairs)


# ------------------------------------------------------------------------------- editing a loaded dataset


@pytest.fixture
def editable():
    return load_survey_data()  # our own copy: these tests edit it


def _edit(data, column, value, option="favorable"):
    t = data.toplines
    where = (t["country"] == "JP") & (t["question_id"] == "us_impression") & (t["option"] == option)
    assert where.sum() == 1
    data.toplines.loc[where, column] = value


def _shown(data, option="favorable"):
    from helpers.tables import question_table

    table = question_table(data, "JP", "us_impression")
    row = table[table["option"] == option].iloc[0]
    return row["percent"], row["percent_text"]


def test_an_edited_percent_takes_effect_at_the_published_precision(editable):
    assert _shown(editable) == (40.5, "40.5")
    _edit(editable, "percent", 60)
    assert _shown(editable) == (60.0, "60.0")
    _edit(editable, "percent", 61.25)
    assert _shown(editable) == (61.25, "61.25")


def test_an_edited_percent_text_takes_effect(editable):
    _edit(editable, "percent_text", "38")
    assert _shown(editable) == (38.0, "38")
    row = editable.toplines[editable.toplines["percent_text"] == "38"].iloc[0]
    assert (row["percent"], row["decimals"]) == (38.0, 0)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        pytest.param("percent", 160.0, "percent 160.0 is not a percentage from 0 to 100", id="percent-over-100"),
        pytest.param("percent", -3.0, "percent -3.0 is not a percentage from 0 to 100", id="percent-negative"),
        pytest.param("percent_text", "abc", "percent_text 'abc' is not a published figure", id="text-not-a-number"),
        pytest.param("percent_text", "\u0664\u0660.\u0665", "is not a published figure", id="text-arabic-indic"),
    ],
)
def test_an_edit_that_is_not_a_percentage_is_refused_with_a_message(editable, column, value, message):
    _edit(editable, column, value)
    with pytest.raises(ValueError, match=r"^data\.toplines row 0 \(line 2 of toplines\.csv\): ") as info:
        _shown(editable)
    assert message in str(info.value)
    _edit(editable, column, 40.5 if column == "percent" else "40.5")  # put right, it is accepted again
    assert _shown(editable) == (40.5, "40.5")


# ------------------------------------------------------------- survey.yml: every rule, with line and key

# (text to replace in the good survey.yml, replacement, where the message must point, what it must say)
JP_FIELDWORK = '(in-house)\n    mode: online\n    fieldwork:\n      - dates: "2025-08-19 to 2025-08-21"\n'
JP_FIELDWORK += "        source: release\n"
SURVEY_RULES = [
    pytest.param(
        JP_FIELDWORK,
        JP_FIELDWORK.replace("source: release", "source: relase"),
        "survey.yml, line 17, key 'countries.JP.fieldwork[0].source'",
        "unknown source 'relase' (known: release, press-a, press-b)",
        id="fieldwork-source-unknown",
    ),
    pytest.param(
        JP_FIELDWORK,
        JP_FIELDWORK + "        scope: the whole survey\n",
        "survey.yml, line 18, key 'countries.JP.fieldwork[0].scope'",
        "'the whole survey' is not one of: this public, whole survey",
        id="fieldwork-scope-typo",
    ),
    pytest.param(
        "margin_of_error: 3.04",
        "margin_of_error: abc",
        "survey.yml, line 19, key 'countries.JP.margin_of_error'",
        "'abc' is not a number",
        id="margin-not-a-number",
    ),
    pytest.param(
        "margin_of_error: 3.04",
        "margin_of_error: -3.04",
        "survey.yml, line 19, key 'countries.JP.margin_of_error'",
        "-3.04 is out of range (more than 0, less than 100)",
        id="margin-negative",
    ),
    pytest.param(
        "margin_of_error: 3.04",
        'margin_of_error: "3.04"',
        "survey.yml, line 19, key 'countries.JP.margin_of_error'",
        "'3.04' is not a number",
        id="margin-quoted",
    ),
    pytest.param(
        "    n: 1037",
        "    n: １０３７",
        "survey.yml, line 11, key 'countries.JP.n'",
        "'１０３７' is not a whole number (ASCII digits",
        id="n-full-width-digits",
    ),
    pytest.param(
        "    n: 1037",
        "    n: ١٠٣٧",
        "survey.yml, line 11, key 'countries.JP.n'",
        "is not a whole number (ASCII digits",
        id="n-arabic-indic-digits",
    ),
    pytest.param(
        JP_FIELDWORK,
        "(in-house)\n    mode: online\n    fieldwork: 2025-08-19 to 2025-08-21\n",
        "survey.yml, line 15, key 'countries.JP.fieldwork'",
        "expected a list of fieldwork entries (dates, source), found the text '2025-08-19 to 2025-08-21'",
        id="fieldwork-a-string",
    ),
    pytest.param(
        "    kind: primary",
        "    kind: primery",
        "survey.yml, line 86, key 'sources[0].kind'",
        "'primery' is not one of: primary, secondary (press)",
        id="source-kind-typo",
    ),
    pytest.param(
        "(in-house)\n    mode: online\n",
        "(in-house)\n    mode: onlin\n",
        "survey.yml, line 14, key 'countries.JP.mode'",
        "'onlin' is not one of: online, telephone",
        id="mode-typo",
    ),
    pytest.param(
        "from_countries: fieldwork",
        "from_countries: field work",
        "survey.yml, line 63, key 'aapor_disclosure[6].from_countries'",
        "'field work' is not one of: fieldwork, n and margin_of_error",
        id="aapor-from-countries-typo",
    ),
    pytest.param(
        "title: Test survey",
        "title: Test\u200b survey",
        "survey.yml, line 3, key 'title'",
        "invisible character U+200B (ZERO WIDTH SPACE) at character 5 of 'Test<U+200B> survey'",
        id="zero-width-space",
    ),
    pytest.param(
        "    publisher: Paper A",
        "    publisher: Paper \u202eA",
        "survey.yml, line 89, key 'sources[1].publisher'",
        "invisible character U+202E (RIGHT-TO-LEFT OVERRIDE)",
        id="bidi-override",
    ),
    pytest.param(
        "title: Test survey",
        "title: &t Test survey\nquestionnaire: *t",
        "survey.yml, line 4",
        "alias '*t' refused",
        id="alias",
    ),
    pytest.param(
        "    url: https://example.org/a",
        "    url: javascript:alert(1)",
        "survey.yml, line 91, key 'sources[1].url'",
        "is neither an http(s) address nor a note starting 'not '",
        id="url-not-an-address",
    ),
    pytest.param(
        "    n: 1037\n",
        "    n: 1037\n    colour: 1037\n",
        "survey.yml, line 12, key 'countries.JP.colour'",
        "unknown key (allowed: name, adjective, n,",
        id="country-unknown-key",
    ),
]


@pytest.mark.parametrize(("old", "new", "where", "what"), SURVEY_RULES)
def test_survey_rule_reports_file_line_key_and_problem(data_dir, old, new, where, what):
    write_variant(data_dir, "survey.yml", old, new)
    assert_reported(load_problems(data_dir), where, what)


def test_a_misspelled_aapor_key_is_named_with_a_suggestion(data_dir):
    write_variant(
        data_dir,
        "survey.yml",
        "    disclosed: online\n  - element: Sponsor",
        "    disclosd: online\n  - element: Sponsor",
    )
    problems = load_problems(data_dir)
    assert_reported(
        problems, "survey.yml, line 51, key 'aapor_disclosure[0].disclosd'", "did you mean 'disclosed'?", only=False
    )
    assert_reported(problems, "survey.yml, line 50, key 'aapor_disclosure[0]'", "needs exactly one of", only=False)
    assert len(problems) == 2


def test_a_source_id_that_is_a_list_is_a_message_not_a_traceback(data_dir):
    write_variant(data_dir, "survey.yml", "  - id: press-b\n", "  - id: [press-b, press-c]\n")
    problems = load_problems(data_dir)
    assert_reported(problems, "survey.yml, line 93, key 'sources[2].id'", "expected a text, found a list", only=False)


def test_a_large_alias_expansion_is_refused(data_dir):
    bomb = 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n'
    write_variant(data_dir, "survey.yml", "year: 2025\n", "year: 2025\n" + bomb)
    assert_reported(load_problems(data_dir), "survey.yml, line 6", "alias '*a' refused")


def test_invisible_characters_in_messages_are_shown_by_code_point():
    err = DataValidationError(["questions.csv, line 2: unknown 'J\u200bP'"])
    assert str(err) == "questions.csv, line 2: unknown 'J<U+200B>P'"


# ------------------------------------------------------------------------- CSV: digits, characters, rows


@pytest.mark.parametrize(
    ("new", "what"),
    [
        pytest.param(
            "\u0664\u0660.\u0665", "'\u0664\u0660.\u0665' is not a number (expected ASCII digits", id="arabic-indic"
        ),
        pytest.param(
            "\uff14\uff10.\uff15", "'\uff14\uff10.\uff15' is not a number (expected ASCII digits", id="full-width"
        ),
    ],
)
def test_percent_with_digits_other_than_ascii_is_refused(data_dir, new, what):
    write_variant(data_dir, "toplines.csv", "JP,us_impression,favorable,40.5", f"JP,us_impression,favorable,{new}")
    assert_reported(load_problems(data_dir), "toplines.csv, line 2, column 'percent'", what)


def test_a_direction_override_in_a_wording_is_refused_and_shown(data_dir):
    write_variant(data_dir, "questions.csv", "Overall impression of Japan", "Overall impression of \u202eJapan")
    problems = load_problems(data_dir)
    assert_reported(
        problems, "questions.csv, line 5, column 'wording'", "invisible character U+202E (RIGHT-TO-LEFT OVERRIDE)"
    )
    assert "\u202e" not in "\n".join(problems) and "<U+202E>Japan" in problems[0]


@pytest.mark.parametrize("name", CSV_FILES)
def test_a_row_given_twice_is_refused_in_every_csv(data_dir, name):
    lines = (data_dir / name).read_text(encoding="utf-8").splitlines(keepends=True)
    (data_dir / name).write_text("".join([*lines[:3], lines[2], *lines[3:]]), encoding="utf-8")
    assert_reported(load_problems(data_dir), f"{name}, line 4", "the same row as line 3; keep one")


# --------------------------------------------------------------------------- files checked before hashing


def test_check_data_files_names_every_unreadable_file_without_opening_any(data_dir, monkeypatch):
    (data_dir / "toplines.csv").unlink()
    (data_dir / "toplines.csv").mkdir()
    (data_dir / "coverage.csv").unlink()
    os.mkfifo(data_dir / "coverage.csv")
    monkeypatch.setattr("helpers.data.files.MAX_FILE_BYTES", 100)
    with pytest.raises(DataValidationError) as info:
        check_data_files(data_dir)  # a FIFO opened would block here
    size = {name: f"{(data_dir / name).stat().st_size:,}" for name in FILES if (data_dir / name).is_file()}
    too_large = "bytes, more than the 0 MiB a data file may have"
    assert info.value.problems == [
        f"survey.yml: {size['survey.yml']} {too_large}",
        f"questions.csv: {size['questions.csv']} {too_large}",
        "coverage.csv: is a FIFO (named pipe); a data file must be an ordinary file",
        "toplines.csv: is a folder, not a file",
        f"release_claims.csv: {size['release_claims.csv']} {too_large}",
        f"waves.csv: {size['waves.csv']} {too_large}",
        f"trends.csv: {size['trends.csv']} {too_large}",
    ]


def test_check_data_files_passes_a_good_folder():
    assert check_data_files(GOOD) is None


@pytest.mark.parametrize("code", ["JP", "XA"])
def test_a_country_code_is_two_capital_letters(code):
    assert check_country_code(code) == code


@pytest.mark.parametrize("code", ["jp", "J", "JPN", "K`x`R", "../JP", "", None, ["JP"], "\uff2a\uff30"])
def test_anything_else_is_not_a_country_code(code):
    with pytest.raises(ValueError, match="is not a country code"):
        check_country_code(code)


# ------------------------------------------------------------------------ the survey only through types

DATA_LAYER = paths.ROOT / "src" / "helpers" / "data"


def _raw_survey_uses(tree: ast.AST) -> list[int]:
    """Lines that index ``<x>.survey`` (``data.survey["title"]``), call ``.get``/``.items``/``.keys`` on it,
    make a dict of it, or read YAML themselves."""
    lines = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Subscript):
            target = node.value
        elif isinstance(node, ast.Attribute) and node.attr in ("get", "items", "keys", "values"):
            target = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and node.args:
            target = node.args[0]
        if isinstance(target, ast.Attribute) and target.attr == "survey":
            lines.append(node.lineno)
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if "yaml" in names:
                lines.append(node.lineno)
    return lines


def _code_outside_the_data_layer():
    import nbformat

    for path in sorted((paths.ROOT / "src").rglob("*.py")) + sorted((paths.ROOT / "scripts").rglob("*.py")):
        if DATA_LAYER not in path.parents:
            yield path.relative_to(paths.ROOT).as_posix(), path.read_text(encoding="utf-8")
    for path in sorted((paths.ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                lines = cell.source.splitlines()
                source = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
                yield f"{path.relative_to(paths.ROOT).as_posix()} cell {i}", source


def test_no_module_outside_the_data_layer_reads_the_raw_survey_mapping():
    found = [
        f"{where}, line {line}"
        for where, source in _code_outside_the_data_layer()
        for line in _raw_survey_uses(ast.parse(source))
    ]
    assert not found, "read survey.yml through the typed objects of helpers.data: " + "; ".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'data.survey["countries"]["JP"]',
        "r.data.survey.get('measures')",
        "dict(data.survey)",
        "for k, v in self.data.survey.items(): pass",
        "import yaml",
    ],
)
def test_the_raw_mapping_check_sees_each_way_of_indexing_it(source):
    assert _raw_survey_uses(ast.parse(source)) == [1]


def test_the_survey_is_typed_and_frozen(shipped):
    import dataclasses

    assert not hasattr(shipped.survey, "__getitem__") and not hasattr(shipped.survey, "get")
    with pytest.raises(dataclasses.FrozenInstanceError):
        shipped.survey.title = "x"  # type: ignore[misc]
    us = shipped.country("US")
    assert (us.name, us.in_text, us.adjective, us.n, us.mode) == (
        "United States",
        "the United States",
        "American",
        1500,
        "online",
    )
    assert shipped.measure("multiple_reasons").answers == "multiple"
    assert [d.from_countries for d in shipped.survey.disclosure if d.from_countries] == [
        "fieldwork",
        "n and margin_of_error",
    ]
    with pytest.raises(ValueError, match=r"unknown measure 'x': survey\.yml has main_reason, multiple_reasons"):
        shipped.measure("x")


def test_no_change_of_one_survey_yml_value_gives_a_traceback(tmp_path):
    """Each key's value replaced by a list or a negative number, and each line deleted: every variant either
    loads or raises DataValidationError, never another exception."""
    lines = (GOOD / "survey.yml").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "survey.yml"
    refused = 0
    for i, line in enumerate(lines):
        key = re.match(r"^(\s*-?\s*\w+:)", line)
        values = ("[x, y]", "-1") if key else ()
        for variant in ("", *(f"{key.group(1)} {v}\n" for v in values)):
            path.write_text("".join([*lines[:i], variant, *lines[i + 1 :]]), encoding="utf-8")
            try:
                load_survey(path)
            except DataValidationError as exc:
                refused += 1
                assert exc.problems and all(p.startswith("survey.yml") for p in exc.problems)
    assert refused > 150


def test_read_csv_records_for_a_new_data_file(tmp_path):
    """The reader other data modules use: rows with their lines, required values, rows given twice."""
    from helpers.data import read_csv_records

    path = tmp_path / "waves.csv"
    path.write_text('wave,year,note\n1,2024,"two\nlines"\n2,,\n2,,\n', encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_csv_records(path, ("wave", "year", "note"), required=("wave", "year"))
    assert info.value.problems == [
        "waves.csv, line 4, column 'year': empty, a value is required",
        "waves.csv, line 5: the same row as line 4; keep one",
    ]
    path.write_text('wave,year,note\n1,2024,"two\nlines"\n2,2025,\n', encoding="utf-8")
    rows = read_csv_records(path, ("wave", "year", "note"), required=("wave", "year"))
    assert [(r["wave"], r["_line"]) for r in rows] == [("1", 2), ("2", 4)]
