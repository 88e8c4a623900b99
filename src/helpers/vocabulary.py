"""Words for shares and differences, each tied to a rule on its confidence interval.

The narrative never calls a share "a majority" or a gap "a lead" by eye: it asks this module, which applies
the rule below to the Wilson interval of the share (:func:`helpers.stats.wilson_interval`) or to the interval
of the difference (:mod:`helpers.stats` ``compare_*``). All percentages are in percent (0–100), all gaps in
percentage points. The thresholds are named constants; the table is built from them and also exposed as
data, :data:`VOCABULARY_RULES`, for the report's methodology section.

Vocabulary (word → rule), 95% intervals unless stated:
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from .formatting import level, rounded
from .stats import (
    Difference,
    compare_answers,
    wilson_interval,
)

__all__ = [
    "CLEAR_LEAD_MIN",
    "LARGE_MAJORITY",
    "MAJORITY",
    "OVERWHELMING_LEAD_MIN",
    "Largest",
    "Word",
    "describe_difference",
    "describe_largest",
    "describe_share",
    "in_fractions",
    "in_tens",
    "percent_in_words",
    "round_for_headline",
    "threshold_points",
    "vocabulary_rules",
]

# ------------------------------------------------------------------------------------------------ thresholds
MAJORITY = 50.0
"""Percent. A majority is more than half; the word needs the whole interval above it (docs/methods.md)."""

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

DEFAULT_CONFIDENCE = 0.95  # the level of the published margins


# ------------------------------------------------------------------------------------------------ words
class Word(StrEnum):
    """The words the report uses for sizes and gaps; each carries its rule (:meth:`rule`)."""

    LARGE_MAJORITY = "a large majority"
    MAJORITY = "a majority"
    ABOUT_HALF = "about half"
    MINORITY = "a minority"
    TIE = "statistical tie"
    NARROW_LEAD = "narrow lead"
    CLEAR_LEAD = "clear lead"
    OVERWHELMING_LEAD = "overwhelming lead"
    NOT_TESTABLE = "not testable"
    PLURALITY = "a plurality"
    TIED_WITH = "tied with"
    MOST_OFTEN_NAMED = "the most often named"
    MOST_COMMON_PUBLISHED = "the most common published answer"

    @property
    def ahead(self) -> str:
        """How a sentence says an answer stands against the next with this gap: "clearly ahead of" ("" for a
        word that is not a gap)."""
        return _AHEAD.get(self, "")

    def rule(self, confidence: float = DEFAULT_CONFIDENCE) -> str:
        """The rule of this word, stated at ``confidence`` (with how a sentence puts it, for a gap)."""
        in_sentences = f"; of two answers of one question, a sentence says “{self.ahead}”" if self.ahead else ""
        return (
            _RULES[self].format(
                level=level(confidence),
                majority=_pct(MAJORITY),
                large=_pct(LARGE_MAJORITY),
                clear=threshold_points(CLEAR_LEAD_MIN),
                overwhelming=threshold_points(OVERWHELMING_LEAD_MIN),
            )
            + in_sentences
        )

    @property
    def is_majority(self) -> bool:
        return self in (Word.MAJORITY, Word.LARGE_MAJORITY)


NO_SIGNIFICANT_DIFFERENCE = "no significant difference"
"""How a statistical tie between two publics is put in prose."""

_AHEAD = {
    Word.TIE: "statistically tied with",
    Word.NARROW_LEAD: "narrowly ahead of",
    Word.CLEAR_LEAD: "clearly ahead of",
    Word.OVERWHELMING_LEAD: "far ahead of",
}

_RULES = {
    Word.LARGE_MAJORITY: "the lower end of the share's {level} Wilson interval is above {large} (two in three)",
    Word.MAJORITY: "the lower end of the share's {level} Wilson interval is above {majority}",
    Word.ABOUT_HALF: "the share's {level} Wilson interval contains {majority}",
    Word.MINORITY: "the upper end of the share's {level} Wilson interval is below {majority}",
    Word.TIE: "the {level} interval of the difference contains 0 (between publics, written"
    ' "' + NO_SIGNIFICANT_DIFFERENCE + '")',
    Word.NARROW_LEAD: "the {level} interval of the difference excludes 0, but its end nearest 0 is less than {clear}",
    Word.CLEAR_LEAD: "the end of the difference's {level} interval nearest 0 is at least {clear}"
    " (and less than {overwhelming})",
    Word.OVERWHELMING_LEAD: "the end of the difference's {level} interval nearest 0 is at least {overwhelming}",
    Word.NOT_TESTABLE: "no valid test exists: figures of two publics that measure different things",
    Word.PLURALITY: "the largest answer of a one-answer question, not a majority, significantly ahead of the"
    " runner-up at {level}, and known to be the largest: every answer was published, or it is"
    " significantly ahead of all unpublished answers together",
    Word.TIED_WITH: "the largest answer of a one-answer question whose lead over the runner-up is a statistical tie",
    Word.MOST_OFTEN_NAMED: "the largest answer of a question allowing several answers, not a majority",
    Word.MOST_COMMON_PUBLISHED: "the largest published answer of a one-answer question whose other answers"
    " were not published, not a majority, and not significantly ahead of all"
    " unpublished answers together at {level} (one of them could be larger)",
}


def _pct(value: float) -> str:
    return f"{value:.1f}%" if value != int(value) else f"{value:.0f}%"


def threshold_points(value: float) -> str:
    """A threshold of the rules in points, as the rules state it: "5 points"."""
    return f"{value:g} points"


def vocabulary_rules(confidence: float = DEFAULT_CONFIDENCE) -> list[tuple[Word, str]]:
    """(word, rule) pairs in plain English, stated at ``confidence`` (the level the words were computed at)."""
    return [(word, word.rule(confidence)) for word in Word]


VOCABULARY_RULES = vocabulary_rules()
"""The rules at the default 95% level."""

__doc__ += "".join(f"\n- {word}: {rule}." for word, rule in VOCABULARY_RULES) + "\n"


# ------------------------------------------------------------------------------------------------ shares
def describe_share(percent: float, n: float, confidence: float = 0.95, deff: float = 1.0) -> Word:
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
    >>> [str(describe_share(p, 1037)) for p in (50.7, 54.1, 85.9)]
    ['about half', 'a majority', 'a large majority']
    """
    low, high = wilson_interval(percent, n, confidence=confidence, deff=deff)
    if low > LARGE_MAJORITY:
        return Word.LARGE_MAJORITY
    if low > MAJORITY:
        return Word.MAJORITY
    if high < MAJORITY:
        return Word.MINORITY
    return Word.ABOUT_HALF


