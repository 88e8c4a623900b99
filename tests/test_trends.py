"""Earlier waves: data with provenance, breaks derived from the data, trend words held to the rules, charts."""

from __future__ import annotations

import dataclasses
import itertools
import math
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from repo_copy import copy_repository, run_build, write_notebook

from helpers import formatting as fmt
from helpers import paths, report, trends
from helpers.charts.save import figure_bytes
from helpers.charts.trend import plot_trend
from helpers.data import DataValidationError, load_survey_data
from helpers.kinds import Mode

FOURTH = Path(__file__).parent / "fixtures" / "data" / "fourth_country"
# A fictitious wave after this survey's, for tests only.
WAVE_2026 = (
    "eai2026,EAI survey of South Koreans,2026,KR,EAI,online,2026-08-24 to 2026-08-26,1200,adults 18+,"
    "eai-media-22978,fictitious (test),\n"
)
FIGURES_2026 = (
    "KR,japan_impression,eai2026,favorable,50.0,eai-media-22978,fictitious,yes,,\n"
    "KR,japan_impression,eai2026,unfavorable,40.0,eai-media-22978,fictitious,yes,,\n"
)


@pytest.fixture(scope="module")
def data():
    return load_survey_data()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ to be edited by one test (data/ itself is never touched)."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(folder: Path, name: str, lines: str) -> None:
    with open(folder / name, "a", encoding="utf-8") as f:
        f.write(lines)


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        load_survey_data(folder)
    return info.value.problems


# ------------------------------------------------------------------------------------------------ the data
@pytest.mark.parametrize(
    ("country", "question_id", "option"),
    [("KR", "japan_impression", "favorable"), ("JP", "korea_impression", "unfavorable")],
)
def test_ten_earlier_waves_each_with_source_organisation_and_mode(data, country, question_id, option):
    points = trends.series_points(data, country, question_id)
    earlier = points[(points["option"] == option) & ~points["is_current"]]
    assert len(earlier) >= 10
    assert earlier["figure_source"].notna().all()
    assert earlier["organisation"].notna().all() and earlier["mode"].isin(list(Mode)).all()


def test_conflicting_sources_are_kept_and_one_is_used_with_a_reason(data):
    t = data.trends
    for wave, values in (("eai2024", {"41.7", "41.8"}), ("jk2019", {"31.7", "31.3"})):
        rows = t[(t["country"] == "KR") & (t["wave"] == wave) & (t["option"] == "favorable")]
        assert set(rows["percent_text"]) == values
        used = rows[rows["used"] == "yes"]
        assert len(used) == 1 and used["note"].notna().all()
    rows = t[(t["wave"] == "jk2021") & (t["country"] == "KR") & (t["option"] == "unfavorable")]
    assert set(rows["percent_text"]) == {"63.2", "73.2"}
    assert rows.loc[rows["used"] == "yes", "percent_text"].tolist() == ["63.2"]


def test_this_surveys_figures_join_each_series_from_toplines(data):
    for country, qid in (("KR", "japan_impression"), ("JP", "korea_impression"), ("KR", "us_trust")):
        points = trends.series_points(data, country, qid)
        now = points[points["is_current"]]
        top = data.toplines[(data.toplines["country"] == country) & (data.toplines["question_id"] == qid)]
        for r in now.itertuples(index=False):
            assert r.percent_text in set(top.loc[top["option"] == r.option, "percent_text"])
            assert r.n == data.country_n(country)


# ------------------------------------------------------------------------------------------------ breaks
def test_breaks_are_derived_from_the_methods(data):
    jp = trends.breaks_of(data, "JP", "korea_impression")
    assert [(b.year_before, b.year_after) for b in jp] == [(2023, 2025)]
    assert {what for what, _, _ in jp[0].changes} == {"organisation", "mode"}
    kr = trends.breaks_of(data, "KR", "japan_impression")
    mode = [b for b in kr if any(what == "mode" for what, _, _ in b.changes)]
    assert [(b.year_before, b.year_after) for b in mode] == [(2023, 2024)]
    assert not [b for b in kr if b.year_after == 2025]  # 2024 and 2025: EAI, online, adults 18+


