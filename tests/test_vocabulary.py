"""Tests for helpers.vocabulary: each word at and around its threshold, and the source cases.

Threshold inputs are derived independently of the module:

- Shares. The Wilson interval is the inversion of the score test, so its lower end equals L exactly when
  the observed share is p = L + z·√(L(1−L)/m), and its upper end equals L when p = L − z·√(L(1−L)/m)
  (m = effective n). Shares 0.01 points either side of that p must get different words.
- Gaps within a question. With s = p1 + p2 fixed and d = p1 − p2 (proportions), the end of the interval
  nearest 0 is g(d) = d − z·√((s − d²)/m). Solving g(d) = B: (d − B)² = k(s − d²), k = z²/m, so
  d = [B + √(B² − (1 + k)(B² − k·s))] / (1 + k).
- Gaps between countries: found by bisection on the closed-form SE.
"""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist

import pytest

from helpers import vocabulary
from helpers.stats import compare_between_countries, compare_select_all, compare_within_question
from helpers.vocabulary import (
    CLEAR_LEAD_MIN,
    IN_TENS_TOLERANCE,
    LARGE_MAJORITY,
    MAJORITY,
    OVERWHELMING_LEAD_MIN,
    TENS,
    VOCABULARY_RULES,
    Largest,
    Word,
    describe_difference,
    describe_largest,
    describe_share,
    in_tens,
    round_for_headline,
    vocabulary_rules,
)

Z95 = NormalDist().inv_cdf(0.975)
EPS = 0.01  # points either side of a threshold


# ------------------------------------------------------------------------------------------ shares
def share_where_bound_is(bound_percent: float, n_eff: float, side: str, z: float = Z95) -> float:
    """Observed share (percent) at which the Wilson interval's lower (or upper) end equals the bound."""
    L = bound_percent / 100
    shift = z * math.sqrt(L * (1 - L) / n_eff) * 100
    return bound_percent + shift if side == "lower" else bound_percent - shift


@pytest.mark.parametrize(
    "percent, word",
    [(50.7, "about half"), (54.1, "a majority"), (51.7, "about half"), (85.9, "a large majority")],
)
def test_describe_share_source_cases(percent, word):
    assert describe_share(percent, 1037) == word


@pytest.mark.parametrize("n, deff", [(1037, 1.0), (1037, 1.5), (1585, 1.0), (420, 1.0)])
def test_describe_share_majority_threshold(n, deff):
    # n = 1,037: 50 + 1.96·√(0.25/1037)·100 = 53.04
    p = share_where_bound_is(MAJORITY, n / deff, "lower")
    assert describe_share(p + EPS, n, deff=deff) == "a majority"
    assert describe_share(p - EPS, n, deff=deff) == "about half"


@pytest.mark.parametrize("n, deff", [(1037, 1.0), (1037, 1.5), (1500, 1.36)])
def test_describe_share_minority_threshold(n, deff):
    # n = 1,037: 50 − 3.04 = 46.96
    p = share_where_bound_is(MAJORITY, n / deff, "upper")
    assert describe_share(p - EPS, n, deff=deff) == "a minority"
    assert describe_share(p + EPS, n, deff=deff) == "about half"


@pytest.mark.parametrize("n, deff", [(1037, 1.0), (1037, 1.5), (1585, 1.0)])
def test_describe_share_large_majority_threshold(n, deff):
    # n = 1,037: 66.67 + 1.96·√((2/9)/1037)·100 = 66.67 + 2.87 = 69.54
    p = share_where_bound_is(LARGE_MAJORITY, n / deff, "lower")
    assert describe_share(p + EPS, n, deff=deff) == "a large majority"
    assert describe_share(p - EPS, n, deff=deff) == "a majority"


def test_describe_share_threshold_moves_with_confidence():
    z90 = NormalDist().inv_cdf(0.95)
    p = share_where_bound_is(MAJORITY, 1037, "lower", z=z90)  # 52.55
    assert describe_share(p + EPS, 1037, confidence=0.90) == "a majority"
    assert describe_share(p + EPS, 1037) == "about half"  # at 95% it is not