# ------------------------------------------------------------------------------------------------ differences
def describe_difference(d: Difference) -> Word:
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
    ``NO_SIGNIFICANT_DIFFERENCE`` ("no significant difference") and a lead as "the X figure is … higher".

    Examples
    --------
    >>> from helpers.stats import compare_within_question
    >>> str(describe_difference(compare_within_question(40.5, 34.5, 1037)))
    'narrow lead'
    >>> str(describe_difference(compare_within_question(40.5, 34.5, 1037, deff=1.5)))
    'statistical tie'
    """
    if not d.testable:
        return Word.NOT_TESTABLE
    if not d.significant:
        return Word.TIE
    if d.gap_low >= OVERWHELMING_LEAD_MIN:
        return Word.OVERWHELMING_LEAD
    if d.gap_low >= CLEAR_LEAD_MIN:
        return Word.CLEAR_LEAD
    return Word.NARROW_LEAD


@dataclass(frozen=True)
class Largest:
    """How the largest answer of a question stands (:func:`describe_largest`)."""

    option: str
    percent: float
    share_word: Word
    rank_word: Word
    runner_up: str
    difference: Difference


def describe_largest(
    percents: Mapping[str, float],
    n: float,
    one_answer: bool,
    confidence: float = 0.95,
    deff: float = 1.0,
    all_published: bool = True,
) -> Largest:
    """Describe the largest answer of a question: its share word and how it ranks.

    Rule: the largest answer (the first one in ``percents`` on an exact tie) gets ``share_word`` =
    :func:`describe_share`. ``rank_word`` is that word when it is a majority. Otherwise, with several answers
    allowed (``one_answer`` False) it is "the most often named" (its gap is tested cautiously); with
    one answer per respondent whose other answers were not published (``all_published`` False) it is "the
    most common published answer" (an unpublished answer could be larger) unless the runner-up's figure is
    the same; else "a plurality" when :func:`helpers.stats.compare_within_question` against the runner-up is
    significant, and "tied with" (the runner-up) when it is not.

    Parameters
    ----------
    percents : Mapping[str, float]
        Answer → percent for one question in one country; mutually exclusive answers only (no net beside
        its parts); at least two.
    n : float
        Base of the question.
    one_answer : bool
        Whether each respondent gave one answer (the data layer's rule, ``answers == "one"``).
    confidence, deff : float
        Level of the intervals and the design effect.
    all_published : bool, default True
        Whether the published answers cover every answer given.

    Examples
    --------
    >>> r = describe_largest({"favorable": 40.5, "unfavorable": 34.5, "neither": 25.0}, 1037, True)
    >>> r.option, str(r.share_word), str(r.rank_word)
    ('favorable', 'a minority', 'a plurality')
    """
    if len(percents) < 2:
        raise ValueError("percents must hold at least two answers to rank the largest")
    ranked = sorted(percents.items(), key=lambda item: -float(item[1]))  # stable: questionnaire order on ties
    (option, percent), (runner_up, runner_percent) = ranked[0], ranked[1]
    difference = compare_answers(percent, runner_percent, n, one_answer, confidence=confidence, deff=deff)
    share_word = describe_share(percent, n, confidence=confidence, deff=deff)
    if share_word.is_majority:
        rank_word = share_word
    elif not one_answer:
        rank_word = Word.MOST_OFTEN_NAMED
    elif not all_published and percent != runner_percent:  # an exact tie is not the most common of anything
        rank_word = Word.MOST_COMMON_PUBLISHED
    elif difference.significant:
        rank_word = Word.PLURALITY
    else:
        rank_word = Word.TIED_WITH
    return Largest(option, float(percent), share_word, rank_word, runner_up, difference)


TENS = {
    1: "one-in-ten",
    2: "two-in-ten",
    3: "three-in-ten",
    4: "four-in-ten",
    6: "six-in-ten",
    7: "seven-in-ten",
    8: "eight-in-ten",
    9: "nine-in-ten",
}
IN_TENS_TOLERANCE = 2.0
"""Points. A share within 2 points of a whole tenth is put as "about four-in-ten" (Pew's habit); half is left
to the interval rule ("about half", "a majority"), so 50 is never put in tenths."""


def in_tens(percent) -> str | None:
    """ "about four-in-ten" for 38–42%, "four-in-ten" for exactly 40%; None when no tenth is that close.

    Examples
    --------
    >>> in_tens(41.4), in_tens(40), in_tens(45.0), in_tens(50.3)
    ('about four-in-ten', 'four-in-ten', None, None)
    """
    value = float(_to_decimal(percent))
    tenth = int(rounded(value / 10))
    if tenth not in TENS or abs(value - tenth * 10) > IN_TENS_TOLERANCE:
        return None
    return TENS[tenth] if value == tenth * 10 else f"about {TENS[tenth]}"


FRACTIONS = {25.0: "a quarter", 100.0 / 3.0: "a third", 200.0 / 3.0: "two-thirds", 75.0: "three-quarters"}
"""Fractions a share near them is put as ("about three-quarters"), within :data:`IN_TENS_TOLERANCE`."""


def in_fractions(percent) -> str | None:
    """ "about three-quarters" for 73–77%, "a third" near 33.3% …; None when no fraction is that close.

    Examples
    --------
    >>> in_fractions(76.5), in_fractions(66.4), in_fractions(45.0)
    ('about three-quarters', 'about two-thirds', None)
    """
    value = float(_to_decimal(percent))
    for point, words in FRACTIONS.items():
        if abs(value - point) <= IN_TENS_TOLERANCE:
            return words if value == point else f"about {words}"
    return None


_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()  # noqa: E501
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def percent_in_words(percent) -> str:
    """A share rounded to a whole percent (:func:`helpers.formatting.rounded`), in words, for the start of a
    sentence: "forty-five percent"; "less than one percent" below 0.5.

    Examples
    --------
    >>> percent_in_words(44.9), percent_in_words("7.5"), percent_in_words(100)
    ('forty-five percent', 'eight percent', 'one hundred percent')
    """
    whole = int(rounded(_to_decimal(percent)))
    if whole == 0 and _to_decimal(percent) > 0:
        return "less than one percent"
    return f"{number_in_words(whole)} percent"


def article(word: str) -> str:
    """The indefinite article of ``word``.

    Examples
    --------
    >>> article("narrow lead"), article("overwhelming lead")
    ('a', 'an')
    """
    return "an" if word[:1].lower() in "aeiou" else "a"


def number_in_words(n: int) -> str:
    """A whole number from 0 to 100 in words; larger ones in digits.

    Examples
    --------
    >>> number_in_words(3), number_in_words(45), number_in_words(100), number_in_words(1037)
    ('three', 'forty-five', 'one hundred', '1,037')
    """
    if n == 100:
        return "one hundred"
    if not 0 <= n < 100:
        return f"{n:,}"
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return f"{_TENS_WORDS[tens - 2]}{'-' + _ONES[ones] if ones else ''}"


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

    Rule: round to the nearest whole percent by the report's one rounding rule
    (:func:`helpers.formatting.rounded`: halves up, in decimal, so 44.5 → 45); prefix "about" when rounding
    changed the value. Shares that would round to 0% or 100% without being exactly that read "less than 1%" /
    "more than 99%".

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
    whole = rounded(value)
    if whole == value:
        return f"{int(whole)}%"
    if whole == 0:
        return "less than 1%"
    if whole == 100:
        return "more than 99%"
    return f"about {int(whole)}%"
