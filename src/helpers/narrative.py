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

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from . import formatting as fmt
from . import outputs
from . import vocabulary as voc
from .data import CATEGORIES, Disclosure, SurveyData, answer_format, decimals_of, sum_counts_as_single
from .data.rules import LARGEST_READINGS
from .formatting import capitalise, lower_first
from .kinds import AnswerFormat, Kind, OptionsPublished, Status
from .memo import by_content
from .stats import KIND_SEVERAL, compare_answers, compare_within_question, margin_of_error
from .tables import (
    PUBLISHED,
    Comparison,
    check_deff,
    comparison_caveats,
    comparison_differences,
    comparison_table,
    comparison_title,
    comparisons_in_category,
    design_effect,
    figure_label,
    is_mirror,
    measure_groups,
    measure_name,
    published_deff,
    question_table,
    questions_in_category,
    related_questions,
    units,
)
from .vocabulary import Word

KEY_FINDINGS_PER_CATEGORY = 3
"""How many findings a category's "key findings" list holds (chosen by :func:`ranked_findings`)."""


# ------------------------------------------------------------------------------------------ words


def quoted(option: str) -> str:
    return f"“{option}”"


def derivation(table: pd.DataFrame, row) -> tuple[pd.Series, pd.DataFrame] | None:
    """What a derived row of one question's table is computed from: its net and the net's other parts, all of
    the row's own measure; None when the table lacks the net."""
    same = table[table["measure"].fillna("") == ("" if pd.isna(row["measure"]) else row["measure"])]
    nets = same[(same["option"] == row["in_net"]) & (same["kind"] == Kind.NET)]
    if nets.empty:
        return None
    net = nets.iloc[0]
    return net, same[same["option"].isin(list(net["parts"])) & (same["option"] != row["option"])]


def derived_notes(table: pd.DataFrame) -> list[str]:
    """How each derived figure of one question's table follows (:func:`derivation`), with the figures (a chart
    drawing several questions shows them all; each question says its own)."""
    notes = []
    for _, r in table[table["kind"] == Kind.DERIVED].iterrows():
        derived = f"{quoted(r['label'])} ({fmt.percent(r['percent_text'])}) is derived"
        found = derivation(table, r)
        if found is None:
            notes.append(f"{derived} from the published figures.")
            continue
        net, parts = found
        minus = " and ".join(f"{quoted(p.label)} ({fmt.percent(p.percent_text)})" for p in parts.itertuples())
        notes.append(f"{derived}: {quoted(net['label'])} ({fmt.percent(net['percent_text'])}) minus {minus}.")
    return notes


def share_opener(percent_text: str, share_word: Word, who: str, interval: str = "") -> str:
    """The subject of a sentence about one share, Pew-style: the plain number unless a word adds meaning.

    "A large majority of Japanese respondents (76.0%, interval 73.3–78.5%)" when the interval rule says so
    (``interval`` is the text that follows the share: the rule rests on it); "About four-in-ten
    Japanese respondents (40.5%)" near a whole tenth; otherwise "40.5% of Japanese respondents".
    """
    pct = fmt.percent(percent_text)
    if share_word.is_majority or share_word in (Word.ABOUT_HALF, Word.PLURALITY):  # each word rests on the interval
        return f"{capitalise(share_word)} of {who} ({pct}{interval})"
    tens = voc.in_tens(percent_text)
    if tens:
        return f"{capitalise(tens)} {who} ({pct})"
    return f"Among {who}, {pct}"  # a sentence never opens with a numeral


def plain_subject(percent_text: str, who: str) -> str:
    """The public as subject with a plain number in words: "about four-in-ten Japanese respondents", "about
    three-quarters of Japanese respondents", "forty-five percent of Japanese respondents"."""
    tens = voc.in_tens(percent_text)
    if tens:
        return f"{tens} {who}"
    fraction = voc.in_fractions(percent_text)
    return f"{fraction or voc.percent_in_words(percent_text)} of {who}"


QUESTION_WORDS = ("how", "whether", "what", "where", "why", "which", "who")
OWN_VIEW_WORDS = ("opinion", "overall impression", "impression", "trust")


def asked_about(data: SurveyData, question_id: str, country: str) -> str:
    """The question as the end of a sentence: "when asked whether …", "when asked their opinion of …",
    "when asked about the current state of …"."""
    text = data.wording(question_id, country)
    names = [data.country_name(c) for c in data.countries()] + [data.country_in_text(c) for c in data.countries()]
    first = text.split()[0]
    keep = any(text.startswith(n) for n in names) or any(ch.isupper() for ch in first[1:])
    lowered = text if keep else text[:1].lower() + text[1:]
    low = lowered.lower()
    if low.startswith(QUESTION_WORDS):
        return f"when asked {lowered}"
    if low.startswith(OWN_VIEW_WORDS):
        return f"when asked {'about ' if low.startswith('trust') else ''}their {lowered}"
    if keep or first.lower().endswith("ing") or low.startswith(("the ", "countries")):
        return f"when asked about {lowered}"
    return f"when asked about the {lowered}"


def headline_sentence(data: SurveyData, country: str, question_id: str, top: pd.Series, word: Word | None) -> str:
    """A finding as a sentence with the public as subject and a plain number: "About three-quarters of
    Japanese respondents (77%) answered “disapprove” when asked their opinion of the … tariffs." The figure's
    one qualifier (:func:`figure_word`) leads where it is one of :data:`HEADLINE_WORDS`."""
    q = data.question(question_id)
    who = data.respondents(country)
    if data.base_question(question_id) is not None:  # a follow-up: its share is of those asked
        who = f"{who} who answered {quoted(str(q['base_option']))}"
    whole = f" ({voc.round_for_headline(top['percent_text']).removeprefix('about ')})"
    if word in (Word.LARGE_MAJORITY, Word.MAJORITY, Word.ABOUT_HALF, Word.PLURALITY):
        subject = f"{word} of {who}"
    else:
        subject = plain_subject(str(top["percent_text"]), who)
        if " percent of " in subject:  # the number is already said in words
            whole = ""
    option = str(top["option"])
    answered = answer_phrase(data, country, question_id, option)
    if answered.startswith("answered ") and str(q["answers"]) != "one":
        answered = f"named {quoted(str(top['label']))}"
    rank = f", {Word.MOST_COMMON_PUBLISHED}," if word == Word.MOST_COMMON_PUBLISHED else ""
    if figure_label(data, country, question_id, option) != option:  # another measure: not known to be the item
        return f"{capitalise(subject)}{whole} {answered}{rank}, according to {data.source_label(str(top['source']))}."
    return f"{capitalise(subject)}{whole} {answered}{rank} {asked_about(data, question_id, country)}."


