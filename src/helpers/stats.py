"""Precision and significance for published survey percentages.

Every percentage in this module is in **percent** (0–100) and every interval, margin, difference and
standard error is in **percentage points**, because that is how the sources publish them. Conversion to
proportions happens inside each function and never leaks out.

The Wilson interval is computed in closed form, with the arithmetic of statsmodels'
``proportion_confint(method="wilson")`` (see ``docs/methods.md``), and the normal distribution is the
standard library's :class:`statistics.NormalDist`; ``tests/test_stats.py`` checks both against statsmodels
and scipy over a grid of shares, bases, design effects and levels. Importing scipy.stats (which statsmodels
needs) costs about 0.9 s, half of a report kernel's start, for two formulas.

All precision figures assume simple random sampling inflated by a design effect ``deff`` (a number here):
the sample of ``n`` respondents is treated as ``n_eff = n / deff`` independent draws (Kish 1965; Pew
adjusts every margin this way). The report's default is each public's design effect as implied by its
published margin (:func:`published_design_effect`), resolved per country by
:func:`helpers.tables.design_effect`. For an online panel that assumption must be stated in words wherever the
figures are shown (AAPOR Transparency Initiative; see ``docs/methods.md``).

Conventions shared by every function:

- ``percent`` / ``p1`` / ``p2``: a share in percent, 0 ≤ value ≤ 100.
- ``n``: unweighted number of respondents behind the share (the question's base), n > 0. Non-integer values
  are accepted because an estimated subgroup base (:func:`estimate_subgroup_n`) need not be whole.
- ``deff``: design effect, > 0 (see :func:`effective_n` for why values below 1 are allowed).
- ``confidence``: two-sided confidence level, 0 < confidence < 1 (0.95 for the published 95% margins).

Invalid input raises ``ValueError`` with a message naming the argument.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from statistics import NormalDist

import numpy as np
import pandas as pd

__all__ = [
    "Difference",
    "PublishedDesignEffect",
    "add_intervals",
    "compare_answers",
    "compare_between_countries",
    "compare_select_all",
    "compare_within_question",
    "effective_n",
    "estimate_design_effect",
    "estimate_subgroup_n",
    "margin_of_error",
    "published_design_effect",
    "wilson_interval",
    "z_critical",
]

KIND_WITHIN = "within question"
KIND_BETWEEN = "between countries"
KIND_SEVERAL = "several answers (cautious)"
KIND_NOT_TESTABLE = "not testable"

# Published shares are rounded (often to whole percents), so two options of one single-choice question can
# add up to slightly more than 100. Up to this many points over is accepted as rounding; more is a data error
# (the options are probably not mutually exclusive, i.e. the question is not single choice).
SUM_ROUNDING_TOLERANCE = 1.0


# --------------------------------------------------------------------------------------------- validation
def _check_percent(value: float, name: str = "percent") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in percent (0–100), got {value!r}")
    value = float(value)
    if not 0.0 <= value <= 100.0:  # also rejects NaN
        raise ValueError(f"{name} must be in percent, 0 ≤ {name} ≤ 100 (40.5 for 40.5%), got {value!r}")
    return value


def _check_positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    value = float(value)
    if not (value > 0.0 and math.isfinite(value)):  # also rejects NaN
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def _check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise ValueError(f"confidence must be a number with 0 < confidence < 1, got {confidence!r}")
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must satisfy 0 < confidence < 1 (0.95 for 95%), got {confidence!r}")
    return confidence


# --------------------------------------------------------------------------------------------- precision
_STANDARD_NORMAL = NormalDist()


def _wilson(p, n_eff, z: float):
    """Wilson score bounds, as proportions, of shares ``p`` (proportions) on ``n_eff`` respondents.

    Step for step the arithmetic of statsmodels ``proportion_confint(count=p·n_eff, nobs=n_eff,
    method="wilson")``: the share is recovered as count / nobs, and the bounds are clipped to [0, 1].
    Works on floats and on numpy arrays alike.
    """
    share = (p * n_eff) / n_eff
    z2 = z**2
    denominator = 1 + z2 / n_eff
    centre = (share + z2 / (2 * n_eff)) / denominator
    half = z * np.sqrt(share * (1.0 - share) / n_eff + z2 / (4.0 * n_eff**2))
    half /= denominator
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def z_critical(confidence: float = 0.95) -> float:
    """Two-sided critical value of the standard normal distribution for a confidence level.

    Formula: z = Φ⁻¹(1 − α/2) = −Φ⁻¹(α/2) with α = 1 − confidence (:meth:`statistics.NormalDist.inv_cdf`),
    as statsmodels' ``norm.isf(α/2)``.

    Parameters
    ----------
    confidence : float, default 0.95
        Two-sided confidence level, 0 < confidence < 1.

    Returns
    -------
    float
        1.959964… for 0.95 (not the rounded 1.96 used in some published margins).

    Examples
    --------
    >>> round(z_critical(0.95), 4)
    1.96
    """
    confidence = _check_confidence(confidence)
    # −Φ⁻¹(α/2) rather than Φ⁻¹(1 − α/2): 1 − α/2 rounds to 1.0 for levels very close to 1
    return -_STANDARD_NORMAL.inv_cdf((1.0 - confidence) / 2.0)


def effective_n(n: float, deff: float = 1.0) -> float:
    """Effective sample size: the number of independent respondents the sample is worth.

    Formula (Kish 1965): n_eff = n / deff.

    Parameters
    ----------
    n : float
        Unweighted number of respondents, > 0.
    deff : float, default 1.0
        Design effect, > 0. 1.0 means simple random sampling.

    Returns
    -------
    float
        n / deff; not rounded, because every formula downstream accepts a non-integer n.

    Pitfalls
    --------
    A design effect below 1 is accepted on purpose: a well-stratified design can be more precise than simple
    random sampling, and a deff taken from a source's published margin may come out below 1 through rounding.
    It is unusual for an online panel, though, and it *narrows* every interval, so a report should never
    assume one.

    Examples
    --------
    >>> effective_n(1037, deff=1.5)
    691.3333333333334
    """
    n = _check_positive(n, "n")
    deff = _check_positive(deff, "deff")
    return n / deff


def wilson_interval(percent: float, n: float, confidence: float = 0.95, deff: float = 1.0) -> tuple[float, float]:
    """Wilson score interval for a published percentage, in percent.

    Formula (Wilson 1927), with p = percent/100, m = n_eff = n/deff and z = :func:`z_critical`:
    centre = (p + z²/2m) / (1 + z²/m), half-width = z/(1 + z²/m) · √(p(1−p)/m + z²/4m²).
    The same arithmetic as statsmodels ``proportion_confint(count=p·m, nobs=m, alpha=1−confidence,
    method="wilson")`` (checked against it in the tests), clipped to 0–100.

    Parameters
    ----------
    percent : float
        Published share in percent, 0–100.
    n : float
        Base of the share (respondents asked), > 0; need not be an integer.
    confidence : float, default 0.95
        Two-sided confidence level.
    deff : float, default 1.0
        Design effect; the interval uses n_eff = n / deff.

    Returns
    -------
    tuple[float, float]
        (low, high) in percent; always within [0, 100], and not symmetric around ``percent`` near 0 or 100.

    Pitfalls
    --------
    ``percent`` is in percent: 0.405 means 0.405%, not 40.5%.

    Examples
    --------
    >>> low, high = wilson_interval(40.5, 1037)
    >>> round(low, 2), round(high, 2)
    (37.55, 43.52)
    """
    p = _check_percent(percent, "percent") / 100.0
    n_eff = effective_n(n, deff)
    confidence = _check_confidence(confidence)
    low, high = _wilson(np.float64(p), np.float64(n_eff), z_critical(confidence))
    return float(low) * 100.0, float(high) * 100.0


def add_intervals(
    df: pd.DataFrame,
    confidence: float = 0.95,
    deff: float | str = 1.0,
    percent: str = "percent",
    n: str = "base_n",
) -> pd.DataFrame:
    """Add Wilson intervals (:func:`wilson_interval`) to every row of a tidy table.

    Formula: as :func:`wilson_interval`, applied to every row at once (numpy arrays).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per share, with a percent column and a base column.
    confidence : float, default 0.95
        Two-sided confidence level.
    deff : float or str, default 1.0
        A design effect for every row, or the name of a column holding one per row (e.g. per country).
    percent : str, default "percent"
        Column with the shares in percent. Strings such as ``"26.0"`` (published precision kept) are
        converted to numbers.
    n : str, default "base_n"
        Column with each share's base (respondents asked).

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with two float columns, ``ci_low`` and ``ci_high``, in percent. ``df`` is untouched.

    Pitfalls
    --------
    A missing percent or base raises instead of giving an empty interval: a subgroup question needs its
    base, estimated with :func:`estimate_subgroup_n` (and labelled as an estimate) if the source omits it.

    Examples
    --------
    >>> table = pd.DataFrame({"option": ["favorable", "unfavorable"], "percent": [40.5, 34.5],
    ...                       "base_n": [1037, 1037]})
    >>> add_intervals(table).round(2)[["option", "ci_low", "ci_high"]]
            option  ci_low  ci_high
    0    favorable   37.55    43.52
    1  unfavorable   31.67    37.45
    """
    confidence = _check_confidence(confidence)
    p, bases, deffs = _interval_inputs(df, deff, percent, n)

    out = df.copy()
    if len(df) == 0:
        out["ci_low"] = pd.Series(dtype=float)
        out["ci_high"] = pd.Series(dtype=float)
        return out
    n_eff = bases / deffs
    low, high = _wilson(p / 100.0, n_eff, z_critical(confidence))
    out["ci_low"] = np.asarray(low, dtype=float) * 100.0
    out["ci_high"] = np.asarray(high, dtype=float) * 100.0
    return out


def _interval_inputs(
    df: pd.DataFrame, deff: float | str, percent: str, n: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every row's percent, base and design effect as float arrays; a ValueError naming a missing or bad column."""
    for column in (percent, n) + ((deff,) if isinstance(deff, str) else ()):
        if column not in df.columns:
            raise ValueError(f"column {column!r} not found in df (columns: {list(df.columns)})")

    p = _to_float_array(df[percent], percent)
    bad = ~((p >= 0.0) & (p <= 100.0))
    if bad.any():
        raise ValueError(f"column {percent!r} must hold percents 0–100; bad rows: {_row_labels(df, bad)}")
    bases = _to_float_array(df[n], n)
    bad = ~((bases > 0.0) & np.isfinite(bases))
    if bad.any():
        raise ValueError(f"column {n!r} must hold bases > 0; bad rows: {_row_labels(df, bad)}")
    if isinstance(deff, str):
        deffs = _to_float_array(df[deff], deff)
        bad = ~((deffs > 0.0) & np.isfinite(deffs))
        if bad.any():
            raise ValueError(f"column {deff!r} must hold design effects > 0; bad rows: {_row_labels(df, bad)}")
    else:
        deffs = np.full(len(df), _check_positive(deff, "deff"))
    return p, bases, deffs


