"""What the notebooks call: one function per notebook step, so a notebook stays a short report.

A notebook opens a :class:`Report` from its parameters, then shows the findings, the charts (saved under
``figures/<country>/``) with the numbers behind each, the comparisons with other countries, and — in the
summary notebook — writes the narrative summary to ``reports/<country>/summary.md``.

Example
-------
>>> from helpers import report
>>> r = report.open_report(country="JP")           # doctest: +SKIP
>>> report.show_findings(r, "security")             # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from IPython.display import Image, Markdown, display

from . import charts, narrative
from .data import SurveyData, check_country, load_survey_data
from .paths import output_path
from .tables import (
    comparable_items,
    comparison_table,
    format_base,
    question_row,
    questions_in_category,
    question_table,
)

NUMBERS_COLUMNS = {"option": "option", "percent_text": "%", "kind": "kind", "ci": "95% CI", "base": "base"}


@dataclass
class Report:
    """The data and the parameters of one notebook run."""

    data: SurveyData
    country: str
    confidence: float
    deff: float
    figures_dir: str
    figure_formats: tuple[str, ...]


def open_report(country: str = "JP", data_dir: str = "data", figures_dir: str = "figures",
                confidence: float = 0.95, deff: float = 1.0, figure_formats: str = "png,svg") -> Report:
    """Load and validate the data and check the parameters; raise a clear error for an unknown country."""
    data = load_survey_data(data_dir)
    check_country(data, country)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if deff <= 0:
        raise ValueError(f"deff must be positive, got {deff}")
    formats = tuple(f.strip().lower() for f in figure_formats.split(",") if f.strip())
    unknown = [f for f in formats if f not in charts.FIGURE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"figure_formats must list some of {', '.join(charts.FIGURE_FORMATS)}, got {figure_formats!r}")
    return Report(data, country, confidence, deff, figures_dir, formats)


def country_name(r: Report) -> str:
    """The country's name as used inside a sentence ("the United States")."""
    return narrative.country_in_text(r.data, r.country)


def numbers_behind(table: pd.DataFrame, level: str = "95% CI") -> pd.DataFrame:
    """The figures a chart draws, as a small text table (nbval compares it; it cannot compare pixels)."""
    shown = table.copy()
    shown["ci"] = [f"{lo:.1f}–{hi:.1f}" if pd.notna(lo) else "" for lo, hi in zip(shown["ci_low"], shown["ci_high"])]
    shown["base"] = [format_base(n, e) for n, e in zip(shown["base_n"], shown["base_is_estimate"])]
    if "measure" in shown and shown["measure"].notna().any():
        shown["kind"] = [f"{k}, {m}" if pd.notna(m) else k for k, m in zip(shown["kind"], shown["measure"])]
    if "status" in shown:
        shown["kind"] = [f"{k} (unconfirmed)" if s == "unconfirmed" else k
                         for k, s in zip(shown["kind"], shown["status"])]
    columns = dict(NUMBERS_COLUMNS, ci=level)
    if "country" in shown and shown["country"].nunique() > 1:
        columns = {"country": "country", **columns}
    return shown[list(columns)].rename(columns=columns).reset_index(drop=True)


def print_numbers(table: pd.DataFrame, confidence: float) -> None:
    level = f"{confidence * 100:g}% CI"
    print(numbers_behind(table, level).to_string(index=False))


def show_findings(r: Report, category: str) -> None:
    """Display the key findings of a category for the report's country."""
    display(Markdown(narrative.category_section(r.data, r.country, category, r.confidence, r.deff)))


def show_and_save(r: Report, fig, stem: str) -> list[str]:
    """Save a chart in the report's formats and show it inline.

    The inline image is the saved PNG itself, so the notebook shows exactly the committed file and the
    figure is not drawn a second time.
    """
    written = charts.save_figure(fig, stem, formats=r.figure_formats)
    if "png" in r.figure_formats:
        display(Image(data=output_path(f"{stem}.png").read_bytes(), format="png"))
    else:
        display(fig)
    return written


def show_questions(r: Report, category: str) -> list[str]:
    """Chart every question of a category: show it, print its numbers, save it; return the files written."""
    written: list[str] = []
    qids = questions_in_category(r.data, category, r.country)
    if not qids:
        display(Markdown(f"No published figures for {country_name(r)} in this category."))
    for qid in qids:
        q = question_row(r.data, qid)
        display(Markdown(f"### {q['wording']}\n\n`{qid}` · {q['question_type'].replace('_', ' ')}"))
        fig = charts.plot_question(r.data, r.country, qid, confidence=r.confidence, deff=r.deff)
        written += show_and_save(r, fig, f"{r.figures_dir}/{r.country}/{qid}")
        print_numbers(question_table(r.data, r.country, qid, r.confidence, r.deff), r.confidence)
    return written


def show_comparisons(r: Report, category: str) -> list[str]:
    """Chart every item of a category asked in this and another country, with the test of each gap."""
    written: list[str] = []
    items = [c for c in comparable_items(r.data) if r.country in c.countries
             and question_row(r.data, c.question_ids[0])["category"] == category]
    if not items:
        display(Markdown(f"No confirmed figure in this category was published for both {country_name(r)} and "
                         "another country."))
    findings = narrative.comparison_findings(r.data, r.country, r.confidence, r.deff)
    for item in items:
        fig = charts.plot_comparison(r.data, item, confidence=r.confidence, deff=r.deff)
        written += show_and_save(r, fig, f"{r.figures_dir}/{r.country}/comparisons/{item.comparison_id}")
        wording = question_row(r.data, item.question_ids[0])["wording"]
        display(Markdown(next(f for f in findings if f.startswith(f"**{wording}"))))
        print_numbers(comparison_table(r.data, item, r.confidence, r.deff), r.confidence)
    return written


def write_summary(r: Report, reports_dir: str = "reports") -> str:
    """Write the narrative summary to ``<reports_dir>/<country>/summary.md``, display it, return its path."""
    text = narrative.build_summary(r.data, r.country, r.confidence, r.deff)
    relative = f"{reports_dir}/{r.country}/summary.md"
    output_path(relative).write_text(text, encoding="utf-8")
    display(Markdown(text))
    return relative
