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
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from .. import paths
from ..parameters import FIGURE_FORMATS
from .draw import EXACT_PREFIX
from .style import DPI, chart_style

PNG_COLOURS = 256
EXACT_GROUP = re.compile(rb'<g id="' + re.escape(EXACT_PREFIX.encode()) + rb'([0-9.]+)">')

SAVE_METADATA = {  # one entry per format of FIGURE_FORMATS
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def metadata(fig: Figure, fmt: str) -> dict:
    out = dict(SAVE_METADATA[fmt])
    title = getattr(fig, "chart_title", "")
    if title:
        out["Title"] = title
    return out


def rendered(fig: Figure) -> Image.Image:
    """The chart drawn once by Agg at :data:`DPI` (1,600 px wide), as an RGB image: the PNG is made from it,
    and so is the smaller image a notebook carries (:func:`helpers.report.notebook_png`)."""
    with chart_style():
        if isinstance(fig.canvas, FigureCanvasAgg) and fig.dpi == DPI:  # every chart of helpers.charts
            raw, size = fig.canvas.print_to_buffer()
            return Image.frombuffer("RGBA", size, raw).convert("RGB")
        buffer = BytesIO()  # another figure: through an uncompressed PNG, which carries the canvas size
        fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 0})
    return Image.open(buffer).convert("RGB")


def figure_bytes(fig: Figure, fmt: str, image: Image.Image | None = None) -> bytes:
    """The bytes of ``fig`` in one format, exactly as :func:`save_figure` writes them (``image``: the chart
    already :func:`rendered`, used for the PNG)."""
    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"format '{fmt}' not supported (use: {', '.join(FIGURE_FORMATS)})")
    if fmt == "png":
        return compact_png(image if image is not None else rendered(fig), metadata(fig, fmt))
    buffer = BytesIO()
    with chart_style():
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata(fig, fmt))
    if fmt == "svg":  # a rounded value keeps its published figure as its title (shown on hover)
        return EXACT_GROUP.sub(rb'<g class="exact-figure"><title>\1%</title>', buffer.getvalue())
    return buffer.getvalue()


def compact_png(image: Image.Image, meta: dict) -> bytes:
    """The PNG of ``image`` in a palette of its :data:`PNG_COLOURS` most frequent colours (:func:`indexed`).
    Matplotlib draws a chart in a few hundred colours (flat fills, text, their anti-aliasing), so it looks the
    same at about a third of the bytes. Pillow ships with Matplotlib."""
    info = PngInfo()
    for key, value in meta.items():
        if value is not None:
            info.add_text(key, str(value))
    out = BytesIO()
    palette = frequent_colours(image, PNG_COLOURS)
    indexed(image, palette).save(out, format="PNG", dpi=(DPI, DPI), pnginfo=info)  # optimize: 8x slower
    return out.getvalue()


def frequent_colours(image: Image.Image, kept: int) -> np.ndarray:
    """The ``kept`` most frequent colours of ``image`` (ties by colour: deterministic), as rows of RGB."""
    inverse, colours = _colour_codes(image)
    return _channels(colours[np.lexsort((colours, -np.bincount(inverse)))[:kept]])


def flat_colours(image: Image.Image, kept: int) -> np.ndarray:
    """The ``kept`` colours of ``image`` that fill the most 2×2 blocks of one colour, then the most pixels:
    the colours of a chart's fills and marks, however small (a dot), before the many greys of anti-aliased
    text, which rarely fill a block."""
    inverse, colours = _colour_codes(image)
    codes = inverse.reshape(image.height, image.width)
    corner = codes[:-1, :-1]
    flat = (corner == codes[1:, :-1]) & (corner == codes[:-1, 1:]) & (corner == codes[1:, 1:])
    blocks = np.bincount(corner[flat], minlength=len(colours))
    return _channels(colours[np.lexsort((colours, -np.bincount(inverse), -blocks))[:kept]])


def indexed(image: Image.Image, palette: np.ndarray) -> Image.Image:
    """``image`` in ``palette`` (rows of RGB, at most 256): its colours kept exactly, every other pixel mapped to
    the nearest of them, without dithering, so that only anti-aliased edges move."""
    inverse, colours = _colour_codes(image)
    channels = _channels(colours)
    distance = ((channels[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
    nearest = distance.argmin(axis=1).astype(np.uint8)  # a palette colour's nearest is itself
    result = Image.fromarray(nearest[inverse].reshape(image.height, image.width), mode="P")
    result.putpalette(palette.astype(np.uint8).ravel().tolist())
    return result


def _colour_codes(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's index into the image's distinct colours, and those colours as 0xRRGGBB codes."""
    rgb = np.asarray(image.convert("RGB"))
    codes = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    return pd.factorize(codes.ravel())  # by hashing: no sort of every pixel


def _channels(codes: np.ndarray) -> np.ndarray:
    return np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=1)


def save_figure(
    fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "svg"), image: Image.Image | None = None
) -> list[Path]:
    """Write ``<stem>.<format>`` for each of ``formats`` where :func:`helpers.paths.output_path` sends it.

    ``stem`` is named as the notebooks name outputs (``figures/JP/x``: under ``make report`` into the
    report, elsewhere into ``build/scratch/``) or is any folder outside the repository (``/tmp/mine/x``).
    ``image``: the chart already :func:`rendered` (drawn once for the PNG and the notebook's image).
    Returns the paths of the files written, as they are on disk. Raises ValueError, before writing
    anything, for a format not in :data:`FIGURE_FORMATS`.
    """
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if unknown:
        raise ValueError(f"format '{unknown[0]}' not supported (use: {', '.join(FIGURE_FORMATS)})")
    stem = Path(stem).as_posix()
    written = []
    for fmt in formats:
        path = paths.output_path(f"{stem}.{fmt}")
        path.write_bytes(figure_bytes(fig, fmt, image))
        written.append(path)
    return written
