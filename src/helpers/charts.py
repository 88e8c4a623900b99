"""Charts of the survey: one question in one country, and one item compared across countries.

Every chart is drawn from the tidy tables of :mod:`helpers.tables` and carries what a reader needs to judge
it (``METHODS.md``, Charts): the paraphrased question wording as title; a subtitle with the country, the base
(n, flagged when estimated), the fieldwork month and the source(s); a footer stating the interval method and
its assumption; and, where the source published only some options, the unpublished remainder drawn as such.

Chart kinds (``fig.chart_kind``), chosen by the codebook's ``question_type``:

- ``"diverging"`` for ``scale``: diverging stacked bar centred on the midpoint (Heiberger & Robbins, JSS 2014,
  "Design of diverging stacked bar charts for Likert scales"); negative side left of 0, positive right, the
  midpoint split half and half across 0, the unpublished remainder in a separate panel on the right, drawn
  to the same scale (as Heiberger & Robbins do for "no opinion").
- ``"bars"`` for ``single_choice``: horizontal bars in questionnaire order (never sorted by value), Wilson
  interval whiskers, the unpublished remainder as a grey hatched bar.
- ``"ranked"`` for ``select_all`` and ``top_reasons``: horizontal bars ranked largest on top; where two sources
  report different measures of one question, one panel per measure, side by side.
- ``"comparison"`` (:func:`plot_comparison`): grouped bars, one group per shared option and one bar per
  country, with the between-country test written under each group.

Style: one definition, :data:`CHART_STYLE`, applied through :func:`chart_style` (a ``matplotlib.rc_context``)
inside every function that draws or saves; importing this module changes no global setting. Colours:
Okabe & Ito (2008) for categories, with a fixed colour per country (:func:`country_colour`); ColorBrewer PuOr
for the sides of a scale. PuOr rather than RdBu because red/blue reads as bad/good, and these scales
(nuclear weapons, defence spending) have no good side.

Figures are :class:`SurveyFigure` objects, created outside ``pyplot``: nothing is registered globally, so
nothing leaks, there is nothing to close, and a notebook shows a chart once, where it calls
``display(fig)``. Each figure carries the table it drew (``fig.survey_table``; see :func:`chart_data`).

Example
-------
>>> from helpers.data import load_survey_data
>>> from helpers.charts import plot_question, save_figure, question_stem, chart_data
>>> data = load_survey_data()
>>> fig = plot_question(data, "JP", "japan_nuclear_weapons")  # doctest: +SKIP
>>> save_figure(fig, question_stem("JP", "japan_nuclear_weapons"))  # doctest: +SKIP
['figures/JP/japan_nuclear_weapons.png', 'figures/JP/japan_nuclear_weapons.svg']
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Iterator, Sequence

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from . import paths
from .data import SurveyData, check_country
from .tables import (
    KIND_DERIVED,
    KIND_NET,
    KIND_NOT_PUBLISHED,
    KIND_PUBLISHED,
    Comparison,
    comparable_items,
    comparison_differences,
    comparison_table,
    format_base,
    question_row,
    question_table,
    questions_in_category,
)

__all__ = [
    "CHART_KINDS",
    "CHART_STYLE",
    "FIGURE_FORMATS",
    "SurveyFigure",
    "chart_all_comparisons",
    "chart_all_questions",
    "chart_data",
    "chart_style",
    "comparison_stem",
    "country_colour",
    "plot_and_save_comparison",
    "plot_and_save_question",
    "plot_comparison",
    "plot_question",
    "question_stem",
    "save_figure",
]

# ------------------------------------------------------------------------------------------------ style
WIDTH_IN = 8.0
"""Figure width in inches; at :data:`DPI` the PNG is 800 px wide, readable without scaling on a page."""
DPI = 100

FONT = "DejaVu Sans"  # ships with Matplotlib, so text looks (and measures) the same on every machine
TITLE_SIZE = 13
SUBTITLE_SIZE = 10
TEXT_SIZE = 10  # option labels, values, legend
SMALL_SIZE = 9  # ticks, footer, panel titles: the smallest text on a chart
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"

CHART_STYLE: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": TEXT_SIZE,
    "text.color": TEXT_COLOUR,
    "axes.titlesize": SMALL_SIZE,
    "axes.titlecolor": MUTED_COLOUR,
    "axes.titlelocation": "left",
    "axes.labelsize": SMALL_SIZE,
    "axes.labelcolor": MUTED_COLOUR,
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": False,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.8,
    "xtick.labelsize": SMALL_SIZE,
    "ytick.labelsize": TEXT_SIZE,
    "xtick.color": MUTED_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "legend.fontsize": SMALL_SIZE,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "legend.handleheight": 1.1,
    "legend.columnspacing": 1.4,
    "hatch.linewidth": 1.0,
    "errorbar.capsize": 3,
    "figure.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "savefig.bbox": None,  # the layout below fixes the canvas; "tight" would make the size data-dependent
    # SVG text kept as text: labels stay editable in a vector editor and searchable, files are ~8x smaller
    # and render ~25% faster than with "path". The cost: a viewer without DejaVu Sans substitutes its own
    # sans-serif, so a wrapped label can come out slightly wider; the PNG is the exact reference.
    "svg.fonttype": "none",
    # Fixed salt: SVG ids (clip paths, hatches, glyphs) are then the same on every run.
    "svg.hashsalt": "helpers.charts",
    "svg.id": None,
}
"""The one style of every chart (rcParams), applied with :func:`chart_style`."""

# Metadata that would make files differ between runs or environments is dropped: PNG's "Software" (the
# Matplotlib version; PNG has no date by default), SVG's "Date" (today) and "Creator" (the version), PDF's
# "CreationDate", "Creator" and "Producer".
SAVE_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}
FIGURE_FORMATS = tuple(SAVE_METADATA)
"""Formats :func:`save_figure` writes: ``png`` (800 px wide), ``svg`` and ``pdf``."""

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
"""Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency."""
COUNTRY_PALETTE = ("blue", "vermillion", "bluish green", "reddish purple", "orange", "sky blue")
"""Colours given to the countries of ``survey.yml`` in its order: JP blue, KR vermillion, US bluish green."""

# ColorBrewer PuOr (9 classes), each side listed from the centre outwards. Orange is the negative side.
PUOR_NEGATIVE = ("#fee0b6", "#fdb863", "#e08214", "#b35806")
PUOR_POSITIVE = ("#d8daeb", "#b2abd2", "#8073ac", "#542788")
MIDPOINT_COLOUR = "#c8c8c8"
NOT_PUBLISHED_COLOUR = "#ededed"
NOT_PUBLISHED_HATCH_COLOUR = "#a6a6a6"
WHISKER_COLOUR = "#333333"

HATCH_DERIVED = "////"
HATCH_UNCONFIRMED = "xxx"
HATCH_NOT_PUBLISHED = "\\\\\\\\"

NOT_PUBLISHED_TEXT = "not published (other answers)"
OTHER_OPTIONS_NOTE = "Other options not published"
ANSWER_FORMATS = {
    "one": "one answer",
    "up to 2": "up to 2 answers",
    "multiple": "multiple answers",
    "not disclosed": "answer format not disclosed",
}

CHART_KINDS = {"scale": "diverging", "single_choice": "bars", "select_all": "ranked", "top_reasons": "ranked"}
"""Chart kind drawn for each codebook ``question_type``."""

# Layout, in inches.
PAD_IN = 0.2  # figure edge
GAP_IN = 0.14  # between blocks (title, subtitle, legend, plot, footer)
PANEL_GAP_IN = 0.35  # between side-by-side panels
BAR_ROW_IN = 0.38  # minimum height of one bar's row
MIN_BODY_IN = 1.1  # a chart of one or two bars still has some height
LINE_IN = TEXT_SIZE * 1.25 / 72  # height of one line of a wrapped option label
DIVERGING_ROW_IN = 0.95
COMPARISON_BODY_IN = 2.6
OPTION_LABEL_IN = 2.3  # option labels are wrapped to this width
BAR_HEIGHT = 0.62  # in row units


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Apply :data:`CHART_STYLE` for the duration of a ``with`` block; global rcParams are restored after."""
    with mpl.rc_context(CHART_STYLE):
        yield


