"""The narrative summary, generated from the data: every number computed, every qualifier from a rule.

Sentences are built from :mod:`helpers.tables` (figures, bases, intervals) and worded by
:mod:`helpers.vocabulary` (a share is "a majority" only when its whole interval is above 50%; a gap is a
"narrow lead" or a "statistical tie" by the interval of the difference). Nothing here types a number.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> print(build_summary(data, "JP"))  # doctest: +SKIP
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from . import vocabulary as voc
from .data import CATEGORIES, SurveyData, check_country, sum_counts_as_single
from .stats import compare_within_question, estimate_design_effect, margin_of_error, wilson_interval
from .tables import (
    NOT_PUBLISHED_LABEL,
    KIND_DERIVED,
    KIND_NET,
    KIND_NOT_PUBLISHED,
    KIND_PUBLISHED,
    base_of,
    decimals_of,
    comparable_items,
    comparison_differences,
    format_base,
    question_row,
    question_table,
    questions_in_category,
)

HEADLINES_PER_CATEGORY = 2
"""How many questions each category contributes to the headline list (those with the largest leading share)."""


# ------------------------------------------------------------------------------------------ formatting

def pct(text: str) -> str:
    """A published figure with its published precision: ``"26.0"`` → ``26.0%``."""
    return f"{text}%"


def level(confidence: float) -> str:
    return f"{confidence * 100:g}%"


MINUS = "−"


def points(value: Decimal | float) -> str:
    """One decimal, with a true minus sign for negative values."""
    return f"{value:.1f}".replace("-", MINUS)


def fmt_deff(deff: float) -> str:
    """A design effect with at least one decimal: 1.0, 1.5, 1.25."""
    text = f"{deff:.2f}"
    return text[:-1] if text.endswith("0") else text


def quoted(option: str) -> str:
    return f"“{option}”"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def gap_text(a: str, b: str) -> str:
    """Exact gap between two published figures, with the precision of the finer one."""
    return f"{Decimal(a) - Decimal(b):.{max(decimals_of(a), decimals_of(b))}f}"


def country_in_text(data: SurveyData, country: str) -> str:
    """The country's name as used inside a sentence ("the United States"; ``name_in_text`` in survey.yml)."""
    c = data.survey["countries"][country]
    return c.get("name_in_text", c["name"])


def respondents(data: SurveyData, country: str) -> str:
    return f"{data.survey['countries'][country]['adjective']} respondents"


# ------------------------------------------------------------------------------------------ units

def answer_units(table: pd.DataFrame, question: pd.Series) -> pd.DataFrame:
    """Mutually exclusive answers of a question to rank and compare, largest first.

    For a scale the sides are taken as their published nets ("in favor", "opposed") where published, and
    options not covered by a net (the midpoint) as themselves. Unconfirmed figures and the unpublished
    remainder are left out.
    """
    rows = table[(table["status"] == "published") & table["kind"].isin([KIND_PUBLISHED, KIND_NET, KIND_DERIVED])]
    if question["question_type"] == "scale":
        nets = rows[rows["kind"] == KIND_NET]
        covered = set()
        for parts in nets["option"]:
            covered.update(net_parts_of(table, parts))
        plain = rows[(rows["kind"] == KIND_PUBLISHED) & ~rows["option"].isin(covered)]
        rows = pd.concat([nets, plain])
    else:
        rows = rows[rows["kind"] == KIND_PUBLISHED]
    return rows.sort_values("percent", ascending=False, kind="stable")


def net_parts_of(table: pd.DataFrame, net_option: str) -> set[str]:
    """The options a net adds up (its ``net_of`` entry)."""
    net_of = table.loc[table["option"] == net_option, "net_of"].iloc[0]
    return set(str(net_of).split(";"))


# ------------------------------------------------------------------------------------------ sentences