# ------------------------------------------------------------------------------------------------ words
def test_the_2024_to_2025_change_in_korean_good_impressions_of_japan_is_tested(data):
    c = trends.change_between(data, "KR", "japan_impression", "favorable", 2024, 2025)
    assert c.tested and c.reason == ""
    p1, p2, n1, n2 = 0.524, 0.417, data.country_n("KR"), 1006  # n of the 2024 wave in waves.csv
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * 100
    assert c.difference.se == pytest.approx(se)
    assert c.significant == (abs(c.difference.z) >= 1.959964)
    text = trends.change_sentence(c)
    assert ("rose" in text) == c.significant and "not tested" not in text


def test_a_significant_change_in_the_share_giving_neither_answer_is_said(data):
    """South Korean trust in the U.S.: "trust" and "do not trust" sum to 91.4% in 2024 and 96.5% in 2025, so the
    rest fell from 8.6% to 3.5%: at 1,006 and 1,585 respondents, a significant change of the rest."""
    p1, p2, n1, n2 = 0.035, 0.086, data.country_n("KR"), 1006
    assert abs(p1 - p2) / math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) > 1.959964
    shift = trends.neither_shift(data, "KR", "us_trust", 2024, 2025)
    assert shift.startswith("The share giving neither “trust” nor “do not trust” also changed, from 8.6% in 2024 (as ")
    assert "to 3.5% in 2025 (100 minus the answers shown; significant at the 95% level if the 2024 figure" in shift
    assert shift in trends.trend_findings(data, "KR", "us_trust")
    assert shift in dict(trends.summary_trend_items(data, "KR"))["Trust in the United States"]
    assert trends.neither_shift(data, "KR", "trilateral_security_cooperation", 2024, 2025) == ""  # one answer
    assert trends.neither_shift(data, "JP", "korea_impression", 2023, 2025) == ""  # across a change of method


def test_a_summary_item_gives_every_answer_s_change_over_the_same_waves(data):
    """South Korean "unfavorable" views of Japan fell from 42.7% (2024, n 1,006) to 37.1% (2025): significant.
    Japanese "unfavorable" views of South Korea changed across a change of method: shown, not tested."""
    p1, p2, n1, n2 = 0.371, 0.427, data.country_n("KR"), 1006
    assert abs(p1 - p2) / math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) > 1.959964
    kr = dict(trends.summary_trend_items(data, "KR"))["Overall impression of Japan"]
    assert (
        "Over the same waves, “unfavorable” fell from 42.7% in 2024 to 37.1% in 2025 (5.6 points, significant)." in kr
    )
    jp = dict(trends.summary_trend_items(data, "JP"))["Overall impression of South Korea"]
    assert jp.endswith("Over the same waves, “unfavorable” was 32.8% in 2023 and 51.0% in 2025.")


def test_a_change_across_a_break_is_shown_but_not_tested(data):
    c = trends.change_between(data, "JP", "korea_impression", "favorable", 2023, 2025)
    assert not c.tested and c.difference is None
    text = trends.change_sentence(c)
    assert "37.4% in 2023" in text and "24.8% in 2025" in text
    assert "not tested" in text and "organisation changed from Genron NPO to API" in text
    assert "rose" not in text and "fell" not in text


def breaks_text(populations: list, organisations: list) -> list[str]:
    """The texts of the breaks of waves from 2018 on, of one mode."""
    years = list(range(2018, 2018 + len(populations)))
    waves = pd.DataFrame(
        {"year": years, "organisation": organisations, "mode": ["online"] * len(years), "population": populations}
    )
    return [b.text() for b in trends.series_breaks(waves)]


def test_a_change_of_method_says_where_a_population_is_not_recorded():
    """A population change seen across waves that record none is placed between the waves that record it, not
    just before the first new one; a wave after a break that records no population (where one did) is said to."""
    waves = pd.DataFrame(
        {
            "year": [2018, 2019, 2020, 2021, 2023, 2025],
            "organisation": ["A", "A", "A", "A", "A", "B"],
            "mode": ["face-to-face"] * 5 + ["online"],
            "population": ["adults 19+", None, None, "adults 18+", "adults 18+", None],
        }
    )
    first, second = trends.series_breaks(waves)
    assert (first.year_before, first.year_after) == (2020, 2021)  # the chart's rule: before the first new one
    assert first.text() == (
        "the population changed from adults 19+ in 2018 to adults 18+ in 2021, with none recorded for 2019 and 2020"
    )
    assert second.text() == (
        "the organisation changed from A to B and the mode changed from face-to-face to online between 2023 and "
        "2025, and the 2025 population is not recorded"
    )
    assert breaks_text(["19+", None, "18+"], ["A", "A", "B"]) == [
        "the organisation changed from A to B between 2019 and 2020, and the population changed from 19+ in 2018 "
        "to 18+ in 2020, with none recorded for 2019"
    ]
    # no population recorded anywhere: nothing to say of one wave's
    assert breaks_text([None, None, None], ["A", "A", "B"]) == [
        "the organisation changed from A to B between 2019 and 2020"
    ]


