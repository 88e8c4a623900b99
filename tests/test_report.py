"""helpers.report: what the notebooks call, tested directly.

The parameters a researcher types are checked with an error naming the parameter; the numbers table a
reviewer reads carries no internal token; the caption states the base once, with the effective n only
when a design effect other than 1 is assumed.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re

import pandas as pd
import pytest
from IPython.display import Markdown

from helpers import charts, narrative, outputs, pages, paths, report, toplines
from helpers import formatting as fmt
from helpers.data import CATEGORIES, load_survey_data
from helpers.kinds import Kind
from helpers.tables import design_effect, question_table, questions_in_category


@pytest.fixture(scope="module")
def r():
    return report.open_report(country="JP")


@pytest.fixture(scope="module")
def r15():
    return report.open_report(country="JP", confidence=0.9, deff=1.5)


def every_question(r):
    for qid in r.data.questions["question_id"]:
        if r.country in r.data.countries_of(qid):
            yield qid, question_table(r.data, r.country, qid, r.confidence, r.deff)


# ------------------------------------------------------------------------------------------ parameters


@pytest.mark.parametrize("deff", [math.nan, math.inf, -math.inf, 0, 0.0, -1.5, True, "1.5", None])
def test_open_report_rejects_a_bad_design_effect(deff):
    with pytest.raises(ValueError, match="deff"):
        report.open_report(country="JP", deff=deff)


@pytest.mark.parametrize("confidence", ["x", 1.5, True, False, 0, 1, 95, -0.5, math.nan, None])
def test_open_report_rejects_a_bad_confidence(confidence):
    with pytest.raises(ValueError, match="confidence"):
        report.open_report(country="JP", confidence=confidence)


@pytest.mark.parametrize("formats", ["gif", "png,gif", "", " , ", 5, None, ["png"]])
def test_open_report_rejects_bad_figure_formats(formats):
    with pytest.raises(ValueError, match="figure_formats"):
        report.open_report(country="JP", figure_formats=formats)


def test_open_report_rejects_an_unknown_country():
    with pytest.raises(ValueError, match="XX"):
        report.open_report(country="XX")


def test_open_report_normalises_good_parameters():
    r = report.open_report(country="KR", confidence=0.9, deff=2, figure_formats=" SVG, png ,svg")
    assert (r.country, r.confidence, r.deff) == ("KR", 0.9, 2.0)
    assert isinstance(r.deff, float)
    assert r.figure_formats == ("svg", "png")
    with pytest.raises(AttributeError):
        r.deff = 1.0  # a Report is frozen: one run, one set of parameters


# ------------------------------------------------------------------------------------------ numbers table


def internal_tokens(data) -> set[str]:
    tokens = set(data.questions["question_id"]) | set(data.survey.measure_ids)
    tokens |= set(data.survey.source_ids)
    return {t for t in tokens if t}


def test_numbers_table_has_reader_columns_only(r, r15):
    for rep, level in ((r, "95% interval"), (r15, "90% interval")):
        for qid, table in every_question(rep):
            shown = report.numbers_table(rep, table)
            assert list(shown.columns)[:3] == ["Answer", "%", level], qid
            assert set(shown.columns) <= {"Answer", "%", level, "Note"}, qid
            assert len(shown) == len(table)


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_numbers_table_has_no_internal_tokens(country):
    r = report.open_report(country=country)
    tokens = internal_tokens(r.data)
    kinds_and_statuses = {str(k) for k in Kind} | {"published", "unconfirmed"}
    for qid, table in every_question(r):
        shown = report.numbers_table(r, table)
        text = shown.to_string(index=False)
        cells = {str(v) for v in shown.to_numpy().ravel()}
        assert not cells & kinds_and_statuses, f"{qid}: a raw kind or status is shown"
        for token in tokens:
            assert token not in text, f"{qid}: internal token {token!r} in the numbers table"
        assert "n =" not in text and "n ≈" not in text, f"{qid}: the base belongs in the caption, once"
        assert "_" not in text, f"{qid}: an id-like token in {text!r}"


def test_numbers_table_figures_and_notes(r):
    table = question_table(r.data, "JP", "korea_nuclear_weapons")
    shown = report.numbers_table(r, table).set_index("Answer")
    assert shown.loc["somewhat opposed", "%"] == "24.1%"
    derived_note = shown.loc["somewhat opposed", "Note"]
    assert "derived" in derived_note and "“opposed”" in derived_note
    assert shown.loc["opposed", "Note"] == "total of “somewhat opposed” and “strongly opposed”"
    remainder = table[table["kind"] == Kind.NOT_PUBLISHED]["label"].iloc[0]
    assert shown.loc[remainder, "95% interval"] == ""
    row = table[table["option"] == "strongly opposed"].iloc[0]
    assert shown.loc["strongly opposed", "95% interval"] == fmt.interval(row["ci_low"], row["ci_high"])
    assert shown.loc["strongly opposed", "Note"] == ""


def test_numbers_table_keeps_published_precision(r):
    for qid, table in every_question(r):
        shown = report.numbers_table(r, table)
        assert list(shown["%"]) == [f"{t}%" for t in table["percent_text"]], qid


def test_numbers_table_names_press_sources_and_measures(r):
    table = question_table(r.data, "JP", "korea_unfavorable_reasons")
    notes = report.numbers_table(r, table)["Note"]
    for m in table["measure"].dropna().unique():
        assert notes.str.contains(r.data.measure(m).label, regex=False).any()
    assert notes.str.contains("(press report)", regex=False).any()


# ------------------------------------------------------------------------------------------ caption


def test_base_caption_shows_the_effective_n_only_when_deff_is_not_1(r):
    table = question_table(r.data, "JP", "us_impression")
    assert report.base_caption(r, table) == "Japanese respondents, n = 1,037"
    r15 = report.open_report(country="JP", deff=1.5)
    table15 = question_table(r15.data, "JP", "us_impression", deff=1.5)
    caption = report.base_caption(r15, table15)
    assert caption == f"Japanese respondents, n = 1,037 (effective n ≈ {round(1037 / 1.5):,})"
    assert "effective" not in report.base_caption(r, table)


def test_base_caption_of_a_subgroup_says_the_base_is_estimated(r):
    table = question_table(r.data, "JP", "us_favorable_reasons")
    caption = report.base_caption(r, table)
    assert caption.startswith("Japanese respondents, estimated n ≈ ")
    assert f"{round(table['base_n'].iloc[0]):,}" in caption


def test_base_caption_of_another_country(r):
    table = question_table(r.data, "KR", "us_tariffs")
    assert report.base_caption(r, table, "KR") == f"South Korean respondents, n = {r.data.country_n('KR'):,}"


def test_questions_of_a_category(r):
    for category in ("security", "culture & history"):
        assert report.questions(r, category) == questions_in_category(r.data, category, "JP")
    us = report.open_report(country="US")
    assert report.questions(us, "security") == []


# ------------------------------------------------------------------------------------------ showing


@pytest.fixture
def shown(monkeypatch, tmp_path):
    """What the report displays (and figures written under a scratch output root, not the committed tree)."""
    from helpers import paths

    monkeypatch.setenv(paths.STAGING_ENV, str(tmp_path))
    out: list = []

    def record(obj, metadata=None, **kwargs):
        if metadata:
            obj = {**obj, "metadata": metadata}
        out.append(obj)

    monkeypatch.setattr(report, "display", record)
    return out


def plain(obj) -> str:
    """The text of a displayed object: a table's plain form, a chart's alternative text, a Markdown's source."""
    if isinstance(obj, dict):
        return obj.get("text/plain", "")
    return str(getattr(obj, "data", obj))


