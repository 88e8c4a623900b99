"""Tests for helpers.stats: every formula against a hand computation.

Expected values are computed here from closed forms with the standard library (``statistics.NormalDist``
for z and Φ), never taken from the module's own output.
"""

from __future__ import annotations

import dataclasses
import doctest
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from helpers import stats
from helpers.stats import (
    Difference,
    add_intervals,
    compare_answers,
    compare_between_countries,
    compare_select_all,
    compare_within_question,
    effective_n,
    estimate_design_effect,
    estimate_subgroup_n,
    margin_of_error,
    published_design_effect,
    wilson_interval,
    z_critical,
)

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


def z_for(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_closed_form(percent: float, n_eff: float, z: float) -> tuple[float, float]:
    """Wilson (1927): centre (p + z²/2m)/(1 + z²/m), half-width z/(1 + z²/m)·√(p(1−p)/m + z²/4m²)."""
    p, m = percent / 100, n_eff
    centre = (p + z * z / (2 * m)) / (1 + z * z / m)
    half = z / (1 + z * z / m) * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m))
    return (centre - half) * 100, (centre + half) * 100


# ------------------------------------------------------------------------------------------ the libraries
# The module computes the Wilson interval and the normal distribution itself (statsmodels and scipy cost
# about 0.9 s to import in every kernel); here they are the reference it must agree with.
SHARES = [0.0, 0.1, 1.0, 2.5, 12.0, 33.3, 40.5, 50.0, 73.1, 99.0, 99.9, 100.0]
BASES = [1, 7.5, 30, 419.985, 1037, 1500, 1585, 20000]


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_wilson_interval_equals_statsmodels_proportion_confint(confidence):
    from statsmodels.stats.proportion import proportion_confint

    for percent in SHARES:
        for n in BASES:
            for deff in (0.8, 1.0, 1.5, 2.3):
                m = n / deff
                low, high = proportion_confint(percent / 100 * m, m, alpha=1 - confidence, method="wilson")
                assert wilson_interval(percent, n, confidence, deff) == pytest.approx(
                    (low * 100, high * 100), rel=1e-12, abs=1e-12
                ), (percent, n, deff)
    table = pd.DataFrame({"percent": SHARES * len(BASES), "base_n": [n for n in BASES for _ in SHARES]})
    low, high = proportion_confint(
        table["percent"] / 100 * table["base_n"] / 1.5, table["base_n"] / 1.5, alpha=1 - confidence, method="wilson"
    )
    out = add_intervals(table, confidence=confidence, deff=1.5)
    np.testing.assert_allclose(out["ci_low"], np.asarray(low) * 100, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out["ci_high"], np.asarray(high) * 100, rtol=1e-12, atol=1e-12)


def test_normal_quantile_and_p_values_equal_scipy():
    from scipy.stats import norm

    for confidence in (1e-9, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.999999, 1 - 1e-12, 1 - 2**-53):
        assert z_critical(confidence) == pytest.approx(norm.isf((1 - confidence) / 2), rel=1e-14)
    for gap in (0.0, 0.5, 1.96, 3.0, 8.0, 20.0):  # n = 5,000 each: se ≈ 1 point, so z ≈ gap (far tails too)
        d = compare_between_countries(50.0 + gap / 2, 5000, 50.0 - gap / 2, 5000)
        assert d.z == pytest.approx(gap, rel=0.03)
        assert d.p_value == pytest.approx(2 * norm.sf(abs(d.z)), rel=1e-12, abs=0.0)


