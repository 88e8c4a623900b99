"""The narrative: every number in it comes from the data, and every qualifier follows the rules."""
from __future__ import annotations

import itertools
import re
from decimal import Decimal

import pytest

from helpers import narrative
from helpers.data import load_survey_data
from helpers.stats import (
    compare_between_countries,
    compare_within_question,
    estimate_design_effect,
    margin_of_error,
    wilson_interval,
)
from helpers.tables import base_of, comparable_items, question_table

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def data():
    return load_survey_data()


@pytest.fixture(scope="module")
def summaries(data):
    return {c: narrative.build_summary(data, c) for c in data.countries()}


def one_decimal(x: float) -> set[str]:
    return {f"{x:.1f}", f"{-x:.1f}", f"{abs(x):.1f}"}


def allowed_numbers(data, country: str, confidence: float = 0.95, deff: float = 1.0) -> set[str]:
    """Every number the summary may contain, recomputed here from data/ with the statistics functions."""
    allowed: set[str] = set()
    # metadata and codebook text (dates, n, margins, US$350 billion, July 2025 ...)
    for path in (data.data_dir / "survey.yml", data.data_dir / "questions.csv"):
        allowed.update(m.replace(",", "") for m in NUMBER.findall(path.read_text(encoding="utf-8")))
    for c in data.survey["countries"].values():
        n = int(c["n"])
        allowed.add(f"{n:,}")
        allowed.add(f"{margin_of_error(n, confidence=confidence, deff=deff):.2f}")
        allowed.add(f"{estimate_design_effect(float(c['margin_of_error']), n):.2f}")
    allowed.add(f"{sum(int(c['n']) for c in data.survey['countries'].values()):,}")
    allowed.update({"95", "50", "66.7", "5", "30", "0", "1.0", "1", "2"})  # confidence, rule thresholds
    t = data.toplines
    for qid in data.questions["question_id"]:
        table = question_table(data, country, qid, confidence=confidence, deff=deff)
        if table.empty:
            continue
        allowed.update(table["percent_text"].astype(str))
        for p in table["percent"]:
            allowed.add(str(int(Decimal(str(p)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))))
        for low, high in zip(table["ci_low"].dropna(), table["ci_high"].dropna()):
            allowed |= one_decimal(low) | one_decimal(high)
        n, _ = base_of(data, country, qid)
        allowed.add(f"{round(n):,}")
        pub = table[table["kind"].isin(["published", "net", "derived"])]
        for (_, a), (_, b) in itertools.permutations(pub.iterrows(), 2):
            gap = Decimal(str(a["percent_text"])) - Decimal(str(b["percent_text"]))
            allowed.add(f"{gap:.1f}")
            if a["percent"] + b["percent"] <= 101:
                d = compare_within_question(a["percent"], b["percent"], n, confidence=confidence, deff=deff)
                allowed |= one_decimal(d.ci_low) | one_decimal(d.ci_high) | one_decimal(d.gap_low)
    for comp in comparable_items(data):
        rows = t[t["question_id"].isin(comp.question_ids) & t["option"].isin(comp.options)
                 & t["measure"].isna() & ~t["is_net"] & (t["status"] == "published")]
        for (_, a), (_, b) in itertools.permutations(rows.iterrows(), 2):
            if a["country"] == b["country"] or a["option"] != b["option"]:
                continue
            allowed.update({str(a["percent_text"]), str(b["percent_text"])})
            d = compare_between_countries(a["percent"], data.country_n(a["country"]), b["percent"],
                                          data.country_n(b["country"]), confidence=confidence,
                                          deff1=deff, deff2=deff)
            allowed |= one_decimal(d.ci_low) | one_decimal(d.ci_high) | one_decimal(d.diff)
    return allowed


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_every_number_in_the_summary_comes_from_the_data(data, summaries, country):
    allowed = allowed_numbers(data, country)
    text = re.sub(r"(?m)^\d+\. ", "", summaries[country])  # numbered-list markers are not figures
    found = NUMBER.findall(text)
    assert found, "the summary should contain numbers"
    stray = sorted({n for n in found if n not in allowed and n.replace(",", "") not in allowed})
    assert not stray, f"numbers in the {country} summary that do not follow from data/: {stray}"


def test_a_typed_number_would_be_caught(data, summaries):
    """The check above can fail: a number nobody computed is not in the allowed set."""
    allowed = allowed_numbers(data, "JP")
    assert "47.3" in allowed  # a Wilson bound (50.3% of 1,037)
    assert "about 48%" not in summaries["JP"] and "48" not in allowed


def test_every_published_percentage_of_the_country_is_mentioned_or_charted(data, summaries):
    """Each published figure of a question asked of everyone appears in the summary with its precision."""
    text = summaries["JP"]
    t = data.toplines
    top = data.questions[data.questions["base_question"].isna()]["question_id"]
    rows = t[(t["country"] == "JP") & t["question_id"].isin(top) & (t["status"] == "published")]
    # the two largest answers of every question are always in its finding
    for qid, group in rows.groupby("question_id"):
        largest = group.sort_values("percent", ascending=False)["percent_text"].iloc[0]
        assert f"{largest}%" in text, f"{qid}: largest figure {largest}% missing from the summary"


