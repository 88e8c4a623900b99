"""``survey.yml`` read once into typed, frozen objects: :class:`Survey` and its parts.

Every rule is checked while the objects are built, and every problem names the file, the line and the
key (``data/survey.yml, line 31, key 'countries.JP.margin_of_error': 'abc' is not a number``). The YAML is
read with a safe loader that also refuses a key given twice and any alias (``*name``), so a small file
cannot expand into a large document. Closed values (a source's ``kind``, a country's ``mode``, an AAPOR
element's ``from_countries``, a measure's ``answers``) are the enums of :mod:`helpers.kinds`.

Other modules read the survey only through these objects' attributes and methods.

Frozen dataclasses rather than pydantic models: pydantic is not a dependency (importing it and defining the
models costs about 0.15 s of CPU in every kernel, against a few milliseconds for these classes), its
messages carry no line numbers (the line map below would be needed anyway), and the checks that relate
parts of the file (a fieldwork source listed under ``sources:``) would be validators of our own either way.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import paths
from ..escape import is_web_address
from ..kinds import AnswerFormat, DisclosureFrom, FieldworkScope, Mode, SourceKind, check_country_code
from .files import DataValidationError, invisible_problem, is_invisible, known, location, read_text

"""A country code: ISO 3166-1 alpha-2 style, two capital letters (checked before a code is used anywhere)."""
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
"""A source id: lower case letters, digits and hyphens (``api-2025-08-28``)."""
AAPOR_ELEMENTS = 11
NOT_GIVEN_PREFIX = "not "
"""A ``date`` or ``url`` no source states is written as a sentence starting so ("not stated")."""


# ------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Fieldwork:
    """Fieldwork dates of one country as one source gives them."""

    dates: str
    source: str
    measure: str | None = None
    scope: FieldworkScope = FieldworkScope.PUBLIC


@dataclass(frozen=True)
class Country:
    """One public of the survey (a key of ``countries:``)."""

    code: str
    name: str
    adjective: str
    n: int
    conductor: str
    fieldwork_vendor: str
    mode: Mode
    fieldwork: tuple[Fieldwork, ...]
    population: str
    margin_of_error: float
    margin_of_error_source: str
    name_in_text: str | None = None
    n_source: str | None = None
    margin_of_error_confidence: float | None = None  # the level the source states for its margin
    sample: str | None = None  # how the sample was drawn, as the sources describe it

    @property
    def in_text(self) -> str:
        """The name inside a sentence: "the United States" (``name_in_text``, else ``name``)."""
        return self.name_in_text or self.name

    @property
    def agreed_dates(self) -> str | None:
        """The fieldwork dates when every source gives the same ones and one gives them for this public's
        sample; None otherwise (:attr:`dates_caveat` says why)."""
        dates = {f.dates for f in self.fieldwork}
        own = any(f.scope == FieldworkScope.PUBLIC for f in self.fieldwork)
        return next(iter(dates)) if len(dates) == 1 and own else None

    @property
    def dates_caveat(self) -> str:
        """Why the charts name the month only ("" when they give the dates)."""
        if self.agreed_dates is not None:
            return ""
        if len({f.dates for f in self.fieldwork}) > 1:
            return "The sources give different dates, so the charts name the month only."
        return "The only dates published are for the survey as a whole, so the charts name the month only."


@dataclass(frozen=True)
class Source:
    """One entry of ``sources:``."""

    id: str
    title: str
    publisher: str
    date: str
    url: str
    kind: SourceKind
    short: str | None = None
    note: str | None = None

    @property
    def is_press(self) -> bool:
        return self.kind == SourceKind.PRESS


@dataclass(frozen=True)
class Measure:
    """A measure of ``measures:`` (used where two sources report different measures of one question)."""

    id: str
    label: str
    answers: AnswerFormat
    description: str


@dataclass(frozen=True)
class Institute:
    id: str
    name: str
    role: str

    @property
    def own_name(self) -> str:
        """The name without what follows it in brackets: "Asia Pacific Initiative" (of the International
        House of Japan)."""
        return self.name.split(" (")[0]


@dataclass(frozen=True)
class Disclosure:
    """One AAPOR disclosure element: a text (``disclosed``) or the per-country facts that state it."""

    element: str
    disclosed: str | None = None
    from_countries: DisclosureFrom | None = None


@dataclass(frozen=True)
class Survey:
    """The survey's metadata: ``survey.yml``, checked and typed."""

    title: str
    fieldwork_month: str
    countries: tuple[Country, ...]
    sources: tuple[Source, ...]
    disclosure: tuple[Disclosure, ...]
    measures: tuple[Measure, ...] = ()
    institutes: tuple[Institute, ...] = ()
    year: int | None = None
    questionnaire: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Country codes in the order of ``survey.yml``."""
        return tuple(c.code for c in self.countries)

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sources)

    @property
    def measure_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.measures)

    def country(self, code: str) -> Country:
        """The country of ``code``; a ValueError naming it and the known codes if there is none."""
        return _find(self.countries, "code", code, "country")

    def source(self, source_id: str) -> Source:
        return _find(self.sources, "id", source_id, "source")

    def measure(self, measure_id: str) -> Measure:
        return _find(self.measures, "id", measure_id, "measure")

    def institute(self, institute_id: str) -> Institute | None:
        """The institute of ``institute_id``, or None when ``institutes:`` does not describe it."""
        return next((i for i in self.institutes if i.id == institute_id), None)


def _find(items, attribute: str, value, what: str):
    for item in items:
        if getattr(item, attribute) == value:
            return item
    have = known(getattr(i, attribute) for i in items)
    raise ValueError(f"unknown {what} {value!r}: survey.yml has {have}")


# ------------------------------------------------------------------------------------------ YAML reading


class _Refused(Exception):
    def __init__(self, line: int, what: str):
        self.line, self.what = line, what


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where installed (ten times faster than the pure-Python one), with the safe constructor."""


