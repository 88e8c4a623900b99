"""Tests for helpers.charts: what each chart draws equals the tables, read back from the Matplotlib artists.

Values come from bar rectangles, whisker lines, scatter offsets and text labels, never from pixels; the
expected values come from :func:`helpers.tables.question_table` and the comparison tables, or are written
out by hand for the scale questions.
"""

from __future__ import annotations

import struct
from functools import cache

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer, ErrorbarContainer

from helpers import charts
from helpers import formatting as fmt
from helpers.charts import style
from helpers.data import QUESTION_TYPES, load_survey_data
from helpers.kinds import Relation
from helpers.tables import (
    REMAINDER_LABEL,
    comparable_items,
    comparison_caveats,
    comparison_differences,
    comparison_table,
    comparison_title,
    is_mirror,
    listing_order,
    measure_name,
    question_table,
    single_figure,
)

DATA = load_survey_data()
QUESTIONS = {q.question_id: q for q in DATA.questions.itertuples(index=False)}
ALL_CASES = [(c, q.question_id) for q in DATA.questions.itertuples(index=False) for c in q.countries]
LONE = [case for case in ALL_CASES if single_figure(question_table(DATA, *case))]
CASES = ALL_CASES
TOLERANCE = 1e-9


@cache
def chart(country: str, question_id: str):
    return charts.plot_question(DATA, country, question_id)


@cache
def dots(country: str, category: str | None = None):
    return charts.plot_comparisons(DATA, country, category)


def all_bars(ax) -> dict[str, list]:
    """Every bar patch of an axes by its label (a chart of grouped questions draws a label once per row)."""
    found: dict[str, list] = {}
    for container in ax.containers:
        if isinstance(container, BarContainer):
            found.setdefault(container.get_label(), []).extend(container.patches)
    return found


def group_of(case) -> list[str]:
    return charts.related_questions(DATA, case[0], case[1])


def group_table(case) -> pd.DataFrame:
    """The tables of every question drawn in the case's chart."""
    return pd.concat([question_table(DATA, case[0], q) for q in group_of(case)], ignore_index=True)


def bars(ax) -> dict[str, BarContainer]:
    found = {}
    for container in ax.containers:
        if isinstance(container, BarContainer):
            assert container.get_label() not in found, f"two containers labelled {container.get_label()!r}"
            found[container.get_label()] = container
    return found


def whiskers(ax) -> dict[float, tuple[float, float]]:
    out = {}
    for container in ax.containers:
        if isinstance(container, ErrorbarContainer):
            for (x0, y0), (x1, _) in container.lines[2][0].get_segments():
                out[round(y0, 6)] = (min(x0, x1), max(x0, x1))
    return out


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def footer_lines(fig) -> list[str]:
    """The footer's "Note:" and "Source:" lines, unwrapped."""
    return fig.chart_footer.split("\n")


def case_id(case) -> str:
    return "-".join(case)


def inches_per_point(ax) -> float:
    low, high = ax.get_xlim()
    return ax.get_position().width * ax.figure.get_size_inches()[0] / (high - low)


# ----------------------------------------------------------------------------------------------- every chart
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_chart_has_title_subtitle_and_a_two_line_footer_inside_the_canvas(case):
    country, qid = case
    fig = chart(country, qid)
    group = charts.related_questions(DATA, country, qid)
    wordings = [DATA.wording(q, country) for q in group]
    expected = wordings[0] if len(group) == 1 else charts.diverging.compact_labels(wordings)[1]
    assert fig.chart_title == expected
    drawn_footer = next(t for t in fig.texts if t.get_gid() == "chart-footer").get_text()
    assert drawn_footer.replace("\n", " ").replace("\u00a0", " ") == fig.chart_footer.replace("\n", " ")
    assert DATA.country(country).adjective in fig.chart_subtitle
    lines = footer_lines(fig)
    assert len(lines) <= 2 and lines[0].startswith("Note: ") and lines[-1].startswith("Source: ")
    source = lines[-1].replace("\u00a0", " ")
    assert DATA.survey.title in source and "online" in source and DATA.country_name(country) in source
    assert f"n = {DATA.country_n(country):,}" in source
    whiskers = fig.survey_table["ci_low"].notna().any()  # none when every figure drawn is unconfirmed
    assert whiskers == (
        "Whiskers" in lines[0]
        and "95% " in lines[0]
        and "intervals" in lines[0]
        and ("simple random sampling" in lines[0] or "design effect" in lines[0])
    )
    assert whiskers or "no interval is given" in lines[0]
    renderer = charts.text.measuring_renderer()
    canvas = fig.bbox
    boxes = [t.get_window_extent(renderer) for t in fig.texts]
    boxes += [t.get_window_extent(renderer) for ax in fig.axes for t in ax.texts]
    boxes += [ax.get_tightbbox(renderer) for ax in fig.axes]
    for box in boxes:
        assert canvas.x0 - 0.5 <= box.x0 and box.x1 <= canvas.x1 + 0.5
        assert canvas.y0 - 0.5 <= box.y0 and box.y1 <= canvas.y1 + 0.5