def test_describe_share_rejects_bad_input():
    with pytest.raises(ValueError, match="percent"):
        describe_share(0.541 * 1000, 1037)
    with pytest.raises(ValueError, match="n"):
        describe_share(54.1, 0)


# ------------------------------------------------------------------------------------------ differences
def gap_where_bound_is(bound_points: float, s_percent: float, n_eff: float) -> float:
    """Gap d (points) between two options summing to s at which d − z·SE = bound (within question)."""
    B, s, k = bound_points / 100, s_percent / 100, Z95**2 / n_eff
    return (B + math.sqrt(B * B - (1 + k) * (B * B - k * s))) / (1 + k) * 100


def within(d_points: float, s_percent: float, n: float = 1037, **kwargs):
    return compare_within_question((s_percent + d_points) / 2, (s_percent - d_points) / 2, n, **kwargs)


@pytest.mark.parametrize(
    "p1, p2, deff, word",
    [
        (27.5, 26.0, 1.0, "statistical tie"),  # SE 2.27, z 0.66
        (40.5, 34.5, 1.0, "narrow lead"),  # z 2.24, nearest end 6 − 1.96·2.68 = 0.74
        (40.5, 34.5, 1.5, "statistical tie"),  # z 1.83
        (44.7, 23.6, 1.0, "clear lead"),  # 21.1 − 1.96·2.48 = 16.24
        (76.5, 7.5, 1.0, "overwhelming lead"),  # 69.0 − 1.96·1.87 = 65.33
        (63.0, 23.7, 1.0, "overwhelming lead"),  # 39.3 − 1.96·2.62 = 34.16
        (51.7, 27.7, 1.0, "clear lead"),  # 24.0 − 1.96·2.67 = 18.78
        (42.4, 34.9, 1.0, "narrow lead"),  # 7.5 − 1.96·2.72 = 2.17 (z 2.76)
        (42.4, 34.9, 1.5, "narrow lead"),  # z 2.25, 7.5 − 1.96·3.33 = 0.97
        (42.1, 18.7, 1.0, "clear lead"),  # 23.4 − 1.96·2.31 = 18.87
    ],
)
def test_describe_difference_source_cases(p1, p2, deff, word):
    d = compare_within_question(p1, p2, 1037, deff=deff)
    # nearest end computed here from the closed-form SE, independently of the module
    se = math.sqrt(deff * ((p1 + p2) / 100 - ((p1 - p2) / 100) ** 2) / 1037) * 100
    nearest = abs(p1 - p2) - Z95 * se
    if word == "statistical tie":
        assert nearest < 0
    elif word == "narrow lead":
        assert 0 <= nearest < CLEAR_LEAD_MIN
    elif word == "clear lead":
        assert CLEAR_LEAD_MIN <= nearest < OVERWHELMING_LEAD_MIN
    else:
        assert nearest >= OVERWHELMING_LEAD_MIN
    assert describe_difference(d) == word
    # the word does not depend on which option is named first
    assert describe_difference(compare_within_question(p2, p1, 1037, deff=deff)) == word


@pytest.mark.parametrize("s, n, deff", [(75.0, 1037, 1.0), (60.0, 1037, 1.5), (90.0, 420, 1.0)])
def test_describe_difference_tie_vs_narrow_threshold(s, n, deff):
    d = gap_where_bound_is(0.0, s, n / deff)
    assert describe_difference(within(d + EPS, s, n, deff=deff)) == "narrow lead"
    assert describe_difference(within(d - EPS, s, n, deff=deff)) == "statistical tie"


@pytest.mark.parametrize("s, n, deff", [(75.0, 1037, 1.0), (60.0, 1037, 1.5), (90.0, 420, 1.0)])
def test_describe_difference_clear_lead_threshold(s, n, deff):
    d = gap_where_bound_is(CLEAR_LEAD_MIN, s, n / deff)  # s = 75, n = 1,037: about 10.2 points
    assert describe_difference(within(d + EPS, s, n, deff=deff)) == "clear lead"
    assert describe_difference(within(d - EPS, s, n, deff=deff)) == "narrow lead"