def figure_word(share_word: Word, rank_word: Word | None) -> Word:
    """The one qualifier of a leading figure, said alike in its headline, its sentences, the index and the
    site: its size when that is a majority or about half, else how it ranks (a plurality, the most common
    published answer …)."""
    if share_word.is_majority or share_word == Word.ABOUT_HALF or rank_word is None:
        return share_word
    return rank_word


HEADLINE_WORDS = (Word.LARGE_MAJORITY, Word.MAJORITY, Word.ABOUT_HALF, Word.PLURALITY, Word.MOST_COMMON_PUBLISHED)
"""The qualifiers a headline carries; each is said in the finding's sentences too (:func:`figure_word`)."""


def answer_phrase(data: SurveyData, country: str, question_id: str, option: str) -> str:
    """What respondents did, named by what the figure measures: "answered “in favor”", or the measure itself
    ("view stronger cooperation positively") where the country's figure measures something else
    (:func:`helpers.tables.figure_label`)."""
    label = figure_label(data, country, question_id, option)
    return f"answered {quoted(label)}" if label == option else label


CAUTIOUS_TIE = "not shown to differ from"
"""How a sentence puts a tie found by a cautious test (several answers allowed): the gap may still be real."""


def lead_clause(word: Word, leader: pd.Series, runner_up: pd.Series, difference) -> str:
    """How the leading answer stands against the runner-up, worded by the interval of the gap; the gap at the
    finer precision of the two figures ("by 16 points" between 49% and 33%)."""
    b = f"{quoted(runner_up['label'])} ({fmt.percent(runner_up['percent_text'])})"
    decimals = max(decimals_of(str(r["percent_text"])) for r in (leader, runner_up))
    gap = fmt.points(abs(difference.diff), decimals)
    if word == Word.TIE:  # a cautious test's tie only fails to show a gap
        return f"{CAUTIOUS_TIE if difference.kind == KIND_SEVERAL else word.ahead} {b}"
    if word == Word.NARROW_LEAD:
        return (
            f"{word.ahead} {b}: the {fmt.number(abs(difference.diff), decimals)}-point gap could be as small as "
            f"{fmt.points(difference.gap_low)}"
        )
    if word in (Word.CLEAR_LEAD, Word.OVERWHELMING_LEAD):
        return f"{word.ahead} {b}, by {gap}"
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
    """Some answers of a one-answer question unpublished: their share is the remainder the charts draw."""
    unknown_remainder: bool = False
    """Some answers unpublished where several may be given (or the format is not disclosed): no remainder."""
    several_answers: bool = False
    """The question is known to allow several answers (rather than not saying how many)."""
    notes: tuple[str, ...] = ()
    """The notes on its figures (``coverage.csv``) that ``text`` ends with, as :func:`about_the_figures`."""


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
    data: SurveyData,
    country: str,
    who: str,
    table: pd.DataFrame,
    ranked: pd.DataFrame,
    confidence: float,
    deff: float,
) -> tuple[str, pd.Series, Word]:
    """Sentences for a one-answer question with two or more published answers; the leader and its word."""
    n = float(table["base_n"].iloc[0])
    top = ranked.iloc[0]
    all_published = table.attrs["options_published"] == OptionsPublished.ALL or _ahead_of_remainder(
        table, top, n, confidence, deff
    )
    non_answers = set(data.non_answers(str(table["question_id"].iloc[0])))
    if top["option"] in non_answers:
        sided = ranked[~ranked["option"].isin(non_answers)]
        share_word = voc.describe_share(top["percent"], n, confidence, deff)
        opener = share_opener(top["percent_text"], share_word, who)
        text = f"{opener} answered {quoted(top['label'])}: no view either way, or not enough known to say."
        if len(sided) >= 2:
            first, second = sided.iloc[0], sided.iloc[1]
            d = compare_within_question(first["percent"], second["percent"], n, confidence=confidence, deff=deff)
            text += (
                f" Among those who took a side, {quoted(first['label'])} "
                f"({fmt.percent(first['percent_text'])}) is "
                f"{lead_clause(voc.describe_difference(d), first, second, d)}."
            )
        return text, top, share_word
    largest = voc.describe_largest(
        dict(zip(ranked["option"], ranked["percent"])), n, True, confidence, deff, all_published
    )
    second = ranked.iloc[1]
    word = voc.describe_difference(largest.difference)
    qualifier = figure_word(largest.share_word, largest.rank_word)
    opener = share_opener(top["percent_text"], qualifier, who, _interval_text(top, confidence))
    answered = answer_phrase(data, country, str(top["question_id"]), str(top["option"]))
    text = f"{opener} {answered}, {lead_clause(word, top, second, largest.difference)}."
    if qualifier == Word.MOST_COMMON_PUBLISHED:
        text += f" It is {Word.MOST_COMMON_PUBLISHED}" + (", tied with the runner-up." if word == Word.TIE else ".")
    return text, top, qualifier