def _to_float_array(column: pd.Series, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(column).to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as error:
        raise ValueError(f"column {name!r} must be numeric: {error}") from None


def _row_labels(df: pd.DataFrame, mask: np.ndarray) -> list:
    return list(df.index[mask])


def margin_of_error(n: float, confidence: float = 0.95, deff: float = 1.0, percent: float = 50.0) -> float:
    """Margin of sampling error in percentage points (the half-width of the normal-approximation interval).

    Formula: MOE = z · √(p(1−p) / n_eff) · 100, with p = percent/100, n_eff = n/deff and z =
    :func:`z_critical`. At the default p = 50% it is the largest margin for that sample: the figure sources
    publish as "±x points". Example: 1.96 · √(0.25/1037) = 0.0304, the ±3.04 published for Japan.

    Parameters
    ----------
    n : float
        Sample size (respondents), > 0.
    confidence : float, default 0.95
        Two-sided confidence level.
    deff : float, default 1.0
        Design effect.
    percent : float, default 50.0
        The share the margin is computed for; 50 gives the maximum.

    Returns
    -------
    float
        Margin in percentage points.

    Pitfalls
    --------
    This is a single symmetric figure for describing a sample; for an interval around a particular share,
    use :func:`wilson_interval`, which stays within 0–100 and behaves near the extremes.

    Examples
    --------
    >>> round(margin_of_error(1037), 2)
    3.04
    """
    p = _check_percent(percent, "percent") / 100.0
    n_eff = effective_n(n, deff)
    return z_critical(confidence) * math.sqrt(p * (1.0 - p) / n_eff) * 100.0


def estimate_design_effect(margin: float, n: float, confidence: float = 0.95, percent: float = 50.0) -> float:
    """Design effect implied by a published margin of error, given the sample size.

    Formula: invert :func:`margin_of_error`: deff = (margin / MOE_srs)², where MOE_srs is the
    simple-random-sampling margin z · √(p(1−p)/n) · 100.

    Parameters
    ----------
    margin : float
        Published margin in percentage points (e.g. 2.95 for "±2.95").
    n : float
        Sample size the margin refers to.
    confidence : float, default 0.95
        Confidence level of the published margin.
    percent : float, default 50.0
        Share the margin was computed at (sources use 50%).

    Returns
    -------
    float
        The implied design effect.

    Pitfalls
    --------
    Published margins are rounded, so the implied deff is approximate (±2.5 for n = 1,585 implies anything
    between about 0.99 and 1.07). A result close to 1 means the source quoted the simple-random-sampling
    margin; a clearly larger one means it adjusted for weighting.

    Examples
    --------
    >>> round(estimate_design_effect(2.95, 1500), 2)
    1.36
    """
    margin = _check_positive(margin, "margin")
    p = _check_percent(percent, "percent")
    srs = margin_of_error(n, confidence=confidence, deff=1.0, percent=p)
    if srs == 0.0:
        raise ValueError("percent must be strictly between 0 and 100 to infer a design effect")
    return (margin / srs) ** 2


@dataclass(frozen=True)
class PublishedDesignEffect:
    """The design effect a public's published margin implies, with the bounds its rounding allows.

    Attributes
    ----------
    margin : float
        The published margin in points (as published: ``2.95`` for "±2.95").
    confidence : float
        The confidence level the publisher states for that margin.
    n : float
        The sample size the margin refers to.
    srs_margin : float
        The simple-random-sampling margin z · √(0.25/n) · 100 at that level, unrounded.
    implied : float
        (margin / srs_margin)², the design effect the published figure implies.
    low, high : float
        The implied design effect at the ends of the margin's rounding interval (margin ∓ half a unit of its
        last published digit): every value in between is consistent with the published figure.
    value : float
        The design effect used: 1 when the SRS margin rounds to the published margin (the publisher quoted the
        simple-random-sampling formula; that says nothing of the true design effect), ``implied`` otherwise.
    """

    margin: float
    confidence: float
    n: float
    srs_margin: float
    implied: float
    low: float
    high: float
    value: float

    @property
    def is_srs(self) -> bool:
        """Whether the published margin is the simple-random-sampling margin at its published precision."""
        return self.value == 1.0


def published_design_effect(margin: float | str, n: float, confidence: float = 0.95) -> PublishedDesignEffect:
    """The design effect implied by a published margin of error, with its rounding bounds.

    Formula: deff = (margin / MOE_srs)² (:func:`estimate_design_effect`); the bounds use margin ∓ h, h half a
    unit of the margin's last published digit (±0.005 for "3.04", ±0.05 for "2.5"). When MOE_srs itself
    rounds to the published margin, the publisher's margin is the simple-random-sampling one and the design
    effect used is exactly 1.

    Parameters
    ----------
    margin : float or str
        The published margin in points, as published ("2.95"; a float is read at its shortest repr).
    n : float
        The sample size it refers to.
    confidence : float, default 0.95
        The confidence level the publisher states for the margin.

    Examples
    --------
    >>> d = published_design_effect(2.95, 1500)
    >>> round(d.value, 2), round(d.low, 3), round(d.high, 3)
    (1.36, 1.355, 1.364)
    >>> published_design_effect(3.04, 1037).value
    1.0
    """
    text = str(margin).strip()
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"margin must be a number of points, got {margin!r}") from None
    value = _check_positive(float(exact), "margin")
    n = _check_positive(n, "n")
    confidence = _check_confidence(confidence)
    half = Decimal(1).scaleb(min(exact.as_tuple().exponent, 0)) / 2
    srs = margin_of_error(n, confidence=confidence)
    implied = estimate_design_effect(value, n, confidence=confidence)
    low = estimate_design_effect(float(exact - half), n, confidence=confidence)
    high = estimate_design_effect(float(exact + half), n, confidence=confidence)
    is_srs = float(exact - half) <= srs < float(exact + half)
    return PublishedDesignEffect(value, confidence, n, srs, implied, low, high, 1.0 if is_srs else implied)