class SurveyFigure(Figure):
    """A Matplotlib figure that also carries what it shows.

    Attributes
    ----------
    chart_kind : str
        One of ``"diverging"``, ``"bars"``, ``"ranked"``, ``"comparison"``.
    survey_table : pandas.DataFrame
        The rows the chart drew, with ``label`` (as shown) and ``drawn_as`` (``segment``, ``bar``,
        ``total``, ``remainder`` or ``not drawn``) added to the columns of :func:`helpers.tables.question_table`.
    survey_differences : pandas.DataFrame or None
        For comparisons, :func:`helpers.tables.comparison_differences`.
    chart_title, chart_subtitle, chart_footer : str
        The texts, unwrapped.
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

    def _repr_png_(self) -> bytes:
        """PNG for notebooks (``display(fig)``), rendered as :func:`save_figure` does; a Matplotlib inline
        backend, when active, may use its own renderer instead."""
        buffer = BytesIO()
        with chart_style():
            self.savefig(buffer, format="png", dpi=DPI, metadata=_metadata(self, "png"))
        return buffer.getvalue()


# --------------------------------------------------------------------------------------------- text helpers
@lru_cache(maxsize=1)
def _measuring_renderer() -> RendererAgg:
    return RendererAgg(10, 10, DPI)


@lru_cache(maxsize=4096)
def _word_width_px(word: str, size: float, weight: str) -> float:
    prop = FontProperties(family=FONT, size=size, weight=weight)
    width, _, _ = _measuring_renderer().get_text_width_height_descent(word, prop, ismath=False)
    return width


def _text_width_in(text: str, size: float, weight: str = "normal") -> float:
    """Width of one line of text in inches, summed word by word (cached; kerning across spaces ignored)."""
    words = text.split(" ")
    return (sum(_word_width_px(w, size, weight) for w in words if w)
            + (len(words) - 1) * _space_px(size, weight)) / DPI


@lru_cache(maxsize=64)
def _space_px(size: float, weight: str) -> float:
    return _word_width_px("a a", size, weight) - 2 * _word_width_px("a", size, weight)


def wrap_text(text: str, width_in: float, size: float = TEXT_SIZE, weight: str = "normal") -> str:
    """Wrap ``text`` at spaces so that no line is wider than ``width_in`` inches in the chart font.

    Measured with the font itself (not a character count), so lines fill the width without overflowing.
    Existing line breaks are kept; a single word wider than the width stays whole.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            trial = f"{current} {word}" if current else word
            if current and _text_width_in(trial, size, weight) > width_in:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return "\n".join(lines)


def _lower_first(text: str) -> str:
    """'Overall impression' → 'overall impression'; 'U.S. forces' stays as it is."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _deff_text(deff: float) -> str:
    text = f"{deff:g}"
    return text if "." in text or "e" in text else f"{text}.0"


def _confidence_text(confidence: float) -> str:
    return f"{confidence * 100:g}%"


def _luminance(colour: str) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink_on(colour: str) -> str:
    """Text or hatch colour that stands out on a fill."""
    return "white" if _luminance(colour) < 0.5 else TEXT_COLOUR


def _lighten(colour: str, amount: float = 0.55) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def country_colour(data: SurveyData, country: str) -> str:
    """Fixed Okabe–Ito colour of a country: the n-th country of ``survey.yml`` gets the n-th palette colour."""
    countries = data.countries()
    index = countries.index(country) if country in countries else len(countries)
    return OKABE_ITO[COUNTRY_PALETTE[index % len(COUNTRY_PALETTE)]]


# --------------------------------------------------------------------------------------------- metadata text
def _source_label(data: SurveyData, source_id: str) -> str:
    """Publisher of a source, with "press report" for secondary sources."""
    publisher = str(data.source(source_id)["publisher"])
    return f"{publisher} (press report)" if data.is_press(source_id) else publisher


def _sources_text(data: SurveyData, source_ids: Sequence[str]) -> str:
    labels = list(dict.fromkeys(_source_label(data, s) for s in source_ids))
    return ("source: " if len(labels) == 1 else "sources: ") + "; ".join(labels)


def _country_name(data: SurveyData, country: str) -> str:
    return str(data.survey["countries"][country]["name"])


NBSP = "\u00a0"


def _base_text(table: pd.DataFrame) -> str:
    """The base as :func:`helpers.tables.format_base` writes it, with no-break spaces so it is never split
    over two lines."""
    return format_base(float(table["base_n"].iloc[0]), bool(table["base_is_estimate"].iloc[0])).replace(" ", NBSP)


def _base_description(data: SurveyData, q: pd.Series) -> str:
    """Who was asked: "all respondents" or "those who answered “favorable” (Overall impression of …)"."""
    if pd.isna(q["base_question"]) or not q["base_question"]:
        return "all respondents"
    parent = question_row(data, str(q["base_question"]))
    return f"those who answered “{q['base_option']}” ({parent['wording']})"


def _question_subtitle(data: SurveyData, country: str, q: pd.Series, table: pd.DataFrame, kind: str) -> str:
    sources = [s for s in table["source"].dropna()]
    base = _base_text(table)
    who = _base_description(data, q)
    line = f"{_country_name(data, country)} · fieldwork {data.survey['fieldwork_month']} · " \
           f"{_sources_text(data, sources)}"
    if kind == "ranked":
        answers = "multiple answers" if q["question_type"] == "select_all" else ANSWER_FORMATS[str(q["answers"])]
        return f"{answers[0].upper()}{answers[1:]}; shares of {who} ({base})\n{line}"
    return f"{line}\nShares of {who} ({base})"


def _codebook_notes(data: SurveyData, question_ids: Sequence[str]) -> list[str]:
    """The codebook's notes on the questions (comparability, assumptions), as footer lines."""
    notes = []
    for qid in question_ids:
        note = data.questions.loc[data.questions["question_id"] == qid, "note"].iloc[0]
        if not pd.isna(note):
            notes.append(f"Note: {note}")
    return notes


def _interval_note(confidence: float, deff: float, what: str = "Bars") -> str:
    return (f"{what}: {_confidence_text(confidence)} Wilson intervals assuming simple random sampling "
            f"(deff {_deff_text(deff)}).")


def _estimate_note(table: pd.DataFrame) -> list[str]:
    if bool(table["base_is_estimate"].iloc[0]):
        return ["n estimated from the parent question (its n × the share who gave the answer that led to this "
                "question); the sources publish no subgroup n."]
    return []


