"""Tidy tables behind every chart and sentence: one question in one country, or one question across countries.

A table holds the published figures of a question, the values that follow from them (labelled ``derived``),
the unpublished remainder of a single-answer question (labelled ``not published``), each row's base (n) —
estimated from the parent question for subgroup questions, and flagged as an estimate — and its Wilson
interval.

Example
-------
>>> from helpers.data import load_survey_data
>>> data = load_survey_data()
>>> question_table(data, "JP", "korea_nuclear_weapons")[["option", "percent", "kind"]]  # doctest: +SKIP
              option  percent      kind
0   somewhat opposed     24.1   derived
...
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .data import SurveyData, sum_counts_as_single
from .stats import add_intervals, compare_between_countries, effective_n

KIND_PUBLISHED = "published"
KIND_NET = "net"
KIND_DERIVED = "derived"
KIND_NOT_PUBLISHED = "not published"
NOT_PUBLISHED_LABEL = "not published"
"""Option label of the remainder of a single-answer question whose other options the source left out."""

TABLE_COLUMNS = [
    "country", "question_id", "option", "percent", "percent_text", "decimals", "kind", "order", "side",
    "net_of", "source", "measure", "status", "base_n", "base_is_estimate", "n_eff", "ci_low", "ci_high",
]


def cache_of(data: SurveyData) -> dict:
    """Per-dataset memo of computed tables: narrative, charts and notebooks ask for the same ones often."""
    return data.__dict__.setdefault("_tables_cache", {})


def question_row(data: SurveyData, question_id: str) -> pd.Series:
    """The codebook row of a question; a KeyError naming the question if it is not in the codebook."""
    rows = cache_of(data).get("question_rows")
    if rows is None:
        rows = {q["question_id"]: q for _, q in data.questions.iterrows()}
        cache_of(data)["question_rows"] = rows
    if question_id not in rows:
        raise KeyError(f"question '{question_id}' is not in the codebook")
    return rows[question_id]


def questions_in_category(data: SurveyData, category: str, country: str | None = None) -> list[str]:
    """Question ids of a category in codebook order, optionally only those with data for ``country``."""
    q = data.questions[data.questions["category"] == category]
    if country is not None:
        q = q[q["countries"].map(lambda cs: country in cs)]
    return list(q["question_id"])


def base_of(data: SurveyData, country: str, question_id: str) -> tuple[float, bool]:
    """Base (n) of a question in a country and whether it is an estimate.

    Questions asked of everyone have the country's n. A subgroup question (``base_question`` and
    ``base_option`` in the codebook) is asked of those who gave that answer; the sources publish no
    subgroup n, so it is estimated as parent base × parent share / 100 (:func:`helpers.stats.estimate_subgroup_n`,
    applied recursively) and flagged as an estimate. NaN when the parent share is not published.
    """
    q = question_row(data, question_id)
    n = float(data.country_n(country))
    if pd.isna(q["base_question"]) or not q["base_question"]:
        return n, False
    parent_n, _ = base_of(data, country, str(q["base_question"]))
    t = data.toplines
    parent = t[(t["country"] == country) & (t["question_id"] == q["base_question"])
               & (t["option"] == q["base_option"]) & (t["measure"].fillna("") == "")]
    if parent.empty or math.isnan(parent_n):
        return math.nan, True
    return parent_n * float(parent["percent"].iloc[0]) / 100.0, True


def format_base(n: float, is_estimate: bool) -> str:
    """``n = 1,037`` for a published base, ``estimated n ≈ 420`` for an estimated one."""
    if isinstance(n, float) and math.isnan(n):
        return "base not published"
    return f"estimated n ≈ {round(n):,}" if is_estimate else f"n = {round(n):,}"


def decimals_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def derive_missing_parts(rows: list[dict]) -> list[dict]:
    """Parts that follow from a net minus its other published parts (e.g. 65.0 − 40.9 = 24.1)."""
    derived = []
    plain = {r["option"]: r["percent_text"] for r in rows if not r["net_parts"]}
    for net in (r for r in rows if r["net_parts"]):
        missing = [p for p in net["net_parts"] if p not in plain]
        if len(missing) != 1:
            continue
        known = [plain[p] for p in net["net_parts"] if p in plain]
        decimals = max(decimals_of(x) for x in known + [net["percent_text"]])
        value = max(Decimal(net["percent_text"]) - sum(Decimal(x) for x in known), Decimal(0))
        text = f"{value:.{decimals}f}"
        derived.append({**net, "option": missing[0], "percent_text": text, "kind": KIND_DERIVED,
                        "net_of": None, "net_parts": ()})
        plain[missing[0]] = text
    return derived


def remainder_of(rows: list[dict]) -> str | None:
    """Unpublished remainder (100 − what is known) of a single-answer question, as text; None if nothing left.

    Options known individually count once; options known only through a net count through the net.
    """
    plain = [r for r in rows if r["kind"] in (KIND_PUBLISHED, KIND_DERIVED)]
    covered = {r["option"] for r in plain}
    total = sum((Decimal(r["percent_text"]) for r in plain), Decimal(0))
    for net in (r for r in rows if r["kind"] == KIND_NET):
        if not covered.intersection(net["net_parts"]):
            total += Decimal(net["percent_text"])
            covered.update(net["net_parts"])
    rest = Decimal(100) - total
    if rest <= 0:
        return None
    return f"{rest:.{max(decimals_of(r['percent_text']) for r in rows)}f}"


def rows_by_question(data: SurveyData) -> dict[tuple[str, str], list[dict]]:
    """Toplines as plain records grouped by (country, question), built once per dataset."""
    cache = cache_of(data)
    if "rows" not in cache:
        grouped: dict[tuple[str, str], list[dict]] = {}
        t = data.toplines
        records = t.astype(object).where(t.notna(), None).to_dict("records")
        for r in records:
            grouped.setdefault((r["country"], r["question_id"]), []).append(r)
        cache["rows"] = grouped
    return cache["rows"]


def question_table(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                   deff: float = 1.0) -> pd.DataFrame:
    """Every figure of one question in one country, with base, interval and kind, in questionnaire order.

    Columns: ``TABLE_COLUMNS``. ``kind`` is ``published`` (a figure as published), ``net`` (a published
    sum of options, e.g. "in favor"), ``derived`` (computed from published figures, never published
    itself) or ``not published`` (the remainder of a single-answer question the source left out). Where two
    sources publish different measures of one question (``measure``), both sets of rows are kept. Empty
    when the country has no figures for the question. Returns a fresh copy (tables are memoised per dataset).
    """
    key = ("question_table", country, question_id, confidence, deff)
    cache = cache_of(data)
    if key not in cache:
        cache[key] = build_question_table(data, country, question_id, confidence, deff)
    return cache[key].copy()


def build_question_table(data: SurveyData, country: str, question_id: str, confidence: float,
                         deff: float) -> pd.DataFrame:
    q = question_row(data, question_id)
    published = rows_by_question(data).get((country, question_id), [])
    if not published:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    options = tuple(q["options"])
    order = {o: i for i, o in enumerate(options)}
    sides = dict(zip(options, q["option_sides"])) if len(q["option_sides"]) else {}
    single = sum_counts_as_single(q) and q["options_published"] == "some"
    measures = list(dict.fromkeys(r["measure"] for r in published))
    out: list[dict] = []
    for rank, measure in enumerate(measures):
        group = [{**r, "kind": KIND_NET if r["is_net"] else KIND_PUBLISHED}
                 for r in published if r["measure"] == measure]
        group += derive_missing_parts(group)
        rest = remainder_of(group) if single else None
        if rest is not None:
            group.append({**group[0], "option": NOT_PUBLISHED_LABEL, "percent_text": rest,
                          "kind": KIND_NOT_PUBLISHED, "net_of": None, "net_parts": (), "status": "published"})
        for r in group:
            if r["kind"] == KIND_NET:
                r["order"] = min(order[p] for p in r["net_parts"]) - 0.5
            else:
                r["order"] = order.get(r["option"], len(options))
            r["measure_rank"] = rank
        out += group
    n, estimate = base_of(data, country, question_id)
    table = pd.DataFrame.from_records(out)
    table["percent_text"] = table["percent_text"].astype(str)
    table["percent"] = table["percent_text"].astype(float)
    table["decimals"] = table["percent_text"].map(decimals_of).astype("int64")
    table["side"] = table["option"].map(lambda o: sides.get(o, ""))
    table["base_n"] = n
    table["base_is_estimate"] = estimate
    table["n_eff"] = effective_n(n, deff) if not math.isnan(n) else math.nan
    table["ci_low"] = math.nan
    table["ci_high"] = math.nan
    has_ci = (table["kind"] != KIND_NOT_PUBLISHED) & table["base_n"].notna()
    if has_ci.any():
        with_ci = add_intervals(table[has_ci], confidence=confidence, deff=deff)
        table.loc[has_ci, ["ci_low", "ci_high"]] = with_ci[["ci_low", "ci_high"]].to_numpy()
    table = table.sort_values(["measure_rank", "order", "option"], kind="stable").reset_index(drop=True)
    for c in ("country", "question_id", "source", "measure", "status", "option", "percent_text", "net_of"):
        table[c] = table[c].astype("string")
    return table[TABLE_COLUMNS]


@dataclass(frozen=True)
class Comparison:
    """The same (or a mirrored) item asked in several countries, with the options they share."""

    comparison_id: str
    question_ids: tuple[str, ...]
    countries: tuple[str, ...]
    options: tuple[str, ...]
    mirrored: bool


def comparable_items(data: SurveyData) -> list[Comparison]:
    """Items with figures in two or more countries for at least one common option.

    A question asked in several countries gives one comparison (id = question id). A mirrored pair
    (``mirror_of``, e.g. Japanese views of Korea and Korean views of Japan) gives one comparison with the id
    ``<first>_vs_<second>`` in codebook order. Only published (confirmed) plain figures of the default
    measure count.
    """
    t = data.toplines
    plain = t[~t["is_net"] & (t["status"] == "published") & t["measure"].isna()]
    items: list[Comparison] = []
    seen_pairs: set[frozenset] = set()
    for q in data.questions.itertuples(index=False):
        own = plain[plain["question_id"] == q.question_id]
        if not pd.isna(q.mirror_of) and q.mirror_of:
            pair = frozenset((q.question_id, q.mirror_of))
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
            other = plain[plain["question_id"] == q.mirror_of]
            common = [o for o in q.options if o in set(own["option"]) and o in set(other["option"])]
            countries = tuple(dict.fromkeys(list(own["country"]) + list(other["country"])))
            if common and len(countries) >= 2:
                items.append(Comparison(f"{q.question_id}_vs_{q.mirror_of}", (q.question_id, q.mirror_of),
                                        countries, tuple(common), True))
            continue
        countries = tuple(c for c in data.countries() if c in set(own["country"]))
        if len(countries) < 2:
            continue
        common = [o for o in q.options
                  if sum(((own["country"] == c) & (own["option"] == o)).any() for c in countries) >= 2]
        if common:
            items.append(Comparison(q.question_id, (q.question_id,), countries, tuple(common), False))
    return items


def comparison_table(data: SurveyData, comparison: Comparison, confidence: float = 0.95,
                     deff: float = 1.0) -> pd.DataFrame:
    """Figures of a comparable item for each country and shared option, with intervals.

    Columns: ``TABLE_COLUMNS`` plus ``question_id`` per row (for a mirrored pair each country's own item).
    """
    pieces = []
    for qid in comparison.question_ids:
        for country in comparison.countries:
            table = question_table(data, country, qid, confidence=confidence, deff=deff)
            if table.empty:
                continue
            keep = table["option"].isin(comparison.options) & (table["kind"] == KIND_PUBLISHED) \
                & table["measure"].isna() & (table["status"] == "published")
            pieces.append(table[keep])
    table = pd.concat(pieces, ignore_index=True)
    return table.sort_values(["order", "country"], key=lambda s: s.map(
        {c: i for i, c in enumerate(comparison.countries)}) if s.name == "country" else s,
        kind="stable").reset_index(drop=True)


def comparison_differences(data: SurveyData, comparison: Comparison, confidence: float = 0.95,
                           deff: float = 1.0) -> pd.DataFrame:
    """Between-country tests (independent samples) for every shared option of a comparison.

    One row per option and pair of countries: ``option``, ``country_1``, ``country_2``, ``percent_1``,
    ``percent_2`` (and ``percent_text_1``, ``percent_text_2`` as published), ``diff``, ``se``, ``z``, ``p_value``, ``ci_low``, ``ci_high``, ``significant``,
    ``base_is_estimate``. The same ``deff`` is assumed in both countries.
    """
    table = comparison_table(data, comparison, confidence=confidence, deff=deff)
    rows = []
    for option in comparison.options:
        sub = table[table["option"] == option].reset_index(drop=True)
        for i in range(len(sub)):
            for j in range(i + 1, len(sub)):
                a, b = sub.iloc[i], sub.iloc[j]
                d = compare_between_countries(a["percent"], a["base_n"], b["percent"], b["base_n"],
                                              confidence=confidence, deff1=deff, deff2=deff)
                rows.append({"option": option, "country_1": a["country"], "country_2": b["country"],
                             "percent_1": a["percent"], "percent_2": b["percent"],
                             "percent_text_1": str(a["percent_text"]), "percent_text_2": str(b["percent_text"]),
                             "diff": d.diff,
                             "se": d.se, "z": d.z, "p_value": d.p_value, "ci_low": d.ci_low,
                             "ci_high": d.ci_high, "significant": d.significant,
                             "base_is_estimate": bool(a["base_is_estimate"] or b["base_is_estimate"]),
                             "difference": d})
    return pd.DataFrame(rows)
