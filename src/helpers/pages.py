"""The one renderer: every page of the report is laid out here, from the findings, through jinja2 templates.

A **summary model** (:func:`summary_model`) holds what one public's summary says, as plain data: its
headlines, each category's key findings and key chart, the comparisons, the release's wording checked, the
method and the sources; charts are named by their stem (``figures/JP/x``, no extension). Then:

- ``reports/<C>/summary.md`` is the model through ``templates/summary.md.j2`` (:func:`summary_markdown`);
- the summary notebook shows the same template's sections, one macro per cell (:func:`markdown_section`);
- the site's pages are the model through the HTML templates of ``site_templates/`` (:mod:`helpers.site`),
  which reads the model from ``reports/<C>/summary.json`` (:func:`summary_json`), written beside the
  summary by the same run, so the site never reads Markdown back or guesses a chart's file.

Escaping happens in the environments, once per format (:mod:`helpers.escape`): every value a Markdown
template prints is escaped as data text unless it went through the ``sentence`` filter (narrative
sentences: only their ``*emphasis*`` survives) or is a URL made by the ``link`` filter; the HTML
environment autoescapes, and its ``sentence`` filter allows ``<em>``/``<strong>`` only.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from urllib.parse import quote

import jinja2

from . import escape, narrative, outputs, trends
from . import formatting as fmt
from . import vocabulary as voc
from .data import CATEGORIES, NOT_GIVEN_PREFIX, SurveyData
from .memo import by_content
from .tables import PUBLISHED, published_deff

MARKDOWN_TEMPLATES = Path(__file__).with_name("templates")
HTML_TEMPLATES = Path(__file__).with_name("site_templates")
SUMMARY_TEMPLATE = "summary.md.j2"
SECTIONS_TEMPLATE = "summary_sections.md.j2"
MODEL_VERSION = 10  # raised when the model's shape changes: the site refuses a model of another shape


class _MarkdownSafe(str):
    """Markdown that is already escaped (a sentence, a URL): printed as is."""


def _finalize_markdown(value):
    if value is None:
        return ""
    return value if isinstance(value, _MarkdownSafe) else escape.markdown_text(value)


def _relative_url(target: str, here: str) -> str:
    return quote(outputs.relative(target, here))


@jinja2.pass_context
def _md_link(context, target: str) -> _MarkdownSafe:
    return _MarkdownSafe(_relative_url(target, context["here"]))


@jinja2.pass_context
def _html_link(context, target: str) -> str:
    return _relative_url(target, context["here"])


def _common(env: jinja2.Environment) -> jinja2.Environment:
    env.filters["capitalise"] = narrative.capitalise
    env.globals["NOTEBOOK_OF"] = outputs.NOTEBOOK_OF
    return env


@functools.cache
def markdown_env() -> jinja2.Environment:
    """Templates of Markdown: every printed value escaped as data text unless marked (``sentence``, ``link``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(MARKDOWN_TEMPLATES)),
        autoescape=False,
        finalize=_finalize_markdown,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["sentence"] = lambda s: _MarkdownSafe(escape.markdown_sentence(s))
    env.filters["link"] = _md_link
    env.filters["address"] = lambda url: _MarkdownSafe(escape.web_address(url))
    env.filters["md"] = _MarkdownSafe  # a macro's output: its values are escaped already
    return _common(env)


