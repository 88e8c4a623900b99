"""The report site (helpers.site): built into scratch copies of the repository, never into reports/site/.

The browser test loads every page in headless Chromium (Debian's ``chromium`` through Playwright) and checks
what a reviewer would notice: broken images or links, console errors, missing headlines or charts, pages too
long to read. It is skipped when no browser is installed, except under CI (``SITE_BROWSER_REQUIRED=1``, set by
``.ci/run``), where it must run.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import nbformat
import pytest

from helpers import paths, site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_REQUIRED_ENV = "SITE_BROWSER_REQUIRED"
VIEWPORT = {"width": 1200, "height": 900}
# A page longer than about twenty screens at 1,200 px is a page a reviewer will not read to the end.
PAGE_HEIGHT_LIMIT = 20_000
# Pages link their charts and share one stylesheet, so none needs more than this (nbconvert's own template
# inlines about 300 KB of CSS into every page).
PAGE_BYTES_LIMIT = 100_000

pytestmark = pytest.mark.slow


def copy_inputs(dest: Path, countries: tuple[str, ...] | None = None) -> Path:
    """A scratch repository holding what the site reads: data/, figures/, reports/ (not site/), notebooks/."""
    root = paths.ROOT
    shutil.copytree(root / "data", dest / "data")
    ignore = shutil.ignore_patterns("site", ".ipynb_checkpoints")
    for folder in ("figures", "reports"):
        for child in sorted((root / folder).iterdir()) if (root / folder).is_dir() else []:
            if child.name == "site" or (countries and child.name not in countries):
                continue
            if child.is_dir():
                shutil.copytree(child, dest / folder / child.name, ignore=ignore)
    if not countries or set(countries) & set(site.LEGACY_NOTEBOOKS_DIRS):
        shutil.copytree(root / "notebooks", dest / "notebooks", ignore=ignore)
    return dest


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The whole site, built once into a scratch copy of the repository; returns the copy's root."""
    root = copy_inputs(tmp_path_factory.mktemp("site-repo"))
    site.build_site(root)
    return root


@pytest.fixture
def small(tmp_path) -> Path:
    """A scratch repository with South Korea's outputs only (fast to build, safe to damage)."""
    return copy_inputs(tmp_path / "repo", countries=("KR",))


def add_markdown_cell(root: Path, notebook: str, text: str) -> None:
    nb = nbformat.read(root / notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text, id="added-by-test"))
    nbformat.write(nb, root / notebook)


def image_outputs(nb) -> list[bytes]:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                found.append(base64.b64decode(data["image/png"]))
            elif "image/svg+xml" in data:
                found.append(data["image/svg+xml"].encode("utf-8"))
    return found


# ----------------------------------------------------------------------------------------------- build


def test_every_country_and_notebook_has_a_page(built):
    from helpers.data import load_survey_data

    out = built / site.SITE_DIR
    data = load_survey_data(built / "data")
    for code in data.countries():
        if (built / site.summary_source(code)).exists():
            assert (out / code / "summary.html").is_file()
        folder = site.find_notebooks_dir(built, code)
        for nb in (built / folder).glob("*.ipynb"):
            assert (out / code / "notebooks" / f"{nb.stem}.html").is_file(), nb
    assert (out / site.INDEX).is_file() and (out / site.STYLESHEET).is_file()


def test_rebuild_is_byte_identical(built, tmp_path):
    out = built / site.SITE_DIR
    first = tree(out)
    shutil.rmtree(out)
    assert site.build_site(built)  # everything written again
    assert tree(out) == first
    assert site.build_site(built) == []  # and a third run changes nothing


