"""Drawing pieces every chart kind shares: how a row looks, value labels, whiskers, quiet axes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..data import decimals_of
from ..kinds import Kind, Status
from . import style
from .style import SMALL_SIZE, TEXT_COLOUR, TEXT_SIZE

HEADING_SIZE = SMALL_SIZE + 0.5  # a heading among row labels


def look(colour, kind: str, status: str) -> dict:
    """Fill and hatch of a bar or segment: derived values hatched, unconfirmed ones lighter and cross-hatched,
    the unpublished remainder light grey."""
    if kind == Kind.NOT_PUBLISHED:
        return {"facecolor": style.REMAINDER_COLOUR, "hatch": None, "edgecolor": style.REMAINDER_COLOUR}
    if status == Status.UNCONFIRMED:
        return {"facecolor": style.lighten(colour), "hatch": style.HATCH_UNCONFIRMED, "edgecolor": colour}
    if kind == Kind.DERIVED:
        return {"facecolor": colour, "hatch": style.HATCH_DERIVED, "edgecolor": style.ink_on(colour)}
    return {"facecolor": colour, "hatch": None, "edgecolor": colour}


def bar(ax, y: float, r, colour, label: str, left: float | None = None, kind: str | None = None) -> None:
    """The bar of table row ``r`` (its ``percent``) at row ``y``, in the :func:`look` of its kind (or ``kind``)
    and status, from 0 or from ``left``."""
    start = {} if left is None else {"left": [left]}
    look_of = look(colour, r["kind"] if kind is None else kind, r["status"])
    ax.barh([y], [r["percent"]], **start, height=style.BAR_HEIGHT, linewidth=0, label=label, **look_of)


def row_label(label: str, kind: str, status: str) -> str:
    """The row's label as shown: "(derived)" and "(unconfirmed)" said in words as well as by the hatch."""
    suffix = [
        s for s, on in (("derived", kind == Kind.DERIVED), (Status.UNCONFIRMED, status == Status.UNCONFIRMED)) if on
    ]
    return label + "".join(f" ({s})" for s in suffix)


def legend_patch(label: str, colour, kind: str, status: str) -> Patch:
    return Patch(label=label, linewidth=0, **look(colour, kind, status))


def value_label(
    ax: Axes,
    x: float,
    y: float,
    text: str,
    muted: bool = False,
    bold: bool = False,
    ha: str = "left",
    offset_pt: float = 4.0,
    exact: str | None = None,
) -> None:
    """A value beside a mark: right of it (``ha="left"``), left of it (``"right"``) or above it (``"center"``).

    ``exact``: the published figure when ``text`` is it rounded; the SVG keeps it as the label's title."""
    offset = {"left": (offset_pt, 0), "right": (-offset_pt, 0), "center": (0, offset_pt)}[ha]
    annotation = ax.annotate(
        text,
        (x, y),
        xytext=offset,
        textcoords="offset points",
        ha=ha,
        va="bottom" if ha == "center" else "center",
        fontsize=TEXT_SIZE,
        parse_math=False,
        annotation_clip=False,
        color=style.MUTED_COLOUR if muted else TEXT_COLOUR,
        fontweight="bold" if bold else "normal",
    )
    if exact is not None and exact != text:
        annotation.set_gid(exact_gid(exact))


EXACT_PREFIX = "exact-figure-"


def exact_gid(exact: str) -> str:
    """SVG id of a rounded label, naming its published figure (:mod:`.save` turns it into a ``<title>``)."""
    return f"{EXACT_PREFIX}{exact}"


def chart_values(texts: Iterable[str]) -> list[str]:
    """The published figures of one chart at one precision: the fewest decimals any of them has.

    A chart that mixes "40.5" and "78" shows "41" beside "78" (rounded half up from the published text);
    the exact figure stays in the table, and :func:`value_label` given ``exact`` keeps it in the SVG as the
    label's ``<title>`` (shown on hover).
    """
    texts = [str(t) for t in texts]
    decimals = min((decimals_of(t) for t in texts), default=0)
    out = []
    for t in texts:
        if decimals_of(t) == decimals:
            out.append(t)
        else:
            q = Decimal(1).scaleb(-decimals)
            out.append(str(Decimal(t).quantize(q, rounding=ROUND_HALF_UP)))
    return out


def bar_end(r) -> float:
    """Where a bar's value label goes: past its whisker when it has one."""
    return r["percent"] if pd.isna(r["ci_high"]) else max(r["percent"], r["ci_high"])


class Whiskers:
    """Interval whiskers collected per axes and drawn with one ``errorbar`` call each."""

    def __init__(self) -> None:
        self.items: dict[int, tuple[Axes, list[tuple[float, float, float, float]]]] = {}

    def add(self, ax: Axes, y: float, low: float, high: float, at: float) -> None:
        """A whisker from ``low`` to ``high`` at row ``y``, around the point ``at``."""
        if pd.isna(low) or pd.isna(high):
            return
        self.items.setdefault(id(ax), (ax, []))[1].append((at, y, at - low, high - at))

    def draw(self) -> None:
        for ax, items in self.items.values():
            at, y, below, above = (list(v) for v in zip(*items))
            ax.errorbar(
                at,
                y,
                xerr=[below, above],
                fmt="none",
                ecolor=style.WHISKER_COLOUR,
                elinewidth=0.9,
                capsize=2.5,
                capthick=0.9,
                zorder=4,
            )


def quiet_value_axis(ax: Axes, limits: tuple[float, float]) -> None:
    """Values are labelled, so no ticks or grid (a chart desk's toplines); only the 0 line."""
    ax.set_xlim(*limits)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.axvline(0, color=style.RULE_COLOUR, linewidth=0.9, zorder=0.8)


def row_labels(
    ax: Axes, labels: list[str], bold: set[int] = frozenset(), positions: Sequence[float] | None = None
) -> None:
    """The rows' labels, the first on top: one row unit apart, or at ``positions`` (then the caller sets the
    limits); rows in ``bold`` are headings, bold and a little smaller."""
    ax.set_yticks(range(len(labels)) if positions is None else positions, labels, parse_math=False)
    ax.tick_params(axis="y", length=0, pad=6, labelsize=TEXT_SIZE, colors=TEXT_COLOUR)
    for i, tick in enumerate(ax.get_yticklabels()):
        if i in bold:
            tick.set_fontweight("bold")
            tick.set_fontsize(HEADING_SIZE)
    if positions is None:
        ax.set_ylim(len(labels) - 0.5, -0.5)  # first row on top