def charts_in(shown: list) -> list[dict]:
    return [o for o in shown if isinstance(o, dict) and "image/png" in o]


def tables_in(shown: list) -> list[dict]:
    return [o for o in shown if isinstance(o, dict) and "text/html" in o]


def test_show_key_findings_says_not_published_once(r, shown):
    report.show_key_findings(r, "security")
    assert len(shown) == 1
    text = plain(shown[0])
    assert text.count("not published") == 1


def test_the_key_findings_note_counts_the_questions_listed(shown):
    r = report.open_report(country="JP")
    report.show_key_findings(r, "security")
    listed = re.findall(r"^- \*\*(.+?)\.\*\* ", plain(shown[0]), re.M)
    findings = {f.title: f for f in narrative.category_findings(r.data, "JP", "security")}
    assert len(findings) > len(listed) >= 2
    assert narrative.unpublished_note([findings[t] for t in listed]) in plain(shown[0])


def test_show_key_findings_of_an_empty_category(shown):
    report.show_key_findings(report.open_report(country="US"), "security")
    assert "No published figures for the United States" in plain(shown[0])


def test_show_question_shows_heading_chart_sentence_and_table(r, shown, tmp_path):
    report.show_question(r, "japan_nuclear_weapons")
    texts = [plain(o) for o in shown]
    assert texts[0] == f"### {r.data.wording('japan_nuclear_weapons', 'JP')}"
    (chart,) = charts_in(shown)
    stem = outputs.question_figure("JP", "japan_nuclear_weapons")
    assert chart["metadata"]["figure"] == stem
    assert chart["metadata"]["image/png"]["alt"] == chart["text/plain"] and chart["text/plain"].startswith("Chart: ")
    png = base64.b64decode(chart["image/png"])
    assert png.startswith(b"\x89PNG") and len(png) < (tmp_path / f"{stem}.png").stat().st_size
    assert (tmp_path / f"{stem}.svg").exists()
    numbers = toplines.read_csv(tmp_path / outputs.figure_numbers(stem))
    assert list(numbers.columns) == list(toplines.COLUMNS)
    assert set(numbers["question_id"]) == {"japan_nuclear_weapons", "korea_nuclear_weapons"}
    table = tables_in(shown)[0]
    assert table["text/plain"].startswith("Japanese respondents, n = 1,037\n")
    assert "<table" in table["text/html"] and "japan_nuclear_weapons" not in table["text/html"]
    # the headers of the columns of numbers stand over them; the answers' and notes' do not
    head = table["text/html"].split("</thead>")[0]
    assert '<th class="num">%</th>' in head and '<th class="num">95% interval</th>' in head
    assert '<th style="text-align: left">Answer</th>' in head
    # every cell that is not a number is set left, which an untrusted JupyterLab keeps (it right-aligns cells)
    cells = re.findall(r"<td([^>]*)>([^<]*)</td>", table["text/html"])
    assert cells and all((a == ' class="num"') != (a == ' style="text-align: left"') for a, _ in cells)
    assert {a for a, _ in cells} == {' class="num"', ' style="text-align: left"'}