@pytest.mark.parametrize("s, n, deff", [(85.0, 1037, 1.0), (70.0, 1037, 1.5), (95.0, 420, 1.0)])
def test_describe_difference_overwhelming_threshold(s, n, deff):
    d = gap_where_bound_is(OVERWHELMING_LEAD_MIN, s, n / deff)
    assert describe_difference(within(d + EPS, s, n, deff=deff)) == "overwhelming lead"
    assert describe_difference(within(d - EPS, s, n, deff=deff)) == "clear lead"


def between_gap_low(p1: float, n1: float, p2: float, n2: float) -> float:
    a, b = p1 / 100, p2 / 100
    se = math.sqrt(a * (1 - a) / n1 + b * (1 - b) / n2) * 100
    return (p1 - p2) - Z95 * se


def bisect_p1(target: float, n1: float, p2: float, n2: float) -> float:
    """p1 > p2 at which the nearest end of the between-country interval equals target (points)."""
    lo, hi = p2, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if between_gap_low(mid, n1, p2, n2) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@pytest.mark.parametrize(
    "target, above, below",
    [
        (0.0, "narrow lead", "statistical tie"),
        (CLEAR_LEAD_MIN, "clear lead", "narrow lead"),
        (OVERWHELMING_LEAD_MIN, "overwhelming lead", "clear lead"),
    ],
)
def test_describe_difference_between_countries_uses_the_same_words(target, above, below):
    p2, n1, n2 = 30.0, 1585, 1037
    p1 = bisect_p1(target, n1, p2, n2)
    assert describe_difference(compare_between_countries(p1 + EPS, n1, p2, n2)) == above
    assert describe_difference(compare_between_countries(p1 - EPS, n1, p2, n2)) == below


def test_describe_difference_between_countries_source_case():
    # bad impression of Trump, KR 73.1 (1,585) vs JP 70.1 (1,037): 3.0 − 1.96·1.81 < 0 → tie,
    # written in prose as "no significant difference"
    assert between_gap_low(73.1, 1585, 70.1, 1037) < 0
    d = compare_between_countries(73.1, 1585, 70.1, 1037)
    assert describe_difference(d) == "statistical tie"
    assert vocabulary.NO_SIGNIFICANT_DIFFERENCE == "no significant difference"


def test_describe_difference_not_testable():
    assert describe_difference(compare_within_question(100.0, 0.0, 1037)) == "not testable"


def test_a_gap_between_answers_of_a_question_allowing_several_is_worded_by_its_cautious_interval():
    assert describe_difference(compare_select_all(66.4, 37.3, 1037)) == "clear lead"  # interval 23.4–34.8
    assert describe_difference(compare_select_all(37.3, 37.1, 1037)) == "statistical tie"


# ------------------------------------------------------------------------------------------ largest option
def test_describe_largest_plurality_and_tie():
    percents = {"favorable": 40.5, "unfavorable": 34.5, "neither": 25.0}
    r = describe_largest(percents, 1037, True)
    assert isinstance(r, Largest)
    assert (r.option, r.percent) == ("favorable", 40.5)
    assert r.share_word == Word.MINORITY == "a minority"  # upper end 43.5 < 50
    assert r.rank_word == Word.PLURALITY == "a plurality"
    assert r.runner_up == "unfavorable"
    assert r.difference.z == pytest.approx(6 / (math.sqrt((0.75 - 0.0036) / 1037) * 100))
    r = describe_largest(percents, 1037, True, deff=1.5)
    assert r.rank_word == Word.TIED_WITH and r.runner_up == "unfavorable"


def test_describe_largest_majority_wins_over_rank():
    r = describe_largest({"support": 7.5, "oppose": 76.5, "neither": 16.0}, 1037, True)
    assert r.option == "oppose"
    assert r.share_word == r.rank_word == Word.LARGE_MAJORITY
    r = describe_largest({"important": 54.1, "not important": 30.0}, 1037, True)
    assert r.share_word == r.rank_word == Word.MAJORITY
    # a majority is a majority whether or not the other answers were published
    r = describe_largest({"important": 54.1, "not important": 30.0}, 1037, True, all_published=False)
    assert r.rank_word == Word.MAJORITY


