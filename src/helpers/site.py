"""The report as a static site for readers, ``reports/site/``: :func:`render_site` renders it as data, which the
runner publishes with the report in one journal (``make site``, ``make report``); :func:`build_site` writes it
straight into a scratch copy of the repository (the tests).

Every page is rendered from data, never from Markdown read back: what the report's run wrote, and ``data/``
itself for the data page:

- ``index.html``: each public's headlines, "how we did this" and pages, the lead chart, how to cite, from the
  summary models (``reports/<C>/summary.json``);
- ``<C>/summary.html``: the same model through the HTML twin of ``summary.md``'s template;
- ``<C>/notebooks/<name>.html``: each category notebook with published figures
  (``reports/<C>/notebooks/<name>.ipynb``) through nbconvert: its outputs, no code;
- ``toplines/<C>.html``, ``toplines/all.html`` and ``.csv``: every figure of ``data/`` at the parameters the
  summary was computed with, from the toplines the summary notebook wrote (``reports/<C>/toplines.csv``,
  which the pages link as each public's CSV);
- ``data.html``: each file of ``data/`` with what it holds (``paths.DATA_FILE_CONTENTS``), its size and a
  link, and every source of ``survey.yml``.

Choices:

- Text from ``data/`` is escaped where it becomes HTML: jinja2's autoescape for the site's own templates
  (:mod:`helpers.pages`); the notebooks escape it where they produce their outputs, and a notebook page is
  then cleaned with bleach's allow-list (:func:`sanitise`). Pages carry no JavaScript.
- A chart output names its chart in its metadata (``figure``: the stem under ``figures/``); the page shows
  the committed PNG and links its PNG, SVG and the CSV of its numbers. An image output without that name is
  an error (notebooks older than the site: run ``make report``).
- A category without published figures for a public has no page; the public's summary says so.
- One small shared stylesheet; output is byte-identical across rebuilds; everything is rendered in memory
  (:func:`render_site`), so nothing is written when any page fails.
"""

from __future__ import annotations

import json
import posixpath
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import bleach
import nbformat
import pandas as pd
from nbconvert import HTMLExporter

from . import escape, narrative, outputs, pages, paths, toplines
from . import formatting as fmt
from . import vocabulary as voc
from .data import DataValidationError, load_survey_data
from .data.files import csv_rows, read_text
from .publish import write_bytes_atomic

SITE_DIR = "reports/site"
INDEX = "index.html"
DATA_PAGE = "data.html"
STYLESHEET = "site.css"
TEMPLATES = pages.HTML_TEMPLATES
NOTEBOOK_TEMPLATE = "notebook"
ALL_TOPLINES = "all"
CHART_FORMATS = ("png", "svg")
FOOTER = (
    "Every figure is transcribed from the sources cited on each page; every chart, table and sentence is "
    "computed from those figures."
)
REPOSITORY_FILES = {"licence": "LICENSE", "citation": "CITATION.cff"}

_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
# A sentence of a notebook's Markdown cell that tells a developer which function to call: kept in the
# notebook, left out of the page (the site is for readers).
_API_HINT = re.compile(r"[^.\n]*`report\.[^`]*`[^.\n]*\.\s*")


