"""The words around a chart: subtitle, and a footer of one "Note:" line and one "Source:" line.

The footer carries what a reader needs to place the figures (Pew's practice): what the whiskers are and
under which assumption, what is not shown; and the survey's name, the institute, the country, the mode, the
exact fieldwork dates where the sources agree on them, n, and any press report the figures come from.
Method detail (formulas, how a derived figure follows, the codebook's caveats) goes to
``SurveyFigure.chart_notes`` for the notebook text and to the methodology section.

Each line is kept to one line of the chart's width: a line is built from its most complete wording down to
its shortest (:func:`helpers.charts.text.first_that_fits`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd

from .. import formatting as fmt
from ..data import SurveyData
from .text import NBSP, first_that_fits


# ------------------------------------------------------------------------------------------------ formats
def base_text(n: float, is_estimate: bool) -> str:
    """The base, with no-break spaces so that it is never split across lines."""
    return fmt.base(float(n), bool(is_estimate)).replace(" ", NBSP)


# ------------------------------------------------------------------------------------------------ names


def press_sources(data: SurveyData, source_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(data.source_label(s) for s in source_ids if not pd.isna(s) and data.is_press(s)))


def press_notes(data: SurveyData, source_ids: Iterable[str]) -> list[str]:
    """The press reports behind a chart's figures, named in full for the notebook text (the Source line
    may only flag them)."""
    press = press_sources(data, source_ids)
    return ["Figures from press reports: " + ", ".join(press) + "."] if press else []


def institute(data: SurveyData, country: str, short: bool = False) -> str:
    """The institute that ran the survey in ``country`` (its id when ``short``: API, EAI, KEI)."""
    conductor = data.country(country).conductor
    if short:
        return conductor
    entry = data.survey.institute(conductor)
    return entry.name.split(" (")[0] if entry else conductor


def fieldwork_text(data: SurveyData, country: str) -> str:
    """ "Aug. 19–21, 2025" when every source gives the same dates; otherwise only the month (the dates each
    source gives are in the methodology section)."""
    dates = {e.dates for e in data.country(country).fieldwork}
    if len(dates) == 1:
        start, _, end = next(iter(dates)).partition(" to ")
        try:
            a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end or start)
        except ValueError:
            return next(iter(dates))
        month = a.strftime("%b") + ("." if a.strftime("%B") != a.strftime("%b") else "")
        if (a.year, a.month) == (b.year, b.month):
            return f"{month} {a.day}–{b.day}, {a.year}" if a != b else f"{month} {a.day}, {a.year}"
        return f"{a.isoformat()} to {b.isoformat()}"
    return data.survey.fieldwork_month


# ------------------------------------------------------------------------------------------------ lines
def source_line(data: SurveyData, countries: Sequence[str], source_ids: Iterable[str]) -> str:
    """The "Source:" line of a chart of one or several countries, on one line of the chart's width."""
    survey = data.survey.title
    press = press_sources(data, source_ids)
    press_long = f"; figures as reported by {', '.join(press)} (press)" if press else ""
    press_short = f"; press: {', '.join(press)}" if press else ""

    def per_country(short: bool, with_dates: bool) -> str:
        parts = []
        for c in countries:
            n = base_text(data.country_n(c), False)
            dates = f", {fieldwork_text(data, c)}" if with_dates else ""
            parts.append(f"{data.country_name(c)} ({institute(data, c, short)}){dates}, {n}")
        return "; ".join(parts)

    candidates = []
    for short in (False, True):
        for with_dates in (True, False) if len(countries) > 1 else (True,):
            body = per_country(short, with_dates)
            candidates.append(f"Source: {survey}, online; {body}{press_long}.")
            candidates.append(f"Source: {survey}, online; {body}{press_short}.")
    if len(countries) == 1:
        (c,) = countries
        candidates.append(
            f"Source: {survey} ({institute(data, c, True)}), online, {data.country_name(c)}, "
            f"{fieldwork_text(data, c)}, {base_text(data.country_n(c), False)}{press_short}."
        )
    ids = ", ".join(institute(data, c, True) for c in countries)
    sizes = ", ".join(f"{data.country_n(c):,} ({c if len(countries) > 1 else data.country_name(c)})" for c in countries)
    candidates.append(
        f"Source: {survey} ({ids}), online; n{NBSP}={NBSP}{sizes}{'; some press figures' if press else ''}."
    )
    if len(countries) > 1:
        counts = "/".join(f"{data.country_n(c):,}" for c in countries)
        institutes = "/".join(institute(data, c, True) for c in countries)
        candidates.append(
            f"Source: {survey} ({institutes}), online; n{NBSP}={NBSP}{counts} "
            f"({'/'.join(countries)}){'; incl. press reports' if press else ''}."
        )
    return first_that_fits(candidates)


def note_line(parts: Sequence[tuple[str, str]]) -> str:
    """The "Note:" line from (full, short) sentences, the fullest wording that fits on one line."""
    if not parts:
        return ""
    full = " ".join(p[0] for p in parts)
    mixed = [" ".join([*(p[0] for p in parts[:k]), *(p[1] for p in parts[k:])]) for k in range(len(parts) - 1, 0, -1)]
    short = " ".join(p[1] for p in parts)
    return first_that_fits([f"Note: {full}", *(f"Note: {m}" for m in mixed), f"Note: {short}"])


def interval_part(confidence: float, deff: float, what: str = "Whiskers") -> tuple[str, str]:
    level = fmt.level(confidence)
    return (
        f"{what}: {level} confidence intervals, {fmt.precision_assumption(deff)}.",
        f"Whiskers: {level} intervals ({fmt.precision_assumption(deff).replace('assuming ', '')}).",
    )


def footer(note_parts: Sequence[tuple[str, str]], source: str) -> list[str]:
    return [line for line in (note_line(note_parts), source) if line]


def codebook_notes(data: SurveyData, question_ids: Sequence[str]) -> list[str]:
    """The codebook's notes on the questions, for the notebook text."""
    q = data.questions.set_index("question_id")
    return [str(q.loc[qid, "note"]) for qid in dict.fromkeys(question_ids) if not pd.isna(q.loc[qid, "note"])]
