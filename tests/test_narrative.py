"""The narrative: every number in it comes from the data, and every qualifier follows the rules."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest

from helpers import formatting as fmt
from helpers import narrative
from helpers.data import CATEGORIES, load_survey_data
from helpers.kinds import Kind
from helpers.stats import (
    compare_within_question,
    estimate_design_effect,
    margin_of_error,
    wilson_interval,
)
from helpers.tables import (
    base_of,
    comparable_items,
    comparison_differences,
    comparison_table,
    question_table,
    units,
)
from helpers.vocabulary import IN_TENS_TOLERANCE, Word, describe_share, round_for_headline

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
TEXT_FILES = ("survey.yml", "questions.csv", "coverage.csv", "release_claims.csv")


@pytest.fixture(scope="module")
def data():
    return load_survey_data()


@pytest.fixture(scope="module")
def summaries(data):
    return {c: narrative.build_summary(data, c) for c in data.countries()}


@pytest.fixture(scope="module")
def allowed(data):
    """allowed_numbers(data, country, confidence, deff), each computed once per module."""
    cache: dict[tuple, set[str]] = {}

    def get(country: str, confidence: float = 0.95, deff: float = 1.0) -> set[str]:
        key = (country, confidence, deff)
        if key not in cache:
            cache[key] = allowed_numbers(data, country, confidence, deff)
        return cache[key]

    return get


def one_decimal(x: float) -> set[str]:
    return {f"{x:.1f}", f"{-x:.1f}", f"{abs(x):.1f}"}


def allowed_numbers(data, country: str, confidence: float = 0.95, deff: float = 1.0) -> set[str]:
    """Every number the summary may contain, recomputed here from data/ with the statistics functions."""
    allowed: set[str] = set()
    # metadata and codebook text (dates, n, margins, US$350 billion, locators "§1" ...)
    for name in TEXT_FILES:
        path = data.data_dir / name
        if path.exists():
            allowed.update(m.replace(",", "") for m in NUMBER.findall(path.read_text(encoding="utf-8")))
    for c in data.survey.countries:
        n = c.n
        allowed.add(f"{n:,}")
        allowed.add(f"{round(n / deff):,}")  # effective n
        allowed.add(f"{margin_of_error(n, confidence=confidence, deff=deff):.2f}")
        allowed.add(f"{estimate_design_effect(c.margin_of_error, n):.2f}")
    allowed.add(f"{sum(c.n for c in data.survey.countries):,}")
    # the level, the design effect and the rules' thresholds
    allowed.update(
        {
            fmt.level(confidence).rstrip("%"),
            fmt.deff(deff),
            "95",
            "50",
            "66.7",
            "5",
            "30",
            "0",
            f"{IN_TENS_TOLERANCE:g}",
        }
    )
    for category in CATEGORIES:  # "All 7 questions" of a category
        allowed.add(str(len(narrative.category_findings(data, country, category, confidence, deff))))
    for qid in data.questions["question_id"]:
        if country not in data.countries_of(qid):
            continue
        table = question_table(data, country, qid, confidence=confidence, deff=deff)
        allowed.update(table["percent_text"].astype(str))
        for p in table["percent"]:
            allowed.add(str(int(Decimal(str(p)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))))
        for low, high in zip(table["ci_low"].dropna(), table["ci_high"].dropna()):
            allowed |= one_decimal(low) | one_decimal(high)
        n, _ = base_of(data, country, qid)
        allowed.add(f"{round(n):,}")
        pub = table[table["kind"].isin([Kind.PUBLISHED, Kind.NET, Kind.DERIVED])]
        for (_, a), (_, b) in itertools.permutations(pub.iterrows(), 2):
            gap = Decimal(str(a["percent_text"])) - Decimal(str(b["percent_text"]))
            allowed.add(f"{gap:.1f}")
            if a["percent"] + b["percent"] <= 101:
                d = compare_within_question(a["percent"], b["percent"], n, confidence=confidence, deff=deff)
                allowed |= one_decimal(d.ci_low) | one_decimal(d.ci_high) | one_decimal(d.gap_low)
    for comp in comparable_items(data):
        # each public's full distribution: who gave no view, or answers that were not published
        allowed.update(comparison_table(data, comp, confidence=confidence, deff=deff)["percent_text"])
        diffs = comparison_differences(data, comp, confidence=confidence, deff=deff)
        allowed.update(diffs["percent_text_1"])
        allowed.update(diffs["percent_text_2"])
        for r in diffs.itertuples():
            allowed |= one_decimal(r.diff)
            if r.testable:
                allowed |= one_decimal(r.ci_low) | one_decimal(r.ci_high)
    return allowed


def stray_numbers(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"(?m)^\d+\. ", "", text)  # numbered-list markers are not figures
    found = NUMBER.findall(text)
    return sorted({n for n in found if n not in allowed and n.replace(",", "") not in allowed})


# ------------------------------------------------------------------------------------------ traceability


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_every_number_in_the_summary_comes_from_the_data(summaries, allowed, country):
    assert NUMBER.findall(summaries[country]), "the summary should contain numbers"
    stray = stray_numbers(summaries[country], allowed(country))
    assert not stray, f"numbers in the {country} summary that do not follow from data/: {stray}"


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_every_number_in_each_question_finding_comes_from_the_data(data, allowed, country):
    for qid in data.questions["question_id"]:
        if country not in data.countries_of(qid):
            continue
        f = narrative.question_finding(data, country, qid)
        if f is None:
            continue
        for text in (f.text, f.headline):
            stray = stray_numbers(text, allowed(country))
            assert not stray, f"{country}/{qid}: {stray} in {text!r}"


def test_numbers_at_another_level_and_design_effect_come_from_the_data(data, allowed):
    text = narrative.build_summary(data, "JP", confidence=0.9, deff=1.5)
    stray = stray_numbers(text, allowed("JP", 0.9, 1.5))
    assert not stray, stray


def test_a_typed_number_would_be_caught(allowed):
    """The check above can fail: a number nobody computed is not in the allowed set."""
    jp = allowed("JP")
    low, _ = wilson_interval(50.3, 1037)
    assert f"{low:.1f}" in jp  # a Wilson bound (50.3% of 1,037)
    assert "48" not in jp and stray_numbers("about 48% said so", jp) == ["48"]


def test_each_finding_states_its_leading_answer_with_its_precision(data):
    for country in data.countries():
        for qid in data.questions["question_id"]:
            if country not in data.countries_of(qid):
                continue
            f = narrative.question_finding(data, country, qid)
            ranked = units(question_table(data, country, qid))
            if f is None or ranked.empty:  # none, or only unconfirmed figures (said, never a headline)
                assert f is None or (f.headline == "" and "unconfirmed" in f.text)
                continue
            largest = ranked["percent_text"].iloc[0]  # own measure
            assert f"({largest}%" in f.text or f"{largest}% of" in f.text, f"{country}/{qid}: {f.text}"
            assert round_for_headline(largest) in f.headline, f"{country}/{qid}: {f.headline}"


# ------------------------------------------------------------------------------------------ source cases


def finding(data, qid, country="JP", **kwargs) -> str:
    return narrative.question_finding(data, country, qid, **kwargs).text


def test_source_cases_are_worded_by_the_rules(data):
    # 27.5% vs 26.0% of 1,037: a statistical tie
    assert "statistically tied with “no military involvement” (26.0%)" in finding(data, "taiwan_japan_role")
    # 40.5% vs 34.5%: a narrow lead at deff 1.0 …
    us = finding(data, "us_impression")
    assert "narrowly ahead of “unfavorable” (34.5%)" in us and "tied" not in us
    # … and a tie at deff 1.5
    us15 = finding(data, "us_impression", deff=1.5)
    assert "statistically tied with “unfavorable” (34.5%)" in us15 and "ahead" not in us15
    # 50.7% opposed: about half, never a majority
    tourists = finding(data, "foreign_tourists")
    assert describe_share(50.7, 1037) == Word.ABOUT_HALF
    assert "50.7%" in tourists and "majority" not in tourists.lower()
    # 54.1%: a majority, with the interval the word rests on
    low, high = wilson_interval(54.1, 1037)
    assert f"A majority of Japanese respondents (54.1%, 95% interval {fmt.interval(low, high)}%)" in finding(
        data, "jk_relations_importance"
    )


def test_wilson_bounds_in_text_match_the_statistics(data):
    text = finding(data, "takeshima_importance")
    low, high = wilson_interval(76.3, 1037)
    assert f"95% interval {low:.1f}–{high:.1f}%" in text
    low90, high90 = wilson_interval(76.3, 1037, confidence=0.9, deff=1.5)
    assert f"90% interval {low90:.1f}–{high90:.1f}%" in finding(data, "takeshima_importance", confidence=0.9, deff=1.5)


def test_a_single_answer_of_41_percent_is_not_called_a_minority(data):
    f = narrative.question_finding(data, "JP", "taiwan_us_response")
    assert "(41.4%)" in f.text
    assert "minority" not in f.text and "minority" not in f.headline
    assert "four-in-ten" in f.text  # Pew's plain number instead


def test_leaders_of_partly_published_questions_are_the_most_common_published_answer(data):
    # 28.3% with 40.0% unpublished, 23.3% with 47.0%: an unpublished answer could be larger, so not "a plurality"
    for qid in ("taiwan_impact", "jk_priority_goal"):
        f = narrative.question_finding(data, "JP", qid)
        assert f.remainder_unpublished
        assert str(Word.MOST_COMMON_PUBLISHED) in f.text and "plurality" not in f.text + f.headline
    # 42.5% with 18.7% unpublished, 40.5% with 25.0%: significantly ahead of all unpublished answers together,
    # so ahead of any one of them: the largest answer, ranked by the test against the runner-up
    for qid in ("north_korea_cooperation", "us_impression"):
        f = narrative.question_finding(data, "JP", qid)
        assert f.remainder_unpublished
        assert str(Word.MOST_COMMON_PUBLISHED) not in f.text and "(a plurality)" in f.headline
    # every answer published: ranked by the test
    f = narrative.question_finding(data, "JP", "jk_relations_outlook")
    assert not f.remainder_unpublished and "(a plurality)" in f.headline


def test_lee_impression_speaks_of_no_view_not_of_a_lead(data):
    f = narrative.question_finding(data, "JP", "lee_impression")
    assert "no view" in f.text
    assert "“neither or don't know”, " not in f.text  # no lead clause after the non-answer
    assert not re.search(r"“neither or don't know”[^.]*ahead of", f.text)
    assert "plurality" not in f.headline and "lead" not in f.text
    assert "“unfavorable” (39.2%) is clearly ahead of “favorable” (10.5%)" in f.text


def test_select_all_gaps_are_not_tested(data):
    text = finding(data, "economic_partners")
    assert "several answers were allowed, so the gaps are not tested" in text
    assert "lead" not in text and "tie" not in text and "ahead of" in text and "by " not in text


def test_undisclosed_answer_formats_are_not_tested(data):
    text = finding(data, "us_favorable_reasons")
    assert "do not say whether one answer or several were allowed" in text and "tied" not in text


def test_two_measures_are_both_reported_with_their_source(data):
    text = finding(data, "korea_unfavorable_reasons")
    assert "(28.4%)" in text and "(55.0%)" in text
    assert "several reasons allowed" in text and "press report" in text
    assert text.index("(28.4%)") < text.index("(55.0%)")  # the question's own measure first


def test_subgroup_bases_are_labelled_as_estimates(data):
    text = finding(data, "us_favorable_reasons")
    n, estimate = base_of(data, "JP", "us_favorable_reasons")
    assert estimate and f"estimated n ≈ {round(n):,}" in text


def test_press_figures_are_marked_as_press_reports(data):
    assert "Figures reported by Kuki News (press report)." in finding(data, "lee_impression")
    assert "press report" not in finding(data, "us_impression")


def test_unconfirmed_figures_are_flagged(data, summaries):
    f = narrative.question_finding(data, "KR", "us_forces_cost_share")
    assert f is not None and "“too much” at 53% is unconfirmed" in f.text
    assert "“too much” at 53% is unconfirmed" in summaries["KR"]


# ------------------------------------------------------------------------------------------ comparisons


def comparison_line(summary: str, title_part: str) -> str:
    section = summary.split("## Compared with the other publics")[1].split("\n## ")[0]
    return next(line for line in section.splitlines() if line.startswith("- **") and title_part in line)


def test_comparisons_say_which_country_is_higher_and_whether_it_is_significant(summaries):
    jp = summaries["JP"]
    assert "no significant difference" in comparison_line(jp, "President Donald Trump")
    tariffs = comparison_line(jp, "tariffs")
    assert "South Korean respondents higher than Japanese by 4.4 points (95% interval of the gap" in tariffs


def test_comparisons_of_different_measures_warn_and_are_not_tested(data, summaries):
    line = comparison_line(summaries["JP"], "security cooperation")
    note = data.measure_note("KR", "trilateral_security_cooperation")
    assert note and note in line
    assert "not tested" in line and "higher by" not in line and "no significant difference" not in line


def test_mirror_comparisons_say_so(data):
    mirrors = [c for c in comparable_items(data) if c.relation == "mirror"]
    assert mirrors
    for c in mirrors:
        assert "Each public's view of the other." in narrative.comparison_finding(data, c)


# ------------------------------------------------------------------------------------------ headlines


def test_one_headline_per_category_with_figures(data, summaries):
    for country in data.countries():
        heads = narrative.headline_findings(data, country)
        with_figures = [c for c in CATEGORIES if narrative.category_findings(data, country, c)]
        assert len(heads) == len(with_figures)
        block = summaries[country].split("## Headlines")[1].split("\n## ")[0]
        for h in heads:
            assert f"- {h.headline}" in block


def test_headlines_are_rounded_like_a_press_summary(data, summaries):
    block = summaries["JP"].split("## Headlines")[1].split("\n## ")[0]
    assert not re.search(r"\d\.\d", block), "headlines use whole percentages"
    assert "about 86% “important”" in block  # 85.9


def test_headlines_put_items_about_the_own_country_first(data):
    for country in data.countries():
        for h in narrative.headline_findings(data, country):
            category = str(data.question(h.question_id)["category"])
            others = narrative.category_findings(data, country, category)
            if h.about_other_country:
                # only chosen when nothing in its category is about the own country
                candidates = [
                    f
                    for f in others
                    if not f.about_other_country and not isinstance(data.question(f.question_id)["base_question"], str)
                ]
                assert not candidates, f"{country}: {h.question_id} chosen over {candidates[0].question_id}"


# ------------------------------------------------------------------------------------------ "not published"


def test_other_answers_not_published_is_never_repeated_per_bullet(data, summaries):
    for country, summary in summaries.items():
        for qid in data.questions["question_id"]:
            if country in data.countries_of(qid):
                f = narrative.question_finding(data, country, qid)
                assert f is None or "not published" not in f.text, f"{country}/{qid}"
        for section in summary.split("\n## "):
            if section.startswith(("Methodology", "Compared", "Sources")):
                continue
            assert section.count("not published") <= 1, f"{country}: {section[:60]!r}"


def test_unpublished_note_is_said_once_for_a_section(data):
    findings = narrative.category_findings(data, "JP", "security")
    some = sum(f.remainder_unpublished for f in findings)
    note = narrative.unpublished_note(findings)
    assert some >= 2 and note.count("not published") == 1 and f"{some} of these questions" in note
    assert narrative.unpublished_note([f for f in findings if not f.remainder_unpublished]) == ""


# ------------------------------------------------------------------------------------------ methodology


def test_methodology_lists_all_eleven_aapor_elements(data, summaries):
    section = summaries["JP"].split("## Methodology and disclosure")[1]
    for i, element in enumerate(data.survey.disclosure, start=1):
        assert f"{i}. **{element.element}**" in section
    assert section.count("not disclosed in the source") >= 4
    assert "assuming simple random sampling" in section
    assert f"±{margin_of_error(1037):.2f}" in section


def test_methodology_at_90_percent_states_90_percent_everywhere(data):
    text = narrative.methodology_section(data, confidence=0.90)
    rules = text.split("### How the words are chosen")[1]
    assert rules.startswith(" (90% intervals)")
    assert "95%" not in rules, "the rules were computed at 90%"
    assert "95% interval" not in text and "95% Wilson" not in text
    assert "90% Wilson interval" in text
    for line in narrative.precision_statement(data, confidence=0.90):
        assert "the 90% margin of sampling error" in line
    for word in (Word.MAJORITY, Word.TIE, Word.PLURALITY):
        assert f"*{word}*: {word.rule(0.90)}." in rules


def test_methodology_at_deff_15_never_says_simple_random_sampling(data):
    lines = narrative.precision_statement(data, deff=1.5)
    assert len(lines) == len(data.countries())
    for code, line in zip(data.countries(), lines):
        assert "simple random sampling" not in line
        assert f"design effect of 1.5 (effective n ≈ {round(data.country_n(code) / 1.5):,})" in line
    text = narrative.methodology_section(data, deff=1.5)
    assert "simple random sampling" not in text
    assert "deff = 1.5" in text


def test_unknown_country_is_an_error(data):
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        narrative.build_summary(data, "XX")


def test_country_without_figures_says_so(summaries):
    assert "No published figures for the United States in this category." in summaries["US"]


def test_summary_cites_sources_by_name_never_by_key(data, summaries):
    sources = summaries["JP"].split("\n## Sources")[1]
    for s in data.survey.source_ids:
        assert data.source_label(s) in sources
    body = summaries["JP"].split("## Methodology and disclosure")[0]
    for s in data.survey.source_ids:
        assert f"({s})" not in body


def test_methodology_cites_sources_by_name_never_by_key(data):
    text = narrative.methodology_section(data)
    keys = [s for s in data.survey.source_ids if f"({s})" in text]
    assert not keys, f"source keys in the methodology: {keys}"


def test_summary_links_are_relative(summaries):
    for summary in summaries.values():
        for target in re.findall(r"\]\(([^)]+)\)", summary):
            assert not target.startswith(("/", "http")) and "\\" not in target, target


# ------------------------------------------------------------------------------------------ release wording


def claim_line(text: str, wording: str, words: str) -> str:
    section = text.split("## The release's wording, checked")[1].split("\n## ")[0]
    return next(line for line in section.splitlines() if f"*{wording}*" in line and f"“{words}”" in line)


def test_the_release_wording_is_checked_against_the_rules(summaries):
    jp = summaries["JP"]
    tourists = claim_line(jp, "Opinion of the growing number of foreign tourists visiting Japan", "the majority")
    assert "*about half*" in tourists and "not supported by the rules" in tourists
    forces = claim_line(jp, "Whether U.S. forces stationed in Japan contribute to keeping the peace", "divided")
    assert "*clear lead*" in forces and "not supported by the rules" in forces
    margin = claim_line(jp, "Overall impression of the United States", "a narrow margin")
    assert "*narrow lead*" in margin and "consistent with the rules" in margin


def test_the_release_check_follows_the_design_effect(data):
    findings = narrative.claim_findings(data, "JP", deff=1.5)
    margin = next(f for f in findings if "a narrow margin" in f)
    assert "*statistical tie*" in margin and "not supported by the rules" in margin


def test_the_release_check_names_its_sources_not_their_keys(data):
    for line in narrative.claim_findings(data, "JP"):
        for s in data.survey.source_ids:
            assert f"({s}," not in line