# What a notebook page may contain once rendered (bleach's allow-list): text structure, tables, links and
# images; no script, style, form, frame or event handler, and links only to the web or to relative paths.
ALLOWED_TAGS = frozenset(
    "a abbr blockquote br caption code dd details div dl dt em figcaption figure h1 h2 h3 h4 h5 h6 hr img li ol "
    "p pre span strong sub summary sup table tbody td tfoot th thead tr ul".split()
)
ALLOWED_ATTRIBUTES = {
    "*": ["class", "id"],
    "a": ["href", "title"],
    "img": ["src", "alt", "width", "height", "loading"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https"})


class SiteError(Exception):
    """A source of the site is missing or inconsistent; the message names the file and what is wrong."""


def summary_page(country: str) -> str:
    return f"{SITE_DIR}/{country}/summary.html"


def notebook_page(country: str, name: str) -> str:
    return f"{SITE_DIR}/{country}/notebooks/{name}.html"


def toplines_page(country: str) -> str:
    return f"{SITE_DIR}/toplines/{country}.html"


def toplines_csv(country: str) -> str:
    """A public's toplines as the summary notebook wrote them; the site's own file for all publics."""
    return f"{SITE_DIR}/toplines/{country}.csv" if country == ALL_TOPLINES else outputs.toplines_file(country)


@dataclass
class Public:
    """One public on the site: its summary model and the pages it has."""

    code: str
    name: str
    model: dict | None
    toplines: object = None  # the tidy toplines (a DataFrame of text), when written
    notebooks: list[tuple[str, str, str]] = field(default_factory=list)  # (label, source, page)

    def nav(self) -> list[tuple[str, str, str]]:
        """(label, page, fragment) of each of the public's pages, and of its summary's methodology."""
        links = [("Summary", summary_page(self.code), "")] if self.model else []
        links += [(label, page, "") for label, _, page in self.notebooks]
        if self.toplines is not None:
            links.append(("Toplines", toplines_page(self.code), ""))
        if self.model:
            links.append(("Methods", summary_page(self.code), "methodology"))
        return links


# ------------------------------------------------------------------------------------------------ reading


def read_json(root: Path, source: str) -> dict | None:
    path = root / source
    if not path.is_file():
        return None
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SiteError(f"{source}: not a readable summary model ({exc}); run make report") from exc
    if not isinstance(model, dict) or model.get("version") != pages.MODEL_VERSION:
        raise SiteError(f"{source}: written by another version of the report; run make report")
    return model


def read_notebook(root: Path, source: str):
    try:
        return nbformat.read(root / source, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable files
        raise SiteError(f"{source}: not a readable notebook ({exc})") from exc


def plan_site(root: Path, data) -> list[Public]:
    """Every public with the pages it has: a summary when its model exists, a page per category with
    published figures, toplines when written."""
    publics = []
    for code in data.countries():
        model = read_json(root, outputs.summary_model_file(code))
        public = Public(code, data.country_name(code), model)
        if model:  # the toplines the summary notebook wrote, at the parameters of its summary
            source = outputs.toplines_file(code)
            if not (root / source).is_file():
                raise SiteError(f"{source}: missing (the summary notebook writes it); run make report")
            public.toplines = toplines.read_csv(root / source)
        for c in model["categories"] if model else []:
            if not c["count"]:
                continue
            if not (root / c["notebook"]).is_file():
                raise SiteError(f"{c['notebook']}: missing (its summary lists it); run make report")
            name = Path(c["notebook"]).stem
            public.notebooks.append((narrative.capitalise(c["category"]), c["notebook"], notebook_page(code, name)))
        publics.append(public)
    return publics


# ------------------------------------------------------------------------------------------------ links


def relative_href(target: str, page: str) -> str:
    """The relative URL of a repository path as seen from a page (both relative to the root)."""
    return quote(outputs.relative(target, page))


def rewrite_urls(html: str, root: Path, source: str, page: str, routes: dict[str, str]) -> str:
    """Resolve every relative ``href``/``src`` against ``source`` and point it at a page or a committed file."""

    def replace(m: re.Match) -> str:
        url = m.group(2)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path:  # absolute URL, data: URI or "#fragment"
            return m.group(0)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(parts.path)))
        if target.startswith("../") or target == "..":
            raise SiteError(f"{source}: link {url!r} points outside the repository")
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if target in routes:
            return f"{m.group(1)}{relative_href(routes[target], page)}{fragment}{m.group(3)}"
        if not (root / target).exists():
            raise SiteError(f"{source}: link {url!r} points to {target}, which does not exist")
        return f"{m.group(1)}{relative_href(target, page)}{fragment}{m.group(3)}"

    return _URL_ATTRIBUTE.sub(replace, html)


# ---------------------------------------------------------------------------------------------- charts


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (so the page reserves the chart's space before it loads)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def chart_view(root: Path, stem: str, alt: str, page: str, source: str) -> dict:
    """A chart as a page shows it: the committed PNG (its size), and links to its PNG, SVG and numbers."""
    png = f"{stem}.png"
    if not (root / png).is_file():
        raise SiteError(f"{source}: chart {png} does not exist; run make report")
    size = png_size((root / png).read_bytes()) or (None, None)
    files = [(f.upper(), f"{stem}.{f}") for f in CHART_FORMATS] + [("CSV", outputs.figure_numbers(stem))]
    return {
        "src": relative_href(png, page),
        "alt": alt,
        "width": size[0],
        "height": size[1],
        "links": [(label, relative_href(f, page)) for label, f in files if (root / f).is_file()],
    }


def link_charts(nb, root: Path, source: str) -> None:
    """Give every image output the view of the chart its metadata names (``figure``), its links relative to
    the notebook like every other link of it (:func:`rewrite_urls` then points them from the page)."""
    for i, cell in enumerate(nb.cells):
        for j, output in enumerate(cell.get("outputs", [])):
            images = [m for m in output.get("data", {}) if m.startswith("image/")]
            if not images:
                continue
            stem = output.get("metadata", {}).get("figure")
            if not isinstance(stem, str):
                raise SiteError(
                    f"{source}: cell {i + 1}, output {j + 1}: an image without the name of its chart "
                    "(notebook older than the site: run make report)"
                )
            alt = output.get("metadata", {}).get("image/png", {}).get("alt") or "Chart"
            output.metadata["site"] = chart_view(root, stem, alt, source, source)
            output.data = {"image/png": ""}  # nbconvert picks the image block; the page links the file


def reader_cells(nb, public_name: str) -> None:
    """Leave out what is for developers (code, whose outputs stay, and sentences naming a function to call),
    and name the public in the page's title heading ("South Korea: Security")."""
    titled = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _API_HINT.sub("", cell.source).rstrip()
            if not titled and cell.source.startswith("# "):
                cell.source = f"# {escape.markdown_text(public_name)}: {cell.source[2:]}"
                titled = True


# ------------------------------------------------------------------------------------------- rendering


def notebook_exporter() -> HTMLExporter:
    return HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        extra_template_paths=[str(TEMPLATES)],  # the chart macro it shares with the other pages
        template_name=NOTEBOOK_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="¶",
    )


def page_html(*, title: str, page: str, body: str, kind: str, crumbs: list, public: Public | None) -> str:
    nav = [
        (label, relative_href(p, page) + (f"#{fragment}" if fragment else ""), p == page and not fragment)
        for label, p, fragment in (public.nav() if public else [])
    ]
    return pages.html_page(
        "page.html.j2",
        page,
        title=title,
        stylesheet=relative_href(f"{SITE_DIR}/{STYLESHEET}", page),
        body=body,
        kind=kind,
        crumbs=crumbs,
        pages=nav,
        country_name=public.name if public else "",
        footer=FOOTER,
    )


def crumbs_for(survey_title: str, public: Public, label: str, page: str) -> list:
    index = f"{SITE_DIR}/{INDEX}"
    return [
        (survey_title, relative_href(index, page)),
        (public.name, relative_href(index, page) + f"#{public.code}"),
        (label, None),
    ]


def summary_body(root: Path, public: Public, page: str, routes: dict[str, str]) -> str:
    m = public.model
    source = outputs.summary_model_file(public.code)

    def chart(stem: str | None, alt: str) -> dict | None:
        return chart_view(root, stem, alt, page, source) if stem else None

    categories = []
    for c in m["categories"]:
        route = routes.get(c["notebook"])
        categories.append(
            {
                **c,
                "chart": chart(c["figure"], c["findings"][0]["title"]) if c["findings"] else None,
                "href": relative_href(route, page) if route else None,
            }
        )
    return pages.html_page(
        "summary.html.j2",
        page,
        m=m,
        categories=categories,
        comparisons_chart=chart(m["comparisons"]["figure"], "Comparisons with the other publics"),
        trend_charts=[chart(f["figure"], f["title"]) for f in (m.get("trends") or {}).get("figures", [])],
        toplines_href=relative_href(toplines_page(public.code), page) if public.toplines is not None else None,
    )


def toplines_body(publics: list[Public], page: str, title: str) -> str:
    groups = []
    for p in publics:
        if p.toplines is None:
            continue
        questions = []
        for _, rows in p.toplines.groupby("question_id", sort=False):
            first = rows.iloc[0].to_dict()  # read as text: the base as a number, whether it is estimated
            first.update(base_n=int(first["base_n"]), base_estimated=first["base_estimated"] == "True")
            questions.append({"first": first, "rows": rows.to_dict("records")})
        groups.append({"code": p.code, "name": p.name, "questions": questions})
    code = publics[0].code if len(publics) == 1 else ALL_TOPLINES
    return pages.html_page(
        "toplines.html.j2",
        page,
        title=title,
        groups=groups,
        csv_href=relative_href(toplines_csv(code), page),
        several=len(publics) > 1,
        said_kinds=toplines.SAID_KINDS,
    )


def notebook_body(root: Path, exporter, public: Public, source: str, page: str, routes: dict[str, str]) -> str:
    nb = read_notebook(root, source)
    link_charts(nb, root, source)
    reader_cells(nb, public.name)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(source).stem}})
    return rewrite_urls(sanitise(body), root, source, page, routes)


