"""The narrative: every number in it comes from the data, and every qualifier follows the rules."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from helpers import escape, narrative, trends, vocabulary
from helpers import formatting as fmt
from helpers.charts import dots
from helpers.data import CATEGORIES, load_survey_data
from helpers.kinds import Kind
from helpers.stats import (
    compare_select_all,
    compare_within_question,
    margin_of_error,
    wilson_interval,
)
from helpers.tables import (
    base_of,
    comparable_items,
    comparison_caveats,
    comparison_differences,
    comparison_table,
    design_effect,
    measure_name,
    published_deff,
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


def one_decimal(x: float) -> set[str]:
    return {f"{x:.1f}", f"{-x:.1f}", f"{abs(x):.1f}"}


def section_of(summary: str, heading: str) -> str:
    """The text of a summary's section, from its ``## heading`` to the next section."""
    return summary.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def numbers_in(text: str) -> set[str]:
    return {m.replace(",", "") for m in NUMBER.findall(text)}


def meta_numbers(data, confidence: float = 0.95, deff="published") -> set[str]:
    """Numbers the text around the findings may hold: metadata, samples, margins, design effects, rules."""
    allowed = numbers_in((data.data_dir / "survey.yml").read_text(encoding="utf-8"))
    allowed.update({fmt.level(confidence).rstrip("%"), "95", "50", "66.7", "5", "30", f"{IN_TENS_TOLERANCE:g}"})
    allowed.add(fmt.deff(narrative.SENSITIVITY_DEFF))  # the methodology's check of the words
    if deff != "published":
        allowed.add(fmt.deff(deff))
    for code in data.countries():
        n = data.country_n(code)
        d = published_deff(data, code)
        used = design_effect(data, code, deff)
        allowed |= {str(n), str(round(n / used)), f"{margin_of_error(n, confidence=confidence, deff=used):.2f}"}
        allowed |= {f"{d.implied:.3f}", f"{d.low:.3f}", f"{d.high:.3f}", f"{d.srs_margin:.2f}", f"{d.value:.2f}"}
    allowed.add(str(sum(data.country_n(c) for c in data.countries())))
    for category in CATEGORIES:
        for country in data.countries():
            allowed.add(str(len(narrative.category_findings(data, country, category, confidence, deff))))
    return allowed


def question_numbers(data, country: str, qid: str, confidence: float = 0.95, deff="published") -> set[str]:
    """Every number a sentence about one question may hold, recomputed from that question's figures alone."""
    table = question_table(data, country, qid, confidence=confidence, deff=deff)
    allowed = {fmt.level(confidence).rstrip("%")}
    allowed.update(table["percent_text"].astype(str))
    for p in table["percent"]:
        allowed.add(str(int(Decimal(str(p)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))))
    for low, high in zip(table["ci_low"].dropna(), table["ci_high"].dropna()):
        allowed |= one_decimal(low) | one_decimal(high)
    n, _ = base_of(data, country, qid)
    allowed.add(str(round(n)))
    used = table.attrs["deff"]
    pub = table[table["kind"].isin([Kind.PUBLISHED, Kind.NET, Kind.DERIVED])]
    for (_, a), (_, b) in itertools.permutations(pub.iterrows(), 2):
        gap = Decimal(str(a["percent_text"])) - Decimal(str(b["percent_text"]))
        allowed |= one_decimal(float(gap)) | {str(abs(gap))}  # at one decimal, or as precise as the two figures
        tests = [compare_select_all(a["percent"], b["percent"], n, confidence=confidence, deff=used)]
        if a["percent"] + b["percent"] <= 101:
            tests.append(compare_within_question(a["percent"], b["percent"], n, confidence=confidence, deff=used))
        for d in tests:
            allowed |= one_decimal(d.ci_low) | one_decimal(d.ci_high) | one_decimal(d.gap_low)
    for note in [*data.notes_for(country, qid), data.wording(qid, country)]:  # the title, in the headline
        allowed |= numbers_in(note)
    for measure in table["measure"].dropna().unique():
        allowed |= numbers_in(data.measure(measure).label)
    return allowed


def comparison_numbers(data, comp, confidence: float = 0.95, deff="published") -> set[str]:
    allowed = {fmt.level(confidence).rstrip("%")}
    allowed.update(comparison_table(data, comp, confidence=confidence, deff=deff)["percent_text"])
    for r in comparison_differences(data, comp, confidence=confidence, deff=deff).itertuples():
        allowed |= one_decimal(r.diff)
        if r.testable:
            allowed |= one_decimal(r.ci_low) | one_decimal(r.ci_high)
    for note in comparison_caveats(data, comp):
        allowed |= numbers_in(note)
    return allowed


def claim_numbers(data, claim, confidence: float = 0.95, deff="published") -> set[str]:
    allowed = question_numbers(data, claim.country, claim.question_id, confidence, deff)
    threshold = f"{vocabulary.CLEAR_LEAD_MIN:g}"  # "within 5 points of 0": a rule's threshold
    return allowed | numbers_in(claim.locator) | {"50", "0", threshold}  # "above half", "includes 0"


