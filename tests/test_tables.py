"""helpers.tables: the question and comparison tables every chart and sentence reads.

Expected values are worked out here from the rows of data/toplines.csv (in decimal, as published), not
copied from the module's output.
"""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pandas as pd
import pytest

from helpers import narrative
from helpers.data import answer_format, load_survey_data, sum_counts_as_single
from helpers.kinds import Kind, QuestionType, Relation
from helpers.stats import compare_between_countries, effective_n, wilson_interval
from helpers.tables import (
    REMAINDER_LABEL,
    TABLE_COLUMNS,
    comparable_items,
    comparison_differences,
    comparison_table,
    comparison_title,
    design_effect,
    direction,
    measure_name,
    own_measure,
    question_table,
    units,
)


@pytest.fixture(scope="module")
def data():
    return load_survey_data()


def published(data, country, question_id, option, measure=None):
    """The figure of one option as published (text), read straight from the toplines."""
    t = data.toplines
    rows = t[(t["country"] == country) & (t["question_id"] == question_id) & (t["option"] == option)]
    rows = rows[rows["measure"].isna()] if measure is None else rows[rows["measure"] == measure]
    assert len(rows) == 1, f"{country}/{question_id}/{option}: expected one published row"
    return str(rows["percent_text"].iloc[0])


def every_table(data, confidence=0.95, deff=1.0):
    for qid in data.questions["question_id"]:
        for country in data.countries_of(qid):
            yield country, qid, question_table(data, country, qid, confidence=confidence, deff=deff)


def by_option(table):
    return {str(r["option"]): r for _, r in table.iterrows()}


# ------------------------------------------------------------------------------------------ one question


def test_table_has_the_contract_columns_and_attrs(data):
    table = question_table(data, "JP", "korea_nuclear_weapons", confidence=0.9, deff=1.5)
    assert list(table.columns) == TABLE_COLUMNS
    assert table.attrs["confidence"] == 0.9 and table.attrs["deff"] == 1.5
    assert table.attrs["question_type"] == QuestionType.SCALE
    assert table.attrs["options_published"] == data.options_published("JP", "korea_nuclear_weapons")
    assert set(table["kind"]) <= set(Kind)


def test_derived_part_is_the_net_minus_its_published_part(data):
    rows = by_option(question_table(data, "JP", "korea_nuclear_weapons"))
    net, part = (
        published(data, "JP", "korea_nuclear_weapons", "opposed"),
        published(data, "JP", "korea_nuclear_weapons", "strongly opposed"),
    )
    derived = rows["somewhat opposed"]
    assert derived["kind"] == Kind.DERIVED
    assert Decimal(derived["percent_text"]) == Decimal(net) - Decimal(part)
    assert (net, part, derived["percent_text"]) == ("65.0", "40.9", "24.1")  # the source case
    assert derived["in_net"] == "opposed" and derived["parts"] == ()
    assert derived["drawn"] and derived["overlaps"] and not derived["unit"]


def test_a_net_without_published_parts_is_drawn_and_a_net_with_parts_is_not(data):
    rows = by_option(question_table(data, "JP", "korea_nuclear_weapons"))
    in_favor, opposed = rows["in favor"], rows["opposed"]
    assert in_favor["kind"] == opposed["kind"] == Kind.NET
    # no part of "in favor" was published (nor follows from it): the net itself is the bar
    assert not {"strongly in favor", "somewhat in favor"} & set(rows)
    assert in_favor["drawn"] and not in_favor["overlaps"]
    # "opposed" is shown through its parts (one published, one derived): drawing it too would count twice
    assert not opposed["drawn"] and opposed["overlaps"]
    assert opposed["parts"] == ("somewhat opposed", "strongly opposed")
    assert rows["strongly opposed"]["in_net"] == "opposed" and rows["strongly opposed"]["overlaps"]


