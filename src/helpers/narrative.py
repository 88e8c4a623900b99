"""The narrative, generated from the data: every number computed, every qualifier from a rule.

Sentences read the tables of :mod:`helpers.tables` (figures, bases, intervals, which answers are mutually
exclusive) and take their words from :mod:`helpers.vocabulary` (a share is "a majority" only when its whole
interval is above 50%; a gap is a "narrow lead" or a "statistical tie" by the interval of the difference).
Plain numbers carry a sentence ("About four-in-ten Japanese respondents (40.5%) …"); a qualifier appears
where it adds meaning and only when its rule holds. Nothing here types a number or re-derives a value.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> print(question_finding(data, "JP", "us_impression").text)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from . import formatting as fmt
from . import outputs
from . import vocabulary as voc
from .data import CATEGORIES, SurveyData, sum_counts_as_single
from .kinds import Kind, Relation
from .memo import by_content
from .stats import compare_within_question, estimate_design_effect, margin_of_error
from .tables import (
    Comparison,
    comparison_differences,
    comparison_table,
    comparison_title,
    comparisons_in_category,
    measure_groups,
    question_table,
    questions_in_category,
    related_questions,
    single_figure_questions,
    units,
)
from .vocabulary import Word

KEY_FINDINGS_PER_CATEGORY = 3
"""How many findings a category's "key findings" list holds (chosen by :func:`ranked_findings`)."""


# ------------------------------------------------------------------------------------------ words


def quoted(option: str) -> str:
    return f"“{option}”"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def share_opener(percent_text: str, share_word: Word, who: str, interval: str = "") -> str:
    """The subject of a sentence about one share, Pew-style: the plain number unless a word adds meaning.

    "A large majority of Japanese respondents (76.0%, interval 73.3–78.5%)" when the interval rule says so
    (``interval`` is the text that follows the share: the rule rests on it); "About four-in-ten
    Japanese respondents (40.5%)" near a whole tenth; otherwise "40.5% of Japanese respondents".
    """
    pct = fmt.percent(percent_text)
    if share_word.is_majority:
        return f"{capitalise(share_word)} of {who} ({pct}{interval})"
    if share_word == Word.ABOUT_HALF:
        return f"About half of {who} ({pct})"
    tens = voc.in_tens(percent_text)
    if tens:
        return f"{capitalise(tens)} {who} ({pct})"
    return f"{pct} of {who}"


def lead_clause(word: Word, runner_up: pd.Series, difference) -> str:
    """How the leading answer stands against the runner-up, worded by the interval of the gap."""
    b = f"{quoted(runner_up['label'])} ({fmt.percent(runner_up['percent_text'])})"
    gap = fmt.points(abs(difference.diff))
    if word == Word.TIE:
        return f"statistically tied with {b}"
    if word == Word.NARROW_LEAD:
        return (
            f"narrowly ahead of {b}: the {fmt.number(abs(difference.diff))}-point gap could be as small as "
            f"{fmt.points(difference.gap_low)}"
        )
    if word == Word.CLEAR_LEAD:
        return f"clearly ahead of {b}, by {gap}"
    if word == Word.OVERWHELMING_LEAD:
        return f"far ahead of {b}, by {gap}"
    return f"ahead of {b} (the gap is not testable)"


# ------------------------------------------------------------------------------------------ one question


@dataclass(frozen=True)
class Finding:
    """What one question shows in one country, and how decisive it is (for choosing headlines)."""

    question_id: str
    title: str
    text: str
    headline: str
    decisiveness: float
    """Lower end of the leading answer's interval: how certainly large the leading answer is."""
    about_other_country: bool
    """Whether the item is about another country (its ``subject``) rather than the respondents' own."""
    remainder_unpublished: bool


def _interval_text(row: pd.Series, confidence: float) -> str:
    return f", {fmt.level(confidence)} interval {fmt.interval(row['ci_low'], row['ci_high'])}%"


def _ahead_of_remainder(table: pd.DataFrame, top: pd.Series, n: float, confidence: float, deff: float) -> bool:
    """Whether the leading published answer is significantly larger than all unpublished answers together,
    and so larger than any one of them: then it is the largest answer, not only the largest published one."""
    rest = table[table["kind"] == Kind.NOT_PUBLISHED]
    if rest.empty:
        return False
    d = compare_within_question(top["percent"], float(rest["percent"].iloc[0]), n, confidence=confidence, deff=deff)
    return d.significant and d.diff > 0


