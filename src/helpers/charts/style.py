"""The one look of every chart: rcParams, sizes, colours and the two common scales.

Colours
-------
Countries keep one colour everywhere (Okabe & Ito 2008): Japan blue, South Korea vermillion, the United
States bluish green, in the order of ``survey.yml``. Answers of a scale use two ramps of hues no country
uses: purple for the positive side and olive-gold for the negative side (neither reads as good or bad, as
red/blue would), built in CIECAM02 JCh at fixed hue with lightness falling from the centre outwards. In
CIECAM02 hue angle the countries sit at 242° (blue), 51° (vermillion) and 166° (green); the answer ramps at
295° and 95°, at least 44° from every country hue. Midpoints and unpublished remainders are neutral greys.
``tests/test_charts.py`` checks, with ``colorspacious``, the hue separation and that every pair of
colours shown together stays distinguishable under simulated deuteranopia, protanopia and tritanopia
(Machado et al. 2009, severity 100).

Scales
------
Every single-country bar chart draws 0–100 on an axes of :data:`BAR_AXES_IN` inches, so one point is as
long on every bar chart of the report (:data:`BAR_IN_PER_POINT`). Diverging charts share one scale of their
own, :data:`DIVERGING_IN_PER_POINT` inches per point, for the bar and for its midpoint and remainder columns.
Dot plots use the bar scale's 0–100 range.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

import matplotlib as mpl
from matplotlib.colors import to_rgb

WIDTH_IN = 8.0
"""Figure width in inches; at :data:`DPI` the PNG is 1,600 px wide (sharp on high-density screens)."""
DPI = 200

FONT = "DejaVu Sans"  # ships with Matplotlib, so text looks (and measures) the same on every machine
TITLE_SIZE = 13
SUBTITLE_SIZE = 10
TEXT_SIZE = 10  # option labels, values, legend
SMALL_SIZE = 8.3  # footer, column heads: the smallest text on a chart
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#595959"
RULE_COLOUR = "#8c8c8c"

CHART_STYLE: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": TEXT_SIZE,
    "text.color": TEXT_COLOUR,
    "axes.titlesize": SMALL_SIZE,
    "axes.titlecolor": MUTED_COLOUR,
    "axes.titlelocation": "left",
    "axes.edgecolor": RULE_COLOUR,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": False,
    "xtick.labelsize": SMALL_SIZE,
    "ytick.labelsize": TEXT_SIZE,
    "xtick.color": MUTED_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "legend.fontsize": SMALL_SIZE,
    "legend.frameon": False,
    "legend.handlelength": 1.4,
    "legend.handleheight": 1.0,
    "legend.columnspacing": 1.2,
    "hatch.linewidth": 0.8,
    "figure.dpi": DPI,
    "figure.facecolor": "white",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "savefig.bbox": None,  # the layout fixes the canvas; "tight" would make the size data-dependent
    # SVG text kept as text: editable and searchable, and files are several times smaller. A viewer without
    # DejaVu Sans substitutes its own sans-serif; the PNG is the exact reference.
    "svg.fonttype": "none",
    "svg.hashsalt": "helpers.charts",  # fixed salt: SVG ids are the same on every run
    "svg.id": None,
}
"""The one style of every chart (rcParams), applied with :func:`chart_style`."""


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Apply :data:`CHART_STYLE` inside a ``with`` block; global rcParams are restored after."""
    with mpl.rc_context(CHART_STYLE):
        yield


F = TypeVar("F", bound=Callable)