# --------------------------------------------------------------------------------------------- nets
def _net_parts(table: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
    """Parts of each net of a question table (its ``net_of``), keyed by (option, measure)."""
    nets = table[table["kind"] == KIND_NET]
    return {(str(r.option), "" if pd.isna(r.measure) else str(r.measure)):
            tuple(p.strip() for p in str(r.net_of).split(";") if p.strip())
            for r in nets.itertuples(index=False)}


def _short_part(part: str, net: str) -> str:
    """'strongly in favor' of the net 'in favor' → 'strongly'."""
    words = [w for w in part.split() if w not in net.split()]
    return " ".join(words) if words else part


def _measure_of(table: pd.DataFrame) -> pd.Series:
    return table["measure"].fillna("").astype(str)


def _measure_title(data: SurveyData, measure: str, rows: pd.DataFrame) -> str:
    """Panel title of one measure: its label from ``survey.yml`` and its source, e.g.
    "One main reason · Asia Pacific Initiative, …"."""
    spec = (data.survey.get("measures") or {}).get(measure)
    name = spec.get("label") if isinstance(spec, dict) and spec.get("label") else measure.replace("_", " ")
    sources = rows.loc[rows["kind"] != KIND_NOT_PUBLISHED, "source"].dropna()
    return f"{name[0].upper()}{name[1:]} · " + "; ".join(dict.fromkeys(_source_label(data, s) for s in sources))


# --------------------------------------------------------------------------------------------- layout
@dataclass
class _Panel:
    """An axes in the layout: ``weight`` is its share of the free width; with equal scale its x-range
    starts at ``low`` and spans ``span`` data units plus ``extra_in`` inches (room for labels)."""

    ax: Axes
    weight: float = 1.0
    low: float = 0.0
    span: float = 1.0
    extra_in: float = 0.0


def _fit_texts(ax: Axes, axis: str = "x", symmetric: bool = False, pad_px: float = 3.0, rounds: int = 6) -> None:
    """Widen the axis limits until every text on the axes (value labels) lies inside the axes."""
    renderer = _measuring_renderer()
    texts = [t for t in ax.texts if t.get_visible() and t.get_text()]
    if not texts:
        return
    for _ in range(rounds):
        box = ax.get_window_extent(renderer)
        extents = [t.get_window_extent(renderer) for t in texts]
        if axis == "x":
            low, high = ax.get_xlim()
            over_low = box.x0 + pad_px - min(e.x0 for e in extents)
            over_high = max(e.x1 for e in extents) - (box.x1 - pad_px)
            size = box.width
        else:
            low, high = ax.get_ylim()
            over_low = box.y0 + pad_px - min(e.y0 for e in extents)
            over_high = max(e.y1 for e in extents) - (box.y1 - pad_px)
            size = box.height
        if over_low <= 0.5 and over_high <= 0.5:
            return
        per_px = (high - low) / size
        low -= max(over_low, 0) * per_px * 1.1
        high += max(over_high, 0) * per_px * 1.1
        if symmetric:
            low, high = -max(-low, high), max(-low, high)
        (ax.set_xlim if axis == "x" else ax.set_ylim)(low, high)


def _layout(fig: SurveyFigure, *, title: str, subtitle: str, footer: Sequence[str], panels: Sequence[_Panel],
            body_in: float, legend: tuple[list, list] | None = None, fit_axis: str = "x",
            symmetric_first: bool = False, equal_scale: bool = False, same_limits: bool = False,
            legend_rows: int = 1) -> None:
    """Stack title, subtitle, legend, panels and footer top to bottom, sized from the measured text.

    The figure is :data:`WIDTH_IN` wide; its height follows from the content, so nothing overlaps and
    nothing is squeezed. Panels sit side by side; with ``equal_scale`` their widths are proportional to
    their data ranges (one percentage point is as long in every panel); with ``same_limits`` they share one
    range.
    """
    inner = WIDTH_IN - 2 * PAD_IN
    trans = fig.dpi_scale_trans
    title_text = fig.text(0, 0, wrap_text(title, inner, TITLE_SIZE, "bold"), fontsize=TITLE_SIZE,
                          fontweight="bold", ha="left", va="top", transform=trans, linespacing=1.2,
                          parse_math=False, color=TEXT_COLOUR)
    subtitle_text = fig.text(0, 0, wrap_text(subtitle, inner, SUBTITLE_SIZE), fontsize=SUBTITLE_SIZE,
                             ha="left", va="top", transform=trans, linespacing=1.35, parse_math=False,
                             color=MUTED_COLOUR)
    footer_text = fig.text(0, 0, "\n".join(wrap_text(line, inner, SMALL_SIZE) for line in footer),
                           fontsize=SMALL_SIZE, ha="left", va="bottom", transform=trans, linespacing=1.3,
                           parse_math=False, color=MUTED_COLOUR)
    fig.chart_title, fig.chart_subtitle, fig.chart_footer = (
        text.replace(NBSP, " ") for text in (title, subtitle, "\n".join(footer)))
    title_text.set_gid("chart-title")
    subtitle_text.set_gid("chart-subtitle")
    footer_text.set_gid("chart-footer")

    # One renderer for every measurement: text extents depend only on the DPI, not on the canvas size, and
    # Matplotlib caches text metrics per renderer, so labels seen in earlier charts are not measured again.
    renderer = _measuring_renderer()

    def height(artist) -> float:
        return artist.get_window_extent(renderer).height / DPI if artist is not None else 0.0

    legend_artist = None
    if legend is not None and legend[0]:
        handles, labels = legend
        candidates = sorted({math.ceil(len(handles) / rows) for rows in range(legend_rows, len(handles) + 1)},
                            reverse=True)
        for ncol in candidates:
            legend_artist = fig.legend(handles, labels, ncol=ncol, loc="upper left", bbox_to_anchor=(0, 0),
                                       bbox_transform=trans, borderaxespad=0, borderpad=0,
                                       fontsize=SMALL_SIZE, frameon=False)
            if legend_artist.get_window_extent(renderer).width / DPI <= inner or ncol == candidates[-1]:
                break
            legend_artist.remove()

    # Room the axes decorations (tick labels, panel titles) need around each panel, independent of its size.
    overhangs = []
    for panel in panels:
        panel.ax.set_position([0.3, 0.3, 0.4, 0.4])
        tight = panel.ax.get_tightbbox(renderer, bbox_extra_artists=[])
        box = panel.ax.get_window_extent(renderer)
        overhangs.append(((box.x0 - tight.x0) / DPI, (tight.x1 - box.x1) / DPI,
                          (box.y0 - tight.y0) / DPI, (tight.y1 - box.y1) / DPI))
    top_over = max(o[3] for o in overhangs)
    bottom_over = max(o[2] for o in overhangs)

    title_in, subtitle_in, legend_in, footer_in = (height(a) for a in (title_text, subtitle_text, legend_artist,
                                                                        footer_text))
    blocks = [title_in, subtitle_in] + ([legend_in] if legend_artist is not None else [])
    total = (2 * PAD_IN + sum(blocks) + GAP_IN * len(blocks) + top_over + body_in + bottom_over + GAP_IN
             + footer_in)
    fig.set_size_inches(WIDTH_IN, total)

    y = total - PAD_IN
    title_text.set_position((PAD_IN, y))
    y -= title_in + GAP_IN * 0.6
    subtitle_text.set_position((PAD_IN, y))
    y -= subtitle_in + GAP_IN
    if legend_artist is not None:
        legend_artist.set_bbox_to_anchor((PAD_IN, y), transform=trans)
        y -= legend_in + GAP_IN
    axes_top = y - top_over
    axes_bottom = axes_top - body_in
    footer_text.set_position((PAD_IN, PAD_IN))

    def place(weights: Sequence[float]) -> None:
        free = inner - sum(o[0] + o[1] for o in overhangs) - PANEL_GAP_IN * (len(panels) - 1)
        if equal_scale:
            # The same k inches per percentage point in every panel: widths = span · k + extra, filling the
            # free width.
            k = (free - sum(p.extra_in for p in panels)) / sum(p.span for p in panels)
            widths = [p.span * k + p.extra_in for p in panels]
            for p in panels:
                p.ax.set_xlim(p.low, p.low + p.span + p.extra_in / k)
        else:
            widths = [free * w / sum(weights) for w in weights]
        x = PAD_IN
        for panel, over, width in zip(panels, overhangs, widths):
            x += over[0]
            panel.ax.set_position([x / WIDTH_IN, axes_bottom / total, width / WIDTH_IN, body_in / total])
            x += width + over[1] + PANEL_GAP_IN

    place([p.weight for p in panels])
    if not equal_scale:
        for i, panel in enumerate(panels):
            _fit_texts(panel.ax, fit_axis, symmetric=symmetric_first and i == 0)
        if same_limits:
            high = max((p.ax.get_xlim() if fit_axis == "x" else p.ax.get_ylim())[1] for p in panels)
            for panel in panels:
                (panel.ax.set_xlim if fit_axis == "x" else panel.ax.set_ylim)(0, high)


def _percent_axis(ax: Axes, axis: str, limit: float, absolute: bool = False) -> None:
    """Percent ticks every 10 or 20 points with a light grid; ``absolute`` labels −40 as 40%."""
    step = 10 if limit <= 45 else 20
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MultipleLocator(step))
    target.set_major_formatter(FuncFormatter(
        lambda v, _: f"{abs(v):.0f}%" if absolute else f"{v:.0f}%"))
    ax.tick_params(axis=axis, labelsize=SMALL_SIZE, colors=MUTED_COLOUR, length=0, pad=4,
                   grid_color=CHART_STYLE["grid.color"], grid_linewidth=CHART_STYLE["grid.linewidth"])
    ax.grid(True, axis=axis)


