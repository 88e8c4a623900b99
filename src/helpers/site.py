"""The report as a static site for reviewers: ``python -m helpers.site [--root DIR]`` writes ``reports/site/``.

One page per country's summary (``reports/<C>/summary.md`` rendered with mistune) and per executed notebook
(``reports/<C>/notebooks/<name>.ipynb``, rendered with nbconvert's ``HTMLExporter``), and an index with every
country's headlines and pages. The site tree mirrors the reports tree, so that a link that works between the
sources works between the pages:

=====================================  ============================================
source                                 page
=====================================  ============================================
``reports/<C>/summary.md``             ``reports/site/<C>/summary.html``
``reports/<C>/notebooks/<name>.ipynb``  ``reports/site/<C>/notebooks/<name>.html``
=====================================  ============================================

Choices, so that the site is light, readable from the file system and stable:

- Images are neither copied nor embedded: a notebook's image output whose bytes equal a committed chart under
  ``figures/`` becomes an ``<img>`` linking that file relatively; an image that equals no committed file is an
  error (the notebooks and figures are then out of step: run ``make report``).
- Every relative link (Markdown links, image sources) is resolved against its source file; a link to a
  notebook or summary that has a page is rewritten to that page, a link to another committed file points at
  the file, and a link to a missing file is an error naming the source and the link.
- One small shared stylesheet (``site.css``) instead of nbconvert's inline theme of about 300 KB per page;
  no JavaScript, no fonts or scripts from the network.
- Code inputs are kept (reviewers may want to see which call produced an output, and the parameters of the
  run) but collapsed under a ``<details>`` element, so a page reads as a document.
- Output is byte-identical across rebuilds: nothing depends on time, on absolute paths or on random ids.
  Everything is rendered in memory first; nothing is written when any page fails.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import posixpath
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import jinja2
import mistune
import nbformat
from nbconvert import HTMLExporter

from . import outputs, paths
from .data import DataValidationError, load_survey_data

SITE_DIR = "reports/site"
INDEX = "index.html"
STYLESHEET = "site.css"
TEMPLATES = Path(__file__).with_name("site_templates")
NOTEBOOK_TEMPLATE = "notebook"
FIGURES_DIR = "figures"
FIGURE_MIMETYPES = {"image/png": ".png", "image/svg+xml": ".svg"}
HEADLINES_HEADING = "Headlines"
SUMMARY_LABEL = "Summary report"
SUMMARY_NOTEBOOK = outputs.SUMMARY_NOTEBOOK
FOOTER = (
    "Rendered by python -m helpers.site from the committed summaries, executed notebooks and figures; "
    "every figure is generated from data/ by src/helpers."
)

_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class SiteError(Exception):
    """A source of the site is missing or inconsistent; the message names the file and what is wrong."""


# Until every country's executed notebooks are under reports/<C>/notebooks/, Japan's are the committed
# notebooks/ themselves: used only when reports/<C>/notebooks/ holds no notebook.
LEGACY_NOTEBOOKS_DIRS = {"JP": "notebooks"}


def notebooks_dir(country: str) -> str:
    """Where the executed notebooks of a country are, relative to the repository root."""
    return posixpath.dirname(outputs.executed_notebook(country, SUMMARY_NOTEBOOK))


def find_notebooks_dir(root: Path, country: str) -> str:
    """The folder holding a country's executed notebooks (``notebooks_dir``, else its legacy place)."""
    default = notebooks_dir(country)
    if not any((root / default).glob("*.ipynb")) and country in LEGACY_NOTEBOOKS_DIRS:
        return LEGACY_NOTEBOOKS_DIRS[country]
    return default


summary_source = outputs.summary_file


def summary_page(country: str) -> str:
    return f"{SITE_DIR}/{country}/summary.html"


def notebook_page(country: str, name: str) -> str:
    return f"{SITE_DIR}/{country}/notebooks/{name}.html"


@dataclass
class Page:
    """One page of the site: its source and page paths (relative to the repository root, POSIX)."""

    source: str
    page: str
    title: str
    label: str
    kind: str  # "summary" or "notebook"