def estimate_subgroup_n(n: float, parent_percent: float) -> float:
    """Estimated base of a question asked only of respondents who gave one answer to a parent question.

    Formula: n_sub ≈ n × parent_percent / 100. Example: reasons for a good impression asked of the 40.5%
    with a good impression in a sample of 1,037 → about 420 respondents.

    Parameters
    ----------
    n : float
        Base of the parent question, > 0.
    parent_percent : float
        Published share (percent) of the parent answer that routes respondents to the subgroup question.

    Returns
    -------
    float
        The estimated subgroup base, unrounded.

    Pitfalls
    --------
    This is an **estimate** (the parent share is weighted and rounded; the true unweighted count is not
    published): use it only when the source does not give the subgroup's n, and label every figure that
    depends on it (intervals, tests) as based on an estimated base. The design effect of the full sample
    is the usual assumption for the subgroup.

    Examples
    --------
    >>> round(estimate_subgroup_n(1037, 40.5), 1)
    420.0
    """
    n = _check_positive(n, "n")
    parent_percent = _check_percent(parent_percent, "parent_percent")
    if parent_percent == 0.0:
        raise ValueError("parent_percent must be > 0: a subgroup of 0% was asked nothing")
    return n * parent_percent / 100.0


# --------------------------------------------------------------------------------------------- differences
@dataclass(frozen=True)
class Difference:
    """Result of comparing two percentages; all values in percent / percentage points.

    Attributes
    ----------
    p1, p2 : float
        The two shares compared, in percent.
    diff : float
        p1 − p2 in points.
    se : float
        Standard error of the difference in points (NaN when not testable).
    z : float
        diff / se (NaN when not testable).
    p_value : float
        Two-sided p-value from the normal distribution, 2·(1 − Φ(|z|)) = erfc(|z|/√2), accurate far into the
        tail (NaN when not testable).
    ci_low, ci_high : float
        Confidence interval of the difference, diff ∓ z_crit · se, in points (NaN when not testable).
    confidence : float
        Confidence level of the interval and of :attr:`significant`.
    kind : str
        ``"within question"``, ``"between countries"``, ``"several answers (cautious)"`` or ``"not testable"``.
    testable : bool
        False when no valid test exists; then :attr:`reason` says why.
    reason : str
        Why the difference is not testable; empty when it is.
    """

    p1: float
    p2: float
    diff: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    confidence: float
    kind: str
    testable: bool
    reason: str = ""

    @property
    def significant(self) -> bool:
        """True when testable and |z| ≥ z_crit, i.e. the interval of the difference excludes 0."""
        return self.testable and abs(self.z) >= z_critical(self.confidence)

    @property
    def gap_low(self) -> float:
        """Smallest gap consistent with the data: the interval end nearest 0, as a magnitude (points).

        |diff| − z_crit · se, floored at 0 (0 when the interval contains 0; NaN when not testable).
        """
        if not self.testable:
            return math.nan
        return max(0.0, abs(self.diff) - z_critical(self.confidence) * self.se)