def trend_numbers(data, country: str, confidence: float = 0.95) -> set[str]:
    """What a trend sentence may hold: the series' figures, years and sample sizes, the gaps between any two of
    its figures."""
    allowed = {fmt.level(confidence).rstrip("%")}
    for qid in trends.series_of(data, country):
        points = trends.series_points(data, country, qid)
        allowed |= set(points["percent_text"].astype(str)) | {str(y) for y in points["year"]}
        allowed |= {str(int(n)) for n in trends.series_waves(data, country, qid)["n"].dropna()}
        for _, rows in points.groupby("option", observed=True):
            texts = [Decimal(str(t)) for t in rows["percent_text"]]
            allowed |= {f"{abs(a - b):.1f}" for a, b in itertools.permutations(texts, 2)}
        for _, rows in points.groupby("year"):  # the share giving none of the answers shown: 100 minus them
            allowed |= {"100", f"{100 - sum(Decimal(str(t)) for t in rows['percent_text']):.1f}"}
    return allowed


def pieces(data, country: str, confidence: float = 0.95, deff="published"):
    """(text, numbers it may hold) of every generated piece of a country's outputs."""
    by_category = narrative.findings_by_category(data, country, confidence, deff)
    for findings in by_category.values():
        for f in findings:
            allowed = question_numbers(data, country, f.question_id, confidence, deff)
            yield f.text, allowed
            yield f.headline, allowed
            yield f.title, allowed
        key = narrative.ranked_findings(data, findings)[: narrative.KEY_FINDINGS_PER_CATEGORY]
        texts, about = narrative.notes_said_once(key) if key else ([], "")
        for f, text in zip(key, texts):  # as the summary lists them: a note all of them share, said once
            yield text, question_numbers(data, country, f.question_id, confidence, deff)
        yield about, set().union(*(numbers_in(n) for f in key for n in f.notes))
    for comp, _, text in narrative.comparison_findings(data, country, None, confidence, deff):
        yield text, comparison_numbers(data, comp, confidence, deff)
    for _, text in trends.summary_trend_items(data, country, confidence, deff):
        yield text, trend_numbers(data, country, confidence)
    claims = data.claims[data.claims["country"] == country]
    for claim, text in zip(claims.itertuples(index=False), narrative.claim_findings(data, country, confidence, deff)):
        yield text, claim_numbers(data, claim, confidence, deff)


def stray_numbers(text: str, allowed: set[str]) -> list[str]:
    text = re.sub(r"(?m)^\d+\. ", "", text)  # numbered-list markers are not figures
    return sorted(n for n in numbers_in(text) if n not in allowed)


def strays(data, country: str, summary: str, confidence: float = 0.95, deff="published", known=None) -> list[str]:
    """Numbers of the summary that its own piece does not account for; what no piece holds, the metadata must.
    ``known``: the pieces, when already computed (they depend on the data, not on the summary)."""
    found = []
    rest = summary
    known = known if known is not None else list(pieces(data, country, confidence, deff))
    for text, allowed in sorted(known, key=lambda p: -len(p[0])):
        if text:
            found += stray_numbers(text, allowed)
            rest = rest.replace(text, " ")
    return found + stray_numbers(rest, meta_numbers(data, confidence, deff))


# ------------------------------------------------------------------------------------------ traceability


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_every_number_in_the_summary_comes_from_the_data(data, summaries, country):
    assert NUMBER.findall(summaries[country]), "the summary should contain numbers"
    stray = strays(data, country, summaries[country])
    assert not stray, f"numbers in the {country} summary that do not follow from data/: {stray}"


def test_the_methodology_names_the_findings_a_larger_design_effect_would_word_less_strongly(data):
    """At a design effect of 1.5 for every public, Japan's 70.1% "unfavorable" of Trump (a large majority: its
    interval's lower end 67.2%) has a lower end under two-thirds; the methodology says which findings change
    their words, and no other."""
    at = {d: narrative.question_finding(data, "JP", "trump_impression", deff=d) for d in ("published", 1.5)}
    low = wilson_interval(70.1, data.country_n("JP"), deff=narrative.SENSITIVITY_DEFF)[0]
    assert low < 100 * 2 / 3 < float(at["published"].text.split("interval ")[1].split("–")[0])
    assert at["published"].text.startswith("A large majority") and at[1.5].text.startswith("A majority")
    statement = narrative.sensitivity_statement(data, "JP")
    assert f"“{at['published'].title}” (“a large majority” would read “a majority”)" in statement
    assert statement.endswith("Every other finding keeps its words.")
    numbers = re.compile(r"\d[\d.,]*|\bpoints?\b")
    said = {}
    for country in data.countries():
        said[country] = narrative.sensitivity_statement(data, country)
        listed = narrative.words_at_larger_deff(data, country)
        quotes = sum(len(re.findall("“", c)) for changes in listed.values() for c in changes)
        assert said[country].count("“") == len(listed) + quotes
        assert all(listed.values()), "a changed finding says how its words change"
        wider = narrative.findings_by_category(data, country, deff=narrative.SENSITIVITY_DEFF)
        for category, findings in narrative.findings_by_category(data, country).items():
            for a, b in zip(findings, wider[category]):
                if numbers.sub("#", a.text + a.headline) != numbers.sub("#", b.text + b.headline):
                    assert f"“{a.title}”" in said[country], (country, a.title)
        assert said[country] in narrative.build_summary(data, country).replace("\n", " ")
    assert any(s.endswith("no finding of the report would change its words.") for s in said.values())
    assert narrative.sensitivity_statement(data, "JP", deff=1.5) == ""  # the reader chose one design effect


