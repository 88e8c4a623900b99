"""Tests for helpers.charts: what each chart draws equals the data, read back from the Matplotlib artists.

Values come from the bar and segment rectangles, the whisker lines and the text labels of each figure, never
from pixels; the expected values come from :func:`helpers.tables.question_table` and the codebook, or are
written out by hand for the scale questions. Every chart of the real data is drawn once per session
(:func:`chart`) and shared by the tests.
"""
from __future__ import annotations

import dataclasses
import struct
from functools import lru_cache

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib.container import BarContainer, ErrorbarContainer

from helpers import charts
from helpers.charts import (
    CHART_KINDS,
    FIGURE_FORMATS,
    NOT_PUBLISHED_TEXT,
    SurveyFigure,
    chart_all_comparisons,
    chart_all_questions,
    chart_data,
    comparison_stem,
    country_colour,
    plot_comparison,
    plot_question,
    question_stem,
    save_figure,
)
from helpers.data import load_survey_data
from helpers.tables import comparable_items, comparison_differences, comparison_table, format_base, question_table

DATA = load_survey_data()
QUESTIONS = {q.question_id: q for q in DATA.questions.itertuples(index=False)}
CASES = [(country, q.question_id) for q in DATA.questions.itertuples(index=False) for country in q.countries]
COMPARISONS = {c.comparison_id: c for c in comparable_items(DATA)}
TOLERANCE = 1e-9


@lru_cache(maxsize=None)
def chart(country: str, question_id: str) -> SurveyFigure:
    return plot_question(DATA, country, question_id)


@lru_cache(maxsize=None)
def comparison_chart(comparison_id: str) -> SurveyFigure:
    return plot_comparison(DATA, COMPARISONS[comparison_id])


def bars(ax) -> dict[str, BarContainer]:
    """Bar containers of an axes by label (one container per option, segment or remainder)."""
    found = {}
    for container in ax.containers:
        if isinstance(container, BarContainer):
            assert container.get_label() not in found, f"two containers labelled {container.get_label()!r}"
            found[container.get_label()] = container
    return found


def spans(container: BarContainer) -> list[tuple[float, float]]:
    return [(p.get_x(), p.get_x() + p.get_width()) for p in container.patches]


def whiskers(ax) -> list[tuple[float, float, float]]:
    """(position, low, high) of every horizontal or vertical whisker."""
    out = []
    for container in ax.containers:
        if isinstance(container, ErrorbarContainer):
            for segment in container.lines[2][0].get_segments():
                (x0, y0), (x1, y1) = segment
                out.append((y0, min(x0, x1), max(x0, x1)) if y0 == y1 else (x0, min(y0, y1), max(y0, y1)))
    return out


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def row_for(table: pd.DataFrame, label: str) -> pd.Series:
    """The table row a bar label stands for ("too much (unconfirmed)" → option "too much")."""
    if label == NOT_PUBLISHED_TEXT:
        match = table[table["kind"] == "not published"]
    else:
        match = table[[label == o or label.startswith(f"{o} (") for o in table["option"]]]
    assert len(match) == 1, f"label {label!r} matches {len(match)} rows"
    return match.iloc[0]


def case_id(case) -> str:
    return "-".join(case)


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