def test_a_test_of_figures_known_from_later_reports_names_each_in_one_clause():
    change = trends.Change("trust", 2023, 2024, "70", "60", True, True, "", None, reported_a=2025, reported_b=2025)
    both = trends._taken_from_its_wave(dataclasses.replace(change, n_a=1000, n_b=1006))
    assert both == " if the 2023 and 2024 figures are from those years' surveys, of 1,000 and 1,006 respondents"
    one = trends._taken_from_its_wave(dataclasses.replace(change, reported_a=None, n_b=1006))
    assert one == " if the 2024 figure is from that year's survey, of 1,006 respondents"
    assert trends._taken_from_its_wave(dataclasses.replace(change, reported_a=None)) == (
        " if the 2024 figure is from that year's survey"  # no n recorded: none said
    )
    assert trends._taken_from_its_wave(dataclasses.replace(change, reported_a=None, reported_b=None)) == ""


def test_a_change_with_an_unrecorded_sample_size_is_not_tested(data):
    c = trends.change_between(data, "KR", "japan_impression", "favorable", 2014, 2015)
    assert not c.tested and "sample size of the 2015 wave" in c.reason


def test_a_record_across_a_break_names_the_change_of_method_in_the_same_sentence(data):
    text = trends.record_sentence(data, "KR", "japan_impression", "favorable", 2025)
    assert text is not None and text.endswith(".") and ". " not in text  # one sentence
    assert "highest" in text and "mode changed from face-to-face to online between 2023 and 2024" in text


def test_a_tie_is_neither_a_record_nor_a_change(data_copy):
    row = "KR,japan_impression,eai2024,favorable,"
    edit(data_copy, "trends.csv", row + "41.7,", row + "52.4,")
    data = load_survey_data(data_copy)
    assert trends.record_sentence(data, "KR", "japan_impression", "favorable", 2025) is None
    c = trends.change_between(data, "KR", "japan_impression", "favorable", 2024, 2025)
    assert c.tested and not c.significant
    text = trends.change_sentence(c)
    assert "rose" not in text and "fell" not in text and "not significant" in text


def test_a_figure_known_only_from_a_later_report_says_so(data):
    """South Korea's 2024 trust figure is known from 2025 reports only; the sentence says so."""
    items = dict(trends.summary_trend_items(data, "KR"))
    trust = items[data.wording("us_trust", "KR")]
    assert "from 73.2% in 2024 (as reported in 2025) to 66.3% in 2025" in trust
    # the test takes the figure to be from the 2024 survey, whose n it uses: said where the significance is
    n = int(data.waves.set_index("wave").loc["eai2024", "n"])
    assert f"significant at the 95% level if the 2024 figure is from that year's survey, of {n:,} respondents;" in trust
    impression = items[data.wording("japan_impression", "KR")]
    assert "(as reported in" not in impression and "that year's survey" not in impression  # its source is of 2024


def test_only_publics_with_earlier_waves_get_trend_items_one_per_series(data):
    assert trends.summary_trend_items(data, "US") == []
    items = trends.summary_trend_items(data, "JP")
    assert [title for title, _ in items] == [data.wording(q, "JP") for q in trends.series_of(data, "JP")]
    assert any("not tested" in text for _, text in items)
    fourth = load_survey_data(FOURTH)  # a country added by data alone, with earlier waves of its own
    assert trends.series_of(fourth, "XA") == ["japan_impression"] and trends.charted(fourth, "XA", "japan_impression")
    assert "not tested" in trends.summary_trend_items(fourth, "XA")[0][1]


def test_the_methodology_lists_the_trend_rules():
    rules = trends.methodology_rules()
    assert "not tested" in rules and "strictly" in rules and rules.count("\n- ") >= 4


