"""Trend charts: one public's answers to one question across survey waves, with every change of method marked.

Years sit at their true spacing (a year without a wave is a gap); each answer is a line of labelled points,
joined only between consecutive years of one method; this survey's wave is emphasised; a vertical rule and a
short label mark each change of organisation, mode or population (Pew marks a change of mode this way). The
Note names each method, the Source each survey series; in the SVG each point carries its source, n and
method as title text (a tooltip in browsers). Each value sits by its point on the first side (above, below,
beside) where it touches no line, marker or other label (:func:`place_labels`).
"""

from __future__ import annotations

import itertools
import re
from io import BytesIO
from xml.sax.saxutils import escape

import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from .. import formatting as fmt
from .. import trends
from ..data import SurveyData
from ..tables import figure_label
from . import footer, style
from .style import PAD_IN, SMALL_SIZE, TEXT_SIZE
from .text import INNER_IN, Block, SurveyFigure, measuring_renderer, stack, wrap_text

Y_TICKS = (0, 25, 50, 75, 100)
BODY_IN = 2.9
AXIS_LABEL_IN = 0.45
PLOT_WIDTH_IN = INNER_IN - AXIS_LABEL_IN - 0.1
BREAK_LABEL_GAP = 0.08  # years between a change-of-method rule and its label
POINT_SIZE = 5.5  # marker diameter in points
CURRENT_POINT_SIZE = 8.5
LABEL_OFFSET_PT = 6
SIDE_OFFSET_PT = (7, 2)  # a label beside its point: this far right or left of it, and up or down
CLEARANCE_PT = 1.5  # the least room between a value label and a line or a marker
BREAK_STYLE = (0, (3, 2))
CURRENT_BAND = style.CURRENT_BAND_COLOUR
MIN_YEARS_SHOWN = 13
"""Years every trend chart spans at least, so that a year is as wide on each (2013–2025 for the longest)."""


class TrendFigure(SurveyFigure):
    """A chart whose SVG gives each point a ``<title>`` (source, n and method), keyed by the point's gid."""

    def __init__(self, height_in: float = 4.5):
        super().__init__(height_in)
        self.point_titles: dict[str, str] = {}

    def savefig(self, fname, *args, **kwargs):
        fmt_name = kwargs.get("format")
        if fmt_name != "svg" or not self.point_titles:
            return super().savefig(fname, *args, **kwargs)
        buffer = BytesIO()
        super().savefig(buffer, *args, **kwargs)
        text = buffer.getvalue().decode("utf-8")
        for gid, title in self.point_titles.items():
            text = text.replace(f'<g id="{gid}">', f'<g id="{gid}">\n   <title>{escape(title)}</title>', 1)
        data = text.encode("utf-8")
        if hasattr(fname, "write"):
            fname.write(data)
        else:
            with open(fname, "wb") as f:
                f.write(data)
        return None


def option_colours(options) -> dict[str, str]:
    """The first option (the positive one: favorable, trust) in the positive answer colour, the second in
    the negative one, any other in grey: the house's answer colours, never a country's."""
    picks = [style.POSITIVE_RAMP[3], style.NEGATIVE_RAMP[3]]
    return {str(o): picks[i] if i < len(picks) else style.MIDPOINT_COLOUR for i, o in enumerate(options)}


def _gid(country: str, question_id: str, year: int, index: int) -> str:
    return re.sub(r"[^a-z0-9-]", "-", f"trend-{country}-{question_id}-{year}-{index}".lower())


def method_text(waves) -> tuple[str, str]:
    """The Note's wording of each method, runs of waves by one method together (full, short)."""
    runs: list[list] = []
    for w in waves.itertuples(index=False):
        key = (w.organisation, w.mode)
        if runs and runs[-1][0] == key:
            runs[-1][1].append(int(w.year))
        else:
            runs.append([key, [int(w.year)]])
    full, short = [], []
    for (organisation, mode), years in runs:
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        described = trends.mode_words(str(mode))
        full.append(f"{span}: {organisation}, {described}")
        short.append(f"{span}: {organisation}, {mode}")
    return "; ".join(full) + ".", "; ".join(short) + "."


