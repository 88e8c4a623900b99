"""Questions with one published figure: each is its own chart (one bar beside its remainder), and the
report lists them together as one compact table, never as bars of one chart."""

from __future__ import annotations

import pytest

from helpers import charts, report
from helpers.tables import measure_name, question_table


@pytest.fixture
def shown(monkeypatch, tmp_path):
    from helpers import paths

    monkeypatch.setenv(paths.STAGING_ENV, str(tmp_path))
    out: list = []
    monkeypatch.setattr(report, "display", lambda obj, **kwargs: out.append(obj))
    return out


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_the_single_figures_are_one_table_and_no_image(country, shown, tmp_path):
    r = report.open_report(country=country)
    qids = charts.single_figure_questions(r.data, country)
    report.show_single_figures(r)
    assert not any("image/svg+xml" in o for o in shown if isinstance(o, dict))
    assert not list(tmp_path.rglob("*single_figures*"))
    (table,) = [o for o in shown if isinstance(o, dict) and "text/html" in o]
    lines = table["text/plain"].splitlines()
    assert len(lines) == 2 + len(qids)  # caption, header, one row per question
    for qid in qids:
        t = question_table(r.data, country, qid)
        figure = t[t["kind"] != "not published"].iloc[0]
        row = next(line for line in lines if r.data.wording(qid, country) in line)
        assert figure["percent_text"] in row


def test_a_figure_of_another_measure_says_what_it_measures(shown):
    r = report.open_report(country="KR")
    report.show_single_figures(r)
    (table,) = [o for o in shown if isinstance(o, dict) and "text/html" in o]
    qid = "trilateral_security_cooperation"
    row = next(line for line in table["text/html"].split("<tr") if r.data.wording(qid, "KR") in line)
    assert measure_name(r.data.measure_note("KR", qid)) in row and ">in favor</td>" not in row