def test_chart_kind_chosen_from_a_dict_keyed_by_question_type():
    assert set(charts.CHART_KINDS) == set(QUESTION_TYPES)
    kinds = {}
    for country, qid in CASES:
        if (country, qid) in LONE:
            assert chart(country, qid).chart_kind == "single figure"
            continue
        kinds.setdefault(QUESTIONS[qid].question_type, set()).add(chart(country, qid).chart_kind)
    assert kinds == {
        "scale": {"diverging"},
        "single_choice": {"bars"},
        "select_all": {"ranked"},
        "top_reasons": {"ranked"},
    }


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_drawn_row_is_drawn_with_its_published_value(case):
    fig = chart(*case)
    table = group_table(case)
    drawn = fig.survey_table[~fig.survey_table["drawn_as"].isin(["not drawn", "total", "note"])]
    first = table["measure"].isna() | (table["measure"] == table["measure"].iloc[0])  # other measures: a note
    assert set(zip(drawn["question_id"], drawn["option"])) == set(
        zip(table.loc[table["drawn"] & first, "question_id"], table.loc[table["drawn"] & first, "option"])
    )
    shown = texts(fig)
    for r in drawn.itertuples(index=False):
        assert any(r.percent_text in s for s in shown), f"{r.option}: {r.percent_text} not labelled"
    for ax in fig.axes:
        for label, patches in all_bars(ax).items():
            for patch in patches:
                assert any(abs(patch.get_width() - p) < TOLERANCE for p in table["percent"]), label


# ----------------------------------------------------------------------------------------------- bars
BAR_CASES = [case for case in CASES if QUESTIONS[case[1]].question_type != "scale"]


@pytest.mark.parametrize("case", BAR_CASES, ids=case_id)
def test_bars_with_interval_whiskers_in_order(case):
    country, qid = case
    fig = chart(country, qid)
    (ax,) = fig.axes
    table = question_table(DATA, country, qid).set_index("label")
    at = whiskers(ax)
    for label, container in bars(ax).items():
        key = label.split(": ", 1)[-1] if table["measure"].notna().any() else label
        key = key.replace(" (derived)", "").replace(" (unconfirmed)", "")
        rows = table.loc[[key]]
        row = (
            rows.iloc[0]
            if len(rows) == 1
            else rows[(rows["percent"] - container.patches[0].get_width()).abs() < TOLERANCE].iloc[0]
        )
        (patch,) = container.patches
        assert patch.get_x() == 0 and abs(patch.get_width() - row["percent"]) < TOLERANCE
        centre = round(patch.get_y() + patch.get_height() / 2, 6)
        if row["kind"] == "not published" or row["status"] == "unconfirmed":  # no interval to draw
            assert centre not in at and pd.isna(row["ci_low"])
        else:
            assert at[centre] == pytest.approx((row["ci_low"], row["ci_high"]))
    y = {label: c.patches[0].get_y() for label, c in bars(ax).items()}
    if QUESTIONS[qid].question_type == "single_choice":
        published = [o for o in table.index if o in y and o != REMAINDER_LABEL]
        assert sorted(published, key=y.get) == published  # questionnaire order, top to bottom
    elif table["measure"].isna().all():
        order = sorted(y, key=y.get)
        widths = [bars(ax)[o].patches[0].get_width() for o in order]
        assert widths == sorted(widths, reverse=True)  # ranked