def lead_sentence(first: pd.Series, second: pd.Series, n: float, confidence: float, deff: float) -> str:
    """Compare the two largest answers of a single-answer question and word the gap by its interval."""
    d = compare_within_question(first["percent"], second["percent"], n, confidence=confidence, deff=deff)
    word = voc.describe_difference(d)
    a, b = quoted(first["option"]), quoted(second["option"])
    pa, pb = pct(first["percent_text"]), pct(second["percent_text"])
    gap = gap_text(first["percent_text"], second["percent_text"])
    ci = f"{level(confidence)} CI of the gap {points(d.ci_low)} to {points(d.ci_high)}"
    if word == voc.STATISTICAL_TIE:
        return f"{a} ({pa}) and {b} ({pb}) are in a statistical tie: the {gap}-point gap is within sampling error ({ci})."
    if word == voc.NARROW_LEAD:
        return (f"{a} ({pa}) has a narrow lead over {b} ({pb}): the {gap}-point gap is beyond sampling error, "
                f"but could be as small as {points(d.gap_low)} points ({ci}).")
    if word == voc.CLEAR_LEAD:
        return f"{a} ({pa}) has a clear lead over {b} ({pb}), by {gap} points ({ci})."
    return f"{a} ({pa}) leads {b} ({pb}) overwhelmingly, by {gap} points ({ci})."


def share_sentence(row: pd.Series, n: float, confidence: float, deff: float, who: str) -> str:
    """Word a single share by its interval: a large majority, a majority, about half, a minority."""
    low, high = wilson_interval(row["percent"], n, confidence=confidence, deff=deff)
    word = voc.describe_share(row["percent"], n, confidence=confidence, deff=deff)
    return (f"{capitalise(word)} of {who} ({pct(row['percent_text'])}, {level(confidence)} CI "
            f"{points(low)}–{points(high)}) answered {quoted(row['option'])}.")


def describe_question(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                      deff: float = 1.0) -> str | None:
    """One finding for a question asked of everyone in ``country``, or None when it has no figures there."""
    q = question_row(data, question_id)
    table = question_table(data, country, question_id, confidence=confidence, deff=deff)
    if table.empty:
        return None
    n, _ = base_of(data, country, question_id)
    who = respondents(data, country)
    units = answer_units(table, q)
    parts = [f"**{q['wording']}.**"]
    if len(units) >= 2 and sum_counts_as_single(q):
        first, second = units.iloc[0], units.iloc[1]
        parts.append(lead_sentence(first, second, n, confidence, deff))
        word = voc.describe_share(first["percent"], n, confidence=confidence, deff=deff)
        if word != voc.A_MINORITY:
            parts.append(share_sentence(first, n, confidence, deff, who))
    elif len(units) >= 2 and q["answers"] in ("multiple", "up to 2"):
        first = units.iloc[0]
        rest = ", ".join(f"{quoted(r.option)} ({pct(r.percent_text)})" for r in units.iloc[1:].itertuples())
        word = voc.describe_share(first["percent"], n, confidence=confidence, deff=deff)
        parts.append(f"{quoted(first['option'])} was named most often ({pct(first['percent_text'])}, {word}), "
                     f"ahead of {rest}. Several answers were allowed, so the gaps between answers cannot be "
                     "tested without microdata.")
    elif len(units) >= 2:
        listed = ", ".join(f"{quoted(r.option)} {pct(r.percent_text)}" for r in units.itertuples())
        parts.append(f"Published: {listed}. The source does not say whether these come from one "
                     "single-answer question, so the gap is not tested.")
    elif len(units) == 1:
        parts.append(share_sentence(units.iloc[0], n, confidence, deff, who))
    press = [source_name(data, s) for s in dict.fromkeys(table["source"]) if data.is_press(s)]
    if press:
        parts.append(f"Figures from {', '.join(press)}.")
    unconfirmed = table[table["status"] == "unconfirmed"]
    for r in unconfirmed.itertuples():
        parts.append(f"{quoted(r.option)} at {pct(r.percent_text)} is unconfirmed: the source does not let the "
                     "item be identified for certain.")
    if q["options_published"] == "some" and sum_counts_as_single(q) and len(units):
        parts.append("Other answers were not published.")
    return " ".join(parts)


