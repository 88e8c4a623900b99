"""helpers.formatting: every number the report prints, in one place.

Percentages keep the precision they were published with, gaps and negative numbers use the true minus
sign, an interval with a negative end is joined by " to ", and the precision assumption never calls a
design effect other than 1 "simple random sampling".
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from helpers import formatting as fmt
from helpers.formatting import MINUS

# ------------------------------------------------------------------------------------------ percent


@pytest.mark.parametrize(
    "text, shown",
    [("33", "33%"), ("26.0", "26.0%"), ("40.5", "40.5%"), ("7.25", "7.25%"), ("0", "0%"), ("100.0", "100.0%")],
)
def test_percent_keeps_the_published_precision(text, shown):
    # a figure published as "26.0" is not "26%", and one published as "33" is not "33.0%"
    assert fmt.percent(text) == shown


@pytest.mark.parametrize(
    "value, decimals, shown",
    [(40.5, None, "40.5%"), (26.0, None, "26.0%"), (200 / 3, 1, "66.7%"), ("26", 1, "26.0%"), (41.44, 0, "41%")],
)
def test_percent_of_a_number_has_the_decimals_asked_for(value, decimals, shown):
    assert fmt.percent(value, decimals) == shown


@pytest.mark.parametrize("value, decimals, shown", [(40.5, 0, "41%"), (0.125, 2, "0.13%"), (2.675, 2, "2.68%")])
def test_percent_rounds_half_up_like_the_headlines(value, decimals, shown):
    assert fmt.percent(value, decimals) == shown


def test_percent_uses_the_true_minus_sign():
    assert fmt.percent("-1.5") == f"{MINUS}1.5%"
    assert "-" not in fmt.percent(-1.5)
    assert MINUS == "\u2212"


# ------------------------------------------------------------------------------------------ points


@pytest.mark.parametrize(
    "value, shown",
    [(6.0, "6.0 points"), (1.0, "1.0 point"), (-2.5, "2.5 points"), (0.74, "0.7 points"), (21.1, "21.1 points")],
)
def test_points_are_unsigned_with_a_singular(value, shown):
    assert fmt.points(value) == shown


@pytest.mark.parametrize(
    "value, decimals, shown",
    [(6, 0, "+6"), (-6, 0, f"{MINUS}6"), (0.2, 0, "0"), (-0.2, 0, "0"), (6.04, 1, "+6.0"), (-7.25, 1, f"{MINUS}7.2")],
)
def test_signed_points_use_the_true_minus_and_no_sign_on_zero(value, decimals, shown):
    assert fmt.signed_points(value, decimals) == shown
    assert "-" not in fmt.signed_points(value, decimals)


# ------------------------------------------------------------------------------------------ intervals


def test_interval_joins_positive_ends_with_an_en_dash():
    assert fmt.interval(37.52, 43.48) == "37.5–43.5"


@pytest.mark.parametrize(
    "low, high, shown", [(-1.94, 7.06, f"{MINUS}1.9 to 7.1"), (-6.0, -1.0, f"{MINUS}6.0 to {MINUS}1.0")]
)
def test_interval_with_a_negative_low_end_reads_to(low, high, shown):
    # "−1.9–7.1" would read as a range from minus 1.9 to minus 7.1
    text = fmt.interval(low, high)
    assert text == shown
    assert "–" not in text and "-" not in text


@pytest.mark.parametrize("low, high", [(math.nan, 5.0), (5.0, math.nan), (None, None)])
def test_interval_without_ends_is_empty(low, high):
    assert fmt.interval(low, high) == ""


@pytest.mark.parametrize("confidence, shown", [(0.95, "95%"), (0.9, "90%"), (0.99, "99%"), (0.995, "99.5%")])
def test_level(confidence, shown):
    assert fmt.level(confidence) == shown


# ------------------------------------------------------------------------------------------ bases


@pytest.mark.parametrize(
    "n, estimate, shown",
    [
        (1037, False, "n = 1,037"),
        (420.4, True, "estimated n ≈ 420"),
        (1585.0, False, "n = 1,585"),
        (math.nan, True, "base not published"),
    ],
)
def test_base_says_whether_it_is_published_or_estimated(n, estimate, shown):
    assert fmt.base(n, estimate) == shown


def test_effective_base():
    assert fmt.effective_base(1037 / 1.5) == "effective n ≈ 691"
    assert fmt.effective_base(math.nan) == ""


def test_base_with_effective_shows_the_effective_n_only_when_it_differs_from_the_base():
    assert fmt.base_with_effective(1037, False, 1037.0, 1.0) == "n = 1,037"
    assert fmt.base_with_effective(1037, False, 1037.0, "published") == "n = 1,037"
    assert fmt.base_with_effective(1500, False, 1500 / 1.36, "published") == "n = 1,500 (effective n ≈ 1,103)"
    assert fmt.base_with_effective(1037, False, 1037 / 1.5, 1.5) == "n = 1,037 (effective n ≈ 691)"
    assert fmt.base_with_effective(420.4, True, 420.4 / 2, 2.0) == "estimated n ≈ 420 (effective n ≈ 210)"


@pytest.mark.parametrize("d, shown", [(1.0, "1"), (1.5, "1.5"), (1.36, "1.36"), (2, "2")])
def test_deff_as_typed(d, shown):
    assert fmt.deff(d) == shown
    assert fmt.deff("published") == "published"


# ------------------------------------------------------------------------------------------ precision


def test_precision_assumption_says_simple_random_sampling_only_at_deff_1():
    assert fmt.precision_assumption(1.0) == "assuming simple random sampling"
    assert fmt.precision_assumption(1.0, 1037.0) == "assuming simple random sampling"
    published = fmt.precision_assumption("published")
    assert "published margin" in published and "simple random sampling" not in published


@pytest.mark.parametrize("d, n", [(1.5, 1037), (1.36, 1500), (2.0, 1585), (0.8, 1037)])
def test_precision_assumption_states_the_design_effect_and_effective_n_otherwise(d, n):
    text = fmt.precision_assumption(d, n / d)
    assert "simple random sampling" not in text
    assert f"design effect of {d:g}" in text
    assert f"effective n ≈ {round(n / d):,}" in text


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (44.5, 0, "45"),
        (0.5, 0, "1"),
        (2.675, 2, "2.68"),
        ("26.0", 0, "26"),
        ("33.25", 1, "33.3"),
        (-0.05, 1, "-0.1"),
        (Decimal("12.5"), 0, "13"),
    ],
)
def test_one_rounding_rule_for_numbers_headlines_and_tenths(value, decimals, expected):
    from helpers import vocabulary as voc

    assert fmt.rounded(value, decimals) == Decimal(expected)
    if decimals == 0 and not str(value).startswith("-"):
        assert voc.round_for_headline(value).endswith(f"{int(Decimal(expected))}%")


def test_rounding_to_zero_drops_the_sign_and_bad_values_are_named():
    assert fmt.number(-0.04, 1) == "0.0" and fmt.rounded(-0.4) == 0 and str(fmt.rounded(-0.4)) == "0"
    for bad in ("abc", math.inf, math.nan, None):
        with pytest.raises(ValueError, match=r"abc|inf|nan|None"):
            fmt.rounded(bad)


def test_count_of_is_singular_only_for_one():
    assert [fmt.count_of(n, "row") for n in (0, 1, 2, 1037)] == ["0 rows", "1 row", "2 rows", "1,037 rows"]