def finding(text: str, wording: str) -> str:
    line = next(line for line in text.splitlines() if f"**{wording}.**" in line)
    return line


def test_source_cases_are_worded_by_the_rules(data, summaries):
    jp = summaries["JP"]
    # 27.5% vs 26.0% of 1,037: a statistical tie
    assert "are in a statistical tie" in finding(jp, "What role Japan should take in a Taiwan contingency")
    # 40.5% vs 34.5%: a narrow lead at deff 1.0
    assert "has a narrow lead" in finding(jp, "Overall impression of the United States")
    # 50.7% opposed: about half, not a majority
    tourists = finding(jp, "Opinion of the growing number of foreign tourists visiting Japan")
    assert "About half of Japanese respondents (50.7%" in tourists
    assert "majority" not in tourists
    # 54.1%: a majority
    assert "A majority of Japanese respondents (54.1%" in finding(
        jp, "How important relations with South Korea are for Japan")


def test_a_larger_design_effect_turns_the_narrow_lead_into_a_tie(data):
    text = narrative.describe_question(data, "JP", "us_impression", deff=1.5)
    assert "statistical tie" in text and "narrow lead" not in text


def test_select_all_gaps_are_not_tested(data):
    text = narrative.describe_question(data, "JP", "economic_partners")
    assert "cannot be tested without microdata" in text
    assert "lead" not in text and "tie" not in text


def test_two_measures_are_both_reported_with_their_source(data):
    text = narrative.describe_reasons(data, "JP", "korea_unfavorable_reasons")
    assert "(28.4%)" in text and "(55.0%)" in text
    assert "one main reason" in text and "several reasons allowed" in text
    assert "press report" in text


def test_subgroup_bases_are_labelled_as_estimates(data):
    text = narrative.describe_reasons(data, "JP", "us_favorable_reasons")
    n, estimate = base_of(data, "JP", "us_favorable_reasons")
    assert estimate and f"estimated n ≈ {round(n):,}" in text


def test_comparisons_say_which_country_is_higher_and_whether_it_is_significant(data, summaries):
    jp = summaries["JP"]
    trump = finding(jp, "Impression of U.S. President Donald Trump")
    tariffs = [line for line in jp.splitlines()
               if line.startswith("- **Opinion of the second Trump administration's tariffs")][-1]
    assert "no significant difference" in [line for line in jp.split("## Comparisons")[1].splitlines()
                                           if "President Donald Trump" in line][0]
    assert "South Korean respondents higher by 4.4 points, a significant difference" in tariffs
    assert trump  # the per-question finding exists too


def test_unconfirmed_figures_are_flagged(data, summaries):
    assert "“too much” at 53% is unconfirmed" in summaries["KR"]


def test_headlines_are_rounded_like_a_press_summary(data, summaries):
    headlines = summaries["JP"].split("## Headlines")[1].split("##")[0]
    assert "about 70% “unfavorable”" in headlines  # 70.1
    assert "70.1" not in headlines


def test_methodology_lists_all_eleven_aapor_elements(data, summaries):
    section = summaries["JP"].split("## Methodology and disclosure")[1]
    for i, element in enumerate(data.survey["aapor_disclosure"], start=1):
        assert f"{i}. **{element['element']}**" in section
    assert section.count("not disclosed in the source") >= 4
    assert "assuming simple random sampling with a design effect of 1.0" in section
    assert "±3.04" in section


def test_unknown_country_is_an_error(data):
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        narrative.build_summary(data, "XX")


def test_country_without_figures_says_so(summaries):
    assert "No published figures for the United States in this category." in summaries["US"]


def test_comparisons_carry_the_codebook_note_on_comparability(data, summaries):
    comparisons = summaries["JP"].split("## Comparisons between countries")[1].split("\n## ")[0]
    tariffs = next(line for line in comparisons.splitlines() if "tariffs" in line)
    note = str(data.questions.set_index("question_id").loc["us_tariffs", "note"])
    assert f"Note: {note}" in tariffs


def test_press_figures_are_marked_as_press_reports(data):
    assert "Figures from Kuki News (press report)." in narrative.describe_question(data, "JP", "lee_impression")
    assert "press report" not in narrative.describe_question(data, "JP", "us_impression")


def test_a_minority_leader_is_a_plurality_only_if_ahead_of_the_unpublished_rest(data):
    q = data.questions.set_index("question_id", drop=False)
    # 42.5% "share information": ahead of 17.8% and of the 18.7% left unpublished
    assert narrative.leading_word(data, "JP", q.loc["north_korea_cooperation"], 0.95, 1.0) == "a plurality"
    # 41.4% is the only published answer: it cannot be ranked, so only its share is worded
    assert narrative.leading_word(data, "JP", q.loc["taiwan_us_response"], 0.95, 1.0) == "a minority"
    # 28.3% vs 18.3%, but 40.0% unpublished: the leader is not known to lead every answer
    assert narrative.leading_word(data, "JP", q.loc["taiwan_impact"], 0.95, 1.0) == "a minority"


def test_wilson_bounds_in_text_match_the_statistics(data):
    text = narrative.describe_question(data, "JP", "takeshima_importance")
    low, high = wilson_interval(76.3, 1037)
    assert f"95% CI {low:.1f}–{high:.1f}" in text


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
