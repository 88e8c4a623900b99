"""Cross-country dot plots (Pew's global-attitudes style): a row per comparable item and answer, a dot per
country in its own colour, values labelled, and beside each row the gap and whether it is significant. Each
row is as tall as what it holds (its wrapped label, its gap's lines, a value above its dot), and the rows
stand an even distance apart (:func:`row_positions`).

Same-item comparisons come first; mirror items (each public asked about the other) follow under their own
heading, "How each public sees the other", each row naming both directions ("Japanese views: overall
impression of South Korea · South Korean views: overall impression of Japan"), so no dot can be read as an
answer to the other public's question. A figure that measures something other than the item is drawn with a
hollow marker and no connecting line to it, named by what it measures, and "different measures" stands where
its gap would be: it is never drawn or tested as a gap (the others of the row still are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.transforms import offset_copy

from .. import formatting as fmt
from ..data import SurveyData, decimals_of
from ..tables import (
    PUBLISHED,
    comparison_caveats,
    comparison_differences,
    comparison_table,
    comparison_title,
    comparisons_in_category,
    design_effect,
    figure_label,
    is_mirror,
    listing_order,
)
from . import draw, footer, style
from .style import BAR_LIMITS, LABEL_PAD_IN, PAD_IN, SMALL_SIZE, TEXT_SIZE
from .text import INNER_IN, Block, SurveyFigure, stack, wrap_filled, wrap_text

MIRROR_MARK = "⇄"
DIFFERENT_MEASURES = "different measures"
MIRROR_HEADING = "How each public sees the other"
DIFFERENT_MEASURE_LABEL = "different measure"
DOT_LABEL_IN = 3.3  # the gap column needs about 0.8 in, so the labels take the rest: fewer lines, shorter rows
DOT_AXES_IN = 3.0
GAP_COLUMN_IN = INNER_IN - DOT_LABEL_IN - LABEL_PAD_IN - DOT_AXES_IN - 0.3
DOT_SIZE = 60  # points², marker area
NEAR_ZERO = 12.0  # points: a lowest value under this is labelled above its dot (left of it would reach the labels)
ROW_GAP_IN = 0.16  # between what one row holds and what the next holds
HEADING_ABOVE_IN = ROW_GAP_IN  # more room above a heading than below it: it heads the rows that follow
LINE_PT = TEXT_SIZE * 1.2  # one line of a label or a gap (linespacing 1.2)
GAP_SPACING_PT = 2.0  # between the gaps of one row (one per other public): each its own block of text
VALUE_ABOVE_IN = (6 + TEXT_SIZE * 1.2) / 72  # how far above its row a value labelled above its dot reaches


def item_label(data: SurveyData, comparison, option: str, country: str | None = None, see: str = "") -> str:
    """A row's label: the item and the answer. A mirror names both directions (:func:`comparison_title`);
    where the publics' figures measure different things, each public's figure is named by what it measures.
    ``see``: the marks of the notes on its figures in the chart's Note (:func:`note_marks`). ``country`` is
    accepted for callers that pass the chart's side; the label is the same from every side."""
    title = comparison_title(data, comparison)
    mark = f"{MIRROR_MARK} " if is_mirror(comparison) else ""
    see = f" {see}" if see else ""
    if comparison.same_measure:
        return f"{mark}{title}: “{option}”{see}"  # every figure of the item's own measure
    names = [
        f"{data.country(c).adjective}: "
        + (f"“{option}”" if (label := figure_label(data, c, q, option)) == option else label)
        for c, q in zip(comparison.countries, comparison.question_ids)
        if not comparison.any_gap or c in comparison.measure_notes  # the answer, then each other measure
    ]
    if comparison.any_gap:
        return f"{mark}{title}: “{option}”; {'; '.join(names)}{see}"
    return f"{mark}{title} ({'; '.join(names)}){see}"