def _one_answer_text(
    data: SurveyData, country: str, table: pd.DataFrame, ranked: pd.DataFrame, confidence: float, deff: float
) -> tuple[str, pd.Series, Word]:
    """Sentences for a one-answer question with two or more published answers; the leader and its word."""
    n = float(table["base_n"].iloc[0])
    who = data.respondents(country)
    top = ranked.iloc[0]
    all_published = table.attrs["options_published"] == "all" or _ahead_of_remainder(table, top, n, confidence, deff)
    non_answers = set(data.non_answers(str(table["question_id"].iloc[0])))
    if top["option"] in non_answers:
        sided = ranked[~ranked["option"].isin(non_answers)]
        opener = share_opener(top["percent_text"], voc.describe_share(top["percent"], n, confidence, deff), who)
        text = f"{opener} answered {quoted(top['label'])}: no view either way, or not enough known to say."
        if len(sided) >= 2:
            first, second = sided.iloc[0], sided.iloc[1]
            d = compare_within_question(first["percent"], second["percent"], n, confidence=confidence, deff=deff)
            text += (
                f" Among those who took a side, {quoted(first['label'])} "
                f"({fmt.percent(first['percent_text'])}) is "
                f"{lead_clause(voc.describe_difference(d), second, d)}."
            )
        return text, top, Word.MINORITY
    largest = voc.describe_largest(
        dict(zip(ranked["option"], ranked["percent"])), n, True, confidence, deff, all_published
    )
    second = ranked.iloc[1]
    word = voc.describe_difference(largest.difference)
    opener = share_opener(top["percent_text"], largest.share_word, who, _interval_text(top, confidence))
    text = f"{opener} answered {quoted(top['label'])}, {lead_clause(word, second, largest.difference)}."
    if largest.rank_word == Word.MOST_COMMON_PUBLISHED and word != Word.TIE:
        text += f" It is {Word.MOST_COMMON_PUBLISHED}."
    return text, top, largest.rank_word


def _several_answers_text(ranked: pd.DataFrame, answers: str) -> str:
    top = ranked.iloc[0]
    rest = [f"{quoted(r.label)} ({fmt.percent(r.percent_text)})" for r in ranked.iloc[1:].itertuples()]
    text = f"{quoted(top['label'])} comes first ({fmt.percent(top['percent_text'])})"
    if rest:
        text += ", ahead of " + (", ".join(rest[:-1]) + " and " + rest[-1] if len(rest) > 1 else rest[0])
    if answers == "not disclosed":
        return text + "; the sources do not say whether one answer or several were allowed, so gaps are not tested."
    return text + "; several answers were allowed, so the gaps are not tested."


def question_finding(
    data: SurveyData,
    country: str,
    question_id: str,
    confidence: float = 0.95,
    deff: float = 1.0,
    table: pd.DataFrame | None = None,
) -> Finding | None:
    """What a question shows in ``country``, in one to three sentences; None when it has no figures there.

    ``table``: the question's table at this confidence and design effect, when the caller has it already
    (:func:`helpers.tables.question_table`); computed otherwise.
    """
    q = data.question(question_id)
    if table is None:
        table = question_table(data, country, question_id, confidence=confidence, deff=deff)
    if table.empty:
        return None
    who = data.respondents(country)
    n = float(table["base_n"].iloc[0])
    sentences: list[str] = []
    top = None
    rank_word: Word | None = None
    subgroup = data.base_question(question_id) is not None
    if subgroup:
        base = fmt.base(n, bool(table["base_is_estimate"].iloc[0]))
        sentences.append(f"Asked of those who answered {quoted(str(q['base_option']))} ({base}).")
    for measure, rows in measure_groups(table):
        ranked = units(rows) if not rows.empty else rows
        answers = data.survey["measures"][measure]["answers"] if measure else q["answers"]
        lead = ""
        if measure:
            lead = (
                f"In the figures of {data.source_label(str(rows['source'].iloc[0]))} "
                f"({data.survey['measures'][measure]['label']}), "
            )
        if ranked.empty:
            continue
        if len(ranked) >= 2 and answers == "one":  # the measure's answer format, else the question's
            text, leader, word = _one_answer_text(data, country, rows, ranked, confidence, deff)
        elif len(ranked) >= 2:
            text, leader, word = _several_answers_text(ranked, answers), ranked.iloc[0], Word.MOST_OFTEN_NAMED
        else:
            leader = ranked.iloc[0]
            word = voc.describe_share(leader["percent"], n, confidence=confidence, deff=deff)
            opener = share_opener(leader["percent_text"], word, who, _interval_text(leader, confidence))
            text = f"{opener} answered {quoted(leader['label'])}."
        sentences.append(lead + lower_first(text) if lead else text)
        if top is None:
            top, rank_word = leader, word
    unconfirmed = table[table["status"] == "unconfirmed"]
    for r in unconfirmed.itertuples():
        sentences.append(
            f"{quoted(r.label)} at {fmt.percent(r.percent_text)} is unconfirmed: the source does not "
            "let the item be identified for certain."
        )
    press = [data.source_label(s) for s in dict.fromkeys(table["source"]) if data.is_press(s)]
    if press:
        sentences.append(f"Figures reported by {', '.join(press)}.")
    note = table.attrs.get("measure_note")
    if note:
        sentences.append(f"The {data.survey['countries'][country]['adjective']} figure is the {note}.")
    title = data.wording(question_id, country)
    if top is None:  # only unconfirmed figures: said, but never a headline
        if not sentences:
            return None
        return Finding(
            question_id, title, " ".join(sentences), "", float("-inf"), data.subject(question_id) is not None, False
        )
    headline = (
        f"{title}: {voc.round_for_headline(top['percent_text'])} {quoted(top['label'])}"
        + (f" ({rank_word})" if rank_word and rank_word not in (Word.MINORITY, Word.ABOUT_HALF) else "")
        + "."
    )
    return Finding(
        question_id,
        title,
        " ".join(sentences),
        headline,
        float(top["ci_low"]) if pd.notna(top["ci_low"]) else 0.0,
        data.subject(question_id) is not None,
        table.attrs["options_published"] == "some" and sum_counts_as_single(q),
    )