def _style_category_axis(ax: Axes, axis: str) -> None:
    ax.tick_params(axis=axis, labelsize=TEXT_SIZE, colors=TEXT_COLOUR, length=0, pad=6)
    for side in ("top", "right", "left" if axis == "y" else "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom" if axis == "y" else "left"].set_color("#888888")


# --------------------------------------------------------------------------------------------- rows → looks
def _row_look(colour: str, kind: str, status: str) -> dict:
    """Fill and hatch of a bar or segment: derived and unconfirmed values are hatched, the remainder grey."""
    if kind == KIND_NOT_PUBLISHED:
        return {"facecolor": NOT_PUBLISHED_COLOUR, "hatch": HATCH_NOT_PUBLISHED,
                "hatchcolor": NOT_PUBLISHED_HATCH_COLOUR}
    if status == "unconfirmed":
        return {"facecolor": _lighten(colour), "hatch": HATCH_UNCONFIRMED, "hatchcolor": colour}
    if kind == KIND_DERIVED:
        return {"facecolor": colour, "hatch": HATCH_DERIVED, "hatchcolor": _ink_on(colour)}
    return {"facecolor": colour, "hatch": None, "hatchcolor": colour}


def _row_label(option: str, kind: str, status: str) -> str:
    if kind == KIND_NOT_PUBLISHED:
        return NOT_PUBLISHED_TEXT
    suffix = []
    if kind == KIND_DERIVED:
        suffix.append("derived")
    if kind == KIND_NET:
        suffix.append("net")
    if status == "unconfirmed":
        suffix.append("unconfirmed")
    return option + "".join(f" ({s})" for s in suffix)


def _value_label(ax: Axes, x: float, y: float, text: str, horizontal: bool = True) -> None:
    if horizontal:
        ax.annotate(text, (x, y), xytext=(5, 0), textcoords="offset points", ha="left", va="center",
                    fontsize=TEXT_SIZE, color=TEXT_COLOUR, parse_math=False)
    else:
        ax.annotate(text, (x, y), xytext=(0, 4), textcoords="offset points", ha="center", va="bottom",
                    fontsize=TEXT_SIZE, color=TEXT_COLOUR, parse_math=False)


class _Whiskers:
    """Interval whiskers collected per axes and drawn with one ``errorbar`` call each (one call per bar is
    several times slower). ``centre`` draws a whisker around another point (a stacked bar's end)."""

    def __init__(self) -> None:
        self.items: dict[tuple[Axes, bool], list[tuple[float, float, float, float]]] = {}

    def add(self, ax: Axes, value: float, position: float, low: float, high: float, horizontal: bool = True,
            centre: float | None = None) -> None:
        if pd.isna(low) or pd.isna(high):
            return
        at = value if centre is None else centre
        self.items.setdefault((ax, horizontal), []).append((at, position, value - low, high - value))

    def draw(self) -> None:
        for (ax, horizontal), items in self.items.items():
            at, position, below, above = (list(v) for v in zip(*items))
            style = dict(fmt="none", ecolor=WHISKER_COLOUR, elinewidth=1.0, capsize=3, capthick=1.0, zorder=4)
            if horizontal:
                ax.errorbar(at, position, xerr=[below, above], **style)
            else:
                ax.errorbar(position, at, yerr=[below, above], **style)


def _record(table: pd.DataFrame, labels: dict, drawn: dict) -> pd.DataFrame:
    """Add ``label`` (as shown) and ``drawn_as`` to the table a chart drew."""
    table = table.copy()
    table["label"] = pd.Series([labels.get(i, "") for i in table.index], index=table.index, dtype="string")
    table["drawn_as"] = pd.Series([drawn.get(i, "not drawn") for i in table.index], index=table.index,
                                  dtype="string")
    return table


# --------------------------------------------------------------------------------------------- dispatch
def plot_question(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                  deff: float = 1.0) -> SurveyFigure:
    """Chart of one question in one country, of the kind its ``question_type`` calls for (:data:`CHART_KINDS`).

    Parameters
    ----------
    data : SurveyData
        From :func:`helpers.data.load_survey_data`.
    country : str
        ISO code, e.g. ``"JP"``.
    question_id : str
        A codebook id.
    confidence : float, default 0.95
        Level of the Wilson intervals drawn as whiskers.
    deff : float, default 1.0
        Design effect; intervals use n / deff and the footer says so.

    Returns
    -------
    SurveyFigure
        With ``chart_kind`` and ``survey_table`` set. Raises ValueError when the country has no figures
        for the question.
    """
    check_country(data, country)
    q = question_row(data, question_id)
    table = question_table(data, country, question_id, confidence=confidence, deff=deff)
    if table.empty:
        have = ", ".join(q["countries"]) or "none"
        raise ValueError(f"no published figures for '{question_id}' in {country} (countries with data: {have})")
    kind = CHART_KINDS[str(q["question_type"])]
    with chart_style():
        if kind == "diverging":
            fig = _plot_diverging(data, country, q, table, confidence, deff)
        else:
            fig = _plot_bars(data, country, q, table, confidence, deff, ranked=kind == "ranked")
    fig.chart_kind = kind
    return fig


# --------------------------------------------------------------------------------------------- diverging
@dataclass
class _Segment:
    label: str
    value: float
    text: str
    side: str  # "+", "-" or "0"
    colour: str
    kind: str
    status: str
    index: list  # rows of the table drawn by this segment


def _ramp(side: str, count: int) -> list[str]:
    """Colours of ``count`` options of one side, from the centre outwards (darker = stronger)."""
    ramp = PUOR_POSITIVE if side == "+" else PUOR_NEGATIVE
    picks = {1: [2], 2: [1, 3], 3: [1, 2, 3]}.get(count, list(range(4)))
    return [ramp[min(i, 3)] for i in picks] + [ramp[3]] * max(0, count - len(picks))