@dataclass
class Country:
    code: str
    name: str
    meta: str
    pages: list[Page] = field(default_factory=list)

    @property
    def summary(self) -> Page | None:
        return next((p for p in self.pages if p.kind == "summary"), None)


# ------------------------------------------------------------------------------------------------ plan


def notebook_order(name: str) -> tuple:
    """The summary notebook first, then the categories in codebook order, then any other notebook by name."""
    order = [SUMMARY_NOTEBOOK, *outputs.NOTEBOOK_OF.values()]
    return (order.index(name) if name in order else len(order), name)


def notebook_title(nb, source: str) -> str:
    """The text of the notebook's first level-1 heading (its name when it has none)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                m = _HEADING.match(line)
                if m and len(m.group(1)) == 1:
                    return m.group(2)
    return Path(source).stem.replace("_", " ").capitalize()


def read_notebook(root: Path, source: str):
    try:
        return nbformat.read(root / source, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable files
        raise SiteError(f"{source}: not a readable notebook ({exc})") from exc


def plan_site(root: Path, data, notebook_dirs: dict[str, str] | None = None) -> tuple[list[Country], dict]:
    """Every country with its pages, and the notebooks already read (by source path)."""
    notebook_dirs = notebook_dirs or {}
    countries, notebooks = [], {}
    for code in data.countries():
        c = data.country(code)
        meta = f"n = {c.n:,} · {c.mode} · {data.survey.fieldwork_month}"
        country = Country(code, c.name, meta)
        if (root / summary_source(code)).is_file():
            country.pages.append(
                Page(summary_source(code), summary_page(code), f"Summary: {c.name}", SUMMARY_LABEL, "summary")
            )
        folder = notebook_dirs.get(code) or find_notebooks_dir(root, code)
        found = sorted((root / folder).glob("*.ipynb"), key=lambda p: notebook_order(p.stem))
        labels = {SUMMARY_LABEL}
        for path in found:
            source = f"{folder.rstrip('/')}/{path.name}"
            nb = read_notebook(root, source)
            notebooks[source] = nb
            title = notebook_title(nb, source)
            label = f"{title} notebook" if path.stem == SUMMARY_NOTEBOOK or title in labels else title
            labels.add(label)
            country.pages.append(Page(source, notebook_page(code, path.stem), f"{title}: {c.name}", label, "notebook"))
        countries.append(country)
    return countries, notebooks


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


# ---------------------------------------------------------------------------------------------- figures


def figure_index(root: Path) -> dict[str, list[str]]:
    """sha256 of every committed chart under figures/ → its paths (relative to the root, sorted)."""
    index: dict[str, list[str]] = {}
    for suffix in sorted(set(FIGURE_MIMETYPES.values())):
        for path in sorted((root / FIGURES_DIR).rglob(f"*{suffix}")):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            index.setdefault(digest, []).append(path.relative_to(root).as_posix())
    return index


def output_bytes(output, mimetype: str) -> bytes:
    value = output.data[mimetype]
    if isinstance(value, list):
        value = "".join(value)
    return base64.b64decode(value) if mimetype == "image/png" else value.encode("utf-8")


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (so the page reserves the chart's space before it loads)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def figure_alt(data, figure: str) -> str:
    """Alternative text of a chart: the paraphrased question of the figure's file name when it is one."""
    stem = Path(figure).stem
    wording = data.questions.loc[data.questions["question_id"] == stem, "wording"]
    label = wording.iloc[0] if len(wording) else stem.replace("_", " ")
    return f"Chart: {label}"