def describe_reasons(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                     deff: float = 1.0) -> str | None:
    """One finding for a follow-up question asked of a subgroup (reasons), per measure published."""
    q = question_row(data, question_id)
    table = question_table(data, country, question_id, confidence=confidence, deff=deff)
    if table.empty:
        return None
    n, estimate = base_of(data, country, question_id)
    sentences = []
    for measure, rows in table.groupby(table["measure"].fillna(""), sort=False):
        rows = rows[(rows["kind"] == KIND_PUBLISHED) & (rows["status"] == "published")]
        rows = rows.sort_values("percent", ascending=False, kind="stable")
        if rows.empty:
            continue
        first = rows.iloc[0]
        text = f"{quoted(first['option'])} came first ({pct(first['percent_text'])})"
        if len(rows) >= 2:
            second = rows.iloc[1]
            text += f", ahead of {quoted(second['option'])} ({pct(second['percent_text'])})"
            answers = data.survey["measures"][measure]["answers"] if measure else q["answers"]
            if sum_counts_as_single(q) and not measure:
                d = compare_within_question(first["percent"], second["percent"], n, confidence=confidence,
                                            deff=deff)
                text += f", a {voc.describe_difference(d)}"
            elif answers == "not disclosed":
                text += "; the answer format is not disclosed, so the gap is not tested"
            else:
                text += "; several answers were allowed, so the gap cannot be tested without microdata"
        if measure:
            label = data.survey["measures"][measure]["label"]
            text = f"in the figures of {source_name(data, first['source'], label)}, " + text
        sentences.append(text)
    if not sentences:
        return None
    base = f"those answering {quoted(str(q['base_option']))} to the previous question"
    return (f"*{q['wording']}* — asked of {base} ({format_base(n, estimate)}): "
            + "; ".join(sentences) + ".")


def source_name(data: SurveyData, source_id: str, detail: str = "") -> str:
    """A source as named in a sentence, its kind and any detail in one parenthesis: ``X (press report; …)``."""
    s = data.source(source_id)
    notes = (["press report"] if data.is_press(source_id) else []) + ([detail] if detail else [])
    return s.get("short", s["publisher"]) + (f" ({'; '.join(notes)})" if notes else "")


def category_findings(data: SurveyData, country: str, category: str, confidence: float = 0.95,
                      deff: float = 1.0) -> list[str]:
    """Findings of one category: each question asked of everyone, followed by its follow-up questions."""
    check_country(data, country)
    qs = data.questions[(data.questions["category"] == category)
                        & data.questions["countries"].map(lambda cs: country in cs)]
    findings = []
    for q in qs.itertuples(index=False):
        if not pd.isna(q.base_question):
            continue
        text = describe_question(data, country, q.question_id, confidence, deff)
        children = data.questions[data.questions["base_question"] == q.question_id]["question_id"]
        follow_ups = [describe_reasons(data, country, c, confidence, deff) for c in children]
        follow_ups = [f for f in follow_ups if f]
        if text:
            findings.append(text + "".join(f"\n  - {f}" for f in follow_ups))
    orphans = qs[qs["base_question"].notna()
                 & ~qs["base_question"].isin(qs.loc[qs["base_question"].isna(), "question_id"])]
    for q in orphans.itertuples(index=False):
        text = describe_reasons(data, country, q.question_id, confidence, deff)
        if text:
            findings.append(text)
    return findings


# ------------------------------------------------------------------------------------------ across items

