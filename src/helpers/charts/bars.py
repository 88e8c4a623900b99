"""Horizontal bars of one country: a single-choice question (questionnaire order), a multiple-answer or
"top reasons" question (ranked), and a question of which a single figure was published (one bar and its
remainder, whatever the question's type).

Every bar chart draws 0–100 on an axes of the same width (:data:`~helpers.charts.style.BAR_AXES_IN`), so
a length means the same on every chart. Values are printed beyond the whisker; no axis or grid. The
unpublished remainder of a one-answer question is always drawn, at scale, as a light grey bar with its value
in grey: what was not published is seen for what it is, however large. Where two sources measured the same
reasons differently, the codebook's own measure is drawn and the other is a note (and a row of the table).
"""

from __future__ import annotations

import pandas as pd

from ..data import SurveyData, answer_format
from ..kinds import AnswerFormat, Kind, OptionsPublished, Status
from ..tables import measure_groups, single_figure
from . import draw, footer, style
from .style import BAR_LIMITS, LABEL_IN, LABEL_PAD_IN, PAD_IN
from .text import Block, SurveyFigure, rows_height, stack, wrap_text

AXES_LEFT_IN = PAD_IN + LABEL_IN + LABEL_PAD_IN
ANSWERS_TEXT = {
    "one": "one answer",
    "up to 2": "up to 2 answers",
    "multiple": "several answers allowed",
    "not disclosed": "answer format not disclosed",
}


def who(data: SurveyData, country: str, q: pd.Series, table: pd.DataFrame) -> str:
    """ "% of Japanese respondents" (and, for a follow-up question, who was asked), with the base."""
    text = f"% of {data.respondents(country)}"
    if isinstance(q["base_option"], str) and q["base_option"]:
        text += f" who answered “{q['base_option']}”"
    return f"{text} · {footer.base_text(table['base_n'].iloc[0], table['base_is_estimate'].iloc[0])}"


def _order(rows: pd.DataFrame, ranked: bool) -> pd.DataFrame:
    if ranked:
        return rows.sort_values(["percent", "order"], ascending=[False, True], kind="stable")
    return rows  # the table is in display (questionnaire) order, the remainder last


def _bar(ax, y, r, colour, whiskers, label, value):
    draw.bar(ax, y, r, colour, label)
    whiskers.add(ax, y, r["ci_low"], r["ci_high"], at=r["percent"])
    draw.value_label(ax, draw.bar_end(r), y, value, exact=str(r["percent_text"]))


def _draw_rows(ax, rows: pd.DataFrame, colour, whiskers: draw.Whiskers, drawn_as: dict, values: list[str]) -> list[str]:
    """Bars of ``rows``, one per row from the top, with ``values`` as their labels; returns the row labels.
    The unpublished remainder is a light grey bar at scale, its value in grey."""
    labels = []
    for y, ((i, r), value) in enumerate(zip(rows.iterrows(), values)):
        label = draw.row_label(str(r["label"]), r["kind"], r["status"])
        labels.append(label)
        if r["kind"] == Kind.NOT_PUBLISHED:
            draw.bar(ax, y, r, colour, label)
            draw.value_label(ax, r["percent"], y, value, muted=True, exact=str(r["percent_text"]))
            drawn_as[i] = "remainder"
            continue
        _bar(ax, y, r, colour, whiskers, label, value)
        drawn_as[i] = "bar"
    return labels


def _source(data: SurveyData, country: str, rows: pd.DataFrame) -> str:
    figures = rows[rows["kind"] != Kind.NOT_PUBLISHED]
    return footer.source_line(data, [country], list(figures["source"]), list(figures["label"]))


# Why a question whose figures leave answers unpublished has no drawn remainder (tables._remainder): the answer
# format, or, for a one-answer question, figures that are all unconfirmed or that already add up to 100.
_NO_REMAINDER = {
    AnswerFormat.NOT_DISCLOSED: "Answer format not disclosed, so no remainder is shown.",
    AnswerFormat.MULTIPLE: "Several answers were allowed, so no remainder is shown.",
    AnswerFormat.UP_TO_2: "Up to two answers were allowed, so no remainder is shown.",
}


def _no_remainder_reason(q: pd.Series, table: pd.DataFrame) -> str:
    if answer_format(q) in _NO_REMAINDER:
        return _NO_REMAINDER[answer_format(q)]
    figures = table[table["kind"] != Kind.NOT_PUBLISHED]
    if (figures["status"] == Status.UNCONFIRMED).all():
        return "No remainder is shown: an unconfirmed figure says nothing of the other answers."
    return "The published answers add up to 100%, so no remainder is shown."