def note_text(waves, points, breaks) -> str:
    """The Note line: each method, each change of population, this survey's wave, and what lines and missing
    points mean."""
    full, short = method_text(waves)
    years = {int(y) for y in waves["year"]}
    current_year = int(waves.loc[waves["is_current"], "year"].iloc[0])
    answers = points.groupby("option", observed=False)["year"]
    unpublished = any(years - {int(y) for y in drawn} for _, drawn in answers)
    populations = [
        f"{before}, then {after} from {b.year_after}"
        for b in breaks
        for what, before, after in b.changes
        if what == "population"
    ]
    # a wave whose population no source gives: a change of population may fall there unseen
    unrecorded = [str(y) for y, p in zip(waves["year"], waves["population"]) if pd.isna(p)]
    if unrecorded and len(unrecorded) < len(waves):
        populations.append("not recorded for " + fmt.and_list(unrecorded))
    return footer.note_line(
        [
            (f"Methods: {full}", f"Methods: {short}"),
            *([(f"Population: {'; '.join(populations)}.", "")] if populations else []),
            (
                f"{current_year}: this survey (bold). Lines join consecutive years of one method only"
                + ("; a year without a point has no figure used for that answer." if unpublished else "."),
                f"{current_year}: this survey.",
            ),
        ]
    )


def source_text(data: SurveyData, waves, points) -> str:
    """The Source line: each survey series with its years, and whether press reports supply figures."""
    parts = []
    for survey, rows in waves.groupby("survey", sort=False):
        years = sorted(int(y) for y in rows["year"])
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        parts.append(f"{survey} ({span})")
    press = footer.press_sources(data, points["figure_source"])
    tail = "; earlier figures as reported by the institutes and the press" if press else ""
    return (
        f"Source: {'; '.join(parts)}{tail}; each wave's n and source in the table of figures (and the SVG's tooltips)."
    )


def _label_offsets(points) -> dict[tuple[int, str], int]:
    """Per (year, option): +1 to label above the point, −1 below (the higher of two figures above): the
    side each label tries first."""
    out = {}
    for year, rows in points.groupby("year"):
        ordered = rows.sort_values("percent", ascending=False)
        for k, r in enumerate(ordered.itertuples(index=False)):
            out[(int(year), str(r.option))] = 1 if k == 0 else -1
    return out


def label_spots(side: int) -> list[tuple[tuple[float, float], str, str]]:
    """Where a value label may go, in the order tried: (offset in points, ha, va). Centred on its side
    (``side``: +1 above, −1 below), centred on the other side, beside the point (right, then left) up or down,
    and last centred twice as far away."""
    dx, dy = SIDE_OFFSET_PT
    va = {1: "bottom", -1: "top"}
    out = [((0, s * LABEL_OFFSET_PT), "center", va[s]) for s in (side, -side)]
    for s in (side, -side):
        out += [((dx, s * dy), "left", va[s]), ((-dx, s * dy), "right", va[s])]
    return out + [((0, 2 * s * LABEL_OFFSET_PT), "center", va[s]) for s in (side, -side)]


def crosses(start, end, box: Bbox, margin: float) -> bool:
    """Whether the segment from ``start`` to ``end`` meets ``box`` grown by ``margin`` (Liang–Barsky)."""
    (x0, y0), (x1, y1) = start, end
    low, high = 0.0, 1.0
    for p, q in (
        (x0 - x1, x0 - box.x0 + margin),
        (x1 - x0, box.x1 + margin - x0),
        (y0 - y1, y0 - box.y0 + margin),
        (y1 - y0, box.y1 + margin - y0),
    ):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low > high:
            return False
    return True


def line_segments(ax) -> list[tuple[tuple[float, float], tuple[float, float], float]]:
    """(start, end, half the line's width) in pixels of every drawn line segment of ``ax``."""
    out = []
    for line in ax.lines:
        if line.get_linestyle() not in ("None", "none", "", " "):
            xy = line.get_transform().transform(line.get_xydata())
            half = line.get_linewidth() * ax.figure.dpi / 72 / 2
            out += [(tuple(a), tuple(b), half) for a, b in itertools.pairwise(xy)]
    return out


def marker_boxes(ax) -> list[Bbox]:
    """The box of every marker of ``ax``, in pixels."""
    out = []
    for line in ax.lines:
        if line.get_marker() not in ("None", "none", "", " ", None):
            r = line.get_markersize() * ax.figure.dpi / 72 / 2
            out += [
                Bbox([[x - r, y - r], [x + r, y + r]]) for x, y in line.get_transform().transform(line.get_xydata())
            ]
    return out