def test_a_question_of_a_chart_group_points_to_the_groups_chart(r, shown, tmp_path):
    report.show_question(r, "korea_nuclear_weapons")  # drawn as the second row of Japan's chart
    texts = [plain(o) for o in shown]
    assert not charts_in(shown)
    assert not (tmp_path / "figures" / "JP" / "korea_nuclear_weapons.svg").exists()
    assert any(f"Drawn with “{r.data.wording('japan_nuclear_weapons', 'JP')}”" in t for t in texts)
    assert tables_in(shown)


def test_each_question_of_a_chart_group_states_its_own_derived_figures(r, shown):
    """Japan's chart draws both nuclear items and leads with Japan's; only South Korea's has a derived figure, so
    the note saying how it follows is under South Korea's item, not under Japan's."""
    japan, korea = (question_table(r.data, "JP", q) for q in ("japan_nuclear_weapons", "korea_nuclear_weapons"))
    assert not (japan["kind"] == Kind.DERIVED).any()
    notes = [f"“{x.label}” ({x.percent_text}%) is derived" for x in korea[korea["kind"] == Kind.DERIVED].itertuples()]
    assert notes
    for qid, expected in (("japan_nuclear_weapons", False), ("korea_nuclear_weapons", True)):
        shown.clear()
        report.show_question(r, qid)
        said = " ".join(plain(o) for o in shown)
        assert [n in said for n in notes] == [expected] * len(notes), qid