def test_every_bar_chart_shares_one_0_to_100_scale():
    scales = set()
    for case in [*BAR_CASES, *LONE]:
        fig = chart(*case)
        (ax,) = fig.axes
        assert ax.get_xlim() == (0.0, 100.0)
        scales.add(round(inches_per_point(ax), 9))
    assert scales == {round(style.BAR_IN_PER_POINT, 9)}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_unpublished_remainder_is_drawn_at_scale_in_grey(case):
    fig = chart(*case)
    table = group_table(case)
    remainders = table[(table["kind"] == "not published") & table["drawn"]]
    patches = [p for ax in fig.axes for p in all_bars(ax).get(REMAINDER_LABEL, [])]
    assert sorted(p.get_width() for p in patches) == pytest.approx(sorted(remainders["percent"]))
    for patch in patches:
        assert patch.get_height() == pytest.approx(style.BAR_HEIGHT)
        assert mpl.colors.to_hex(patch.get_facecolor()) == style.REMAINDER_COLOUR
    assert set(fig.survey_table.loc[fig.survey_table["kind"] == "not published", "drawn_as"]) <= {"remainder"}


def test_the_largest_remainder_is_drawn_too():
    fig = chart("JP", "jk_priority_goal")
    (patch,) = bars(fig.axes[0])[REMAINDER_LABEL].patches
    assert patch.get_width() == pytest.approx(47.0) and "47.0" in texts(fig)
    assert fig.survey_table.set_index("label").loc[REMAINDER_LABEL, "drawn_as"] == "remainder"


def test_no_remainder_where_answers_can_be_several():
    for case in CASES:
        if QUESTIONS[case[1]].answers != "one":
            assert "remainder" not in set(chart(*case).survey_table["drawn_as"]), case


# ----------------------------------------------------------------------------------------------- single figures
def test_a_lone_figure_is_its_own_chart_never_a_bar_among_other_questions():
    assert LONE, "the data have questions with a single published figure"
    for country, qid in LONE:
        fig = charts.plot_question(DATA, country, qid)
        (ax,) = fig.axes
        assert set(fig.survey_table["question_id"]) == {qid}
        drawn = fig.survey_table[fig.survey_table["drawn_as"] == "bar"]
        assert len(drawn) == 1 and len([k for k in bars(ax) if k != REMAINDER_LABEL]) == 1
        (patch,) = next(c for k, c in bars(ax).items() if k != REMAINDER_LABEL).patches
        assert patch.get_width() == pytest.approx(drawn["percent"].iloc[0])


def test_no_chart_draws_two_questions_unless_they_are_one_group():
    for case in CASES:
        assert set(chart(*case).survey_table["question_id"]) == set(group_of(case)), case


def test_a_rounded_value_keeps_its_published_figure_in_the_svg():
    assert charts.draw.chart_values(["40.5", "78", "12.25"]) == ["41", "78", "12"]
    assert charts.draw.chart_values(["40.5", "7.3"]) == ["40.5", "7.3"]
    fig = charts.SurveyFigure()
    ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])
    charts.draw.value_label(ax, 40.5, 0, "41", exact="40.5")
    svg = charts.figure_bytes(fig, "svg").decode()
    assert '<g class="exact-figure"><title>40.5%</title>' in svg


# ----------------------------------------------------------------------------------------------- diverging
SCALES = [case for case in CASES if QUESTIONS[case[1]].question_type == "scale" and case not in LONE]
# Hand-computed (left, right) of each segment: negative left of 0, positive right; the midpoint is a column.
SEGMENTS = {
    ("JP", "japan_nuclear_weapons"): {
        "strongly opposed": (-63.0, -19.4),
        "somewhat opposed": (-19.4, 0.0),
        "somewhat in favor": (0.0, 15.5),
        "strongly in favor": (15.5, 23.7),
    },
    ("JP", "korea_nuclear_weapons"): {
        "strongly opposed": (-65.0, -24.1),
        "somewhat opposed (derived)": (-24.1, 0.0),
        "in favor": (0.0, 15.5),
    },
    ("JP", "defense_spending"): {
        "reduce": (-16.9, 0.0),
        "increase somewhat": (0.0, 26.4),
        "increase substantially": (26.4, 33.7),
    },
}


def test_every_scale_chart_has_hand_computed_segments():
    assert set(SCALES) == set(SEGMENTS)