def _scale_segments(options: tuple[str, ...], sides: dict[str, str], rows: pd.DataFrame,
                    nets: dict[tuple[str, str], tuple[str, ...]], measure: str) -> tuple[list[_Segment], list[str]]:
    """Segments of one diverging bar: per side from the centre outwards, then the midpoint.

    A part known individually (published or derived) is drawn itself; parts known only through their net
    are drawn as one block of the net (less any of its parts drawn separately). Returns the segments and
    notes for the footer.
    """
    index = {o: i for i, o in enumerate(options)}
    zero = [index[o] for o in options if sides[o] == "0"]
    pos = [index[o] for o in options if sides[o] == "+"]
    neg = [index[o] for o in options if sides[o] == "-"]
    if zero:
        centre = sum(zero) / len(zero)
    elif pos and neg and max(pos) < min(neg):
        centre = (max(pos) + min(neg)) / 2
    elif pos and neg and max(neg) < min(pos):
        centre = (max(neg) + min(pos)) / 2
    else:
        centre = (len(options) - 1) / 2
    plain = {r.option: (i, r) for i, r in rows.iterrows() if r["kind"] in (KIND_PUBLISHED, KIND_DERIVED)}
    net_rows = {r.option: (i, r) for i, r in rows.iterrows() if r["kind"] == KIND_NET}
    segments: list[_Segment] = []
    notes: list[str] = []
    for side in ("-", "+", "0"):
        side_options = sorted((o for o in options if sides[o] == side),
                              key=lambda o: (abs(index[o] - centre), index[o]))
        colours = _ramp(side, len(side_options)) if side != "0" else [MIDPOINT_COLOUR] * len(side_options)
        used_nets: set[str] = set()
        for option, colour in zip(side_options, colours):
            if option in plain:
                i, r = plain[option]
                segments.append(_Segment(_row_label(option, r["kind"], r["status"]), float(r["percent"]),
                                         str(r["percent_text"]), side, colour, r["kind"], r["status"], [i]))
                continue
            for net, (i, r) in net_rows.items():
                parts = nets.get((net, measure), ())
                if option not in parts or net in used_nets:
                    continue
                used_nets.add(net)
                missing = [p for p in parts if p not in plain]
                known = [p for p in parts if p in plain]
                value = Decimal(str(r["percent_text"])) - sum(Decimal(str(plain[p][1]["percent_text"])) for p in known)
                shorts = " + ".join(_short_part(p, net) for p in missing)
                if known:
                    label = f"{' + '.join(missing)} (together, split not published; derived)"
                    kind = KIND_DERIVED
                    notes.append(f"{' + '.join(missing)} = {net} {r['percent_text']} − "
                                 f"{' − '.join(str(plain[p][1]['percent_text']) for p in known)} = {value}.")
                else:
                    label = f"{net} ({shorts}, split not published)"
                    kind = KIND_NET
                segments.append(_Segment(label, float(value), str(value), side, _ramp(side, 3)[1], kind,
                                         r["status"], [i]))
                break
    return segments, notes


def _side_total(rows: pd.DataFrame, options: tuple[str, ...], sides: dict[str, str], side: str,
                nets: dict[tuple[str, str], tuple[str, ...]], measure: str):
    """Row giving a whole side's total: a net of every option on that side, or the side's only option."""
    side_options = {o for o in options if sides[o] == side}
    for i, r in rows.iterrows():
        if r["kind"] == KIND_NET and set(nets.get((r["option"], measure), ())) == side_options:
            return i, r
    if len(side_options) == 1:
        match = rows[rows["option"].isin(side_options) & rows["kind"].isin([KIND_PUBLISHED, KIND_DERIVED])]
        if not match.empty:
            return match.index[0], match.iloc[0]
    return None