# ------------------------------------------------------------------------------------------------ validation
def test_a_wave_without_a_public_s_mode_is_refused_with_file_line_and_column(data_copy):
    edit(data_copy, "waves.csv", "2013,KR,EAI,face-to-face,", "2013,KR,EAI,,")
    assert any(p.startswith("waves.csv, line 3, column 'mode': empty") for p in problems_of(data_copy))


def test_a_wave_that_mixes_publics_on_one_row_is_refused(data_copy):
    append(data_copy, "waves.csv", "jk2012,Joint poll,2012,JP;KR,Genron NPO,online,2012,1000,,genron-6677,outline,\n")
    assert any("column 'country'" in p and "row of its own" in p for p in problems_of(data_copy))


def test_figures_of_a_public_whose_method_is_not_recorded_are_refused(data_copy):
    append(data_copy, "trends.csv", "JP,korea_impression,eai2024,favorable,30.0,edaily-2024-09-19,x,yes,,\n")
    problems = problems_of(data_copy)
    assert any(p.startswith("trends.csv, line 50, column 'wave'") and "no row for JP" in p for p in problems)


def test_two_used_sources_or_a_choice_without_a_reason_are_refused(data_copy):
    edit(data_copy, "trends.csv", "previous year),no,wowkorea-500692", "previous year),yes,wowkorea-500692")
    assert any("2 rows marked used" in p and "column 'used'" in p for p in problems_of(data_copy))


def test_this_surveys_method_is_never_typed_twice(data_copy):
    edit(data_copy, "waves.csv", "2025,KR,,,,,adults 18+", "2025,KR,,,,1585,adults 18+")
    assert any("column 'n'" in p and "survey.yml" in p for p in problems_of(data_copy))


# ------------------------------------------------------------------------------------------------ a new wave
def test_a_2026_wave_added_as_data_only_is_a_new_point(data_copy):
    append(data_copy, "waves.csv", WAVE_2026)
    append(data_copy, "trends.csv", FIGURES_2026)
    data = load_survey_data(data_copy)
    fig = plot_trend(data, "KR", "japan_impression")
    drawn = fig.survey_table
    assert set(drawn.loc[drawn["year"] == 2026, "percent_text"]) == {"50.0", "40.0"}
    assert [b.year_after for b in trends.breaks_of(data, "KR", "japan_impression")] == [2021, 2024]
    assert trends.change_between(data, "KR", "japan_impression", "favorable", 2025, 2026).tested


