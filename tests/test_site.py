"""The report site (helpers.site): built into scratch copies of the repository, never into reports/site/.

The browser test loads every page in headless Chromium (:mod:`browser`) and checks what a reader would notice,
at desktop and phone width: broken images or links, console errors, horizontal scrolling, numbers broken
across lines, charts too small to read, developer controls. Text planted in ``data/`` is checked in
``test_fourth_country.py``; the committed notebooks in JupyterLab in ``test_jupyterlab_charts.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import markupsafe
import nbformat
import pandas as pd
import pytest
from browser import browser_context, chart_outputs

from helpers import charts, escape, outputs, pages, paths, site, toplines
from helpers.charts import style
from helpers.data import load_survey_data
from helpers.tables import published_deff

WIDTHS = (1280, 390)
# A page longer than about twenty-five desktop screens is a page a reader will not read to the end.
PAGE_HEIGHT_LIMIT = 25_000
# Pages link their charts and share one stylesheet, so none needs more than this.
PAGE_BYTES_LIMIT = 150_000
# The smallest text of a chart, in CSS pixels, as a page shows it (the chart's smallest font at its DPI,
# scaled by the image's displayed width over its natural width).
MIN_CHART_TEXT_PX = 9
NOTE_COLUMN_MIN_PX = 120  # the last column of a wide table: lines of two or three words at least
PHONE_MAX_PX = 560  # the site's narrow layout (site.css)
CHART_TEXT_PX = style.SMALL_SIZE / 72 * style.DPI

pytestmark = pytest.mark.slow


def copy_inputs(dest: Path, countries: tuple[str, ...] | None = None) -> Path:
    """A scratch repository holding what the site reads: data/, figures/, reports/ (not site/), LICENSE…"""
    root = paths.ROOT
    shutil.copytree(root / "data", dest / "data")
    ignore = shutil.ignore_patterns("site", ".ipynb_checkpoints")
    for folder in ("figures", "reports"):
        for child in sorted((root / folder).iterdir()) if (root / folder).is_dir() else []:
            if child.name == "site" or (countries and child.name not in countries):
                continue
            if child.is_dir():
                shutil.copytree(child, dest / folder / child.name, ignore=ignore)
    for name in site.REPOSITORY_FILES.values():
        if (root / name).is_file():
            shutil.copy(root / name, dest / name)
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


# ----------------------------------------------------------------------------------------------- build


def test_pages_of_each_public(built):
    out = built / site.SITE_DIR
    data = load_survey_data(built / "data")
    for code in data.countries():
        model = json.loads((built / outputs.summary_model_file(code)).read_text(encoding="utf-8"))
        assert (out / code / "summary.html").is_file()
        assert (out / "toplines" / f"{code}.html").is_file() and (built / outputs.toplines_file(code)).is_file()
        for c in model["categories"]:
            page = out / code / "notebooks" / f"{Path(c['notebook']).stem}.html"
            assert page.is_file() == (c["count"] > 0), f"{page}: a page exactly when the category has figures"
        # one summary page per public: the summary notebook is the summary's twin, not a second page
        assert not (out / code / "notebooks" / f"{outputs.SUMMARY_NOTEBOOK}.html").exists()
    assert (out / site.INDEX).is_file() and (out / site.STYLESHEET).is_file()
    assert (out / "toplines" / "all.html").is_file() and (out / "toplines" / "all.csv").is_file()


def test_a_notebook_page_names_its_public_in_its_heading(built):
    page = (built / site.notebook_page("KR", "security")).read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert heading.startswith("South Korea: Security"), heading
    assert page.count("<h1") == 1


def test_every_page_of_a_public_links_its_methodology(built):
    out = built / site.SITE_DIR
    for code in load_survey_data(built / "data").countries():
        summary = (out / code / "summary.html").read_text(encoding="utf-8")
        assert 'id="methodology"' in summary
        pages = [out / code / "summary.html", out / "toplines" / f"{code}.html", *(out / code).glob("notebooks/*.html")]
        for page in pages:
            nav = page.read_text(encoding="utf-8").split('<nav class="pages"', 1)[1].split("</nav>", 1)[0]
            target = os.path.relpath(out / code / "summary.html", page.parent).replace(os.sep, "/")
            assert f'<a href="{target}#methodology">Methods</a>' in nav, page


def test_the_index_says_how_it_was_done_and_how_to_cite(built):
    index = (built / site.SITE_DIR / site.INDEX).read_text(encoding="utf-8")
    data = load_survey_data(built / "data")
    for code in data.countries():
        section = index.split(f'id="{code}"', 1)[1].split("</section>", 1)[0]
        c = data.country(code)
        assert "How we did this" in section and f"n = {c.n:,}" in section
        assert f"±{c.margin_of_error} points" in section and "simple random sample of this size" in section
        assert f'href="toplines/{code}.html"' in section and f'href="../{code}/toplines.csv"' in section
    assert "Cite as:" in index and 'href="toplines/all.csv"' in index
    for name in site.REPOSITORY_FILES.values():
        assert f'href="../../{name}"' in index, name


def test_the_data_page_links_each_data_file_with_its_size_and_lists_every_source(built):
    page = (built / site.SITE_DIR / site.DATA_PAGE).read_text(encoding="utf-8")
    data = load_survey_data(built / "data")
    for path, contents in paths.DATA_FILE_CONTENTS.items():
        entry = page.split(f'<a href="../../data/{path.name}"><code>{path.name}</code></a>', 1)
        assert len(entry) == 2, f"{path.name} is not linked"
        size = entry[1].split("</dt>", 1)[0]
        if path.suffix == ".csv":
            with (built / "data" / path.name).open(encoding="utf-8", newline="") as f:
                assert f"{len(list(csv.DictReader(f))):,} rows" in size, path.name
        else:
            assert f"{len(data.countries())} publics, {len(data.survey.sources)} sources" in size
        assert str(markupsafe.escape(contents)) in entry[1].split("</dd>", 1)[0]
    assert '<a href="../../data/README.md">' in page
    sources = page.split('id="sources"', 1)[1]
    assert sources.count("<li>") == len(data.survey.sources)
    index = (built / site.SITE_DIR / site.INDEX).read_text(encoding="utf-8")
    assert f'<a href="{site.DATA_PAGE}">data</a>' in index and 'href="../../data"' not in index


def test_the_data_page_comes_from_the_data_alone(tmp_path):
    """No summary needed: a checkout with no report yet still lists every source; a blank line is no row."""
    root = copy_inputs(tmp_path / "repo", countries=())
    data = load_survey_data(root / "data")
    with (root / "data" / "waves.csv").open("a", encoding="utf-8") as f:
        f.write("\n")
    body = site.data_body(root, data, f"{site.SITE_DIR}/{site.DATA_PAGE}")
    assert body.split('id="sources"', 1)[1].count("<li>") == len(data.survey.sources)
    with (root / "data" / "waves.csv").open(encoding="utf-8", newline="") as f:
        rows = len(list(csv.DictReader(f)))
    assert f'<code>waves.csv</code></a> <span class="size">{rows:,} rows</span>' in body


def test_rebuild_is_byte_identical(built):
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


def test_pages_show_no_code_parameters_or_api_hints(built):
    for path in sorted((built / site.SITE_DIR).rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for marker in ("cell-input", "Parameters of this run", "Default parameters", "report.show_", "open_report"):
            assert marker not in text, f"{path.name}: {marker}"
        assert "helpers.site" not in text  # no rendering command in the footer


def test_every_chart_links_its_png_svg_and_numbers(built):
    out = built / site.SITE_DIR
    for path in sorted(out.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure class="chart">.*?</figure>', text, flags=re.S):
            src = re.search(r'<img [^>]*src="([^"]+)"', figure).group(1)
            links = dict(re.findall(r'<a href="([^"]+)">(PNG|SVG|CSV)</a>', figure))
            assert sorted(links.values()) == ["CSV", "PNG", "SVG"], f"{path.name}: {figure[:200]}"
            stem = unquote(src)[: -len(".png")]
            for href in links:
                target = (path.parent / unquote(href)).resolve()
                assert target.is_file() and str(target.with_suffix("")).endswith(Path(stem).name), href
            numbers = toplines.read_csv(path.parent / unquote(next(h for h, f in links.items() if f == "CSV")))
            if "/trends/" in stem:  # a series: one row per wave, with its method
                assert {"Year", "Survey", "Organisation", "Mode", "n"} <= set(numbers.columns) and len(numbers)
            else:
                assert list(numbers.columns) == list(toplines.COLUMNS) and len(numbers)


def test_notebook_charts_are_the_charts_their_outputs_name(built):
    page = built / site.notebook_page("KR", "bilateral_relations")
    nb = nbformat.read(built / "reports/KR/notebooks/bilateral_relations.ipynb", as_version=4)
    srcs = re.findall(r'<img [^>]*src="([^"]+)"', page.read_text(encoding="utf-8"))
    named = [o["metadata"]["figure"] for o in chart_outputs(nb)]
    assert len(srcs) == len(named) > 0
    for src, stem in zip(srcs, named):
        assert (page.parent / unquote(src)).resolve() == (built / f"{stem}.png").resolve()


def test_the_site_reads_the_summary_model_not_the_markdown(small):
    site.build_site(small)
    before = tree(small / site.SITE_DIR)
    (small / outputs.summary_file("KR")).write_text("# Not a summary\n\n## Headlines\n\n- planted\n", encoding="utf-8")
    assert site.build_site(small) == [] and tree(small / site.SITE_DIR) == before
    model_file = small / outputs.summary_model_file("KR")
    model = json.loads(model_file.read_text(encoding="utf-8"))
    model["headlines"][0]["headline"] = "A headline changed in the model."
    model_file.write_text(pages.summary_json(model), encoding="utf-8")
    site.build_site(small)
    for page in ("KR/summary.html", site.INDEX):
        assert "A headline changed in the model." in (small / site.SITE_DIR / page).read_text(encoding="utf-8")


def test_links_between_notebooks_point_at_pages(small):
    add_markdown_cell(
        small,
        "reports/KR/notebooks/security.ipynb",
        "See [relations](bilateral_relations.ipynb#Key-findings) and [the data](../../../data/survey.yml).",
    )
    site.build_site(small)
    page = (small / site.notebook_page("KR", "security")).read_text(encoding="utf-8")
    assert 'href="bilateral_relations.html#Key-findings"' in page
    assert 'href="../../../../data/survey.yml"' in page


def test_a_broken_link_stops_the_build_and_leaves_the_site_alone(small):
    site.build_site(small)
    before = tree(small / site.SITE_DIR)
    add_markdown_cell(small, "reports/KR/notebooks/security.ipynb", "[gone](no_such_notebook.ipynb)")
    with pytest.raises(site.SiteError, match=r"reports/KR/notebooks/security\.ipynb: link 'no_such_notebook"):
        site.build_site(small)
    assert tree(small / site.SITE_DIR) == before


def test_an_image_output_without_its_charts_name_is_an_error(small):
    source = small / "reports/KR/notebooks/bilateral_relations.ipynb"
    nb = nbformat.read(source, as_version=4)
    del chart_outputs(nb)[0]["metadata"]["figure"]
    nbformat.write(nb, source)
    with pytest.raises(site.SiteError) as error:
        site.build_site(small)
    assert re.search(
        r"bilateral_relations\.ipynb: cell \d+, output \d+: an image without the name of its chart", str(error.value)
    )
    assert not (small / site.SITE_DIR).exists()


def test_toplines_list_every_published_figure_as_published(built):
    data = load_survey_data(built / "data")
    every = toplines.read_csv(built / site.SITE_DIR / "toplines" / "all.csv")
    assert list(every.columns) == list(toplines.COLUMNS)
    assert not every.duplicated(["country", "question_id", "answer", "kind", "measure"]).any()
    shown = set(zip(every["country"], every["question_id"], every["percent"]))
    for row in data.toplines.itertuples():
        assert (row.country, row.question_id, row.percent_text) in shown, row
    remainders = every[every["kind"] == "not published"]
    assert len(remainders) and (remainders["ci_low"] == "").all()
    for code in data.countries():
        own = toplines.read_csv(built / outputs.toplines_file(code))  # as the summary notebook wrote it
        assert own.equals(every[every["country"] == code].reset_index(drop=True))


def test_an_unconfirmed_figure_is_marked_unconfirmed_in_the_toplines_with_no_interval(built):
    data = load_survey_data(built / "data")
    every = toplines.read_csv(built / site.SITE_DIR / "toplines" / "all.csv")
    unconfirmed = data.toplines[data.toplines["status"] == "unconfirmed"]
    assert len(unconfirmed), "the data has no unconfirmed figure to check"
    marked = every[every["kind"] == "unconfirmed"]
    assert set(zip(marked["country"], marked["question_id"], marked["percent"])) == set(
        zip(unconfirmed["country"], unconfirmed["question_id"], unconfirmed["percent_text"])
    )
    assert (marked["ci_low"] == "").all()
    page = (built / site.SITE_DIR / "toplines" / "all.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="kind-unconfirmed"><td>[^<]*<span class="kind">\(unconfirmed\)</span>', page)
    assert len(rows) == len(marked)


def test_the_combined_toplines_lead_back_to_the_list_of_publics_after_each_one(built):
    page = (built / site.SITE_DIR / "toplines" / "all.html").read_text(encoding="utf-8")
    assert re.search(r'<nav class="countries" id="publics"', page)
    codes = load_survey_data(built / "data").countries()
    sections = re.split(r'<h2 class="public-heading" id="[A-Z]{2}">', page)[1:]
    assert len(sections) == len(codes)
    for section in sections:
        assert section.count('<a href="#publics">') == 1, "one link back, after the public's last question"
        assert section.rindex('<a href="#publics">') > section.rindex('<section class="topline">')


def test_csv_cells_that_a_spreadsheet_would_run_are_defused():
    frame = pd.DataFrame({"answer": ["=1+1", "+A1", "-2", "@SUM(A1)", "\tx", "\rx", "ok", "x=1"]})
    cells = [row[0] for row in csv.reader(io.StringIO(toplines.to_csv(frame)))][1:]
    assert cells == ["'=1+1", "'+A1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "ok", "x=1"]


def test_markdown_escaping_keeps_text_as_text():
    planted = "<script>x</script> [a](javascript:y) *b* _c_ `d` # e | f ~~g~~ &amp;"
    assert escape.markdown_text(planted) == (
        r"\<script\>x\</script\> \[a\](javascript:y) \*b\* \_c\_ \`d\` \# e \| f \~\~g\~\~ \&amp;"
    )
    assert escape.markdown_text("line one\n## heading") == r"line one \#\# heading"
    assert escape.markdown_text("- item") == r"\- item" and escape.markdown_text("1. item") == r"1\. item"
    assert escape.markdown_text("40.5% said") == "40.5% said"  # numbers stay as they are
    assert escape.markdown_sentence("*kept* <b>") == r"*kept* \<b\>"
    assert str(escape.html_sentence("**a** *b* <i>")) == "<strong>a</strong> <em>b</em> &lt;i&gt;"


def test_a_source_address_is_a_link_only_when_http_and_never_breaks_out():
    url = "https://example.org/a b(c)\"d'<e>\\f?x=1&y=2#z"
    assert escape.web_address(url) == "https://example.org/a%20b%28c%29%22d%27%3Ce%3E%5Cf?x=1&y=2#z"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//example.org", "not recorded"):
        with pytest.raises(ValueError, match="not an http"):
            escape.web_address(bad)
    model = {"label": "L", "title": "T [x](javascript:y)", "url": url, "url_note": "", "publisher": "", "date": "d"}
    model["note"] = "<b>N</b>"
    md = (
        pages.markdown_env()
        .from_string("{% import 'summary_sections.md.j2' as s %}{{ s.sources({'sources': [m]}) | md }}")
        .render(m=model, here="")
    )
    assert md.strip() == f"- L: [T \\[x\\](javascript:y)]({escape.web_address(url)}), d. \\<b\\>N\\</b\\>"
    html = pages.html_env().from_string("{% import 'macros.html.j2' as ui %}{{ ui.sources({'sources': [m]}) }}")
    item = html.render(m=model).split("<li>")[1].split("</li>")[0]
    href = escape.web_address(url).replace("&", "&amp;")
    assert item == f'L: <a href="{href}">T [x](javascript:y)</a>, d. &lt;b&gt;N&lt;/b&gt;'


def test_committed_site_is_what_the_build_makes_now(built):
    committed = paths.ROOT / site.SITE_DIR
    assert committed.is_dir(), f"{site.SITE_DIR}/ is not committed (make site writes it)"
    assert tree(committed) == tree(built / site.SITE_DIR), "run make site and commit reports/site/"


# --------------------------------------------------------------------------------------------- browser


PAGE_FACTS = r"""() => {
  const norm = t => t.replace(/\s+/g, ' ').trim();
  const lines = e => {
    const r = document.createRange();
    r.selectNodeContents(e);
    return new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size;
  };
  return {
    height: document.documentElement.scrollHeight,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    images: [...document.images].map(i => ({src: i.getAttribute('src'), url: i.src, natural: i.naturalWidth,
                                             shown: i.getBoundingClientRect().width,
                                             visible: i.checkVisibility() && i.getBoundingClientRect().height > 0})),
    links: [...document.querySelectorAll('a[href], link[href]')]
      .map(a => ({href: a.getAttribute('href'), url: a.href})),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    numbers: [...document.querySelectorAll('td.num, .nobr')].filter(e => e.offsetParent)
      .map(e => ({text: norm(e.textContent), lines: lines(e)})),
    headlines: [...document.querySelectorAll('ul.headlines li')].map(li => norm(li.innerText)),
    sections: Object.fromEntries([...document.querySelectorAll('section.country')].map(s => [s.id, norm(s.innerText)])),
    code: document.querySelectorAll('pre code, .cell-input, .input_area, .highlight').length,
    // tables of four columns or fewer (an answer, its figure, interval and note) that need a swipe
    wide_tables: [...document.querySelectorAll('.table-frame, .output_html')]
      .filter(f => { const r = f.querySelector('tr'); return r && r.children.length <= 4; })
      .filter(f => f.scrollWidth > f.clientWidth + 1).length,
    // the last column of a table of five or more (a comparison's notes), which swipes anyway: its width
    last_columns: [...document.querySelectorAll('tr')].filter(r => r.children.length >= 5 && r.offsetParent)
      .map(r => r.lastElementChild.getBoundingClientRect().width),
  };
}"""


def has_anchor(fragment: str, ids: set[str]) -> bool:
    """Whether a fragment finds an element the way a browser does (as written, then percent-decoded)."""
    return not fragment or fragment in ids or unquote(fragment) in ids


def file_of(url: str) -> Path:
    return Path(url2pathname(urlsplit(url).path))


def visit(context, pages_: list[Path], out: Path) -> tuple[dict, list[str]]:
    facts, problems = {}, []
    tab = context.new_page()
    current = {}
    tab.on("console", lambda m: m.type == "error" and problems.append(f"{current['name']}: console: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"{current['name']}: page error: {e}"))
    tab.on("requestfailed", lambda r: problems.append(f"{current['name']}: failed to load {r.url}"))
    tab.on("dialog", lambda d: (problems.append(f"{current['name']}: a script opened a dialog"), d.dismiss()))
    for path in pages_:
        current["name"] = path.relative_to(out).as_posix()
        tab.goto(path.as_uri(), wait_until="load")
        tab.evaluate(
            "async () => { for (const i of document.images) "
            "{ i.loading = 'eager'; await i.decode().catch(() => {}); } }"
        )
        facts[current["name"]] = tab.evaluate(PAGE_FACTS)
    return facts, problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_in_chromium(built, tmp_path, width):
    out = (built / site.SITE_DIR).resolve()
    with browser_context(tmp_path, width) as context:
        facts, problems = visit(context, sorted(out.rglob("*.html")), out)
    assert not problems, "\n".join(problems)

    ids_of = {name: set(f["ids"]) for name, f in facts.items()}
    reached = set()
    for name, f in facts.items():
        assert f["overflow"] <= 0, f"{name}: {f['overflow']} px of horizontal scrolling at {width} px"
        assert f["height"] < PAGE_HEIGHT_LIMIT * (1 if width > 1000 else 2.5), f"{name}: {f['height']:,} px tall"
        assert f["code"] == 0, f"{name}: shows code"
        assert f["wide_tables"] == 0, f"{name}: {f['wide_tables']} table(s) of four columns need a swipe at {width} px"
        # on a phone, never a word or two per line (a desktop gives a short note the width it needs)
        narrow = [w for w in f["last_columns"] if w < NOTE_COLUMN_MIN_PX and width < PHONE_MAX_PX]
        assert not narrow, f"{name}: the last column of a wide table is {min(narrow, default=0):.0f} px at {width} px"
        for img in f["images"]:
            assert img["natural"] > 0 and img["visible"], f"{name}: chart not shown: {img['src']}"
            text_px = img["shown"] / img["natural"] * CHART_TEXT_PX
            assert text_px >= MIN_CHART_TEXT_PX, f"{name}: chart text {text_px:.1f} px at {width} px: {img['src']}"
        for n in f["numbers"]:
            assert n["lines"] == 1, f"{name}: number broken across lines: {n['text']}"
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

    # The index carries each public's headlines, as its summary page states them.
    index = facts[site.INDEX]
    for name, f in facts.items():
        if re.fullmatch(r"[A-Z]{2}/summary\.html", name):
            assert f["headlines"], f"{name}: no headlines"
            for line in f["headlines"]:
                assert line in index["sections"][name[:2]], f"index lacks {name[:2]} headline: {line}"


def test_how_we_did_this_says_which_design_effect_the_intervals_use():
    """In words, not "(used: 1.00)": the published margin's design effect, and what the intervals use."""
    data = load_survey_data()
    said = {c: pages.about_model(data, c)["deff_used"] for c in data.countries()}
    for country, text in said.items():
        d = published_deff(data, country)
        assert ("simple random sampling" in text) == d.is_srs and (f"{d.value:.2f}" in text) != d.is_srs, text
    assert len(set(said.values())) >= 2  # the data have publics of both kinds
    for c in data.countries():  # the implied value is still said, beside the one this run assumes
        text = pages.about_model(data, c, 1.5)["deff_used"]
        assert text == (
            f"it implies a design effect of about {published_deff(data, c).implied:.2f}; this run's intervals "
            "assume a design effect of 1.5 (the parameter deff)"
        )


