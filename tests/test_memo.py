"""Tests for helpers.memo: results remembered by the data's content are never stale, shared or unbounded."""

from __future__ import annotations

import pickle
import threading

import pytest

from helpers import memo, narrative, tables
from helpers.data import load_survey_data
from helpers.tables import comparable_items, question_table


@pytest.fixture
def data():
    return load_survey_data()  # our own copy: these tests edit it


def test_every_edit_is_a_new_version_and_old_versions_are_dropped(data):
    t = data.toplines
    where = (t["country"] == "JP") & (t["question_id"] == "us_impression") & (t["option"] == "favorable")
    seen = set()
    for step in range(3 * memo.VERSIONS_KEPT):
        t.loc[where, "percent_text"] = f"{30 + step}.0"
        t.loc[where, "percent"] = 30.0 + step
        table = question_table(data, "JP", "us_impression")
        assert table.loc[table["option"] == "favorable", "percent"].iloc[0] == 30.0 + step
        seen.add(data.fingerprint())
    assert len(seen) == 3 * memo.VERSIONS_KEPT
    versions, _ = question_table.cache_info()
    assert versions <= memo.VERSIONS_KEPT


def test_remembered_comparisons_cannot_be_changed_by_a_caller(data):
    with_notes = [c for c in comparable_items(data) if c.measure_notes]
    assert with_notes, "the data has comparisons of different measures"
    with pytest.raises(AttributeError):
        with_notes[0].measure_notes.clear()  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        with_notes[0].measure_notes["JP"] = "changed"  # type: ignore[index]
    # What the memo serves afterwards is what the function computes afresh, unmemoised.
    assert comparable_items(data) == tables._all_comparable_items.__wrapped__(data)


def test_a_figure_edited_into_a_non_figure_is_refused_not_computed_around(data):
    t = data.toplines
    data.toplines.loc[(t["country"] == "JP") & (t["question_id"] == "us_impression"), "percent_text"] = "n/a"
    with pytest.raises(ValueError, match="percent_text 'n/a' is not a published figure"):
        question_table(data, "JP", "us_impression")


def test_calls_made_while_computing_reuse_the_fingerprint_and_later_calls_see_an_edit(data, monkeypatch):
    t = data.toplines
    row = (t["country"] == "KR") & (t["question_id"] == "usfk_china_role")
    data.toplines.loc[row, ["percent", "percent_text"]] = [1.0, "1.0"]  # a version of the data nothing has seen
    calls = []
    fingerprint = type(data).fingerprint
    monkeypatch.setattr(type(data), "fingerprint", lambda self: calls.append(self) or fingerprint(self))
    tables_before = question_table.cache_info()[1]
    findings = narrative.category_findings(data, "KR", "security")  # a question table per question, and more
    assert question_table.cache_info()[1] > tables_before, "the findings' tables were not computed afresh"
    assert calls == [data], "the findings' own remembered calls computed the fingerprint again"
    other = load_survey_data()
    narrative.category_findings(other, "KR", "security")  # other data: its own fingerprint
    assert calls == [data, other]
    data.toplines.loc[row, ["percent", "percent_text"]] = [2.0, "2.0"]
    assert narrative.category_findings(data, "KR", "security") != findings  # the next call sees the edit


def test_data_that_cannot_be_fingerprinted_is_computed_without_the_memo(data):
    data.questions["unpicklable"] = [lambda: None] * len(data.questions)  # a column no table reads
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        data.fingerprint()
    table = question_table(data, "JP", "us_impression")
    assert not table.empty
    assert narrative.category_findings(data, "JP", "security")


def test_threads_sharing_a_memo_get_their_own_results(monkeypatch):
    monkeypatch.setattr(memo, "MAX_ENTRIES", 1)  # evictions on nearly every call

    class Data:
        def fingerprint(self):
            return "one version"

    @memo.by_content
    def square(data, x):
        return [x * x]

    errors = []

    def work(offset):
        try:
            for i in range(300):
                assert square(Data(), (i + offset) % 7) == [((i + offset) % 7) ** 2]
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors


def test_a_remembered_page_model_is_each_callers_own(data):
    from helpers import pages

    first = pages.summary_model(data, "JP")
    first["headlines"].clear()
    first["about"]["n"] = -1
    again = pages.summary_model(data, "JP")
    assert again["headlines"] and again["about"] != first["about"]
    assert again == pages.summary_model.__wrapped__(data, "JP")


def test_reading_fresh_data_leaves_its_fingerprint_alone(data):
    """Computing a whole summary from freshly loaded data (pandas caching what it reads on the way) keeps the
    fingerprint, so each result is computed once."""
    from helpers import pages

    before = data.fingerprint()
    pages.summary_model(data, "KR")
    assert data.fingerprint() == before
    _, results = pages.summary_model.cache_info()
    pages.summary_model(data, "KR")
    assert pages.summary_model.cache_info()[1] == results