def sanitise(body: str) -> str:
    """A notebook page's body with only the allowed elements and attributes (:data:`ALLOWED_TAGS`): the
    notebooks escape text from data where they produce it, and this makes sure nothing else gets through."""
    return bleach.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def index_body(root: Path, data, publics: list[Public], page: str, routes: dict[str, str]) -> str:
    cards, lead, lead_public = [], None, None
    for p in publics:
        m = p.model
        if m and lead is None and m["comparisons"]["figure"]:
            lead = chart_view(root, m["comparisons"]["figure"], f"{p.name} and the other publics", page, INDEX)
            lead_public = p.name
        cards.append(
            {
                "code": p.code,
                "name": p.name,
                "model": m,
                "summary": relative_href(summary_page(p.code), page) if m else None,
                "pages": [(label, relative_href(pg, page)) for label, _, pg in p.notebooks],
                "toplines": relative_href(toplines_page(p.code), page) if p.toplines is not None else None,
                "toplines_csv": relative_href(toplines_csv(p.code), page) if p.toplines is not None else None,
            }
        )
    files = {k: relative_href(v, page) for k, v in REPOSITORY_FILES.items()}  # committed beside the site
    built = [p for p in publics if p.toplines is not None]
    return pages.html_page(
        "index_body.html.j2",
        page,
        title=data.survey.title,
        fieldwork_month=data.survey.fieldwork_month,
        publics=cards,
        lead=lead,
        lead_public=lead_public,
        every_public=publics_phrase(built) if built else None,
        respondents=fmt.and_list([data.country(p.code).adjective for p in publics]) + " respondents",
        data_page=relative_href(f"{SITE_DIR}/{DATA_PAGE}", page),
        all_toplines=relative_href(toplines_page(ALL_TOPLINES), page) if built else None,
        all_csv=relative_href(toplines_csv(ALL_TOPLINES), page) if built else None,
        files=files,
    )


