"""Tidy tables behind every chart and sentence: one question in one country, or one item across countries.

These tables are the single source of what the report shows. A question table holds the published figures
of a question, the values that follow from them (labelled ``derived``), the unpublished remainder of a
one-answer question (``not published``), each row's base (n) — estimated from the parent question for
subgroup questions, and flagged as such — its effective base and Wilson interval, and everything a chart or
a sentence needs to know about the row: which net it belongs to, the parts of a net, whether its share is
also counted in another row, whether a chart draws it, and whether it is one of the mutually exclusive
answers a sentence ranks. Charts and narrative only read these columns; they never re-derive a value or
re-parse a data column.

Tables are computed on demand from the :class:`~helpers.data.SurveyData` they are given and remembered by
the data's content (:mod:`helpers.memo`): a report asks for the same table many times (chart, sentence,
headlines, summary), and a table takes several milliseconds to build but well under one to look up. An
edit to a loaded dataset shows in every table asked for afterwards, and each caller gets its own copy.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> question_table(data, "JP", "korea_nuclear_weapons")[["option", "percent", "kind"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

import pandas as pd

from .data import SurveyData, decimals_of, sum_counts_as_single
from .kinds import Kind, OptionsPublished, QuestionType, Relation, Status
from .memo import by_content
from .stats import (
    PublishedDesignEffect,
    add_intervals,
    compare_between_countries,
    effective_n,
    estimate_subgroup_n,
    published_design_effect,
)

REMAINDER_LABEL = "other answers (not published)"
"""Option label of the remainder of a one-answer question whose other options the source left out."""

TABLE_COLUMNS = [
    "country",
    "question_id",
    "option",
    "label",
    "percent",
    "percent_text",
    "decimals",
    "kind",
    "order",
    "side",
    "parts",
    "in_net",
    "overlaps",
    "drawn",
    "unit",
    "source",
    "measure",
    "status",
    "note",
    "base_n",
    "base_is_estimate",
    "n_eff",
    "ci_low",
    "ci_high",
]


_DTYPES = {
    **dict.fromkeys(
        ("country", "question_id", "source", "measure", "status", "option", "label", "percent_text", "in_net", "note"),
        "string",
    ),
    **dict.fromkeys(("overlaps", "drawn", "unit", "base_is_estimate"), bool),
    "decimals": "int64",
}


# ------------------------------------------------------------------------------------------ codebook access


def question_row(data: SurveyData, question_id: str) -> pd.Series:
    """The codebook row of a question; a ValueError naming the question and the valid ids otherwise."""
    return data.question(question_id)


def questions_in_category(data: SurveyData, category: str, country: str | None = None) -> list[str]:
    """Question ids of a category in codebook order, optionally only those with data for ``country``."""
    data.check_category(category)
    if country is not None:
        data.check_country(country)
    q = data.questions[data.questions["category"] == category]
    ids = list(q["question_id"])
    if country is not None:
        ids = [qid for qid in ids if country in data.countries_of(qid)]
    return ids


# ------------------------------------------------------------------------------------------ design effects

PUBLISHED = "published"
"""The ``deff`` parameter's default: each public's design effect as implied by its published margin."""


def published_deff(data: SurveyData, country: str) -> PublishedDesignEffect:
    """The design effect ``country``'s published margin implies (``margin_of_error`` in ``survey.yml``, at the
    confidence level stated for it, ``margin_of_error_confidence``), with its rounding bounds."""
    c = data.country(data.check_country(country))
    level = c.margin_of_error_confidence
    if level is None:
        raise ValueError(
            f"survey.yml, key 'countries.{country}.margin_of_error_confidence': missing; the confidence level the "
            "published margin is stated at (0.95 for a 95% margin) is needed to derive the design effect"
        )
    return published_design_effect(c.margin_of_error, c.n, confidence=float(level))


def check_deff(deff: float | str) -> float | str:
    """``deff`` if it is ``"published"`` or a finite number > 0; a ValueError naming the parameter otherwise."""
    if deff == PUBLISHED:
        return PUBLISHED
    if isinstance(deff, bool) or not isinstance(deff, (int, float)) or not (0 < float(deff) < math.inf):
        raise ValueError(
            f"parameter deff must be {PUBLISHED!r} (each public's design effect implied by its published margin) "
            f"or a number > 0 used for every public (1.0 = simple random sampling), got {deff!r}"
        )
    return float(deff)


def design_effect(data: SurveyData, country: str, deff: float | str = PUBLISHED) -> float:
    """The one design effect every interval and test of ``country``'s figures uses.

    ``"published"`` (the default) gives the design effect implied by the country's published margin
    (:func:`published_deff`); a number overrides it for every country.
    """
    deff = check_deff(deff)
    return published_deff(data, country).value if deff == PUBLISHED else deff


# ------------------------------------------------------------------------------------------ names


def measure_name(note: str) -> str:
    """The name of what a figure measures, from its ``measure_note``: the note before its explanation in
    parentheses ("view stronger cooperation positively (a view of it, …)" → "view stronger cooperation
    positively"), a phrase said of the respondents."""
    return note.split(" (", 1)[0].strip()


def figure_label(data: SurveyData, country: str, question_id: str, option: str) -> str:
    """What a figure is called everywhere (sentences, headlines, charts, tables): its codebook option, unless
    ``country``'s figures of the question measure something else (``measure_note`` in ``coverage.csv``); then
    the name of that measure (:func:`measure_name`), with the option when the country has several."""
    note = data.measure_note(country, question_id)
    if not note:
        return option
    t = data.toplines
    own = t[(t["country"] == country) & (t["question_id"] == question_id) & t["measure"].isna()]
    name = measure_name(note)
    return name if own["option"].nunique() <= 1 else f"{name}: {option}"


# ------------------------------------------------------------------------------------------ bases


def base_of(data: SurveyData, country: str, question_id: str) -> tuple[float, bool]:
    """Base (n) of a question in a country and whether it is an estimate.

    Questions asked of everyone have the country's n. A subgroup question (``base_question`` and
    ``base_option`` in the codebook) is asked of those who gave that answer; the sources publish no
    subgroup n, so it is estimated as parent base × parent share / 100 (applied recursively) and flagged as
    an estimate. NaN when the parent share is not published.
    """
    q = question_row(data, question_id)
    n = float(data.country_n(country))
    parent_question = data.base_question(question_id)
    if parent_question is None:
        return n, False
    parent_n, _ = base_of(data, country, parent_question)
    t = data.toplines
    parent = t[
        (t["country"].to_numpy() == country)
        & (t["question_id"].to_numpy() == parent_question)
        & (t["option"].to_numpy() == q["base_option"])
        & t["measure"].isna().to_numpy()
    ]
    if parent.empty or math.isnan(parent_n):
        return math.nan, True
    return estimate_subgroup_n(parent_n, float(parent["percent"].iloc[0])), True


# ------------------------------------------------------------------------------------------ rows


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _derive_missing_parts(rows: list[dict]) -> list[dict]:
    """Parts that follow from a net minus its other published parts (e.g. 65.0 − 40.9 = 24.1).

    One missing part gives that option; several missing parts give one block of them together (their split
    is not published). A net with no published part gives nothing: the net itself is drawn.
    """
    derived = []
    plain = {r["option"]: r["percent_text"] for r in rows if not r["parts"]}
    for net in (r for r in rows if r["kind"] == Kind.NET):
        missing = tuple(p for p in net["parts"] if p not in plain)
        known = [plain[p] for p in net["parts"] if p in plain]
        if not missing or not known:
            continue
        decimals = max(decimals_of(x) for x in [*known, net["percent_text"]])
        value = max(Decimal(net["percent_text"]) - sum(Decimal(x) for x in known), Decimal(0))
        text = f"{value:.{decimals}f}"
        option = missing[0] if len(missing) == 1 else " + ".join(missing)
        derived.append(
            {
                **net,
                "option": option,
                "label": option,
                "percent_text": text,
                "kind": Kind.DERIVED,
                "parts": missing if len(missing) > 1 else (),
                "in_net": net["option"],
                "note": None,
            }
        )
        plain.update(dict.fromkeys(missing))
    return derived


def _remainder(rows: list[dict]) -> str | None:
    """Unpublished remainder (100 − what is known) of a one-answer question, as text; None if nothing left.

    Options known individually count once; options known only through a net count through the net.
    """
    rows = [r for r in rows if r["status"] == Status.PUBLISHED]  # an unconfirmed figure says nothing of the rest
    if not rows:
        return None
    plain = [r for r in rows if r["kind"] in (Kind.PUBLISHED, Kind.DERIVED)]
    covered = {p for r in plain for p in (r["parts"] or (r["option"],))}
    total = sum((Decimal(r["percent_text"]) for r in plain), Decimal(0))
    for net in (r for r in rows if r["kind"] == Kind.NET):
        if not covered.intersection(net["parts"]):
            total += Decimal(net["percent_text"])
            covered.update(net["parts"])
    rest = Decimal(100) - total
    if rest <= 0:
        return None
    return f"{rest:.{max(decimals_of(r['percent_text']) for r in rows)}f}"


def _annotate(group: list[dict], options: tuple[str, ...], sides: dict[str, str], is_scale: bool) -> None:
    """Order, side, membership, overlap, drawing and ranking of each row of one measure."""
    order = {o: i for i, o in enumerate(options)}
    nets = [r for r in group if r["kind"] == Kind.NET]
    shown = {p for r in group if r["kind"] in (Kind.PUBLISHED, Kind.DERIVED) for p in (r["parts"] or (r["option"],))}
    for r in group:
        members = r["parts"] or (r["option"],)
        if r["kind"] == Kind.NOT_PUBLISHED:
            r.update(order=float(len(options)), side="", in_net="", overlaps=False, drawn=True, unit=False)
            continue
        r["order"] = float(min(order[p] for p in members))
        member_sides = {sides.get(p, "") for p in members}
        r["side"] = member_sides.pop() if len(member_sides) == 1 else ""
        if r["kind"] == Kind.NET:
            r["order"] -= 0.5
            r["in_net"] = ""
            r["overlaps"] = bool(shown.intersection(r["parts"]))
            r["drawn"] = not r["overlaps"]
        else:
            if not r.get("in_net"):
                r["in_net"] = next((n["option"] for n in nets if set(members) <= set(n["parts"])), "")
            r["overlaps"] = bool(r["in_net"])
            r["drawn"] = True
        confirmed = r["status"] == Status.PUBLISHED
        if is_scale:
            r["unit"] = confirmed and (r["kind"] == Kind.NET or (r["kind"] == Kind.PUBLISHED and not r["in_net"]))
        else:
            r["unit"] = confirmed and r["kind"] == Kind.PUBLISHED


def _published_records(data: SurveyData, country: str, question_id: str) -> list[dict]:
    """The country's published rows of a question, as records with None for every missing value."""
    t = data.toplines
    published = t[(t["country"].to_numpy() == country) & (t["question_id"].to_numpy() == question_id)]
    return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in published.to_dict("records")]