def _refuse_aliases(text: str) -> None:
    """Refuse any alias (``*name``) before the document is built: aliases can expand a small file hugely."""
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark.line + 1,
                f"alias '*{event.anchor}' refused: write each value out (aliases can expand a small file into a "
                "huge document)",
            )


class _StrictLoader(_SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping (YAML itself keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base loader reports it
                continue
            if first is not None:
                what = f"key '{key}' appears twice in one mapping (first on line {first}); keep one"
                raise _Refused(key_node.start_mark.line + 1, what)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _node_lines(node, hidden: frozenset, key: tuple = (), lines: dict | None = None, problems: list | None = None):
    """Map each key path (``("countries", "JP", "n")``) to its line; note invisible characters in scalars."""
    lines = {} if lines is None else lines
    problems = [] if problems is None else problems
    lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        wrong = invisible_problem(node.value) if hidden and not hidden.isdisjoint(node.value) else None
        if wrong:
            problems.append((key, wrong))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, hidden, (*key, i), lines, problems)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            sub = (*key, key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark))
            lines[sub] = key_node.start_mark.line + 1
            _node_lines(key_node, hidden, sub, lines, problems)
            _node_lines(value, hidden, sub, lines, problems)
    return lines, problems


def parse_yaml(path: Path, text: str) -> tuple[Any, dict[tuple, int], list]:
    """Parse YAML text: the value, the line of each key path, and invisible characters found."""
    loader = _StrictLoader(text)
    try:
        _refuse_aliases(text)
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except _Refused as refused:
        raise DataValidationError([f"{location(path, refused.line)}: {refused.what}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(exc, "problem", exc)
        raise DataValidationError([f"{location(path, line)}: not valid YAML ({what})"]) from None
    finally:
        loader.dispose()
    hidden = frozenset(c for c in set(text) if is_invisible(c))  # usually none: scalars are then not scanned
    lines, invisible = _node_lines(node, hidden) if node is not None else ({}, [])
    return value, lines, invisible


# ----------------------------------------------------------------------------------------- typed reading


def _dotted(key: tuple) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Reader:
    """Reads a parsed YAML document into typed values, collecting every problem with its line and key."""

    def __init__(self, path: Path, lines: dict[tuple, int]):
        self.path, self.lines, self.problems = path, lines, []

    def fail(self, key: tuple, what: str) -> None:
        at = key
        while at not in self.lines and at:
            at = at[:-1]  # a missing key: the line of the mapping that lacks it
        where = location(self.path, self.lines.get(at))
        self.problems.append(f"{where}, key '{_dotted(key)}': {what}" if key else f"{where}: {what}")

    def mapping(self, value: Any, key: tuple, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict | None:
        """``value`` if it is a mapping with every required key and no other than the optional ones."""
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping with {', '.join(required)}, found {_kind(value)}")
            return None
        for name in required:
            if name not in value:
                self.fail((*key, name), "missing")
        allowed = required + optional
        for name in value:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.8)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.fail((*key, str(name)), f"unknown key ({hint}allowed: {', '.join(allowed)})")
        return value

    def sequence(self, value: Any, key: tuple, what: str) -> list:
        if not isinstance(value, list) or not value:
            self.fail(key, f"expected a list of {what}, found {_kind(value)}")
            return []
        return value

    def text(self, m: dict, key: tuple, name: str) -> str | None:
        """A non-empty text; None when the key is absent (:meth:`mapping` reports a required one)."""
        if name not in m:
            return None
        value = m[name]
        if not isinstance(value, str) or not value.strip():
            self.fail((*key, name), f"expected a text, found {_kind(value)}")
            return None
        return " ".join(value.split()) if "\n" in value else value

    def choice(self, m: dict, key: tuple, name: str, enum):
        value = self.text(m, key, name)
        if value is None:
            return None
        if value not in tuple(enum):
            self.fail((*key, name), f"'{value}' is not one of: {', '.join(enum)}")
            return None
        return enum(value)

    def number(self, m: dict, key: tuple, name: str, integer: bool = False, below: float | None = None):
        if name not in m:
            return None
        value = m[name]
        kind = int if integer else (int, float)
        what = "a whole number" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, kind) or value != value:
            self.fail((*key, name), f"{value!r} is not {what} (ASCII digits, e.g. {'1037' if integer else '3.04'})")
            return None
        if value <= 0 or (below is not None and value >= below):
            limit = f", less than {below:g}" if below else ""
            self.fail((*key, name), f"{value!r} is out of range (more than 0{limit})")
            return None
        return value

    def reference(self, m: dict, key: tuple, name: str, ids, what: str) -> str | None:
        value = self.text(m, key, name)
        if value is not None and value not in ids:
            self.fail((*key, name), f"unknown {what} '{value}' (known: {known(ids)})")
            return None
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 40 else "a text"
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), f"{type(value).__name__} {value!r}")