def _public_pages(root: Path, public: Public, exporter, survey_title: str, routes: dict[str, str]) -> dict[str, str]:
    """One public's pages, by path: its summary, its notebooks and its toplines (those it has)."""
    files: dict[str, str] = {}
    if public.model:
        page = summary_page(public.code)
        files[page] = page_html(
            title=f"{public.name}: summary — {survey_title}",
            page=page,
            body=summary_body(root, public, page, routes),
            kind="summary",
            crumbs=crumbs_for(survey_title, public, "Summary", page),
            public=public,
        )
    for label, source, page in public.notebooks:
        files[page] = page_html(
            title=f"{public.name}: {label} — {survey_title}",
            page=page,
            body=notebook_body(root, exporter, public, source, page, routes),
            kind="notebook",
            crumbs=crumbs_for(survey_title, public, label, page),
            public=public,
        )
    if public.toplines is not None:
        page = toplines_page(public.code)
        title = f"{public.name}: toplines"
        files[page] = page_html(
            title=f"{title} — {survey_title}",
            page=page,
            body=toplines_body([public], page, title),
            kind="toplines",
            crumbs=crumbs_for(survey_title, public, "Toplines", page),
            public=public,
        )
    return files


def data_body(root: Path, data, page: str) -> str:
    """The data page: each data file with what it holds, its size and a link, and every source (from the data)."""
    files = []
    for path, contents in paths.DATA_FILE_CONTENTS.items():
        target = path.relative_to(paths.ROOT).as_posix()
        if path.suffix == ".csv":  # records with a field, as the loader counts them (a blank line is none)
            records = sum(1 for *_, fields in csv_rows(root / target, read_text(root / target)) if fields) - 1
            size = fmt.count_of(records, "row")
        else:
            publics, sources = len(data.countries()), len(data.survey.sources)
            size = f"{fmt.count_of(publics, 'public')}, {fmt.count_of(sources, 'source')}"
        files.append({"name": path.name, "href": relative_href(target, page), "contents": contents, "size": size})
    return pages.html_page(
        "data.html.j2",
        page,
        files=files,
        count=voc.number_in_words(len(files)),
        readme=relative_href(paths.DATA_README.relative_to(paths.ROOT).as_posix(), page),
        m={"sources": pages.sources_model(data)},
    )