def _several_answers_text(
    who: str,
    table: pd.DataFrame,
    ranked: pd.DataFrame,
    answers: str,
    confidence: float,
    deff: float,
) -> tuple[str, pd.Series, Word]:
    """Sentences for a question allowing several answers (or not saying how many) with two or more published
    answers; the leader and its word. The gap to the runner-up is tested cautiously (:func:`compare_select_all`)."""
    n = float(table["base_n"].iloc[0])
    top, runner_up = ranked.iloc[0], ranked.iloc[1]
    largest = voc.describe_largest(dict(zip(ranked["option"], ranked["percent"])), n, False, confidence, deff)
    if largest.share_word.is_majority:
        opener = share_opener(top["percent_text"], largest.share_word, who, _interval_text(top, confidence))
        text = f"{opener} named {quoted(top['label'])}"
    else:
        first = "first" if table.attrs["options_published"] == OptionsPublished.ALL else "first of those published"
        text = f"The answer {quoted(top['label'])} comes {first} ({fmt.percent(top['percent_text'])})"
    text += f", {lead_clause(voc.describe_difference(largest.difference), top, runner_up, largest.difference)}"
    rest = [f"{quoted(r.label)} ({fmt.percent(r.percent_text)})" for r in ranked.iloc[2:].itertuples()]
    if rest:
        text += f"; then {fmt.and_list(rest)}"
    if answers == AnswerFormat.NOT_DISCLOSED:
        why = "the sources do not say how many answers each respondent could give"
    else:
        why = "several answers were allowed"
    return (
        f"{text}. As {why}, the gap is tested cautiously, allowing for any overlap of the two answers.",
        top,
        largest.rank_word,
    )


def _measure_sentence(
    data: SurveyData,
    country: str,
    question_id: str,
    q: pd.Series,
    measure: str | None,
    rows: pd.DataFrame,
    n: float,
    who: str,
    confidence: float,
    deff: float,
) -> tuple[str, pd.Series, Word] | None:
    """What one measure's figures show, with its leading answer and that answer's word; None if none ranks."""
    ranked = units(rows) if not rows.empty else rows
    if ranked.empty:
        return None
    answers = data.measure(measure).answers if measure else q["answers"]
    lead = ""
    if measure:
        lead = f"In the figures of {data.source_label(str(rows['source'].iloc[0]))} ({data.measure(measure).label}), "
    if len(ranked) >= 2 and answers == "one":  # the measure's answer format, else the question's
        text, leader, word = _one_answer_text(data, country, who, rows, ranked, confidence, deff)
    elif len(ranked) >= 2:
        text, leader, word = _several_answers_text(who, rows, ranked, answers, confidence, deff)
    else:
        leader = ranked.iloc[0]
        word = voc.describe_share(leader["percent"], n, confidence=confidence, deff=deff)
        opener = share_opener(leader["percent_text"], word, who, _interval_text(leader, confidence))
        text = f"{opener} {answer_phrase(data, country, question_id, str(leader['option']))}."
    return (lead + lower_first(text) if lead else text), leader, word


def _caveat_sentences(
    data: SurveyData, country: str, table: pd.DataFrame, notes: list[str], said: str = ""
) -> list[str]:
    """Sentences on unconfirmed figures, figures from press reports (those ``said`` does not name already), a
    figure of a different measure, and ``notes``, the notes on this public's figures (:func:`figure_notes_said`)."""
    sentences = []
    unconfirmed = table[table["status"] == Status.UNCONFIRMED]
    for r in unconfirmed.itertuples():
        sentences.append(
            f"The figure for {quoted(r.label)} ({fmt.percent(r.percent_text)}) is unconfirmed: the source does not "
            "let the item be identified for certain."
        )
    press = [data.source_label(s) for s in dict.fromkeys(table["source"]) if data.is_press(s)]
    press = [label for label in press if label not in said]
    if press:
        sentences.append(f"Figures reported by {', '.join(press)}.")
    note = table.attrs.get("measure_note")
    if note:
        explanation = note[len(measure_name(note)) :].strip().removeprefix("(").removesuffix(")")
        if explanation:
            adjective = data.country(country).adjective
            sentences.append(f"As the source reports it, the {adjective} figure is {explanation}.")
    if notes:
        sentences.append(about_the_figures(notes))
    return sentences


def about_the_figures(notes: list[str]) -> str:
    """ "About the figures: …": notes on figures (``coverage.csv``), each a sentence, after a finding or a
    comparison."""
    return "About the figures: " + " ".join(n if n.endswith(".") else n + "." for n in notes)


def figure_notes_said(data: SurveyData, country: str, table: pd.DataFrame) -> list[str]:
    """The notes on a public's figures of one question (``coverage.csv``) that its finding says, of the sources
    its table holds."""
    return data.figure_notes(country, str(table["question_id"].iloc[0]), table["source"].dropna().unique())


SUBGROUP_WHO = "those asked"
"""Who a follow-up question's shares are of, in its sentences (after "Asked of those who answered …")."""