def _plot_diverging(data: SurveyData, country: str, q: pd.Series, table: pd.DataFrame, confidence: float,
                    deff: float) -> SurveyFigure:
    options = tuple(q["options"])
    sides = dict(zip(options, q["option_sides"]))
    nets = _net_parts(table)
    labels_of: dict = {}
    drawn_as: dict = {}
    whiskers = _Whiskers()
    measures = list(dict.fromkeys(_measure_of(table)))
    fig = SurveyFigure()
    ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
    remainder_rows = table[table["kind"] == KIND_NOT_PUBLISHED]
    side_ax = fig.add_axes([0.75, 0.3, 0.1, 0.4]) if not remainder_rows.empty else None

    bars = []
    for measure in measures:
        rows = table[_measure_of(table) == measure]
        bars.append((measure, rows, *_scale_segments(options, sides, rows, nets, measure)))
    extent = max([1.0] + [sum(s.value for s in segs if s.side == side) + sum(s.value for s in segs if s.side == "0") / 2
                          for _, _, segs, _ in bars for side in ("-", "+")])
    remainder_max = float(remainder_rows["percent"].max()) if side_ax is not None else 0.0
    # Rough scale (px per point) to decide which segments are too narrow for a label inside.
    px_per_point = (WIDTH_IN - 3.2) * DPI / (2 * extent + 10 + remainder_max)

    legend_items: dict[str, tuple[tuple, Patch]] = {}
    notes: list[str] = []
    labels = []
    for y, (measure, rows, segments, seg_notes) in enumerate(bars):
        notes += seg_notes
        middle = sum(s.value for s in segments if s.side == "0")
        edges = {"-": -middle / 2, "+": middle / 2, "0": -middle / 2}
        for s in segments:
            if s.side == "0":
                left, width = edges["0"], s.value
                edges["0"] += s.value
                if left < 0 < left + width:  # split half/half across 0
                    lefts, widths = [left, 0.0], [-left, left + width]
                else:
                    lefts, widths = [left], [width]
            elif s.side == "-":
                edges["-"] -= s.value
                lefts, widths = [edges["-"]], [s.value]
            else:
                lefts, widths = [edges["+"]], [s.value]
                edges["+"] += s.value
            look = _row_look(s.colour, s.kind if s.kind != KIND_NET else KIND_PUBLISHED, s.status)
            ax.barh([y] * len(lefts), widths, left=lefts, height=BAR_HEIGHT, linewidth=0, label=s.label, **look)
            centre = lefts[0] + sum(widths) / 2
            fits = s.value * px_per_point >= _text_width_in(s.text, TEXT_SIZE) * DPI + 6
            if fits:
                ax.text(centre, y, s.text, ha="center", va="center", fontsize=TEXT_SIZE, parse_math=False,
                        color=_ink_on(look["facecolor"]) if not look["hatch"] else TEXT_COLOUR,
                        bbox=None if not look["hatch"] else dict(boxstyle="round,pad=0.12", fc="white", ec="none",
                                                                  alpha=0.85))
            else:
                ax.annotate(s.text, (centre, y + BAR_HEIGHT / 2), xytext=(0, -2), textcoords="offset points",
                            ha="center", va="top", fontsize=SMALL_SIZE, color=TEXT_COLOUR, parse_math=False)
            for i in s.index:
                labels_of[i], drawn_as[i] = s.label, "segment"
            # Legend left to right as on the bar: strongest negative … midpoint … strongest positive.
            sign = {"-": -1, "0": 0, "+": 1}[s.side]
            position = sign * (abs(centre) + 1000 * (s.side != "0"))
            legend_items.setdefault(s.label, ((position,), Patch(label=wrap_text(s.label, 2.4, SMALL_SIZE),
                                                                 linewidth=0, **look)))
        # Each side's total: its interval as a whisker at the bar's end; a published net named in the corner.
        for side in ("-", "+"):
            found = _side_total(rows, options, sides, side, nets, measure)
            if found is None:
                continue
            i, r = found
            end = edges[side]
            sign = -1 if side == "-" else 1
            if pd.notna(r["ci_low"]):
                low = end - sign * (r["percent"] - r["ci_low"])
                high = end + sign * (r["ci_high"] - r["percent"])
                whiskers.add(ax, end, y, min(low, high), max(low, high), centre=end)
            if r["kind"] == KIND_NET and drawn_as.get(i) != "segment":
                total_text = f"{r['option']} {r['percent_text']}"
                text = f"◀ {total_text}" if side == "-" else f"{total_text} ▶"
                ax.text(0.0 if side == "-" else 1.0, y - BAR_HEIGHT / 2 - 0.08, text,
                        transform=ax.get_yaxis_transform(),
                        ha="left" if side == "-" else "right", va="bottom", fontsize=TEXT_SIZE, fontweight="bold",
                        color=TEXT_COLOUR, parse_math=False)
                labels_of[i], drawn_as[i] = f"{r['option']} {r['percent_text']}", "total"
        if side_ax is not None:
            for i, r in rows[rows["kind"] == KIND_NOT_PUBLISHED].iterrows():
                look = _row_look(NOT_PUBLISHED_COLOUR, KIND_NOT_PUBLISHED, "published")
                side_ax.barh([y], [r["percent"]], left=[0], height=BAR_HEIGHT, linewidth=0, label=NOT_PUBLISHED_TEXT,
                             **look)
                side_ax.annotate(str(r["percent_text"]), (r["percent"], y), xytext=(4, 0), textcoords="offset points",
                                 ha="left", va="center", fontsize=TEXT_SIZE, color=TEXT_COLOUR, parse_math=False)
                labels_of[i], drawn_as[i] = NOT_PUBLISHED_TEXT, "remainder"
                legend_items.setdefault(NOT_PUBLISHED_TEXT, ((10_000,), Patch(label=NOT_PUBLISHED_TEXT, linewidth=0,
                                                                             **look)))
        labels.append(_country_name(data, country) if len(measures) == 1
                      else wrap_text(_measure_title(data, measure, rows), OPTION_LABEL_IN, TEXT_SIZE))

    whisker_room = max([0.0] + list((table["ci_high"] - table["percent"]).dropna()))
    limit = math.ceil((extent + whisker_room + 1) / 5) * 5
    ax.axvline(0, color="#444444", linewidth=1.0, zorder=0.9)  # behind the bars, visible between them
    ax.set_xlim(-limit, limit)
    _percent_axis(ax, "x", limit, absolute=True)
    ax.set_yticks(range(len(measures)), labels, parse_math=False)
    _style_category_axis(ax, "y")
    ax.set_ylim(len(measures) - 0.45, -0.95)  # inverted: first measure on top; room above each bar for totals
    ax.set_xlabel("percent; negative answers left of 0, positive right, the midpoint split across 0",
                  fontsize=SMALL_SIZE, color=MUTED_COLOUR)
    panels = [_Panel(ax, low=-limit, span=2 * limit)]
    if side_ax is not None:
        side_ax.set_ylim(ax.get_ylim())
        side_ax.set_yticks([])
        side_ax.set_xticks([])
        for spine in side_ax.spines.values():
            spine.set_visible(False)
        side_ax.set_title("not published", fontsize=SMALL_SIZE, color=MUTED_COLOUR, loc="left", pad=2)
        room = max(_text_width_in(str(t), TEXT_SIZE) for t in remainder_rows["percent_text"]) + 0.12
        title_in = _text_width_in("not published", SMALL_SIZE)
        panels.append(_Panel(side_ax, low=0.0, span=remainder_max, extra_in=max(room, title_in)))

    ordered = [patch for _, patch in sorted(legend_items.values(), key=lambda item: item[0])]
    derived = table[(table["kind"] == KIND_DERIVED)]
    for r in derived.itertuples(index=False):
        m = "" if pd.isna(r.measure) else r.measure
        for (net, net_measure), parts in nets.items():
            if r.option not in parts or net_measure != m:
                continue
            same = _measure_of(table) == m
            net_row = table[(table["option"] == net) & same]
            others = table[table["option"].isin([p for p in parts if p != r.option]) & same]
            if not net_row.empty:
                notes.append(f"Derived (hatched): {r.option} {r.percent_text} = {net} "
                             f"{net_row['percent_text'].iloc[0]} − "
                             + " − ".join(f"{o} {t}" for o, t in zip(others["option"], others["percent_text"])) + ".")
    footer = [f"Whiskers: {_confidence_text(confidence)} Wilson intervals of each side's total, at the bar's end, "
              f"assuming simple random sampling (deff {_deff_text(deff)})."]
    footer += _estimate_note(table)
    if str(q["options_published"]) == "some":
        footer.append(f"{OTHER_OPTIONS_NOTE} (e.g. don't know): their total is shown on the right, to the same "
                      "scale, not spread over the options shown.")
    footer += notes
    if (table["status"] == "unconfirmed").any():
        footer.append("Unconfirmed (cross-hatched): the source does not let the item be identified for certain.")
    footer += _codebook_notes(data, [str(q["question_id"])])
    subtitle = _question_subtitle(data, country, q, table, "diverging")
    whiskers.draw()
    _layout(fig, title=str(q["wording"]), subtitle=subtitle, footer=footer, panels=panels,
            body_in=DIVERGING_ROW_IN * len(measures), legend=(ordered, [h.get_label() for h in ordered]),
            symmetric_first=True, equal_scale=side_ax is not None, legend_rows=2)
    fig.survey_table = _record(table, labels_of, drawn_as)
    return fig


# --------------------------------------------------------------------------------------------- bars
def _drawable_rows(rows: pd.DataFrame, nets: dict[tuple[str, str], tuple[str, ...]], measure: str) -> pd.DataFrame:
    """Rows drawn as bars: every option, the remainder, and a net only when none of its parts is drawn."""
    drawn_options = set(rows.loc[rows["kind"].isin([KIND_PUBLISHED, KIND_DERIVED]), "option"])
    keep = []
    for i, r in rows.iterrows():
        if r["kind"] == KIND_NET:
            keep.append(not drawn_options.intersection(nets.get((r["option"], measure), ())))
        else:
            keep.append(True)
    return rows[keep]