def test_numbers_at_another_level_and_design_effect_come_from_the_data(data):
    text = narrative.build_summary(data, "JP", confidence=0.9, deff=1.5)
    stray = strays(data, "JP", text, confidence=0.9, deff=1.5)
    assert not stray, stray


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_a_single_mistyped_figure_is_caught(data, summaries, country):
    """Mutating any one figure of any finding in the summary (the last digit, by one) makes the check fail."""
    known = list(pieces(data, country))
    assert strays(data, country, summaries[country], known=known) == []
    tried = 0
    for category in ("bilateral relations", "economy & trade"):
        findings = narrative.category_findings(data, country, category)
        key = narrative.ranked_findings(data, findings)[: narrative.KEY_FINDINGS_PER_CATEGORY]
        listed = dict(zip([f.question_id for f in key], narrative.notes_said_once(key)[0] if key else []))
        for f in findings:
            text = next((t for t in (f.text, listed.get(f.question_id)) if t and t in summaries[country]), None)
            for figure in sorted(numbers_in(text or "")):
                if "." not in figure:
                    continue
                typo = figure[:-1] + str((int(figure[-1]) + 1) % 10)
                mutated = summaries[country].replace(text, text.replace(figure, typo, 1))
                found = strays(data, country, mutated, known=known)
                assert typo in found, f"{country}/{f.question_id}: {figure} → {typo} passed"
                tried += 1
    assert tried >= 3


def test_a_figure_from_another_question_is_caught(data):
    """A real figure in the wrong sentence is still a typo: each sentence may hold only its own question's."""
    f = narrative.question_finding(data, "JP", "us_impression")
    allowed = question_numbers(data, "JP", "us_impression")
    assert stray_numbers(f.text, allowed) == []
    assert stray_numbers(f.text.replace("40.5", "85.9", 1), allowed) == ["85.9"]


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
            assert f"({largest}%" in f.text or f", {largest}% " in f.text, f"{country}/{qid}: {f.text}"
            whole = round_for_headline(largest).removeprefix("about ")
            assert f"({whole})" in f.headline or vocabulary.percent_in_words(largest) in f.headline.lower(), f.headline


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
        assert str(Word.MOST_COMMON_PUBLISHED) not in f.text and f.headline.startswith("A plurality of ")
    # every answer published: ranked by the test
    f = narrative.question_finding(data, "JP", "jk_relations_outlook")
    assert not f.remainder_unpublished and f.headline.startswith("A plurality of ")


def test_lee_impression_speaks_of_no_view_not_of_a_lead(data):
    f = narrative.question_finding(data, "JP", "lee_impression")
    assert "no view" in f.text
    assert "“neither or don't know”, " not in f.text  # no lead clause after the non-answer
    assert not re.search(r"“neither or don't know”[^.]*ahead of", f.text)
    assert "plurality" not in f.headline and "lead" not in f.text
    assert "“unfavorable” (39.2%) is clearly ahead of “favorable” (10.5%)" in f.text


def test_a_gap_between_answers_allowing_several_is_tested_cautiously_and_a_majority_named(data):
    """66.4% "United States" against 37.3% "China": the cautious interval of the gap is 23.4–34.8, a clear lead;
    66.4% (interval 63.5–69.2%) named the United States, a majority."""
    text = finding(data, "economic_partners")
    d = compare_select_all(66.4, 37.3, data.country_n("JP"))
    assert vocabulary.describe_difference(d) == "clear lead"
    assert text.startswith("A majority of Japanese respondents (66.4%, 95% interval 63.5–69.2%) named “United States”")
    assert "clearly ahead of “China” (37.3%), by 29.1 points" in text
    assert "As several answers were allowed, the gap is tested cautiously" in text


def test_every_sentence_of_every_finding_starts_with_a_capital(data):
    """Never with an answer in quotes ("“insufficient” comes first"), whose first letter is the data's, nor with
    a numeral: question findings, comparisons and the changes since earlier waves."""
    texts = []
    for question_id in data.questions["question_id"]:
        for country in data.countries_of(question_id):
            f = narrative.question_finding(data, country, question_id)
            texts += [(f"{country} {question_id}", f.text)] if f is not None else []
    for country in data.countries():
        texts += [(f"{country} comparison", text) for _, _, text in narrative.comparison_findings(data, country)]
        texts += [(f"{country} trend", text) for _, text in trends.summary_trend_items(data, country)]
    assert len(texts) > 80
    for where, text in texts:
        for sentence in re.split(r"(?<=[.?!])(?<!U\.S\.)\s+", text):  # "U.S." ends no sentence
            assert sentence[:1].isupper(), f"{where}: {sentence}"