def comparison_findings(data: SurveyData, country: str, confidence: float = 0.95,
                        deff: float = 1.0) -> list[str]:
    """Every item asked in ``country`` and another country: the gap and whether it is significant."""
    findings = []
    for comparison in comparable_items(data):
        if country not in comparison.countries:
            continue
        diffs = comparison_differences(data, comparison, confidence=confidence, deff=deff)
        q0 = question_row(data, comparison.question_ids[0])
        if comparison.mirrored:
            q1 = question_row(data, comparison.question_ids[1])
            title = (f"{q0['wording']} ({respondents(data, comparison.countries[0])}) vs "
                     f"{q1['wording'][:1].lower() + q1['wording'][1:]} ({respondents(data, comparison.countries[1])})")
        else:
            title = q0["wording"]
        pieces = []
        for r in diffs.itertuples():
            text1, text2 = r.percent_text_1, r.percent_text_2
            adj1 = data.survey["countries"][r.country_1]["adjective"]
            adj2 = data.survey["countries"][r.country_2]["adjective"]
            # the gap is stated as higher minus lower, its interval turned the same way
            if r.diff < 0:
                gap, low, high, higher = gap_text(text2, text1), -r.ci_high, -r.ci_low, adj2
            else:
                gap, low, high, higher = gap_text(text1, text2), r.ci_low, r.ci_high, adj1
            ci = f"{level(confidence)} CI {points(low)} to {points(high)}"
            verdict = (f"{higher} respondents higher by {gap} points, a significant difference ({ci})"
                       if r.significant else f"{voc.NO_SIGNIFICANT_DIFFERENCE} ({gap} points, {ci})")
            pieces.append(f"{quoted(r.option)}: {adj1} {pct(text1)} vs {adj2} {pct(text2)}, {verdict}")
        notes = [str(question_row(data, qid)["note"]) for qid in comparison.question_ids
                 if not pd.isna(question_row(data, qid)["note"])]
        findings.append(f"**{title}.** " + "; ".join(pieces) + "." + "".join(f" Note: {n}" for n in notes))
    return findings


def leading_word(data: SurveyData, country: str, question: pd.Series, confidence: float, deff: float) -> str:
    """How the leading answer of a single-answer question stands: its share word, or for a minority share
    whether it is a plurality or tied.

    Uses :func:`helpers.vocabulary.describe_largest`. The unpublished remainder competes as one answer: if
    the leader is significantly ahead of it, it is ahead of any unpublished option too; if not, it is only
    "the largest published answer".
    """
    qid = question["question_id"]
    table = question_table(data, country, qid, confidence=confidence, deff=deff)
    units = answer_units(table, question)
    n, _ = base_of(data, country, qid)
    percents = dict(zip(units["option"], units["percent"]))
    rest = table[table["kind"] == KIND_NOT_PUBLISHED]
    if len(rest):
        percents[NOT_PUBLISHED_LABEL] = float(rest["percent"].iloc[0])
    top = units.iloc[0]
    share = voc.describe_share(top["percent"], n, confidence=confidence, deff=deff)
    if len(percents) < 2 or share != voc.A_MINORITY:
        return share
    result = voc.describe_largest(percents, n, question["question_type"], confidence=confidence, deff=deff,
                                  answers=question["answers"])
    if result["option"] != top["option"]:  # the remainder is larger than any published answer
        return share
    if result["runner_up"] == NOT_PUBLISHED_LABEL and not result["difference"].significant:
        return "the largest published answer"
    if result["rank_word"].startswith(voc.TIED_WITH):
        return f"{voc.TIED_WITH} {quoted(result['runner_up'])}"
    return result["rank_word"]


def headline_findings(data: SurveyData, country: str, confidence: float = 0.95, deff: float = 1.0) -> list[str]:
    """The headline figures, rounded the way a press summary would ("about 45%").

    Per category, the ``HEADLINES_PER_CATEGORY`` questions asked of everyone whose leading answer has the
    largest share; the share word ("a majority", "about half") still follows the interval rule.
    """
    lines = []
    for category in CATEGORIES:
        candidates = []
        for qid in questions_in_category(data, category, country):
            q_row = question_row(data, qid)
            if not pd.isna(q_row["base_question"]) or not sum_counts_as_single(q_row):
                continue
            units = answer_units(question_table(data, country, qid, confidence=confidence, deff=deff), q_row)
            if units.empty:
                continue
            candidates.append((float(units.iloc[0]["percent"]), q_row, units.iloc[0]))
        candidates.sort(key=lambda c: -c[0])
        for _, q_row, top in candidates[:HEADLINES_PER_CATEGORY]:
            word = leading_word(data, country, q_row, confidence, deff)
            lines.append(f"{q_row['wording']}: {voc.round_for_headline(top['percent_text'])} "
                         f"{quoted(top['option'])} ({word}; {category}).")
    return lines


