"""Results derived from the data, remembered by the data's content.

A report asks for the same question table or the same findings many times (the chart, its sentence, the
key findings, the headlines, the summary). :func:`by_content` makes such a function remember its results,
keyed by the :meth:`~helpers.data.SurveyData.fingerprint` of the data it is given and by its other
arguments. Editing a loaded dataset changes the fingerprint, so the next call computes afresh: nothing is
ever served from data that has since changed. Each caller gets its own copy of a remembered table or list,
so changing a returned value changes nothing else.

The key holds each argument's type as well as its value, so ``deff=True`` is not taken for ``deff=1.0``
(the function itself refuses it); an argument that cannot be a key (a list, a table), or data that cannot
be fingerprinted (pickled), skips the memo and the function runs as written. Data the fingerprint refuses
(a figure edited into something that is not a percentage) raises its ValueError to the caller.

Results are kept for the few most recent versions of the data only, so a session that edits its data again
and again does not accumulate results it can never be served.

The data cannot change while a remembered function computes from it, so the calls it makes to other
remembered functions with the same data reuse its fingerprint instead of computing it again (a summary's
findings make about a hundred such calls).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import inspect
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

F = TypeVar("F", bound=Callable)

VERSIONS_KEPT = 4
"""Versions of the data (fingerprints) whose results a function keeps; the least recently used is dropped."""
MAX_ENTRIES = 4096
"""Results kept per function and version (every table of every country at a few parameter values)."""


_COMPUTING: contextvars.ContextVar[tuple[object, str] | None] = contextvars.ContextVar("computing", default=None)
"""(data, its fingerprint) while a remembered function computes from that data, in this thread."""


def _fingerprint(data) -> str:
    computing = _COMPUTING.get()
    if computing is not None and computing[0] is data:
        return computing[1]
    return data.fingerprint()


@contextlib.contextmanager
def _computing(data, version: str):
    token = _COMPUTING.set((data, version))
    try:
        yield
    finally:
        _COMPUTING.reset(token)


def _own_copy(value):
    if isinstance(value, pd.DataFrame):
        return value.copy()
    if isinstance(value, list):
        return list(value)  # of immutable items (findings, comparisons)
    if isinstance(value, dict):
        return copy.deepcopy(value)  # a page's model: plain data, nested
    return value


def by_content(function: F) -> F:
    """Decorator: remember ``function(data, ...)`` per content of ``data`` and value of the other arguments."""
    signature = inspect.signature(function)
    versions: OrderedDict[str, OrderedDict[tuple, object]] = OrderedDict()  # fingerprint → arguments → result
    lock = threading.Lock()

    @functools.wraps(function)
    def remembered(data, *args, **kwargs):
        try:
            bound = signature.bind(data, *args, **kwargs)
        except TypeError:
            return function(data, *args, **kwargs)  # let Python report the bad call as it would
        bound.apply_defaults()
        key = tuple((name, type(value), value) for name, value in list(bound.arguments.items())[1:])
        try:
            hash(key)
        except TypeError:  # unhashable arguments: no memo
            return function(data, *args, **kwargs)
        try:
            version = _fingerprint(data)  # a ValueError (a figure edited into a non-figure) goes to the caller
        except (TypeError, AttributeError, pickle.PicklingError):  # data that cannot be fingerprinted: no memo
            return function(data, *args, **kwargs)
        with lock:
            results = versions.get(version)
            if results is not None and key in results:
                versions.move_to_end(version)
                results.move_to_end(key)
                return _own_copy(results[key])
        with _computing(data, version):
            value = function(data, *args, **kwargs)
        with lock:
            results = versions.setdefault(version, OrderedDict())
            versions.move_to_end(version)
            results[key] = value
            while len(results) > MAX_ENTRIES:
                results.popitem(last=False)
            while len(versions) > VERSIONS_KEPT:
                versions.popitem(last=False)
        return _own_copy(value)

    def cache_info() -> tuple[int, int]:
        """(versions of the data kept, results kept)."""
        with lock:
            return len(versions), sum(len(results) for results in versions.values())

    remembered.cache_clear = versions.clear  # type: ignore[attr-defined]
    remembered.cache_info = cache_info  # type: ignore[attr-defined]
    return remembered  # type: ignore[return-value]
