"""Horizontal bars of one country: a single-choice question (questionnaire order), a multiple-answer or
"top reasons" question (ranked), and the questions of which a single figure was published, grouped.

Every bar chart draws 0–100 on an axes of the same width (:data:`~helpers.charts.style.BAR_AXES_IN`), so
a length means the same on every chart. Values are printed beyond the whisker; no axis or grid. The
unpublished remainder of a one-answer question is a thin light bar — or, when it would be longer than every
published bar, a line of text in its row, so that what was not published never dominates what was.
"""

from __future__ import annotations

import pandas as pd

from ..data import SurveyData
from ..kinds import Kind
from ..tables import question_table, single_figure_questions
from . import draw, footer, style
from .style import BAR_HEIGHT, BAR_LIMITS, LABEL_IN, LABEL_PAD_IN, PAD_IN, REMAINDER_HEIGHT
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


def _bar(ax, y, r, colour, whiskers, label):
    ax.barh(
        [y], [r["percent"]], height=BAR_HEIGHT, linewidth=0, label=label, **draw.look(colour, r["kind"], r["status"])
    )
    whiskers.add(ax, y, r["ci_low"], r["ci_high"], at=r["percent"])
    draw.value_label(ax, draw.bar_end(r), y, str(r["percent_text"]))


def _draw_rows(
    ax, rows: pd.DataFrame, start: int, colour, whiskers: draw.Whiskers, drawn_as: dict, section: str = ""
) -> list[str]:
    """Bars of ``rows`` from row ``start``; returns their labels. A bar's artist label is prefixed with its
    ``section`` (the measure) where a chart has several, so that every bar is found by one name."""
    labels = []
    published = rows.loc[rows["kind"] != Kind.NOT_PUBLISHED, "percent"]
    longest = float(published.max()) if not published.empty else 0.0
    for k, (i, r) in enumerate(rows.iterrows()):
        y = start + k
        label = draw.row_label(str(r["label"]), r["kind"], r["status"])
        labels.append(label)
        label = f"{section}: {label}" if section else label
        if r["kind"] == Kind.NOT_PUBLISHED:
            text = f"{r['percent_text']}%"
            if r["percent"] <= longest:
                ax.barh(
                    [y],
                    [r["percent"]],
                    height=REMAINDER_HEIGHT,
                    linewidth=0,
                    label=label,
                    **draw.look(colour, r["kind"], r["status"]),
                )
                draw.value_label(ax, r["percent"], y, text, muted=True)
                drawn_as[i] = "remainder"
            else:  # longer than every published bar: said, not drawn
                draw.value_label(ax, 0, y, f"{text}, not shown as a bar", muted=True, offset_pt=2)
                drawn_as[i] = "remainder note"
            continue
        _bar(ax, y, r, colour, whiskers, label)
        drawn_as[i] = "bar"
    return labels


def _note_parts(q: pd.Series, table: pd.DataFrame, confidence: float, deff: float, ranked: bool) -> list:
    parts = [footer.interval_part(confidence, deff)]
    if table.attrs.get("options_published") == "some":
        if ranked:
            parts.append(("Only the leading answers were published.", "Leading answers only."))
        elif (table["kind"] == Kind.NOT_PUBLISHED).any():
            parts.append(("Other answers were not published.", "Other answers not published."))
        else:
            parts.append(("Answer format not disclosed, so no remainder is shown.", "No remainder shown."))
    if (table["kind"] == "derived").any():
        parts.append(("Hatched: derived from published figures.", "Hatched: derived."))
    if (table["status"] == "unconfirmed").any():
        parts.append(
            ("Cross-hatched: the source does not identify the item for certain.", "Cross-hatched: unconfirmed.")
        )
    if bool(table["base_is_estimate"].any()):
        parts.append(("Base estimated from the question before.", "Base estimated."))
    return parts


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
    """Bars of one question; one section per measure when two sources report different measures."""
    colour = style.country_colour(data, country)
    fig = SurveyFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    whiskers, drawn_as = draw.Whiskers(), {}
    measure = table["measure"].fillna("").astype(str)
    measures = list(dict.fromkeys(measure))
    labels: list[str] = []
    bold: set[int] = set()
    notes = []
    for m in measures:
        rows = _order(table[(measure == m) & table["drawn"].astype(bool)], ranked)
        if len(measures) > 1:
            spec = (data.survey.get("measures") or {}).get(m) or {}
            sources = "; ".join(dict.fromkeys(data.source_label(s) for s in rows["source"].dropna()))
            bold.add(len(labels))
            labels.append(f"{str(spec.get('label') or m.replace('_', ' ')).capitalize()} ({sources})")
            notes.append(f"{spec.get('label', m)}: {str(spec.get('description', '')).strip()}")
        labels += _draw_rows(ax, rows, len(labels), colour, whiskers, drawn_as, m if len(measures) > 1 else "")
    answers = ANSWERS_TEXT["multiple" if q["question_type"] == "select_all" else str(q["answers"])]
    subtitle = who(data, country, q, table) + (f" · {answers}" if ranked else "")
    notes += footer.codebook_notes(data, [str(q["question_id"])])
    notes += footer.press_notes(data, table["source"].dropna())
    _finish(
        fig,
        ax,
        labels,
        bold,
        data.wording(str(q["question_id"]), country),
        subtitle,
        _note_parts(q, table, confidence, deff, ranked),
        footer.source_line(data, [country], table["source"].dropna()),
        notes,
        whiskers,
        table,
        drawn_as,
    )
    fig.chart_kind = "ranked" if ranked else "bars"
    return fig


