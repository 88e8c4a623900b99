"""No collisions: on every question chart, no two pieces of text overlap, no whisker touches a text, and
everything lies inside the canvas — read from Matplotlib's renderer extents of the drawn figure."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from helpers import charts, trends
from helpers.charts.trend import crosses, line_segments, marker_boxes, plot_trend
from helpers.data import load_survey_data
from helpers.tables import comparable_items, question_table, single_figure

DATA = load_survey_data()
CASES = sorted(
    {
        (c, charts.related_questions(DATA, c, q.question_id)[0])
        for q in DATA.questions.itertuples(index=False)
        for c in q.countries
    }
)
SLACK_PX = -3.0  # boxes closer than 3 px (0.36 pt at 200 dpi) count as touching


@cache
def drawn(country: str, question_id: str):
    fig = charts.plot_question(DATA, country, question_id)
    fig.draw_without_rendering()
    return fig, fig.canvas.get_renderer()


def text_boxes(fig, renderer) -> list[tuple[str, Bbox]]:
    """(text, box) of every visible, non-empty text: titles, footer, tick labels, values, legend entries."""
    artists = list(fig.texts)
    for ax in fig.axes:
        artists += ax.texts + (ax.get_yticklabels() + ax.get_xticklabels() if ax.axison else [])
    for legend in fig.legends:
        artists += legend.get_texts()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in artists if t.get_visible() and t.get_text().strip()]


def whisker_boxes(fig, renderer) -> list[Bbox]:
    boxes = []
    for ax in fig.axes:
        for container in ax.containers:
            if isinstance(container, ErrorbarContainer):
                for collection in container.lines[2]:
                    boxes += [path.get_extents(collection.get_transform()) for path in collection.get_paths()]
    return boxes


def texts_inside_and_apart(fig, renderer) -> list[tuple[str, Bbox]]:
    """Assert that every text of ``fig`` lies inside the canvas and overlaps no other; return (text, box)."""
    boxes = text_boxes(fig, renderer)
    assert len(boxes) >= 4
    canvas = fig.bbox
    for text, box in boxes:
        assert canvas.x0 - SLACK_PX <= box.x0 and box.x1 <= canvas.x1 + SLACK_PX, text
        assert canvas.y0 - SLACK_PX <= box.y0 and box.y1 <= canvas.y1 + SLACK_PX, text
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not overlap(box_a, box_b), f"{a!r} overlaps {b!r}"
    return boxes


def overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 - SLACK_PX and b.x0 < a.x1 - SLACK_PX and a.y0 < b.y1 - SLACK_PX and b.y0 < a.y1 - SLACK_PX


def test_the_overlap_check_sees_an_overlap_and_a_touch():
    assert overlap(Bbox([[0, 0], [10, 10]]), Bbox([[5, 5], [15, 15]]))
    assert overlap(Bbox([[0, 0], [10, 10]]), Bbox([[11, 0], [20, 10]]))  # touching: 1 px apart
    assert not overlap(Bbox([[0, 0], [10, 10]]), Bbox([[14, 0], [20, 10]]))


@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_no_text_overlaps_another_or_a_whisker_and_all_is_inside_the_canvas(case):
    fig, renderer = drawn(*case)
    boxes = texts_inside_and_apart(fig, renderer)
    for box in whisker_boxes(fig, renderer):
        for text, text_box in boxes:
            assert not overlap(box, text_box), f"a whisker touches {text!r}"


def test_balanced_wrapping_leaves_no_orphan_word():
    width = charts.text.INNER_IN
    words = []  # words until the greedy wrap breaks: its second line is then one lone word
    while charts.text.wrap_text(" ".join(words), width, charts.style.TITLE_SIZE, "bold").count("\n") == 0:
        words.append(["public", "views", "of", "the", "tariffs"][len(words) % 5])
    title = " ".join(words)
    greedy = charts.text.wrap_text(title, width, charts.style.TITLE_SIZE, "bold").split("\n")
    balanced = charts.text.wrap_balanced(title, width, charts.style.TITLE_SIZE, "bold").split("\n")
    assert len(greedy) == len(balanced) == 2 and len(greedy[-1].split()) == 1  # greedy: an orphan
    assert min(len(line.split()) for line in balanced) >= 4


@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_no_title_subtitle_or_footer_line_is_an_orphan_word(case):
    fig, _ = drawn(*case)
    for gid in ("chart-title", "chart-subtitle", "chart-footer"):
        lines = next(t for t in fig.texts if t.get_gid() == gid).get_text().split("\n")
        assert len(lines) == 1 or min(len(line.split()) for line in lines) >= 2, lines


# Scales with more than one published figure are drawn as diverging bars (chosen without drawing: collection
# happens in every test process).
DIVERGING = [
    c
    for c in CASES
    if DATA.questions.set_index("question_id").at[c[1], "question_type"] == "scale"
    and not single_figure(question_table(DATA, *c))
]


@pytest.mark.parametrize("case", DIVERGING, ids="-".join)
def test_every_segment_value_sits_inside_its_segment(case):
    fig, renderer = drawn(*case)
    assert fig.chart_kind == "diverging"
    main = fig.axes[0]
    segments = [p.get_window_extent(renderer) for p in main.patches]
    values = [t for t in main.texts if t.get_fontweight() != "bold"]
    assert values
    for t in values:
        box = t.get_window_extent(renderer)
        assert any(s.x0 <= box.x0 and box.x1 <= s.x1 and s.y0 <= box.y0 and box.y1 <= s.y1 for s in segments), (
            t.get_text()
        )


# The comparison dot plots and the trend charts: the same checks, on every public's overview and series, in the
# data and in the fictitious fourth country's fixture (names from data there are long, and XA's series has a
# change of organisation and population).
FOURTH = load_survey_data(Path(__file__).parent / "fixtures" / "data" / "fourth_country")
DATASETS = {"data": DATA, "fourth": FOURTH}
OTHER_CASES = [
    case
    for name, data in DATASETS.items()
    for case in [("dots", name, c, "overview") for c in data.countries()]
    + [("trend", name, c, q) for c in data.countries() for q in trends.series_of(data, c) if trends.charted(data, c, q)]
]


@cache
def drawn_other(kind: str, dataset: str, country: str, what: str):
    data = DATASETS[dataset]
    fig = charts.plot_comparisons(data, country, None) if kind == "dots" else plot_trend(data, country, what)
    fig.draw_without_rendering()
    return fig, fig.canvas.get_renderer()


@pytest.mark.parametrize("case", OTHER_CASES, ids="-".join)
def test_no_text_overlaps_another_on_dot_plots_and_trend_charts(case):
    texts_inside_and_apart(*drawn_other(*case))


# Trend charts: a value label is read against its point, so it never sits on a line (its own series', the other
# answer's, a change-of-method rule) or on a marker.
TREND_CASES = [case[1:] for case in OTHER_CASES if case[0] == "trend"]


def test_the_crossing_check_sees_a_line_through_a_box_and_not_one_beside_it():
    box = Bbox([[0, 0], [10, 10]])
    assert crosses((-5, 5), (15, 5), box, 0)  # straight through
    assert crosses((-5, -5), (-1, -1), box, 2)  # ends 1 px short of the corner: a touch
    assert crosses((5, 5), (6, 6), box, 0)  # inside
    assert not crosses((-5, 12), (15, 30), box, 1)
    assert not crosses((12, -5), (12, 15), box, 1)
    assert not crosses((-5, 8), (8, 21), box, 1)  # passes the corner: their bounding boxes overlap, they do not


@pytest.mark.parametrize("case", TREND_CASES, ids="-".join)
def test_no_trend_value_label_sits_on_a_line_or_a_marker(case):
    fig, renderer = drawn_other("trend", *case)
    ax = fig.axes[0]
    values = [t for t in ax.texts if isinstance(t, Annotation)]
    assert len(values) >= 6 and line_segments(ax) and len(marker_boxes(ax)) >= len(values)
    for t in values:
        box = t.get_window_extent(renderer)
        for start, end, half in line_segments(ax):
            assert not crosses(start, end, box, half + 1), f"{t.get_text()!r} sits on a line"
        for dot in marker_boxes(ax):
            assert not overlap(box, dot), f"{t.get_text()!r} sits on a marker"


# Dot plots: each row as tall as its own content (label, values, gap), rows an even distance apart (a heading
# has more room above it, which this leaves out).
ROWS = {  # answers compared per public and category: charts of two rows or more
    (c, category): sum(len(item.options) for item in comparable_items(DATA, c) if item.category == category)
    for c in DATA.countries()
    for category in {item.category for item in comparable_items(DATA, c)}
}
DOT_CASES = [(c, "overview") for c in DATA.countries()] + sorted(case for case, n in ROWS.items() if n >= 2)


def row_boxes(fig, renderer) -> list[tuple[Bbox, bool]]:
    """Per row of a dot plot, top to bottom: the box around its label, its values and its gap, and whether
    the row is a heading."""
    ax, gap_ax = fig.axes[:2]
    rows = []
    for y, label in zip(ax.get_yticks(), ax.get_yticklabels()):
        texts = [t for t in ax.texts if t.xy[1] == y] + [t for t in gap_ax.texts if t.get_position()[1] == y]
        box = Bbox.union([label.get_window_extent(renderer), *(t.get_window_extent(renderer) for t in texts)])
        rows.append((box, label.get_fontweight() == "bold"))
    return sorted(rows, key=lambda row: -row[0].y1)


@pytest.mark.parametrize("case", DOT_CASES, ids="-".join)
def test_dot_plot_rows_follow_their_labels_an_even_gap_apart(case):
    country, category = case
    fig = charts.plot_comparisons(DATA, country, None if category == "overview" else category)
    fig.draw_without_rendering()
    rows = row_boxes(fig, fig.canvas.get_renderer())
    gaps = [above.y0 - below.y1 for (above, _), (below, heading) in itertools.pairwise(rows) if not heading]
    assert gaps and min(gaps) > 0
    assert max(gaps) - min(gaps) <= 0.03 * fig.dpi, [round(g) for g in gaps]