def link_figures(nb, source: str, country: str, figures: dict[str, list[str]], data) -> list[str]:
    """Point every image output at its committed file; return the files, in page order."""
    linked = []
    for i, cell in enumerate(nb.cells):
        for j, output in enumerate(cell.get("outputs", [])):
            for mimetype in FIGURE_MIMETYPES:
                if mimetype not in output.get("data", {}):
                    continue
                raw = output_bytes(output, mimetype)
                candidates = figures.get(hashlib.sha256(raw).hexdigest(), [])
                if not candidates:
                    raise SiteError(
                        f"{source}: cell {i + 1}, output {j + 1}: the {mimetype} image equals no "
                        f"committed file under {FIGURES_DIR}/ (notebooks and figures out of step: "
                        "run make report)"
                    )
                own = [f for f in candidates if f.startswith(f"{FIGURES_DIR}/{country}/")]
                figure = (own or candidates)[0]
                size = png_size(raw) if mimetype == "image/png" else None
                site = {
                    "src": outputs.relative(figure, source),
                    "alt": figure_alt(data, figure),
                    "width": size[0] if size else None,
                    "height": size[1] if size else None,
                }
                output.metadata.setdefault("site", {})[mimetype] = site
                del output.data[mimetype]
                output.data[mimetype] = ""  # keep the mimetype so nbconvert picks the image block
                linked.append(figure)
    return linked


def label_inputs(nb) -> None:
    """Name each code cell's collapsed input: the parameters that ran, the defaults they replaced, or code."""
    injected = any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags or ("parameters" in tags and not injected):
            cell.metadata["site_label"] = "Parameters of this run"
        elif "parameters" in tags:
            cell.metadata["site_label"] = "Default parameters (replaced by those of this run, below)"


# ------------------------------------------------------------------------------------------- rendering


def slug(text: str) -> str:
    """GitHub's anchor for a heading, so that ``summary.md#security`` works on GitHub and on the site."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).strip().lower()
    return re.sub(r"\s", "-", re.sub(r"[^\w\- ]", "", text))


class _SummaryRenderer(mistune.HTMLRenderer):
    def __init__(self):
        super().__init__(escape=False)
        self.seen: dict[str, int] = {}

    def heading(self, text: str, level: int, **attrs) -> str:
        anchor = slug(text)
        count = self.seen.get(anchor, 0)
        self.seen[anchor] = count + 1
        anchor = f"{anchor}-{count}" if count else anchor
        return f'<h{level} id="{anchor}">{text}</h{level}>\n'


def markdown_html(text: str) -> str:
    md = mistune.create_markdown(renderer=_SummaryRenderer(), plugins=["table", "strikethrough", "url"])
    return md(text)


def headlines_markdown(text: str, source: str) -> str:
    """The body of the summary's ``Headlines`` section (up to the next heading of its level or higher)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and m.group(2).strip().lower() == HEADLINES_HEADING.lower():
            depth = len(m.group(1))
            body = []
            for rest in lines[i + 1 :]:
                n = _HEADING.match(rest)
                if n and len(n.group(1)) <= depth:
                    break
                body.append(rest)
            if "".join(body).strip():
                return "\n".join(body).strip() + "\n"
            raise SiteError(f"{source}: the '{HEADLINES_HEADING}' section is empty")
    raise SiteError(f"{source}: no '{HEADLINES_HEADING}' heading (the site's index lists its items)")


def notebook_exporter() -> HTMLExporter:
    return HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name=NOTEBOOK_TEMPLATE,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="¶",
    )


def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def page_html(env, *, title: str, page: str, body: str, kind: str, crumbs: list, country: Country | None) -> str:
    nav = []
    if country is not None:
        nav = [(p.label, relative_href(p.page, page), p.page == page) for p in country.pages]
    return env.get_template("page.html.j2").render(
        title=title,
        stylesheet=relative_href(f"{SITE_DIR}/{STYLESHEET}", page),
        body=body,
        kind=kind,
        crumbs=crumbs,
        pages=nav,
        country_name=country.name if country else "",
        footer=FOOTER,
    )


