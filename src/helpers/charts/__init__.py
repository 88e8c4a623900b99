"""Charts of the survey, drawn from the tables of :mod:`helpers.tables` to a chart desk's standard.

- :func:`plot_question` — one question in one country, of the kind its ``question_type`` calls for
  (:data:`CHART_KINDS`): diverging bars for scales (:mod:`.diverging`), bars in questionnaire order for
  single-choice questions, ranked bars for multiple answers and top reasons (:mod:`.bars`); a question with a
  single published figure, of whatever type, is one bar beside its unpublished remainder (never a bar among
  other questions' bars).
- :func:`plot_comparisons` — the cross-country dot plot of a category, or the overview (:mod:`.dots`);
  :func:`plot_comparison` — the same for one item.
- :func:`save_figure` — PNG (200 dpi), SVG (text as text), PDF; byte-identical on every run (:mod:`.save`).

The look (fonts, colours, the two common scales) is in :mod:`.style`, the text layout in :mod:`.text`, the
footer's wording in :mod:`.footer`. Figures are :class:`SurveyFigure` objects created outside ``pyplot``:
nothing leaks and a notebook shows a chart where it calls ``display(fig)``. Each carries the table it drew
(``fig.survey_table``, with ``drawn_as``) and longer notes for the notebook text (``fig.chart_notes``).

Example
-------
>>> from helpers.data import load_survey_data
>>> from helpers import charts
>>> data = load_survey_data()
>>> fig = charts.plot_question(data, "JP", "japan_nuclear_weapons")  # doctest: +SKIP
>>> charts.save_figure(fig, "/tmp/mine/japan_nuclear_weapons")  # doctest: +SKIP
[PosixPath('/tmp/mine/japan_nuclear_weapons.png'), PosixPath('/tmp/mine/japan_nuclear_weapons.svg')]
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd

from ..data import SurveyData
from ..tables import (
    RELATED_COLUMN,
    question_row,
    question_table,
    related_questions,
    single_figure,
    single_figure_questions,
)
from . import bars, diverging
from .dots import plot_comparison, plot_comparisons
from .save import FIGURE_FORMATS, figure_bytes, flat_colours, indexed, rendered, save_figure
from .style import DPI, chart_style, country_colour, country_look
from .text import SurveyFigure

__all__ = [
    "CHART_KINDS",
    "DPI",
    "FIGURE_FORMATS",
    "RELATED_COLUMN",
    "SurveyFigure",
    "chart_style",
    "country_colour",
    "country_look",
    "figure_bytes",
    "flat_colours",
    "indexed",
    "plot_comparison",
    "plot_comparisons",
    "plot_question",
    "related_questions",
    "rendered",
    "save_figure",
    "single_figure_questions",
]


def _diverging(data, country, q, table, confidence, deff) -> SurveyFigure:
    qids = related_questions(data, country, str(q["question_id"]))
    return diverging.plot_diverging(data, country, qids, confidence, deff)


_bars = functools.partial(bars.plot_bars, ranked=False)
_ranked = functools.partial(bars.plot_bars, ranked=True)


Plotter = Callable[[SurveyData, str, pd.Series, pd.DataFrame, float, float], SurveyFigure]
CHART_KINDS: dict[str, Plotter] = {
    "scale": _diverging,
    "single_choice": _bars,
    "select_all": _ranked,
    "top_reasons": _ranked,
}
"""The plotter of each codebook ``question_type``: adding a chart kind is one entry here and one module."""


def plot_question(
    data: SurveyData,
    country: str,
    question_id: str,
    confidence: float = 0.95,
    deff: float | str = "published",
    table: pd.DataFrame | None = None,
) -> SurveyFigure:
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
        Level of the intervals drawn as whiskers.
    deff : float or "published", default "published"
        Design effect: the public's own, implied by its published margin, or one number; intervals use
        n / deff and the footer says so.
    table : pandas.DataFrame, optional
        The question's table at this confidence and design effect, when the caller has it already.

    Raises
    ------
    ValueError
        For an unknown country, or when the country has no figures for the question.
    """
    data.check_country(country)
    q = question_row(data, question_id)
    if table is None:
        table = question_table(data, country, question_id, confidence=confidence, deff=deff)
    if table.empty:
        have = ", ".join(q["countries"]) or "none"
        raise ValueError(f"no published figures for '{question_id}' in {country} (countries with data: {have})")
    if single_figure(table):  # one bar and its remainder, whatever the question's type
        return bars.plot_bars(data, country, q, table, confidence, deff)
    return CHART_KINDS[str(q["question_type"])](data, country, q, table, confidence, deff)