def figure_of(data: SurveyData, country: str, question_id: str, option: str) -> pd.Series:
    """The published row of one option (a net or a plain option) of the default measure."""
    t = data.toplines
    rows = t[(t["country"] == country) & (t["question_id"] == question_id) & (t["option"] == option)
             & t["measure"].isna()]
    return rows.iloc[0]


CLAIM_READING_TEXT = {
    "tie": "no real gap",
    "lead": "a real gap",
    "narrow lead": "a small but real gap",
    "clear lead": "a clear gap",
    "overwhelming lead": "an overwhelming gap",
    "majority": "more than half",
    "about half": "about half",
}
"""How each reading of the release's words (``implies`` in release_claims.csv) is put in a sentence."""


def claim_holds(implies: str, word: str, significant: bool) -> bool:
    """Whether this report's rule word supports what the release's wording implies."""
    if implies == "tie":
        return word == voc.STATISTICAL_TIE
    if implies == "lead":
        return significant
    if implies == "majority":
        return word in (voc.A_MAJORITY, voc.A_LARGE_MAJORITY)
    if implies == "about half":
        return word == voc.ABOUT_HALF
    return word == implies


def claim_findings(data: SurveyData, country: str, confidence: float = 0.95, deff: float = 1.0) -> list[str]:
    """The release's own wording of its findings (``release_claims.csv``), tested with this report's rules."""
    findings = []
    claims = data.claims[data.claims["country"] == country] if len(data.claims) else data.claims
    for c in claims.itertuples(index=False):
        q = question_row(data, c.question_id)
        n, _ = base_of(data, country, c.question_id)
        a = figure_of(data, country, c.question_id, c.option)
        shown = f"{quoted(c.option)} {pct(a['percent_text'])}"
        if pd.isna(c.versus):
            low, high = wilson_interval(a["percent"], n, confidence=confidence, deff=deff)
            word = voc.describe_share(a["percent"], n, confidence=confidence, deff=deff)
            holds = claim_holds(c.implies, word, False)
            detail = f"{level(confidence)} CI {points(low)}–{points(high)}"
        else:
            b = figure_of(data, country, c.question_id, c.versus)
            shown += f" vs {quoted(c.versus)} {pct(b['percent_text'])}"
            d = compare_within_question(a["percent"], b["percent"], n, confidence=confidence, deff=deff)
            word = voc.describe_difference(d)
            holds = claim_holds(c.implies, word, d.significant)
            detail = f"{level(confidence)} CI of the gap {points(d.ci_low)} to {points(d.ci_high)}"
        verdict = "consistent with the rules" if holds else "**not supported by the rules**"
        findings.append(f"*{q['wording']}* ({shown}): the release says “{c.release_words}” ({c.locator}), "
                        f"read as {CLAIM_READING_TEXT[c.implies]}; the rules here give *{word}* ({detail}): "
                        f"{verdict}.")
    return findings


# ------------------------------------------------------------------------------------------ methods

def precision_statement(data: SurveyData, confidence: float = 0.95, deff: float = 1.0) -> list[str]:
    """AAPOR-style precision statement for online samples, one line per country."""
    lines = []
    for code, c in data.survey["countries"].items():
        n = int(c["n"])
        moe = margin_of_error(n, confidence=confidence, deff=deff)
        published = float(c["margin_of_error"])
        implied = estimate_design_effect(published, n)
        lines.append(
            f"{c['name']} (n = {n:,}): assuming simple random sampling with a design effect of {fmt_deff(deff)}, "
            f"the {level(confidence)} margin of sampling error for a share of 50% is ±{moe:.2f} points. "
            f"The published margin is ±{c['margin_of_error']} points, which corresponds to a design effect "
            f"of about {implied:.2f} at 95% (approximate: published margins are rounded).")
    return lines


