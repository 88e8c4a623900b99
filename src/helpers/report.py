"""What the notebooks call: one function per thing a reader sees, so a notebook reads as a short report.

A notebook opens a :class:`Report` from its parameters, then, for its category, shows the key findings and
one section per question (:func:`show_question`: the chart, what it shows in a sentence or two, and the
numbers as a table), and the comparison with the other publics. The summary notebook shows the headlines
with the overview chart and links to the category notebooks, and writes ``reports/<country>/summary.md``.
Every function works alone, so a researcher can re-run one question with other parameters::

    from helpers import report
    r = report.open_report(country="JP", deff=1.5)
    report.show_question(r, "japan_nuclear_weapons")
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display
from PIL import Image

from . import charts, escape, narrative, outputs, pages, parameters, toplines
from . import formatting as fmt
from .charts import footer
from .data import CATEGORIES, SurveyData, load_survey_data
from .kinds import Kind, Status
from .paths import output_path
from .tables import (
    comparison_table,
    comparisons_in_category,
    figure_label,
    question_table,
    questions_in_category,
    single_figure,  # noqa: F401  (kept importable from here)
)

NOTEBOOK_PNG_COLOURS = 16
"""Palette size of that image: charts use a few flat colours, so a palette keeps it small and sharp."""


@dataclass(frozen=True)
class Report:
    """The data and the parameters of one notebook run."""

    data: SurveyData
    country: str
    confidence: float
    deff: float | str
    figures_dir: str
    figure_formats: tuple[str, ...]
    reports_dir: str = "reports"


OFFICIAL_COUNTRY = "JP"
"""The notebooks' default ``country`` (as report.toml says; an argument default cannot read a file)."""


def open_report(
    country: str = OFFICIAL_COUNTRY,
    data_dir: str = "data",
    figures_dir: str = "figures",
    confidence: float = 0.95,
    deff: float | str = "published",
    figure_formats: str = "png,svg",
    reports_dir: str = "reports",
) -> Report:
    """Check every parameter, load and validate the data, and say how this run differs from the report.

    Before any work, a ValueError names a bad parameter: output folders must be writable (a folder outside
    the repository, absolute or relative, is used as given; inside it, outputs of a run outside
    ``make report`` go to ``build/scratch/``), ``data_dir`` must exist. The first output says which values
    differ from the official ones (report.toml) and where the outputs go. With ``SURVEY_RUN_RECORD`` set,
    the values used are appended to that file as one JSON line.
    """
    checked = parameters.check(country, data_dir, figures_dir, confidence, deff, figure_formats, reports_dir)
    data = load_survey_data(checked.data_folder)
    data.check_country(country)
    parameters.say_how_this_run_differs(checked)
    parameters.record_run(checked)
    return Report(data, country, checked.confidence, checked.deff, str(figures_dir), checked.formats, str(reports_dir))


# ------------------------------------------------------------------------------------------ showing


def _show_markdown(source: str, **values) -> None:
    """Markdown from an inline template: every value escaped (:func:`helpers.pages.markdown`)."""
    display(Markdown(pages.markdown(source, **values)))


_NUMBER = r"[-+±]?[\d.,]+%?(?:–[\d.,]+%?)?"
_NUMBER_CELL = re.compile(rf"<td>({_NUMBER}|{fmt.NO_FIGURE})</td>")


_TEXT_LEFT = ' style="text-align: left"'
"""On every cell that is not a number: JupyterLab right-aligns table cells, and an untrusted notebook keeps an
inline style (not a style sheet), so this is how words line up on the left there."""


def _show_table(frame: pd.DataFrame, caption: str) -> None:
    """A table as HTML (JupyterLab, GitHub, the site) with a plain-text form (what nbval compares). Cells
    holding a number or a range are marked ``num``, so a page never breaks "37.6–43.5" across lines, and so
    is the header of a column of numbers, so that it stands over them; every other cell is set left
    (:data:`_TEXT_LEFT`)."""
    body = frame.to_html(index=False, escape=True, border=0, classes="numbers")
    body = _NUMBER_CELL.sub(r'<td class="num">\1</td>', body)
    head, _, rest = body.partition("</thead>")
    for column in frame.columns:
        cells = [str(v) for v in frame[column] if str(v) not in ("", fmt.NO_FIGURE)]  # a gap in a column of numbers
        if cells and all(re.fullmatch(_NUMBER, c) for c in cells):
            name = html.escape(str(column), quote=False)  # as pandas writes it
            head = head.replace(f"<th>{name}</th>", f'<th class="num">{name}</th>')
    body = head.replace("<th>", f"<th{_TEXT_LEFT}>") + "</thead>" + rest.replace("<td>", f"<td{_TEXT_LEFT}>")
    rich = f'<p class="caption">{html.escape(caption)}</p>\n{body}'
    display({"text/html": rich, "text/plain": f"{caption}\n{frame.to_string(index=False)}"}, raw=True)


