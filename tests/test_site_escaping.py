"""Text planted in ``data/`` (script, event-handler, ``javascript:`` and heading injections in every text
field) shows as text in the summary, the notebooks and every site page, and never runs (headless Chromium)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from browser import browser_context
from repo_copy import copy_repository, run_build

from helpers import outputs, site
from helpers.data import load_survey_data

pytestmark = pytest.mark.slow


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
YAML_TEXT_KEYS = {"title", "short", "publisher", "disclosed", "label", "name", "population", "questionnaire"}
PLANTED_OPTION = ("us_favorable_reasons", "leads on the world stage")


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


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A copy of the repository whose data carry injections in every text field: the runner builds Japan's
    report (it shows every kind of text field), then the site is rendered from it."""
    root = copy_repository(tmp_path_factory.mktemp("planted") / "repo")
    plant(root / "data")
    data = load_survey_data(root / "data")  # the planted data pass validation: the site must cope
    assert MARK in data.survey.title and MARK in data.wording("us_impression", "JP")
    result = run_build(root, "--country", "JP")
    assert result.returncode == 0, f"Japan's notebooks failed with planted data:\n{result.stderr[-3000:]}"
    site.build_site(root)
    return root


def test_planted_text_is_escaped_in_the_summary_markdown(planted):
    """summary.md rendered as a Markdown viewer would (raw HTML allowed): the planted text is text."""
    import mistune

    text = (planted / outputs.summary_file("JP")).read_text(encoding="utf-8")
    rendered = mistune.create_markdown(escape=False, plugins=["table", "strikethrough", "url"])(text)
    assert MARK in rendered and "&lt;script&gt;window.__planted" in rendered
    for element in ("<script", '<img src="x"', "<img src=x", 'href="javascript:'):
        assert element not in rendered, element
    assert not re.search(rf"<h\d[^>]*>\s*{MARK}", rendered), "a heading from data"


@pytest.mark.parametrize("width", WIDTHS)
def test_planted_text_never_runs_and_shows_as_text(planted, tmp_path, width):
    out = (planted / site.SITE_DIR).resolve()
    names = sorted(out.rglob("*.html"))
    assert {p.relative_to(out).as_posix() for p in names} >= {site.INDEX, "JP/summary.html",
                                                             "JP/notebooks/bilateral_relations.html",
                                                             "toplines/JP.html"}  # fmt: skip
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
    for name in (site.INDEX, "JP/summary.html", "JP/notebooks/bilateral_relations.html", "toplines/JP.html"):
        assert found[name]["shown"] > 0, f"{name}: the planted text is not shown as text"