@pytest.fixture
def words_only(monkeypatch):
    """Charts drawn but not rendered or saved: for tests of the text under them."""
    monkeypatch.setattr(report, "_show_figure", lambda *args, **kwargs: None)


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_a_question_names_each_press_report_once(shown, words_only, country):
    """The sentence under a chart names the press reports its figures come from, and no note repeats them."""
    r = report.open_report(country=country)
    named = 0
    for qid in (q for c in CATEGORIES for q in report.questions(r, c)):
        shown.clear()
        report.show_question(r, qid)
        text = " ".join(o.data for o in shown if isinstance(o, Markdown))
        table = question_table(r.data, country, qid)
        for label in {r.data.source_label(s) for s in table["source"].dropna() if r.data.is_press(s)}:
            assert text.count(label) == 1, (qid, label, text)
            named += 1
    assert named


def test_figures_of_another_measure_are_said_once_under_their_question(r, shown, words_only):
    """A measure left to the table is stated by the finding's sentence; the note under it does not list it again."""
    said_once = 0
    for qid in (q for c in CATEGORIES for q in report.questions(r, c)):
        fig = charts.plot_question(r.data, "JP", qid)
        other = fig.survey_table[fig.survey_table["drawn_as"] == "note"]
        if other.empty:
            continue
        shown.clear()
        report.show_question(r, qid)
        text = " ".join(o.data for o in shown if isinstance(o, Markdown))
        for x in other.itertuples():
            assert len(re.findall(rf"\b{re.escape(x.percent_text)}\b", text)) == 1, (qid, x.percent_text, text)
            said_once += 1
    assert said_once


def test_show_question_rejects_a_question_the_country_was_not_asked(shown):
    with pytest.raises(ValueError, match="korea_nuclear_weapons"):
        report.show_question(report.open_report(country="US"), "korea_nuclear_weapons")


def test_show_question_at_another_design_effect_states_the_effective_n(r15, shown, tmp_path):
    report.show_question(r15, "us_impression")
    table = tables_in(shown)[0]
    assert table["text/plain"].startswith(f"Japanese respondents, n = 1,037 (effective n ≈ {round(1037 / 1.5):,})")
    assert "90% interval" in table["text/plain"] and "95%" not in table["text/plain"]
    finding = narrative.question_finding(r15.data, "JP", "us_impression", 0.9, 1.5)
    assert any(finding.text in plain(o) for o in shown)


def test_show_question_of_a_single_figure_draws_its_own_chart(r, shown, tmp_path):
    report.show_question(r, "taiwan_us_response")
    assert charts_in(shown)
    assert (tmp_path / "figures" / "JP" / "taiwan_us_response.svg").exists()
    assert any("(41.4%)" in plain(o) for o in shown)