def test_units_of_a_scale_are_its_sides_nets(data):
    table = question_table(data, "JP", "korea_nuclear_weapons")
    assert set(units(table)["option"]) == {"in favor", "opposed"}
    assert list(units(table)["option"]) == ["opposed", "in favor"]  # largest first
    assert units(table)["option"].iloc[0] == "opposed"


def test_a_published_net_overlaps_its_published_parts(data):
    rows = by_option(question_table(data, "JP", "defense_spending"))
    net = rows["increase"]
    assert net["kind"] == Kind.NET and net["overlaps"] and not net["drawn"]
    parts = net["parts"]
    assert parts == ("increase substantially", "increase somewhat")
    for p in parts:
        assert rows[p]["kind"] == Kind.PUBLISHED and rows[p]["in_net"] == "increase"
        assert rows[p]["overlaps"] and rows[p]["drawn"] and not rows[p]["unit"]
    assert sum(Decimal(rows[p]["percent_text"]) for p in parts) == Decimal(net["percent_text"])
    # the sides' unit answers: the "increase" net, and the options in no net
    assert set(units(pd.DataFrame(list(rows.values())))["option"]) == {
        "increase",
        "keep at the current level",
        "reduce",
    }


def test_a_net_sits_before_its_parts(data):
    table = question_table(data, "JP", "defense_spending")
    order = list(table["option"])
    assert order.index("increase") < order.index("increase substantially") < order.index("increase somewhat")
    assert order[-1] == REMAINDER_LABEL


@pytest.mark.parametrize(
    "qid, remainder",
    [
        ("jk_priority_goal", "47.0"),
        ("taiwan_impact", "40.0"),
        ("taiwan_us_response", "58.6"),
        ("us_impression", "25.0"),
    ],
)
def test_the_unpublished_remainder_of_source_cases(data, qid, remainder):
    """What the release leaves unpublished: 100 minus its figures (23.3 + 16.6 + 13.1 = 53.0 → 47.0, …)."""
    rest = question_table(data, "JP", qid)
    rest = rest[rest["kind"] == Kind.NOT_PUBLISHED]
    assert list(rest["percent_text"]) == [remainder] and list(rest["option"]) == [REMAINDER_LABEL]
    r = rest.iloc[0]
    assert math.isnan(r["ci_low"]) and math.isnan(r["ci_high"]), "an unpublished remainder has no interval"
    assert r["drawn"] and not r["unit"] and not r["overlaps"]


def test_no_remainder_where_answers_overlap_or_every_option_was_published(data):
    seen = 0
    for country, qid, table in every_table(data):
        q = data.question(qid)
        if (
            q["question_type"] in (QuestionType.SELECT_ALL, QuestionType.TOP_REASONS)
            or not sum_counts_as_single(q)
            or (table.attrs["options_published"] == "all")
        ):
            seen += 1
            assert (table["kind"] != Kind.NOT_PUBLISHED).all(), f"{country}/{qid}: nothing is left over to show"
    assert seen


def test_a_net_counts_once_in_the_remainder(data):
    # defense_spending: "increase" 33.7 (= 7.3 + 26.4), "keep" 32.9, "reduce" 16.9 → 100 − 83.5 = 16.5
    table = question_table(data, "JP", "defense_spending")
    assert list(table.loc[table["kind"] == Kind.NOT_PUBLISHED, "percent_text"]) == ["16.5"]


def test_select_all_never_gets_a_remainder(data):
    table = question_table(data, "JP", "economic_partners")
    assert table.attrs["question_type"] == QuestionType.SELECT_ALL
    assert table.attrs["options_published"] == "some"
    assert (table["kind"] != Kind.NOT_PUBLISHED).all()


