"""Words for shares and differences, each tied to a rule on its confidence interval.

The narrative never calls a share "a majority" or a gap "a lead" by eye: it asks this module, which applies
the rule below to the Wilson interval of the share (:func:`helpers.stats.wilson_interval`) or to the interval
of the difference (:mod:`helpers.stats` ``compare_*``). All percentages are in percent (0–100), all gaps in
percentage points. The thresholds are named constants; the table is built from them and also exposed as
data, :data:`VOCABULARY_RULES`, for the report's methodology section.

Vocabulary (word → rule), 95% intervals unless stated:
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping

from helpers.stats import (
    Difference,
    compare_select_all,
    compare_within_question,
    wilson_interval,
)

__all__ = [
    "CLEAR_LEAD_MIN",
    "LARGE_MAJORITY",
    "MAJORITY",
    "OVERWHELMING_LEAD_MIN",
    "VOCABULARY_RULES",
    "describe_difference",
    "describe_largest",
    "describe_share",
    "format_percent",
    "round_for_headline",
]

# ------------------------------------------------------------------------------------------------ thresholds
MAJORITY = 50.0
"""Percent. A majority is more than half; the word needs the whole interval above it (METHODS.md)."""

LARGE_MAJORITY = 200.0 / 3.0
"""Percent (66.7%): "two in three", the usual supermajority (e.g. constitutional amendments), and the
point from which at least twice as many hold the view as do not. Exact two-thirds, not a rounded 67."""

CLEAR_LEAD_MIN = 5.0
"""Points. A lead is "clear" when even the cautious end of its interval is 5 points or more: a gap that
large is beyond the ±3-point margins of national samples of about 1,000 and is read as real by a lay
reader; below it the lead exists but is "narrow"."""

OVERWHELMING_LEAD_MIN = 30.0
"""Points. A lead is "overwhelming" when its interval's cautious end is 30 points or more (e.g. 65 vs 35):
the leading answer is chosen by roughly twice as many or more, the sense a reader gives the word."""

DEFAULT_CONFIDENCE = 0.95  # the level of the published margins; the rules table is stated at this level

# ------------------------------------------------------------------------------------------------ words
A_LARGE_MAJORITY = "a large majority"
A_MAJORITY = "a majority"
ABOUT_HALF = "about half"
A_MINORITY = "a minority"

STATISTICAL_TIE = "statistical tie"
NO_SIGNIFICANT_DIFFERENCE = "no significant difference"  # prose for a tie between countries
NARROW_LEAD = "narrow lead"
CLEAR_LEAD = "clear lead"
OVERWHELMING_LEAD = "overwhelming lead"
NOT_TESTABLE = "not testable"

A_PLURALITY = "a plurality"
TIED_WITH = "tied with"
MOST_OFTEN_NAMED = "the most often named (differences between answers not testable without microdata)"

QUESTION_TYPES_ONE_ANSWER = ("single_choice", "scale")
QUESTION_TYPES_MULTIPLE = ("select_all", "top_reasons")


def _pct(value: float) -> str:
    return f"{value:.1f}%" if value != int(value) else f"{value:.0f}%"


def _pts(value: float) -> str:
    return f"{value:g} points"


_LEVEL = f"{DEFAULT_CONFIDENCE:.0%}"
VOCABULARY_RULES: list[tuple[str, str]] = [
    (A_LARGE_MAJORITY, f"the lower end of the share's {_LEVEL} Wilson interval is above {_pct(LARGE_MAJORITY)}"
                       " (two in three)"),
    (A_MAJORITY, f"the lower end of the share's {_LEVEL} Wilson interval is above {_pct(MAJORITY)}"),
    (ABOUT_HALF, f"the share's {_LEVEL} Wilson interval contains {_pct(MAJORITY)}"),
    (A_MINORITY, f"the upper end of the share's {_LEVEL} Wilson interval is below {_pct(MAJORITY)}"),
    (STATISTICAL_TIE, f"the {_LEVEL} interval of the difference contains 0 (between countries, written"
                      f" \"{NO_SIGNIFICANT_DIFFERENCE}\")"),
    (NARROW_LEAD, f"the {_LEVEL} interval of the difference excludes 0, but its end nearest 0 is less than"
                  f" {_pts(CLEAR_LEAD_MIN)}"),
    (CLEAR_LEAD, f"the end of the difference's {_LEVEL} interval nearest 0 is at least {_pts(CLEAR_LEAD_MIN)}"
                 f" (and less than {_pts(OVERWHELMING_LEAD_MIN)})"),
    (OVERWHELMING_LEAD, f"the end of the difference's {_LEVEL} interval nearest 0 is at least"
                        f" {_pts(OVERWHELMING_LEAD_MIN)}"),
    (NOT_TESTABLE, "no valid test exists, e.g. two answers of a select-all question without microdata"),
    (A_PLURALITY, "the largest answer of a single-answer question, not a majority, significantly ahead of the"
                  " runner-up"),
    (f"{TIED_WITH} <runner-up>", "the largest answer of a single-answer question whose lead over the"
                                 " runner-up is a statistical tie"),
    (MOST_OFTEN_NAMED, "the largest answer of a question allowing several answers, not a majority"),
]
"""(word, rule) pairs in plain English, the numbers taken from the constants above."""

__doc__ += "".join(f"\n- {word}: {rule}." for word, rule in VOCABULARY_RULES) + "\n"


# ------------------------------------------------------------------------------------------------ shares
def describe_share(
    percent: float, n: float, confidence: float = 0.95, deff: float = 1.0
) -> str:
    """Word for how large a share is, judged on its Wilson interval rather than its point estimate.

    Rule, with (low, high) = :func:`helpers.stats.wilson_interval` (p, n, confidence, deff):
    low > ``LARGE_MAJORITY`` (66.7%) → "a large majority"; low > ``MAJORITY`` (50%) → "a majority";
    high < 50% → "a minority"; otherwise (the interval contains 50%) → "about half".

    Parameters
    ----------
    percent : float
        Share in percent.
    n : float
        Its base.
    confidence : float, default 0.95
        Level of the interval.
    deff : float, default 1.0
        Design effect.

    Returns
    -------
    str
        One of "a large majority", "a majority", "about half", "a minority".

    Pitfalls
    --------
    "about half" means "cannot be told apart from half": with a small base (a subgroup) the interval is
    wide, and a share of 42% can be "about half". 50.7% of 1,037 is "about half", not "a majority".

    Examples
    --------
    >>> describe_share(50.7, 1037), describe_share(54.1, 1037), describe_share(85.9, 1037)
    ('about half', 'a majority', 'a large majority')
    """
    low, high = wilson_interval(percent, n, confidence=confidence, deff=deff)
    if low > LARGE_MAJORITY:
        return A_LARGE_MAJORITY
    if low > MAJORITY:
        return A_MAJORITY
    if high < MAJORITY:
        return A_MINORITY
    return ABOUT_HALF


# ------------------------------------------------------------------------------------------------ differences
def describe_difference(d: Difference) -> str:
    """Word for a gap between two shares, judged on the interval of the difference.

    Rule, with g = ``d.gap_low`` = |diff| − z_crit·se (the end of the interval nearest 0):
    not ``d.testable`` → "not testable"; not ``d.significant`` (the interval contains 0) → "statistical tie";
    g ≥ ``OVERWHELMING_LEAD_MIN`` (30 points) → "overwhelming lead"; g ≥ ``CLEAR_LEAD_MIN`` (5 points) →
    "clear lead"; otherwise → "narrow lead".

    Parameters
    ----------
    d : helpers.stats.Difference
        From ``compare_within_question``, ``compare_between_countries`` or ``compare_select_all``.

    Returns
    -------
    str
        One of "not testable", "statistical tie", "narrow lead", "clear lead", "overwhelming lead".

    Pitfalls
    --------
    The same words serve a gap between countries; in prose a tie between countries reads better as
    ``NO_SIGNIFICANT_DIFFERENCE`` ("no significant difference") and a lead as "higher in …".

    Examples
    --------
    >>> from helpers.stats import compare_within_question
    >>> describe_difference(compare_within_question(40.5, 34.5, 1037))
    'narrow lead'
    >>> describe_difference(compare_within_question(40.5, 34.5, 1037, deff=1.5))
    'statistical tie'
    """
    if not d.testable:
        return NOT_TESTABLE
    if not d.significant:
        return STATISTICAL_TIE
    if d.gap_low >= OVERWHELMING_LEAD_MIN:
        return OVERWHELMING_LEAD
    if d.gap_low >= CLEAR_LEAD_MIN:
        return CLEAR_LEAD
    return NARROW_LEAD


def describe_largest(
    percents: Mapping[str, float],
    n: float,
    question_type: str,
    confidence: float = 0.95,
    deff: float = 1.0,
    answers: str | None = None,
) -> dict:
    """Describe the largest option of a question: its share word and how it ranks.

    Rule: the largest option (the first one in ``percents`` on an exact tie) gets ``share_word`` =
    :func:`describe_share`. ``rank_word`` is that word when it is "a majority" or "a large majority";
    otherwise, when each respondent gave one answer (``question_type`` "single_choice" or "scale", or
    ``answers == "one"``), it is "a plurality" if :func:`helpers.stats.compare_within_question` against the
    runner-up is significant and "tied with <runner-up>" if not; when several answers were allowed
    ("select_all" / "top_reasons" with ``answers`` not "one"), it is "the most often named (differences
    between answers not testable without microdata)".

    Parameters
    ----------
    percents : Mapping[str, float]
        Option → percent for one question in one country, in questionnaire order; at least two options.
    n : float
        Base of the question.
    question_type : str
        "single_choice", "scale", "select_all" or "top_reasons" (as in ``questions.csv``).
    confidence : float, default 0.95
        Level of the intervals.
    deff : float, default 1.0
        Design effect.
    answers : str or None, default None
        ``answers`` from ``questions.csv`` ("one", "up to 2", "multiple", "not disclosed"); only read for
        select_all / top_reasons, where None is treated like "not disclosed" (several answers possible).

    Returns
    -------
    dict
        ``option``, ``percent``, ``share_word``, ``rank_word``, plus ``runner_up`` (its option name) and
        ``difference`` (the :class:`helpers.stats.Difference` to the runner-up).

    Pitfalls
    --------
    Pass options only, no nets ("in favor" overlaps its parts). When the source published only some options,
    an unpublished one could be larger than the largest published: say so in the text. "tied with" names the
    runner-up only, though a third option may be tied as well.

    Examples
    --------
    >>> r = describe_largest({"favorable": 40.5, "unfavorable": 34.5, "neither": 25.0}, 1037, "single_choice")
    >>> r["option"], r["share_word"], r["rank_word"]
    ('favorable', 'a minority', 'a plurality')
    """
    if question_type not in QUESTION_TYPES_ONE_ANSWER + QUESTION_TYPES_MULTIPLE:
        raise ValueError(
            f"question_type must be one of {QUESTION_TYPES_ONE_ANSWER + QUESTION_TYPES_MULTIPLE},"
            f" got {question_type!r}"
        )
    if len(percents) < 2:
        raise ValueError("percents must hold at least two options to rank the largest")
    ranked = sorted(percents.items(), key=lambda item: -float(item[1]))  # stable: questionnaire order on ties
    (option, percent), (runner_up, runner_percent) = ranked[0], ranked[1]

    one_answer = question_type in QUESTION_TYPES_ONE_ANSWER or answers == "one"
    if one_answer:
        difference = compare_within_question(percent, runner_percent, n, confidence=confidence, deff=deff)
    else:
        difference = compare_select_all(percent, runner_percent, n, confidence=confidence, deff=deff)

    share_word = describe_share(percent, n, confidence=confidence, deff=deff)
    if share_word in (A_MAJORITY, A_LARGE_MAJORITY):
        rank_word = share_word
    elif not one_answer:
        rank_word = MOST_OFTEN_NAMED
    elif difference.significant:
        rank_word = A_PLURALITY
    else:
        rank_word = f"{TIED_WITH} {runner_up}"
    return {
        "option": option,
        "percent": percent,
        "share_word": share_word,
        "rank_word": rank_word,
        "runner_up": runner_up,
        "difference": difference,
    }


# ------------------------------------------------------------------------------------------------ numbers
def _to_decimal(percent) -> Decimal:
    if isinstance(percent, bool):
        raise ValueError(f"percent must be a number or numeric string, got {percent!r}")
    try:
        # str() of a float is its shortest repr, so 44.5 becomes exactly Decimal("44.5")
        value = percent if isinstance(percent, Decimal) else Decimal(str(percent).strip())
    except InvalidOperation:
        raise ValueError(f"percent must be a number or numeric string, got {percent!r}") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"percent must be in percent, 0 ≤ percent ≤ 100, got {percent!r}")
    return value


def round_for_headline(percent) -> str:
    """Round a share for a headline or press summary.

    Rule: round to the nearest whole percent, halves up (done in decimal, so 44.5 → 45, never a binary
    floating-point surprise); prefix "about" when rounding changed the value. Shares that would round to 0%
    or 100% without being exactly that read "less than 1%" / "more than 99%".

    Parameters
    ----------
    percent : float, int, str or Decimal
        Share in percent, as published (``"26.0"`` and ``26.0`` are both exact 26).

    Returns
    -------
    str
        e.g. "about 45%", "63%".

    Examples
    --------
    >>> round_for_headline(44.7), round_for_headline(63.0), round_for_headline("33")
    ('about 45%', '63%', '33%')
    """
    value = _to_decimal(percent)
    rounded = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if rounded == value:
        return f"{int(rounded)}%"
    if rounded == 0:
        return "less than 1%"
    if rounded == 100:
        return "more than 99%"
    return f"about {int(rounded)}%"


def format_percent(percent, decimals: int | None = None) -> str:
    """Format a share with a percent sign, keeping the published precision.

    Rule: with ``decimals``, round to that many decimals, halves up (in decimal); without, a string is kept
    digit for digit (``"26.0"`` → "26.0%", ``"33"`` → "33%"), an int is shown whole and a float by its
    shortest representation (40.5 → "40.5%", 26.0 → "26.0%").

    Parameters
    ----------
    percent : float, int, str or Decimal
        Share in percent, 0–100.
    decimals : int or None, default None
        Number of decimals to show; None keeps the input's precision.

    Returns
    -------
    str

    Pitfalls
    --------
    A float cannot remember published precision: ``pandas.read_csv`` turns "33" into 33.0 when the column
    also holds "40.5". Read the ``percent`` column with ``dtype=str``, or pass ``decimals``.

    Examples
    --------
    >>> format_percent(40.5), format_percent("26.0"), format_percent(33), format_percent(2 / 3 * 100, 1)
    ('40.5%', '26.0%', '33%', '66.7%')
    """
    value = _to_decimal(percent)
    if decimals is not None:
        if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
            raise ValueError(f"decimals must be an integer ≥ 0 or None, got {decimals!r}")
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return f"{value}%"
    if isinstance(percent, str):
        return f"{percent.strip()}%"
    if isinstance(percent, int):
        return f"{percent}%"
    return f"{value}%"