@by_content
def category_findings(
    data: SurveyData, country: str, category: str, confidence: float = 0.95, deff: float = 1.0
) -> list[Finding]:
    """Findings of every question of a category with figures for ``country``, in codebook order."""
    found = (
        question_finding(data, country, qid, confidence, deff) for qid in questions_in_category(data, category, country)
    )
    return [f for f in found if f is not None]


def ranked_findings(data: SurveyData, findings: list[Finding]) -> list[Finding]:
    """Findings in headline order: questions asked of everyone before follow-ups; items about the
    respondents' own country (or no single country) before items about another country; then the most
    decisive first (highest lower end of the leading answer's interval); codebook order on ties."""

    def key(f: Finding):
        follow_up = data.base_question(f.question_id) is not None
        return (follow_up, f.about_other_country, -f.decisiveness)

    return sorted(findings, key=key)


HEADLINE_RULE = (
    "One headline per category: among the questions asked of all respondents, items about the "
    "respondents' own country (or about no single country) come before items about another "
    "country, and within them the most decisive finding (the highest lower end of the leading "
    "answer's interval) comes first."
)


def findings_by_category(
    data: SurveyData, country: str, confidence: float = 0.95, deff: float = 1.0
) -> dict[str, list[Finding]]:
    """:func:`category_findings` of every category, computed once for a whole summary."""
    data.check_country(country)
    return {category: category_findings(data, country, category, confidence, deff) for category in CATEGORIES}


def headline_findings(
    data: SurveyData,
    country: str,
    confidence: float = 0.95,
    deff: float = 1.0,
    by_category: dict[str, list[Finding]] | None = None,
) -> list[Finding]:
    """One headline per category (:data:`HEADLINE_RULE`); ``by_category`` when the caller has the findings."""
    if by_category is None:
        by_category = findings_by_category(data, country, confidence, deff)
    heads = []
    for category in CATEGORIES:
        ranked = [f for f in ranked_findings(data, by_category[category]) if f.headline]
        if ranked:
            heads.append(ranked[0])
    return heads


def unpublished_note(findings: list[Finding]) -> str:
    """The once-per-section note on answers the sources did not publish."""
    count = sum(f.remainder_unpublished for f in findings)
    if not count:
        return ""
    return (
        "For "
        + ("this question" if count == 1 else f"{count} of these questions")
        + " the sources published only some answers; the remainder is shown as “other answers (not published)”."
    )


# ------------------------------------------------------------------------------------------ comparisons


def _gap_text(data: SurveyData, r, confidence: float) -> str:
    adj1 = data.survey["countries"][r.country_1]["adjective"]
    adj2 = data.survey["countries"][r.country_2]["adjective"]
    if not r.testable:
        return f"{adj1} and {adj2} figures not tested ({r.reason})"
    higher, lower, low, high = (adj2, adj1, -r.ci_high, -r.ci_low) if r.diff < 0 else (adj1, adj2, r.ci_low, r.ci_high)
    gap = fmt.points(abs(r.diff))
    if r.significant:
        return (
            f"{higher} respondents higher than {lower} by {gap} ({fmt.level(confidence)} interval of the "
            f"gap {fmt.interval(low, high)})"
        )
    return f"{voc.NO_SIGNIFICANT_DIFFERENCE} between {adj1} and {adj2} respondents ({gap})"