def test_undisclosed_answer_formats_are_tested_cautiously_and_a_cautious_tie_is_not_called_a_tie(data):
    text = finding(data, "us_favorable_reasons")  # 31.0% against 16.0% of an estimated 420
    assert "do not say how many answers each respondent could give, the gap is tested cautiously" in text
    assert "clearly ahead of" in text
    close = finding(data, "jk_important_reasons")  # 39.8% against 33.7%: the cautious test shows no gap
    assert "not shown to differ from “geographic and cultural closeness”" in close and "tied" not in close


def test_a_follow_up_s_shares_are_of_those_asked(data):
    """A majority of those who answered "in favor" is not a majority of every respondent."""
    text = finding(data, "trilateral_support_reasons")
    assert text.startswith("Asked of those who answered “in favor”")
    assert "A majority of those asked (56.5%" in text and "Japanese respondents" not in text


def test_two_measures_are_both_reported_with_their_source(data):
    text = finding(data, "korea_unfavorable_reasons")
    assert "(28.4%)" in text and "(55.0%" in text
    assert "several reasons allowed" in text and "press report" in text
    assert text.index("(28.4%)") < text.index("(55.0%")  # the question's own measure first


def test_subgroup_bases_are_labelled_as_estimates(data):
    text = finding(data, "us_favorable_reasons")
    n, estimate = base_of(data, "JP", "us_favorable_reasons")
    assert estimate and f"estimated n ≈ {round(n):,}" in text


def test_press_figures_are_marked_as_press_reports(data):
    assert "Figures reported by Kuki News (press report)." in finding(data, "lee_impression")
    assert "press report" not in finding(data, "us_impression")


def test_unconfirmed_figures_are_flagged(data, summaries):
    f = narrative.question_finding(data, "KR", "us_forces_cost_share")
    assert f is not None and "The figure for “too much” (53%) is unconfirmed" in f.text
    assert "The figure for “too much” (53%) is unconfirmed" in summaries["KR"]


# ------------------------------------------------------------------------------------------ comparisons


def comparison_line(summary: str, title_part: str) -> str:
    section = summary.split("## Compared with the other publics")[1].split("\n## ")[0]
    return next(line for line in section.splitlines() if line.startswith("- **") and title_part in line)


def test_comparisons_say_which_country_is_higher_and_whether_it_is_significant(summaries):
    jp = summaries["JP"]
    assert "no significant difference" in comparison_line(jp, "President Donald Trump")
    tariffs = comparison_line(jp, "tariffs")
    assert "the South Korean figure is 4.4 points higher than the Japanese figure (95% interval of the gap" in tariffs
    trust = comparison_line(summaries["KR"], "trust")  # a mirror: the figures compared, never the publics
    assert "the South Korean figure is 8.3 points higher than the American figure" in trust


def test_comparisons_of_different_measures_warn_and_are_not_tested(data, summaries):
    line = comparison_line(summaries["JP"], "security cooperation")
    note = data.measure_note("KR", "trilateral_security_cooperation")
    assert note and "who view stronger cooperation positively 78.8%" in line
    assert "“in favor” 78.8" not in line and "answering “in favor” 51.7%" in line
    said = "The Japanese and South Korean figures are different measures, so they are not set against each other"
    assert line.count(said) == 1 and line.count("different measures") == 1, line  # said once
    assert "higher by" not in line and "no significant difference" not in line and "points" not in line


def test_mirror_comparisons_say_so(data):
    mirrors = [c for c in comparable_items(data) if c.relation == "mirror"]
    assert mirrors
    for c in mirrors:
        text = narrative.comparison_finding(data, c)
        for country, qid in zip(c.countries, c.question_ids):  # both directions, each with its own question
            assert f"{data.respondents(country)} ({narrative.lower_first(data.wording(qid, country))})" in text
        assert "Each public's view of the other." not in text


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
    assert "A large majority of Japanese respondents (86%) answered “important”" in block  # 85.9


def test_headlines_are_sentences_with_the_public_as_subject(data):
    for country in data.countries():
        adjective = data.country(country).adjective
        for findings in narrative.findings_by_category(data, country).values():
            for f in findings:
                if not f.headline:
                    continue
                h = f.headline
                assert h[0].isupper() and not h[0].isdigit() and h.endswith("."), h
                assert f" of {adjective} respondents" in h or f" {adjective} respondents" in h, h
                assert re.search(r"\((\d+|less than 1|more than 99)%\)| percent of ", h), h
                assert ":" not in h.split(" when asked ")[0], h  # not a question stem with a colon


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
            if section.startswith(("Methodology", "Compared", "Sources", "The release's wording")):
                continue
            assert section.count("not published") <= 1, f"{country}: {section[:60]!r}"