def _remainder_row(first: dict, rest: str) -> dict:
    """The row of a one-answer question's unpublished remainder, modelled on the measure's first row."""
    return {
        **first,
        "option": REMAINDER_LABEL,
        "label": REMAINDER_LABEL,
        "percent_text": rest,
        "kind": Kind.NOT_PUBLISHED,
        "parts": (),
        "in_net": "",
        "status": Status.PUBLISHED,
        "note": None,
    }


def _measure_rows(
    data: SurveyData, country: str, question_id: str, q: pd.Series, records: list[dict], measure: str | None
) -> tuple[list[dict], bool]:
    """One measure's rows (published, derived, remainder), annotated; and whether all its options were published."""
    options = tuple(q["options"])
    sides = dict(zip(options, q["option_sides"])) if len(q["option_sides"]) else {}
    group = [
        {
            **r,
            "kind": Kind.NET if r["net_parts"] else Kind.PUBLISHED,
            "parts": tuple(r["net_parts"]),
            "label": r["option"] if measure else figure_label(data, country, question_id, r["option"]),
            "in_net": "",
        }
        for r in records
        if r["measure"] == measure
    ]
    group += _derive_missing_parts(group)
    all_published = all(
        data.options_published(country, question_id, s) == OptionsPublished.ALL
        for s in dict.fromkeys(r["source"] for r in group)
    )
    rest = _remainder(group) if sum_counts_as_single(q) and not all_published else None
    if rest is not None:
        group.append(_remainder_row(group[0], rest))
    _annotate(group, options, sides, q["question_type"] == QuestionType.SCALE)
    return group, all_published