@functools.cache
def html_env() -> jinja2.Environment:
    """Templates of HTML: autoescaped; ``sentence`` lets a narrative sentence keep ``<em>``/``<strong>``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HTML_TEMPLATES)),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["sentence"] = escape.html_sentence
    env.filters["link"] = _html_link
    env.filters["address"] = escape.web_address
    return _common(env)


def markdown(source: str, **values) -> str:
    """A short Markdown text from an inline template (a notebook output), escaped like every template."""
    return _inline(source).render(here="", **values).strip()


@functools.cache
def _inline(source: str) -> jinja2.Template:
    return markdown_env().from_string(source)


def markdown_section(section: str, model: dict, here: str) -> str:
    """One section (a macro of ``summary_sections.md.j2``) of a summary model, links relative to ``here``."""
    module = markdown_env().get_template(SECTIONS_TEMPLATE).make_module({"here": here})
    return str(getattr(module, section)(model)).strip()


def summary_markdown(model: dict, here: str) -> str:
    """The whole summary as Markdown, links relative to ``here`` (the summary file's path)."""
    return markdown_env().get_template(SUMMARY_TEMPLATE).render(m=model, here=here).strip() + "\n"


def html_page(template: str, here: str, **values) -> str:
    return html_env().get_template(template).render(here=here, **values)


# ------------------------------------------------------------------------------------------ the model


def finding(f: narrative.Finding) -> dict:
    return {"question_id": f.question_id, "title": f.title, "text": f.text, "headline": f.headline}


def methodology_model(data: SurveyData, confidence: float = 0.95, deff: float | str = PUBLISHED) -> dict:
    """What the methodology says, at the confidence level and design effect the report was computed with."""
    return {
        "title": data.survey.title,
        "fieldwork_month": data.survey.fieldwork_month,
        "elements": [
            {"element": e.element, "text": narrative.disclosure_text(data, e)} for e in data.survey.disclosure
        ],
        "precision": narrative.precision_statement(data, confidence, deff),
        "level": fmt.level(confidence),
        "assumption": fmt.precision_assumption(deff),
        "deff": fmt.deff(deff),
        "headline_rule": narrative.HEADLINE_RULE,
        "rules": [{"word": str(w), "rule": rule} for w, rule in voc.vocabulary_rules(confidence)],
        # the fixed paragraphs, written once for the Markdown and the HTML templates
        "intro": (
            f"{data.survey.title}, {data.survey.fieldwork_month}. The disclosure elements of the AAPOR "
            "Code, as far as the sources disclose them:"
        ),
        "sampling": narrative.precision_caveat(data),
        "intervals": (
            narrative.interval_method(confidence, deff) + " Follow-up questions asked only of a subgroup use the "
            "subgroup's size, estimated from the share giving the qualifying answer (marked “estimated”), because "
            "the sources do not publish it. Gaps between two answers of a one-answer question use the multinomial "
            "variance; gaps between two answers of a question allowing several answers (or not saying how many) "
            "use the largest variance any overlap of the two answers allows, so their tests are cautious; gaps "
            "between publics are independent-sample tests; figures of two publics that measure different things "
            "are not tested."
        ),
        "pairing": (
            "Two publics are compared on the same item about the same subject (Japanese and American views of "
            "South Korea), or on mirror items, each public's view of the other (Japanese views of South Korea and "
            "South Korean views of Japan); no other items about different subjects are paired. "
            + narrative.comparison_rules()
        ),
        "claims_intro": narrative.claims_introduction(confidence),
        "plain_numbers": (
            f"Plain numbers: a share within {voc.IN_TENS_TOLERANCE:g} points of a whole tenth is written "
            "“about four-in-ten”; half is left to the rules above."
        ),
    }


def about_model(data: SurveyData, country: str, deff: float | str = PUBLISHED) -> dict:
    """ "How we did this" for one public: sample, mode, fieldwork dates, published margin and design effect
    (the one its margin implies, or the one a run set: ``deff``)."""
    c = data.country(country)
    institute = data.survey.institute(c.conductor)  # named in full, with the short name charts use
    implied = published_deff(data, country)
    if deff != PUBLISHED:
        used = (
            f"it implies a design effect of about {implied.implied:.2f}; this run's intervals assume a design "
            f"effect of {fmt.deff(deff)} (the parameter deff)"
        )
    elif implied.is_srs:
        used = (
            "to its published precision, that is the margin of a simple random sample of this size, so the "
            "intervals assume simple random sampling"
        )
    else:
        wider = "wider" if implied.value > 1 else "narrower"
        used = (
            f"it is {wider} than the margin of a simple random sample of this size: a design effect of "
            f"{implied.value:.2f}, which the intervals use"
        )
    return {
        "code": country,
        "name": c.name,
        "respondents": data.respondents(country),
        "sample": fmt.base(c.n, False),
        "mode": str(c.mode),
        "conductor": f"{institute.own_name} ({c.conductor})" if institute else c.conductor,
        "dates": [{"dates": f.dates, "source": data.source_label(f.source)} for f in c.fieldwork],
        "dates_caveat": c.dates_caveat,  # why chart footers give the month only ("" when they give the dates)
        "figures_notes": [  # how the primary sources of this public's figures are read (the U.S. sample)
            {"source": data.source_label(sid), "note": data.source(sid).note}
            for sid in dict.fromkeys(data.toplines.loc[data.toplines["country"] == country, "source"])
            if not data.is_press(sid) and data.source(sid).note
        ],
        "margin": f"±{c.margin_of_error}",
        "margin_source": data.source_label(c.margin_of_error_source),
        "deff_used": used,
    }


def trends_model(data: SurveyData, country: str, confidence: float, deff: float | str, figures_dir: str) -> dict:
    """The public's series across earlier waves: the summary's item on each series' latest change, the charts
    and the rules (empty for a public without earlier waves)."""
    items = trends.summary_trend_items(data, country, confidence, deff)
    if not items:
        return {}
    return {
        "intro": "Changes since the latest earlier wave, from other surveys whose methods are stated:",
        "items": [{"title": title, "text": text} for title, text in items],
        "figures": [
            {"title": data.wording(q, country), "figure": trends.trend_figure(country, q, figures_dir)}
            for q in trends.series_of(data, country)
            if trends.charted(data, country, q)
        ],
        "rules": [rule.removeprefix("- ") for rule in trends.methodology_rules().splitlines() if rule.strip()],
    }


@by_content  # each section of the summary notebook, and the summary it writes, share one model
def summary_model(
    data: SurveyData,
    country: str,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
    figures_dir: str = "figures",
    reports_dir: str = "reports",
) -> dict:
    """Everything one public's summary says, as plain data (JSON-ready); charts as stems under ``figures_dir``."""
    data.check_country(country)
    by_category = narrative.findings_by_category(data, country, confidence, deff)
    heads = narrative.headline_findings(data, country, confidence, deff, by_category)
    categories = []
    for category in CATEGORIES:
        findings = by_category[category]
        key = narrative.ranked_findings(data, findings)[: narrative.KEY_FINDINGS_PER_CATEGORY]
        texts, about = narrative.notes_said_once(key)
        categories.append(
            {
                "category": category,
                "notebook": outputs.executed_notebook(country, outputs.NOTEBOOK_OF[category], reports_dir),
                "count": len(findings),
                "findings": [{**finding(f), "text": text} for f, text in zip(key, texts)],
                "about": about,  # the notes every finding listed would repeat, said once
                "unpublished": narrative.unpublished_note(key),  # as the notebook says it, on the findings listed
                "figure": narrative.key_figure(data, country, key[0].question_id, figures_dir) if key else None,
            }
        )
    comparisons = narrative.comparison_findings(data, country, None, confidence, deff)
    claims = narrative.claim_findings(data, country, confidence, deff)
    return {
        "version": MODEL_VERSION,
        "survey": {"title": data.survey.title, "fieldwork_month": data.survey.fieldwork_month},
        "country": country,
        "name": data.country_name(country),
        "in_text": data.country_in_text(country),
        "confidence": confidence,
        "deff": deff,
        "about": about_model(data, country, deff),
        "headlines": [
            {
                **finding(h),
                "category": str(data.question(h.question_id)["category"]),
                "figure": narrative.key_figure(data, country, h.question_id, figures_dir),
            }
            for h in heads
        ],
        "headlines_unpublished": narrative.unpublished_note(heads, what="finding", drawn=False),
        "categories": categories,
        "comparisons": {
            "figure": outputs.comparisons_figure(country, None, figures_dir) if comparisons else None,
            "items": [{"title": title, "text": text} for _, title, text in comparisons],
        },
        "claims": claims,
        "claims_none": "" if claims else narrative.NO_CLAIMS,  # the section is kept: that there are none is news
        "methodology": methodology_model(data, confidence, deff),
        "sensitivity": narrative.sensitivity_statement(data, country, confidence, deff),
        "trends": trends_model(data, country, confidence, deff, figures_dir),
        "sources": sources_model(data),
    }


def sources_model(data: SurveyData) -> list[dict]:
    """The list of sources: each under the name the charts and sentences give it, with its title (a link where
    its address is recorded), its publisher where that name does not say it, its date, and its note."""
    entries = []
    for s in data.survey.sources:
        label = data.source_label(s.id)
        linked = escape.is_web_address(s.url)
        entries.append(
            {
                "label": label,
                "title": s.title,
                "url": s.url if linked else "",
                "url_note": "" if linked else f"address {s.url}",
                "publisher": "" if label.startswith(s.publisher) else s.publisher,
                "date": f"date {s.date}" if s.date.startswith(NOT_GIVEN_PREFIX) else s.date,
                "note": s.note or "",  # how the source is read (the U.S. sample the KEI page is taken for)
            }
        )
    return entries


def summary_json(model: dict) -> str:
    """The model as the site reads it (sorted keys, so the same findings give the same bytes)."""
    return json.dumps(model, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
