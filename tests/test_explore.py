"""helpers.explore: one call per common question, errors listing valid values, and the guide that shows them."""

from __future__ import annotations

import ast
import json
import re

import pytest

from helpers import explore, paths, report
from helpers import formatting as fmt
from helpers.data import CATEGORIES
from helpers.kinds import Relation

ROOT = paths.ROOT
GUIDE = ROOT / "docs" / "guide.ipynb"
CALLS = ("questions", "table", "chart", "compare", "compare_chart")


@pytest.fixture(scope="module")
def r():
    return report.open_report(country="JP")


def published(r, country, question_id) -> list[str]:
    t = r.data.toplines
    rows = t[(t["country"] == country) & (t["question_id"] == question_id) & t["measure"].isna()]
    return [fmt.percent(p) for p in rows["percent_text"]]


# ------------------------------------------------------------------------------------------ questions


def test_questions_lists_a_publics_questions_by_category_with_whom_each_is_compared(r):
    listed = explore.questions(r)
    assert list(listed.columns) == ["category", "question_id", "wording", "publics", "compared_with"]
    assert list(dict.fromkeys(listed["category"])) == [c for c in CATEGORIES if c in set(listed["category"])]
    assert all("JP" in p.split(", ") for p in listed["publics"])
    row = listed.set_index("question_id").loc["korea_impression"]
    assert set(row["compared_with"].split(", ")) == {"US", "KR"}  # the same item, and the mirror
    korean = explore.questions(r, "security", country="KR")
    assert set(korean["category"]) == {"security"} and "usfk_china_role" in set(korean["question_id"])
    assert "usfk_china_role" not in set(listed["question_id"])


def test_questions_refuses_an_unknown_category_or_public_listing_the_valid_ones(r):
    with pytest.raises(ValueError, match="unknown category 'sport': the categories are bilateral relations;"):
        explore.questions(r, "sport")
    with pytest.raises(ValueError, match=r"unknown country 'XX': .*JP, KR, US"):
        explore.questions(r, country="XX")


# ------------------------------------------------------------------------------------------ one question


def test_table_is_the_formatted_table_with_the_published_figures(r):
    shown = explore.table(r, "trump_impression")
    assert list(shown.columns[:3]) == ["Answer", "%", "95% interval"]
    assert [p for p in shown["%"] if p in published(r, "JP", "trump_impression")] == published(
        r, "JP", "trump_impression"
    )
    assert shown.attrs["title"] == r.data.wording("trump_impression", "JP")
    assert shown.attrs["caption"] == "Japanese respondents, n = 1,037"


def test_table_and_chart_refuse_a_question_the_public_was_not_asked(r):
    for call in (explore.table, explore.chart):
        with pytest.raises(
            ValueError, match="question 'usfk_china_role' has no figures for 'JP'; it has figures for KR"
        ):
            call(r, "usfk_china_role")
        with pytest.raises(ValueError, match=r"unknown question 'trump': .* us_impression, "):
            call(r, "trump")


def test_chart_draws_the_question_a_single_figure_included(r):
    """As the report draws it: a question with one published figure is its bar beside the remainder."""
    fig = explore.chart(r, "trump_impression")
    assert set(fig.survey_table["question_id"]) == {"trump_impression"}
    lone = explore.chart(r, "taiwan_importance")
    assert set(lone.survey_table["question_id"]) == {"taiwan_importance"}
    assert set(lone.survey_table["kind"]) == {"published", "not published"}


# ------------------------------------------------------------------------------------------ comparisons


def test_compare_finds_the_same_item_asked_of_another_public(r):
    shown = explore.compare(r, "trump_impression")
    assert list(dict.fromkeys(shown["Public"])) == ["Japanese respondents", "South Korean respondents"]
    korean = shown[shown["Public"] == "South Korean respondents"]
    assert set(published(r, "KR", "trump_impression")) <= set(korean["%"])
    assert shown.attrs["caption"] == "Japanese respondents, n = 1,037; South Korean respondents, n = 1,585"
    assert re.search(r"Japanese respondents \d+\.\d%, South Korean respondents \d+\.\d%", shown.attrs["finding"])


def test_compare_finds_the_mirror_of_an_item(r):
    mirror = explore.comparison(r, "korea_impression", other="KR")
    assert mirror.relation == Relation.MIRROR
    assert mirror.question_ids == ("korea_impression", "japan_impression") and mirror.countries == ("JP", "KR")
    korean = report.open_report(country="KR")
    assert explore.comparison(korean, "japan_impression", other="JP") == mirror  # from either side
    assert explore.comparison(korean, mirror.comparison_id) == mirror


def test_compare_asks_to_choose_when_an_item_is_compared_in_several_ways(r):
    with pytest.raises(ValueError, match="'korea_impression' is compared in 2 ways for JP") as raised:
        explore.compare(r, "korea_impression")
    assert "other='US'" in str(raised.value) and "other='KR'" in str(raised.value)


def test_compare_refuses_an_item_without_comparison_listing_those_with_one(r):
    with pytest.raises(ValueError, match=r"no comparison of 'defense_spending' for JP: .*trump_impression") as raised:
        explore.compare(r, "defense_spending")
    assert "korea_impression_vs_japan_impression" in str(raised.value)
    with pytest.raises(ValueError, match="no comparison of 'trump_impression' for JP with US"):
        explore.compare(r, "trump_impression", other="US")
    with pytest.raises(ValueError, match="unknown country 'XX'"):
        explore.compare(r, "trump_impression", other="XX")


def test_compare_chart_draws_the_comparison(r):
    fig = explore.compare_chart(r, "korea_impression", other="KR")
    assert set(fig.survey_table["country"]) == {"JP", "KR"}


# ------------------------------------------------------------------------------------------ the guide


def code_of(notebook: dict) -> str:
    return "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")


def test_the_guide_is_committed_without_outputs_and_shows_every_call():
    notebook = json.loads(GUIDE.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    called = {
        node.attr
        for node in ast.walk(ast.parse(code_of(notebook)))
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "explore"
    }
    assert set(CALLS) <= called


def test_the_readme_shows_every_call():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Your own analysis", 1)[1].split("\n## ")[0]
    for name in CALLS:
        assert f"explore.{name}(" in section


def test_the_guide_runs_and_saves_where_it_is_told(tmp_path, monkeypatch):
    import papermill

    monkeypatch.delenv(paths.STAGING_ENV, raising=False)  # as a researcher runs it
    out = tmp_path / "guide.ipynb"
    papermill.execute_notebook(
        str(GUIDE),
        str(out),
        parameters={"figures_dir": str(tmp_path / "figures")},
        kernel_name=paths.KERNEL_NAME,
        cwd=str(GUIDE.parent),
        progress_bar=False,
    )
    saved = list((tmp_path / "figures").rglob("*.png"))
    assert [p.relative_to(tmp_path).as_posix() for p in saved] == ["figures/mine/us_tariffs.png"]
    outputs = [o for c in json.loads(out.read_text(encoding="utf-8"))["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # each chart shows in the notebook