def _all_measure_rows(
    data: SurveyData, country: str, question_id: str, q: pd.Series, records: list[dict]
) -> tuple[list[dict], OptionsPublished]:
    """Every measure's rows in display order, own measure first; and whether all or some options of the first
    were published."""
    measures = sorted(dict.fromkeys(r["measure"] for r in records), key=lambda m: m is not None)
    groups = [_measure_rows(data, country, question_id, q, records, measure) for measure in measures]
    out: list[dict] = []
    for rank, (group, _) in enumerate(groups):
        for r in group:
            r["measure_rank"] = rank
        out += group
    out.sort(key=lambda r: (r["measure_rank"], r["order"], r["option"]))
    return out, OptionsPublished.ALL if groups[0][1] else OptionsPublished.SOME


def _rows_table(rows: list[dict], confidence: float, deff: float) -> pd.DataFrame:
    """The rows as a table of :data:`TABLE_COLUMNS`, with the interval of every published row of known base. An
    unconfirmed figure gets none: which item (and so which base) it belongs to is not known for certain."""
    table = pd.DataFrame.from_records(rows, columns=TABLE_COLUMNS)
    table["ci_low"] = math.nan
    table["ci_high"] = math.nan
    has_ci = (table["kind"] != Kind.NOT_PUBLISHED) & table["base_n"].notna() & (table["status"] != Status.UNCONFIRMED)
    if has_ci.any():
        with_ci = add_intervals(table.loc[has_ci, ["percent", "base_n"]], confidence=confidence, deff=deff)
        table.loc[has_ci, ["ci_low", "ci_high"]] = with_ci[["ci_low", "ci_high"]].to_numpy()
    table = table.astype(_DTYPES)
    return table[TABLE_COLUMNS]