def trends_cells() -> list[str]:
    """The cells of bilateral_relations.ipynb that open the report and draw the trends (nbval runs it whole)."""
    nb = nbformat.read(paths.ROOT / "notebooks" / "bilateral_relations.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    cells = [next(c for c in code if "report.open_report(" in c), next(c for c in code if "report.show_trends(" in c)]
    assert "CATEGORY" in cells[0]  # the opening cell, as the notebook has it
    return cells


def test_the_runner_rebuilds_a_2026_wave_added_as_data_only(tmp_path):
    copy = copy_repository(tmp_path / "repo")
    write_notebook(copy / "notebooks" / "zz_trends.ipynb", *trends_cells())
    figure = copy / f"{trends.trend_figure('KR', 'japan_impression')}.svg"
    first = run_build(copy, "--country", "KR", "zz_trends")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert ">2026<" not in figure.read_text(encoding="utf-8")
    append(copy / "data", "waves.csv", WAVE_2026)
    append(copy / "data", "trends.csv", FIGURES_2026)
    result = run_build(copy, "--country", "KR", "zz_trends")  # stale: its data changed
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "running 1 notebook(s) for KR" in result.stdout
    svg = figure.read_text(encoding="utf-8")
    assert "<title>2026, favorable: 50.0% (EAI); n = 1,200;" in svg
    assert ">2026<" in svg  # the new year on the axis


# ------------------------------------------------------------------------------------------------ charts
def test_each_point_carries_its_source_and_n_as_svg_title_text(data):
    fig = plot_trend(data, "KR", "japan_impression")
    svg = figure_bytes(fig, "svg").decode("utf-8")
    points = trends.series_points(data, "KR", "japan_impression")
    assert len(fig.point_titles) == len(points)
    assert "<title>2024, favorable: 41.7% (EAI); n = 1,006; EAI survey of South Koreans, EAI, online</title>" in svg
    assert svg.count("<title>") == len(points) + 1  # and the file's own title
    assert figure_bytes(plot_trend(data, "KR", "japan_impression"), "svg").decode("utf-8") == svg


def test_the_chart_marks_each_break_and_names_each_method_and_series(data):
    fig = plot_trend(data, "JP", "korea_impression")
    assert "Genron NPO" in fig.chart_footer and "API, online" in fig.chart_footer
    assert "EAI–Genron NPO joint poll (2013–2023)" in fig.chart_footer
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "API, online" in labels
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "2024" not in ticks and "2025" in ticks  # true spacing: a gap where no wave was fielded


def test_only_series_of_three_waves_or_more_are_drawn(data, monkeypatch):
    drawn = {(c, q) for c in data.countries() for q in trends.series_of(data, c) if trends.charted(data, c, q)}
    assert drawn == {("KR", "japan_impression"), ("JP", "korea_impression")}  # the others have two waves
    r = report.open_report(country="KR")
    shown = []
    monkeypatch.setattr(report, "display", lambda *a, **k: shown.append(a[0]))  # what the notebook would show
    report.show_trends(r)
    charts_shown = [o for o in shown if isinstance(o, dict) and "image/png" in o]
    assert len(charts_shown) == 1 and len(trends.series_of(data, "KR")) == 3
    # a year without a figure stands in its column of numbers, aligned as they are
    tables = "".join(o["text/html"] for o in shown if isinstance(o, dict) and "<table" in o.get("text/html", ""))
    assert '<td class="num">—</td>' in tables and ">—</td>" not in tables.replace('<td class="num">—</td>', "")


def test_a_year_without_a_point_is_explained_only_where_one_is_missing(data):
    said = {}
    for d in (data, load_survey_data(FOURTH)):  # Examplestan's series has a figure for every answer each year
        said |= years_without_a_point(d)
    assert set(said.values()) == {True, False}


def years_without_a_point(data) -> dict:
    said = {}
    for country, qid in [(c, q) for c in data.countries() for q in trends.series_of(data, c)]:
        if not trends.charted(data, country, qid):
            continue
        fig = plot_trend(data, country, qid)
        drawn = fig.survey_table
        years = set(drawn["year"])
        missing = any(years - set(drawn.loc[drawn["option"] == o, "year"]) for o in set(drawn["option"]))
        said[(country, qid)] = "a year without a point has no figure used" in fig.chart_footer
        assert said[(country, qid)] == missing, (country, qid)
    return said


def test_the_note_names_each_change_of_population_its_rules_mark(data):
    named = {}
    for country, qid in [("JP", "korea_impression"), ("KR", "japan_impression")]:
        footer_text = " ".join(plot_trend(data, country, qid).chart_footer.split())
        changes = [
            (before, after, b.year_after)
            for b in trends.breaks_of(data, country, qid)
            for what, before, after in b.changes
            if what == "population"
        ]
        for before, after, year in changes:
            assert f"{before}, then {after} from {year}" in footer_text
        # a wave whose population is not recorded is named: a change may fall there unseen
        waves = trends.series_waves(data, country, qid)
        unrecorded = [str(y) for y, p in zip(waves["year"], waves["population"]) if pd.isna(p)]
        assert f"not recorded for {fmt.and_list(unrecorded)}." in footer_text
        named[country] = (bool(changes), unrecorded)
    # Japan's 2025 population is not disclosed; some earlier waves' sources do not give theirs
    assert named == {"JP": (False, ["2015", "2019", "2020", "2025"]), "KR": (True, ["2015", "2019", "2020"])}


def test_a_change_between_two_surveys_of_one_method_says_they_are_different_surveys(data):
    said = {}
    for country, qid in [(c, q) for c in data.countries() for q in trends.series_of(data, c)]:
        waves = trends.series_waves(data, country, qid).set_index("year")["survey"]
        points = trends.series_points(data, country, qid)
        years = sorted(waves.index)
        for a, b in itertools.pairwise(years):
            options = set(points.loc[points["year"] == a, "option"]) & set(points.loc[points["year"] == b, "option"])
            for option in sorted(options):
                change = trends.change_between(data, country, qid, option, a, b)
                if not change.tested:
                    continue
                other = waves.loc[a] != waves.loc[b]
                assert change.other_survey == other
                sentence = trends.change_sentence(change)
                assert ("different surveys" in sentence) == other
                assert "same organisation, mode and population" in sentence
                said[other] = True
    assert said == {True: True, False: True}