def _plot_bars(data: SurveyData, country: str, q: pd.Series, table: pd.DataFrame, confidence: float,
               deff: float, ranked: bool) -> SurveyFigure:
    """Single-choice bars (questionnaire order) or ranked bars; one panel per measure, sharing the rows."""
    nets = _net_parts(table)
    labels_of: dict = {}
    drawn_as: dict = {}
    whiskers = _Whiskers()
    colour = country_colour(data, country)
    measures = list(dict.fromkeys(_measure_of(table)))
    groups = {m: _drawable_rows(table[_measure_of(table) == m], nets, m) for m in measures}

    # Row order: questionnaire order, or by value in the measure covering most options (ties: codebook order).
    if ranked:
        reference = max(measures, key=lambda m: (len(groups[m]), -measures.index(m)))
        ref = groups[reference]
        keys = list(ref.sort_values(["percent", "order"], ascending=[False, True], kind="stable")["option"])
        for m in measures:
            extra = groups[m][~groups[m]["option"].isin(keys)].sort_values("percent", ascending=False, kind="stable")
            keys += list(extra["option"])
    else:
        every = pd.concat(groups.values()).sort_values(["order"], kind="stable")
        keys = list(dict.fromkeys(o for o in every["option"] if o != "not published"))
        if (every["kind"] == KIND_NOT_PUBLISHED).any():
            keys.append("not published")
    position = {k: i for i, k in enumerate(keys)}

    fig = SurveyFigure()
    axes = [fig.add_axes([0.3 + 0.3 * j, 0.3, 0.25, 0.4]) for j in range(len(measures))]
    labels = {}
    highest = 1.0
    for ax, measure in zip(axes, measures):
        rows = groups[measure]
        for i, r in rows.iterrows():
            y = position[r["option"]]
            look = _row_look(colour, r["kind"], r["status"])
            label = _row_label(str(r["option"]), r["kind"], r["status"])
            labels.setdefault(r["option"], label)
            ax.barh([y], [r["percent"]], height=BAR_HEIGHT, linewidth=0, label=label, **look)
            whiskers.add(ax, r["percent"], y, r["ci_low"], r["ci_high"])
            end = r["percent"] if pd.isna(r["ci_high"]) else max(r["percent"], r["ci_high"])
            _value_label(ax, end, y, str(r["percent_text"]))
            highest = max(highest, end)
            labels_of[i] = label
            drawn_as[i] = "remainder" if r["kind"] == KIND_NOT_PUBLISHED else "bar"
        for option in keys:
            if option not in set(rows["option"]):
                ax.text(0.5, position[option], "not published", ha="left", va="center", fontsize=SMALL_SIZE,
                        color=MUTED_COLOUR, style="italic", parse_math=False)
        if len(measures) > 1:
            panel_in = (WIDTH_IN - 2 * PAD_IN - OPTION_LABEL_IN - 0.2) / len(measures) - PANEL_GAP_IN
            ax.set_title(wrap_text(_measure_title(data, measure, rows), panel_in, SMALL_SIZE), loc="left",
                         fontsize=SMALL_SIZE, color=MUTED_COLOUR)
    limit = math.ceil(highest / 10) * 10
    for j, ax in enumerate(axes):
        ax.set_xlim(0, limit)
        _percent_axis(ax, "x", limit)
        ax.set_yticks(range(len(keys)), [wrap_text(labels[k], OPTION_LABEL_IN, TEXT_SIZE) for k in keys],
                      parse_math=False)
        _style_category_axis(ax, "y")
        if j > 0:
            ax.tick_params(axis="y", labelleft=False)
        ax.set_ylim(len(keys) - 0.5, -0.5)
    axes[0].set_xlabel(f"percent of {_base_description(data, q).split(' (')[0]}", fontsize=SMALL_SIZE,
                       color=MUTED_COLOUR)

    footer = [_interval_note(confidence, deff)]
    footer += _estimate_note(table)
    if str(q["options_published"]) == "some":
        if q["question_type"] == "top_reasons":
            footer.append(f"{OTHER_OPTIONS_NOTE}: the sources give only the leading reasons.")
        elif ranked:
            footer.append(f"{OTHER_OPTIONS_NOTE}: the sources give only some of the options.")
        elif (table["kind"] == KIND_NOT_PUBLISHED).any():
            footer.append(f"{OTHER_OPTIONS_NOTE}: the grey hatched bar is the remainder (100% minus the "
                          "published shares), not spread over the options shown.")
        else:
            footer.append(f"{OTHER_OPTIONS_NOTE}: the answer format is not disclosed, so no remainder is shown.")
    if len(measures) > 1:
        sums = []
        for m in measures:
            rows = groups[m]
            total = sum(Decimal(str(x)) for x in rows.loc[rows["kind"] == KIND_PUBLISHED, "percent_text"])
            sums.append(f"{m.replace('_', ' ')}: shares sum to {total}%")
        footer.append("Two sources report different measures, both shown: " + "; ".join(sums) + ".")
    if (table["kind"] == KIND_DERIVED).any():
        footer.append("Derived (hatched): computed from published figures, not published itself.")
    if (table["status"] == "unconfirmed").any():
        footer.append("Unconfirmed (cross-hatched, lighter): the source does not let the item be identified for "
                      "certain.")
    lines = max(wrap_text(labels[k], OPTION_LABEL_IN, TEXT_SIZE).count("\n") + 1 for k in keys)
    row_in = max(BAR_ROW_IN, LINE_IN * lines + 0.12)
    subtitle = _question_subtitle(data, country, q, table, "ranked" if ranked else "bars")
    footer += _codebook_notes(data, [str(q["question_id"])])
    whiskers.draw()
    _layout(fig, title=str(q["wording"]), subtitle=subtitle, footer=footer,
            panels=[_Panel(ax) for ax in axes], body_in=max(MIN_BODY_IN, row_in * len(keys)),
            same_limits=len(axes) > 1)
    fig.survey_table = _record(table, labels_of, drawn_as)
    return fig


# --------------------------------------------------------------------------------------------- comparison
def _comparison_title(data: SurveyData, comparison: Comparison, table: pd.DataFrame) -> str:
    """The wording; for a mirrored pair, both items with the respondents' country."""
    if not comparison.mirrored:
        return str(question_row(data, comparison.question_ids[0])["wording"])
    parts = []
    for country in comparison.countries:
        qids = table.loc[table["country"] == country, "question_id"]
        if qids.empty:
            continue
        adjective = data.survey["countries"][country]["adjective"]
        wording = question_row(data, str(qids.iloc[0]))["wording"]
        parts.append(f"{adjective} respondents' {_lower_first(str(wording))}")
    return " vs ".join(parts)


def _difference_text(data: SurveyData, row: pd.Series, confidence: float) -> str:
    name_1, name_2 = _country_name(data, row["country_1"]), _country_name(data, row["country_2"])
    level = _confidence_text(confidence)
    difference = row["difference"]
    if not getattr(difference, "testable", True):
        verdict = "not testable"
    elif row["significant"]:
        verdict = f"difference significant at {level}"
    else:
        verdict = f"no significant difference at {level}"
    diff = f"{row['diff']:+.1f}".replace("-", "−")
    return f"{name_1} − {name_2}: {diff} points, {verdict}"