def _obstacles(ax) -> tuple[list, list[Bbox]]:
    """The drawn line segments of ``ax`` (start, end, half their width) and the boxes of its markers and of
    its other texts (method labels, tick labels), all in pixels, grown by :data:`CLEARANCE_PT`."""
    clearance = CLEARANCE_PT * ax.figure.dpi / 72
    segments = [(a, b, half + clearance) for a, b, half in line_segments(ax)]
    texts = [t for t in ax.texts if not isinstance(t, Annotation)] + ax.get_yticklabels()
    boxes = marker_boxes(ax) + [t.get_window_extent(measuring_renderer()) for t in texts]
    return segments, [box.padded(clearance) for box in boxes]


def place_labels(ax, labels: list[tuple[Annotation, int]]) -> None:
    """Give each value label the first of its :func:`label_spots` whose box meets no line, marker, text or
    label placed before it, and stays between the plot's top and bottom and inside the canvas; where every
    spot meets something, the one that meets least. Run once the chart has its final size (the boxes are
    measured in pixels)."""
    renderer = measuring_renderer()
    segments, boxes = _obstacles(ax)
    plot, pad = ax.get_window_extent(renderer), PAD_IN * ax.figure.dpi
    inside = Bbox([[pad, plot.y0], [ax.figure.bbox.x1 - pad, plot.y1]])
    for label, side in labels:
        best = None
        for offset, ha, va in label_spots(side):
            label.xyann = offset
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
            box = label.get_window_extent(renderer)
            hits = sum(crosses(a, b, box, m) for a, b, m in segments) + sum(box.overlaps(o) for o in boxes)
            hits += not (inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1)
            if best is None or hits < best[0]:
                best = (hits, offset, ha, va)
            if hits == 0:
                break
        _, label.xyann, ha, va = best
        label.set_horizontalalignment(ha)
        label.set_verticalalignment(va)
        boxes.append(label.get_window_extent(renderer).padded(CLEARANCE_PT * ax.figure.dpi / 72))


def _draw_points(
    fig: TrendFigure, ax, data: SurveyData, country: str, question_id: str, points, breaks
) -> list[tuple[Annotation, int]]:
    """Each answer's points and the lines between consecutive years of one method; returns the value labels,
    each with the side it tries first (placed by :func:`place_labels`)."""
    options = [str(o) for o in points["option"].cat.categories]
    colours = option_colours(options)
    offsets = _label_offsets(points)
    break_positions = [b.position for b in breaks]
    labels = []
    for i, option in enumerate(options):
        rows = points[points["option"] == option].sort_values("year")
        colour = colours[option]
        prev = None
        for r in rows.itertuples(index=False):
            year = int(r.year)
            if prev is not None and year == prev[0] + 1 and not any(prev[0] < p < year for p in break_positions):
                ax.plot([prev[0], year], [prev[1], r.percent], color=colour, linewidth=1.6, zorder=2)
            prev = (year, float(r.percent))
            is_current = bool(r.is_current)
            (dot,) = ax.plot(
                [year],
                [r.percent],
                marker="o",
                markersize=CURRENT_POINT_SIZE if is_current else POINT_SIZE,
                color=colour,
                markeredgecolor="white",
                markeredgewidth=0.8,
                linestyle="none",
                zorder=3,
            )
            gid = _gid(country, question_id, year, i)
            dot.set_gid(gid)
            fig.point_titles[gid] = trends.point_title(r, data)
            label = ax.annotate(
                fmt.percent(r.percent_text),
                (year, r.percent),
                xytext=(0, 0),
                textcoords="offset points",
                fontsize=SMALL_SIZE if not is_current else TEXT_SIZE,
                fontweight="bold" if is_current else "normal",
                color=colour,
                annotation_clip=False,
            )
            labels.append((label, offsets[(year, option)]))
    return sorted(labels, key=lambda item: item[0].xy)  # placed year by year, lower figure first