def test_how_we_did_this_says_why_the_charts_name_the_month_only():
    """South Korea's sources give different dates; the U.S. dates are given only for the survey as a whole."""
    data = load_survey_data()
    about = pages.html_env().from_string("{% import 'macros.html.j2' as ui %}{{ ui.about(a, 'August 2025') }}")
    said = {}
    for country in data.countries():
        html = about.render(a=pages.about_model(data, country))
        said[country] = "the charts name the month only" in html
        assert said[country] == (data.country(country).agreed_dates is None)
        assert said[country] == (charts.footer.fieldwork_text(data, country) == data.survey.fieldwork_month)
    assert said == {"JP": False, "KR": True, "US": True}
    assert "The sources give different dates" in about.render(a=pages.about_model(data, "KR"))
    assert "only dates published are for the survey as a whole" in about.render(a=pages.about_model(data, "US"))
    kr = about.render(a=pages.about_model(data, "KR"))  # each range with its source, in no nested brackets
    assert "2025-08-18 to 2025-08-20</span> according to Yankee Times (press report);" in kr and "))" not in kr


def test_how_we_did_this_names_each_institute_in_full_with_the_short_name_the_charts_use():
    data = load_survey_data()
    for country in data.countries():
        c = data.country(country)
        institute = data.survey.institute(c.conductor)
        assert pages.about_model(data, country)["conductor"] == f"{institute.own_name} ({c.conductor})"
        assert "(" not in institute.own_name and institute.name.startswith(institute.own_name)


def test_how_we_did_this_says_how_the_source_of_a_publics_figures_is_read():
    """The U.S. figures come from a KEI page that does not state its sample: said where the U.S. is introduced,
    not only in the list of sources."""
    data = load_survey_data()
    about = pages.html_env().from_string("{% import 'macros.html.j2' as ui %}{{ ui.about(a, 'August 2025') }}")
    for country in data.countries():
        html = about.render(a=pages.about_model(data, country))
        sources = set(data.toplines.loc[data.toplines["country"] == country, "source"])
        noted = [s for s in sources if not data.is_press(s) and data.source(s).note]
        assert ("<dt>Figures</dt>" in html) == bool(noted)
        for s in noted:  # autoescaped, as every value from data
            assert str(markupsafe.escape(data.source(s).note)) in html
    us = about.render(a=pages.about_model(data, "US"))
    assert "KEI: Its page does not state which sample its figures come from." in us