def comparison_finding(data: SurveyData, comparison: Comparison, confidence: float = 0.95, deff: float = 1.0) -> str:
    """The sentence(s) of one comparison: each public's figure, each gap and whether it is significant,
    what the gap is made of where many gave no view, and a warning where the measures differ."""
    table = comparison_table(data, comparison, confidence=confidence, deff=deff)
    diffs = comparison_differences(data, comparison, confidence=confidence, deff=deff, table=table)
    pieces = []
    for option in comparison.options:
        rows = diffs[diffs["option"] == option]
        shown = table[table["compared"] & (table["option"] == option)].set_index("country")["percent_text"]
        values = ", ".join(
            f"{data.survey['countries'][c]['adjective']} {fmt.percent(shown[c])}" for c in comparison.countries
        )
        gaps = "; ".join(_gap_text(data, r, confidence) for r in rows.itertuples())
        pieces.append(f"{quoted(option)}: {values}; {gaps}")
    text = ". ".join(capitalise(p) for p in pieces) + "."
    if comparison.relation == Relation.MIRROR:
        text += " Each public's view of the other."
    made_of = []
    non_answer = pd.Series(False, index=table.index)
    for c, qid in zip(comparison.countries, comparison.question_ids):
        non_answer |= (table["country"] == c) & table["option"].isin(data.non_answers(qid))
    # Where some public gave no view, say where every public's unknowns are (theirs, or unpublished answers).
    shown = non_answer | (table["kind"] == Kind.NOT_PUBLISHED) if non_answer.any() else non_answer
    for c in comparison.countries:
        own = table[(table["country"] == c) & shown]
        for r in own.itertuples():
            what = (
                f"answered {quoted(r.label)}"
                if r.kind != Kind.NOT_PUBLISHED
                else "gave answers that were not published"
            )
            made_of.append(f"{fmt.percent(r.percent_text)} of {data.respondents(c)} {what}")
    if made_of:
        text += " Not everyone took a side: " + "; ".join(made_of) + "."
    if not comparison.same_measure:
        notes = "; ".join(
            f"the {data.survey['countries'][c]['adjective']} figure is the {note}"
            for c, note in comparison.measure_notes.items()
        )
        text += f" Different measures: {notes}. The figures are shown side by side, not tested as one question."
    return text


def comparison_findings(
    data: SurveyData, country: str, category: str | None = None, confidence: float = 0.95, deff: float = 1.0
) -> list[tuple[Comparison, str, str]]:
    """(comparison, title, text) of every comparison ``country`` takes part in (of one category, or all)."""
    items = comparisons_in_category(data, country, category)
    return [(c, comparison_title(data, c), comparison_finding(data, c, confidence, deff)) for c in items]


# ------------------------------------------------------------------------------------------ release wording

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


def claim_holds(implies: str, word: Word, significant: bool) -> bool:
    """Whether this report's rule word supports what the release's wording implies."""
    if implies == "tie":
        return word == Word.TIE
    if implies == "lead":
        return significant
    if implies == "majority":
        return word.is_majority
    if implies == "about half":
        return word == Word.ABOUT_HALF
    return word == implies


def claim_findings(data: SurveyData, country: str, confidence: float = 0.95, deff: float = 1.0) -> list[str]:
    """The release's own wording of its findings (``release_claims.csv``), tested with this report's rules."""
    findings = []
    claims = data.claims[data.claims["country"] == country]
    for c in claims.itertuples(index=False):
        table = question_table(data, country, c.question_id, confidence=confidence, deff=deff)
        own = table[table["measure"].isna()].set_index("option")
        a = own.loc[c.option]
        shown = f"{quoted(c.option)} {fmt.percent(a['percent_text'])}"
        if pd.isna(c.versus):
            word = voc.describe_share(a["percent"], a["base_n"], confidence=confidence, deff=deff)
            holds = claim_holds(c.implies, word, False)
            detail = f"{fmt.level(confidence)} interval {fmt.interval(a['ci_low'], a['ci_high'])}%"
        else:
            b = own.loc[c.versus]
            shown += f" vs {quoted(c.versus)} {fmt.percent(b['percent_text'])}"
            d = compare_within_question(a["percent"], b["percent"], a["base_n"], confidence=confidence, deff=deff)
            word = voc.describe_difference(d)
            holds = claim_holds(c.implies, word, d.significant)
            detail = f"{fmt.level(confidence)} interval of the gap {fmt.interval(d.ci_low, d.ci_high)} points"
        verdict = "consistent with the rules" if holds else "**not supported by the rules**"
        findings.append(
            f"*{data.wording(c.question_id, country)}* ({shown}): the release says "
            f"“{c.release_words}” ({data.source_label(c.source)}, {c.locator}), read as "
            f"{CLAIM_READING_TEXT[c.implies]}; the rules here give *{word}* ({detail}): {verdict}."
        )
    return findings