def methodology_section(data: SurveyData, confidence: float = 0.95, deff: float = 1.0) -> str:
    """Methodology and disclosure: the eleven AAPOR elements, the precision statement and the rules."""
    out = ["## Methodology and disclosure", "",
           f"{data.survey['title']}, {data.survey['fieldwork_month']}. The eleven disclosure elements of the "
           "AAPOR Code, as far as the sources disclose them:", ""]
    for i, element in enumerate(data.survey["aapor_disclosure"], start=1):
        out.append(f"{i}. **{element['element']}**: {disclosure_text(data, element)}")
    out += ["", "### Precision", "",
            "The samples were drawn online and the sources do not say how they were recruited or weighted: "
            "the figures below describe sampling error only under the stated assumption and leave out "
            "coverage and nonresponse error.", ""]
    out += [f"- {line}" for line in precision_statement(data, confidence, deff)]
    out += ["", f"Each published percentage gets a {level(confidence)} Wilson score interval on the effective "
            f"sample size n / deff with deff = {fmt_deff(deff)} (drawn on the charts and listed in the notebooks' "
            "tables; quoted here where a finding rests on it). Follow-up questions asked only of a "
            "subgroup use the subgroup's size, estimated from the share giving the qualifying answer "
            "(marked “estimated”), because the sources do not publish it.", "",
            "### How the words are chosen", ""]
    out += [f"- *{word}*: {rule}." for word, rule in voc.VOCABULARY_RULES]
    return "\n".join(out)


def disclosure_text(data: SurveyData, element: dict) -> str:
    """Text of one AAPOR element; fieldwork and sample size are built from the per-country metadata."""
    if "disclosed" in element:
        return " ".join(str(element["disclosed"]).split())
    countries = data.survey["countries"]
    if element["from_countries"] == "fieldwork":
        return "; ".join(
            f"{c['name']}: " + ", ".join(f"{f['dates']} ({f['source']}"
                                         + (f", {f['measure']})" if f.get("measure") else ")")
                                         for f in c["fieldwork"])
            for c in countries.values()) + "."
    total = sum(int(c["n"]) for c in countries.values())
    return ("; ".join(f"{c['name']} n = {int(c['n']):,} (published {level(0.95)} margin "
                      f"±{c['margin_of_error']} points, {c['margin_of_error_source']})"
                      for c in countries.values())
            + f"; {total:,} in all.")


# ------------------------------------------------------------------------------------------ the summary

def category_section(data: SurveyData, country: str, category: str, confidence: float = 0.95,
                     deff: float = 1.0) -> str:
    """Markdown for one category's findings (a note when the country has no published figures in it)."""
    findings = category_findings(data, country, category, confidence, deff)
    if not findings:
        return f"No published figures for {country_in_text(data, country)} in this category."
    return "\n".join(f"- {f}" for f in findings)


def build_summary(data: SurveyData, country: str, confidence: float = 0.95, deff: float = 1.0) -> str:
    """The whole narrative summary for one country, as Markdown."""
    check_country(data, country)
    c = data.survey["countries"][country]
    out = [f"# {data.survey['title']}: {c['name']}", "",
           f"Findings for {respondents(data, country)} (n = {int(c['n']):,}; {c['mode']}; "
           f"{data.survey['fieldwork_month']}). Each statement is generated from `data/` by `src/helpers`; "
           "the words for sizes and gaps follow the rules listed under Methodology.", "",
           "## Headlines", ""]
    headlines = headline_findings(data, country, confidence, deff)
    out += [f"- {h}" for h in headlines] or ["No published figures for this country."]
    for category in CATEGORIES:
        out += ["", f"## {capitalise(category)}", "", category_section(data, country, category, confidence, deff)]
    comparisons = comparison_findings(data, country, confidence, deff)
    out += ["", "## Comparisons between countries", ""]
    out += [f"- {f}" for f in comparisons] or ["No question was published for this and another country."]
    claims = claim_findings(data, country, confidence, deff)
    if claims:
        out += ["", "## The release's wording, checked", "",
                "Where the release describes a finding in words, the same figures are worded here by the rules "
                "under Methodology.", ""]
        out += [f"- {f}" for f in claims]
    out += ["", methodology_section(data, confidence, deff), "", "## Sources", ""]
    for s in data.survey["sources"]:
        out.append(f"- `{s['id']}` — {s['publisher']}, *{s['title'].strip()}*, {s['date']}, {s['kind']}; "
                   f"URL: {s['url']}")
    return "\n".join(out) + "\n"