def _draw_breaks(ax, breaks, window: tuple[float, float]) -> None:
    """A dashed rule and a short label at each change of method, right of the rule, wrapped to the room
    before the next rule or the plot's edge (a method named by data may be long): it never leaves the plot
    or meets the next label."""
    per_year = PLOT_WIDTH_IN / (window[1] - window[0])  # inches per year on the final chart
    ends = [b.position for b in breaks[1:]] + [window[1]]
    for b, end in zip(breaks, ends):
        ax.axvline(b.position, color=style.RULE_COLOUR, linestyle=BREAK_STYLE, linewidth=0.9, zorder=1)
        room = (end - b.position - 2 * BREAK_LABEL_GAP) * per_year
        ax.text(
            b.position + BREAK_LABEL_GAP,
            99,
            wrap_text(b.label(), room, SMALL_SIZE),
            fontsize=SMALL_SIZE,
            color=style.MUTED_COLOUR,
            ha="left",
            va="top",
            parse_math=False,
            zorder=4,
        )


def x_window(years: list[int]) -> tuple[float, float]:
    """The years a trend chart spans: at least :data:`MIN_YEARS_SHOWN`, the latest on the right."""
    start = min(min(years), max(years) - MIN_YEARS_SHOWN + 1)
    return start - 0.6, max(years) + 0.6


def _dress_axes(ax, years: list[int], current_year: int) -> None:
    """One scale for every trend chart: a window of at least MIN_YEARS_SHOWN years, the latest on the right;
    0–100 up the side, this survey's year in bold."""
    window = x_window(years)
    start = window[0] + 0.6
    ax.set_xlim(*window)
    if min(years) - start >= 3:
        ax.text(start, 50, f"no wave before {min(years)} in the data", fontsize=SMALL_SIZE, color=style.MUTED_COLOUR)
    ax.set_ylim(0, 100)
    ax.set_xticks(years, [str(y) for y in years])
    for label in ax.get_xticklabels():
        if label.get_text() == str(current_year):
            label.set_fontweight("bold")
            label.set_color(style.TEXT_COLOUR)
    ax.set_yticks(Y_TICKS, [*(str(t) for t in Y_TICKS[:-1]), f"{Y_TICKS[-1]}%"])
    ax.tick_params(axis="both", length=0, labelsize=SMALL_SIZE, colors=style.MUTED_COLOUR)
    ax.grid(True, axis="y", color=style.GRID_COLOUR, linewidth=0.8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _legend(data: SurveyData, country: str, question_id: str, options: list[str], breaks) -> tuple[list, list]:
    colours = option_colours(options)
    handles = [
        Line2D([], [], color=colours[o], marker="o", markersize=POINT_SIZE, linewidth=1.6, label=o) for o in options
    ]
    names = {o: figure_label(data, country, question_id, o) for o in options}  # a measure is named as such
    labels = [f"“{o}”" if names[o] == o else names[o].capitalize() for o in options]
    if breaks:
        handles.append(Line2D([], [], color=style.RULE_COLOUR, linestyle=BREAK_STYLE, linewidth=0.9))
        labels.append("change of method (changes across it are not tested)")
    return handles, labels


@style.styled
def plot_trend(data: SurveyData, country: str, question_id: str) -> TrendFigure:
    """The trend chart of one series (``country``'s answers to ``question_id`` across waves)."""
    points = trends.series_points(data, country, question_id)
    waves = trends.series_waves(data, country, question_id)
    breaks = trends.series_breaks(waves)
    options = [str(o) for o in points["option"].cat.categories]
    current_year = int(waves.loc[waves["is_current"], "year"].iloc[0])
    years = [int(y) for y in waves["year"]]

    fig = TrendFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    ax.axvspan(current_year - 0.42, current_year + 0.42, color=CURRENT_BAND, zorder=0, linewidth=0)
    labels = _draw_points(fig, ax, data, country, question_id, points, breaks)
    _draw_breaks(ax, breaks, x_window(years))
    _dress_axes(ax, years, current_year)
    subtitle = (
        f"Share of {data.respondents(country)} giving each answer, by survey wave; earlier waves are other "
        "surveys with their own methods"
    )
    left = PAD_IN + AXIS_LABEL_IN
    stack(
        fig,
        Block(
            title=trends.series_title(data, country, question_id),
            subtitle=subtitle,
            footer=[note_text(waves, points, breaks), source_text(data, waves, points)],
            axes=[(ax, left, PLOT_WIDTH_IN)],
            body_in=BODY_IN,
            legend=_legend(data, country, question_id, options, breaks),
            notes=[b.text() for b in breaks],
        ),
    )
    place_labels(ax, labels)
    fig.chart_kind = "trend"
    fig.survey_table = points.assign(drawn_as="point")
    return fig