def test_a_summary_section_says_when_its_findings_leave_answers_unpublished(data, summaries):
    """Not only the notebook: "45% answered “disapprove”" alone would read as 55% approving."""
    said = 0
    for country, summary in summaries.items():
        by_category = narrative.findings_by_category(data, country)
        for section in summary.split("\n## ")[1:]:
            category = section.split("\n", 1)[0].replace("\\&", "&").lower()
            if category not in by_category:
                continue
            key = narrative.ranked_findings(data, by_category[category])[: narrative.KEY_FINDINGS_PER_CATEGORY]
            partial = any(f.remainder_unpublished for f in key)
            assert ("the sources published only some answers" in section) == partial, f"{country}: {category}"
            leading = any(f.unknown_remainder for f in key)
            assert ("the share giving other answers cannot be computed" in section) == leading, f"{country}: {category}"
            said += partial
    assert said >= 3
    assert "For this question, the sources published only some answers" in summaries["US"].split("## Economy")[1]


def test_the_headlines_say_when_their_findings_leave_answers_unpublished(data, summaries):
    """The headlines stand on their own (the index shows nothing else of a public): the note is under them."""
    for country, summary in summaries.items():
        heads = narrative.headline_findings(data, country)
        section = section_of(summary, "Headlines")
        said = "the sources published only some answers" in section
        assert said == any(h.remainder_unpublished for h in heads), country
        assert "other answers (not published)" not in section  # no chart beside the headlines
    us = narrative.headline_findings(data, "US")
    assert narrative.unpublished_note(us, what="finding", drawn=False).startswith("For both findings above, ")


def test_unpublished_note_is_said_once_for_a_section(data):
    findings = narrative.category_findings(data, "JP", "security")
    some = sum(f.remainder_unpublished for f in findings)
    note = narrative.unpublished_note(findings)
    partly = sum(f.remainder_unpublished or f.unknown_remainder for f in findings)
    of = f"For {vocabulary.number_in_words(some)} of them, the remainder is shown"
    assert some >= 2 and note.count("not published") == 1 and of in note
    assert note.startswith(f"For {narrative._which(findings[:partly], findings, 'question')}, ")
    partial = [f for f in findings if f.remainder_unpublished]  # every question listed: never "3 of the 3"
    assert narrative.unpublished_note(partial[:2]).startswith("For both questions above, ")
    assert narrative.unpublished_note(partial[:3]).startswith("For all three questions above, ")
    every = [f for fs in narrative.findings_by_category(data, "JP").values() for f in fs]
    complete = [f for f in every if not f.remainder_unpublished and not f.unknown_remainder]
    assert complete and narrative.unpublished_note(complete) == ""
    one = next(f for f in findings if f.remainder_unpublished)
    other = complete[0]
    assert narrative.unpublished_note([one]).startswith("For this question, ")
    assert narrative.unpublished_note([other, one]).startswith(f"For “{one.title}”, ")


def test_a_question_allowing_several_answers_says_its_other_answers_cannot_be_computed(data):
    """Such a question has no remainder to draw; "2 of the 3 questions" alone would read as the third complete."""
    several = narrative.question_finding(data, "JP", "economic_partners")
    one = narrative.question_finding(data, "JP", "us_impression")
    assert several.unknown_remainder and not several.remainder_unpublished
    assert one.remainder_unpublished and not one.unknown_remainder
    assert narrative.unpublished_note([one, several]) == (
        "For both questions above, the sources published only some answers. "
        f"For “{one.title}”, the remainder is shown as “other answers (not published)”; for “{several.title}”, as "
        "several answers were allowed, the share giving other answers cannot be computed."
    )
    assert narrative.unpublished_note([one, several], what="finding", drawn=False) == (
        f"For both findings above, the sources published only some answers. For “{several.title}”, as several "
        "answers were allowed, the share giving other answers cannot be computed."
    )
    assert narrative.unpublished_note([several]).endswith("the share giving other answers cannot be computed.")


def test_every_summary_has_the_release_wording_section_as_its_notebook_does(data, summaries):
    """A public whose release has no finding in words of its own says so, as the summary notebook does."""
    for country, summary in summaries.items():
        section = section_of(summary, "The release's wording, checked")
        claims = narrative.claim_findings(data, country)
        assert (narrative.NO_CLAIMS in section) == (not claims), country
        assert ("*Supported*" in section) == bool(claims), country  # the verdicts explained only where used
    assert any(not narrative.claim_findings(data, c) for c in data.countries())


# ------------------------------------------------------------------------------------------ methodology