def notebook_png(image: Image.Image) -> bytes:
    """The chart image a notebook carries, from the chart as :func:`helpers.charts.rendered`: half its size
    (800 px wide, each pixel the mean of four: its smallest text about 11 px), in a palette of the full chart's
    :data:`NOTEBOOK_PNG_COLOURS` :func:`~helpers.charts.flat_colours` (every country's and answer's colour),
    without dithering, with no metadata: the same chart gives the same bytes."""
    out = io.BytesIO()
    palette = charts.flat_colours(image, NOTEBOOK_PNG_COLOURS)
    charts.indexed(image.reduce(2), palette).save(out, format="PNG", optimize=True)
    return out.getvalue()


def chart_alt(fig) -> str:
    """Alternative text of a chart: its title, and what it draws."""
    title = getattr(fig, "chart_title", "") or "Chart"
    return f"Chart: {title}"


def _show_figure(r: Report, fig, stem: str, numbers: pd.DataFrame | None = None) -> None:
    """Save a chart in the report's formats, with the CSV of its numbers, and show it as a compact PNG with
    alternative text (shown by JupyterLab trusted or not, nbconvert and code hosts). The output's metadata
    names the saved chart (``figure``: its stem), so the site links the files without looking for them.
    ``numbers``: the CSV's rows when they are not the tidy rows of the chart's question table (a trend)."""
    image = charts.rendered(fig)
    charts.save_figure(fig, stem, formats=r.figure_formats, image=image)
    table = getattr(fig, "survey_table", None)
    if numbers is None and table is not None:
        numbers = toplines.tidy(r.data, table, r.confidence, r.deff)
    if numbers is not None:
        output_path(outputs.figure_numbers(stem)).write_text(toplines.to_csv(numbers), encoding="utf-8")
    alt = chart_alt(fig)
    display(
        {"image/png": base64.b64encode(notebook_png(image)).decode("ascii"), "text/plain": alt},
        metadata={"image/png": {"alt": alt}, "figure": stem},
        raw=True,
    )