def _gap_text(
    data: SurveyData, country: str, diffs: pd.DataFrame, option: str, comparison, decimals: int
) -> list[tuple[str, bool]]:
    """The gap from ``country``'s side, one item per other public, e.g. "−3.0" (with the public when there
    are several: "KR: −4.4"), "different measures" where two figures cannot be tested; each item bold when
    its gap is significant, so that bold never reaches a gap that was not tested."""
    rows = diffs[(diffs["option"] == option)] if not diffs.empty else diffs
    rows = rows[(rows["country_1"] == country) | (rows["country_2"] == country)] if not rows.empty else rows
    items = []
    for d in rows.itertuples(index=False):
        other, gap = (d.country_2, d.diff) if d.country_1 == country else (d.country_1, -d.diff)
        shown = fmt.signed_points(gap, decimals)
        text = shown if len(rows) == 1 else f"{other}: {shown}"  # short enough never to wrap
        bold = False
        if not comparison.measured_alike(d.country_1, d.country_2):
            text = DIFFERENT_MEASURES.replace(" ", "\n") if len(rows) == 1 else f"{other}: {DIFFERENT_MEASURES}"
        elif not getattr(d, "testable", True):
            text = "not tested" if len(rows) == 1 else f"{other}: not tested"
        else:
            bold = bool(d.significant)
        # a name from data may be long: the column's width is kept
        items.append((wrap_text(text, GAP_COLUMN_IN, TEXT_SIZE, "bold" if bold else "normal"), bold))
    return items


@dataclass
class DotRow:
    """One row of a dot plot as planned before anything is drawn: its label, and for an answer its dots,
    their value labels, the line of its gap and the gap's text (``gap`` None: nothing beside the row)."""

    label: str
    heading: bool = False
    span: tuple[float, float] | None = None
    dots: list[tuple[str, bool, float]] = field(default_factory=list)  # (country, same measure, x)
    values: list[tuple[float, str, str]] = field(default_factory=list)  # (x, text as published, ha)
    drawn: list[tuple[str, object]] = field(default_factory=list)  # (comparison id, table index) of each dot
    gap: list[tuple[str, bool]] | None = None  # (text, bold) of each other public's gap, one under the other


def note_marks(data: SurveyData, comparisons: Sequence) -> tuple[list[str], dict[str, str]]:
    """The notes on the compared figures (:func:`helpers.tables.comparison_caveats`: a press report's wording,
    a wording not published), each once, in the order of the rows; and each comparison's marks ("[1, 2]")."""
    caveats = {c.comparison_id: comparison_caveats(data, c) for c in comparisons}
    notes = list(dict.fromkeys(n for found in caveats.values() for n in found))
    marks = {i: "[" + ", ".join(str(notes.index(n) + 1) for n in found) + "]" for i, found in caveats.items() if found}
    return notes, marks


def _answer_row(data: SurveyData, country: str, comparison, option: str, table, diffs, see: str) -> DotRow:
    """The row of one compared answer."""
    row = DotRow(item_label(data, comparison, option, country, see))
    rows = table[table["option"] == option].sort_values("percent", kind="stable")
    if rows.empty:
        return row
    # each figure as published ("40.5" beside "78"), and the gap at the finer precision ("37.5"), so that
    # the gap is the difference of the values shown, whatever row a figure appears in
    decimals = max(decimals_of(str(t)) for t in rows["percent_text"])
    own = rows[~rows["country"].isin(list(comparison.measure_notes))]  # figures of the item's own measure
    if len(own) >= 2:  # a gap line only between figures of one measure
        row.span = (own["percent"].min(), own["percent"].max())
    for k, (i, r) in enumerate(rows.iterrows()):
        row.dots.append((str(r["country"]), r["country"] not in comparison.measure_notes, float(r["percent"])))
        # the lowest value left of its dot, the highest right of it, any between above it; a value near 0
        # goes above its dot, clear of the row labels
        ha = "right" if k == 0 and len(rows) > 1 else "left" if k == len(rows) - 1 else "center"
        ha = "center" if ha == "right" and r["percent"] < NEAR_ZERO else ha
        row.values.append((r["percent"], str(r["percent_text"]), ha))
        row.drawn.append((comparison.comparison_id, i))
    row.gap = _gap_text(data, country, diffs, option, comparison, decimals)
    return row


