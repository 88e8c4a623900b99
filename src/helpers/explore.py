"""One call for each question a researcher asks of the survey from a notebook of their own.

Open a report once with the parameters you want (checked, data validated), then ask::

    from helpers import explore, report

    r = report.open_report(country="JP", deff=1.5)
    explore.questions(r)                         # the questions with figures for Japan, by category
    explore.questions(r, "security", country="KR")
    explore.table(r, "trump_impression")         # one question's figures, formatted as in the report
    explore.chart(r, "trump_impression")         # its chart
    explore.compare(r, "trump_impression")       # the publics asked the same item, side by side
    explore.compare(r, "korea_impression", other="KR")  # the mirror: Japan's view of Korea, Korea's of Japan
    explore.compare_chart(r, "korea_impression", other="KR")

Each raises a ValueError naming the bad value and listing the valid ones. These are thin calls into
:mod:`helpers.tables`, :mod:`helpers.charts`, :mod:`helpers.narrative` and :mod:`helpers.report`: the
numbers, words and charts are the report's own.
"""

from __future__ import annotations

import pandas as pd

from . import charts, narrative, report
from .data import CATEGORIES
from .tables import (
    Comparison,
    comparable_items,
    comparison_title,
    question_table,
    questions_in_category,
)

__all__ = ["chart", "compare", "compare_chart", "comparison", "questions", "table"]


def questions(r: report.Report, category: str | None = None, country: str | None = None) -> pd.DataFrame:
    """The questions with figures for ``country`` (default: the report's), of one category or of all.

    Columns: ``category``, ``question_id``, ``wording`` (as asked of that public), ``publics`` (every
    public with figures) and ``compared_with`` (the publics :func:`compare` sets it beside).
    """
    data = r.data
    country = data.check_country(country or r.country)
    categories = CATEGORIES if category is None else (data.check_category(category),)
    partners: dict[str, list[str]] = {}
    for c in comparable_items(data, country):
        own = c.question_ids[c.countries.index(country)]
        partners.setdefault(own, []).extend(o for o in c.countries if o != country)
    rows = [
        {
            "category": cat,
            "question_id": qid,
            "wording": data.wording(qid, country),
            "publics": ", ".join(data.countries_of(qid)),
            "compared_with": ", ".join(dict.fromkeys(partners.get(qid, []))),
        }
        for cat in categories
        for qid in questions_in_category(data, cat, country)
    ]
    return pd.DataFrame(rows, columns=["category", "question_id", "wording", "publics", "compared_with"])


def table(r: report.Report, question_id: str) -> pd.DataFrame:
    """One question's figures for the report's public, formatted as the report shows them (answer, share,
    interval, notes). ``attrs`` holds the ``title`` (the wording) and the ``caption`` (who, n)."""
    data = r.data
    data.check_question(question_id, r.country)
    figures = question_table(data, r.country, question_id, r.confidence, r.deff)
    shown = report.numbers_table(r, figures)
    shown.attrs.update(title=data.wording(question_id, r.country), caption=report.base_caption(r, figures))
    return shown


def chart(r: report.Report, question_id: str):
    """One question's chart for the report's public (a matplotlib figure; a notebook shows it)."""
    data = r.data
    data.check_question(question_id, r.country)
    figures = question_table(data, r.country, question_id, r.confidence, r.deff)
    return charts.plot_question(data, r.country, question_id, r.confidence, r.deff, table=figures)


def _describe(c: Comparison) -> str:
    items = " vs ".join(f"{q} ({country})" for q, country in zip(c.question_ids, c.countries))
    return f"{c.comparison_id}: {items}, {c.relation}"


def _partner(r: report.Report, c: Comparison) -> str:
    return next(country for country in c.countries if country != r.country)


def comparison(r: report.Report, item: str, other: str | None = None) -> Comparison:
    """The comparison of the report's public on ``item`` (a question id, or a comparison id as
    ``tables.comparable_items`` names them): the same item asked of other publics, or its mirror.
    ``other`` (a country code) chooses when an item is compared in more than one way."""
    data = r.data
    if other is not None:
        data.check_country(other)
    items = [c for c in comparable_items(data, r.country) if other is None or other in c.countries]
    named = [c for c in items if item in (c.comparison_id, *c.question_ids)]
    own = [c for c in named if item in (c.comparison_id, c.question_ids[c.countries.index(r.country)])]
    found = own or named  # the report's public's own item first; else the item as another public was asked
    if len(found) == 1:
        return found[0]
    if found:
        choices = "; ".join(f"other={_partner(r, c)!r} for {_describe(c)}" for c in found)
        raise ValueError(f"{item!r} is compared in {len(found)} ways for {r.country}: choose with {choices}")
    items = comparable_items(data, r.country)
    valid = "; ".join(_describe(c) for c in items) or "none"
    with_other = f" with {other}" if other else ""
    raise ValueError(
        f"no comparison of {item!r} for {r.country}{with_other}: the items compared for {r.country} are {valid}"
    )


def compare(r: report.Report, item: str, other: str | None = None) -> pd.DataFrame:
    """The publics' figures on one item side by side, formatted as the report shows them (see
    :func:`comparison` for ``item`` and ``other``). ``attrs`` holds the ``title``, the ``caption`` (each
    public's n) and the ``finding``: each gap and whether it is beyond sampling error, in words."""
    c = comparison(r, item, other)
    shown = report.comparison_numbers(r, c)
    shown.attrs.update(
        title=comparison_title(r.data, c), finding=narrative.comparison_finding(r.data, c, r.confidence, r.deff)
    )
    return shown


def compare_chart(r: report.Report, item: str, other: str | None = None):
    """The dot plot of one comparison (see :func:`comparison` for ``item`` and ``other``)."""
    return charts.plot_comparison(r.data, comparison(r, item, other), r.confidence, r.deff)