@style.styled
def plot_single_figures(
    data: SurveyData, country: str, category: str | None = None, confidence: float = 0.95, deff: float = 1.0
) -> SurveyFigure:
    """One chart of every question of ``country`` (in ``category``, or all) with a single published figure.

    A single number drawn as a chart of its own is a lonely bar beside a remainder that dominates it; drawn
    together, on the common scale, the figures are read as what they are: the share giving one answer, each
    to its own question. Raises ValueError when there are fewer than two (a lone figure is said in the text
    and shown in the overview, ``category=None``).
    """
    qids = single_figure_questions(data, country, category, confidence, deff)
    where = f"category '{category}'" if category is not None else "the survey"
    if len(qids) < 2 and category is not None:
        raise ValueError(
            f"{country} has {len(qids)} question(s) with a single published figure in {where}; "
            "a chart needs two (the overview, category=None, shows them all)"
        )
    if not qids:
        raise ValueError(f"{country} has no question with a single published figure")
    colour = style.country_colour(data, country)
    fig = SurveyFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    whiskers, drawn_as = draw.Whiskers(), {}
    tables, labels = [], []
    for qid in qids:
        table = question_table(data, country, qid, confidence, deff)
        row = table[table["drawn"].astype(bool) & (table["kind"] != Kind.NOT_PUBLISHED)]
        r = row.iloc[0]
        wording = data.wording(qid, country)
        base = "" if not bool(r["base_is_estimate"]) else f" ({footer.base_text(r['base_n'], True)})"
        # a figure that measures something else than the wording says what it is instead of the answer
        what = str(r["label"]) if table.attrs.get("measure_note") else f"“{r['label']}”"  # named by its measure
        label = draw.row_label(f"{wording}: {what}{base}", r["kind"], r["status"])
        y = len(labels)
        _bar(ax, y, r, colour, whiskers, label)
        drawn_as[(qid, row.index[0])] = "bar"
        labels.append(label)
        tables.append(table.assign(_key=[(qid, i) for i in table.index]))
    table = pd.concat(tables, ignore_index=True)
    drawn = {i: drawn_as.get(k, "not drawn") for i, k in zip(table.index, table["_key"])}
    table = table.drop(columns="_key")
    name = data.country_name(country)
    title = f"{name}: answers to questions with one published figure" + (f" ({category})" if category else "")
    subtitle = (
        f"% of {data.respondents(country)} giving the answer shown · "
        f"{footer.base_text(data.country_n(country), False)} unless stated"
    )
    parts = [
        footer.interval_part(confidence, deff),
        ("The sources published no other answer to these questions.", "No other answers published."),
    ]
    if (table["status"] == "unconfirmed").any():
        parts.append(("Cross-hatched: unconfirmed.", "Cross-hatched: unconfirmed."))
    notes = footer.codebook_notes(data, qids)
    notes += footer.press_notes(data, table["source"].dropna())
    _finish(
        fig,
        ax,
        labels,
        set(),
        title,
        subtitle,
        parts,
        footer.source_line(data, [country], table["source"].dropna()),
        notes,
        whiskers,
        table,
        drawn,
    )
    fig.chart_kind = "single figures"
    return fig