def test_drawn_rows_of_a_one_answer_question_never_count_a_share_twice(data):
    checked = 0
    for country, qid, table in every_table(data):
        if not sum_counts_as_single(data.question(qid)):
            continue
        own = own_measure(table)
        drawn = own[own["drawn"]]
        total = sum((Decimal(t) for t in drawn["percent_text"]), Decimal(0))
        if (own["kind"] == Kind.NOT_PUBLISHED).any():
            assert total == 100, f"{country}/{qid}: drawn rows with the remainder sum to {total}"
            checked += 1
        else:
            assert total <= Decimal("100.5") + len(drawn) * Decimal("0.05"), f"{country}/{qid}: {total}"
        # a unit is never inside another unit
        unit_rows = own[own["unit"]]
        inside = {p for parts in unit_rows["parts"] for p in parts}
        assert not inside & set(unit_rows["option"]), f"{country}/{qid}: a unit counted inside another"
    assert checked


def test_bases_and_intervals_follow_the_design_effect(data):
    at1 = question_table(data, "JP", "us_impression")
    at15 = question_table(data, "JP", "us_impression", deff=1.5)
    n = data.country_n("JP")
    assert (at1["base_n"] == n).all() and (at1["n_eff"] == n).all()
    assert at15["n_eff"].iloc[0] == pytest.approx(effective_n(n, 1.5)) == pytest.approx(n / 1.5)
    row = at15[at15["option"] == "favorable"].iloc[0]
    low, high = wilson_interval(row["percent"], n, confidence=0.95, deff=1.5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    wide = (at15["ci_high"] - at15["ci_low"]).dropna()
    narrow = (at1["ci_high"] - at1["ci_low"]).dropna()
    assert (wide.to_numpy() > narrow.to_numpy()).all()


def test_subgroup_base_is_an_estimate_from_the_parent_share(data):
    table = question_table(data, "JP", "us_favorable_reasons")
    parent = Decimal(published(data, "JP", "us_impression", "favorable"))
    assert table["base_is_estimate"].all()
    assert table["base_n"].iloc[0] == pytest.approx(float(data.country_n("JP") * parent / 100))


def test_every_published_figure_is_in_its_table_as_published(data):
    t = data.toplines
    for country, qid, table in every_table(data):
        rows = t[(t["country"] == country) & (t["question_id"] == qid)]
        shown = table[table["kind"].isin([Kind.PUBLISHED, Kind.NET])]
        assert sorted(shown["percent_text"]) == sorted(rows["percent_text"]), f"{country}/{qid}"


def test_a_country_without_figures_gets_an_empty_table_and_a_bad_code_an_error(data):
    assert "US" not in data.countries_of("korea_nuclear_weapons")
    empty = question_table(data, "US", "korea_nuclear_weapons", deff=1.5)
    assert empty.empty and list(empty.columns) == TABLE_COLUMNS and empty.attrs["deff"] == 1.5
    assert narrative.question_finding(data, "US", "korea_nuclear_weapons") is None
    with pytest.raises(ValueError, match="nope"):
        question_table(data, "JP", "nope")
    with pytest.raises(ValueError, match="XX"):
        question_table(data, "XX", "us_impression")


def test_a_remembered_table_is_each_callers_own_copy(data):
    first = question_table(data, "JP", "us_impression")
    first.loc[first.index[0], "percent"] = -1.0
    first.attrs["deff"] = 99
    again = question_table(data, "JP", "us_impression")
    assert again["percent"].iloc[0] != -1.0 and again.attrs["deff"] == 1.0
    assert again is not question_table(data, "JP", "us_impression")


def test_the_memo_never_takes_a_bad_argument_for_a_good_one(data):
    question_table(data, "JP", "us_impression", deff=1.0)  # remembered under deff = 1.0
    with pytest.raises(ValueError, match="deff"):
        question_table(data, "JP", "us_impression", deff=True)  # True == 1.0, but refused
    with pytest.raises(ValueError, match="unknown country"):
        question_table(data, ["JP"], "us_impression")  # cannot be a key: the function itself says why


def test_a_dataset_loaded_twice_gives_equal_tables_and_fingerprints(data):
    other = load_survey_data()
    assert other.fingerprint() == data.fingerprint()
    pd.testing.assert_frame_equal(
        question_table(other, "KR", "japan_impression"), question_table(data, "KR", "japan_impression")
    )


# ------------------------------------------------------------------------------------------ no stale memo


def set_figure(data, country, question_id, option, text):
    t = data.toplines
    where = (
        (t["country"] == country) & (t["question_id"] == question_id) & (t["option"] == option) & t["measure"].isna()
    )
    assert where.sum() == 1
    t.loc[where, "percent"] = float(text)
    if "percent_text" in t.columns:  # the loader keeps the figure as published beside the float
        t.loc[where, "percent_text"] = text


def test_editing_a_loaded_dataset_changes_the_next_table_and_sentence():
    data = load_survey_data()  # our own copy: the edit must not leak into other tests
    before = question_table(data, "JP", "us_impression")
    finding_before = narrative.question_finding(data, "JP", "us_impression")
    assert "60.0%" not in finding_before.text
    set_figure(data, "JP", "us_impression", "favorable", "60.0")
    after = by_option(question_table(data, "JP", "us_impression"))
    assert after["favorable"]["percent_text"] == "60.0" and after["favorable"]["percent"] == 60.0
    assert after["favorable"]["ci_low"] != before[before["option"] == "favorable"]["ci_low"].iloc[0]
    text = narrative.question_finding(data, "JP", "us_impression").text
    assert "60.0%" in text and "40.5%" not in text


def test_editing_a_net_changes_the_derived_part():
    data = load_survey_data()
    question_table(data, "JP", "korea_nuclear_weapons")  # computed once before the edit
    set_figure(data, "JP", "korea_nuclear_weapons", "opposed", "70.0")
    rows = by_option(question_table(data, "JP", "korea_nuclear_weapons"))
    assert rows["somewhat opposed"]["percent_text"] == str(
        Decimal("70.0") - Decimal(rows["strongly opposed"]["percent_text"])
    )
    assert "70.0%" in narrative.question_finding(data, "JP", "korea_nuclear_weapons").text


# ------------------------------------------------------------------------------------------ comparisons


@pytest.fixture(scope="module")
def comparisons(data):
    return comparable_items(data)


def test_there_are_comparisons_of_both_kinds(comparisons):
    assert {c.relation for c in comparisons} == {Relation.SAME_ITEM, Relation.MIRROR}


def test_every_comparison_is_a_valid_pair(data, comparisons):
    for c in comparisons:
        assert len(c.countries) == len(c.question_ids) >= 2 and len(set(c.countries)) == len(c.countries)
        for country, qid in zip(c.countries, c.question_ids):
            assert country in data.countries_of(qid), f"{c.comparison_id}: {country} was not asked {qid}"
        if c.relation == Relation.SAME_ITEM:
            # one item, so one subject, asked of several publics
            assert len(set(c.question_ids)) == 1, c.comparison_id
            assert c.subject == data.subject(c.question_ids[0])
        else:
            (qa, qb), (a, b) = c.question_ids, c.countries
            assert qa != qb and c.subject is None
            assert data.family(qa) is not None and data.family(qa) == data.family(qb), c.comparison_id
            # A is asked about B and B about A
            assert data.subject(qa) == b and data.subject(qb) == a, c.comparison_id
        assert c.options, c.comparison_id


def test_no_comparison_pairs_different_subjects(data, comparisons):
    for c in comparisons:
        subjects = [data.subject(q) for q in c.question_ids]
        if c.relation == Relation.SAME_ITEM:
            assert len(set(subjects)) == 1, c.comparison_id
        else:
            # a mirror's subjects differ by design, and each is the other public
            assert subjects == list(reversed(c.countries)), c.comparison_id


def test_comparable_items_finds_every_shared_item(data, comparisons):
    """Every question asked of two publics with a confirmed option in common is compared."""
    t = data.toplines
    ids = {c.question_ids[0] for c in comparisons if c.relation == Relation.SAME_ITEM}
    for qid in data.questions["question_id"]:
        publics = data.countries_of(qid)
        if len(publics) < 2:
            continue
        confirmed = [
            set(
                t[(t["country"] == p) & (t["question_id"] == qid) & t["measure"].isna() & (t["status"] == "published")][
                    "option"
                ]
            )
            for p in publics
        ]
        if set.intersection(*confirmed):
            assert qid in ids, f"{qid} is asked of {publics} but not compared"


def test_comparisons_of_one_country_are_those_it_takes_part_in(data, comparisons):
    for country in data.countries():
        mine = comparable_items(data, country)
        assert mine == [c for c in comparisons if country in c.countries]


def test_comparison_table_shows_each_public_in_full(data, comparisons):
    for c in comparisons:
        table = comparison_table(data, c)
        assert list(dict.fromkeys(table["country"])) == list(c.countries)
        for country, qid in zip(c.countries, c.question_ids):
            own = own_measure(question_table(data, country, qid))
            own = own[own["status"] == "published"]
            mine = table[table["country"] == country]
            assert list(mine["option"]) == list(own["option"]), f"{c.comparison_id}/{country}"
        compared = table[table["compared"]]
        assert set(compared["option"]) == set(c.options)
        assert (compared["kind"] == Kind.PUBLISHED).all()


def test_a_comparison_says_how_much_of_each_public_is_not_shown(data, comparisons):
    """Beside a gap in one answer, where the rest of each public went: those who took no side (and every other
    public's unknowns), or else each public's unpublished share, so that no rest is read as the other side."""
    took_no_side = unpublished = 0
    for c in comparisons:
        text = narrative.comparison_finding(data, c)
        table = comparison_table(data, c)
        rest = table[table["kind"] == Kind.NOT_PUBLISHED]
        no_view = table["option"].isin([o for qid in c.question_ids for o in data.non_answers(qid)])
        if no_view.any():
            took_no_side += 1
            assert "Not everyone took a side: " in text and "Some answers were not published" not in text
        elif len(rest):
            unpublished += 1
            for r in rest.itertuples():  # the remainder of the public's published answers, as the charts draw it
                published = table[(table["country"] == r.country) & (table["kind"] == Kind.PUBLISHED)]
                if (published["option"].nunique() == len(published)) and not published["measure"].notna().any():
                    assert float(r.percent_text) == pytest.approx(100 - published["percent"].sum(), abs=0.06)
            shares = [f"{r.percent_text}% of {data.respondents(r.country)}" for r in rest.itertuples()]
            assert all(s in text for s in shares), text
            assert text.count("Some answers were not published (") == 1 and "took a side" not in text
        else:
            assert "took a side" not in text and "not published" not in text
    assert took_no_side and unpublished


def test_different_measures_are_shown_but_never_tested(data, comparisons):
    different = [c for c in comparisons if not c.same_measure]
    assert different, "the data has comparisons of different measures (e.g. a change against a state)"
    for c in different:
        assert c.measure_notes and set(c.measure_notes) <= set(c.countries)
        for country, note in c.measure_notes.items():
            assert note == data.measure_note(country, c.question_ids[c.countries.index(country)])
        diffs = comparison_differences(data, c)
        assert len(diffs) == len(c.options) * len(c.pairs)
        alike = [c.measured_alike(a, b) for a, b in zip(diffs["country_1"], diffs["country_2"])]
        untested = diffs[[not a for a in alike]]
        assert len(untested) and not untested["testable"].any() and not untested["significant"].any()
        assert untested["ci_low"].isna().all() and untested["ci_high"].isna().all()
        assert untested["reason"].str.contains("different measures").all()
        assert diffs[alike]["testable"].all(), "a gap between two figures of the item's own measure is tested"
        text = narrative.comparison_finding(data, c)
        if c.any_gap:  # said once of each public named by a measure of its own, never per answer
            for country in c.measure_notes:
                said = f"The {data.country(country).adjective} figure is not set against the others"
                assert text.count(said) == 1, text
        else:
            assert text.count("figures are different measures, so they are not set against each other") == 1
            assert "points" not in text


def test_which_pairs_of_publics_are_measured_alike(data):
    """The tariffs: Japan's and South Korea's figures are the item's answer, the U.S. figure a press report's
    share of its own measure; two publics named by one and the same other measure are alike again."""
    c = next(c for c in comparable_items(data) if c.question_ids[0] == "us_tariffs")
    assert set(c.countries) == {"JP", "KR", "US"} and set(c.measure_notes) == {"US"}
    assert c.measured_alike("JP", "KR") and not c.measured_alike("JP", "US") and not c.measured_alike("KR", "US")
    assert c.any_gap and not c.same_measure
    both = dataclasses.replace(c, measure_notes={"KR": c.measure_notes["US"], "US": c.measure_notes["US"]})
    assert both.measured_alike("KR", "US") and not both.measured_alike("JP", "KR")
    other = dataclasses.replace(c, measure_notes={"KR": "back the tariffs (x)", "US": c.measure_notes["US"]})
    assert not other.measured_alike("KR", "US") and not other.any_gap
    text = narrative.comparison_finding(data, both)
    assert text.count("The South Korean and American figures are not set against the others") == 1
    assert "the South Korean figure is 35.9 points higher than the American figure" in text  # alike: tested
    assert "than the Japanese figure" not in text and "higher than the South Korean" not in text


def test_same_measure_comparisons_are_tested(data, comparisons):
    same = [c for c in comparisons if c.same_measure]
    assert same
    for c in same:
        diffs = comparison_differences(data, c)
        for r in diffs.itertuples():
            assert r.testable and r.diff == pytest.approx(r.percent_1 - r.percent_2)
            assert r.ci_low <= r.diff <= r.ci_high
            assert r.significant == (r.ci_low > 0 or r.ci_high < 0)


# ------------------------------------------------------------------------------------------ design effects


def test_published_design_effects_follow_each_public_s_margin(data):
    from helpers.stats import published_design_effect

    for country in data.countries():
        c = data.country(country)
        expected = published_design_effect(c.margin_of_error, c.n, c.margin_of_error_confidence).value
        assert design_effect(data, country) == expected == design_effect(data, country, "published")
    # Japan ±3.04 and South Korea ±2.5 are the SRS margins at their precision; the U.S. ±2.95 is not
    assert design_effect(data, "JP") == design_effect(data, "KR") == 1.0
    assert 1.35 < design_effect(data, "US") < 1.37


def test_a_number_overrides_the_design_effect_of_every_public(data):
    assert {design_effect(data, c, 1.5) for c in data.countries()} == {1.5}


@pytest.mark.parametrize("deff", [0, -1.0, math.nan, math.inf, True, "1.5", "publish", None])
def test_a_bad_design_effect_parameter_is_refused(data, deff):
    with pytest.raises(ValueError, match="deff"):
        design_effect(data, "JP", deff)


def test_us_intervals_use_the_us_design_effect(data):
    """U.S. trust in Japan, 69% of 1,500: wider than the simple-random-sampling 66.6–71.3."""
    srs = question_table(data, "US", "japan_trust", deff=1.0).iloc[0]
    table = question_table(data, "US", "japan_trust")
    row = table.iloc[0]
    assert table.attrs["deff"] == design_effect(data, "US")
    assert row["ci_low"] < srs["ci_low"] and row["ci_high"] > srs["ci_high"]
    low, high = wilson_interval(69.0, 1500, deff=design_effect(data, "US"))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert row["n_eff"] == pytest.approx(1500 / design_effect(data, "US"))


def test_gaps_between_publics_use_each_public_s_design_effect(data):
    c = next(c for c in comparable_items(data) if set(c.countries) == {"JP", "US"} and c.same_measure)
    d = comparison_differences(data, c).iloc[0]
    expected = compare_between_countries(
        d["percent_1"],
        data.country_n(d["country_1"]),
        d["percent_2"],
        data.country_n(d["country_2"]),
        deff1=design_effect(data, d["country_1"]),
        deff2=design_effect(data, d["country_2"]),
    )
    assert d["difference"].se == pytest.approx(expected.se, rel=1e-12)


def test_a_missing_margin_confidence_is_named(data):
    countries = tuple(
        dataclasses.replace(c, margin_of_error_confidence=None) if c.code == "US" else c for c in data.survey.countries
    )
    broken = dataclasses.replace(data, survey=dataclasses.replace(data.survey, countries=countries))
    with pytest.raises(ValueError, match=r"countries\.US\.margin_of_error_confidence"):
        design_effect(broken, "US")


# ------------------------------------------------------------------------------------------ names


def test_a_figure_is_named_by_what_it_measures(data):
    for r in data.coverage.dropna(subset=["measure_note"]).itertuples():
        table = question_table(data, r.country, r.question_id)
        own = table[table["measure"].isna() & (table["kind"] == Kind.PUBLISHED)]
        assert (own["label"] == measure_name(r.measure_note)).all(), (r.country, r.question_id)
        assert not (own["label"] == own["option"]).any()
    jp = question_table(data, "JP", "trilateral_security_cooperation")
    assert list(jp["label"][jp["kind"] == Kind.PUBLISHED]) == list(jp["option"][jp["kind"] == Kind.PUBLISHED])


def test_mirror_titles_name_both_directions(data):
    mirrors = [c for c in comparable_items(data) if c.relation == Relation.MIRROR]
    assert mirrors
    for c in mirrors:
        title = comparison_title(data, c)
        for country, qid in zip(c.countries, c.question_ids):
            assert direction(data, country, qid) in title
        assert title.count(" · ") == len(c.countries) - 1


def test_different_measures_are_the_reason_even_where_no_test_could_run(data, comparisons):
    """Two 0% shares cannot be tested either; the reason a reader needs is still that the measures differ."""
    from helpers.tables import _difference_row

    c = next(c for c in comparisons if not c.same_measure)
    table = comparison_table(data, c)
    option = c.options[0]
    first, second = next((x, y) for x in c.countries for y in c.countries if x != y and not c.measured_alike(x, y))
    a, b = (table[(table["country"] == k) & (table["option"] == option)].iloc[0] for k in (first, second))
    zeros = [a.copy(), b.copy()]
    for z in zeros:
        z["percent"] = 0.0
    row = _difference_row(data, c, option, *zeros, 0.95, "published")
    assert not row["testable"] and row["reason"] == "the publics' figures are different measures"


def test_an_unconfirmed_figure_has_no_interval_and_a_confirmed_one_has(data):
    tables = [
        question_table(data, c, q.question_id) for q in data.questions.itertuples(index=False) for c in q.countries
    ]
    rows = pd.concat(tables, ignore_index=True)
    unconfirmed = rows[rows["status"] == "unconfirmed"]
    assert len(unconfirmed) and unconfirmed["ci_low"].isna().all() and unconfirmed["ci_high"].isna().all()
    confirmed = rows[(rows["status"] != "unconfirmed") & (rows["kind"] != Kind.NOT_PUBLISHED) & rows["base_n"].notna()]
    assert confirmed["ci_low"].notna().all()


def test_a_select_all_question_allows_several_answers_whatever_its_answers_column_says(data):
    q = data.question(next(iter(data.questions.query("question_type == 'select_all'")["question_id"])))
    assert answer_format(q) == "multiple"
    assert answer_format(pd.Series({"question_type": "select_all", "answers": "one"})) == "multiple"
    assert answer_format(pd.Series({"question_type": "top_reasons", "answers": "up to 2"})) == "up to 2"