def _plan_rows(
    data: SurveyData, country: str, comparisons: Sequence, confidence, deff, marks: dict[str, str]
) -> tuple[list, list, list]:
    """The rows of ``comparisons`` (mirrors under their heading), the tables they come from, and the tests."""
    rows, tables, diffs_all = [], [], []
    for comparison in comparisons:
        if is_mirror(comparison) and not any(r.heading for r in rows):
            rows.append(DotRow(MIRROR_HEADING, heading=True))
        full = comparison_table(data, comparison, confidence=confidence, deff=deff)
        diffs = comparison_differences(data, comparison, confidence=confidence, deff=deff, table=full)
        table = full[full["compared"]]
        tables.append(table)
        diffs_all.append(diffs.drop(columns=["difference"], errors="ignore"))
        see = marks.get(comparison.comparison_id, "")
        rows += [_answer_row(data, country, comparison, option, table, diffs, see) for option in comparison.options]
    return rows, tables, diffs_all


def _draw_rows(ax, gap_ax, rows: list[DotRow], ys: Sequence[float]) -> tuple[dict, dict]:
    """Each row's gap line, value labels and gap text at its height; returns the dots to draw, per
    (country, same measure), and what each table row became."""
    points: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    drawn_as = {}
    for row, y in zip(rows, ys):
        if row.span is not None:
            ax.plot(row.span, [y, y], color=style.GAP_LINE_COLOUR, linewidth=2.2, solid_capstyle="butt", zorder=1)
        for (c, same, x), (value, text, ha), key in zip(row.dots, row.values, row.drawn):
            points.setdefault((c, same), []).append((x, y))
            draw.value_label(ax, value, y, text, ha=ha, offset_pt=6)
            drawn_as[key] = "dot"
        _draw_gap(gap_ax, y, row.gap or [])
    return points, drawn_as


def _gap_height_pt(items: list[tuple[str, bool]]) -> float:
    """The height of a row's gaps: their lines, and :data:`GAP_SPACING_PT` between one gap and the next."""
    return sum(text.count("\n") + 1 for text, _ in items) * LINE_PT + max(len(items) - 1, 0) * GAP_SPACING_PT


def _draw_gap(gap_ax, y: float, items: list[tuple[str, bool]]) -> None:
    """A row's gaps, one under the other and centred on the row as one block, each in its own weight."""
    top = _gap_height_pt(items) / 2  # of the next gap, in points above the row's centre
    for text, bold in items:
        height = (text.count("\n") + 1) * LINE_PT
        place = offset_copy(gap_ax.transData, fig=gap_ax.figure, y=top - height / 2, units="points")
        top -= height + GAP_SPACING_PT
        gap_ax.text(
            0,
            y,
            text,
            ha="left",
            va="center",
            fontsize=TEXT_SIZE,
            parse_math=False,
            fontweight="bold" if bold else "normal",
            linespacing=1.2,
            color=style.TEXT_COLOUR if bold else style.MUTED_COLOUR,
            transform=place,
        )


def _extent(row: DotRow, label: str) -> tuple[float, float]:
    """How far a row reaches above and below its centre, in inches: half its label or its gap, whichever
    has more lines, or up to the top of a value labelled above its dot."""
    size = draw.HEADING_SIZE if row.heading else TEXT_SIZE
    label_pt = (label.count("\n") + 1) * size * 1.2  # the line spacing of labels and gaps
    half = max(label_pt, _gap_height_pt(row.gap or [])) / 72 / 2
    above = VALUE_ABOVE_IN if any(ha == "center" for _, _, ha in row.values) else 0.0
    return max(half, above), half