# ------------------------------------------------------------------------------------------ z, n_eff
def test_z_critical_matches_normal_quantile():
    assert z_critical(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_critical(0.90) == pytest.approx(NormalDist().inv_cdf(0.95), rel=1e-12)
    assert z_critical(0.99) == pytest.approx(2.575829, abs=1e-6)


def test_effective_n_divides_by_deff():
    assert effective_n(1037) == 1037.0
    assert effective_n(1037, deff=1.5) == pytest.approx(691.3333333, rel=1e-9)  # 1037 / 1.5


def test_effective_n_accepts_deff_below_one():
    # documented choice: a stratified design can beat simple random sampling
    assert effective_n(1000, deff=0.8) == pytest.approx(1250.0)


@pytest.mark.parametrize("n", [0, -5, math.nan, math.inf, True, "1037", None])
def test_effective_n_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n"):
        effective_n(n)


@pytest.mark.parametrize("deff", [0, -1.0, math.nan])
def test_effective_n_rejects_bad_deff(deff):
    with pytest.raises(ValueError, match="deff"):
        effective_n(1037, deff=deff)


# ------------------------------------------------------------------------------------------ Wilson
def test_wilson_interval_matches_closed_form_for_405_of_1037():
    # p = 0.405, m = 1037, z = 1.959964, z²/m = 0.0037044
    # centre = (0.405 + 0.0018522) / 1.0037044 = 0.405351
    # half   = 1.959964 / 1.0037044 · √(0.405·0.595/1037 + 3.8415/(4·1037²)) = 0.029824
    # → (37.553, 43.518) percent
    low, high = wilson_interval(40.5, 1037)
    assert low == pytest.approx(37.5526, abs=1e-3)
    assert high == pytest.approx(43.5175, abs=1e-3)
    expected = wilson_closed_form(40.5, 1037, Z95)
    assert (low, high) == pytest.approx(expected, rel=1e-10)


def test_wilson_interval_uses_non_integer_effective_n():
    # deff 1.5 → m = 691.333…, not rounded
    expected = wilson_closed_form(40.5, 1037 / 1.5, Z95)
    assert wilson_interval(40.5, 1037, deff=1.5) == pytest.approx(expected, rel=1e-10)
    expected = wilson_closed_form(12.0, 419.985, z_for(0.90))
    assert wilson_interval(12.0, 419.985, confidence=0.90) == pytest.approx(expected, rel=1e-10)


def test_wilson_interval_at_the_extremes():
    # p = 0: low = 0, high = z²/(m + z²); p = 100 mirrors it
    m = 1037
    top = Z95**2 / (m + Z95**2) * 100
    assert wilson_interval(0, m) == pytest.approx((0.0, top), abs=1e-9)
    assert wilson_interval(100, m) == pytest.approx((100 - top, 100.0), abs=1e-9)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(percent=-0.1, n=100), "percent"),
        (dict(percent=100.1, n=100), "percent"),
        (dict(percent=math.nan, n=100), "percent"),
        (dict(percent="40.5", n=100), "percent"),
        (dict(percent=40.5, n=0), "n"),
        (dict(percent=40.5, n=100, confidence=95), "confidence"),
        (dict(percent=40.5, n=100, confidence=0), "confidence"),
        (dict(percent=40.5, n=100, confidence=1.0), "confidence"),
        (dict(percent=40.5, n=100, deff=0), "deff"),
    ],
)
def test_wilson_interval_rejects_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        wilson_interval(**kwargs)


# ------------------------------------------------------------------------------------------ add_intervals
def test_add_intervals_adds_wilson_bounds_to_a_copy():
    df = pd.DataFrame({"country": ["JP", "JP", "KR"], "percent": [40.5, 34.5, 0.0], "base_n": [1037, 1037, 1585]})
    before = df.copy()
    out = add_intervals(df)
    pd.testing.assert_frame_equal(df, before)  # input untouched
    assert list(out.columns) == ["country", "percent", "base_n", "ci_low", "ci_high"]
    for row in out.itertuples():
        low, high = wilson_closed_form(row.percent, row.base_n, Z95)
        assert row.ci_low == pytest.approx(low, abs=1e-9)
        assert row.ci_high == pytest.approx(high, abs=1e-9)