def _note_parts(q: pd.Series, table: pd.DataFrame, confidence: float, deff: float, ranked: bool) -> list:
    whiskers = table["ci_low"].notna().any()  # none when every figure is unconfirmed
    parts = [footer.interval_part(confidence, deff, used=table.attrs.get("deff"))] if whiskers else []
    if table.attrs.get("options_published") == OptionsPublished.SOME:
        if ranked:
            parts.append(("Only the leading answers were published.", "Leading answers only."))
        elif not (table["kind"] == Kind.NOT_PUBLISHED).any():  # else the remainder is drawn and labelled
            parts.append((_no_remainder_reason(q, table), "No remainder shown."))
    if (table["kind"] == Kind.DERIVED).any():
        parts.append(("Hatched: derived from published figures.", "Hatched: derived."))
    if (table["status"] == Status.UNCONFIRMED).any():
        parts.append(
            (
                "Cross-hatched: the source does not identify the item for certain, so no interval is given.",
                "Cross-hatched: unconfirmed.",
            )
        )
    if bool(table["base_is_estimate"].any()):
        parts.append(("Base estimated from the question before.", "Base estimated."))
    return parts + footer.figure_note_parts(table[table["drawn"].astype(bool)])


def _name_measure(table: pd.DataFrame, rows: pd.DataFrame, labels: list[str]) -> list:
    """The lone figure's row labelled by what it measures; returns the Note's part on how it differs, if any."""
    what, _, aside = str(table.attrs["measure_note"]).partition(" (")
    first = next(k for k, (_, r) in enumerate(rows.iterrows()) if r["kind"] != Kind.NOT_PUBLISHED)
    labels[first] = what  # lower case, as every answer's label
    if aside:  # the label names the measure; the note says how it differs from the wording
        return [(f"The figure is {aside.rstrip(')')}.", "")]
    return []


def _other_measures(data: SurveyData, groups: list, drawn_as: dict) -> tuple[list[str], list]:
    """Notes and Note parts on each measure left to the table (its rows marked "note"), led by the one charted."""
    notes, parts = [], []
    for m, other in groups[1:]:
        drawn_as.update(dict.fromkeys(other.index, "note"))
        spec = data.measure(m)
        notes.append(  # its figures and sources are in the finding's sentences and the table: not repeated here
            f"Also reported, not charted: another measure of the same question, “{spec.label}”. "
            f"{spec.description.strip()}"
        )
        outlets = ", ".join(
            dict.fromkeys(data.source_label(s).removesuffix(" (press report)") for s in other["source"].dropna())
        )
        parts.append((f"{outlets} also reports figures of another measure ({spec.label}), not charted.", ""))
    if len(groups) > 1:
        first = groups[0][0]
        drawn = (
            f"the measure “{data.measure(first).label}”. {data.measure(first).description.strip()}"
            if first
            else "the codebook's measure."
        )
        notes.insert(0, f"The chart shows {drawn}")
    return notes, parts


def _finish(
    fig: SurveyFigure,
    ax,
    labels: list[str],
    bold: set[int],
    title: str,
    subtitle: str,
    note_parts,
    source: str,
    notes: list[str],
    whiskers: draw.Whiskers,
    table: pd.DataFrame,
    drawn_as: dict,
) -> None:
    wrapped = [wrap_text(label, LABEL_IN) for label in labels]
    draw.row_labels(ax, wrapped, bold)
    draw.quiet_value_axis(ax, BAR_LIMITS)
    whiskers.draw()
    stack(
        fig,
        Block(
            title=title,
            subtitle=subtitle,
            footer=footer.footer(note_parts, source),
            axes=[(ax, AXES_LEFT_IN, style.BAR_AXES_IN)],
            body_in=rows_height(wrapped),
            notes=notes,
        ),
    )
    recorded = table.copy()
    recorded["drawn_as"] = [drawn_as.get(i, "not drawn") for i in recorded.index]
    fig.survey_table = recorded


@style.styled
def plot_bars(
    data: SurveyData,
    country: str,
    q: pd.Series,
    table: pd.DataFrame,
    confidence: float,
    deff: float,
    ranked: bool = False,
) -> SurveyFigure:
    """Bars of one question (its first measure; any other measure is a note, see the module's docstring)."""
    colour = style.country_colour(data, country)
    fig = SurveyFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    whiskers, drawn_as = draw.Whiskers(), {}
    groups = measure_groups(table)
    shown = groups[0][1]
    rows = _order(shown[shown["drawn"].astype(bool)], ranked)
    values = draw.chart_values(rows["percent_text"])
    labels = _draw_rows(ax, rows, colour, whiskers, drawn_as, values)
    lone = single_figure(table)
    # the figure may measure something else than the wording says; other measures are notes
    measured = _name_measure(table, rows, labels) if lone and table.attrs.get("measure_note") else []
    notes, other_parts = _other_measures(data, groups, drawn_as)
    answers = ANSWERS_TEXT[answer_format(q)]
    subtitle = who(data, country, q, table) + (f" · {answers}" if ranked else "")
    notes += footer.codebook_notes(data, [str(q["question_id"])])
    _finish(
        fig,
        ax,
        labels,
        set(),
        data.wording(str(q["question_id"]), country),
        subtitle,
        _note_parts(q, shown, confidence, deff, ranked)
        + measured
        + footer.coverage_note_parts(data, country, rows)
        + other_parts,
        _source(data, country, rows),
        notes,
        whiskers,
        table,
        drawn_as,
    )
    fig.chart_kind = "single figure" if lone else "ranked" if ranked else "bars"
    return fig
