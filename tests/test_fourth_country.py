"""Any country, no code change, and no text from data ever runs: one build of a fictitious fourth country.

The fixture (``tests/fixtures/data/fourth_country/``, made by ``tests/fixtures/fourth_country.py``) is the
real ``data/`` plus Examplestan (``XA``), whose respondents answer items about Japan, South Korea and the
United States, with earlier waves and a release's wording of its own. In a copy of the repository whose
``data/`` is that fixture with script, event-handler, ``javascript:`` and heading injections planted in every
text field, the runner builds Examplestan's report and the site is rendered. The checks on that one build:
the country gets a report with nothing but data added and the other publics' outputs are untouched; the
planted text shows as text in the summary, the notebooks and every site page, and never runs (headless
Chromium). Nothing here touches the working tree, and nothing of the fixture is ever in ``data/``.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from browser import browser_context
from repo_copy import copy_repository, run_build

from helpers import charts, outputs, paths, site
from helpers.data import load_survey_data
from helpers.kinds import Relation
from helpers.tables import comparable_items

pytestmark = pytest.mark.slow  # builds copies of the repository

ROOT = paths.ROOT
FIXTURE = ROOT / "tests" / "fixtures" / "data" / "fourth_country"
CODE = "XA"
OTHER_OUTPUTS = ("figures/JP", "figures/KR", "figures/US", "reports/JP", "reports/KR", "reports/US")


WIDTHS = (1280,)
MARK = "PLANTED"
INJECTIONS = (
    f"{MARK}<script>window.__planted = 'script'</script>"
    f"<img src=x onerror=\"window.__planted = 'onerror'\">"
    f"<a href=\"javascript:window.__planted = 'link'\">{MARK}-link</a>"
    f"[{MARK}-md](javascript:window.__planted='markdown')"
)
HEADING = f"\n\n## {MARK} heading\n\n"
CSV_TEXT_COLUMNS = {
    "questions.csv": ("wording", "note", "codebook_note"),
    "coverage.csv": ("note",),
    "release_claims.csv": ("release_words", "locator"),
    "toplines.csv": ("note", "locator"),
    # earlier waves; a wave's survey is planted as the title is, so this survey's rows still name it
    "waves.csv": ("survey", "organisation", "population", "locator", "note"),
    "trends.csv": ("locator", "note"),
}
YAML_TEXT_KEYS = {"title", "short", "publisher", "disclosed", "label", "name", "population", "questionnaire", "note"}
PLANTED_OPTION = ("us_tariffs", "disapprove")  # an answer Examplestan's report shows
PLANTED_PAGES = (
    site.INDEX,
    site.DATA_PAGE,
    f"{CODE}/summary.html",
    f"{CODE}/notebooks/bilateral_relations.html",
    f"toplines/{CODE}.html",
)


def plant_csv(path: Path, columns: tuple[str, ...], option: tuple[str, str]) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    qid, old = option
    new = old + INJECTIONS
    for row in rows:
        for column in columns:
            if path.name == "waves.csv" and not row[column]:
                continue  # this survey's method is stated once, in survey.yml: its rows leave it empty
            row[column] = (row[column] + " " if row[column] else "") + INJECTIONS
        if row.get("question_id") == qid:
            if "options" in row:
                row["options"] = "|".join(new if o == old else o for o in row["options"].split("|"))
            for column in ("option", "versus", "base_option"):
                if row.get(column) == old:
                    row[column] = new
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def plant_yaml(value, key=None):
    if isinstance(value, dict):
        return {k: plant_yaml(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [plant_yaml(v, key) for v in value]
    if isinstance(value, str) and key in YAML_TEXT_KEYS:
        return value + " " + INJECTIONS + (HEADING if key in {"disclosed", "questionnaire"} else "")
    return value


def plant(data_dir: Path) -> None:
    """Script, event-handler, ``javascript:`` and heading injections in every text field of ``data/``."""
    for name, columns in CSV_TEXT_COLUMNS.items():
        plant_csv(data_dir / name, columns, PLANTED_OPTION)
    survey = yaml.safe_load((data_dir / "survey.yml").read_text(encoding="utf-8"))
    (data_dir / "survey.yml").write_text(yaml.safe_dump(plant_yaml(survey), allow_unicode=True), encoding="utf-8")


def digests(root: Path, folders: tuple[str, ...]) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A copy of the repository whose data/ is the fixture with text planted in it, the XA report built by
    the runner, and the site rendered."""
    copy = copy_repository(tmp_path_factory.mktemp("fourth") / "repo")
    shutil.rmtree(copy / "data")
    shutil.copytree(FIXTURE, copy / "data")
    plant(copy / "data")
    data = load_survey_data(copy / "data")  # the planted data pass validation: the report and site must cope
    assert MARK in data.survey.title and MARK in data.wording("us_impression", CODE)
    before = digests(copy, OTHER_OUTPUTS)
    result = run_build(copy, "--country", CODE)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (copy / "before.json").write_text(repr(before), encoding="utf-8")
    site.build_site(copy)
    return copy