# -------------------------------------------------------------------------------------------- the parts

TOP_REQUIRED = ("title", "fieldwork_month", "countries", "aapor_disclosure", "sources")
TOP_OPTIONAL = ("year", "institutes", "questionnaire", "measures")
COUNTRY_REQUIRED = (
    "name",
    "adjective",
    "n",
    "conductor",
    "fieldwork_vendor",
    "mode",
    "fieldwork",
    "population",
    "margin_of_error",
    "margin_of_error_source",
)
COUNTRY_OPTIONAL = ("name_in_text", "n_source", "margin_of_error_confidence", "sample")
SOURCE_REQUIRED = ("id", "title", "publisher", "date", "url", "kind")
SOURCE_OPTIONAL = ("short", "note")
MEASURE_REQUIRED = ("label", "answers", "description")
INSTITUTE_REQUIRED = ("id", "name", "role")
DISCLOSURE_KEYS = ("element", "disclosed", "from_countries")


def _source(r: _Reader, value: Any, key: tuple) -> Source | None:
    m = r.mapping(value, key, SOURCE_REQUIRED, SOURCE_OPTIONAL)
    if m is None:
        return None
    sid = r.text(m, key, "id")
    if sid is not None and not SOURCE_ID.fullmatch(sid):
        r.fail((*key, "id"), f"'{sid}' is not a source id (lower case letters, digits and -)")
        sid = None
    fields = {name: r.text(m, key, name) for name in ("title", "publisher", "date", "url")}
    date, url = fields["date"], fields["url"]
    # A source's date as precise as it is known: a day, a month or a year (an older press report may give no more).
    if date and not (re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", date) or date.startswith(NOT_GIVEN_PREFIX)):
        r.fail(
            (*key, "date"),
            f"'{date}' is neither a date (YYYY-MM-DD, or YYYY-MM or YYYY when no more is known) nor a note "
            f"starting '{NOT_GIVEN_PREFIX}'",
        )
    if url and not (is_web_address(url) or url.startswith(NOT_GIVEN_PREFIX)):
        r.fail((*key, "url"), f"'{url}' is neither an http(s) address nor a note starting '{NOT_GIVEN_PREFIX}'")
    kind = r.choice(m, key, "kind", SourceKind)
    short, note = r.text(m, key, "short"), r.text(m, key, "note")
    if sid is None or kind is None or None in fields.values():
        return None
    return Source(sid, **fields, kind=kind, short=short, note=note)


def _fieldwork(r: _Reader, value: Any, key: tuple, sources) -> tuple[Fieldwork, ...]:
    out = []
    for i, entry in enumerate(r.sequence(value, key, "fieldwork entries (dates, source)")):
        m = r.mapping(entry, (*key, i), ("dates", "source"), ("measure", "scope"))
        if m is None:
            continue
        dates = r.text(m, (*key, i), "dates")
        source = r.reference(m, (*key, i), "source", sources, "source")
        measure = r.text(m, (*key, i), "measure")
        scope = r.choice(m, (*key, i), "scope", FieldworkScope) if "scope" in m else FieldworkScope.PUBLIC
        if dates and source and scope:
            out.append(Fieldwork(dates, source, measure, scope))
    return tuple(out)


def _country(r: _Reader, code: Any, value: Any, sources) -> Country | None:
    key = ("countries", str(code))
    try:
        check_country_code(code)
    except ValueError as exc:
        r.fail(key, str(exc))
        return None
    m = r.mapping(value, key, COUNTRY_REQUIRED, COUNTRY_OPTIONAL)
    if m is None:
        return None
    texts = {name: r.text(m, key, name) for name in ("name", "adjective", "fieldwork_vendor", "population")}
    conductor = r.text(m, key, "conductor")
    fields = dict(
        **texts,
        conductor=conductor,
        n=r.number(m, key, "n", integer=True),
        mode=r.choice(m, key, "mode", Mode),
        fieldwork=_fieldwork(r, m.get("fieldwork"), (*key, "fieldwork"), sources),
        margin_of_error=r.number(m, key, "margin_of_error", below=100),
        margin_of_error_source=r.reference(m, key, "margin_of_error_source", sources, "source"),
    )
    optional = dict(
        name_in_text=r.text(m, key, "name_in_text"),
        n_source=r.reference(m, key, "n_source", sources, "source"),
        margin_of_error_confidence=r.number(m, key, "margin_of_error_confidence", below=1),
        sample=r.text(m, key, "sample"),
    )
    if None in fields.values():
        return None
    return Country(code, **fields, **optional)


def _measures(r: _Reader, value: Any) -> tuple[Measure, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        r.fail(("measures",), f"expected a mapping of measure ids, found {_kind(value)}")
        return ()
    out = []
    for mid, spec in value.items():
        key = ("measures", str(mid))
        m = r.mapping(spec, key, MEASURE_REQUIRED)
        if m is None:
            continue
        label, description = r.text(m, key, "label"), r.text(m, key, "description")
        answers = r.choice(m, key, "answers", AnswerFormat)
        if label and description and answers:
            out.append(Measure(str(mid), label, answers, description))
    return tuple(out)


def _disclosure(r: _Reader, value: Any) -> tuple[Disclosure, ...]:
    elements = r.sequence(value, ("aapor_disclosure",), f"the {AAPOR_ELEMENTS} AAPOR disclosure elements")
    if elements and len(elements) != AAPOR_ELEMENTS:
        r.fail(("aapor_disclosure",), f"{len(elements)} elements, expected {AAPOR_ELEMENTS}")
    out = []
    for i, entry in enumerate(elements):
        key = ("aapor_disclosure", i)
        m = r.mapping(entry, key, ("element",), DISCLOSURE_KEYS[1:])
        if m is None:
            continue
        if ("disclosed" in m) == ("from_countries" in m):
            r.fail(key, "needs exactly one of 'disclosed' (a text) or 'from_countries'")
            continue
        element = r.text(m, key, "element")
        disclosed = r.text(m, key, "disclosed")
        from_countries = r.choice(m, key, "from_countries", DisclosureFrom)
        if element and (disclosed or from_countries):
            out.append(Disclosure(element, disclosed, from_countries))
    return tuple(out)


def _unique(r: _Reader, items, key: str, attribute: str) -> None:
    seen: set = set()
    for item in items:
        value = getattr(item, attribute)
        if value in seen:
            r.fail((key,), f"{attribute} '{value}' appears more than once")
        seen.add(value)


def _survey(r: _Reader, doc: dict) -> Survey:
    source_entries = r.sequence(doc.get("sources"), ("sources",), "sources")
    sources = [s for i, v in enumerate(source_entries) if (s := _source(r, v, ("sources", i)))]
    _unique(r, sources, "sources", "id")
    institutes = []
    entries = r.sequence(doc["institutes"], ("institutes",), "institutes") if "institutes" in doc else []
    for i, entry in enumerate(entries):
        m = r.mapping(entry, ("institutes", i), INSTITUTE_REQUIRED)
        fields = [r.text(m, ("institutes", i), k) for k in INSTITUTE_REQUIRED] if m else [None]
        if None not in fields:
            institutes.append(Institute(*fields))
    # Every id given counts as known, so a source with another problem causes no knock-on "unknown source".
    ids = [v["id"] for v in source_entries if isinstance(v, dict) and isinstance(v.get("id"), str)]
    countries_map = doc.get("countries")
    if not isinstance(countries_map, dict) or not countries_map:
        r.fail(("countries",), "expected a mapping of country codes to country facts")
        countries_map = {}
    countries = [c for code, v in countries_map.items() if (c := _country(r, code, v, ids))]
    year = doc.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        r.fail(("year",), f"{year!r} is not a year (ASCII digits, e.g. 2025)")
    return Survey(
        title=r.text(doc, (), "title"),
        fieldwork_month=r.text(doc, (), "fieldwork_month"),
        countries=tuple(countries),
        sources=tuple(sources),
        disclosure=_disclosure(r, doc.get("aapor_disclosure")),
        measures=_measures(r, doc.get("measures")),
        institutes=tuple(institutes),
        year=year,
        questionnaire=r.text(doc, (), "questionnaire"),
    )


def load_survey(path: Path | str | None = None) -> Survey:
    """Read and check ``survey.yml``: every problem named with its file, line and key, in one error."""
    path = Path(path) if path else paths.SURVEY_YML
    doc, lines, invisible = parse_yaml(path, read_text(path))
    r = _Reader(path, lines)
    for key, wrong in invisible:
        r.fail(key, wrong)
    if not isinstance(doc, dict):
        r.fail((), f"expected a mapping (key: value lines) at the top level, found {_kind(doc)}")
        raise DataValidationError(r.problems)
    r.mapping(doc, (), TOP_REQUIRED, TOP_OPTIONAL)
    survey = _survey(r, doc)
    if r.problems:
        raise DataValidationError(r.problems)
    return survey
