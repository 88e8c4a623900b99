"""The topline document: every question of the report with every figure, as a tidy table and a CSV.

One row per public × question × answer (× measure, where two sources measured it differently;
:data:`COLUMNS`): the paraphrased wording, the base, the answer with its figure exactly as published
(``percent`` keeps the published precision: ``78`` stays ``78``), what the row is (``kind``: published, a net,
derived, unconfirmed, or the unpublished remainder), its interval at the report's confidence level and design
effect, and the source. The same tidy form is the CSV beside each chart (the
numbers it draws, from the chart's own table) and the toplines of each public and of all three.

CSV cells a spreadsheet could run as a formula are defused (:func:`helpers.escape.spreadsheet_cell`).
"""

from __future__ import annotations

import csv
import functools

import pandas as pd

from . import escape
from . import formatting as fmt
from .data import CATEGORIES, SurveyData
from .kinds import Kind, Status
from .tables import design_effect, question_table, questions_in_category

COLUMNS = (
    "country",
    "public",
    "category",
    "question_id",
    "question",
    "base_n",
    "base_estimated",
    "answer",
    "kind",
    "measure",
    "percent",
    "ci_low",
    "ci_high",
    "confidence",
    "deff",
    "source",
    "source_url",
    "note",
)
"""The columns, in order. ``percent``, ``ci_low`` and ``ci_high`` are in percent; ``deff`` is the design effect
the interval was computed with for that public (the one its published margin implies, unless a run set
another); ``base_estimated`` says whether the base is estimated (a follow-up asked of a subgroup); ``measure``
names a measure other than the codebook's wording; ``note`` holds the notes for readers on the question, on
that public's figures from the row's source, and on the figure itself."""


SAID_KINDS = (Kind.NET, Kind.DERIVED, Status.UNCONFIRMED)
"""Values of ``kind`` the toplines page says beside the answer (a published figure and the remainder go
without)."""


def row_kind(kind: str, status: str) -> str:
    """A row's ``kind``: what it is (:class:`~helpers.kinds.Kind`), or ``unconfirmed`` for a figure whose item
    is not certain."""
    return str(Status.UNCONFIRMED if status == Status.UNCONFIRMED else Kind(kind))


def _source_url(data: SurveyData, source_id: str) -> str:
    url = data.source(source_id).url
    return url if escape.is_web_address(url) else ""


def tidy(data: SurveyData, table: pd.DataFrame, confidence: float, deff: float | str) -> pd.DataFrame:
    """The tidy rows of a question table (or a chart's ``survey_table``): one per public × question × answer."""
    notes_for = functools.cache(data.notes_for)  # the same for every answer of a public's question and source
    rows = []
    for r in table.itertuples(index=False):
        q = data.question(r.question_id)
        source = None if pd.isna(r.source) else r.source  # (a row without a source: every source's notes)
        rows.append(
            {
                "country": r.country,
                "public": data.respondents(r.country),
                "category": str(q["category"]),
                "question_id": r.question_id,
                "question": data.wording(r.question_id, r.country),
                "base_n": round(float(r.base_n)),
                "base_estimated": bool(r.base_is_estimate),
                "answer": str(r.label),
                "kind": row_kind(r.kind, r.status),
                "measure": "" if pd.isna(r.measure) else data.measure(r.measure).label,
                "percent": str(r.percent_text),
                "ci_low": "" if pd.isna(r.ci_low) else f"{r.ci_low:.1f}",
                "ci_high": "" if pd.isna(r.ci_high) else f"{r.ci_high:.1f}",
                "confidence": fmt.level(confidence),
                "deff": f"{design_effect(data, r.country, deff):.2f}",
                "source": data.source_label(r.source),
                "source_url": _source_url(data, r.source),
                "note": " ".join(
                    [*notes_for(r.country, r.question_id, source), *([] if pd.isna(r.note) else [r.note])]
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def country_toplines(
    data: SurveyData, country: str, confidence: float = 0.95, deff: float | str = "published"
) -> pd.DataFrame:
    """Every question asked of ``country`` with figures, in category and codebook order."""
    frames = [
        tidy(data, question_table(data, country, qid, confidence=confidence, deff=deff), confidence, deff)
        for category in CATEGORIES
        for qid in questions_in_category(data, category, country)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))


def to_csv(frame: pd.DataFrame) -> str:
    """The CSV text of a tidy table (UTF-8, every field quoted, ``\\n`` line ends), formula-like cells defused."""
    return frame.map(escape.spreadsheet_cell).to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)


def read_csv(text_or_path) -> pd.DataFrame:
    """A toplines CSV read back as text (the site shows the figures as written, never reparsed as floats)."""
    return pd.read_csv(text_or_path, dtype=str, keep_default_na=False)