def test_show_comparisons_of_a_category(r, shown, tmp_path):
    report.show_comparisons(r, "bilateral relations")
    stem = outputs.comparisons_figure("JP", "bilateral relations", r.figures_dir)
    assert (tmp_path / f"{stem}.svg").exists() and (tmp_path / f"{stem}.png").exists()
    found = narrative.comparison_findings(r.data, "JP", "bilateral relations")
    tables = tables_in(shown)
    assert len(tables) == len(found)
    for (comparison, title, text), table in zip(found, tables):
        assert any(plain(o) == f"**{title}.** {text}" for o in shown)
        caption = table["text/plain"].splitlines()[0]
        for c in comparison.countries:  # (capitals: test_base_caption_of_another_country)
            assert f"{r.data.respondents(c)}, n = {r.data.country_n(c):,}".lower() in caption.lower()
        assert "Public" in table["text/plain"].splitlines()[1]
        # each public named once, on the first of its rows (the rows of one public are together)
        firsts = re.findall(r"<tr>\s*<td[^>]*>([^<]*)</td>", table["text/html"])
        publics = [html.escape(p, quote=False) for p in report.comparison_numbers(r, comparison)["Public"]]
        assert len(set(publics)) == len(comparison.countries)
        assert firsts == [p if i == 0 or p != publics[i - 1] else "" for i, p in enumerate(publics)]
        for token in internal_tokens(r.data):
            assert token not in table["text/html"], token


def test_show_comparisons_without_items_says_so(shown):
    report.show_comparisons(report.open_report(country="US"), "security")
    assert len(shown) == 1 and "No item of this category" in plain(shown[0])


def test_show_key_charts_links_the_charts_the_category_notebooks_save(r, shown, tmp_path):
    import posixpath

    heads = narrative.headline_findings(r.data, "JP")
    report.show_key_charts(r)
    assert len(shown) == 1 and not charts_in(shown), "the summary links each image, it does not repeat it"
    here = outputs.executed_notebook("JP", outputs.SUMMARY_NOTEBOOK)
    text = plain(shown[0])
    targets = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(targets) == len(heads)
    for h, target in zip(heads, targets):
        assert f"**{h.title}.** {h.text}" in text
        assert not target.startswith("/") and "://" not in target
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(here), target))
        assert resolved == f"{narrative.key_figure(r.data, 'JP', h.question_id, r.figures_dir)}.png"
    # the first headline with a chart of its own: the link is the file its category notebook writes
    first = next(h for h in heads if not report.single_figure(question_table(r.data, "JP", h.question_id)))
    shown.clear()
    report.show_question(r, first.question_id)
    assert (tmp_path / f"{narrative.key_figure(r.data, 'JP', first.question_id, r.figures_dir)}.png").exists()


def test_show_methodology_states_the_level_and_assumption_used(r15, shown):
    report.show_methodology(r15)
    text = plain(shown[0])
    # under the notebook's own "Methodology" heading: no second title, subsections one level below
    assert not text.startswith("#") and "\n### Precision\n" in text
    assert "90% Wilson interval" in text and "95% interval" not in text
    precision = text.split("Precision")[1].split("###")[0]
    assert "simple random sampling" not in precision and "design effect of 1.5" in precision


def test_show_notebook_links_only_to_categories_with_figures(shown):
    us = report.open_report(country="US")
    report.show_notebook_links(us)
    links = plain(shown[0]).splitlines()
    with_figures = [c for c in narrative.CATEGORIES if report.questions(us, c)]
    assert len(links) == len(with_figures)
    for c, line in zip(with_figures, links):
        assert line.endswith(f"({outputs.NOTEBOOK_OF[c]}.ipynb)")


def test_write_summary_writes_the_summary_under_the_output_root(r, shown, tmp_path):
    relative = outputs.summary_file("JP")
    assert report.write_summary(r) == tmp_path / relative  # the path as written
    written = (tmp_path / relative).read_text(encoding="utf-8")
    assert written == narrative.build_summary(r.data, "JP", r.confidence, r.deff)
    assert str(tmp_path) not in written  # links are relative, no absolute path
    model = json.loads((tmp_path / outputs.summary_model_file("JP")).read_text(encoding="utf-8"))
    assert [h["headline"] for h in model["headlines"]] == [
        h.headline for h in narrative.headline_findings(r.data, "JP")
    ]
    assert pages.summary_markdown(model, relative) == written  # the site and the summary read one model
    every = toplines.read_csv(tmp_path / outputs.toplines_file("JP"))
    assert every.equals(toplines.read_csv(io.StringIO(toplines.to_csv(toplines.country_toplines(r.data, "JP")))))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [relative, outputs.summary_model_file("JP"), outputs.toplines_file("JP")]
    )