def row_positions(rows: list[DotRow], labels: list[str]) -> tuple[list[float], float]:
    """Each row's centre, in inches down from the top of the plot, and the plot's height: a row is as tall as
    what it holds (:func:`_extent`), and :data:`ROW_GAP_IN` separates one row from the next (a heading has
    :data:`HEADING_ABOVE_IN` more above it)."""
    ys, y = [], ROW_GAP_IN / 2
    for row, label in zip(rows, labels):
        up, down = _extent(row, label)
        y += HEADING_ABOVE_IN if row.heading and ys else 0.0
        ys.append(y + up)
        y += up + down + ROW_GAP_IN
    return ys, y - ROW_GAP_IN / 2


def _draw_dots(ax, data: SurveyData, points: dict) -> tuple[list[str], list]:
    """The dots, one scatter per country and kind of measure; returns the countries in order and a legend
    handle for each."""
    order = [c for c in data.countries() if any(c == k[0] for k in points)]
    handles = []
    for c in order:
        colour, marker = style.country_look(data, c)
        handle = None
        for same in (True, False):
            if (c, same) not in points:
                continue
            xs, ys = zip(*points[(c, same)])
            drawn = ax.scatter(
                xs,
                ys,
                s=DOT_SIZE,
                facecolors=colour if same else "white",
                edgecolors="white" if same else colour,
                marker=marker,
                zorder=3,
                linewidths=0.8 if same else 1.6,
                label=data.country_name(c) + ("" if same else f" ({DIFFERENT_MEASURE_LABEL})"),
            )
            if handle is None:
                handle = drawn
        handles.append(handle)
    return order, handles


def _dress_axes(ax, gap_ax, rows: list[DotRow], labels: list[str], ys: list[float], height: float) -> None:
    """Row labels on the left, the 0–100 scale below, the gap column's head."""
    draw.row_labels(ax, labels, bold={i for i, r in enumerate(rows) if r.heading}, positions=ys)
    for tick in ax.get_yticklabels():
        tick.set_verticalalignment("center")  # a label of any number of lines centred on its row, as its gap
    ax.set_ylim(height, 0)  # inches down from the top
    ax.set_xlim(*BAR_LIMITS)
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100%"])
    ax.tick_params(axis="x", length=0, labelsize=SMALL_SIZE, colors=style.MUTED_COLOUR)
    ax.grid(True, axis="x", color=style.GRID_COLOUR, linewidth=0.8)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    gap_ax.set_ylim(ax.get_ylim())
    gap_ax.set_xlim(0, 1)
    gap_ax.set_axis_off()
    gap_ax.set_title("Gap (points)", loc="left", fontsize=SMALL_SIZE, color=style.MUTED_COLOUR, pad=4)


def _footer_parts(data: SurveyData, country: str, comparisons: Sequence, order, confidence, deff, table) -> list:
    """The Note's parts: how to read the gap, the mirror mark and hollow markers where they are drawn, and which
    publics' figures were published as whole numbers when others' were not."""
    level = fmt.level(confidence)
    deffs = ", ".join(f"{c} {fmt.number(design_effect(data, c, deff), 2)}" for c in order)
    parts = [
        (
            f"Gap: {data.country_name(country)} minus the other country, in points; bold if significant "
            f"at {level} (design effects {deffs}).",
            f"Gap: {data.country_name(country)} minus the other; bold: significant at {level}.",
        )
    ]
    if any(is_mirror(c) for c in comparisons):
        parts.append(
            (
                f"{MIRROR_MARK} each public was asked about the other; each row names both questions.",
                f"{MIRROR_MARK} mirror item.",
            )
        )
    if not all(c.same_measure for c in comparisons):
        parts.append(
            (
                "Hollow markers: a figure that measures something other than the item (named in the row); no gap "
                "to it is drawn or tested.",
                "Hollow: different measures.",
            )
        )
    decimals = {c: max(decimals_of(str(t)) for t in g) for c, g in table.groupby("country")["percent_text"]}
    whole = [data.country(c).adjective for c in order if decimals.get(c) == 0]
    if whole and any(decimals.values()):
        names = fmt.and_list(whole)
        parts.append(
            (
                f"Values as published: the {names} figures were published as whole numbers.",
                f"Values as published ({names}: whole numbers).",
            )
        )
    return parts


