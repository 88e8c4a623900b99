"""Every number the report prints, formatted in one place.

Percentages keep the precision they were published with (``"33"`` stays ``33%``, ``"26.0"`` stays
``26.0%``); differences are in percentage points with a true minus sign; bases say whether they are
published or estimated; the precision assumption is worded for the design effect actually used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MINUS = "\u2212"
"""The minus sign (U+2212), not a hyphen."""
NBSP = "\u00a0"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def rounded(value: float | Decimal | str, decimals: int = 0) -> Decimal:
    """The report's one rounding rule: ``value`` to ``decimals`` places, halves up, in decimal.

    A float is taken at its shortest repr, so 44.5 is exactly 44.5 and rounds to 45, and 2.675 rounds to
    2.68 (never a binary floating-point surprise); a string is read as written ("26.0"). A value that
    rounds to zero has no sign. A ValueError names anything that is not a finite number.
    """
    try:
        exact = (
            value
            if isinstance(value, Decimal)
            else Decimal(value.strip() if isinstance(value, str) else repr(float(value)))
        )
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not a number: {value!r}") from None
    if not exact.is_finite():
        raise ValueError(f"cannot round {value!r}: not a finite number")
    result = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(result) if result == 0 else result  # −0.04 → 0.0, never "−0.0"


def number(value: float | Decimal | str, decimals: int = 1) -> str:
    """``value`` with ``decimals`` places (:func:`rounded`: 40.5 → 41 at none, 2.675 → 2.68 at two) and a
    true minus sign; text is kept as written."""
    if isinstance(value, str):
        return value.replace("-", MINUS)
    return f"{rounded(value, decimals):f}".replace("-", MINUS)


def percent(value: float | Decimal | str, decimals: int | None = None) -> str:
    """``40.5%``: text is printed as published; a number with ``decimals`` places (default 1)."""
    if isinstance(value, str) and decimals is None:
        return number(value) + "%"
    return number(float(value) if isinstance(value, str) else value, 1 if decimals is None else decimals) + "%"


def points(value: float | Decimal, decimals: int = 1) -> str:
    """A gap in percentage points: ``6.0 points`` (``1.0 point`` in the singular)."""
    text = number(abs(value) if not isinstance(value, str) else value, decimals)
    return f"{text} point" + ("" if text == f"{1:.{decimals}f}" else "s")


def signed_points(value: float | Decimal, decimals: int = 0) -> str:
    """A signed gap for tables and charts: ``+6``, ``−6``, ``0``."""
    rounded = round(float(value), decimals)
    if rounded == 0:
        return f"{0:.{decimals}f}"
    return ("+" if rounded > 0 else MINUS) + f"{abs(rounded):.{decimals}f}"


def interval(low: float, high: float, decimals: int = 1) -> str:
    """``37.5–43.5`` (empty when there is no interval)."""
    if _is_missing(low) or _is_missing(high):
        return ""
    joiner = " to " if low < 0 else "–"  # "−1.9 to 7.1" reads better than "−1.9–7.1"
    return f"{number(low, decimals)}{joiner}{number(high, decimals)}"


def level(confidence: float) -> str:
    """``95%`` for 0.95, ``99.5%`` for 0.995."""
    return f"{confidence * 100:g}%"


def count(n: float) -> str:
    """A number of respondents: ``1,037``."""
    return f"{round(n):,}"


def base(n: float, is_estimate: bool) -> str:
    """``n = 1,037`` for a published base, ``estimated n ≈ 420`` for an estimated one."""
    if _is_missing(n):
        return "base not published"
    return f"estimated n ≈ {count(n)}" if is_estimate else f"n = {count(n)}"


def effective_base(n_eff: float) -> str:
    """``effective n ≈ 691``."""
    return "" if _is_missing(n_eff) else f"effective n ≈ {count(n_eff)}"


def base_with_effective(n: float, is_estimate: bool, n_eff: float, deff: float | str = "published") -> str:
    """The base, with the effective n the intervals use when it differs from the base (a design effect other
    than 1). ``deff`` is accepted for callers that pass it; the effective n itself decides."""
    text = base(n, is_estimate)
    if not _is_missing(n) and not _is_missing(n_eff) and round(n_eff) != round(n):
        text += f" ({effective_base(n_eff)})"
    return text


def deff(value: float | str) -> str:
    """A design effect as the reader typed it: ``1``, ``1.5``, ``1.36``; ``published`` as a word."""
    return value if isinstance(value, str) else f"{value:g}"


NO_FIGURE = "—"
"""What a table shows where a wave or an answer has no figure."""

PUBLISHED_DEFF_PHRASE = "with each public's design effect implied by its published margin"
"""How intervals computed with ``deff="published"`` are described where no one public's value is named."""


def precision_assumption(design_effect: float | str, n_eff: float | None = None, used: float | None = None) -> str:
    """How the intervals were computed, worded for the design effect used.

    Simple random sampling has a design effect of 1, so that phrase is used only at 1; ``"published"`` says
    each public's own design effect was used (and, for one public, ``used``: the value its published margin
    implies); otherwise the assumed design effect (and, when given, the effective n it implies) is stated.
    """
    if design_effect == "published":
        if used is None:
            return PUBLISHED_DEFF_PHRASE
        if used == 1:
            return "assuming simple random sampling, as the published margin does"
        return f"with the design effect of {used:.2f} that the published margin implies"
    if design_effect == 1:
        return "assuming simple random sampling"
    text = f"assuming a design effect of {deff(design_effect)}"
    if n_eff is not None and not _is_missing(n_eff):
        text += f" ({effective_base(n_eff)})"
    return text


def count_of(n: int, noun: str) -> str:
    """ "1 row", "139 rows", "1,037 publics": a count with its noun, plural unless one."""
    return f"{count(n)} {noun}" + ("" if n == 1 else "s")


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """``text`` with a lower-case first letter, unless its second is a capital too (an acronym: "API's")."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