def plot_comparison(data: SurveyData, comparison: Comparison, confidence: float = 0.95,
                    deff: float = 1.0) -> SurveyFigure:
    """Grouped bars of one item across countries: a group per shared option, a bar per country.

    Each bar has its Wilson interval and its value; under each group, the between-country test of
    :func:`helpers.tables.comparison_differences` (independent samples, same ``deff`` in both). Countries
    keep their colour (:func:`country_colour`) in every chart.

    Returns
    -------
    SurveyFigure
        ``chart_kind`` ``"comparison"``; ``survey_table`` is the comparison table (with ``label`` and
        ``drawn_as``), ``survey_differences`` the tests.
    """
    table = comparison_table(data, comparison, confidence=confidence, deff=deff)
    labels_of: dict = {}
    drawn_as: dict = {}
    whiskers = _Whiskers()
    differences = comparison_differences(data, comparison, confidence=confidence, deff=deff)
    countries = [c for c in comparison.countries if (table["country"] == c).any()]
    with chart_style():
        fig = SurveyFigure()
        ax = fig.add_axes([0.3, 0.3, 0.4, 0.4])
        width = 0.8 / len(countries)
        highest = 1.0
        handles = []
        for k, country in enumerate(countries):
            colour = country_colour(data, country)
            name = _country_name(data, country)
            rows = table[table["country"] == country]
            n_text = _base_text(rows)
            handles.append(Patch(color=colour, linewidth=0, label=f"{name} ({n_text})"))
            for i, r in rows.iterrows():
                g = comparison.options.index(r["option"])
                x = g + (k - (len(countries) - 1) / 2) * width
                look = _row_look(colour, r["kind"], r["status"])
                ax.bar([x], [r["percent"]], width=width * 0.9, linewidth=0, label=f"{name}: {r['option']}", **look)
                whiskers.add(ax, r["percent"], x, r["ci_low"], r["ci_high"], horizontal=False)
                top = r["percent"] if pd.isna(r["ci_high"]) else max(r["percent"], r["ci_high"])
                _value_label(ax, x, top, str(r["percent_text"]), horizontal=False)
                highest = max(highest, top)
                labels_of[i], drawn_as[i] = f"{name}: {r['option']}", "bar"
        ticks = []
        for option in comparison.options:
            tests = differences[differences["option"] == option] if not differences.empty else differences
            lines = [option] + [_difference_text(data, row, confidence) for _, row in tests.iterrows()]
            group_in = (WIDTH_IN - 2 * PAD_IN - 0.8) / (len(comparison.options) + 0.2)
            ticks.append("\n".join(wrap_text(line, group_in * 0.88, SMALL_SIZE) for line in lines))
        ax.set_xticks(range(len(comparison.options)), ticks, parse_math=False)
        margin = max(0.6, 1.6 - 0.5 * len(comparison.options))  # one or two groups: keep bars from getting wide
        ax.set_xlim(-margin, len(comparison.options) - 1 + margin)
        limit = math.ceil(highest / 10) * 10
        ax.set_ylim(0, limit)
        _percent_axis(ax, "y", limit)
        _style_category_axis(ax, "x")
        ax.tick_params(axis="x", labelsize=SMALL_SIZE)
        for label in ax.get_xticklabels():
            label.set_linespacing(1.3)
        ax.set_ylabel("percent of respondents", fontsize=SMALL_SIZE, color=MUTED_COLOUR)

        title = _comparison_title(data, comparison, table)
        per_country = []
        for country in countries:
            sources = table.loc[table["country"] == country, "source"].dropna()
            labels = "; ".join(dict.fromkeys(_source_label(data, s) for s in sources))
            per_country.append(f"{_country_name(data, country)}: {labels}")
        subtitle = (" vs ".join(f"{_country_name(data, c)} ({_base_text(table[table['country'] == c])})"
                                for c in countries)
                    + f" · fieldwork {data.survey['fieldwork_month']}\nSources: " + " · ".join(per_country))
        footer = [_interval_note(confidence, deff),
                  f"Test: difference between independent samples, z-test with SE = √(deff·p1(1−p1)/n1 + "
                  f"deff·p2(1−p2)/n2), at {_confidence_text(confidence)}."]
        if comparison.mirrored:
            footer.append("Mirrored items: each country was asked about the other, so these are two questions; "
                          "the comparison is of attitudes, not of one measurement.")
        if bool(table["base_is_estimate"].any()):
            footer.append("Some bases are estimated from the parent question.")
        footer += _codebook_notes(data, list(comparison.question_ids))
        whiskers.draw()
        _layout(fig, title=title, subtitle=subtitle, footer=footer, panels=[_Panel(ax)],
                body_in=COMPARISON_BODY_IN, legend=(handles, [h.get_label() for h in handles]), fit_axis="y")
    fig.chart_kind = "comparison"
    fig.survey_table = _record(table, labels_of, drawn_as)
    fig.survey_differences = differences.drop(columns=["difference"], errors="ignore")
    return fig


# --------------------------------------------------------------------------------------------- the numbers
def chart_data(fig: SurveyFigure) -> pd.DataFrame:
    """The numbers behind a chart, for printing under it: one row per figure drawn (or deliberately not).

    Columns: country, question_id, measure, option, label, percent (as published), kind, status, source,
    base (``n = 1,037`` or ``n ≈ 420 (estimated)``), ci_low, ci_high (one decimal), drawn_as.
    """
    table = fig.survey_table
    out = pd.DataFrame({
        "country": table["country"],
        "question_id": table["question_id"],
        "measure": table["measure"].fillna(""),
        "option": table["option"],
        "label": table["label"],
        "percent": table["percent_text"],
        "kind": table["kind"],
        "status": table["status"],
        "source": table["source"],
        "base": [format_base(float(n), bool(e)) for n, e in zip(table["base_n"], table["base_is_estimate"])],
        "ci_low": table["ci_low"].astype(float).round(1),
        "ci_high": table["ci_high"].astype(float).round(1),
        "drawn_as": table["drawn_as"],
    })
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------- files
def question_stem(country: str, question_id: str) -> str:
    """Path of a question's chart without extension, relative to the repository: ``figures/JP/us_impression``."""
    return f"figures/{country}/{question_id}"


def comparison_stem(country: str, comparison_id: str) -> str:
    """``figures/<country>/comparisons/<comparison_id>``: each country's report keeps its own copy."""
    return f"figures/{country}/comparisons/{comparison_id}"


def _metadata(fig: Figure, fmt: str) -> dict:
    """File metadata: nothing run-dependent, plus the chart's title (SVG ``<title>``: the text is drawn as
    paths, so this is what screen readers and search see)."""
    metadata = dict(SAVE_METADATA[fmt])
    title = getattr(fig, "chart_title", "")
    if title:
        metadata["Title"] = title
    return metadata


def save_figure(fig: Figure, relative_stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[str]:
    """Write a figure as ``<relative_stem>.<format>`` (:data:`FIGURE_FORMATS`) through
    :func:`helpers.paths.output_path`.

    The bytes depend only on the figure: fixed DPI (:data:`DPI`), no date or software version in the
    metadata (:data:`SAVE_METADATA`), fixed SVG id salt. Returns the written paths relative to the output
    root (POSIX style), e.g. ``["figures/JP/us_impression.png", "figures/JP/us_impression.svg"]``.
    """
    written = []
    stem = Path(relative_stem).as_posix()
    with chart_style():
        for fmt in formats:
            if fmt not in SAVE_METADATA:
                raise ValueError(f"format '{fmt}' not supported (use: {', '.join(SAVE_METADATA)})")
            relative = f"{stem}.{fmt}"
            fig.savefig(paths.output_path(relative), format=fmt, dpi=DPI, metadata=_metadata(fig, fmt))
            written.append(relative)
    return written


def plot_and_save_question(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                           deff: float = 1.0, formats: Sequence[str] = ("png", "svg")) -> list[str]:
    """:func:`plot_question` then :func:`save_figure` to :func:`question_stem`; returns the written paths."""
    fig = plot_question(data, country, question_id, confidence=confidence, deff=deff)
    return save_figure(fig, question_stem(country, question_id), formats)


def plot_and_save_comparison(data: SurveyData, comparison: Comparison, country: str, confidence: float = 0.95,
                             deff: float = 1.0, formats: Sequence[str] = ("png", "svg")) -> list[str]:
    """:func:`plot_comparison` then :func:`save_figure` to :func:`comparison_stem` of ``country``."""
    fig = plot_comparison(data, comparison, confidence=confidence, deff=deff)
    return save_figure(fig, comparison_stem(country, comparison.comparison_id), formats)


def chart_all_questions(data: SurveyData, country: str, category: str | None = None, confidence: float = 0.95,
                        deff: float = 1.0, formats: Sequence[str] = ("png", "svg")) -> list[str]:
    """Chart and save every question with figures for ``country`` (in one category, or all); return the paths."""
    check_country(data, country)
    if category is None:
        qids = [q for q, cs in zip(data.questions["question_id"], data.questions["countries"]) if country in cs]
    else:
        qids = questions_in_category(data, category, country)
    written = []
    for qid in qids:
        written += plot_and_save_question(data, country, qid, confidence=confidence, deff=deff, formats=formats)
    return written


def chart_all_comparisons(data: SurveyData, country: str, confidence: float = 0.95, deff: float = 1.0,
                          formats: Sequence[str] = ("png", "svg")) -> list[str]:
    """Chart and save every comparison that includes ``country``, under its folder; return the paths."""
    check_country(data, country)
    written = []
    for comparison in comparable_items(data):
        if country in comparison.countries:
            written += plot_and_save_comparison(data, comparison, country, confidence=confidence, deff=deff,
                                                formats=formats)
    return written
