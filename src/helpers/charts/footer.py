"""The words around a chart: subtitle, and a footer of one "Note:" line and one "Source:" line.

The footer carries what a reader needs to place the figures (Pew's practice): what the whiskers are and
under which assumption, what is not shown, and each figure's own note from the data (how its source words
it, how a summary rounds it: :func:`figure_note_parts`); and the survey's name, the institute, the country,
the mode, the exact fieldwork dates where the sources agree on this public's own, n, and any press report the
figures come from.
Method detail goes to the notebook text: the codebook's caveats to ``SurveyFigure.chart_notes``; how a
derived figure follows (:func:`helpers.narrative.derived_notes`) and the press reports a question's figures
come from are said with the question's finding.

One wording, whatever the chart: every chart of a public describes its survey in the same words
(:func:`public_source`: institute, fieldwork dates, n) and names the press reports its figures come from
(:func:`press_attribution`); the Note line says the same thing the same way on every chart. A line that
is longer than the chart is wide wraps; nothing is shortened to fit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pandas as pd

from .. import formatting as fmt
from ..data import SurveyData
from ..kinds import Kind
from .text import NBSP


# ------------------------------------------------------------------------------------------------ formats
def base_text(n: float, is_estimate: bool) -> str:
    """The base, with no-break spaces so that it is never split across lines."""
    return fmt.base(float(n), bool(is_estimate)).replace(" ", NBSP)


# ------------------------------------------------------------------------------------------------ names


def press_sources(data: SurveyData, source_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(data.source_label(s) for s in source_ids if not pd.isna(s) and data.is_press(s)))


def institute(data: SurveyData, country: str, short: bool = False) -> str:
    """The institute that ran the survey in ``country`` (its id when ``short``: API, EAI, KEI)."""
    conductor = data.country(country).conductor
    if short:
        return conductor
    entry = data.survey.institute(conductor)
    return entry.own_name if entry else conductor


def fieldwork_text(data: SurveyData, country: str) -> str:
    """ "Aug. 19–21, 2025" when every source gives the same dates and one gives them for this public's own
    sample (:attr:`~helpers.data.survey.Country.agreed_dates`); otherwise only the month (the dates each
    source gives are in the methodology section)."""
    agreed = data.country(country).agreed_dates
    if agreed is not None:
        start, _, end = agreed.partition(" to ")
        try:
            a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end or start)
        except ValueError:
            return agreed
        month = a.strftime("%b") + ("." if a.strftime("%B") != a.strftime("%b") else "")
        if (a.year, a.month) == (b.year, b.month):
            return f"{month} {a.day}–{b.day}, {a.year}" if a != b else f"{month} {a.day}, {a.year}"
        return f"{a.isoformat()} to {b.isoformat()}"
    return data.survey.fieldwork_month  # the dates each source gives: the methodology


# ------------------------------------------------------------------------------------------------ lines
def press_attribution(data: SurveyData, source_ids: Iterable[str], figures: Sequence[str] | None = None) -> str:
    """Which figures come from press reports, e.g. "all figures as reported by Kyodo News (press report)"
    or "“favorable” as reported by Kyodo News; “unfavorable” by Dong-A Ilbo (press reports)"; "" when none.

    ``figures`` are the labels of the chart's figures, aligned with ``source_ids``; without them the press
    reports are named and the numbers table says which figure each gave.
    """
    ids = [None if pd.isna(s) else str(s) for s in source_ids]
    press = press_sources(data, [s for s in ids if s])
    if not press:
        return ""
    names = [p.removesuffix(" (press report)") for p in press]
    kind = "press report" if len(press) == 1 else "press reports"
    if all(s and data.is_press(s) for s in ids) and len(press) == 1:
        return f"all figures as reported by {names[0]} ({kind})"
    if figures is None or len(figures) != len(ids):
        return "some figures as reported in the press (the table names the reports)"
    by_outlet: dict[str, list[str]] = {}
    for s, label in zip(ids, figures):
        if s and data.is_press(s):
            name = data.source_label(s).removesuffix(" (press report)")
            by_outlet.setdefault(name, [])
            if label not in by_outlet[name]:
                by_outlet[name].append(label)
    parts = [
        f"{fmt.and_list([f'“{x}”' for x in labels])} {'as reported ' if k == 0 else ''}by {name}"
        for k, (name, labels) in enumerate(by_outlet.items())
    ]
    return "; ".join(parts) + f" ({kind})"


def public_source(data: SurveyData, country: str) -> str:
    """The one description of a public's survey every chart of it carries: "Japan (API), Aug. 19–21, 2025,
    n = 1,037" (the institutes' full names are in the methodology)."""
    n = base_text(data.country_n(country), False)
    dates = fieldwork_text(data, country).replace(" ", NBSP)  # a date never splits across lines
    return f"{data.country_name(country)} ({institute(data, country, True)}), {dates}, {n}"