def question_finding(
    data: SurveyData,
    country: str,
    question_id: str,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
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
    deff = table.attrs["deff"]  # the design effect the table was computed with (design_effect)
    who = data.respondents(country)
    n = float(table["base_n"].iloc[0])
    sentences: list[str] = []
    top = None
    rank_word: Word | None = None
    subgroup = data.base_question(question_id) is not None
    if subgroup:
        base = fmt.base(n, bool(table["base_is_estimate"].iloc[0]))
        sentences.append(f"Asked of those who answered {quoted(str(q['base_option']))} ({base}).")
        who = SUBGROUP_WHO  # its shares are of those asked, not of every respondent
    for measure, rows in measure_groups(table):
        said = _measure_sentence(data, country, question_id, q, measure, rows, n, who, confidence, deff)
        if said is None:
            continue
        text, leader, word = said
        sentences.append(text)
        if top is None:
            top, rank_word = leader, word
    notes = tuple(figure_notes_said(data, country, table))
    sentences += _caveat_sentences(data, country, table, list(notes), said=" ".join(sentences))
    title = data.wording(question_id, country)
    if top is None:  # only unconfirmed figures: said, but never a headline
        if not sentences:
            return None
        about_other = data.subject(question_id) is not None
        return Finding(question_id, title, " ".join(sentences), "", float("-inf"), about_other, False, notes=notes)
    headline = headline_sentence(data, country, question_id, top, rank_word)
    partial, single = table.attrs["options_published"] == OptionsPublished.SOME, sum_counts_as_single(q)
    return Finding(
        question_id,
        title,
        " ".join(sentences),
        headline,
        float(top["ci_low"]) if pd.notna(top["ci_low"]) else 0.0,
        data.subject(question_id) is not None,
        partial and single,
        partial and not single,
        answer_format(q) in (AnswerFormat.MULTIPLE, AnswerFormat.UP_TO_2),
        notes,
    )


@by_content
def category_findings(
    data: SurveyData, country: str, category: str, confidence: float = 0.95, deff: float | str = PUBLISHED
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
    "One headline per category, chosen among the questions asked of all respondents: items about the "
    "respondents' own country (or about no single country) are preferred to items about another "
    "country, and among them the most decisive finding (the highest lower end of the leading "
    "answer's interval) is chosen."
)


def findings_by_category(
    data: SurveyData, country: str, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> dict[str, list[Finding]]:
    """:func:`category_findings` of every category, computed once for a whole summary."""
    data.check_country(country)
    return {category: category_findings(data, country, category, confidence, deff) for category in CATEGORIES}


def headline_findings(
    data: SurveyData,
    country: str,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
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


def unpublished_note(findings: list[Finding], what: str = "question", drawn: bool = True) -> str:
    """The once-per-list note on answers the sources did not publish, naming the question when it is one of
    several: under a section's findings (``what`` "question", with how the charts draw the remainder) or under
    the headlines ("finding", ``drawn`` False: no chart beside them). Questions allowing several answers (or not
    saying) have no remainder: for them, the note says that the share giving other answers cannot be computed."""
    partial = [f for f in findings if f.remainder_unpublished or f.unknown_remainder]
    if not partial:
        return ""
    opening = f"For {_which(partial, findings, what)}, the sources published only some answers"
    parts = []  # (the findings, what is said of them)
    remainder = [f for f in partial if f.remainder_unpublished]
    if remainder and drawn:
        parts.append((remainder, "the remainder is shown as “other answers (not published)”"))
    for several in (True, False):
        group = [f for f in partial if f.unknown_remainder and f.several_answers == several]
        why = "several answers were allowed" if several else "the sources do not say how many answers were allowed"
        if group:
            parts.append((group, f"as {why}, the share giving other answers cannot be computed"))
    if not parts:
        return f"{opening}."
    if len(parts) == 1 and len(parts[0][0]) == len(partial):
        return f"{opening}; {parts[0][1]}."
    details = "; ".join(f"for {_which(group, partial, what, among=True)}, {text}" for group, text in parts)
    return f"{opening}. {capitalise(details)}."


def notes_said_once(findings: list[Finding], what: str = "question") -> tuple[list[str], str]:
    """The texts of a list of findings with the notes on figures that every one of them ends with taken out,
    and those notes said once for the list ("About the figures of all three questions above: …"); the texts
    as they are and "" when fewer than two findings share a note."""
    shared = [n for n in findings[0].notes if all(n in f.notes for f in findings)] if len(findings) > 1 else []
    if not shared:
        return [f.text for f in findings], ""
    texts = []
    for f in findings:
        rest = [n for n in f.notes if n not in shared]
        body = f.text.removesuffix(about_the_figures(list(f.notes))).rstrip()
        texts.append(f"{body} {about_the_figures(rest)}" if rest else body)
    said = about_the_figures(shared).removeprefix("About the figures: ")
    return texts, f"About the figures of {_which(findings, findings, what)}: {said}"


def _which(partial: list[Finding], findings: list[Finding], what: str, among: bool = False) -> str:
    """The findings of ``partial`` named among ``findings``: "this question", "“Title”", "both questions above",
    "all three questions above", "two of the three questions above" (``among``: of findings just named, "two
    of them")."""
    n = len(findings)
    if n == 1 and not among:
        return f"this {what}"
    if len(partial) == 1:
        return f"“{partial[0].title}”"
    if among:
        return f"{voc.number_in_words(len(partial))} of them"
    if len(partial) == n:
        return f"both {what}s above" if n == 2 else f"all {voc.number_in_words(n)} {what}s above"
    return f"{voc.number_in_words(len(partial))} of the {voc.number_in_words(n)} {what}s above"


# ------------------------------------------------------------------------------------------ comparisons


def _gap_text(data: SurveyData, r, confidence: float) -> str:
    adj1 = data.country(r.country_1).adjective
    adj2 = data.country(r.country_2).adjective
    if not r.testable:
        return f"the {adj1} and {adj2} figures are not set against each other ({r.reason})"
    higher, lower, low, high = (adj2, adj1, -r.ci_high, -r.ci_low) if r.diff < 0 else (adj1, adj2, r.ci_low, r.ci_high)
    gap = fmt.points(abs(r.diff))
    if r.significant:  # the figures, not the publics: a mirror's two figures answer different questions
        return (
            f"the {higher} figure is {gap} higher than the {lower} figure ({fmt.level(confidence)} interval of the "
            f"gap {fmt.interval(low, high)})"
        )
    return f"{voc.NO_SIGNIFICANT_DIFFERENCE} between the {adj1} and {adj2} figures ({gap})"


def holder(data: SurveyData, comparison: Comparison, country: str, option: str) -> str:
    """Whose figure a comparison shows, named so it cannot be read as an answer to another question: the
    public; for a mirror, with the item it was asked; where the figure measures something else, with that."""
    qid = comparison.question_ids[comparison.countries.index(country)]
    who = data.respondents(country)
    if is_mirror(comparison):  # each public with the question it was asked
        who = f"{who} ({lower_first(data.wording(qid, country))})"
    label = figure_label(data, country, qid, option)
    if label != option:
        return f"{who} who {label}"
    return who if comparison.any_gap else f"{who} answering {quoted(option)}"


def _other_measures(data: SurveyData, comparison: Comparison) -> str:
    """ " The American figure is not set against the others, as it is not known to measure the same thing.":
    said once of each group of publics whose figures are named by a measure of their own, where the other
    publics' gaps are tested ("" when there are none). Publics named by one and the same measure are tested
    against each other (:meth:`~helpers.tables.Comparison.measured_alike`)."""
    groups: dict[str, list[str]] = {}
    for c in comparison.countries:
        if (measure := comparison.measure_of(c)) is not None:
            groups.setdefault(measure, []).append(data.country(c).adjective)
    sentences = []
    for adjectives in groups.values():
        one = len(adjectives) == 1
        sentences.append(
            f" The {fmt.and_list(adjectives)} figure{'' if one else 's'} {'is' if one else 'are'} not set against "
            f"the others, as {'it is' if one else 'they are'} not known to measure the same thing."
        )
    return "".join(sentences)


def comparison_finding(
    data: SurveyData, comparison: Comparison, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> str:
    """The sentence(s) of one comparison: each public's figure named by what it measures (both directions of
    a mirror), each gap between figures of one measure and whether it is significant, which figures are not
    set against the others (a measure of their own), what the rest of each public is made of, and the notes
    on the figures."""
    table = comparison_table(data, comparison, confidence=confidence, deff=deff)
    diffs = comparison_differences(data, comparison, confidence=confidence, deff=deff, table=table)
    pieces = []
    for option in comparison.options:
        rows = diffs[diffs["option"] == option]
        shown = table[table["compared"] & (table["option"] == option)].set_index("country")["percent_text"]
        values = ", ".join(
            f"{holder(data, comparison, c, option)} {fmt.percent(shown[c])}" for c in comparison.countries
        )
        if comparison.any_gap:  # the gaps between figures of one measure (the others are said once, below)
            tested = [r for r in rows.itertuples() if comparison.measured_alike(r.country_1, r.country_2)]
            gaps = "; ".join(_gap_text(data, r, confidence) for r in tested)
            pieces.append(f"Answering {quoted(option)}: {values}; {gaps}")  # never a sentence opening with a quote
        else:  # no gap at all: said once, below
            pieces.append(values)
    text = ". ".join(capitalise(p) for p in pieces) + "."
    if comparison.any_gap:
        text += _other_measures(data, comparison)
    else:
        adjectives = [data.country(c).adjective for c in comparison.countries]
        text += (
            f" The {fmt.and_list(adjectives)} figures are different measures, so they are not set against each "
            "other and no gap is tested."
        )
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
    else:  # no view given: where answers were left unpublished, say how many, so none is read as the other side
        text += _unpublished_rest(data, comparison, table)
    caveats = comparison_caveats(data, comparison)
    if caveats:
        text += " " + about_the_figures(caveats)
    return text


def _unpublished_rest(data: SurveyData, comparison: Comparison, table: pd.DataFrame) -> str:
    """ " Some answers were not published (24.2% of Japanese respondents and 38% of American respondents).":
    the share of each public whose answers the sources left unpublished ("" when none)."""
    rest = table[table["kind"] == Kind.NOT_PUBLISHED]
    shares = []
    for c, qid in zip(comparison.countries, comparison.question_ids):
        own = rest[rest["country"] == c]
        if own.empty and data.options_published(c, qid) == OptionsPublished.SOME:
            return ""  # answers unpublished where several may be given: no share to state, so none is stated
        shares += [f"{fmt.percent(r.percent_text)} of {data.respondents(c)}" for r in own.itertuples()]
    return f" Some answers were not published ({fmt.and_list(shares)})." if shares else ""


def comparison_findings(
    data: SurveyData, country: str, category: str | None = None, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> list[tuple[Comparison, str, str]]:
    """(comparison, title, text) of every comparison ``country`` takes part in (of one category, or all)."""
    items = comparisons_in_category(data, country, category)
    return [(c, comparison_title(data, c), comparison_finding(data, c, confidence, deff)) for c in items]


# ------------------------------------------------------------------------------------------ release wording

CLAIM_READING_TEXT = {
    "tie": f"the two answers being about even (within {voc.threshold_points(voc.CLEAR_LEAD_MIN)})",
    "lead": "a real gap",
    "narrow lead": "a small but real gap",
    "clear lead": "a clear gap",
    "overwhelming lead": "an overwhelming gap",
    "no majority": "no answer held by more than half",
    "majority": "more than half",
    "about half": "about half",
    "largest": "the largest answer",
    "one of the two largest": "one of the two largest answers",
}
"""How each reading of the release's words (``implies`` in release_claims.csv) is put in a sentence."""

SUPPORTED = "supported"
SAMPLE_ONLY = "true of the sample, not established"
NOT_SUPPORTED = "not supported"
CANNOT_CHECK = "cannot be checked from the published figures"
VERDICTS = (SUPPORTED, SAMPLE_ONLY, NOT_SUPPORTED, CANNOT_CHECK)
"""The outcomes of comparing the release's words with the rules, in the order the methodology explains them."""

_LEAD_MIN = {
    "lead": 0.0,
    "narrow lead": 0.0,
    "clear lead": voc.CLEAR_LEAD_MIN,
    "overwhelming lead": voc.OVERWHELMING_LEAD_MIN,
}


@dataclass(frozen=True)
class Verdict:
    """How the release's words compare with the figures: one of :data:`VERDICTS` and why, in plain words."""

    outcome: str
    reason: str


def _gap_verdict(implies: str, d, level: str) -> Verdict:
    """A claim about the gap between two answers (``d`` the difference, option minus versus)."""
    word = voc.describe_difference(d)
    if implies == "tie":
        return _tie_verdict(d, level)
    minimum = _LEAD_MIN[implies]
    if d.diff <= 0:
        return Verdict(NOT_SUPPORTED, "the answer said to lead is not the larger one")
    if implies == "narrow lead" and d.significant and d.gap_low >= voc.CLEAR_LEAD_MIN:
        return Verdict(NOT_SUPPORTED, f"the gap is larger than narrow: *{word}* at {level}")
    if d.significant and d.gap_low >= minimum:
        return Verdict(SUPPORTED, f"*{word}* at {level}")
    if abs(d.diff) >= minimum:
        return Verdict(SAMPLE_ONLY, f"the sample's gap fits the words, but at {level} the rules give *{word}*")
    return Verdict(NOT_SUPPORTED, f"even the sample's gap is smaller than the words say (*{word}* at {level})")


def _tie_verdict(d, level: str) -> Verdict:
    """A claim that two answers are about even ("close", "nearly equal"): supported when the whole interval of
    the gap lies within ``CLEAR_LEAD_MIN`` of zero, so that neither answer can have a clear lead. A gap that is
    not significant does not show that by itself: the interval may reach a clear lead either way."""
    margin = voc.threshold_points(voc.CLEAR_LEAD_MIN)
    if not d.testable:
        return Verdict(CANNOT_CHECK, f"the gap cannot be tested ({d.reason})")
    if -voc.CLEAR_LEAD_MIN < d.ci_low and d.ci_high < voc.CLEAR_LEAD_MIN:
        return Verdict(SUPPORTED, f"the whole {level} interval of the gap lies within {margin} of 0")
    if abs(d.diff) < voc.CLEAR_LEAD_MIN:
        return Verdict(
            SAMPLE_ONLY,
            f"the sample's gap is under {margin}, but the {level} interval of the gap reaches {margin} or more "
            "from 0, so a *clear lead* cannot be ruled out",
        )
    return Verdict(NOT_SUPPORTED, f"the sample's gap is {margin} or more (*{voc.describe_difference(d)}*)")


def _share_verdict(implies: str, share: pd.Series, level: str) -> Verdict:
    """A claim about one share: more than half, about half."""
    low, high, p = float(share["ci_low"]), float(share["ci_high"]), float(share["percent"])
    interval = f"{level} interval {fmt.interval(low, high)}%"
    if implies == "majority":
        if low > voc.MAJORITY:
            return Verdict(SUPPORTED, f"the whole {interval} is above half")
        if p > voc.MAJORITY:
            return Verdict(SAMPLE_ONLY, f"above half in the sample, but the {interval} includes half")
        return Verdict(NOT_SUPPORTED, "the share is not above half")
    if low <= voc.MAJORITY <= high:
        return Verdict(SUPPORTED, f"the {interval} includes half")
    return Verdict(NOT_SUPPORTED, f"the {interval} excludes half")


def _no_majority_verdict(shares: list[pd.Series], level: str) -> Verdict:
    """The release's "divided": no answer above half."""
    if all(float(s["ci_high"]) < voc.MAJORITY for s in shares):
        return Verdict(SUPPORTED, f"every side's {level} interval is below half")
    if all(float(s["percent"]) <= voc.MAJORITY for s in shares):
        top = max(shares, key=lambda s: float(s["percent"]))
        return Verdict(
            SAMPLE_ONLY,
            f"no side is above half in the sample, but the {level} interval of {quoted(str(top['label']))} "
            f"({fmt.interval(top['ci_low'], top['ci_high'])}%) includes half",
        )
    return Verdict(NOT_SUPPORTED, "one side is above half")


def _lead_words(d) -> str:
    """ "a *clear lead*", "an *overwhelming lead*": the word for a gap, with its article."""
    word = voc.describe_difference(d)
    return f"{voc.article(word)} *{word}*"


def _largest_verdict(
    data: SurveyData,
    country: str,
    question_id: str,
    table: pd.DataFrame,
    option: str,
    confidence: float,
    deff: float,
    among: int = 1,
) -> Verdict:
    """The release's "most common / most frequently cited / most serious": the option is the largest answer
    (``among`` 1), or one of the ``among`` largest ("X and Y were the most common answers": 2).

    The option must lead every answer ranked below it, the unpublished ones taken together; an option that
    ranks first is held to that too, which asks more than ``among`` does (a verdict on the safe side)."""
    level = fmt.level(confidence)
    q = data.question(question_id)
    ranked = units(table)
    if option not in set(ranked["option"].iloc[:among]):
        return Verdict(NOT_SUPPORTED, "another published answer is larger" if among == 1 else "others are larger")
    a = ranked[ranked["option"] == option].iloc[0]
    one_answer = sum_counts_as_single(q)
    rest = table[table["kind"] == Kind.NOT_PUBLISHED]
    if not one_answer:
        how = "several answers were allowed" if q["answers"] != "not disclosed" else "the answer format is not given"
        if table.attrs["options_published"] != OptionsPublished.ALL:
            return Verdict(
                CANNOT_CHECK,
                f"{how} and the other answers were not published, so a larger one cannot be ruled out",
            )
    n = float(a["base_n"])
    unpublished = ""  # the test against the unpublished answers together, said with the verdict it allows
    if not rest.empty:
        r = float(rest["percent"].iloc[0])
        d = compare_within_question(float(a["percent"]), r, n, confidence=confidence, deff=deff)
        share = fmt.percent(str(rest["percent_text"].iloc[0]))
        if not (d.significant and d.diff > 0):
            return Verdict(
                CANNOT_CHECK, f"{share} gave answers that were not published, and one of them could be larger"
            )
        unpublished = f"ahead of the {share} of unpublished answers together by {_lead_words(d)}"
    if len(ranked) <= among:
        if rest.empty:
            return Verdict(SUPPORTED, f"every answer is published and there are only {len(ranked)}")
        return Verdict(SUPPORTED, f"{unpublished} at {level}")
    b = ranked.iloc[among]
    d = compare_answers(float(a["percent"]), float(b["percent"]), n, one_answer, confidence=confidence, deff=deff)
    also = f", and {unpublished}" if unpublished else ""
    if d.significant:
        return Verdict(SUPPORTED, f"ahead of {quoted(str(b['label']))} by {_lead_words(d)}{also} at {level}")
    return Verdict(SAMPLE_ONLY, f"ahead of {quoted(str(b['label']))} in the sample, a *{Word.TIE}* at {level}")


def claim_verdict(
    data: SurveyData, claim, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> tuple[Verdict, str]:
    """How one claim of ``release_claims.csv`` compares with the figures, and the figures it rests on."""
    table = question_table(data, claim.country, claim.question_id, confidence=confidence, deff=deff)
    own = table[table["measure"].isna()].set_index("option")
    level = fmt.level(confidence)
    a = own.loc[claim.option]
    shown = f"{quoted(str(a['label']))} {fmt.percent(a['percent_text'])}"
    if claim.implies in LARGEST_READINGS:
        among = LARGEST_READINGS[claim.implies]
        used = table.attrs["deff"]
        verdict = _largest_verdict(data, claim.country, claim.question_id, table, claim.option, confidence, used, among)
        return verdict, shown
    if pd.isna(claim.versus):
        return _share_verdict(claim.implies, a, level), shown
    b = own.loc[claim.versus]
    shown += f" vs {quoted(str(b['label']))} {fmt.percent(b['percent_text'])}"
    if claim.implies == "no majority":
        return _no_majority_verdict([a, b], level), shown
    one_answer = sum_counts_as_single(data.question(claim.question_id))
    d = compare_answers(a["percent"], b["percent"], a["base_n"], one_answer, confidence, table.attrs["deff"])
    verdict = _gap_verdict(claim.implies, d, level)
    interval = f"{level} interval of the gap {fmt.interval(d.ci_low, d.ci_high)} points"
    return Verdict(verdict.outcome, f"{verdict.reason}; {interval}"), shown


def claim_findings(
    data: SurveyData, country: str, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> list[str]:
    """The release's own wording of its findings (``release_claims.csv``) set beside this report's rules."""
    findings = []
    claims = data.claims[data.claims["country"] == country]
    for c in claims.itertuples(index=False):
        verdict, shown = claim_verdict(data, c, confidence, deff)
        findings.append(
            f"*{data.wording(c.question_id, country)}* ({shown}): the release says “{c.release_words}” "
            f"({data.source_label(c.source)}, {c.locator}), read as {CLAIM_READING_TEXT[c.implies]}. "
            f"**{capitalise(verdict.outcome)}**: {verdict.reason}."
        )
    return findings


NO_CLAIMS = "The sources describe no finding for this public in words of their own."


def claims_introduction(confidence: float = 0.95) -> str:
    """What the release-wording section does and what its outcomes mean, in plain words."""
    level = fmt.level(confidence)
    return (
        "Where the release describes a finding in words, the words are set beside the same figures read by the "
        f"rules under Methodology. *{capitalise(SUPPORTED)}*: the figures bear the words out at the {level} level. "
        f"*{capitalise(SAMPLE_ONLY)}*: the words describe the sample's figures, but at the {level} level the "
        f"population could differ. *{capitalise(NOT_SUPPORTED)}*: the figures say otherwise. "
        f"*{capitalise(CANNOT_CHECK)}*: answers the release did not publish could change the answer."
    )


# ------------------------------------------------------------------------------------------ methods


def deff_statement(data: SurveyData, country: str) -> str:
    """The design effect a public's published margin implies, its rounding bounds and what is used."""
    c = data.country(country)
    d = published_deff(data, country)
    text = (
        f"the published margin, ±{c.margin_of_error} points at {fmt.level(d.confidence)} according to "
        f"{data.source_label(c.margin_of_error_source)}, implies a design effect of {d.implied:.3f} "
        f"({d.low:.3f}–{d.high:.3f} within the margin's rounding)"
    )
    if d.is_srs:
        return (
            text + f"; it equals the simple-random-sampling margin (±{d.srs_margin:.2f}) at its published precision, "
            "so the design effect used is 1. That means the publisher applied the simple-random-sampling formula, "
            "not that weighting cost nothing"
        )
    return text + f"; the design effect used is {d.value:.3f}"


def precision_caveat(data: SurveyData) -> str:
    """What the intervals cover and what they do not, for online samples (AAPOR's guidance on opt-in data)."""
    samples = ". ".join(
        f"{data.country_name(c)}: {data.country(c).sample or 'not disclosed in the source'}" for c in data.countries()
    )
    return cite_sources(
        data,
        f"All the samples were collected online. {samples}. The intervals and tests below are model-based: they "
        "hold only under the stated assumption that each sample behaves like a simple random sample inflated by "
        "its design effect. They do not cover self-selection (who chooses to join an online panel and to answer, "
        "the main risk of opt-in samples), "
        "coverage or nonresponse error.",
    )


def precision_statement(data: SurveyData, confidence: float = 0.95, deff: float | str = PUBLISHED) -> list[str]:
    """One line per public: its design effect (:func:`helpers.tables.design_effect`) and why, and the margin
    of sampling error it gives at ``confidence``."""
    deff = check_deff(deff)
    lines = []
    for code in data.countries():
        c = data.country(code)
        n = c.n
        used = design_effect(data, code, deff)
        moe = margin_of_error(n, confidence=confidence, deff=used)
        why = deff_statement(data, code)
        if deff != PUBLISHED:
            why = f"a design effect of {fmt.deff(deff)} is assumed for every public (the parameter deff); {why}"
        lines.append(
            f"{c.name} ({fmt.base(n, False)}): {why}. With it ({fmt.effective_base(n / used)}), the "
            f"{fmt.level(confidence)} margin of sampling error for a share of 50% is ±{moe:.2f} points."
        )
    return lines


SENSITIVITY_DEFF = 1.5
"""A design effect for every public, larger than the survey's published margins imply: the methodology names
the findings whose words it would change, as a check of how much the words lean on the design effects used."""

_FIGURES = re.compile(r"\d[\d.,]*|\bpoints?\b")
"""What changes with the design effect and is not a word: numbers (figures, intervals) and "point(s)"."""


@by_content
def words_at_larger_deff(data: SurveyData, country: str, confidence: float = 0.95) -> dict[str, list[str]]:
    """A public's findings and comparisons whose words, not only their intervals, change when every public's
    design effect is :data:`SENSITIVITY_DEFF` instead of the one its published margin implies: title → the
    changes, each "“words now” would read “words then”" (:func:`_word_changes`)."""
    changed: dict[str, list[str]] = {}
    now, then = (findings_by_category(data, country, confidence, d) for d in (PUBLISHED, SENSITIVITY_DEFF))
    pairs = [(a.title, a.text, b.text) for c in CATEGORIES for a, b in zip(now[c], then[c])]
    pairs += [
        (a[1], a[2], b[2])
        for a, b in zip(
            *(comparison_findings(data, country, None, confidence, d) for d in (PUBLISHED, SENSITIVITY_DEFF))
        )
    ]
    for title, a, b in pairs:
        if _FIGURES.sub("#", a) != _FIGURES.sub("#", b):
            changes = _word_changes(a, b) or [  # a sentence recast around its figures: the word it loses
                f"“{w}” would not be said" for w in Word if str(w) in a.lower() and str(w) not in b.lower()
            ]
            changed.setdefault(title, [])
            changed[title] += [w for w in changes if w not in changed[title]]
    return changed


def _word_changes(a: str, b: str) -> list[str]:
    """Where ``b`` words ``a`` otherwise, "“narrowly ahead of” would read “statistically tied with”": each
    replaced run of words (a dropped word with its neighbours: “a large majority” would read “a majority”),
    leaving out runs with figures, which change with every interval."""
    words_a, words_b = _FIGURES.sub("#", a).split(), _FIGURES.sub("#", b).split()
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:  # a word dropped or added: with the words on either side
            i1, j1, i2, j2 = max(i1 - 1, 0), max(j1 - 1, 0), i2 + 1, j2 + 1
        elif i2 - i1 == j2 - j1 == 1:  # one word for another: with the next, which says what it qualifies
            i2, j2 = i2 + 1, j2 + 1
        old, new = " ".join(words_a[i1:i2]), " ".join(words_b[j1:j2])
        if "#" not in old + new and re.search("[A-Za-z]", old) and re.search("[A-Za-z]", new):
            changes.append(f"“{lower_first(old.strip(',.;:'))}” would read “{lower_first(new.strip(',.;:'))}”")
    return changes


def sensitivity_statement(
    data: SurveyData, country: str, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> str:
    """Which of a public's findings would be worded less strongly at :data:`SENSITIVITY_DEFF`, and how ("" when
    the report already assumes one design effect for every public: its reader chose it)."""
    if check_deff(deff) != PUBLISHED:
        return ""
    changed = words_at_larger_deff(data, country, confidence)
    larger = all(published_deff(data, c).value < SENSITIVITY_DEFF for c in data.countries())
    opening = f"With a design effect of {fmt.deff(SENSITIVITY_DEFF)} for every public" + (
        " (larger than any published margin implies)," if larger else ","
    )
    if not changed:
        return f"{opening} no finding of the report would change its words."
    named = fmt.and_list(
        [f"“{title}” ({'; '.join(changes)})" if changes else f"“{title}”" for title, changes in changed.items()]
    )
    noun = f"{voc.number_in_words(len(changed))} finding{'' if len(changed) == 1 else 's'}"
    return (
        f"{opening} {noun} of the report (in this summary or a category notebook) would be worded less strongly: "
        f"{named}. Every other finding keeps its words."
    )


def interval_method(confidence: float = 0.95, deff: float | str = PUBLISHED) -> str:
    """How every interval and test is computed, worded for the ``deff`` parameter."""
    deff = check_deff(deff)
    used = (
        "each public's design effect as implied by its published margin (above)"
        if deff == PUBLISHED
        else f"a design effect of {fmt.deff(deff)} for every public (deff = {fmt.deff(deff)})"
    )
    return (
        f"Each published percentage gets a {fmt.level(confidence)} Wilson interval on the effective sample size "
        f"n / deff, with {used}; tests between two publics use each public's own design effect."
    )


def comparison_rules() -> str:
    """How figures of two publics are treated when they do not measure one thing, or one wording is unknown."""
    return (
        "A figure that is not known to measure the item's answers (a view of a policy rather than a stance on "
        "it, or a press report's share from a question whose wording is not published, unless the same report "
        "gives another public's figure exactly as its institute published it for the item) is named by what it "
        "measures; it is shown beside the other publics' figures with a hollow marker and no connecting line, "
        "and no gap with it is given or tested, while the gaps between the other publics' figures are. The notes "
        "on a public's figures (a press report's wording, a sample not stated) are repeated with its figures, "
        "on their charts and wherever they are compared. A gap between two publics compares the samples as each "
        "institute drew them: their populations, listed among the disclosures above, may differ."
    )


def methodology_section(data: SurveyData, confidence: float = 0.95, deff: float | str = PUBLISHED) -> str:
    """Methodology and disclosure as Markdown (the summary's section, laid out by :mod:`helpers.pages`)."""
    from . import pages  # the renderer builds on this module

    model = {"methodology": pages.methodology_model(data, confidence, deff), "sensitivity": "", "trends": {}}
    body = pages.markdown_section("methodology", model, "")
    return f"## Methodology and disclosure\n\n{body}"


def cite_sources(data: SurveyData, text: str) -> str:
    """Replace the source ids that ``survey.yml`` texts cite (``(ihj-project-page)``, ``(dailian; …)``) by the
    sources' names, so a reader never meets an internal key."""
    ids = sorted(data.survey.source_ids, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w-])")
    return pattern.sub(lambda m: data.source_label(m.group(1), in_brackets=True), text)  # they cite in brackets


def disclosure_text(data: SurveyData, element: Disclosure) -> str:
    """Text of one AAPOR element; fieldwork and sample size are built from the per-country metadata."""
    if element.disclosed:
        return cite_sources(data, " ".join(element.disclosed.split()))
    countries = [data.country(c) for c in data.countries()]
    if element.from_countries == "fieldwork":  # a sentence per public, its sources' ranges apart by ";"
        return " ".join(
            f"{c.name}: "
            + "; ".join(
                f"{f.dates} according to {data.source_label(f.source)}" + (f", {f.measure}" if f.measure else "")
                for f in c.fieldwork
            )
            + "."
            for c in countries
        )
    total = sum(c.n for c in countries)
    return (
        "; ".join(
            f"{c.name} {fmt.base(c.n, False)}, published 95% margin ±{c.margin_of_error} points according to "
            f"{data.source_label(c.margin_of_error_source)}"
            for c in countries
        )
        + f"; {fmt.count(total)} in all."
    )


# ------------------------------------------------------------------------------------------ the summary


def build_summary(
    data: SurveyData,
    country: str,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
    figures_dir: str = "figures",
    reports_dir: str = "reports",
) -> str:
    """The executive summary of one country as Markdown (``reports/<country>/summary.md``), laid out by
    :mod:`helpers.pages` from its summary model; links and images relative to the summary file."""
    from . import pages  # the renderer builds on this module

    model = pages.summary_model(data, country, confidence, deff, figures_dir, reports_dir)
    return pages.summary_markdown(model, outputs.summary_file(country, reports_dir))


def key_figure(data: SurveyData, country: str, question_id: str, figures_dir: str = "figures") -> str:
    """Stem of the chart a question is drawn in: its own, or its group's (related scale questions)."""
    return outputs.question_figure(country, related_questions(data, country, question_id)[0], figures_dir)
