"""Saving charts: PNG at 200 dpi, SVG with text kept as text, PDF; the same bytes on every run.

Metadata that would make files differ between runs or machines is dropped: PNG's "Software" (the
Matplotlib version; PNG has no date by default), SVG's "Date" and "Creator", PDF's "CreationDate",
"Creator" and "Producer". The chart's title is kept as the file's title (SVG ``<title>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from matplotlib.figure import Figure

from .. import paths
from .style import DPI, chart_style

SAVE_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}
FIGURE_FORMATS = tuple(SAVE_METADATA)
"""Formats :func:`save_figure` writes: ``png`` (1,600 px wide), ``svg`` and ``pdf``."""


def metadata(fig: Figure, fmt: str) -> dict:
    out = dict(SAVE_METADATA[fmt])
    title = getattr(fig, "chart_title", "")
    if title:
        out["Title"] = title
    return out


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The bytes of ``fig`` in one format, exactly as :func:`save_figure` writes them."""
    if fmt not in SAVE_METADATA:
        raise ValueError(f"format '{fmt}' not supported (use: {', '.join(FIGURE_FORMATS)})")
    buffer = BytesIO()
    with chart_style():
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata(fig, fmt))
    return buffer.getvalue()


def save_figure(fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``<stem>.<format>`` for each of ``formats`` where :func:`helpers.paths.output_path` sends it.

    ``stem`` is named as the notebooks name outputs (``figures/JP/x``: under ``make report`` into the
    report, elsewhere into ``build/scratch/``) or is any folder outside the repository (``/tmp/mine/x``).
    Returns the paths of the files written, as they are on disk. Raises ValueError, before writing
    anything, for a format not in :data:`FIGURE_FORMATS`.
    """
    unknown = [f for f in formats if f not in SAVE_METADATA]
    if unknown:
        raise ValueError(f"format '{unknown[0]}' not supported (use: {', '.join(FIGURE_FORMATS)})")
    stem = Path(stem).as_posix()
    written = []
    for fmt in formats:
        path = paths.output_path(f"{stem}.{fmt}")
        path.write_bytes(figure_bytes(fig, fmt))
        written.append(path)
    return written
