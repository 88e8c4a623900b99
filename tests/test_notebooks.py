"""The committed, executed notebooks read as documents: what a reviewer sees holds no internal token.

Checked on every output of every committed report notebook (``reports/*/notebooks/*.ipynb``): no question
id, measure id, source id, table kind spelled as code, or build chatter ("files written"); category
notebooks have one section per question with a chart, a sentence and a rendered table.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers import outputs, paths
from helpers.data import CATEGORIES, load_survey_data
from helpers.report import open_report, questions

DATA = load_survey_data()
NOTEBOOKS = sorted((paths.ROOT / "reports").glob("*/notebooks/*.ipynb"))


def shown_texts(nb) -> list[str]:
    """What a reader sees of each output: Markdown, plain text and HTML (not images)."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if mime in ("text/markdown", "text/plain", "text/html"):
                    texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def internal_tokens() -> list[str]:
    tokens = list(DATA.questions["question_id"]) + list(DATA.survey.measure_ids) + list(DATA.survey.source_ids)
    return [*tokens, "Kind.", "files written", "build/scratch", "net_of", "options_published"]


def test_every_country_has_its_committed_report_notebooks():
    assert NOTEBOOKS
    names = {p.stem for p in (paths.ROOT / "notebooks").glob("*.ipynb")}
    for country in DATA.countries():
        assert {p.stem for p in NOTEBOOKS if p.parts[-3] == country} == names, country


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parts[-3]}/{p.stem}")
def test_no_internal_token_in_what_a_reviewer_sees(path):
    nb = nbformat.read(path, as_version=4)
    # a Markdown image or link target is a file path, not text a reader sees
    text = re.sub(r"\]\([^)]*\)", "]", "\n".join(shown_texts(nb)))
    for token in internal_tokens():
        pattern = rf"(?<![\w-]){re.escape(token)}(?![\w-])" if token[-1].isalnum() else re.escape(token)
        assert not re.search(pattern, text), f"{path.relative_to(paths.ROOT)} shows {token!r}"


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_category_notebook_has_one_section_per_question_with_a_table(category):
    for country in DATA.countries():
        path = paths.ROOT / outputs.executed_notebook(country, outputs.NOTEBOOK_OF[category])
        nb = nbformat.read(path, as_version=4)
        r = open_report(country=country)
        headings = [
            o["data"]["text/markdown"]
            for c in nb.cells
            for o in c.get("outputs", [])
            if "text/markdown" in o.get("data", {}) and o["data"]["text/markdown"].startswith("### ")
        ]
        expected = [f"### {DATA.wording(q, country)}" for q in questions(r, category)]
        assert [h for h in headings if h in expected] == expected, (country, category)
        tables = [
            o for c in nb.cells for o in c.get("outputs", []) if "<table" in o.get("data", {}).get("text/html", "")
        ]
        assert len(tables) >= len(expected)
        # each question is shown in its own section only: no table lists questions again
        wordings = [DATA.wording(q, country) for q in questions(r, category)]
        cell = re.compile("|".join(rf"<td[^>]*>{re.escape(w)}</td>" for w in wordings))
        assert not [t for t in tables if cell.search(t["data"]["text/html"])]
        assert not [c for c in nb.cells if "show_single_figures" in c.source]
        loop = next(c for c in nb.cells if c.cell_type == "code" and "report.show_question(" in c.source)
        assert loop.source.startswith("for question_id in report.questions(r, CATEGORY):")