@by_content
def question_table(
    data: SurveyData, country: str, question_id: str, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> pd.DataFrame:
    """Every figure of one question in one country, in display order, with what its consumers need.

    Columns: :data:`TABLE_COLUMNS` (see the module docstring of the contract: ``kind`` is a
    :class:`~helpers.kinds.Kind`; ``parts`` the options a net or a derived block adds up; ``in_net`` the net a
    row belongs to; ``overlaps`` whether its share is also counted in another row; ``drawn`` whether a chart
    draws it; ``unit`` whether a sentence ranks it among the mutually exclusive answers). Where two sources
    publish different measures of one question (``measure``), both sets of rows are kept, the question's own
    measure first. ``table.attrs`` holds the confidence and design effect used, the question type, whether
    all options were published for this country, and the note on a different measure (or None). Empty when
    the country has no figures for the question.
    """
    data.check_country(country)
    q = question_row(data, question_id)
    records = _published_records(data, country, question_id)
    attrs = {
        "confidence": confidence,
        "deff": design_effect(data, country, deff),
        "question_type": QuestionType(q["question_type"]),
        "options_published": None,
        "measure_note": None,
    }
    if not records:
        empty = pd.DataFrame(columns=TABLE_COLUMNS)
        empty.attrs.update(attrs)
        return empty
    rows, attrs["options_published"] = _all_measure_rows(data, country, question_id, q, records)
    attrs["measure_note"] = data.measure_note(country, question_id)
    n, estimate = base_of(data, country, question_id)
    n_eff = effective_n(n, attrs["deff"]) if not math.isnan(n) else math.nan
    for r in rows:
        r["percent_text"] = str(r["percent_text"])
        r["percent"] = float(r["percent_text"])
        r["decimals"] = decimals_of(r["percent_text"])
        r["base_n"], r["base_is_estimate"], r["n_eff"] = n, estimate, n_eff
    table = _rows_table(rows, confidence, attrs["deff"])
    table.attrs.update(attrs)
    return table


def own_measure(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a question table's first measure: the codebook's own (no ``measure``) when published."""
    if table.empty or pd.isna(table["measure"].iloc[0]):
        return table[table["measure"].isna()]
    return table[table["measure"] == table["measure"].iloc[0]]


def measure_groups(table: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """The rows of each measure of a question table, the codebook's own first."""
    keys = table["measure"].astype(object).where(table["measure"].notna(), None)
    return [(m, table[keys.map(lambda k, m=m: k == m)]) for m in dict.fromkeys(keys)]


def single_figure(table: pd.DataFrame) -> bool:
    """Whether a question has exactly one published figure (its chart is grouped with others like it)."""
    rows = own_measure(table)
    return int((rows["kind"] != Kind.NOT_PUBLISHED).sum()) == 1 and len(measure_groups(table)) == 1


@by_content
def single_figure_questions(
    data: SurveyData,
    country: str,
    category: str | None = None,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
) -> list[str]:
    """Questions of ``country`` (in ``category``, or all) of which a single figure was published."""
    q = data.questions
    if category is not None:
        q = q[q["category"] == category]
    return [
        str(qid)
        for qid, countries in zip(q["question_id"], q["countries"])
        if country in countries and single_figure(question_table(data, country, qid, confidence, deff))
    ]


RELATED_COLUMN = "chart_group"
"""Codebook column naming a group of related scale questions drawn as rows of one chart."""


def related_questions(data: SurveyData, country: str, question_id: str) -> list[str]:
    """The question and those the codebook puts in its chart group (:data:`RELATED_COLUMN`), with data for
    ``country``, in codebook order; just the question when it is in no group."""
    group = data.question(question_id)[RELATED_COLUMN]
    if pd.isna(group) or not str(group):
        return [question_id]
    q = data.questions
    same = q[(q[RELATED_COLUMN] == group) & q["countries"].map(lambda cs: country in cs)]
    return list(same["question_id"])


def comparison_title(data: SurveyData, comparison: Comparison) -> str:
    """What a comparison compares, naming each public where their items differ.

    The same wording for every public gives that wording; a mirror names both directions, each public with
    the item it was asked ("Japanese views: overall impression of South Korea · South Korean views: overall
    impression of Japan"), so a figure can never be read as an answer to the other public's question.
    """
    texts = [data.wording(qid, c) for c, qid in zip(comparison.countries, comparison.question_ids)]
    if len(set(texts)) == 1 and not is_mirror(comparison):
        return texts[0]
    return " · ".join(direction(data, c, qid) for c, qid in zip(comparison.countries, comparison.question_ids))


def direction(data: SurveyData, country: str, question_id: str) -> str:
    """One public and the item it was asked: "Japanese views: overall impression of South Korea"."""
    text = data.wording(question_id, country)
    adjective = data.country(country).adjective
    return f"{adjective} views: {text[:1].lower() + text[1:] if text[1:2].islower() else text}"


def comparison_notes(data: SurveyData, comparison: Comparison) -> dict[str, list[str]]:
    """Each public's notes on its compared figures (:meth:`~helpers.data.SurveyData.figure_notes`): how a press
    report words them, a wording that is not published …; only publics with notes."""
    notes = {c: data.figure_notes(c, qid) for c, qid in zip(comparison.countries, comparison.question_ids)}
    return {c: found for c, found in notes.items() if found}


def comparison_caveats(data: SurveyData, comparison: Comparison) -> list[str]:
    """The notes of :func:`comparison_notes` as sentences naming their public, said wherever the figures are
    compared."""
    return [f"{data.country_name(c)}: {n}" for c, found in comparison_notes(data, comparison).items() for n in found]


def units(table: pd.DataFrame) -> pd.DataFrame:
    """The mutually exclusive answers of a question's own measure, largest first (what sentences rank)."""
    rows = own_measure(table)
    return rows[rows["unit"]].sort_values("percent", ascending=False, kind="stable")


# ------------------------------------------------------------------------------------------ comparisons


@dataclass(frozen=True)
class Comparison:
    """One item asked of several publics, or a mirrored pair, with the options that can be compared.

    ``question_ids`` is aligned with ``countries``: the item each public was asked. ``relation`` says whether
    it is the same item about the same subject (``subject``) or a mirror (each public's view of the other).
    ``same_measure`` is False when a public's figure measures something else than the item (a change rather
    than a state, a press report's measure): that figure is shown beside the others and no gap with it is
    tested (:meth:`measured_alike`). ``measure_notes`` maps such a country to what its figure measures.
    """

    comparison_id: str
    category: str
    relation: Relation
    question_ids: tuple[str, ...]
    countries: tuple[str, ...]
    subject: str | None
    options: tuple[str, ...]
    same_measure: bool
    measure_notes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False, hash=False)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """Index pairs (i, j), i < j, of the publics compared."""
        return [(i, j) for i in range(len(self.countries)) for j in range(i + 1, len(self.countries))]

    def measured_alike(self, country_1: str, country_2: str) -> bool:
        """Whether two publics' figures measure the same thing, so that a gap between them can be tested: both
        of the item's own measure, or both named by the same other measure (:func:`measure_name`)."""
        return self.measure_of(country_1) == self.measure_of(country_2)

    def measure_of(self, country: str) -> str | None:
        """The name of what a public's figure measures when it is not the item's answer (None when it is)."""
        note = self.measure_notes.get(country)
        return None if note is None else measure_name(note)

    @property
    def any_gap(self) -> bool:
        """Whether some pair of publics is :meth:`measured_alike` (some gap is tested)."""
        return any(self.measured_alike(self.countries[i], self.countries[j]) for i, j in self.pairs)


def _confirmed_options(data: SurveyData, country: str, question_id: str) -> list[str]:
    t = data.toplines
    rows = t[
        (t["country"] == country)
        & (t["question_id"] == question_id)
        & t["measure"].isna()
        & (t["status"] == Status.PUBLISHED)
    ]
    return list(rows["option"])


def _comparison(
    data: SurveyData,
    comparison_id: str,
    relation: Relation,
    question_ids: tuple[str, ...],
    countries: tuple[str, ...],
    subject: str | None,
) -> Comparison | None:
    """A comparison of these publics' items if they share a confirmed option; None otherwise."""
    q = question_row(data, question_ids[0])
    shared = None
    for country, qid in zip(countries, question_ids):
        found = set(_confirmed_options(data, country, qid))
        shared = found if shared is None else shared & found
    options = tuple(o for o in q["options"] if o in (shared or set()))
    if not options:
        return None
    notes = {c: note for c, qid in zip(countries, question_ids) if (note := data.measure_note(c, qid))}
    return Comparison(
        comparison_id,
        str(q["category"]),
        relation,
        question_ids,
        countries,
        subject,
        options,
        not notes,
        MappingProxyType(notes),
    )


def comparable_items(data: SurveyData, country: str | None = None) -> list[Comparison]:
    """Every valid comparison between publics, in codebook order (only those ``country`` takes part in).

    Two kinds of pairs are valid, and no other:

    - the same item (one question id, so one subject) asked of two or more publics — e.g. Japanese and
      American views of South Korea: one comparison of every public with confirmed figures;
    - a mirror: items of one ``family`` where public A was asked about B and public B about A — e.g.
      Japanese views of South Korea and South Korean views of Japan; id ``<A's item>_vs_<B's item>``.

    Items of one family about different subjects (Japanese views of the United States and South Korean
    views of Japan) are never paired. Only confirmed figures of the question's own measure count.
    """
    if country is not None:
        data.check_country(country)
    return [c for c in _all_comparable_items(data) if country is None or country in c.countries]


@by_content
def _all_comparable_items(data: SurveyData) -> list[Comparison]:
    items: list[Comparison] = []
    ids = list(data.questions["question_id"])
    order = {qid: k for k, qid in enumerate(ids)}
    for qid in ids:
        publics = data.countries_of(qid)
        if len(publics) >= 2:
            item = _comparison(data, qid, Relation.SAME_ITEM, (qid,) * len(publics), publics, data.subject(qid))
            if item is not None:
                items.append(item)
    # Each mirror with the item that comes first in the codebook first; two items that form more than one
    # mirror (several publics asked both) get the publics in their ids.
    mirrors = [(pair if order[pair[0][0]] < order[pair[1][0]] else pair[::-1]) for pair in data.mirror_pairs()]
    count = Counter((qa, qb) for (qa, _), (qb, _) in mirrors)
    for (qa, a), (qb, b) in mirrors:
        item = _comparison(
            data,
            f"{qa}_vs_{qb}" if count[(qa, qb)] == 1 else f"{qa}_{a}_vs_{qb}_{b}",
            Relation.MIRROR,
            (qa, qb),
            (a, b),
            None,
        )
        if item is not None:
            items.append(item)
    items.sort(key=lambda c: (order[c.question_ids[0]], c.relation != Relation.SAME_ITEM, c.comparison_id))
    return items


def comparisons_in_category(data: SurveyData, country: str, category: str | None = None) -> list[Comparison]:
    """The comparisons ``country`` takes part in, of one category (or of all categories), in the order every
    output lists them (:func:`listing_order`)."""
    if category is not None:
        data.check_category(category)
    return listing_order(c for c in comparable_items(data, country) if category is None or c.category == category)


def is_mirror(comparison: Comparison) -> bool:
    """Whether a comparison sets each public's view of the other side by side."""
    return comparison.relation == Relation.MIRROR


def listing_order(comparisons) -> list[Comparison]:
    """Same items first, then mirrors (each public's view of the other), otherwise as given: the order of a
    dot plot's rows and of the sentences that the plot's row labels point to."""
    return sorted(comparisons, key=is_mirror)


@by_content
def comparison_table(
    data: SurveyData, comparison: Comparison, confidence: float = 0.95, deff: float | str = PUBLISHED
) -> pd.DataFrame:
    """The full published distribution of each public of a comparison, with intervals.

    Every row of each public's own-measure question table (so "neither / don't know" and the unpublished
    remainder are shown, not hidden), each public's rows together in the comparison's public order, plus
    ``compared``: whether the option is one of ``comparison.options`` (shared, so a gap can be computed).
    """
    pieces = []
    for country, qid in zip(comparison.countries, comparison.question_ids):
        table = own_measure(question_table(data, country, qid, confidence=confidence, deff=deff))
        pieces.append(table[table["status"] == Status.PUBLISHED])
    table = pd.concat(pieces, ignore_index=True)
    table["compared"] = table["option"].isin(comparison.options) & (table["kind"] == Kind.PUBLISHED)
    table.attrs.update({"confidence": confidence, "deff": deff})
    return table


DIFFERENT_MEASURES_REASON = "the publics' figures are different measures"


def _difference_row(
    data: SurveyData,
    comparison: Comparison,
    option: str,
    a: pd.Series,
    b: pd.Series,
    confidence: float,
    deff: float | str,
) -> dict:
    """The gap between two publics' figures of one option, tested only when they measure the same thing."""
    d = compare_between_countries(
        a["percent"],
        a["base_n"],
        b["percent"],
        b["base_n"],
        confidence=confidence,
        deff1=design_effect(data, str(a["country"]), deff),
        deff2=design_effect(data, str(b["country"]), deff),
    )
    alike = comparison.measured_alike(str(a["country"]), str(b["country"]))
    testable = d.testable and alike
    # different measures come first: they are why no gap is tested, whatever else would prevent the test
    reason = d.reason if alike else DIFFERENT_MEASURES_REASON
    return {
        "option": option,
        "country_1": a["country"],
        "country_2": b["country"],
        "question_id_1": a["question_id"],
        "question_id_2": b["question_id"],
        "percent_1": a["percent"],
        "percent_2": b["percent"],
        "percent_text_1": str(a["percent_text"]),
        "percent_text_2": str(b["percent_text"]),
        "diff": d.diff,
        "ci_low": d.ci_low if testable else math.nan,
        "ci_high": d.ci_high if testable else math.nan,
        "significant": bool(testable and d.significant),
        "testable": testable,
        "reason": reason,
        "base_is_estimate": bool(a["base_is_estimate"] or b["base_is_estimate"]),
        "difference": d,
    }


def comparison_differences(
    data: SurveyData,
    comparison: Comparison,
    confidence: float = 0.95,
    deff: float | str = PUBLISHED,
    table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Between-country gaps for every shared option and pair of publics of a comparison.

    One row per option and pair: ``option``, ``country_1``, ``country_2``, ``question_id_1``,
    ``question_id_2``, ``percent_1``, ``percent_2``, ``percent_text_1``, ``percent_text_2``, ``diff``,
    ``ci_low``, ``ci_high``, ``significant``, ``testable``, ``reason``, ``base_is_estimate`` and
    ``difference`` (the :class:`~helpers.stats.Difference`). Independent samples, each public's figure at its
    own design effect (:func:`design_effect`). When two publics' figures are different measures their gap is not
    tested (``testable`` False, with the reason).
    """
    if table is None:  # the comparison's table, when the caller has it already
        table = comparison_table(data, comparison, confidence=confidence, deff=deff)
    rows = []
    for option in comparison.options:
        sub = table[table["compared"] & (table["option"] == option)].reset_index(drop=True)
        for i, j in comparison.pairs:
            a = sub[sub["country"] == comparison.countries[i]].iloc[0]
            b = sub[sub["country"] == comparison.countries[j]].iloc[0]
            rows.append(_difference_row(data, comparison, option, a, b, confidence, deff))
    return pd.DataFrame(rows)