def test_methodology_lists_all_eleven_aapor_elements(data, summaries):
    section = summaries["JP"].split("## Methodology and disclosure")[1]
    for i, element in enumerate(data.survey.disclosure, start=1):
        assert f"{i}. **{element.element}**" in section
    assert section.count("not disclosed in the source") >= 4
    assert f"±{margin_of_error(1037):.2f}" in section
    us = published_deff(data, "US")
    assert f"implies a design effect of {us.implied:.3f} ({us.low:.3f}–{us.high:.3f}" in section
    assert "the design effect used is 1. That means the publisher applied the simple-random-sampling" in section
    for words in ("opt-in", "model-based", "self-selection"):
        assert words in section


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
        assert "a design effect of 1.5 is assumed for every public" in line
        assert f"(effective n ≈ {round(data.country_n(code) / 1.5):,})" in line
    text = narrative.methodology_section(data, deff=1.5)
    assert "assuming simple random sampling" not in text
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
    items = [line for line in sources.splitlines() if line.startswith("- ")]  # each source its own list item
    assert [line.split(":", 1)[0] for line in items] == [f"- {data.source_label(s)}" for s in data.survey.source_ids]
    body = summaries["JP"].split("## Methodology and disclosure")[0]
    for s in data.survey.source_ids:
        assert f"({s})" not in body


def test_methodology_cites_sources_by_name_never_by_key(data):
    text = narrative.methodology_section(data)
    keys = [s for s in data.survey.source_ids if f"({s})" in text]
    assert not keys, f"source keys in the methodology: {keys}"


def test_summary_links_are_relative_but_to_the_sources(summaries, data):
    """Links to the report's own files are relative; the only absolute links are the sources' addresses."""
    addresses = {escape.web_address(s.url) for s in data.survey.sources if s.url.startswith("http")}
    external = set()
    for summary in summaries.values():
        for target in re.findall(r"\]\(([^)]+)\)", summary):
            if target.startswith("http"):
                assert target in addresses, target
                external.add(target)
            else:
                assert not target.startswith("/") and ":" not in target and "\\" not in target, target
    assert external == addresses


# ------------------------------------------------------------------------------------------ release wording


def claim_line(text: str, wording: str, words: str) -> str:
    section = text.split("## The release's wording, checked")[1].split("\n## ")[0]
    return next(line for line in section.splitlines() if f"*{wording}" in line and f"“{words}”" in line)


def test_the_release_wording_is_checked_against_the_rules(summaries):
    jp = summaries["JP"]
    tourists = claim_line(jp, "Opinion of the growing number of foreign tourists visiting Japan", "the majority")
    assert "**True of the sample, not established**" in tourists and "includes half" in tourists
    forces = claim_line(jp, "Whether U.S. forces stationed in Japan contribute to keeping the peace", "divided")
    assert "read as no answer held by more than half" in forces
    assert "**True of the sample, not established**" in forces
    margin = claim_line(jp, "Overall impression of the United States", "a narrow margin")
    assert "*narrow lead*" in margin and "**Supported**" in margin
    nuclear = claim_line(jp, "Whether Japan should have its own nuclear weapons", "the majority view")
    assert "**Supported**" in nuclear


def test_the_release_s_untested_claims_are_checked(summaries):
    jp = summaries["JP"]
    outlook = claim_line(jp, "Where Japan–South Korea relations are heading", "the most common response")
    assert "**Supported**" in outlook
    section = jp.split("## The release's wording, checked")[1].split("\n## ")[0]
    joint = [line for line in section.splitlines() if "*What the first joint response" in line]
    # "diplomatic measures and economic sanctions were the most common answers": each half checked on its own
    assert len(joint) == 2
    assert "“diplomatic measures”" in joint[0] and "**Supported**" in joint[0]
    assert "“economic sanctions”" in joint[1] and "read as one of the two largest answers" in joint[1]
    assert "**Cannot be checked from the published figures**" in joint[1] and "27.2%" in joint[1]
    for wording, words, rest in [
        ("The most important goal for Japan–South Korea relations", "most frequently cited", "47.0%"),
        ("The most serious consequence for Japan", "the most serious impact cited", "40.0%"),
        ("How the United States should respond", "the most common view", "58.6%"),
    ]:
        line = claim_line(jp, wording, words)
        assert "**Cannot be checked from the published figures**" in line and rest in line


def test_every_verdict_is_one_of_the_four_with_a_reason(data):
    outcomes = []
    for country in data.countries():
        for line in narrative.claim_findings(data, country):
            found = [v for v in narrative.VERDICTS if f"**{narrative.capitalise(v)}**: " in line]
            assert len(found) == 1, line
            assert line.split(f"**{narrative.capitalise(found[0])}**: ")[1].strip(" .")
            outcomes.append(found[0])
    assert len(set(outcomes)) >= 3 and set(outcomes) <= set(narrative.VERDICTS)


@pytest.mark.parametrize(
    "implies, p1, p2, outcome",
    [
        ("tie", 40.5, 34.5, narrative.NOT_SUPPORTED),  # a real gap, called even
        ("tie", 27.5, 26.0, narrative.SAMPLE_ONLY),  # no real gap, but one of 6.0 points cannot be ruled out
        ("lead", 34.5, 40.5, narrative.NOT_SUPPORTED),  # the other answer is larger
        ("lead", 33.7, 32.9, narrative.SAMPLE_ONLY),  # ahead in the sample only
        ("overwhelming lead", 63.0, 23.7, narrative.SUPPORTED),
        ("overwhelming lead", 56.7, 19.8, narrative.SUPPORTED),
        ("overwhelming lead", 51.0, 24.8, narrative.NOT_SUPPORTED),  # a gap of 26.2 is not 30
        ("narrow lead", 76.5, 7.5, narrative.NOT_SUPPORTED),  # far larger than narrow
    ],
)
def test_gap_claims_get_their_outcome_by_the_rules(implies, p1, p2, outcome):
    d = compare_within_question(p1, p2, 1037)
    assert narrative._gap_verdict(implies, d, "95%").outcome == outcome