def test_describe_largest_about_half_leading_is_a_plurality():
    r = describe_largest({"a": 50.7, "b": 30.0}, 1037, True)
    assert r.share_word == Word.ABOUT_HALF and r.rank_word == Word.PLURALITY


def test_describe_largest_several_answers_is_the_most_often_named_with_a_cautious_test():
    reasons = {"history": 30.0, "territory": 29.0, "character": 10.0}
    for all_published in (True, False):
        r = describe_largest(reasons, 1037, False, all_published=all_published)
        assert r.rank_word == Word.MOST_OFTEN_NAMED == "the most often named"
        assert r.difference.kind == "several answers (cautious)" and not r.difference.significant
    # a majority of respondents naming an answer is still a majority
    r = describe_largest({"no reflection": 82.8, "Dokdo": 48.0}, 1585, False)
    assert r.rank_word == Word.LARGE_MAJORITY


def test_describe_largest_single_answer_reasons_are_tested():
    r = describe_largest({"x": 46.6, "y": 31.7}, 830, True)
    assert r.rank_word == Word.PLURALITY and r.difference.kind == "within question"


@pytest.mark.parametrize(
    "percents, n",
    [
        ({"a": 41.4, "b": 10.0}, 1037),
        ({"a": 42.5, "b": 17.8}, 1037),
        ({"a": 33.7, "b": 32.9}, 1037),
        ({"a": 50.7, "b": 29.4}, 1037),
    ],
)
def test_describe_largest_is_the_most_common_published_when_not_all_published(percents, n):
    # an unpublished answer could be larger, so the leader is neither "a plurality" nor "tied with"
    r = describe_largest(percents, n, True, all_published=False)
    assert r.rank_word == Word.MOST_COMMON_PUBLISHED == "the most common published answer"
    assert r.share_word == describe_share(max(percents.values()), n)
    # the same figures with every answer published are ranked by the test
    full = describe_largest(percents, n, True, all_published=True)
    assert full.rank_word in (Word.PLURALITY, Word.TIED_WITH)


def test_describe_largest_exact_tie_keeps_questionnaire_order():
    r = describe_largest({"good": 32.5, "bad": 32.5, "neither": 35.0}, 1585, True)
    assert r.option == "neither" and r.rank_word == Word.TIED_WITH and r.runner_up == "good"
    r = describe_largest({"good": 32.5, "bad": 32.5}, 1585, True)
    assert r.option == "good" and r.rank_word == Word.TIED_WITH and r.runner_up == "bad"


def test_describe_largest_rejects_a_single_answer():
    with pytest.raises(ValueError, match="at least two"):
        describe_largest({"a": 40.0}, 1037, True)


# ------------------------------------------------------------------------------------------ in tens
@pytest.mark.parametrize("tenth", sorted(TENS))
def test_in_tens_at_and_around_its_tolerance(tenth):
    centre = tenth * 10.0
    assert in_tens(centre) == TENS[tenth]
    assert in_tens(f"{centre:.1f}") == TENS[tenth]  # published text, e.g. "40.0"
    for inside in (centre - IN_TENS_TOLERANCE, centre + IN_TENS_TOLERANCE, centre - 0.1, centre + 1.9):
        if 0 <= inside <= 100:
            assert in_tens(inside) == f"about {TENS[tenth]}", inside
    for outside in (centre - IN_TENS_TOLERANCE - 0.1, centre + IN_TENS_TOLERANCE + 0.1):
        if 0 <= outside <= 100:
            assert in_tens(outside) is None, outside


@pytest.mark.parametrize("percent", [50, 49.0, 51.9, 48.1, 45.0, 55.0, 0.0, 100.0, 97.9])
def test_in_tens_leaves_half_and_far_values_alone(percent):
    # half is the interval rules' ("about half", "a majority"); 45 and 55 are no tenth
    assert in_tens(percent) is None


def test_in_tens_source_case():
    assert in_tens(41.4) == "about four-in-ten"
    assert in_tens("40.5") == "about four-in-ten"
    assert IN_TENS_TOLERANCE == 2.0