@pytest.mark.parametrize("case", sorted(SEGMENTS), ids=case_id)
def test_diverging_segments_totals_and_legend_in_segment_order(case):
    fig = chart(*case)
    main = fig.axes[0]
    drawn = all_bars(main)
    # every segment of every question drawn in the chart (one row each), each where it was computed by hand
    assert set(drawn) == {label for q in group_of(case) for label in SEGMENTS[(case[0], q)]}
    for label, (left, right) in SEGMENTS[case].items():
        assert any(
            patch.get_x() == pytest.approx(left) and patch.get_x() + patch.get_width() == pytest.approx(right)
            for patch in drawn[label]
        ), label
    # Legend: the segments left to right, then the columns.
    fig.draw_without_rendering()  # the legend places its entries when drawn
    renderer = fig.canvas.get_renderer()
    entries = [
        (-round(t.get_window_extent(renderer).y0), t.get_window_extent(renderer).x0, t.get_text())
        for t in fig.legends[0].get_texts()
        if t.get_text()
    ]
    legend = [text.replace("\n", " ") for _, _, text in sorted(entries)]  # reading order
    if len(group_of(case)) == 1:
        by_x = sorted(SEGMENTS[case], key=lambda k: SEGMENTS[case][k][0])
        assert legend[: len(by_x)] == by_x
    else:  # one legend entry per answer, derived or not (the hatch is explained in the note)
        assert len(legend) == len(set(legend))
        assert {label.replace(" (derived)", "") for label in drawn} == set(legend)
    # Both sides' totals labelled.
    table = question_table(DATA, *case)
    for side in ("-", "+"):
        unit = table[table["unit"] & (table["side"] == side)].iloc[0]
        assert f"{unit['label']} {unit['percent_text']}" in texts(fig)
    assert not main.get_xlabel()  # no axis note


def test_midpoint_is_its_own_toned_down_column():
    fig = chart("JP", "defense_spending")
    columns = [ax for ax in fig.axes[1:] if "keep at the current level" in bars(ax)]
    (patch,) = bars(columns[0])["keep at the current level"].patches
    assert patch.get_x() == 0 and patch.get_width() == pytest.approx(32.9)
    assert mpl.colors.to_hex(patch.get_facecolor()) == style.MIDPOINT_COLOUR
    assert "keep at the current level" not in bars(fig.axes[0])


def test_every_diverging_chart_and_column_shares_one_scale():
    scales = {round(inches_per_point(ax), 9) for case in SCALES for ax in chart(*case).axes}
    assert scales == {round(style.DIVERGING_IN_PER_POINT, 9)}


# ----------------------------------------------------------------------------------------------- dot plots
DOT_COUNTRIES = sorted({c for comp in comparable_items(DATA) for c in comp.countries})


@pytest.mark.parametrize("country", DOT_COUNTRIES)
def test_the_text_lists_comparisons_in_the_order_of_the_chart_rows(country):
    """A row label that points to its note "in the text" finds the sentences in the same order."""
    from helpers import narrative

    labels = [t.get_text().replace("\n", " ") for t in dots(country).axes[0].get_yticklabels()]
    found = narrative.comparison_findings(DATA, country)
    matched = [
        [
            i
            for i, label in enumerate(labels)
            if label.removeprefix(f"{charts.dots.MIRROR_MARK} ").startswith((f"{title}:", f"{title} ("))
        ]
        for _, title, _ in found
    ]
    assert all(matched), "a comparison of the text has no row on the chart"
    rows = [i for each in matched for i in each]
    assert rows == sorted(rows)