def test_add_intervals_custom_columns_deff_column_and_string_percents():
    df = pd.DataFrame({"share": ["26.0", "33"], "n": [1037, 1500], "deff": [1.0, 1.36]})
    out = add_intervals(df, confidence=0.9, deff="deff", percent="share", n="n")
    z = z_for(0.90)
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == pytest.approx(wilson_closed_form(26.0, 1037, z))
    assert (out.loc[1, "ci_low"], out.loc[1, "ci_high"]) == pytest.approx(wilson_closed_form(33.0, 1500 / 1.36, z))
    out = add_intervals(df, deff=2.0, percent="share", n="n")
    assert out.loc[1, "ci_low"] == pytest.approx(wilson_closed_form(33.0, 750, Z95)[0])


def test_add_intervals_empty_frame():
    out = add_intervals(pd.DataFrame({"percent": [], "base_n": []}))
    assert list(out.columns) == ["percent", "base_n", "ci_low", "ci_high"] and len(out) == 0


@pytest.mark.parametrize(
    "data, kwargs, message",
    [
        ({"percent": [40.5]}, {}, "base_n"),
        ({"percent": [140.0], "base_n": [100]}, {}, "percent"),
        ({"percent": [np.nan], "base_n": [100]}, {}, "percent"),
        ({"percent": ["forty"], "base_n": [100]}, {}, "numeric"),
        ({"percent": [40.5], "base_n": [np.nan]}, {}, "base_n"),
        ({"percent": [40.5], "base_n": [0]}, {}, "base_n"),
        ({"percent": [40.5], "base_n": [100], "d": [0.0]}, {"deff": "d"}, "design effect"),
        ({"percent": [40.5], "base_n": [100]}, {"deff": 0}, "deff"),
        ({"percent": [40.5], "base_n": [100]}, {"confidence": 95}, "confidence"),
    ],
)
def test_add_intervals_rejects_bad_input(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_intervals(pd.DataFrame(data), **kwargs)


# ------------------------------------------------------------------------------------------ margins
def test_margin_of_error_reproduces_published_japan_margin():
    # published ±3.04 for n = 1,037 is 1.96·√(0.25/1037)·100 = 3.0433
    assert 1.96 * math.sqrt(0.25 / 1037) * 100 == pytest.approx(3.0433, abs=1e-4)
    assert margin_of_error(1037) == pytest.approx(Z95 * math.sqrt(0.25 / 1037) * 100, rel=1e-12)
    assert round(margin_of_error(1037), 2) == 3.04


def test_margin_of_error_reproduces_published_korea_margin():
    # 1.959964·√(0.25/1585)·100 = 2.4615, published rounded to ±2.5
    assert margin_of_error(1585) == pytest.approx(2.4615, abs=1e-4)
    assert round(margin_of_error(1585), 1) == 2.5


def test_published_us_margin_implies_a_design_effect():
    # ±2.95 for n = 1,500 is NOT the simple-random-sampling margin: 1.959964·√(0.25/1500)·100 = 2.5303.
    # The implied design effect is (2.95 / 2.5303)² = 1.359: the U.S. figure allows for weighting.
    srs = Z95 * math.sqrt(0.25 / 1500) * 100
    assert margin_of_error(1500) == pytest.approx(srs, rel=1e-12)
    implied = (2.95 / srs) ** 2
    assert estimate_design_effect(2.95, 1500) == pytest.approx(implied, rel=1e-12)
    assert round(implied, 2) == 1.36
    assert margin_of_error(1500, deff=implied) == pytest.approx(2.95, rel=1e-12)
    # Japan's and Korea's published margins imply deff ≈ 1 (rounding)
    assert estimate_design_effect(3.04, 1037) == pytest.approx(1.0, abs=0.01)
    assert estimate_design_effect(2.5, 1585) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    "margin, n, srs",
    [(3.04, 1037, True), (2.5, 1585, True), (2.95, 1500, False), ("3.1", 1000, True), (4.0, 1037, False)],
)
def test_published_design_effect_is_1_only_where_the_margin_is_the_srs_margin(margin, n, srs):
    d = published_design_effect(margin, n)
    assert d.is_srs == srs
    assert d.low <= d.implied <= d.high
    # the bounds are the implied design effects at the ends of the margin's rounding interval
    half = 0.5 * 10 ** -len(str(margin).split(".")[1])
    assert d.low == pytest.approx(estimate_design_effect(float(margin) - half, n), rel=1e-12)
    assert d.high == pytest.approx(estimate_design_effect(float(margin) + half, n), rel=1e-12)
    # deff 1 exactly when the SRS margin lies within the rounding interval, else the implied value
    assert (d.value == 1.0) == (float(margin) - half <= margin_of_error(n) < float(margin) + half)
    assert d.value == (1.0 if srs else d.implied)
    if not srs:
        assert margin_of_error(n, deff=d.value) == pytest.approx(float(margin), rel=1e-12)