# ------------------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(
    "percent, text",
    [
        (44.7, "about 45%"),
        (70.1, "about 70%"),
        (42.1, "about 42%"),
        (63.0, "63%"),
        (33, "33%"),
        ("26.0", "26%"),
        ("44.5", "about 45%"),  # half up
        (2.5, "about 3%"),  # half up, not to even (round(2.5) == 2 in Python)
        (44.49, "about 44%"),
        (0, "0%"),
        (100.0, "100%"),
        (0.4, "less than 1%"),
        (99.6, "more than 99%"),
    ],
)
def test_round_for_headline(percent, text):
    assert round_for_headline(percent) == text


@pytest.mark.parametrize("percent", [-1, 100.5, "abc", math.nan, True, None])
def test_round_for_headline_rejects_bad_input(percent):
    with pytest.raises(ValueError, match="percent"):
        round_for_headline(percent)


# ------------------------------------------------------------------------------------------ rules as data
def test_vocabulary_rules_cover_every_word_with_numbers_from_constants():
    words = [word for word, _ in VOCABULARY_RULES]
    assert words == list(Word)
    for word in (
        "a large majority",
        "a majority",
        "about half",
        "a minority",
        "statistical tie",
        "narrow lead",
        "clear lead",
        "overwhelming lead",
        "not testable",
        "a plurality",
        "tied with",
        "the most often named",
        "the most common published answer",
    ):
        assert word in words
    rules = dict(VOCABULARY_RULES)
    assert f"{LARGE_MAJORITY:.1f}%" in rules[Word.LARGE_MAJORITY]
    assert f"{MAJORITY:.0f}%" in rules[Word.MAJORITY] and f"{MAJORITY:.0f}%" in rules[Word.MINORITY]
    assert f"{CLEAR_LEAD_MIN:g} points" in rules[Word.NARROW_LEAD]
    assert f"{CLEAR_LEAD_MIN:g} points" in rules[Word.CLEAR_LEAD]
    assert f"{OVERWHELMING_LEAD_MIN:g} points" in rules[Word.OVERWHELMING_LEAD]
    assert "no significant difference" in rules[Word.TIE]
    for word, rule in VOCABULARY_RULES:  # the module docstring renders the same table
        assert f"- {word}: {rule}." in vocabulary.__doc__
        assert rule == word.rule() == word.rule(0.95)


def test_word_rule_states_the_level_it_was_computed_at():
    assert "90%" in Word.MAJORITY.rule(0.90) and "95%" not in Word.MAJORITY.rule(0.90)
    assert "99%" in Word.TIE.rule(0.99)
    assert "95%" in Word.MAJORITY.rule()


@pytest.mark.parametrize("confidence, level, other", [(0.9, "90%", "95%"), (0.99, "99%", "95%"), (0.95, "95%", "90%")])
def test_vocabulary_rules_at_a_level_state_that_level_in_every_rule(confidence, level, other):
    rules = vocabulary_rules(confidence)
    assert [w for w, _ in rules] == list(Word)
    for word, rule in rules:
        assert other not in rule, f"{word}: {rule}"
        # every rule that rests on an interval names its level
        if "interval" in rule or "significantly" in rule:
            assert level in rule, f"{word}: {rule}"
    stated = [rule for _, rule in rules if level in rule]
    assert len(stated) >= 9  # the share words, the gap words and "a plurality"


def test_word_flags():
    assert {w for w in Word if w.is_majority} == {Word.MAJORITY, Word.LARGE_MAJORITY}
    assert Word.TIE == "statistical tie" and isinstance(Word.TIE, str)


def test_docstring_examples_run():
    result = doctest.testmod(vocabulary, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_an_exact_tie_at_the_top_is_tied_even_when_answers_are_unpublished():
    tie = describe_largest({"favorable": 32.5, "unfavorable": 32.5}, 1585, True, all_published=False)
    assert tie.rank_word == Word.TIED_WITH
    lead = describe_largest({"favorable": 33.5, "unfavorable": 32.5}, 1585, True, all_published=False)
    assert lead.rank_word == Word.MOST_COMMON_PUBLISHED