@pytest.mark.parametrize("country", DOT_COUNTRIES)
def test_dot_plot_values_read_back_and_gaps_beside_each_row(country):
    fig = dots(country)
    ax = fig.axes[0]
    items = listing_order(c for c in comparable_items(DATA) if country in c.countries)
    drawn = {}
    for collection in ax.collections:
        if isinstance(collection, PathCollection):
            name = collection.get_label().removesuffix(f" ({charts.dots.DIFFERENT_MEASURE_LABEL})")
            drawn.setdefault(name, []).extend(tuple(xy) for xy in collection.get_offsets())
    names = {c: DATA.country(c).name for c in DATA.countries()}
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    rows = [round(float(y), 6) for y in ax.get_yticks()]  # each row's height on the plot, top to bottom
    gaps: dict[float, list] = {}  # each row's gaps, one text per other public, top to bottom
    for t in fig.axes[1].texts:
        gaps.setdefault(round(t.get_position()[1], 6), []).append(t)
    y = 0
    for comp in items:
        table = comparison_table(DATA, comp)
        diffs = comparison_differences(DATA, comp)
        for option in comp.options:
            y += labels[y] == charts.dots.MIRROR_HEADING  # mirrors under their own heading
            assert f"“{option}”" in labels[y]
            assert labels[y].startswith(charts.dots.MIRROR_MARK) == (comp.relation == Relation.MIRROR)
            for r in table[table["option"] == option].itertuples(index=False):
                xs = [x for x, yy in drawn[names[r.country]] if round(float(yy), 6) == rows[y]]
                assert xs and xs[0] == pytest.approx(r.percent)
                assert r.percent_text in texts(fig)
            items = gaps[rows[y]]
            own = diffs[
                (diffs["option"] == option) & ((diffs["country_1"] == country) | (diffs["country_2"] == country))
            ]
            assert len(items) == len(own)  # one text per other public, in the order of the tests
            # each figure as published; the gap at the finer precision, the difference of the values shown
            decimals = max(len(str(t).partition(".")[2]) for t in table[table["option"] == option]["percent_text"])
            for d, item in zip(own.itertuples(), items):
                gap, other = (d.diff, d.country_2) if d.country_1 == country else (-d.diff, d.country_1)
                said = item.get_text().replace("\n", " ")
                if not comp.measured_alike(d.country_1, d.country_2):  # shown, never tested (it may wrap)
                    assert said == ("different measures" if len(own) == 1 else f"{other}: different measures")
                    assert item.get_fontweight() != "bold"
                    continue
                shown = fmt.signed_points(gap, decimals)
                assert item.get_text() == (shown if len(own) == 1 else f"{other}: {shown}")  # never wrapped
                assert (item.get_fontweight() == "bold") == bool(d.significant)
            y += 1
    assert y == len(labels)
    assert len(footer_lines(fig)) <= 2
    for c, colour in zip(DATA.countries(), style.COUNTRY_PALETTE):
        for collection in ax.collections:
            if isinstance(collection, PathCollection) and collection.get_label() == names[c]:  # filled dots
                assert mpl.colors.to_hex(collection.get_facecolor()[0]) == colour.lower()


@pytest.mark.parametrize("country", ["JP", "KR", "US"])
def test_dot_plot_notes_each_caveat_once_and_marks_its_rows(country):
    """A chart seen alone keeps what the sources leave unsaid: each note on a compared figure is in the Note once,
    numbered, and every row of its item ends with its number."""
    fig = dots(country)
    note = fig.chart_footer.replace("\n", " ")
    labels = {t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()}
    items = listing_order([c for c in comparable_items(DATA) if country in c.countries])
    caveats = list(dict.fromkeys(n for c in items for n in comparison_caveats(DATA, c)))
    assert caveats, "every public has a noted figure among its comparisons"
    for i, caveat in enumerate(caveats, 1):
        assert note.count(f"[{i}] {caveat}") == 1
    assert f"[{len(caveats) + 1}]" not in note
    for c in items:
        marks = [str(caveats.index(n) + 1) for n in comparison_caveats(DATA, c)]
        start = ("⇄ " if is_mirror(c) else "") + comparison_title(DATA, c)
        rows = [label for label in labels if label.startswith(start)]
        assert rows and all(r.endswith(f"[{', '.join(marks)}]") == bool(marks) for r in rows), (start, rows)
    assert not any("in the text" in label for label in labels)


def test_dot_plot_per_category_has_only_its_items():
    for category in sorted(set(DATA.questions["category"])):
        items = [
            c
            for c in comparable_items(DATA)
            if "JP" in c.countries and QUESTIONS[c.question_ids[0]].category == category
        ]
        if not items:
            with pytest.raises(ValueError, match="no comparable item"):
                charts.plot_comparisons(DATA, "JP", category)
            continue
        fig = dots("JP", category)
        heading = any(is_mirror(c) for c in items)
        assert len(fig.axes[0].get_yticklabels()) == sum(len(c.options) for c in items) + heading