def test_text_from_data_is_escaped_in_every_output(tmp_path, shown):
    """A wording, an option and a note carrying markup reach the notebook as text, never as markup."""
    import csv
    import shutil

    from helpers import paths

    planted = "<img src=x onerror=alert(1)>[link](javascript:alert(2))"
    data_dir = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data_dir)
    path = data_dir / "questions.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["question_id"] == "us_impression":
            row["wording"] += " " + planted
            row["note"] = planted
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    r = report.open_report(country="JP", data_dir=str(data_dir))
    report.show_question(r, "us_impression")
    report.show_key_findings(r, "bilateral relations")
    report.show_headlines(r)
    import mistune

    render = mistune.create_markdown(escape=False)  # as a notebook does: raw HTML would pass
    texts = [render(plain(o)) for o in shown if not isinstance(o, dict)]
    assert any("&lt;img src=x onerror=alert(1)&gt;[link](javascript:alert(2))" in t for t in texts), texts
    for text in texts:
        assert "<img" not in text and 'href="javascript:' not in text, text
    for table in tables_in(shown):
        assert "<img" not in table["text/html"]
    for chart in charts_in(shown):
        assert chart["text/plain"].startswith("Chart: ")


# ------------------------------------------------------------------------------------------ opening a report


@pytest.fixture
def adhoc(monkeypatch):
    """A run outside ``make report`` (the test session runs as the runner's kernels do)."""
    from helpers import paths

    monkeypatch.delenv(paths.STAGING_ENV, raising=False)
    monkeypatch.setattr(paths, "_told", False)


def test_open_report_appends_the_values_it_used_to_the_run_record(monkeypatch, tmp_path):
    import json

    record = tmp_path / "run.jsonl"
    monkeypatch.setenv(paths.RUN_RECORD_ENV, str(record))
    report.open_report(country="JP")
    report.open_report("KR", "data", "figures", 0.9, 1.5, " SVG, png ,svg", "reports")
    lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    official = {"data_dir": "data", "figures_dir": "figures", "reports_dir": "reports"}
    assert lines == [
        {"country": "JP", **official, "confidence": 0.95, "deff": "published", "figure_formats": "png,svg"},
        {"country": "KR", **official, "confidence": 0.9, "deff": 1.5, "figure_formats": "svg,png"},
    ]
    assert list(lines[0]) == [
        "country",
        "data_dir",
        "figures_dir",
        "reports_dir",
        "confidence",
        "deff",
        "figure_formats",
    ]
    monkeypatch.delenv(paths.RUN_RECORD_ENV)
    report.open_report(country="JP")
    assert len(record.read_text(encoding="utf-8").splitlines()) == 2, "no record without the variable"


def test_open_report_accepts_published_design_effects():
    assert report.open_report(country="JP", deff="published").deff == "published"
    with pytest.raises(ValueError, match=r"parameter deff must be 'published' .* or a number > 0 .*, got 'publish'"):
        report.open_report(country="JP", deff="publish")


def test_open_report_says_which_values_differ_and_where_outputs_go(adhoc, capsys, tmp_path):
    report.open_report(country="KR", deff=1.5, figures_dir=str(tmp_path / "f"), figure_formats="svg, png")
    said = capsys.readouterr().out.splitlines()
    assert said == [
        "This run's parameters are not the official ones (report.toml): country = 'KR' (official: 'JP'), "
        f"figures_dir = '{tmp_path}/f' (official: 'figures'), deff = 1.5 (official: 'published'), "
        "figure_formats = 'svg,png' (official: 'png,svg').",
        f"outputs of this run go to {tmp_path.resolve()}/f/ (figures_dir) and build/scratch/reports/ (reports_dir); "
        "only `make report` writes figures/ and reports/",
    ]