def test_published_design_effect_follows_the_stated_confidence_level():
    at_95 = published_design_effect(2.95, 1500, confidence=0.95)
    at_90 = published_design_effect(2.95, 1500, confidence=0.90)
    assert at_90.srs_margin < at_95.srs_margin and at_90.value > at_95.value


@pytest.mark.parametrize("margin", ["±3", "", -1.0, 0])
def test_published_design_effect_rejects_a_bad_margin(margin):
    with pytest.raises(ValueError, match="margin"):
        published_design_effect(margin, 1000)


def test_margin_of_error_other_share_confidence_and_deff():
    # 30%, 90%, deff 2: z₉₀·√(0.3·0.7/(1000/2))·100
    expected = z_for(0.90) * math.sqrt(0.21 / 500) * 100
    assert margin_of_error(1000, confidence=0.90, deff=2.0, percent=30.0) == pytest.approx(expected)
    assert margin_of_error(1000, percent=0.0) == 0.0


def test_estimate_design_effect_rejects_bad_input():
    with pytest.raises(ValueError, match="margin"):
        estimate_design_effect(0, 1500)
    with pytest.raises(ValueError, match="percent"):
        estimate_design_effect(2.95, 1500, percent=0.0)


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(n=100, percent=150), dict(n=100, confidence=1.5)])
def test_margin_of_error_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        margin_of_error(**kwargs)


# ------------------------------------------------------------------------------------------ Kish
# ------------------------------------------------------------------------------------------ summary, subgroups
def test_estimate_subgroup_n():
    # reasons asked of the 40.5% with a good impression of the U.S., n = 1,037: 1037 × 0.405 = 419.985
    assert estimate_subgroup_n(1037, 40.5) == pytest.approx(419.985)
    assert estimate_subgroup_n(1585, 100) == 1585


@pytest.mark.parametrize("n, parent", [(1037, 0), (1037, 140), (1037, -3), (0, 40.5)])
def test_estimate_subgroup_n_rejects_bad_input(n, parent):
    with pytest.raises(ValueError):
        estimate_subgroup_n(n, parent)


# ------------------------------------------------------------------------------------------ differences
def within_se(p1: float, p2: float, n_eff: float) -> float:
    """√([p1 + p2 − (p1 − p2)²] / n) in points, from proportions."""
    a, b = p1 / 100, p2 / 100
    return math.sqrt((a + b - (a - b) ** 2) / n_eff) * 100