# ----------------------------------------------------------------------------------------------- words
def test_stated_level_and_assumption_follow_the_parameters():
    fig = charts.plot_question(DATA, "JP", "us_impression", confidence=0.90, deff=1.5)
    note = footer_lines(fig)[0]
    assert "90%" in note and "design effect of 1.5" in note and "simple random sampling" not in note
    table = question_table(DATA, "JP", "us_impression", confidence=0.90, deff=1.5)
    at = whiskers(fig.axes[0])
    assert sorted(at.values()) == sorted(zip(table["ci_low"].dropna(), table["ci_high"].dropna()))


def test_press_sources_flagged_in_the_source_line():
    fig = chart("KR", "japan_favorable_reasons")
    press = [
        DATA.source_label(s).removesuffix(" (press report)")
        for s in fig.survey_table["source"].dropna().unique()
        if DATA.is_press(s)
    ]
    # the Source line flags them; their names, too long for one line, are in the chart's notes
    assert press and "press" in footer_lines(fig)[-1]
    assert all(p in footer_lines(fig)[-1] for p in press)  # which report gave which figures


def test_one_source_template_per_public():
    """Every chart of a public describes its survey in the same words, dates included."""
    for country in DATA.countries():
        heads = {
            footer_lines(chart(c, q))[-1].split("; all figures")[0].split("; “")[0].split("; some")[0].rstrip(".")
            for c, q in CASES
            if c == country
        }
        assert len(heads) == 1, heads
        (head,) = heads
        assert charts.footer.fieldwork_text(DATA, country) in head.replace("\u00a0", " ")


def test_exact_fieldwork_dates_where_the_sources_agree():
    assert "Aug. 19–21, 2025" in footer_lines(chart("JP", "us_impression"))[-1]
    assert charts.footer.fieldwork_text(DATA, "KR") == DATA.survey.fieldwork_month  # the sources differ


def test_global_style_untouched():
    before = dict(mpl.rcParams)
    charts.plot_question(DATA, "JP", "us_impression")._repr_png_()
    assert dict(mpl.rcParams) == before


# ----------------------------------------------------------------------------------------------- colours
def test_country_and_answer_colours_never_share_a_hue_and_survive_colour_blindness():
    import colorspacious  # a dependency of the project (pyproject.toml)

    def hue(c):
        return colorspacious.cspace_convert(mpl.colors.to_rgb(c), "sRGB1", "JCh")[2]

    for country in style.COUNTRY_PALETTE:
        for answer in style.answer_colours():
            distance = abs(hue(country) - hue(answer)) % 360
            assert min(distance, 360 - distance) >= 40, (country, answer)
    shown_together = [
        list(style.COUNTRY_PALETTE),
        list(style.POSITIVE_RAMP) + list(style.NEGATIVE_RAMP) + [style.MIDPOINT_COLOUR],
    ]
    for cvd in ("deuteranomaly", "protanomaly", "tritanomaly"):
        space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
        for group in shown_together:
            seen = [colorspacious.cspace_convert(mpl.colors.to_rgb(c), space, "CAM02-UCS") for c in group]
            for i in range(len(seen)):
                for j in range(i + 1, len(seen)):
                    assert colorspacious.deltaE(seen[i], seen[j], input_space="CAM02-UCS") >= 8, (
                        cvd,
                        group[i],
                        group[j],
                    )


# ----------------------------------------------------------------------------------------------- files
SAMPLE = [("JP", "korea_nuclear_weapons"), ("KR", "japan_unfavorable_reasons"), ("JP", "korea_unfavorable_reasons")]


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


def png_dpi(content: bytes) -> float:
    at = content.index(b"pHYs")
    per_metre, _, unit = struct.unpack(">IIB", content[at + 4 : at + 13])
    assert unit == 1
    return per_metre * 0.0254


def render(root, monkeypatch) -> dict[str, bytes]:
    monkeypatch.setenv("SURVEY_STAGING_DIR", str(root))
    written = []
    for country, qid in SAMPLE:
        written += charts.save_figure(
            charts.plot_question(DATA, country, qid), f"figures/{country}/{qid}", charts.FIGURE_FORMATS
        )
    written += charts.save_figure(dots("JP"), "figures/JP/comparisons", charts.FIGURE_FORMATS)
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in written}  # the real paths