def test_open_report_with_official_values_outside_make_report_says_only_where_outputs_go(adhoc, capsys):
    r = report.open_report(country="JP", figure_formats="png,svg")
    assert (
        capsys.readouterr().out
        == "outputs of this run go to build/scratch/ (only `make report` writes figures/ and reports/)\n"
    )
    charts_written = report.charts.save_figure(  # writing after the first output does not say it again
        report.charts.plot_question(r.data, "JP", "us_tariffs"), "zz-test/x", ("svg",)
    )
    try:
        assert "outputs of this run" not in capsys.readouterr().out
    finally:
        charts_written[0].unlink()
        charts_written[0].parent.rmdir()


def test_open_report_says_nothing_under_make_report(capsys):
    report.open_report(country="KR")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", ["figures_dir", "reports_dir"])
def test_open_report_checks_output_folders_before_any_work_naming_the_parameter(adhoc, monkeypatch, tmp_path, name):
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(
        report, "load_survey_data", lambda *a: pytest.fail("data loaded before the folders were checked")
    )
    with pytest.raises(ValueError, match=rf"^parameter {name}: .*file is a file, not a folder"):
        report.open_report(country="JP", **{name: str(tmp_path / "file" / "out")})


def test_open_report_names_the_data_folder_that_does_not_exist(tmp_path):
    with pytest.raises(ValueError, match=rf"^parameter data_dir: no folder {re.escape(str(tmp_path))}/nope "):
        report.open_report(country="JP", data_dir=str(tmp_path / "nope"))
    with pytest.raises(ValueError, match=r"^parameter data_dir: no folder dta \(data_dir = 'dta'"):
        report.open_report(country="JP", data_dir="dta")


def test_the_notebooks_default_country_is_report_tomls():
    from helpers import paths

    assert report.OFFICIAL_COUNTRY == paths.official_parameters()["country"]


@pytest.mark.parametrize("deff", ["published", 1.5])
def test_toplines_state_each_publics_design_effect_and_the_notes_on_its_figures(deff):
    data = load_survey_data()
    frame = pd.concat([toplines.country_toplines(data, c, deff=deff) for c in data.countries()])
    for country, rows in frame.groupby("country"):
        assert set(rows["deff"]) == {f"{design_effect(data, country, deff):.2f}"}
    for country in data.countries():  # each row against its own source's notes (labels repeat: EAI, Yonhap …)
        for qid in data.toplines.loc[data.toplines["country"] == country, "question_id"].unique():
            table = question_table(data, country, qid, deff=deff)
            rows = toplines.tidy(data, table, 0.95, deff)
            for source, note in zip(table["source"], rows["note"]):
                for expected in data.notes_for(country, qid, None if pd.isna(source) else source):
                    assert expected in note, (country, qid, source)
    assert (frame["note"] != "").any()
    # a note on one source's figures stays with them: API's rows do not carry the note on a press report's
    reasons = frame[(frame["country"] == "JP") & (frame["question_id"] == "korea_unfavorable_reasons")]
    press_note = data.notes_for("JP", "korea_unfavorable_reasons", "asiae-2025-08-30")[0]
    assert set(reasons["source"]) == {"API", data.source_label("asiae-2025-08-30")}
    assert all((press_note in n) == (s != "API") for s, n in zip(reasons["source"], reasons["note"]))


def test_the_numbers_table_says_what_a_derived_figure_is_computed_from(r):
    table = question_table(r.data, "JP", "korea_nuclear_weapons")
    shown = report.numbers_table(r, table)
    derived = table.index[table["kind"] == Kind.DERIVED]
    assert len(derived)
    for i in derived:
        net = table[(table["option"] == table.at[i, "in_net"]) & (table["kind"] == Kind.NET)].iloc[0]
        others = [table.loc[table["option"] == p, "label"].iloc[0] for p in net["parts"] if p != table.at[i, "option"]]
        assert shown.at[i, "Note"] == f"derived: “{net['label']}” minus " + " and ".join(f"“{o}”" for o in others)