def test_compare_within_question_source_example():
    # 40.5 vs 34.5, n = 1,037: Var = (0.75 − 0.06²)/1037 = 0.7464/1037 = 7.1977e-4 → SE 2.683 points,
    # z = 6 / 2.683 = 2.236, p = 2·(1 − Φ(2.236)) = 0.0253, CI 6 ± 1.96·2.683 = (0.742, 11.258)
    d = compare_within_question(40.5, 34.5, 1037)
    assert d.kind == "within question" and d.testable and d.reason == ""
    assert (d.p1, d.p2) == (40.5, 34.5)
    assert d.diff == pytest.approx(6.0)
    assert d.se == pytest.approx(math.sqrt(0.7464 / 1037) * 100, rel=1e-12)
    assert round(d.se, 2) == 2.68
    assert round(d.z, 2) == 2.24
    assert d.p_value == pytest.approx(2 * (1 - NormalDist().cdf(6 / d.se)), rel=1e-9)
    assert (d.ci_low, d.ci_high) == pytest.approx((6 - Z95 * d.se, 6 + Z95 * d.se))
    assert d.confidence == 0.95
    assert d.significant
    assert d.gap_low == pytest.approx(6 - Z95 * d.se)


def test_compare_within_question_design_effect_turns_it_into_a_tie():
    # deff 1.5: SE = 2.683·√1.5 = 3.286, z = 1.826 < 1.96
    d = compare_within_question(40.5, 34.5, 1037, deff=1.5)
    assert d.se == pytest.approx(within_se(40.5, 34.5, 1037 / 1.5))
    assert d.z == pytest.approx(6 / (within_se(40.5, 34.5, 1037) * math.sqrt(1.5)))
    assert not d.significant
    assert d.ci_low < 0 < d.ci_high
    assert d.gap_low == 0.0


def test_compare_within_question_is_antisymmetric():
    a, b = compare_within_question(27.5, 26.0, 1037), compare_within_question(26.0, 27.5, 1037)
    assert b.diff == pytest.approx(-a.diff) and b.se == pytest.approx(a.se) and b.z == pytest.approx(-a.z)
    assert (b.ci_low, b.ci_high) == pytest.approx((-a.ci_high, -a.ci_low))


def test_significant_is_exactly_the_interval_excluding_zero():
    # solve diff = z·SE for s = p1 + p2 fixed: d² = k(s − d²), k = z²/n → d = √(k·s/(1 + k))
    n, s = 1037, 0.75
    k = Z95**2 / n
    d_star = math.sqrt(k * s / (1 + k)) * 100  # ≈ 5.26 points
    for eps, expected in [(+0.01, True), (-0.01, False)]:
        d = d_star + eps
        result = compare_within_question((75 + d) / 2, (75 - d) / 2, n)
        assert result.significant is expected
        assert (result.ci_low > 0) is expected


def test_compare_within_question_zero_se_is_not_testable():
    d = compare_within_question(100.0, 0.0, 500)
    assert not d.testable and d.kind == "not testable" and not d.significant
    assert "standard error" in d.reason and math.isnan(d.z)


@pytest.mark.parametrize(
    "args, kwargs, word",
    [
        ((60.0, 45.0, 1037), {}, "exceeds 100"),
        ((101.0, 0.0, 1037), {}, "p1"),
        ((40.0, -1.0, 1037), {}, "p2"),
        ((40.0, 30.0, 0), {}, "n"),
        ((40.0, 30.0, 1037), {"confidence": 95}, "confidence"),
        ((40.0, 30.0, 1037), {"deff": 0}, "deff"),
    ],
)
def test_compare_within_question_rejects_bad_input(args, kwargs, word):
    with pytest.raises(ValueError, match=word):
        compare_within_question(*args, **kwargs)


def test_compare_within_question_tolerates_rounding_excess():
    # 50.4 + 50.1 = 100.5: possible for two rounded shares that cover everyone
    assert compare_within_question(50.4, 50.1, 1000).testable


