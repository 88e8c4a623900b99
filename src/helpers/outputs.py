"""Names of the report's outputs, relative to the repository root, defined once.

The notebooks save charts under these names, the summary links to them, and the site finds them there.
"""

from __future__ import annotations

import posixpath
import re

from .data import CATEGORIES

SUMMARY_NOTEBOOK = "summary"


def slug(category: str) -> str:
    """A category's file name: ``economy & trade`` → ``economy_trade``."""
    return "_".join(re.findall(r"[a-z0-9]+", category.lower()))


NOTEBOOK_OF = {category: slug(category) for category in CATEGORIES}
"""The category notebook of each category (``notebooks/<name>.ipynb``)."""


def question_figure(country: str, question_id: str, figures_dir: str = "figures") -> str:
    """Stem (no extension) of a question's chart."""
    return f"{figures_dir}/{country}/{question_id}"


def comparisons_figure(country: str, category: str | None, figures_dir: str = "figures") -> str:
    """Stem of the dot plot of a category's comparisons (``None``: the overview of every category)."""
    return f"{figures_dir}/{country}/comparisons/{slug(category) if category else 'overview'}"


def summary_file(country: str, reports_dir: str = "reports") -> str:
    return f"{reports_dir}/{country}/summary.md"


def executed_notebook(country: str, name: str, reports_dir: str = "reports") -> str:
    return f"{reports_dir}/{country}/notebooks/{name}.ipynb"


def relative(target: str, start_file: str) -> str:
    """Link from the file ``start_file`` to ``target`` (both relative to the repository root)."""
    return posixpath.relpath(target, posixpath.dirname(start_file) or ".")


def figure_numbers(stem: str) -> str:
    """The CSV of the numbers a chart draws, beside the chart (tidy rows, :mod:`helpers.toplines`)."""
    return f"{stem}.csv"


def summary_model_file(country: str, reports_dir: str = "reports") -> str:
    """The summary's findings as data (:func:`helpers.pages.summary_model`), what the site renders."""
    return f"{reports_dir}/{country}/summary.json"


def toplines_file(country: str, reports_dir: str = "reports") -> str:
    """Every figure of one public as tidy CSV rows (:mod:`helpers.toplines`), written with the summary."""
    return f"{reports_dir}/{country}/toplines.csv"