def test_pages_are_light_relative_and_free_of_machine_details(built):
    out = built / site.SITE_DIR
    for path in sorted(out.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(out).as_posix()
        assert len(text.encode()) < PAGE_BYTES_LIMIT, f"{name}: {len(text.encode()):,} bytes"
        assert "data:image" not in text, f"{name} embeds an image"
        assert str(built) not in text and str(paths.ROOT) not in text, f"{name} holds an absolute path"
        assert "<script" not in text, f"{name} runs JavaScript"
        assert re.search(r'<link rel="stylesheet" href="(\.\./)*site\.css">', text), name


def test_image_outputs_link_the_committed_charts(built):
    out = built / site.SITE_DIR
    page = out / "KR" / "notebooks" / "bilateral_relations.html"
    nb = nbformat.read(built / "reports/KR/notebooks/bilateral_relations.ipynb", as_version=4)
    srcs = re.findall(r'<img [^>]*src="([^"]+)"', page.read_text(encoding="utf-8"))
    assert len(srcs) == len(image_outputs(nb)) > 0
    for src, raw in zip(srcs, image_outputs(nb)):
        target = (page.parent / unquote(src)).resolve()
        assert target.is_relative_to((built / "figures" / "KR").resolve()), src
        assert target.read_bytes() == raw


def test_links_between_notebooks_and_summaries_point_at_pages(small):
    add_markdown_cell(
        small,
        "reports/KR/notebooks/summary.ipynb",
        "See [security](security.ipynb#Key-findings) and [the data](../../../data/survey.yml).",
    )
    summary = small / site.summary_source("KR")
    chart = sorted((small / "figures" / "KR").glob("*.png"))[0].name
    summary.write_text(
        summary.read_text(encoding="utf-8") + "\n[Security notebook](notebooks/security.ipynb)\n"
        f"\n![A chart](../../figures/KR/{chart})\n",
        encoding="utf-8",
    )
    site.build_site(small)
    page = (small / site.notebook_page("KR", "summary")).read_text(encoding="utf-8")
    assert 'href="security.html#Key-findings"' in page
    assert 'href="../../../../data/survey.yml"' in page
    summary_html = (small / site.summary_page("KR")).read_text(encoding="utf-8")
    assert 'href="notebooks/security.html"' in summary_html
    assert f'src="../../../figures/KR/{chart}"' in summary_html


def test_summary_headings_get_githubs_anchors():
    html = site.markdown_html("## Economy & trade\n\n## The release's *wording*, checked\n\n## Economy & trade\n")
    assert re.findall(r'id="([^"]+)"', html) == ["economy--trade", "the-releases-wording-checked", "economy--trade-1"]


def test_a_broken_link_stops_the_build_and_leaves_the_site_alone(small):
    site.build_site(small)
    before = tree(small / site.SITE_DIR)
    add_markdown_cell(small, "reports/KR/notebooks/security.ipynb", "[gone](no_such_notebook.ipynb)")
    with pytest.raises(site.SiteError, match=r"reports/KR/notebooks/security\.ipynb: link 'no_such_notebook"):
        site.build_site(small)
    assert tree(small / site.SITE_DIR) == before


def test_an_image_that_is_no_committed_chart_is_an_error(small, capsys):
    chart = next(p for p in sorted((small / "figures" / "KR").rglob("*.svg")))  # the notebooks show the SVGs
    chart.write_bytes(chart.read_bytes() + b"<!-- changed -->")
    assert site.main(["--root", str(small)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"reports/KR/notebooks/\w+\.ipynb: cell \d+, output \d+: the image/svg\+xml image equals no", err)
    assert not (small / site.SITE_DIR).exists()


def test_a_summary_without_headlines_is_an_error(small):
    summary = small / site.summary_source("KR")
    summary.write_text(summary.read_text(encoding="utf-8").replace("## Headlines", "## Highlights"), encoding="utf-8")
    with pytest.raises(site.SiteError, match=r"reports/KR/summary\.md: no 'Headlines' heading"):
        site.build_site(small)


def test_committed_site_is_what_the_build_makes_now(built):
    committed = paths.ROOT / site.SITE_DIR
    assert committed.is_dir(), f"{site.SITE_DIR}/ is not committed (make site writes it)"
    assert tree(committed) == tree(built / site.SITE_DIR), "run make site and commit reports/site/"


# --------------------------------------------------------------------------------------------- browser


def browser_or_skip():
    problems = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        problems.append("the Python package playwright is missing (pip install playwright)")
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (Debian/Ubuntu: apt-get install chromium)")
    if problems:
        message = "no browser for the site check: " + "; ".join(problems)
        if os.environ.get(BROWSER_REQUIRED_ENV):
            pytest.fail(f"{message} ({BROWSER_REQUIRED_ENV} is set, so the check must run)")
        pytest.skip(message)
    return sync_playwright


PAGE_FACTS = r"""() => {
  const heading = [...document.querySelectorAll('h2')].find(h => h.textContent.trim() === 'Headlines');
  const norm = t => t.replace(/\s+/g, ' ').trim();
  const headlines = [];
  for (let e = heading ? heading.nextElementSibling : null; e && !/^H[12]$/.test(e.tagName); e = e.nextElementSibling) {
    const items = e.tagName === 'UL' || e.tagName === 'OL' ? [...e.children] : [e];
    headlines.push(...items.map(i => norm(i.innerText)).filter(t => t));
  }
  return {
    height: document.documentElement.scrollHeight,
    images: [...document.images].map(i => ({src: i.getAttribute('src'), url: i.src, width: i.naturalWidth})),
    links: [...document.querySelectorAll('a[href], link[href]')]
      .map(a => ({href: a.getAttribute('href'), url: a.href})),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    headlines,
    sections: Object.fromEntries([...document.querySelectorAll('section.country')].map(s => [s.id, norm(s.innerText)])),
    styled: getComputedStyle(document.querySelector('main')).maxWidth,
  };
}"""


def has_anchor(fragment: str, ids: set[str]) -> bool:
    """Whether a fragment finds an element the way a browser does (as written, then percent-decoded)."""
    return not fragment or fragment in ids or unquote(fragment) in ids


def file_of(url: str) -> Path:
    return Path(url2pathname(urlsplit(url).path))


def test_every_page_in_chromium(built, tmp_path):
    sync_playwright = browser_or_skip()
    out = (built / site.SITE_DIR).resolve()
    pages = sorted(out.rglob("*.html"))
    facts, problems = {}, []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,
        )
        try:
            tab = context.new_page()
            current = {}
            tab.on("console", lambda m: m.type == "error" and problems.append(f"{current['name']}: console: {m.text}"))
            tab.on("pageerror", lambda e: problems.append(f"{current['name']}: page error: {e}"))
            tab.on("requestfailed", lambda r: problems.append(f"{current['name']}: failed to load {r.url}"))
            for path in pages:
                current["name"] = path.relative_to(out).as_posix()
                tab.goto(path.as_uri(), wait_until="load")
                facts[current["name"]] = tab.evaluate(PAGE_FACTS)
        finally:
            context.close()
    assert not problems, "\n".join(problems)

    ids_of = {name: set(f["ids"]) for name, f in facts.items()}
    reached = set()
    for name, f in facts.items():
        assert f["styled"] == "860px", f"{name}: the stylesheet did not apply"
        assert f["height"] < PAGE_HEIGHT_LIMIT, f"{name}: {f['height']:,} px tall at {VIEWPORT['width']} px"
        for img in f["images"]:
            assert img["width"] > 0, f"{name}: broken image {img['src']}"
        for link in f["links"]:
            href, url = link["href"], link["url"]
            if href.startswith("#"):
                assert has_anchor(href[1:], ids_of[name]), f"{name}: no anchor {href}"
                continue
            if urlsplit(href).scheme:
                continue  # a source's web address: not fetched in tests
            target = file_of(url)
            assert target.exists(), f"{name}: broken link {href}"
            if target.suffix == ".html" and target.is_relative_to(out):
                target_name = target.relative_to(out).as_posix()
                reached.add(target_name)
                assert has_anchor(urlsplit(href).fragment, ids_of[target_name]), f"{name}: no anchor {href}"
    assert reached | {site.INDEX} == set(facts), "pages not linked from any page"

    # Every chart of every notebook is on its page, as the committed file with the same bytes.
    for name, f in facts.items():
        if "/notebooks/" not in name:
            continue
        code, stem = name.split("/")[0], Path(name).stem
        nb = nbformat.read(built / site.find_notebooks_dir(built, code) / f"{stem}.ipynb", as_version=4)
        shown = [file_of(img["url"]).read_bytes() for img in f["images"]]
        # every image output, in order (Markdown cells and outputs may link further committed charts)
        outputs = iter(shown)
        assert all(any(image == seen for seen in outputs) for image in image_outputs(nb)), (
            f"{name}: charts differ from the notebook's image outputs"
        )

    # The index carries each country's headlines, as the summary page states them.
    index = facts[site.INDEX]
    for name, f in facts.items():
        if name.endswith("/summary.html") and "/notebooks/" not in name:
            code = name.split("/")[0]
            assert f["headlines"], f"{name}: no headlines"
            for line in f["headlines"]:
                assert line in index["sections"][code], f"index lacks {code} headline: {line}"