def _make_difference(p1: float, p2: float, se: float, confidence: float, kind: str) -> Difference:
    diff = p1 - p2
    if se == 0.0:
        return _not_testable(
            p1,
            p2,
            confidence,
            "the standard error is 0 (shares of 0% or 100%), so the normal approximation does not apply",
        )
    z = diff / se
    half = z_critical(confidence) * se
    return Difference(
        p1=p1,
        p2=p2,
        diff=diff,
        se=se,
        z=z,
        p_value=math.erfc(abs(z) / math.sqrt(2.0)),
        ci_low=diff - half,
        ci_high=diff + half,
        confidence=confidence,
        kind=kind,
        testable=True,
    )


def _not_testable(p1: float, p2: float, confidence: float, reason: str) -> Difference:
    nan = math.nan
    return Difference(
        p1=p1,
        p2=p2,
        diff=p1 - p2,
        se=nan,
        z=nan,
        p_value=nan,
        ci_low=nan,
        ci_high=nan,
        confidence=confidence,
        kind=KIND_NOT_TESTABLE,
        testable=False,
        reason=reason,
    )


def compare_within_question(p1: float, p2: float, n: float, confidence: float = 0.95, deff: float = 1.0) -> Difference:
    """Test the gap between two options of the **same single-choice question** (one sample).

    Formula (multinomial, the two shares are negatively correlated), in proportions:
    Var(p̂1 − p̂2) = [p1 + p2 − (p1 − p2)²] / n_eff, n_eff = n / deff; z = (p1 − p2) / SE, two-sided normal
    p-value. Example: 40.5% vs 34.5% of 1,037 → SE = √((0.75 − 0.0036)/1037) = 2.68 points, z = 2.24.

    Parameters
    ----------
    p1, p2 : float
        Shares of two options of one question, in percent; p1 + p2 ≤ 100 (a rounding excess of up to
        ``SUM_ROUNDING_TOLERANCE`` points is accepted).
    n : float
        Base of the question.
    confidence : float, default 0.95
        Confidence level of the interval and of ``significant``.
    deff : float, default 1.0
        Design effect.

    Returns
    -------
    Difference
        kind ``"within question"``; not testable if the SE is 0 (both shares at 0%, or 100% vs 0%).

    Pitfalls
    --------
    Only for options a respondent could not both choose. For select-all-that-apply questions use
    :func:`compare_select_all`; for the same question in two countries :func:`compare_between_countries`.
    Do not compare a net ("in favor") with one of its own parts.

    Examples
    --------
    >>> d = compare_within_question(40.5, 34.5, 1037)
    >>> round(d.se, 2), round(d.z, 2), d.significant
    (2.68, 2.24, True)
    >>> compare_within_question(40.5, 34.5, 1037, deff=1.5).significant
    False
    """
    p1 = _check_percent(p1, "p1")
    p2 = _check_percent(p2, "p2")
    if p1 + p2 > 100.0 + SUM_ROUNDING_TOLERANCE:
        raise ValueError(
            f"p1 + p2 = {p1 + p2:g} exceeds 100: two options of one single-choice question cannot both be"
            " chosen by the same respondent (select-all question? use compare_select_all)"
        )
    return _one_sample(p1, p2, n, confidence, deff, KIND_WITHIN)