# ------------------------------------------------------------------------------------------ methods


def precision_statement(data: SurveyData, confidence: float = 0.95, deff: float = 1.0) -> list[str]:
    """AAPOR-style precision statement for online samples, one line per country, worded for ``deff``."""
    lines = []
    for code in data.countries():
        c = data.survey["countries"][code]
        n = int(c["n"])
        moe = margin_of_error(n, confidence=confidence, deff=deff)
        implied = estimate_design_effect(float(c["margin_of_error"]), n)
        lines.append(
            f"{c['name']} ({fmt.base(n, False)}): {fmt.precision_assumption(deff, n / deff)}, the "
            f"{fmt.level(confidence)} margin of sampling error for a share of 50% is ±{moe:.2f} points. The "
            f"published margin is ±{c['margin_of_error']} points, which corresponds to a design effect of about "
            f"{implied:.2f} at 95% (approximate: published margins are rounded)."
        )
    return lines


def methodology_section(data: SurveyData, confidence: float = 0.95, deff: float = 1.0) -> str:
    """Methodology and disclosure as Markdown (the summary's section, laid out by :mod:`helpers.pages`)."""
    from . import pages  # the renderer builds on this module

    body = pages.markdown_section("methodology", {"methodology": pages.methodology_model(data, confidence, deff)}, "")
    return f"## Methodology and disclosure\n\n{body}"


def cite_sources(data: SurveyData, text: str) -> str:
    """Replace the source ids that ``survey.yml`` texts cite (``(ihj-project-page)``, ``(dailian; …)``) by the
    sources' names, so a reader never meets an internal key."""
    ids = sorted((s["id"] for s in data.survey["sources"]), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w-])")
    return pattern.sub(lambda m: data.source_label(m.group(1)), text)


def disclosure_text(data: SurveyData, element: dict) -> str:
    """Text of one AAPOR element; fieldwork and sample size are built from the per-country metadata."""
    if "disclosed" in element:
        return cite_sources(data, " ".join(str(element["disclosed"]).split()))
    countries = [data.survey["countries"][c] for c in data.countries()]
    if element["from_countries"] == "fieldwork":
        return (
            "; ".join(
                f"{c['name']}: "
                + ", ".join(
                    f"{f['dates']} ({data.source_label(f['source'])}"
                    + (f", {f['measure']})" if f.get("measure") else ")")
                    for f in c["fieldwork"]
                )
                for c in countries
            )
            + "."
        )
    total = sum(int(c["n"]) for c in countries)
    return (
        "; ".join(
            f"{c['name']} {fmt.base(int(c['n']), False)} (published 95% margin "
            f"±{c['margin_of_error']} points, {data.source_label(c['margin_of_error_source'])})"
            for c in countries
        )
        + f"; {fmt.count(total)} in all."
    )


# ------------------------------------------------------------------------------------------ the summary


def build_summary(
    data: SurveyData,
    country: str,
    confidence: float = 0.95,
    deff: float = 1.0,
    figures_dir: str = "figures",
    reports_dir: str = "reports",
) -> str:
    """The executive summary of one country as Markdown (``reports/<country>/summary.md``), laid out by
    :mod:`helpers.pages` from its summary model; links and images relative to the summary file."""
    from . import pages  # the renderer builds on this module

    model = pages.summary_model(data, country, confidence, deff, figures_dir, reports_dir)
    return pages.summary_markdown(model, outputs.summary_file(country, reports_dir))


def key_figure(data: SurveyData, country: str, question_id: str, figures_dir: str = "figures") -> str:
    """Stem of the chart a question is drawn in: its own, or its category's chart of single figures."""
    category = str(data.question(question_id)["category"])
    grouped = single_figure_questions(data, country, category)
    if question_id in grouped:
        return outputs.single_figures_figure(country, category if len(grouped) >= 2 else None, figures_dir)
    return outputs.question_figure(country, related_questions(data, country, question_id)[0], figures_dir)