def test_saved_at_200_dpi_with_text_as_text_and_the_same_bytes_on_every_run(tmp_path, monkeypatch):
    first = render(tmp_path / "a", monkeypatch)
    second = render(tmp_path / "b", monkeypatch)
    assert len(first) == 3 * (len(SAMPLE) + 1)
    for path, content in first.items():
        assert content == second[path], f"{path} differs between two runs"
        if path.endswith(".png"):
            assert png_size(content)[0] == 1600 and round(png_dpi(content)) == 200
            assert b"matplotlib" not in content.lower()
        elif path.endswith(".svg"):
            assert b"<text" in content and b"<dc:date>" not in content and b"Matplotlib v" not in content
        else:
            assert b"CreationDate" not in content and b"Matplotlib" not in content


def test_unknown_format_country_or_question_without_data_raise():
    with pytest.raises(ValueError, match="format 'gif' not supported"):
        charts.save_figure(chart("JP", "us_impression"), "figures/JP/x", ("gif",))
    with pytest.raises(ValueError, match="no published figures for 'us_trust' in JP"):
        charts.plot_question(DATA, "JP", "us_trust")
    with pytest.raises(ValueError, match="unknown country"):
        charts.plot_question(DATA, "XX", "us_trust")


def test_related_scale_questions_are_rows_of_one_chart_on_one_scale():
    group = charts.related_questions(DATA, "JP", "japan_nuclear_weapons")
    assert group == ["japan_nuclear_weapons", "korea_nuclear_weapons"]
    fig = chart("JP", "korea_nuclear_weapons")
    assert fig.survey_table["question_id"].unique().tolist() == group  # the same chart, from either question
    rows = {round(p.get_y() + p.get_height() / 2, 6) for ps in all_bars(fig.axes[0]).values() for p in ps}
    assert len(rows) >= 2


def test_footers_state_the_level_and_design_effect_used():
    """At 90% and a design effect of 1.5, every chart kind says so, and never 'simple random sampling'."""
    figs = [
        charts.plot_question(DATA, "JP", "us_impression", confidence=0.90, deff=1.5),
        charts.plot_question(DATA, "JP", "defense_spending", confidence=0.90, deff=1.5),
        charts.plot_comparisons(DATA, "JP", None, confidence=0.90, deff=1.5),
        charts.plot_question(DATA, "JP", "taiwan_us_response", confidence=0.90, deff=1.5),
    ]
    for fig in figs:
        note = footer_lines(fig)[0]
        assert "90%" in note and "95%" not in note, note
        assert "simple random sampling" not in note
    for fig in figs[:2] + figs[3:]:
        assert "design effect of 1.5" in footer_lines(fig)[0]


def test_a_single_figure_of_another_measure_is_labelled_with_what_it_measures():
    fig = charts.plot_question(DATA, "KR", "trilateral_security_cooperation")
    labels = " ".join(t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels())
    note = DATA.measure_note("KR", "trilateral_security_cooperation")
    assert note and measure_name(note).lower() in labels.lower() and "in favor" not in labels


def test_every_public_up_to_twenty_has_a_look_of_its_own():
    """A fifth country repeats no look: the colours come round again with another dot shape."""
    from dataclasses import replace

    codes = [f"X{letter}" for letter in "ABCDEFGHIJKLMNOPQRST"]
    survey = replace(DATA.survey, countries=tuple(replace(DATA.country("JP"), code=c, name=c) for c in codes))
    many = replace(DATA, survey=survey)
    looks = [style.country_look(many, code) for code in codes]
    assert len(set(looks)) == len(codes)
    assert [look[1] for look in looks[:4]] == ["o"] * 4  # the report's publics keep their round dots
    assert {look[0] for look in looks} == set(style.COUNTRY_PALETTE)
    with pytest.raises(ValueError, match="unknown country"):
        style.country_look(many, "JP")


