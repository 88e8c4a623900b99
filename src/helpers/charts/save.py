"""Saving charts: PNG at 200 dpi, SVG with text kept as text, PDF; the same bytes on every run.

Metadata that would make files differ between runs or machines is dropped: PNG's "Software" (the
Matplotlib version; PNG has no date by default), SVG's "Date" and "Creator", PDF's "CreationDate",
"Creator" and "Producer". The chart's title is kept as the file's title (SVG ``<title>``, PNG "Title").
PNGs are indexed (:func:`compact_png`); in SVGs a value shown rounded keeps its published figure as a
``<title>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .. import paths
from .draw import EXACT_PREFIX
from .style import DPI, chart_style

PNG_COLOURS = 256
EXACT_GROUP = re.compile(rb'<g id="' + re.escape(EXACT_PREFIX.encode()) + rb'([0-9.]+)">')

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
    if fmt == "svg":  # a rounded value keeps its published figure as its title (shown on hover)
        return EXACT_GROUP.sub(rb'<g class="exact-figure"><title>\1%</title>', buffer.getvalue())
    if fmt == "png":
        return compact_png(buffer.getvalue(), metadata(fig, fmt))
    return buffer.getvalue()


def compact_png(png: bytes, meta: dict) -> bytes:
    """The PNG with an indexed palette of its :data:`PNG_COLOURS` most frequent colours, kept exactly, every
    other pixel mapped to the nearest of them (no dithering). Matplotlib draws a chart in a few hundred
    colours (flat fills, text, their anti-aliasing), so it looks the same at about a third of the bytes.
    Pillow ships with Matplotlib."""
    rgb = np.asarray(Image.open(BytesIO(png)).convert("RGB"))
    codes = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    colours, inverse, counts = np.unique(codes.ravel(), return_inverse=True, return_counts=True)
    keep = np.lexsort((colours, -counts))[:PNG_COLOURS]  # most frequent first, ties by colour: deterministic
    channels = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
    palette = channels[keep]
    distance = ((channels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    nearest = distance.argmin(axis=1).astype(np.uint8)  # a palette colour's nearest is itself
    indexed = Image.fromarray(nearest[inverse].reshape(codes.shape), mode="P")
    indexed.putpalette(palette.astype(np.uint8).ravel().tolist())
    info = PngInfo()
    for key, value in meta.items():
        if value is not None:
            info.add_text(key, str(value))
    out = BytesIO()
    indexed.save(out, format="PNG", dpi=(DPI, DPI), pnginfo=info)  # optimize=True: 11% smaller, 8x slower
    return out.getvalue()


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