def _drawn_table(tables: list, comparisons: Sequence, drawn_as: dict) -> pd.DataFrame:
    table = pd.concat(
        tables, ignore_index=False, keys=[c.comparison_id for c in comparisons], names=["comparison_id", None]
    ).reset_index(level=0)
    table["drawn_as"] = [drawn_as.get((cid, i), "not drawn") for cid, i in zip(table["comparison_id"], table.index)]
    return table.reset_index(drop=True)


@style.styled
def plot_dots(
    data: SurveyData,
    country: str,
    comparisons: Sequence,
    title: str,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
) -> SurveyFigure:
    """Dot plot of every compared answer of ``comparisons``, from ``country``'s side: same-item comparisons
    first, mirrors under their own heading; different measures hollow, unconnected and never a gap."""
    fig = SurveyFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    gap_ax = fig.add_axes([0.8, 0.3, 0.1, 0.4])
    comparisons = listing_order(comparisons)  # same items first, then mirrors under their heading
    caveats, marks = note_marks(data, comparisons)
    rows, tables, diffs_all = _plan_rows(data, country, comparisons, confidence, deff, marks)
    labels = [wrap_filled(r.label, DOT_LABEL_IN) for r in rows]  # no lone last word
    ys, height = row_positions(rows, labels)
    points, drawn_as = _draw_rows(ax, gap_ax, rows, ys)
    order, handles = _draw_dots(ax, data, points)
    _dress_axes(ax, gap_ax, rows, labels, ys, height)
    table = _drawn_table(tables, comparisons, drawn_as)
    legend = (
        handles,
        [f"{data.country_name(c)} ({footer.base_text(data.country_n(c), False)})" for c in order],
    )
    notes = footer.codebook_notes(data, [q for c in comparisons for q in c.question_ids])
    left = PAD_IN + DOT_LABEL_IN + LABEL_PAD_IN
    stack(
        fig,
        Block(
            title=title,
            subtitle="% of respondents in each country giving the answer shown",
            footer=footer.footer(
                _footer_parts(data, country, comparisons, order, confidence, deff, table)
                + [(f"[{i}] {note}", "") for i, note in enumerate(caveats, 1)],
                footer.source_line(data, order, table["source"].dropna()),
            ),
            axes=[(ax, left, DOT_AXES_IN), (gap_ax, left + DOT_AXES_IN + 0.3, GAP_COLUMN_IN)],
            body_in=height,
            legend=legend,
            notes=notes,
        ),
    )
    fig.survey_table = table
    fig.survey_differences = pd.concat(diffs_all, ignore_index=True) if diffs_all else None
    fig.chart_kind = "dots"
    return fig


def plot_comparisons(
    data: SurveyData,
    country: str,
    category: str | None = None,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
) -> SurveyFigure:
    """One dot plot of every comparable item ``country`` takes part in: of ``category``, or (None) all.

    Raises ValueError when there is no such item.
    """
    data.check_country(country)
    items = comparisons_in_category(data, country, category)
    if not items:
        raise ValueError(f"no comparable item for {country}" + (f" in category '{category}'" if category else ""))
    name = data.country_name(country)
    title = f"{name} and the other publics: " + (category if category else "every item compared")
    return plot_dots(data, country, items, title, confidence, deff)


def plot_comparison(
    data: SurveyData, comparison, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> SurveyFigure:
    """Dot plot of one comparable item (a row per shared answer), from its first country's side."""
    title = comparison_title(data, comparison)
    return plot_dots(data, comparison.countries[0], [comparison], title, confidence, deff)