def test_the_fourth_country_gets_a_report_with_no_code_change(built):
    notebooks = sorted(p.name for p in (built / "reports" / CODE / "notebooks").glob("*.ipynb"))
    assert notebooks == sorted(p.name for p in (built / "notebooks").glob("*.ipynb"))
    summary = (built / "reports" / CODE / "summary.md").read_text(encoding="utf-8")
    title = summary.splitlines()[0]  # title and name as data give them (each with its planted text, escaped)
    assert title.startswith("# First Japan–U.S.–Korea Public Perception Survey ") and ": Examplestan " in title
    assert (built / "figures" / CODE / "comparisons" / "overview.svg").exists()
    nb = nbformat.read(built / "reports" / CODE / "notebooks" / "bilateral_relations.ipynb", as_version=4)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    index = (built / site.SITE_DIR / site.INDEX).read_text(encoding="utf-8")  # the site counts the publics
    assert "Every figure of the four publics" in index and "the three publics" not in index
    assert "<h1>Toplines of the four publics</h1>" in (built / site.SITE_DIR / "toplines" / "all.html").read_text(
        encoding="utf-8"
    )


def test_the_other_countries_outputs_are_untouched(built):
    before = eval((built / "before.json").read_text(encoding="utf-8"))
    after = digests(built, OTHER_OUTPUTS)
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


def test_planted_text_is_escaped_in_the_summary_markdown(built):
    """summary.md rendered as a Markdown viewer would (raw HTML allowed): the planted text is text."""
    import mistune

    text = (built / outputs.summary_file(CODE)).read_text(encoding="utf-8")
    rendered = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "url"])(text)
    assert MARK in rendered and "&lt;script&gt;window.__planted" in rendered
    for element in ("<script", '<img src="x"', "<img src=x", 'href="javascript:'):
        assert element not in rendered, element
    assert not re.search(rf"<h\d[^>]*>\s*{MARK}", rendered), "a heading from data"


@pytest.mark.parametrize("width", WIDTHS)
def test_planted_text_never_runs_and_shows_as_text(built, tmp_path, width):
    out = (built / site.SITE_DIR).resolve()
    names = sorted(out.rglob("*.html"))
    assert {p.relative_to(out).as_posix() for p in names} >= set(PLANTED_PAGES)
    found = {}
    with browser_context(tmp_path, width) as context:
        tab = context.new_page()
        dialogs = []
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in names:
            tab.goto(path.as_uri(), wait_until="load")
            found[path.relative_to(out).as_posix()] = tab.evaluate(
                """(mark) => ({
                  ran: window.__planted || null,
                  scripts: document.scripts.length,
                  handlers: [...document.querySelectorAll('*')]
                    .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                  js_links: [...document.querySelectorAll('a[href]')]
                    .filter(a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
                  planted_elements: [...document.querySelectorAll('img, a, h1, h2, h3, h4')]
                    .filter(e => (/^H[1-4]$/.test(e.tagName) && e.textContent.trim().startsWith(mark))
                                 || (e.tagName === 'IMG' && e.getAttribute('src') === 'x')
                                 || (e.tagName === 'A' && e.textContent.trim() === mark + '-link')).length,
                  shown: (document.body.innerText.match(/<script>window\\.__planted/g) || []).length,
                })""",
                MARK,
            )
    assert not dialogs
    for name, f in found.items():
        assert f["ran"] is None, f"{name}: planted script ran ({f['ran']})"
        assert f["scripts"] == 0 and f["handlers"] == 0 and f["js_links"] == 0, f"{name}: {f}"
        assert f["planted_elements"] == 0, f"{name}: an element from data: {f}"
    for name in PLANTED_PAGES:
        assert found[name]["shown"] > 0, f"{name}: the planted text is not shown as text"