def test_a_tie_is_supported_only_when_neither_answer_can_have_a_clear_lead():
    """Not significant is not the same as even: the whole interval of the gap must lie within 5 points of 0."""
    close = compare_within_question(20.0, 19.5, 5000)  # interval −1.2 to 2.2
    assert narrative._gap_verdict("tie", close, "95%").outcome == narrative.SUPPORTED
    wide = compare_within_question(20.0, 19.5, 500)  # interval −5.0 to 6.0: not significant, not shown even
    assert not wide.significant and wide.ci_high > 5
    assert narrative._gap_verdict("tie", wide, "95%").outcome == narrative.SAMPLE_ONLY
    apart = compare_within_question(30.0, 24.0, 150)  # a 6-point gap that is not significant
    assert not apart.significant
    assert narrative._gap_verdict("tie", apart, "95%").outcome == narrative.NOT_SUPPORTED


def test_the_release_check_follows_the_design_effect(data):
    findings = narrative.claim_findings(data, "JP", deff=1.5)
    margin = next(f for f in findings if "a narrow margin" in f)
    assert "*statistical tie*" in margin and "**True of the sample, not established**" in margin


def test_the_release_check_names_its_sources_not_their_keys(data):
    for line in narrative.claim_findings(data, "JP"):
        for s in data.survey.source_ids:
            assert f"({s}," not in line


# ------------------------------------------------------------------------------------------ names and words

FOURTH_COUNTRY = Path(__file__).parent / "fixtures" / "data" / "fourth_country"


@pytest.mark.parametrize("data_dir", [None, FOURTH_COUNTRY], ids=["data", "fourth_country"])
def test_every_output_names_a_figure_by_what_it_measures(data_dir):
    """Wherever coverage.csv says a figure measures something else, every output names it by that measure."""
    data = load_survey_data(data_dir)
    noted = data.coverage.dropna(subset=["measure_note"])
    assert not noted.empty
    for r in noted.itertuples():
        name = measure_name(r.measure_note)
        options = list(question_table(data, r.country, r.question_id).query("kind == 'published'")["option"])
        f = narrative.question_finding(data, r.country, r.question_id)
        for text in (f.text, f.headline):
            assert name in text, text
            assert not any(f"“{o}”" in text for o in options), text
        summary = narrative.build_summary(data, r.country)
        assert name in summary
        items = [c for c in comparable_items(data, r.country) if r.question_id in c.question_ids]
        for c in items:
            assert not c.same_measure
            assert name in narrative.comparison_finding(data, c)
            for option in c.options:
                assert name in dots.item_label(data, c, option)
            adjective = data.country(r.country).adjective
            for other in c.countries:
                line = next(t for cc, _, t in narrative.comparison_findings(data, other) if cc == c)
                assert f"who {name}" in line
                if c.any_gap:  # the other publics' gaps are tested; none with this figure
                    assert f"{adjective} figure{'' if len(c.measure_notes) == 1 else 's'}" in line
                    assert "not set against the others, as" in line
                    assert f"than the {adjective} figure" not in line and f"the {adjective} figure is " not in line
                else:
                    assert "points" not in line


def qualifiers(text: str) -> set[Word]:
    """The headline words a text uses ("a large majority" is not also "a majority")."""
    text = text.lower()
    found = set()
    for word in narrative.HEADLINE_WORDS:
        if str(word) in text:
            found.add(word)
            text = text.replace(str(word), " ")
    return found


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_one_word_per_figure_across_headline_body_and_summary(data, summaries, country):
    seen = 0
    for findings in narrative.findings_by_category(data, country).values():
        for f in findings:
            if not f.headline:
                continue
            words = qualifiers(f.headline)
            assert len(words) <= 1, f.headline
            # the headline's figure, in a finding on the figures of several measures: the first measure's
            body = f.text.split(" In the figures of ")[:2][-1]
            assert qualifiers(body) == words, f"{country}/{f.question_id}: {f.headline!r} vs {body!r}"
            seen += bool(words)
    heads = summaries[country].split("## Headlines")[1].split("\n## ")[0]
    for h in narrative.headline_findings(data, country):
        assert f"- {h.headline}" in heads
        if f"**{h.title}.** {h.text}" in summaries[country]:
            assert qualifiers(h.text) == qualifiers(h.headline)
    assert seen


def test_japan_trilateral_cooperation_is_about_half_everywhere(data, summaries):
    f = narrative.question_finding(data, "JP", "trilateral_security_cooperation")
    assert qualifiers(f.headline) == qualifiers(f.text) == {Word.ABOUT_HALF}
    assert "plurality" not in summaries["JP"].split("## Compared")[0].split(f"**{f.title}.**")[1].split("\n")[0]