def test_compare_between_countries_hand_computed():
    # bad impression of Trump, KR 73.1% (n 1,585) vs JP 70.1% (n 1,037):
    # SE = √(0.731·0.269/1585 + 0.701·0.299/1037) = √(1.2406e-4 + 2.0213e-4) = 1.806 points, z = 1.661
    d = compare_between_countries(73.1, 1585, 70.1, 1037)
    se = math.sqrt(0.731 * 0.269 / 1585 + 0.701 * 0.299 / 1037) * 100
    assert d.kind == "between countries" and d.testable
    assert d.diff == pytest.approx(3.0)
    assert d.se == pytest.approx(se, rel=1e-12)
    assert round(d.se, 3) == 1.806
    assert d.z == pytest.approx(3.0 / se)
    assert d.p_value == pytest.approx(2 * (1 - NormalDist().cdf(3.0 / se)), rel=1e-9)
    assert not d.significant


def test_compare_between_countries_applies_each_design_effect():
    se = math.sqrt(1.2 * 0.5 * 0.5 / 1000 + 1.36 * 0.4 * 0.6 / 1500) * 100
    d = compare_between_countries(50.0, 1000, 40.0, 1500, confidence=0.90, deff1=1.2, deff2=1.36)
    assert d.se == pytest.approx(se, rel=1e-12)
    assert (d.ci_low, d.ci_high) == pytest.approx((10 - z_for(0.9) * se, 10 + z_for(0.9) * se))
    assert d.significant


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(p1=40, n1=0, p2=30, n2=100), "n1"),
        (dict(p1=40, n1=100, p2=30, n2=-1), "n2"),
        (dict(p1=400, n1=100, p2=30, n2=100), "p1"),
        (dict(p1=40, n1=100, p2=30, n2=100, deff2=0), "deff2"),
    ],
)
def test_compare_between_countries_rejects_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        compare_between_countries(**kwargs)


def test_compare_select_all_is_never_narrower_than_any_overlap_allows():
    """The share choosing both answers is not published: whatever it is, the true standard error is at most the
    test's, and equal to it when nobody chose both."""
    for p1, p2 in [(82.8, 48.0), (66.4, 37.3), (30.0, 20.0), (50.0, 50.0)]:
        d = compare_select_all(p1, p2, 1000, deff=1.5)
        assert d.kind == "several answers (cautious)" and d.testable
        a, b = p1 / 100, p2 / 100
        for both in [max(0.0, a + b - 1) + k * (min(a, b) - max(0.0, a + b - 1)) / 10 for k in range(11)]:
            exact = 100 * math.sqrt(1.5 * (a * (1 - a) + b * (1 - b) - 2 * (both - a * b)) / 1000)
            assert exact <= d.se + 1e-9
        least = max(0.0, a + b - 1)  # at the least overlap the shares allow, the bound is reached
        assert 100 * math.sqrt(1.5 * (a * (1 - a) + b * (1 - b) - 2 * (least - a * b)) / 1000) == pytest.approx(d.se)
    d = compare_select_all(82.8, 48.0, 1585)  # 82.8 + 48.0 > 100 is fine for several answers
    assert d.diff == pytest.approx(34.8) and d.significant
    assert d.se == pytest.approx(compare_within_question(17.2, 52.0, 1585).se)  # the complements': 30.8% gave both


def test_compare_answers_is_exact_for_one_answer_and_cautious_otherwise():
    assert compare_answers(40.5, 34.5, 1037, True, deff=1.5) == compare_within_question(40.5, 34.5, 1037, deff=1.5)
    assert compare_answers(82.8, 48.0, 588, False) == compare_select_all(82.8, 48.0, 588)


def test_compare_select_all_rejects_bad_input():
    with pytest.raises(ValueError, match="p2"):
        compare_select_all(30.0, 120.0, 100)
    with pytest.raises(ValueError, match="n"):
        compare_select_all(30.0, 20.0, n=0)


def test_difference_is_frozen():
    d = compare_within_question(40.5, 34.5, 1037)
    assert isinstance(d, Difference)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.z = 0.0  # type: ignore[misc]


def test_docstring_examples_run():
    result = doctest.testmod(stats, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
