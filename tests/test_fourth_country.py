"""Any country, no code change: the report of a fictitious fourth country, built from a fixture.

The fixture (``tests/fixtures/data/fourth_country/``, made by ``tests/fixtures/fourth_country.py``) is the
real ``data/`` plus Examplestan (``XA``), whose respondents answer items about Japan, South Korea and the
United States. The runner builds its report in a copy of the repository with that data folder; nothing
here touches the working tree, and nothing of the fixture is ever in ``data/``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from repo_copy import copy_repository, run_build

from helpers import charts, paths
from helpers.data import load_survey_data
from helpers.kinds import Relation
from helpers.tables import comparable_items

pytestmark = pytest.mark.slow  # builds copies of the repository

ROOT = paths.ROOT
FIXTURE = ROOT / "tests" / "fixtures" / "data" / "fourth_country"
CODE = "XA"


def digests(root: Path, folders: tuple[str, ...]) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the repository whose data/ is the fixture, with the XA report built by the runner."""
    copy = copy_repository(tmp_path_factory.mktemp("fourth") / "repo")
    shutil.rmtree(copy / "data")
    shutil.copytree(FIXTURE, copy / "data")
    before = digests(copy, ("figures/JP", "figures/KR", "figures/US", "reports/JP", "reports/KR", "reports/US"))
    result = run_build(copy, "--country", CODE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (copy / "before.json").write_text(repr(before), encoding="utf-8")
    return copy


def test_the_fourth_country_gets_a_report_with_no_code_change(built):
    notebooks = sorted(p.name for p in (built / "reports" / CODE / "notebooks").glob("*.ipynb"))
    assert notebooks == sorted(p.name for p in (built / "notebooks").glob("*.ipynb"))
    summary = (built / "reports" / CODE / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# First Japan–U.S.–Korea Public Perception Survey: Examplestan")
    assert (built / "figures" / CODE / "comparisons" / "overview.svg").exists()
    nb = nbformat.read(built / "reports" / CODE / "notebooks" / "bilateral_relations.ipynb", as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


def test_the_other_countries_outputs_are_untouched(built):
    before = eval((built / "before.json").read_text(encoding="utf-8"))
    after = digests(built, ("figures/JP", "figures/KR", "figures/US", "reports/JP", "reports/KR", "reports/US"))
    assert after == before


def test_every_comparison_of_the_fourth_country_is_a_valid_pair():
    data = load_survey_data(FIXTURE)
    items = comparable_items(data, CODE)
    assert items, "the fixture's country takes part in comparisons"
    assert any(c.relation == Relation.MIRROR for c in items) and any(c.relation == Relation.SAME_ITEM for c in items)
    for c in items:
        if c.relation == Relation.SAME_ITEM:
            assert len(set(c.question_ids)) == 1 and data.subject(c.question_ids[0]) not in c.countries
        else:
            (qa, qb), (a, b) = c.question_ids, c.countries
            assert data.family(qa) == data.family(qb)
            assert data.subject(qa) == b and data.subject(qb) == a
    # the same item about different subjects is never paired (XA's view of Japan vs Japan's view of the U.S.)
    pairs = {(c.question_ids, c.countries) for c in items}
    assert (("xa_impression", "us_impression"), ("JP", CODE)) not in pairs


def test_the_fourth_country_summary_names_only_valid_pairs(built):
    data = load_survey_data(built / "data")
    summary = (built / "reports" / CODE / "summary.md").read_text(encoding="utf-8")
    section = summary.split("## Compared with the other publics", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in section.splitlines() if line.startswith("- **")]
    assert len(bullets) == len(comparable_items(data, CODE))


def test_the_fourth_country_has_a_colour_of_its_own():
    data = load_survey_data(FIXTURE)
    colours = [charts.country_colour(data, c) for c in data.countries()]
    assert len(set(colours)) == len(colours)