def source_line(
    data: SurveyData, countries: Sequence[str], source_ids: Iterable[str], figures: Sequence[str] | None = None
) -> str:
    """The "Source:" line: one template per public (survey, institute, dates, n), and which figures come from
    press reports (:func:`press_attribution`). It wraps rather than dropping words."""
    press = press_attribution(data, list(source_ids), figures)
    body = "; ".join(public_source(data, c) for c in countries)
    return f"Source: {data.survey.title}, online; {body}" + (f"; {press}" if press else "") + "."


def note_line(parts: Sequence[tuple[str, str]]) -> str:
    """The "Note:" line from (full, short) sentences: always the full wording (it wraps when long), so that
    every chart says the same thing the same way."""
    return f"Note: {' '.join(p[0] for p in parts)}" if parts else ""


def interval_part(
    confidence: float, deff: float | str, what: str = "Whiskers", used: float | None = None
) -> tuple[str, str]:
    """The Note's words on the intervals; ``used`` is the one public's design effect when ``deff`` is
    ``"published"`` (its value is then named)."""
    level = fmt.level(confidence)
    assumption = fmt.precision_assumption(deff, used=used)
    return (
        f"{what}: {level} confidence intervals, {assumption}.",
        f"Whiskers: {level} intervals ({assumption.replace('assuming ', '')}).",
    )


def figure_note_parts(rows: pd.DataFrame, row: str = "") -> list[tuple[str, str]]:
    """The Note's parts on single figures: each drawn figure's own note from the data (how the source words
    it, how a summary rounds it), named by its answer (and by its ``row`` on a chart of several questions),
    so that a chart seen alone keeps them. The note is data text: it keeps its own first letter."""
    drawn = rows[rows["kind"] != Kind.NOT_PUBLISHED]
    where = f"{row}, " if row else ""
    return [
        (f"{where}“{label}”: {note}", "") for label, note in zip(drawn["label"], drawn["note"]) if not pd.isna(note)
    ]


def coverage_note_parts(data: SurveyData, country: str, rows: pd.DataFrame) -> list[tuple[str, str]]:
    """The Note's parts from ``coverage.csv``: the notes on ``country``'s figures drawn in ``rows`` (of their
    questions and sources), so that a chart seen alone keeps what its sources leave unsaid."""
    drawn = rows[rows["kind"] != Kind.NOT_PUBLISHED]
    notes = [
        note
        for qid, sources in drawn.groupby("question_id", sort=False)["source"]
        for note in data.figure_notes(country, str(qid), sources.dropna().unique())
    ]
    return [(note, "") for note in dict.fromkeys(notes)]


def footer(note_parts: Sequence[tuple[str, str]], source: str) -> list[str]:
    return [line for line in (note_line(note_parts), source) if line]


def codebook_notes(data: SurveyData, question_ids: Sequence[str]) -> list[str]:
    """The codebook's notes on the questions, for the notebook text."""
    q = data.questions.set_index("question_id")
    return [str(q.loc[qid, "note"]) for qid in dict.fromkeys(question_ids) if not pd.isna(q.loc[qid, "note"])]