def styled(plotter: F) -> F:
    """Decorator: the plotter draws inside :func:`chart_style`."""

    @functools.wraps(plotter)
    def wrapper(*args, **kwargs):
        with chart_style():
            return plotter(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------ layout
PAD_IN = 0.2  # figure edge
GAP_IN = 0.12  # between blocks (title, subtitle, legend, plot, footer)
LABEL_IN = 2.2  # the column of row labels, wrapped to this width
LABEL_PAD_IN = 0.1
VALUE_ROOM_IN = 0.5  # right of a bar axes: room for a value label past 100
ROW_IN = 0.36  # minimum height of a bar's row
LINE_IN = TEXT_SIZE * 1.2 / 72  # one line of a wrapped row label

BAR_HEIGHT = 0.62  # in row units

BAR_AXES_IN = WIDTH_IN - 2 * PAD_IN - LABEL_IN - LABEL_PAD_IN - VALUE_ROOM_IN
"""Width of the 0–100 axes of every bar chart and dot plot."""
BAR_LIMITS = (0.0, 100.0)
BAR_IN_PER_POINT = BAR_AXES_IN / (BAR_LIMITS[1] - BAR_LIMITS[0])
DIVERGING_IN_PER_POINT = 0.032
"""Inches per percentage point on every diverging chart (bar, midpoint column and remainder column)."""

# ------------------------------------------------------------------------------------------------ colours
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
"""Okabe & Ito (2008), "Color Universal Design"."""
COUNTRY_PALETTE = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish green"], OKABE_ITO["sky blue"])
"""Colours of the countries of ``survey.yml``, in its order (four Okabe–Ito colours that share no hue with the
answer colours)."""
COUNTRY_MARKERS = ("o", "s", "D", "^", "v")
"""Dot shapes of the countries: the first four are circles in the four colours, the next four squares in the
same colours, then diamonds and so on, so that up to twenty publics each have a look of their own."""


def country_look(data, country: str) -> tuple[str, str]:
    """(colour, marker) of a country: fixed by its place in ``survey.yml``, the same on every chart."""
    index = data.countries().index(data.check_country(country))
    shape, colour = divmod(index, len(COUNTRY_PALETTE))
    return COUNTRY_PALETTE[colour], COUNTRY_MARKERS[shape % len(COUNTRY_MARKERS)]


def country_colour(data, country: str) -> str:
    """The colour of :func:`country_look` (the n-th country of ``survey.yml``, the n-th palette colour)."""
    return country_look(data, country)[0]


# CIECAM02 JCh (J, C) per step, from the centre outwards; hues below. Converted with colorspacious:
#   cspace_convert([J, C, h], "JCh", "sRGB1") for (82, 24), (66, 36), (50, 44), (34, 44).
POSITIVE_RAMP = ("#e3d2fa", "#c3aaea", "#a181d1", "#7859a6")
NEGATIVE_RAMP = ("#e6d9a1", "#c7b665", "#a39030", "#796805")
MIDPOINT_COLOUR = "#a3a3a3"
REMAINDER_COLOUR = "#e4e4e4"
WHISKER_COLOUR = "#333333"
GAP_LINE_COLOUR = "#c4c4c4"
GRID_COLOUR = "#e6e6e6"  # value gridlines of dot plots and trend charts
CURRENT_BAND_COLOUR = "#f0f0f0"  # behind this survey's year on a trend chart

HATCH_DERIVED = "////"
HATCH_UNCONFIRMED = "xxx"


def ramp(side: str, count: int) -> list[str]:
    """Colours of ``count`` answers on one side of a scale, from the centre outwards (darker = stronger)."""
    colours = POSITIVE_RAMP if side == "+" else NEGATIVE_RAMP
    picks = {1: [2], 2: [1, 3], 3: [1, 2, 3]}.get(count, list(range(4)))
    return [colours[min(i, 3)] for i in picks] + [colours[3]] * max(0, count - len(picks))


def answer_colours() -> list[str]:
    """Every colour an answer can take (checked against the country colours in the tests)."""
    return [*POSITIVE_RAMP, *NEGATIVE_RAMP]


def luminance(colour) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(colour) -> str:
    """Text colour that stands out on a fill."""
    return "white" if luminance(colour) < 0.45 else TEXT_COLOUR


def lighten(colour, amount: float = 0.55) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)