def numbers_table(r: Report, table: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind a chart as a reader needs them: answer, share, interval, and a note where the
    row is not a plain published figure."""
    level = f"{fmt.level(r.confidence)} interval"
    measures = table["measure"].notna().any()

    def note(row) -> str:
        parts = []
        if row["kind"] == Kind.NET:
            parts.append("total of " + " and ".join(f"“{p}”" for p in row["parts"]))
        elif row["kind"] == Kind.DERIVED:
            found = narrative.derivation(table, row)
            parts.append(
                "derived from the published figures"
                if found is None
                else f"derived: “{found[0]['label']}” minus " + " and ".join(f"“{p}”" for p in found[1]["label"])
            )
        elif row["kind"] == Kind.NOT_PUBLISHED:
            parts.append("not published: 100% minus the published answers")
        if row["status"] == Status.UNCONFIRMED:
            parts.append("unconfirmed item")
        if measures and pd.notna(row["measure"]):
            parts.append(r.data.measure(row["measure"]).label)
        if r.data.is_press(row["source"]):
            parts.append(r.data.source_label(row["source"]))
        return "; ".join(parts)

    shown = pd.DataFrame(
        {
            "Answer": table["label"].astype(str),
            "%": [fmt.percent(t) for t in table["percent_text"]],
            level: [fmt.interval(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"])],
        }
    )
    notes = [note(row) for _, row in table.iterrows()]
    if any(notes):
        shown["Note"] = notes
    return shown


def base_caption(r: Report, table: pd.DataFrame, country: str | None = None) -> str:
    """``Japanese respondents, n = 1,037`` (with the effective n when deff ≠ 1, and who was asked)."""
    country = country or r.country
    row = table.iloc[0]
    return (
        f"{narrative.capitalise(r.data.respondents(country))}, "
        f"{fmt.base_with_effective(row['base_n'], bool(row['base_is_estimate']), row['n_eff'], r.deff)}"
    )


def questions(r: Report, category: str) -> list[str]:
    """The questions of a category with figures for the report's country, in codebook order."""
    return questions_in_category(r.data, category, r.country)


def show_key_findings(r: Report, category: str) -> None:
    """The category's key findings: its most decisive questions (the headline rule), a sentence each."""
    findings = narrative.category_findings(r.data, r.country, category, r.confidence, r.deff)
    if not findings:
        _show_markdown("No published figures for {{ who }} in this category.", who=r.data.country_in_text(r.country))
        return
    key = narrative.ranked_findings(r.data, findings)[: narrative.KEY_FINDINGS_PER_CATEGORY]
    texts, about = narrative.notes_said_once(key)  # a note every finding listed ends with: said once
    _show_markdown(
        "{% for f, text in key %}- **{{ f.title }}.** {{ text | sentence }}\n{% endfor %}"
        "{% for note in notes if note %}\n\n{{ note | sentence }}{% endfor %}",  # paragraphs after the list
        key=list(zip(key, texts)),
        notes=[about, narrative.unpublished_note(key)],  # on the findings listed, not the whole category
    )


def show_question(r: Report, question_id: str) -> None:
    """One question: its heading, its chart (saved under figures/), what it shows, and its numbers.

    A question with a single published figure is drawn as its one bar beside its unpublished remainder.
    """
    data = r.data
    data.check_question(question_id, r.country)
    table = question_table(data, r.country, question_id, r.confidence, r.deff)
    _show_markdown("### {{ wording }}", wording=data.wording(question_id, r.country))
    notes = narrative.derived_notes(table)  # this question's own, wherever its chart is drawn
    group = charts.related_questions(data, r.country, question_id)
    if group[0] != question_id:  # drawn as a row of the chart of its group, shown with the group's first
        notes.append(f"Drawn with “{data.wording(group[0], r.country)}”, as one chart on one scale.")
    else:
        fig = charts.plot_question(data, r.country, question_id, confidence=r.confidence, deff=r.deff, table=table)
        _show_figure(r, fig, outputs.question_figure(r.country, question_id, r.figures_dir))
        codebook = set(footer.codebook_notes(data, group))  # each question's own comes with notes_for, below
        notes += [n for n in getattr(fig, "chart_notes", []) if n not in codebook]
    finding = narrative.question_finding(data, r.country, question_id, r.confidence, r.deff, table=table)
    text = finding.text if finding is not None else ""
    said = finding.notes if finding is not None else ()  # the finding's "About the figures"
    notes += [n for n in data.notes_for(r.country, question_id) if n not in notes and n not in said]
    if text or notes:
        _show_markdown(
            "{{ text | sentence }}{% if notes %}\n\n*Note:* {{ notes | join(' ') }}{% endif %}", text=text, notes=notes
        )
    _show_table(numbers_table(r, table), base_caption(r, table))


def show_single_figures(r: Report) -> None:
    """The questions with a single published figure each, of every category, as one compact table for the
    summary (each is drawn in its category notebook's own section)."""
    grouped = charts.single_figure_questions(r.data, r.country, None, r.confidence, r.deff)
    if not grouped:
        return
    frames = []
    for qid in grouped:
        table = question_table(r.data, r.country, qid, r.confidence, r.deff)
        figure = table[table["kind"] != Kind.NOT_PUBLISHED]
        frame = numbers_table(r, figure).assign(Base=base_caption(r, figure).split(", ", 1)[1])
        if table.attrs.get("measure_note"):  # a figure of another measure is named by what it measures
            frame["Answer"] = figure_label(r.data, r.country, qid, str(figure["option"].iloc[0]))
        frames.append(frame.assign(Question=r.data.wording(qid, r.country)))
    frame = pd.concat(frames, ignore_index=True).fillna("")
    columns = ["Question", *[c for c in frame.columns if c != "Question"]]
    _show_table(frame[columns], f"{narrative.capitalise(r.data.respondents(r.country))}: one published figure each")


def show_comparisons(r: Report, category: str | None) -> None:
    """The comparison with the other publics: one dot plot of the category (None: every category), then
    each item's figures, gaps and tests in a sentence, and its numbers."""
    if not comparisons_in_category(r.data, r.country, category):
        _show_markdown(
            "No item of this category was published for both {{ who }} and another public.",
            who=r.data.country_in_text(r.country),
        )
        return
    fig = charts.plot_comparisons(r.data, r.country, category, confidence=r.confidence, deff=r.deff)
    _show_figure(r, fig, outputs.comparisons_figure(r.country, category, r.figures_dir))
    if category is None:
        return
    for comparison, title, text in narrative.comparison_findings(r.data, r.country, category, r.confidence, r.deff):
        _show_markdown("**{{ title }}.** {{ text | sentence }}", title=title, text=text)
        frame = comparison_numbers(r, comparison)
        publics = frame["Public"]
        frame["Public"] = publics.where(publics != publics.shift(), "")  # each public named on its first row
        _show_table(frame, frame.attrs["caption"])


def comparison_numbers(r: Report, comparison) -> pd.DataFrame:
    """One comparison's numbers as the report shows them: the public of each row, then :func:`numbers_table`'s
    columns; ``attrs["caption"]`` gives each public's n."""
    table = comparison_table(r.data, comparison, r.confidence, r.deff)
    frame = numbers_table(r, table)
    frame.insert(0, "Public", [r.data.respondents(c) for c in table["country"]])
    frame.attrs["caption"] = "; ".join(base_caption(r, table[table["country"] == c], c) for c in comparison.countries)
    return frame


# ------------------------------------------------------------------------------------------ summary


def summary_model(r: Report, reports_dir: str = "reports") -> dict:
    """The summary's findings as data (:func:`helpers.pages.summary_model`) at the report's parameters."""
    return pages.summary_model(r.data, r.country, r.confidence, r.deff, r.figures_dir, reports_dir)


def _show_section(r: Report, section: str) -> None:
    """One section of the summary, laid out by the summary's template, links relative to the executed
    summary notebook."""
    here = outputs.executed_notebook(r.country, outputs.SUMMARY_NOTEBOOK)
    display(Markdown(pages.markdown_section(section, summary_model(r), here)))


def show_headlines(r: Report) -> None:
    _show_section(r, "headlines")


def show_key_charts(r: Report) -> None:
    """Each headline with its chart: the PNG its category notebook saved, linked relative to the executed
    summary notebook rather than drawn again (one copy of each image in the repository)."""
    _show_section(r, "key_charts")


def show_notebook_links(r: Report) -> None:
    """Links to the category notebooks (relative to the executed summary notebook)."""
    lines = [f"- [{narrative.capitalise(c)}]({outputs.NOTEBOOK_OF[c]}.ipynb)" for c in CATEGORIES if questions(r, c)]
    display(Markdown("\n".join(lines)))


def show_trend_line(r: Report) -> None:
    """The public's series across earlier waves, under its own heading (nothing for a public without any)."""
    model = {"trends": pages.trends_model(r.data, r.country, r.confidence, r.deff, r.figures_dir)}  # this part only
    if model["trends"]:
        here = outputs.executed_notebook(r.country, outputs.SUMMARY_NOTEBOOK)
        display(Markdown("## Earlier waves\n\n" + pages.markdown_section("trends", model, here)))


def show_release_wording(r: Report) -> None:
    _show_section(r, "claims")


def show_methodology(r: Report) -> None:
    """The methodology, under the notebook's own "Methodology" heading (its subsections one level below)."""
    _show_section(r, "methodology")


def write_summary(r: Report, reports_dir: str = "reports") -> Path:
    """Write the summary of the report's country under ``<reports_dir>/<country>/``: ``summary.md``, its model
    ``summary.json`` and the public's toplines ``toplines.csv`` (what the site renders); return the path of
    ``summary.md`` as written (under ``make report`` the committed tree, otherwise ``build/scratch/`` or the
    folder ``reports_dir`` names)."""
    model = summary_model(r, reports_dir)
    relative = outputs.summary_file(r.country, reports_dir)
    path = output_path(relative)
    path.write_text(pages.summary_markdown(model, relative), encoding="utf-8")
    output_path(outputs.summary_model_file(r.country, reports_dir)).write_text(
        pages.summary_json(model), encoding="utf-8"
    )
    every = toplines.country_toplines(r.data, r.country, r.confidence, r.deff)
    output_path(outputs.toplines_file(r.country, reports_dir)).write_text(toplines.to_csv(every), encoding="utf-8")
    return path


def show_trends(r: Report, category: str | None = None) -> None:
    """Earlier waves of the public's series (other surveys, each method stated): per series its chart, what
    the trend rules allow to be said, and the figures with their sources (``None``: every category's
    series). Shows nothing for a public without earlier waves."""
    from . import trends
    from .charts.trend import plot_trend

    data = r.data
    series = [q for q in trends.series_of(data, r.country) if category in (None, data.question(q)["category"])]
    if not series:
        return
    display(
        Markdown(
            "## Earlier waves\n\nThe same question in earlier surveys of this public, which other organisations "
            "ran with other methods. A dashed rule marks each change of organisation, mode or population; a "
            "change across it is shown but not tested (see the trend rules in the summary's methodology)."
        )
    )
    for qid in series:
        display(Markdown(f"### {escape.markdown_text(trends.series_title(data, r.country, qid))}"))
        points = trends.points_table(data, r.country, qid)
        if trends.charted(data, r.country, qid):  # two waves are a sentence and a table, not a chart
            fig = plot_trend(data, r.country, qid)
            _show_figure(r, fig, trends.trend_figure(r.country, qid, r.figures_dir), numbers=points)
        lines = trends.trend_findings(data, r.country, qid, r.confidence, r.deff)
        if lines:
            display(Markdown(escape.markdown_sentence(" ".join(lines))))
        caption = f"{narrative.capitalise(data.respondents(r.country))}, by wave"
        _show_table(points, caption)
