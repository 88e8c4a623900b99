"""Text layout: measure text in the chart font, wrap it, and stack a chart's blocks top to bottom.

Every chart is :data:`~helpers.charts.style.WIDTH_IN` wide; its height follows from the measured text
(title, subtitle, legend, rows, footer), so nothing overlaps and nothing is squeezed. The axes keep the
horizontal positions their chart kind gives them, which is what keeps one scale across the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch

from ..formatting import NBSP
from . import style
from .style import DPI, FONT, GAP_IN, PAD_IN, SMALL_SIZE, SUBTITLE_SIZE, TEXT_SIZE, TITLE_SIZE, WIDTH_IN

INNER_IN = WIDTH_IN - 2 * PAD_IN


class SurveyFigure(Figure):
    """A Matplotlib figure that also carries what it shows.

    Attributes
    ----------
    chart_kind : str
        ``"diverging"``, ``"bars"``, ``"ranked"``, ``"single figure"`` or ``"dots"``.
    survey_table : pandas.DataFrame
        The rows the chart drew (a question or comparison table) with ``drawn_as`` added (``bar``,
        ``segment``, ``column``, ``total``, ``remainder``, ``dot``, ``note`` (another measure, said in the
        footer and drawn in no bar) or ``not drawn``).
    survey_differences : pandas.DataFrame or None
        For dot plots, the between-country tests beside the rows.
    chart_title, chart_subtitle, chart_footer : str
        The texts, unwrapped; the footer is a "Note:" line and a "Source:" line.
    chart_notes : list[str]
        Longer notes (the codebook's caveats, other measures, breaks in a series) for the notebook text: the
        footer stays two lines.
    """

    def __init__(self, height_in: float = 4.5):
        super().__init__(figsize=(WIDTH_IN, height_in), dpi=DPI)
        FigureCanvasAgg(self)  # a canvas of its own: text can be measured and nothing is shared with pyplot
        self.chart_kind = ""
        self.survey_table = pd.DataFrame()
        self.survey_differences: pd.DataFrame | None = None
        self.chart_title = ""
        self.chart_subtitle = ""
        self.chart_footer = ""
        self.chart_notes: list[str] = []

    def _repr_png_(self) -> bytes:
        """PNG for notebooks (``display(fig)``), rendered as :func:`helpers.charts.save_figure` does."""
        from .save import figure_bytes

        return figure_bytes(self, "png")


# ------------------------------------------------------------------------------------------------ measuring
@lru_cache(maxsize=1)
def measuring_renderer() -> RendererAgg:
    """The one renderer every measurement uses (text metrics depend only on the DPI; Matplotlib caches them)."""
    return RendererAgg(10, 10, DPI)


@lru_cache(maxsize=8192)
def _word_px(word: str, size: float, weight: str) -> float:
    prop = FontProperties(family=FONT, size=size, weight=weight)
    width, _, _ = measuring_renderer().get_text_width_height_descent(word, prop, ismath=False)
    return width


@lru_cache(maxsize=64)
def _space_px(size: float, weight: str) -> float:
    return _word_px("a a", size, weight) - 2 * _word_px("a", size, weight)


def text_width_in(text: str, size: float = TEXT_SIZE, weight: str = "normal") -> float:
    """Width of the widest line of ``text`` in inches, summed word by word (kerning across spaces ignored)."""
    widest = 0.0
    for line in text.split("\n"):
        words = line.replace(NBSP, " ").split(" ")
        px = sum(_word_px(w, size, weight) for w in words if w) + (len(words) - 1) * _space_px(size, weight)
        widest = max(widest, px / DPI)
    return widest


def wrap_text(text: str, width_in: float, size: float = TEXT_SIZE, weight: str = "normal") -> str:
    """Wrap ``text`` at spaces so that no line is wider than ``width_in`` inches in the chart font.

    Existing line breaks are kept; a single word wider than the width stays whole; no-break spaces
    (``\\u00a0``) never break.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            trial = f"{current} {word}" if current else word
            if current and text_width_in(trial, size, weight) > width_in:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return "\n".join(lines)


def wrap_balanced(text: str, width_in: float, size: float = TEXT_SIZE, weight: str = "normal") -> str:
    """Wrap ``text`` into as few lines as :func:`wrap_text` would, but as even as possible, so that no
    line is an orphan word (titles, subtitles)."""
    wrapped = wrap_text(text, width_in, size, weight)
    lines = wrapped.count("\n") + 1
    if lines == 1:
        return wrapped
    low, high = width_in / lines, width_in  # the narrowest width that still gives as many lines
    for _ in range(12):
        middle = (low + high) / 2
        if wrap_text(text, middle, size, weight).count("\n") + 1 > lines:
            low = middle
        else:
            high = middle
    return wrap_text(text, high, size, weight)


def wrap_filled(text: str, width_in: float, size: float = TEXT_SIZE, weight: str = "normal") -> str:
    """:func:`wrap_text`, lines filling the width, unless that leaves a lone word on the last line: then
    :func:`wrap_balanced` (footers)."""
    wrapped = wrap_text(text, width_in, size, weight)
    if "\n" in wrapped and len(wrapped.rsplit("\n", 1)[1].split()) < 2:
        return wrap_balanced(text, width_in, size, weight)
    return wrapped


def line_count(text: str, width_in: float, size: float = TEXT_SIZE, weight: str = "normal") -> int:
    return wrap_text(text, width_in, size, weight).count("\n") + 1


# ------------------------------------------------------------------------------------------------ layout
@dataclass
class Block:
    """What :func:`stack` places: the texts, the legend, and the axes with their fixed horizontal spans."""

    title: str
    subtitle: str
    footer: Sequence[str]
    axes: Sequence[tuple[Axes, float, float]]  # (axes, left in inches, width in inches)
    body_in: float
    legend: tuple[list, list] | None = None
    notes: list[str] = field(default_factory=list)


def _add_texts(fig: SurveyFigure, block: Block) -> tuple:
    """The title, subtitle and footer, wrapped to the chart's width, placed later by :func:`stack`."""
    trans = fig.dpi_scale_trans
    title = fig.text(
        0,
        0,
        wrap_balanced(block.title, INNER_IN, TITLE_SIZE, "bold"),
        fontsize=TITLE_SIZE,
        fontweight="bold",
        ha="left",
        va="top",
        transform=trans,
        linespacing=1.2,
        parse_math=False,
        color=style.TEXT_COLOUR,
        gid="chart-title",
    )
    subtitle = fig.text(
        0,
        0,
        wrap_balanced(block.subtitle.replace(" · ", f"{NBSP}· "), INNER_IN, SUBTITLE_SIZE),  # "·" ends a line
        fontsize=SUBTITLE_SIZE,
        ha="left",
        va="top",
        transform=trans,
        linespacing=1.35,
        parse_math=False,
        color=style.MUTED_COLOUR,
        gid="chart-subtitle",
    )
    footer = fig.text(
        0,
        0,
        "\n".join(wrap_filled(line, INNER_IN, SMALL_SIZE) for line in block.footer),
        fontsize=SMALL_SIZE,
        ha="left",
        va="bottom",
        transform=trans,
        linespacing=1.35,
        parse_math=False,
        color=style.MUTED_COLOUR,
        gid="chart-footer",
    )
    return title, subtitle, footer


def _height_in(artist) -> float:
    """How tall an artist of the chart is, in inches (0 for none)."""
    return artist.get_window_extent(measuring_renderer()).height / DPI if artist is not None else 0.0


def _add_legend(fig: SurveyFigure, legend: tuple[list, list] | None):
    """The legend in as many columns as fit the chart's width, read row by row; None when there is none."""
    if legend is None or not legend[0]:
        return None
    renderer = measuring_renderer()
    handles, labels = legend
    columns = list(range(len(handles), 0, -1))
    for ncol in columns:
        ordered_handles, ordered_labels = row_major(handles, labels, ncol)
        added = fig.legend(
            ordered_handles,
            ordered_labels,
            ncol=ncol,
            loc="upper left",
            bbox_to_anchor=(0, 0),
            bbox_transform=fig.dpi_scale_trans,
            borderaxespad=0,
            borderpad=0,
            fontsize=SMALL_SIZE,
            frameon=False,
        )
        if added.get_window_extent(renderer).width / DPI <= INNER_IN or ncol == columns[-1]:
            break
        added.remove()
    return added


def _decoration_room(axes: Sequence[tuple[Axes, float, float]]) -> tuple[float, float]:
    """Room the decorations (tick labels, titles) need above and below the axes, whatever their size, in inches."""
    renderer = measuring_renderer()
    top_over = bottom_over = 0.0
    for ax, _left, _width in axes:
        ax.set_position([0.3, 0.3, 0.4, 0.4])
        tight = ax.get_tightbbox(renderer, bbox_extra_artists=[])
        box = ax.get_window_extent(renderer)
        top_over = max(top_over, (tight.y1 - box.y1) / DPI)
        bottom_over = max(bottom_over, (box.y0 - tight.y0) / DPI)
    return top_over, bottom_over


def stack(fig: SurveyFigure, block: Block) -> None:
    """Stack title, subtitle, legend, axes and footer top to bottom; set the figure's height to fit.

    Title and subtitle wrap to the chart's width in even lines (:func:`wrap_balanced`), footer lines fill it
    (:func:`wrap_filled`): no line is a lone word.
    """
    title, subtitle, footer = _add_texts(fig, block)
    fig.chart_title = block.title
    fig.chart_subtitle = block.subtitle.replace(NBSP, " ")
    fig.chart_footer = "\n".join(block.footer).replace(NBSP, " ")
    fig.chart_notes = list(block.notes)
    legend = _add_legend(fig, block.legend)
    top_over, bottom_over = _decoration_room(block.axes)

    heights = [_height_in(title), _height_in(subtitle)] + ([_height_in(legend)] if legend is not None else [])
    total = (
        2 * PAD_IN
        + sum(heights)
        + GAP_IN * len(heights)
        + top_over
        + block.body_in
        + bottom_over
        + GAP_IN
        + _height_in(footer)
    )
    fig.set_size_inches(WIDTH_IN, total)
    y = total - PAD_IN
    title.set_position((PAD_IN, y))
    y -= heights[0] + GAP_IN * 0.6
    subtitle.set_position((PAD_IN, y))
    y -= heights[1] + GAP_IN
    if legend is not None:
        legend.set_bbox_to_anchor((PAD_IN, y), transform=fig.dpi_scale_trans)
        y -= heights[2] + GAP_IN
    bottom = y - top_over - block.body_in
    for ax, left, width in block.axes:
        ax.set_position([left / WIDTH_IN, bottom / total, width / WIDTH_IN, block.body_in / total])
    footer.set_position((PAD_IN, PAD_IN))


def row_major(handles: list, labels: list, ncol: int) -> tuple[list, list]:
    """Reorder legend entries so that they read left to right, row by row (Matplotlib fills columns first);
    the last row is padded with invisible entries."""
    rows = -(-len(handles) // ncol)
    blank = Patch(visible=False, label="")
    padded = list(zip(handles, labels)) + [(blank, "")] * (rows * ncol - len(handles))
    order = [padded[r * ncol + c] for c in range(ncol) for r in range(rows)]
    return [h for h, _ in order], [lab for _, lab in order]


def rows_height(labels: Sequence[str], width_in: float | None = None, size: float = TEXT_SIZE) -> float:
    """Height of a body of rows: each row as tall as the tallest label. Labels are taken as wrapped (their
    line breaks counted) unless ``width_in`` is given, in which case they are wrapped to it first."""
    counts = [label.count("\n") + 1 if width_in is None else line_count(label, width_in, size) for label in labels]
    return max(style.ROW_IN, style.LINE_IN * max([*counts, 1]) + 0.12) * len(labels)


def fits_inside(text: str, length_in: float, size: float = TEXT_SIZE, pad_in: float = 0.06) -> bool:
    return text_width_in(text, size) + 2 * pad_in <= length_in
