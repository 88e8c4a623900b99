"""The rows a chart draws, in the columns of the tables contract (``label``, ``parts``, ``in_net``,
``overlaps``, ``drawn``, ``unit``).

Interim: until :func:`helpers.tables.question_table` returns these columns itself, this module is the
only place in ``charts`` that reads ``net_of``; once it does, :func:`chart_table` returns the table as it
is and the code below goes.
"""
from __future__ import annotations

import pandas as pd

from ..data import SurveyData
from ..tables import KIND_NET, KIND_NOT_PUBLISHED, question_row, question_table

REMAINDER_LABEL = "other answers (not published)"
CONTRACT_COLUMNS = ("label", "parts", "in_net", "overlaps", "drawn", "unit")


def chart_table(data: SurveyData, country: str, question_id: str, confidence: float = 0.95,
                deff: float = 1.0) -> pd.DataFrame:
    """:func:`helpers.tables.question_table`, with the contract's columns added when it lacks them."""
    table = question_table(data, country, question_id, confidence=confidence, deff=deff)
    if table.empty or all(c in table.columns for c in CONTRACT_COLUMNS):
        return table
    q = question_row(data, question_id)
    sides = dict(zip(q["options"], q["option_sides"])) if len(q["option_sides"]) else {}
    return add_contract_columns(table, sides)


def add_contract_columns(table: pd.DataFrame, sides: dict[str, str]) -> pd.DataFrame:
    table = table.copy()
    measure = table["measure"].fillna("").astype(str)
    parts = [tuple(p.strip() for p in str(n).split(";") if p.strip()) if k == KIND_NET else ()
             for k, n in zip(table["kind"], table["net_of"].fillna(""))]
    table["parts"] = pd.Series(parts, index=table.index, dtype=object)
    plain = {(m, o) for m, o, k in zip(measure, table["option"], table["kind"]) if k != KIND_NET}
    in_net, drawn, overlaps = [], [], []
    for i, (m, option, kind, own) in enumerate(zip(measure, table["option"], table["kind"], parts)):
        net = next((str(o) for o, k, p, mm in zip(table["option"], table["kind"], parts, measure)
                    if k == KIND_NET and mm == m and option in p), "") if kind != KIND_NET else ""
        in_net.append(net)
        shown_parts = [p for p in own if (m, p) in plain]
        drawn.append(kind != KIND_NET or not shown_parts)
        overlaps.append(bool(shown_parts) if kind == KIND_NET else bool(net))
    table["in_net"] = in_net
    table["drawn"] = drawn
    table["overlaps"] = overlaps
    table["side"] = [sides.get(p[0], "") if p else str(s) for p, s in zip(parts, table["side"].fillna(""))]
    is_scale = bool(sides)
    table["unit"] = [(k == KIND_NET or not n) if is_scale else (k not in (KIND_NET, KIND_NOT_PUBLISHED))
                     for k, n in zip(table["kind"], in_net)]
    table["unit"] = table["unit"] & (table["kind"] != KIND_NOT_PUBLISHED)
    table["label"] = [REMAINDER_LABEL if k == KIND_NOT_PUBLISHED else str(o)
                      for o, k in zip(table["option"], table["kind"])]
    if is_scale:  # the remainder of a scale has no side
        table.loc[table["kind"] == KIND_NOT_PUBLISHED, "side"] = ""
    return table


def lone_figure(table: pd.DataFrame) -> bool:
    """Whether a question table has a single figure to draw (besides an unpublished remainder)."""
    drawn = table[table["drawn"].astype(bool) & (table["kind"] != KIND_NOT_PUBLISHED)]
    return len(drawn) == 1