def publics_phrase(publics: list[Public]) -> str:
    """ "the three publics"; "Japan" when there is one."""
    return publics[0].name if len(publics) == 1 else f"the {voc.number_in_words(len(publics))} publics"


def _all_toplines_files(publics: list[Public], survey_title: str) -> dict[str, str]:
    """The page and CSV file of every public's toplines together; none when no public has toplines."""
    built = [p for p in publics if p.toplines is not None]
    if not built:
        return {}
    page = toplines_page(ALL_TOPLINES)
    title = f"Toplines of {publics_phrase(built)}"
    return {
        page: page_html(
            title=f"{title} — {survey_title}",
            page=page,
            body=toplines_body(built, page, title),
            kind="toplines",
            crumbs=[(survey_title, relative_href(f"{SITE_DIR}/{INDEX}", page)), (title, None)],
            public=None,
        ),
        toplines_csv(ALL_TOPLINES): toplines.to_csv(pd.concat([p.toplines for p in built], ignore_index=True)),
    }


def render_site(root: Path) -> dict[str, bytes]:
    """Every file of the site (path relative to ``reports/site``) → its bytes, rendered in memory."""
    root = Path(root)
    try:
        data = load_survey_data(root / "data")
    except DataValidationError as exc:
        raise SiteError(str(exc)) from exc
    publics = plan_site(root, data)
    routes = {source: pg for p in publics for _, source, pg in p.notebooks}
    routes.update({outputs.summary_file(p.code): summary_page(p.code) for p in publics if p.model})
    exporter = notebook_exporter()
    survey_title = data.survey.title
    files: dict[str, str | bytes] = {}
    for p in publics:
        files.update(_public_pages(root, p, exporter, survey_title, routes))
    files.update(_all_toplines_files(publics, survey_title))
    index_page, data_page = f"{SITE_DIR}/{INDEX}", f"{SITE_DIR}/{DATA_PAGE}"
    files[data_page] = page_html(
        title=f"Data — {survey_title}",
        page=data_page,
        body=data_body(root, data, data_page),
        kind="data",
        crumbs=[(survey_title, relative_href(index_page, data_page)), ("Data", None)],
        public=None,
    )
    files[index_page] = page_html(
        title=survey_title,
        page=index_page,
        body=index_body(root, data, publics, index_page, routes),
        kind="index",
        crumbs=[(survey_title, None)],
        public=None,
    )
    files[f"{SITE_DIR}/{STYLESHEET}"] = (TEMPLATES / STYLESHEET).read_bytes()
    prefix = f"{SITE_DIR}/"
    return {k[len(prefix) :]: (v if isinstance(v, bytes) else v.encode("utf-8")) for k, v in sorted(files.items())}


def write_site(site_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Make ``site_dir`` hold exactly ``files``: write what changed, remove what is no longer produced."""
    changed = []
    for relative, content in files.items():
        if write_bytes_atomic(site_dir / relative, content):  # the runner's own write: unchanged files stay
            changed.append(relative)
    if site_dir.is_dir():
        for path in sorted(site_dir.rglob("*"), reverse=True):
            relative = path.relative_to(site_dir).as_posix()
            if path.is_file() and relative not in files:
                path.unlink()
                changed.append(relative)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return changed


def build_site(root: Path | str | None = None) -> list[str]:
    """Render the site of the repository at ``root`` into ``<root>/reports/site``; return the files changed."""
    root = Path(root) if root is not None else paths.ROOT
    files = render_site(root)
    return write_site(root / SITE_DIR, files)