def test_a_note_every_listed_finding_would_end_with_is_said_once_under_the_list(data, summaries):
    """The three U.S. bilateral findings all come from KEI's page, whose sample is not stated: one note, after
    the list; a note only some findings have stays with them."""
    key = narrative.ranked_findings(data, narrative.category_findings(data, "US", "bilateral relations"))
    note = data.figure_notes("US", key[0].question_id)[0]
    assert len(key) >= 2 and all(note in f.notes and f.text.endswith(note) for f in key)
    texts, about = narrative.notes_said_once(key)
    assert about == f"About the figures of all {vocabulary.number_in_words(len(key))} questions above: {note}"
    assert not any(note in t for t in texts) and all(f.text.startswith(t) for f, t in zip(key, texts))
    section = summaries["US"].split("## Bilateral relations")[1].split("\n## ")[0]
    assert section.count(escape.markdown_text(note)) == 1
    other = narrative.question_finding(data, "JP", "us_impression")  # no note: nothing is taken out
    assert narrative.notes_said_once([key[0], other]) == ([key[0].text, other.text], "")


def test_a_sources_note_on_how_it_is_read_is_in_every_summary(data, summaries):
    noted = [s for s in data.survey.sources if s.note]
    assert noted  # the KEI page, read as this survey's U.S. sample
    for summary in summaries.values():
        for s in noted:
            assert escape.markdown_text(s.note) in summary


def test_a_derived_note_takes_its_net_and_parts_from_its_own_measure(data):
    table = question_table(data, "JP", "korea_nuclear_weapons")
    derived = table.loc[table["kind"] == Kind.DERIVED].iloc[0]
    net = table.loc[(table["option"] == derived["in_net"]) & (table["kind"] == Kind.NET)].iloc[0]
    part = next(p for p in net["parts"] if p != derived["option"])
    other = table.copy()  # the same question by another measure, with other figures
    other["measure"] = "another"
    other.loc[other["option"] == part, "percent_text"] = "35.0"
    other.loc[other["option"] == derived["option"], "percent_text"] = "30.0"
    notes = narrative.derived_notes(pd.concat([table, other], ignore_index=True))
    assert len(notes) == 2
    for note, rows in zip(notes, (table, other)):
        said = {o: rows.loc[rows["option"] == o, "percent_text"].iloc[0] for o in (derived["option"], part)}
        expected = [f"“{derived['label']}” ({said[derived['option']]}%) is derived", f"“{part}” ({said[part]}%)"]
        assert all(e in note for e in expected) and note.count(" and ") == 0, note
    no_net = table[table["kind"] != Kind.NET]
    assert narrative.derived_notes(no_net) == [
        f"“{derived['label']}” ({derived['percent_text']}%) is derived from the published figures."
    ]


def test_one_of_the_two_largest_is_supported_only_ahead_of_every_other_answer(data):
    """The runner-up of a fully published one-answer question is among the two largest when it leads the third."""
    claims = data.claims
    row = claims[claims["implies"] == "one of the two largest"].iloc[0]
    table = question_table(data, row["country"], row["question_id"])
    ranked = units(table)
    first, second = ranked["option"].iloc[0], ranked["option"].iloc[1]
    verdict = narrative._largest_verdict
    args = (data, row["country"], row["question_id"])
    published = table[table["kind"] != "not published"].copy()
    published.attrs = {**table.attrs, "options_published": "all"}
    for option in (first, second):  # with no unpublished remainder, the third answer is what each must lead
        assert verdict(*args, published, option, 0.95, 1.0, among=2).outcome == narrative.SUPPORTED
    assert verdict(*args, published, ranked["option"].iloc[2], 0.95, 1.0, among=2).outcome == narrative.NOT_SUPPORTED
    assert verdict(*args, published, second, 0.95, 1.0).outcome == narrative.NOT_SUPPORTED


def test_a_largest_answer_verdict_names_its_lead_over_the_unpublished_answers(data):
    """The test that decides "the largest answer" against the unpublished answers together is said, with its
    strength, beside the lead over the next published answer."""
    claims = data.claims
    row = claims[(claims["implies"] == "largest") & (claims["option"] == "diplomatic measures")].iloc[0]
    table = question_table(data, row["country"], row["question_id"])
    rest = table[table["kind"] == "not published"].iloc[0]
    v = narrative._largest_verdict(data, row["country"], row["question_id"], table, row["option"], 0.95, 1.0)
    assert v.outcome == narrative.SUPPORTED
    assert f"ahead of the {fmt.percent(rest['percent_text'])} of unpublished answers together by a *" in v.reason


def test_no_summary_nests_brackets(summaries):
    """A press report named inside brackets reads "[press report]"; no text of ours opens brackets in brackets."""
    for country, summary in summaries.items():
        assert "))" not in summary, f"{country}: {summary[max(0, summary.find('))') - 120) : summary.find('))') + 2]}"