# ----------------------------------------------------------------------------------------------- every chart
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_question_charted_with_title_subtitle_and_footer(case):
    country, qid = case
    q = QUESTIONS[qid]
    fig = chart(country, qid)
    table = question_table(DATA, country, qid)
    assert isinstance(fig, SurveyFigure)
    assert fig.chart_kind == CHART_KINDS[q.question_type]
    # Title: the wording, wrapped at spaces only.
    title = next(t for t in fig.texts if t.get_gid() == "chart-title")
    assert title.get_text().replace("\n", " ") == q.wording == fig.chart_title
    subtitle = next(t for t in fig.texts if t.get_gid() == "chart-subtitle").get_text()
    subtitle = subtitle.replace("\n", " ").replace("\u00a0", " ")  # the base is kept on one line
    assert DATA.survey["countries"][country]["name"] in subtitle
    assert format_base(table["base_n"].iloc[0], bool(table["base_is_estimate"].iloc[0])) in subtitle
    assert DATA.survey["fieldwork_month"] in subtitle
    publishers = {s["id"]: s["publisher"] for s in DATA.survey["sources"]}
    for source in table["source"].dropna().unique():
        assert publishers[source] in subtitle
    footer = next(t for t in fig.texts if t.get_gid() == "chart-footer").get_text().replace("\n", " ")
    assert "95% Wilson intervals" in footer and "assuming simple random sampling (deff 1.0)" in footer
    # 800 px wide at the saved DPI, and every text inside the canvas.
    assert fig.get_size_inches()[0] * charts.DPI == 800
    renderer = charts._measuring_renderer()  # the layout's renderer: its text metrics are cached
    canvas = fig.bbox
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in fig.texts}
    boxes.update({t.get_text(): t.get_window_extent(renderer) for ax in fig.axes for t in ax.texts})
    boxes.update({f"axes {i} with its labels": ax.get_tightbbox(renderer) for i, ax in enumerate(fig.axes)})
    for what, box in boxes.items():
        assert box.x0 >= canvas.x0 - 0.5 and box.x1 <= canvas.x1 + 0.5, what
        assert box.y0 >= canvas.y0 - 0.5 and box.y1 <= canvas.y1 + 0.5, what


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_published_figure_is_drawn_with_its_published_text(case):
    country, qid = case
    fig = chart(country, qid)
    table = fig.survey_table
    drawn = table[table["drawn_as"] != "not drawn"]
    assert set(table["kind"]) - {"net"} <= set(drawn["kind"]), "a non-net figure was left out"
    shown = texts(fig) + [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    for r in drawn.itertuples(index=False):
        assert any(r.percent_text in s for s in shown), f"{r.option}: {r.percent_text} not labelled"
    # Every bar or segment stands for a row of the table, and its length is the row's value.
    for ax in fig.axes:
        for label, container in bars(ax).items():
            length = sum(p.get_width() for p in container.patches)
            if label == NOT_PUBLISHED_TEXT:
                candidates = table[table["kind"] == "not published"]
            else:
                candidates = table[[label == o or label.startswith(f"{o} (") for o in table["option"]]]
            assert any(abs(length - p) < 1e-9 for p in candidates["percent"]), label


def test_dispatch_by_question_type():
    kinds = {}
    for country, qid in CASES:
        kinds.setdefault(QUESTIONS[qid].question_type, set()).add(chart(country, qid).chart_kind)
    assert kinds == {"scale": {"diverging"}, "single_choice": {"bars"}, "select_all": {"ranked"},
                     "top_reasons": {"ranked"}}


# ----------------------------------------------------------------------------------------------- single choice
SINGLE = [case for case in CASES if QUESTIONS[case[1]].question_type == "single_choice"]


@pytest.mark.parametrize("case", SINGLE, ids=case_id)
def test_single_choice_bars_in_questionnaire_order_with_wilson_whiskers(case):
    country, qid = case
    fig = chart(country, qid)
    (ax,) = fig.axes
    table = question_table(DATA, country, qid)
    drawn = bars(ax)
    expected = table[table["kind"] != "net"].sort_values("order", kind="stable")
    assert len(drawn) == len(expected)
    assert ax.yaxis_inverted()  # first row on top
    by_row = sorted(drawn.items(), key=lambda item: item[1].patches[0].get_y())
    assert [row_for(table, label)["option"] for label, _ in by_row] == list(expected["option"])
    assert by_row[-1][0] == NOT_PUBLISHED_TEXT or not (table["kind"] == "not published").any()
    whisker_at = {round(y, 6): (low, high) for y, low, high in whiskers(ax)}
    for label, container in drawn.items():
        row = row_for(table, label)
        (patch,) = container.patches
        assert patch.get_x() == 0 and abs(patch.get_width() - row["percent"]) < TOLERANCE
        centre = round(patch.get_y() + patch.get_height() / 2, 6)
        if row["kind"] == "not published":
            assert centre not in whisker_at
        else:
            low, high = whisker_at[centre]
            assert abs(low - row["ci_low"]) < 1e-6 and abs(high - row["ci_high"]) < 1e-6


@pytest.mark.parametrize("case", [c for c in SINGLE if QUESTIONS[c[1]].options_published == "some"
                                  and QUESTIONS[c[1]].answers == "one"], ids=case_id)
def test_single_choice_remainder_drawn_grey_and_hatched_when_only_some_options_published(case):
    country, qid = case
    fig = chart(country, qid)
    table = question_table(DATA, country, qid)
    published = table[table["kind"] == "published"]
    remainder = bars(fig.axes[0])[NOT_PUBLISHED_TEXT].patches[0]
    assert abs(remainder.get_width() - (100 - published["percent"].sum())) < 1e-6
    assert remainder.get_hatch() and remainder.get_facecolor()[:3] == mpl.colors.to_rgb(charts.NOT_PUBLISHED_COLOUR)
    assert "other options not published" in fig.chart_footer.lower()


def test_fully_published_single_choice_has_no_remainder():
    fig = chart("JP", "jk_relations_outlook")
    assert NOT_PUBLISHED_TEXT not in bars(fig.axes[0])
    assert "not published" not in fig.chart_footer


def test_unconfirmed_figure_is_hatched_and_labelled():
    fig = chart("KR", "us_forces_cost_share")
    drawn = bars(fig.axes[0])
    patch = drawn["too much (unconfirmed)"].patches[0]
    assert patch.get_hatch() == charts.HATCH_UNCONFIRMED and patch.get_width() == 53
    assert "too much (unconfirmed)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Unconfirmed" in fig.chart_footer


def test_net_of_single_choice_not_drawn_beside_its_parts():
    t = DATA.toplines
    net = t[(t["country"] == "JP") & (t["question_id"] == "us_impression")].iloc[[0]].copy()
    net["option"], net["percent_text"], net["percent"] = "favorable or unfavorable", "75.0", 75.0
    net["is_net"], net["net_parts"], net["net_of"] = True, [("favorable", "unfavorable")], "favorable;unfavorable"
    data = dataclasses.replace(DATA, toplines=pd.concat([t, net], ignore_index=True))
    fig = plot_question(data, "JP", "us_impression")
    assert set(bars(fig.axes[0])) == {"favorable", "unfavorable", NOT_PUBLISHED_TEXT}
    assert fig.survey_table.set_index("option").loc["favorable or unfavorable", "drawn_as"] == "not drawn"


# ----------------------------------------------------------------------------------------------- scales
# Hand-computed segments (left, right) of each diverging bar: negative side left of 0, positive right, the
# midpoint split half/half across 0; a net without published parts drawn as one block.
SCALE_SEGMENTS = {
    ("JP", "japan_nuclear_weapons"): {
        "strongly opposed": [(-63.0, -19.4)], "somewhat opposed": [(-19.4, 0.0)],
        "somewhat in favor": [(0.0, 15.5)], "strongly in favor": [(15.5, 23.7)],
    },
    ("JP", "korea_nuclear_weapons"): {
        "strongly opposed": [(-65.0, -24.1)], "somewhat opposed (derived)": [(-24.1, 0.0)],
        "in favor (strongly + somewhat, split not published)": [(0.0, 15.5)],
    },
    ("JP", "defense_spending"): {
        "reduce": [(-33.35, -16.45)], "keep at the current level": [(-16.45, 0.0), (0.0, 16.45)],
        "increase somewhat": [(16.45, 42.85)], "increase substantially": [(42.85, 50.15)],
    },
    ("KR", "usfk_china_role"): {"agree (strongly + somewhat, split not published)": [(0.0, 58.4)]},
}


def test_every_scale_question_has_hand_computed_segments():
    assert {case for case in CASES if QUESTIONS[case[1]].question_type == "scale"} == set(SCALE_SEGMENTS)


@pytest.mark.parametrize("case", sorted(SCALE_SEGMENTS), ids=case_id)
def test_scale_segments_centred_on_the_midpoint(case):
    fig = chart(*case)
    main, side = fig.axes
    drawn = bars(main)
    assert set(drawn) == set(SCALE_SEGMENTS[case])
    for label, expected in SCALE_SEGMENTS[case].items():
        got = spans(drawn[label])
        assert len(got) == len(expected)
        for (left, right), (exp_left, exp_right) in zip(got, expected):
            assert abs(left - exp_left) < 1e-9 and abs(right - exp_right) < 1e-9, label
    # Symmetric axis around 0 (Heiberger & Robbins), so both sides are read against the same scale.
    low, high = main.get_xlim()
    assert low == -high
    # The unpublished remainder: a grey hatched bar in its own panel, never dropped.
    table = question_table(DATA, *case)
    remainder = table.loc[table["kind"] == "not published", "percent"].iloc[0]
    (patch,) = bars(side)[NOT_PUBLISHED_TEXT].patches
    assert abs(patch.get_width() - remainder) < 1e-9 and patch.get_hatch()
    assert NOT_PUBLISHED_TEXT in [h.get_label() for h in fig.legends[0].get_patches()] or \
        NOT_PUBLISHED_TEXT in [t.get_text() for t in fig.legends[0].get_texts()]


@pytest.mark.parametrize("case", sorted(SCALE_SEGMENTS), ids=case_id)
def test_scale_panels_share_one_scale(case):
    """A point of the remainder panel is as long as a point of the diverging bar."""
    main, side = chart(*case).axes
    per_inch = [(ax.get_xlim()[1] - ax.get_xlim()[0]) / ax.get_position().width for ax in (main, side)]
    assert abs(per_inch[0] - per_inch[1]) < 1e-6 * per_inch[0]


def test_scale_derived_part_hatched_and_explained():
    fig = chart("JP", "korea_nuclear_weapons")
    patch = bars(fig.axes[0])["somewhat opposed (derived)"].patches[0]
    assert patch.get_hatch() == charts.HATCH_DERIVED
    assert "somewhat opposed (derived)" in [t.get_text() for t in fig.legends[0].get_texts()]
    assert "somewhat opposed 24.1 = opposed 65.0 − strongly opposed 40.9" in fig.chart_footer


def test_scale_side_totals_named_with_whiskers_at_the_bar_ends():
    fig = chart("JP", "japan_nuclear_weapons")
    main = fig.axes[0]
    assert "◀ opposed 63.0" in texts(fig) and "in favor 23.7 ▶" in texts(fig)
    table = question_table(DATA, "JP", "japan_nuclear_weapons").set_index("option")
    ends = sorted(whiskers(main), key=lambda w: w[1])
    opposed, in_favor = table.loc["opposed"], table.loc["in favor"]
    assert abs(ends[0][1] - (-opposed["ci_high"])) < 1e-6 and abs(ends[0][2] - (-opposed["ci_low"])) < 1e-6
    assert abs(ends[1][1] - in_favor["ci_low"]) < 1e-6 and abs(ends[1][2] - in_favor["ci_high"]) < 1e-6
    drawn = fig.survey_table.set_index("option")["drawn_as"]
    assert drawn["opposed"] == "total" and drawn["in favor"] == "total"  # nets are not drawn a second time


# ----------------------------------------------------------------------------------------------- ranked
RANKED = [case for case in CASES if QUESTIONS[case[1]].question_type in ("select_all", "top_reasons")]


@pytest.mark.parametrize("case", RANKED, ids=case_id)
def test_ranked_bars_largest_on_top(case):
    country, qid = case
    fig = chart(country, qid)
    table = question_table(DATA, country, qid)
    assert len(fig.axes) == table["measure"].fillna("").nunique()
    for ax in fig.axes:
        assert ax.yaxis_inverted()
        drawn = sorted(bars(ax).items(), key=lambda item: item[1].patches[0].get_y())
        widths = [c.patches[0].get_width() for _, c in drawn]
        if len(fig.axes) == 1:
            assert widths == sorted(widths, reverse=True)
        for label, container in drawn:
            candidates = table[table["option"] == label]
            assert any(abs(container.patches[0].get_width() - p) < TOLERANCE for p in candidates["percent"])
    q = QUESTIONS[qid]
    subtitle = fig.chart_subtitle
    assert subtitle.startswith("Multiple answers; shares of " if q.question_type == "select_all"
                               else charts.ANSWER_FORMATS[q.answers][0].upper())
    if isinstance(q.base_option, str):
        assert f"“{q.base_option}”" in subtitle and "estimated n ≈" in subtitle


def test_two_measures_side_by_side_both_kept():
    fig = chart("JP", "korea_unfavorable_reasons")
    table = question_table(DATA, "JP", "korea_unfavorable_reasons")
    assert len(fig.axes) == 2
    for ax, measure, publisher in zip(fig.axes, ["main_reason", "multiple_reasons"],
                                      ["Asia Pacific Initiative", "Asia Economy (press report)"]):
        title = ax.get_title(loc="left").replace("\n", " ")
        assert DATA.survey["measures"][measure]["label"].lower() in title.lower() and publisher in title
        rows = table[table["measure"] == measure]
        drawn = {label: c.patches[0].get_width() for label, c in bars(ax).items()}
        assert drawn == dict(zip(rows["option"], rows["percent"]))
    # Rows line up across the panels; the option missing from one measure is marked, not left blank.
    y = [{label: c.patches[0].get_y() for label, c in bars(ax).items()} for ax in fig.axes]
    assert all(y[0][o] == y[1][o] for o in y[0])
    assert "not published" in [t.get_text() for t in fig.axes[0].texts]
    assert "184.5" in fig.chart_footer and "67.5" in fig.chart_footer


# ----------------------------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("comparison_id", sorted(COMPARISONS))
def test_comparison_one_bar_per_country_and_shared_option(comparison_id):
    comparison = COMPARISONS[comparison_id]
    fig = comparison_chart(comparison_id)
    assert fig.chart_kind == "comparison"
    (ax,) = fig.axes
    table = comparison_table(DATA, comparison)
    drawn = bars(ax)
    assert len(drawn) == len(table) == len(comparison.options) * len(comparison.countries)
    names = {c: DATA.survey["countries"][c]["name"] for c in comparison.countries}
    for r in table.itertuples(index=False):
        (patch,) = drawn[f"{names[r.country]}: {r.option}"].patches
        assert abs(patch.get_height() - r.percent) < TOLERANCE and patch.get_y() == 0
        assert patch.get_facecolor()[:3] == mpl.colors.to_rgb(country_colour(DATA, r.country))
        assert r.percent_text in texts(fig)
    positions = {round(x, 6): (low, high) for x, low, high in whiskers(ax)}
    for r in table.itertuples(index=False):
        patch = drawn[f"{names[r.country]}: {r.option}"].patches[0]
        low, high = positions[round(patch.get_x() + patch.get_width() / 2, 6)]
        assert abs(low - r.ci_low) < 1e-6 and abs(high - r.ci_high) < 1e-6
    # The test result under each group.
    ticks = " ".join(t.get_text().replace("\n", " ") for t in ax.get_xticklabels())
    for d in comparison_differences(DATA, comparison).itertuples(index=False):
        verdict = "difference significant at 95%" if d.significant else "no significant difference at 95%"
        assert f"{names[d.country_1]} − {names[d.country_2]}: {d.diff:+.1f}".replace("-", "−") in ticks
        assert verdict in ticks


def test_comparison_titles():
    assert comparison_chart("us_tariffs").chart_title == QUESTIONS["us_tariffs"].wording
    assert comparison_chart("korea_impression_vs_japan_impression").chart_title == (
        "Japanese respondents' overall impression of South Korea vs "
        "South Korean respondents' overall impression of Japan")


def test_country_colours_fixed_okabe_ito():
    assert [country_colour(DATA, c) for c in ("JP", "KR", "US")] == ["#0072B2", "#D55E00", "#009E73"]
    assert bars(chart("KR", "us_trust").axes[0])["trust"].patches[0].get_facecolor()[:3] == \
        mpl.colors.to_rgb("#D55E00")


# ----------------------------------------------------------------------------------------------- numbers, errors
def test_chart_data_is_the_table_drawn():
    numbers = chart_data(chart("JP", "korea_nuclear_weapons")).set_index("option")
    assert numbers.loc["somewhat opposed", "percent"] == "24.1"
    assert numbers.loc["somewhat opposed", "kind"] == "derived"
    assert numbers.loc["in favor", "drawn_as"] == "segment"
    assert numbers.loc["not published", "drawn_as"] == "remainder"
    assert numbers.loc["strongly opposed", "base"] == "n = 1,037"


def test_no_data_or_unknown_country_raises():
    with pytest.raises(ValueError, match="no published figures for 'us_trust' in JP"):
        plot_question(DATA, "JP", "us_trust")
    with pytest.raises(ValueError, match="unknown country"):
        plot_question(DATA, "XX", "us_trust")


def test_global_style_untouched():
    before = dict(mpl.rcParams)
    fig = plot_question(DATA, "JP", "us_impression")
    fig._repr_png_()
    assert dict(mpl.rcParams) == before


# ----------------------------------------------------------------------------------------------- files
# One chart of each kind, with hatches (derived, unconfirmed, remainder), two panels and a legend.
SAMPLE = [("JP", "korea_nuclear_weapons"), ("KR", "us_forces_cost_share"), ("JP", "korea_unfavorable_reasons")]
SAMPLE_COMPARISON = "korea_impression_vs_japan_impression"


def render_sample(root, monkeypatch) -> dict[str, bytes]:
    monkeypatch.setenv("SURVEY_STAGING_DIR", str(root))
    written = []
    for country, qid in SAMPLE:
        written += save_figure(plot_question(DATA, country, qid), question_stem(country, qid), FIGURE_FORMATS)
    comparison = COMPARISONS[SAMPLE_COMPARISON]
    written += save_figure(plot_comparison(DATA, comparison), comparison_stem("JP", comparison.comparison_id),
                           FIGURE_FORMATS)
    return {path: (root / path).read_bytes() for path in written}


def test_saved_through_output_path_and_same_bytes_on_every_run(tmp_path, monkeypatch):
    first = render_sample(tmp_path / "a", monkeypatch)
    second = render_sample(tmp_path / "b", monkeypatch)
    assert sorted(first) == sorted(
        [f"figures/{c}/{q}.{ext}" for c, q in SAMPLE for ext in ("png", "svg", "pdf")]
        + [f"figures/JP/comparisons/{SAMPLE_COMPARISON}.{ext}" for ext in ("png", "svg", "pdf")])
    for path, content in first.items():
        assert content == second[path], f"{path} differs between two runs"
        if path.endswith(".png"):
            assert png_size(tmp_path / "a" / path)[0] == 800
            assert b"Software" not in content and b"matplotlib" not in content.lower()
        elif path.endswith(".svg"):
            assert b"<dc:date>" not in content and b"Matplotlib v" not in content
            assert content.count(b"<title>") == 1
        else:
            assert b"CreationDate" not in content and b"Matplotlib" not in content


def test_chart_all_questions_of_a_category(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_STAGING_DIR", str(tmp_path))
    written = chart_all_questions(DATA, "KR", category="security", formats=("png",))
    assert written == ["figures/KR/us_forces_cost_share.png", "figures/KR/usfk_china_role.png"]
    assert all((tmp_path / p).exists() for p in written)


@pytest.mark.slow
def test_every_chart_saves_png_and_svg(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_STAGING_DIR", str(tmp_path))
    written = []
    for country in DATA.countries():
        written += chart_all_questions(DATA, country) + chart_all_comparisons(DATA, country)
    expected = {f"figures/{c}/{q}.{ext}" for c, q in CASES for ext in ("png", "svg")}
    expected |= {f"figures/{c}/comparisons/{cid}.{ext}" for cid, comp in COMPARISONS.items()
                 for c in comp.countries for ext in ("png", "svg")}
    assert set(written) == expected and len(written) == len(expected)
    assert all((tmp_path / p).stat().st_size > 1000 for p in written)


def test_codebook_notes_reach_the_chart_footer():
    """A caveat on comparability or an assumption in the codebook is printed on the chart itself."""
    fig = charts.plot_comparison(DATA, COMPARISONS["us_tariffs"])
    note = QUESTIONS["us_tariffs"].note
    assert " ".join(fig.chart_footer.split()).endswith(" ".join(f"Note: {note}".split()))
    assert "Note:" not in chart("JP", "us_impression").chart_footer


def test_no_remainder_is_implied_when_the_answer_format_is_not_disclosed():
    """33% and 49% on the nuclear umbrella may come from two questions: nothing is drawn as their remainder."""
    fig = chart("JP", "nuclear_umbrella")
    assert NOT_PUBLISHED_TEXT not in bars(fig.axes[0])
    assert "the answer format is not disclosed, so no remainder is shown" in " ".join(fig.chart_footer.split())
