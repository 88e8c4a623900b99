"""Results derived from the data, remembered by the data's content.

A report asks for the same question table or the same findings many times (the chart, its sentence, the
key findings, the headlines, the summary). :func:`by_content` makes such a function remember its results,
keyed by the :meth:`~helpers.data.SurveyData.fingerprint` of the data it is given and by its other
arguments. Editing a loaded dataset changes the fingerprint, so the next call computes afresh: nothing is
ever served from data that has since changed. Each caller gets its own copy of a remembered table or list,
so changing a returned value changes nothing else.

The key holds each argument's type as well as its value, so ``deff=True`` is not taken for ``deff=1.0``
(the function itself refuses it); an argument that cannot be a key (a list, a table) skips the memo and
the function runs as written.
"""
from __future__ import annotations

import functools
import inspect
from collections import OrderedDict
from typing import Callable, TypeVar

import pandas as pd

F = TypeVar("F", bound=Callable)

MAX_ENTRIES = 4096
"""Results kept per function (every table of a few countries at a few parameter values); oldest dropped."""


def _own_copy(value):
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, list):
        return list(value)  # of frozen items (findings, comparisons)
    return value


def by_content(function: F) -> F:
    """Decorator: remember ``function(data, ...)`` per content of ``data`` and value of the other arguments."""
    signature = inspect.signature(function)
    store: OrderedDict[tuple, object] = OrderedDict()

    @functools.wraps(function)
    def remembered(data, *args, **kwargs):
        try:
            bound = signature.bind(data, *args, **kwargs)
        except TypeError:
            return function(data, *args, **kwargs)  # let Python report the bad call as it would
        bound.apply_defaults()
        rest = tuple((name, type(value), value) for name, value in list(bound.arguments.items())[1:])
        try:
            key = (data.fingerprint(), rest)
            hash(key)
        except (AttributeError, TypeError):
            return function(data, *args, **kwargs)
        if key in store:
            store.move_to_end(key)
            return _own_copy(store[key])
        value = function(data, *args, **kwargs)
        store[key] = value
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)
        return _own_copy(value)

    remembered.cache_clear = store.clear  # type: ignore[attr-defined]
    return remembered  # type: ignore[return-value]