def _one_sample(
    p1: float, p2: float, n: float, confidence: float, deff: float, kind: str, both: float = 0.0
) -> Difference:
    """Two shares of one sample, at the variance [p1 + p2 − (p1 − p2)² − 2·both] / n_eff, ``both`` the share
    (a proportion) giving both answers: 0 for one answer each."""
    confidence = _check_confidence(confidence)
    n_eff = effective_n(n, deff)
    a, b = p1 / 100.0, p2 / 100.0
    variance = max(0.0, a + b - (a - b) ** 2 - 2.0 * both) / n_eff
    return _make_difference(p1, p2, math.sqrt(variance) * 100.0, confidence, kind)


def compare_answers(
    p1: float, p2: float, n: float, one_answer: bool, confidence: float = 0.95, deff: float = 1.0
) -> Difference:
    """The gap between two answers of one question: exact where each respondent gave one answer
    (:func:`compare_within_question`), cautious where several may have been given (:func:`compare_select_all`)."""
    compare = compare_within_question if one_answer else compare_select_all
    return compare(p1, p2, n, confidence=confidence, deff=deff)


def compare_between_countries(
    p1: float,
    n1: float,
    p2: float,
    n2: float,
    confidence: float = 0.95,
    deff1: float = 1.0,
    deff2: float = 1.0,
) -> Difference:
    """Test the gap between the same share in two independent samples (e.g. Japan vs Korea).

    Formula, in proportions: SE = √(deff1 · p1(1−p1)/n1 + deff2 · p2(1−p2)/n2); z = (p1 − p2) / SE,
    two-sided normal p-value.

    Parameters
    ----------
    p1, p2 : float
        The two shares in percent.
    n1, n2 : float
        Their bases.
    confidence : float, default 0.95
        Confidence level of the interval and of ``significant``.
    deff1, deff2 : float, default 1.0
        Design effect of each sample.

    Returns
    -------
    Difference
        kind ``"between countries"``; not testable if both shares are 0% or 100% (SE = 0).

    Pitfalls
    --------
    Assumes the question was asked with the same wording and options in both countries; mirrored items
    (Japanese views of Korea vs Korean views of Japan) are different questions, and comparing them is a
    comparison of attitudes, not of one measurement.

    Examples
    --------
    >>> d = compare_between_countries(73.1, 1585, 70.1, 1037)
    >>> round(d.diff, 1), d.significant
    (3.0, False)
    """
    p1 = _check_percent(p1, "p1")
    p2 = _check_percent(p2, "p2")
    n1 = _check_positive(n1, "n1")
    n2 = _check_positive(n2, "n2")
    deff1 = _check_positive(deff1, "deff1")
    deff2 = _check_positive(deff2, "deff2")
    confidence = _check_confidence(confidence)
    a, b = p1 / 100.0, p2 / 100.0
    variance = deff1 * a * (1.0 - a) / n1 + deff2 * b * (1.0 - b) / n2
    return _make_difference(p1, p2, math.sqrt(variance) * 100.0, confidence, KIND_BETWEEN)


