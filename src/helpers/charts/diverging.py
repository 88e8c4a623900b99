"""Diverging bars of scale questions, as a chart desk draws them (Heiberger & Robbins 2014; Pew).

Negative answers run left of 0 and positive answers right, each side from the centre outwards, each
segment's value inside it (in the text size that fits; a value too long for its segment is left to the
table and the note says so). Each side's total (its published net, or its only answer) is printed in bold
above its half of the bar; a segment that is its side's total is not labelled twice. The total's interval
is a whisker just below the bar's end, clear of the values. The midpoint ("keep at the current level") is
not split across 0 but drawn as its own toned-down column right beside the bar, its answer above it, and
the unpublished remainder as a light grey column after it — all on one scale,
:data:`~helpers.charts.style.DIVERGING_IN_PER_POINT`, shared by every diverging chart. Related questions
are rows of one chart (:func:`plot_diverging` takes several), labelled by what differs between their
wordings (:func:`compact_labels`). The legend lists each answer once, in the order drawn, left to right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..data import SurveyData
from ..kinds import Kind
from ..tables import question_row, question_table
from . import draw, footer, style
from .style import BAR_HEIGHT, PAD_IN, SMALL_SIZE, TEXT_SIZE
from .style import DIVERGING_IN_PER_POINT as K
from .text import Block, SurveyFigure, fits_inside, stack, text_width_in, wrap_text

LABEL_IN = 1.25  # row labels: a country, a measure or a short wording
COLUMN_GAP_IN = 0.3
VALUE_ROOM_IN = 0.38
ROW_IN = 0.82
WHISKER_DROP = BAR_HEIGHT / 2 + 0.07  # rows below the bar's centre: a whisker clear of the segments


def _centre(q: pd.Series) -> float:
    """Position of the scale's centre among the codebook's options (midpoint, or between the two sides)."""
    sides = list(q["option_sides"])
    zero = [i for i, s in enumerate(sides) if s == "0"]
    if zero:
        return sum(zero) / len(zero)
    pos = [i for i, s in enumerate(sides) if s == "+"]
    neg = [i for i, s in enumerate(sides) if s == "-"]
    return (max(pos) + min(neg)) / 2 if max(pos) < min(neg) else (max(neg) + min(pos)) / 2


def compact_labels(wordings: Sequence[str]) -> tuple[list[str], str]:
    """Row labels and a title for related questions: what differs between their wordings, and the wording
    with the differing parts joined by "or" ("Whether Japan or South Korea should have its own nuclear
    weapons"; rows "Japan", "South Korea"). Wordings with nothing in common are kept whole, joined by "; "."""
    split = [w.split(" ") for w in wordings]
    head = 0
    while all(len(w) > head for w in split) and len({tuple(w[: head + 1]) for w in split}) == 1:
        head += 1
    tail = 0
    while all(len(w) - head > tail for w in split) and len({tuple(w[len(w) - tail - 1 :]) for w in split}) == 1:
        tail += 1
    middles = [" ".join(w[head : len(w) - tail]) for w in split]
    if not (head or tail) or not all(middles):
        return list(wordings), "; ".join(wordings)
    words = split[0]
    title = " ".join([*words[:head], " or ".join(middles), *words[len(words) - tail :]])
    return [m[0].upper() + m[1:] for m in middles], title


def _bars(data: SurveyData, country: str, question_ids: Sequence[str], confidence: float, deff: float):
    """(label, question, rows) for each bar, one per question and measure, and the chart's title."""
    out = []
    for qid in question_ids:
        table = question_table(data, country, qid, confidence, deff)
        measure = table["measure"].fillna("").astype(str)
        for m in dict.fromkeys(measure):
            rows = table[measure == m]
            if m:
                label = data.measure(m).label
            else:
                label = data.country_name(country)
            out.append((label, question_row(data, qid), rows))
    title = data.wording(question_ids[0], country)
    if len(question_ids) > 1:
        labels, title = compact_labels([data.wording(q, country) for q in question_ids])
        # rows that differ by a country ("Japan", "South Korea") are the questions about it, never its public
        countries = [data.country(c) for c in data.countries()]
        named = {n.lower(): c.in_text for c in countries for n in (c.name, c.in_text)}  # "the United States"
        labels = [f"About {named[label.lower()]}" if label.lower() in named else label for label in labels]
        out = [(label, q, rows) for label, (_, q, rows) in zip(labels, out)]
    return out, title


def _segment_value(ax, left: float, width: float, y: float, text: str, colour) -> bool:
    """The segment's value inside it, in the text size that fits; False when none does."""
    for size in (TEXT_SIZE, SMALL_SIZE):
        if fits_inside(text, width * K, size, pad_in=0.02):
            ax.text(
                left + width / 2,
                y,
                text,
                ha="center",
                va="center",
                fontsize=size,
                color=style.ink_on(colour),
                parse_math=False,
                bbox=dict(boxstyle="round,pad=0.1", fc=colour, ec="none"),  # legible over a hatch
            )
            return True
    return False


def _draw_segments(
    ax, y: int, seg: pd.DataFrame, units: pd.DataFrame, side: str, value_of: dict, drawn_as: dict, legend: dict
) -> tuple[float, list[str]]:
    """One side's answers from the centre outwards, values inside; returns its end and values too long to fit."""
    sign = -1 if side == "-" else 1
    colours = style.ramp(side, len(seg))
    edge, unlabelled = 0.0, []
    for colour, (i, r) in zip(colours, seg.iterrows()):
        left = edge if sign > 0 else edge - r["percent"]
        name = str(r["label"])  # derived or not, one legend entry per answer (the hatch is in the note)
        kind = r["kind"] if r["kind"] != Kind.NET else Kind.PUBLISHED
        draw.bar(ax, y, r, colour, draw.row_label(name, r["kind"], r["status"]), left=left, kind=kind)
        alone = len(seg) == 1 and len(units) == 1 and units.index[0] == i  # its total says it in bold
        text = value_of[str(r["percent_text"])]
        if not alone and not _segment_value(ax, left, r["percent"], y, text, colour):
            unlabelled.append(f"{name} {r['percent_text']}")
        edge += sign * r["percent"]
        drawn_as[(y, i)] = "segment"
        legend.setdefault(
            name,
            (
                sign * (1000 + r["_distance"]),
                draw.legend_patch(wrap_text(name, 2.0, SMALL_SIZE), colour, Kind.PUBLISHED, r["status"]),
            ),
        )
    return edge, unlabelled


def _draw_total(
    ax, y: int, t: pd.Series, end: float, side: str, reach: float, value_of: dict, whiskers: draw.Whiskers
) -> float:
    """The side's total in bold above its half, its whisker below the bar's end; returns how far the side reaches."""
    sign = -1 if side == "-" else 1
    if pd.notna(t["ci_low"]):
        low, high = (
            (end - (t["ci_high"] - t["percent"]), end + (t["percent"] - t["ci_low"]))
            if sign < 0
            else (end - (t["percent"] - t["ci_low"]), end + (t["ci_high"] - t["percent"]))
        )
        whiskers.add(ax, y + WHISKER_DROP, low, high, at=end)
        reach = max(reach, abs(low), abs(high))
    total = f"{t['label']} {value_of[str(t['percent_text'])]}"
    reach = max(reach, (text_width_in(total, TEXT_SIZE, "bold") + 0.06) / K)
    ax.annotate(
        total,
        (0, y - BAR_HEIGHT / 2),
        xytext=(3 * sign, 1),
        textcoords="offset points",
        ha="left" if sign > 0 else "right",
        va="bottom",
        fontsize=TEXT_SIZE,
        fontweight="bold",
        color=style.TEXT_COLOUR,
        parse_math=False,
    )
    return reach


def _draw_bars(ax, bars: list, value_of: dict, whiskers: draw.Whiskers, drawn_as: dict) -> tuple[dict, dict, list]:
    """Each row's two sides and their totals; returns the legend's entries, each side's reach, unfitted values."""
    legend: dict[str, tuple[float, object]] = {}
    reach = {"-": 5.0, "+": 5.0}
    unlabelled = []
    for y, (_label, q, rows) in enumerate(bars):
        centre = _centre(q)
        drawn = rows[rows["drawn"].astype(bool)]
        for side in ("-", "+"):
            seg = drawn[drawn["side"] == side].copy()
            seg["_distance"] = (seg["order"] - centre).abs()
            seg = seg.sort_values("_distance", kind="stable")
            units = rows[rows["unit"].astype(bool) & (rows["side"] == side)]
            edge, too_long = _draw_segments(ax, y, seg, units, side, value_of, drawn_as, legend)
            unlabelled += too_long
            # The side's total: its only unit row (a published net or the side's single answer).
            if len(units) == 1:
                i = units.index[0]
                reach[side] = _draw_total(ax, y, units.iloc[0], edge, side, reach[side], value_of, whiskers)
                if drawn_as.get((y, i)) != "segment":
                    drawn_as[(y, i)] = "total"
            reach[side] = max(reach[side], abs(edge))
    return legend, reach, unlabelled


def _dress_axes(ax, bars: list, reach: dict) -> float:
    """Each side as long as it needs (to 5 points), row labels, room for totals; returns the scale's width in inches."""
    # The scale, not the range, is shared by every diverging chart.
    low, high = (math.ceil((reach[s] + 1) / 5) * 5 for s in ("-", "+"))
    draw.quiet_value_axis(ax, (-low, high))
    draw.row_labels(ax, [wrap_text(b[0], LABEL_IN) for b in bars])
    ax.set_ylim(len(bars) - 0.45, -0.75)
    return (low + high) * K


def _draw_column(
    col, rows_per_bar: list, colour, what: str, value_of: dict, whiskers: draw.Whiskers, drawn_as: dict
) -> tuple[float, list[tuple[int, str]]]:
    """A column's bars with their values (a midpoint's whiskers); returns its width in inches and each bar's answer."""
    top = 0.0
    heads = []
    for y, rows in enumerate(rows_per_bar):
        for i, r in rows.iterrows():
            name = str(r["label"])
            draw.bar(col, y, r, colour, name)
            if what == "column":
                whiskers.add(col, y, r["ci_low"], r["ci_high"], at=r["percent"])
            end = draw.bar_end(r)
            draw.value_label(
                col,
                end,
                y,
                value_of[str(r["percent_text"])],
                muted=what == "remainder",
                exact=str(r["percent_text"]),
            )
            top = max(top, end)
            drawn_as[(y, i)] = what
            heads.append((y, name))
    width = max(top * K + VALUE_ROOM_IN, max(text_width_in(n, SMALL_SIZE) for _, n in heads) + 0.05)
    return width, heads


def _column_heads(col, heads: list[tuple[int, str]]) -> None:
    """The column's answer above its bars (once if they share it)."""
    for k, (y, name) in enumerate(heads):
        if k and name == heads[k - 1][1]:
            continue
        col.annotate(
            name,
            (0, y - BAR_HEIGHT / 2),
            xytext=(0, 1),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=SMALL_SIZE,
            color=style.MUTED_COLOUR,
            parse_math=False,
        )


def _draw_columns(
    fig: SurveyFigure, ax, bars: list, x: float, value_of: dict, whiskers: draw.Whiskers, drawn_as: dict
) -> list:
    """The midpoint's column, then the remainder's, from ``x`` inches on; returns each one's axes, left and width."""
    drawn = [rows[rows["drawn"].astype(bool)] for _, _, rows in bars]
    axes = []
    for rows_per_bar, colour, what in (
        ([d[d["side"] == "0"] for d in drawn], style.MIDPOINT_COLOUR, "column"),
        ([d[d["kind"] == Kind.NOT_PUBLISHED] for d in drawn], style.REMAINDER_COLOUR, "remainder"),
    ):
        if all(r.empty for r in rows_per_bar):
            continue
        col = fig.add_axes([0.8, 0.3, 0.1, 0.4])
        width, heads = _draw_column(col, rows_per_bar, colour, what, value_of, whiskers, drawn_as)
        _column_heads(col, heads)
        col.set_xlim(0, width / K)
        col.set_axis_off()
        col.set_ylim(ax.get_ylim())
        axes.append((col, x, width))
        x += width + COLUMN_GAP_IN
    return axes


def _drawn_table(bars: list, drawn_as: dict) -> pd.DataFrame:
    """The rows of every bar in one table, each with what it became on the chart."""
    tables = [t.assign(_row=y) for y, (_, _, t) in enumerate(bars)]
    table = pd.concat(tables)
    table["drawn_as"] = [drawn_as.get((y, i), "not drawn") for y, i in zip(table["_row"], table.index)]
    return table.drop(columns="_row").reset_index(drop=True)


def _note_parts(
    data: SurveyData, country: str, bars: list, table: pd.DataFrame, confidence: float, deff, unlabelled: list[str]
) -> list:
    """The Note's parts: what the whiskers are, what a hatch means, where a value too long for its segment is,
    each figure's own note (named by its row) and the notes on the public's figures (``coverage.csv``)."""
    parts = [
        footer.interval_part(confidence, deff, "Whiskers below each side's end", used=bars[0][2].attrs.get("deff"))
    ]
    if (table["kind"] == Kind.DERIVED).any():
        parts.append(("Hatched: derived from published figures.", "Hatched: derived."))
    if unlabelled:
        parts.append(("Segments too narrow for their value: see the table.", ""))
    for label, _, rows in bars:
        parts += footer.figure_note_parts(rows, label if len(bars) > 1 else "")
    parts += footer.coverage_note_parts(data, country, table)
    return parts


@style.styled
def plot_diverging(
    data: SurveyData,
    country: str,
    question_ids: Sequence[str],
    confidence: float = 0.95,
    deff: float | str = "published",
    title: str | None = None,
) -> SurveyFigure:
    """Diverging bars of one or several (related) scale questions of ``country``, one row each.

    The title is the question's wording (for several, :func:`compact_labels`) unless ``title`` is given."""
    bars, auto_title = _bars(data, country, question_ids, confidence, deff)
    fig = SurveyFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    whiskers, drawn_as = draw.Whiskers(), {}
    every = pd.concat([rows for _, _, rows in bars])
    value_of = dict(zip(every["percent_text"].astype(str), draw.chart_values(every["percent_text"])))
    legend, reach, unlabelled = _draw_bars(ax, bars, value_of, whiskers, drawn_as)
    left = PAD_IN + LABEL_IN + 0.1
    scale_in = _dress_axes(ax, bars, reach)
    axes = [(ax, left, scale_in)]
    axes += _draw_columns(fig, ax, bars, left + scale_in + COLUMN_GAP_IN, value_of, whiskers, drawn_as)
    whiskers.draw()

    ordered = [p for _, p in sorted(legend.values(), key=lambda v: v[0])]
    table = _drawn_table(bars, drawn_as)
    subtitle = (
        f"% of {data.respondents(country)} · "
        f"{footer.base_text(table['base_n'].iloc[0], table['base_is_estimate'].iloc[0])}"
    )
    figures = table[table["kind"] != Kind.NOT_PUBLISHED]
    stack(
        fig,
        Block(
            title=title or auto_title,
            subtitle=subtitle,
            footer=footer.footer(
                _note_parts(data, country, bars, table, confidence, deff, unlabelled),
                footer.source_line(data, [country], list(figures["source"]), list(figures["label"])),
            ),
            axes=axes,
            body_in=ROW_IN * len(bars),
            legend=(ordered, [p.get_label() for p in ordered]),
            notes=footer.codebook_notes(data, question_ids),
        ),
    )
    fig.survey_table = table
    fig.chart_kind = "diverging"
    return fig