def render_site(root: Path, notebook_dirs: dict[str, str] | None = None) -> dict[str, bytes]:
    """Every file of the site (path relative to ``reports/site``) → its bytes, rendered in memory."""
    root = Path(root)
    try:
        data = load_survey_data(root / "data")
    except DataValidationError as exc:
        raise SiteError(str(exc)) from exc
    countries, notebooks = plan_site(root, data, notebook_dirs)
    routes = {p.source: p.page for c in countries for p in c.pages}
    figures = figure_index(root)
    env, exporter = jinja_env(), notebook_exporter()
    index_page = f"{SITE_DIR}/{INDEX}"
    survey_title = data.survey.title
    files: dict[str, str | bytes] = {}
    cards = []
    for country in countries:
        for p in country.pages:
            crumbs = [
                (survey_title, relative_href(index_page, p.page)),
                (country.name, relative_href(f"{index_page}", p.page) + f"#{country.code}"),
                (p.label, None),
            ]
            if p.kind == "summary":
                body = markdown_html((root / p.source).read_text(encoding="utf-8"))
            else:
                nb = notebooks[p.source]
                link_figures(nb, p.source, country.code, figures, data)
                label_inputs(nb)
                body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(p.source).stem}})
            body = rewrite_urls(body, root, p.source, p.page, routes)
            files[p.page] = page_html(
                env,
                title=f"{p.title} — {survey_title}",
                page=p.page,
                body=body,
                kind=p.kind,
                crumbs=crumbs,
                country=country,
            )
        headlines = ""
        if country.summary is not None:
            source = country.summary.source
            text = headlines_markdown((root / source).read_text(encoding="utf-8"), source)
            headlines = rewrite_urls(markdown_html(text), root, source, index_page, routes)
        cards.append(
            {
                "code": country.code,
                "name": country.name,
                "meta": country.meta,
                "headlines": headlines,
                "pages": [(p.label, relative_href(p.page, index_page)) for p in country.pages],
            }
        )
    names = [data.country_in_text(c.code) for c in countries]
    modes = {str(data.country(c.code).mode) for c in countries}
    fielded = f"Fielded {modes.pop()} in " if len(modes) == 1 else "Fielded in "
    lede = (
        (
            f"{fielded}{', '.join(names[:-1])} and {names[-1]}, {data.survey.fieldwork_month}. For each "
            "country: its headlines, its summary report and its executed notebooks, with every chart, the "
            "numbers behind it and the method."
        )
        if len(names) > 1
        else ""
    )
    body = env.get_template("index_body.html.j2").render(title=survey_title, lede=lede, countries=cards)
    files[index_page] = page_html(
        env, title=survey_title, page=index_page, body=body, kind="index", crumbs=[(survey_title, None)], country=None
    )
    files[f"{SITE_DIR}/{STYLESHEET}"] = (TEMPLATES / STYLESHEET).read_bytes()
    prefix = f"{SITE_DIR}/"
    return {k[len(prefix) :]: (v if isinstance(v, bytes) else v.encode("utf-8")) for k, v in sorted(files.items())}


def write_site(site_dir: Path, files: dict[str, bytes]) -> list[str]:
    """Make ``site_dir`` hold exactly ``files``: write what changed, remove what is no longer produced."""
    changed = []
    for relative, content in files.items():
        path = site_dir / relative
        if path.is_file() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
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


def build_site(root: Path | str | None = None, notebook_dirs: dict[str, str] | None = None) -> list[str]:
    """Render the site of the repository at ``root`` into ``<root>/reports/site``; return the files changed."""
    root = Path(root) if root is not None else paths.ROOT
    files = render_site(root, notebook_dirs)
    return write_site(root / SITE_DIR, files)


def _notebook_dir_arg(value: str) -> tuple[str, str]:
    code, sep, folder = value.partition("=")
    if not sep or not code or not folder:
        raise argparse.ArgumentTypeError(f"expected COUNTRY=FOLDER, got {value!r}")
    return code, folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.site", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=paths.ROOT, help="repository root to read from and write <root>/reports/site into"
    )
    parser.add_argument(
        "--notebooks-dir",
        type=_notebook_dir_arg,
        action="append",
        default=[],
        metavar="COUNTRY=FOLDER",
        help=f"executed notebooks of COUNTRY (default {notebooks_dir('<C>')}), relative to the root",
    )
    args = parser.parse_args(argv)
    try:
        changed = build_site(args.root, dict(args.notebooks_dir))
    except SiteError as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 1
    print(
        f"site: {SITE_DIR}/ is up to date"
        if not changed
        else f"site: {len(changed)} file(s) written or removed under {SITE_DIR}/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