def compare_select_all(p1: float, p2: float, n: float, confidence: float = 0.95, deff: float = 1.0) -> Difference:
    """Test the gap between two options of a question **allowing several answers** (or one whose answer format
    is not given), cautiously: at the largest variance any overlap of the two answers allows.

    Formula, in proportions: Var(p̂1 − p̂2) = [p1(1−p1) + p2(1−p2) − 2·(p12 − p1·p2)] / n_eff, where p12, the
    share choosing both, is not published. It is at least max(0, p1 + p2 − 1), so the variance is at most
    [p1 + p2 − (p1 − p2)² − 2·max(0, p1 + p2 − 1)] / n_eff (the one-answer formula of
    :func:`compare_within_question` when p1 + p2 ≤ 1); the test uses that bound. Its interval is never
    narrower than the true one (the two are equal at the least overlap the shares allow), so, given n and the
    design effect, a gap it calls significant is significant; one it calls a tie may not be. Both shares must
    be of the same respondents.

    Parameters
    ----------
    p1, p2 : float
        The two shares in percent (they may add up to more than 100).
    n : float
        Base of the question.
    confidence : float, default 0.95
        Confidence level of the interval and of ``significant``.
    deff : float, default 1.0
        Design effect.

    Returns
    -------
    Difference
        kind ``"several answers (cautious)"``; not testable if the SE is 0.

    Examples
    --------
    >>> d = compare_select_all(66.4, 37.3, 1037)
    >>> round(d.ci_low, 1), round(d.ci_high, 1), d.significant
    (23.4, 34.8, True)
    """
    p1, p2 = _check_percent(p1, "p1"), _check_percent(p2, "p2")
    least = max(0.0, (p1 + p2) / 100.0 - 1.0)  # the share who must have given both answers
    return _one_sample(p1, p2, n, confidence, deff, KIND_SEVERAL, both=least)