def test_png_is_indexed_and_keeps_every_chart_colour_exactly():
    from io import BytesIO

    from PIL import Image

    for fig in (chart("JP", "japan_nuclear_weapons"), chart("JP", "defense_spending"), dots("JP")):
        fills = {mpl.colors.to_hex(p.get_facecolor()) for ax in fig.axes for ps in all_bars(ax).values() for p in ps}
        fills |= {
            mpl.colors.to_hex(c.get_facecolor()[0])
            for ax in fig.axes
            for c in ax.collections[:3]
            if len(c.get_facecolor())
        }
        image = Image.open(BytesIO(charts.figure_bytes(fig, "png")))
        assert image.mode == "P"
        found = {mpl.colors.to_hex([v / 255 for v in rgb]) for _, rgb in image.convert("RGB").getcolors(256)}
        assert fills and fills <= found, fills - found


def test_the_notebooks_smaller_image_keeps_every_countrys_colour():
    """A notebook carries a half-size image in a small palette: a dot plot's small dots keep their country's
    exact colour (a palette of the reduced image alone turned them all grey)."""
    from io import BytesIO

    from PIL import Image

    from helpers.report import notebook_png

    for country in DATA.countries():
        fig = dots(country)
        colours = {mpl.colors.to_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections if len(c.get_facecolor())}
        colours -= {"#ffffff"}  # hollow markers
        image = Image.open(BytesIO(notebook_png(charts.rendered(fig))))
        found = {mpl.colors.to_hex([v / 255 for v in rgb]) for _, rgb in image.convert("RGB").getcolors(256)}
        assert len(colours) == len(DATA.countries()) and colours <= found, (country, colours - found)


def test_what_the_sources_leave_unsaid_is_on_the_chart_and_in_the_finding():
    """Each note of coverage.csv on a public's figures (a sample not stated, a combined share, a cut-off
    excerpt) stays with a chart seen alone and with the question's sentences, wherever its source is drawn."""
    from helpers import narrative

    noted = DATA.coverage[DATA.coverage["note"].notna()]
    assert len(noted) >= 5
    for r in noted.itertuples(index=False):
        fig = charts.plot_question(DATA, r.country, r.question_id)
        drawn = fig.survey_table[fig.survey_table["drawn_as"].isin(["bar", "segment"])]
        note = " ".join(footer_lines(fig)[:-1]).replace("\n", " ")
        assert (r.note in note) == (r.source in set(drawn["source"])), (r.country, r.question_id)
        text = narrative.question_finding(DATA, r.country, r.question_id).text
        assert "About the figures: " in text and r.note in text, (r.country, r.question_id)


def test_a_lone_unconfirmed_figure_says_why_no_remainder_is_drawn():
    fig = charts.plot_question(DATA, "KR", "us_forces_cost_share")
    note = " ".join(footer_lines(fig)[:-1]).replace("\n", " ")
    assert "an unconfirmed figure says nothing of the other answers" in note
    assert "Answer format not disclosed" not in note


def test_a_figures_own_note_is_on_its_chart_named_by_its_answer():
    """A chart seen alone keeps what the data say of a single figure (a press report's other wording, a
    summary's rounding), and no other figure's note; a chart of several questions names the row too."""
    noted = DATA.toplines[DATA.toplines["note"].notna()]
    kinds = set()
    for country, qid in noted[["country", "question_id"]].drop_duplicates().itertuples(index=False):
        fig = charts.plot_question(DATA, country, qid)
        shown = fig.survey_table[fig.survey_table["kind"] != "not published"]
        note = " ".join(footer_lines(fig)[:-1]).replace("\n", " ")
        for r in shown[shown["note"].notna()].itertuples():
            assert f"“{r.label}”: {r.note}" in note, (country, qid)
        assert note.count("”: ") == shown["note"].notna().sum()
        kinds.add(fig.chart_kind)
    assert {"bars", "diverging"} <= kinds
    fig = charts.plot_question(DATA, "JP", "japan_nuclear_weapons")  # two questions: the row is named
    assert "About Japan, “opposed”: " in " ".join(footer_lines(fig)[:-1]).replace("\n", " ")


def test_rows_of_a_group_that_differ_by_country_are_named_as_the_questions_about_it():
    """Japan's chart of the two nuclear questions: rows "About Japan", "About South Korea", never bare country
    names beside a subtitle naming the public that answered."""
    group = charts.related_questions(DATA, "JP", "japan_nuclear_weapons")
    assert len(group) == 2
    fig = chart("JP", "japan_nuclear_weapons")
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == ["About Japan", "About South Korea"], labels
