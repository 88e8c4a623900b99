"""The rows a chart draws: the engine's question table as it is (helpers.tables is the one source)."""
from __future__ import annotations

import pandas as pd

from ..data import SurveyData
from ..tables import REMAINDER_LABEL, question_table, single_figure

__all__ = ["REMAINDER_LABEL", "chart_table", "lone_figure"]


def chart_table(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                deff: float = 1.0) -> pd.DataFrame:
    """:func:`helpers.tables.question_table` (charts only read its columns)."""
    return question_table(data, country, question_id, confidence=confidence, deff=deff)


def lone_figure(table: pd.DataFrame) -> bool:
    """Whether a question has a single published figure (:func:`helpers.tables.single_figure`)."""
    return single_figure(table)
