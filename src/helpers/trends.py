"""Earlier waves: other surveys that asked a public the same thing before, and the rules for reading them.

Two data files hold them (read by :func:`load_trend_data`, which :func:`helpers.data.load_survey_data` calls):

- ``waves.csv``: one row per wave and public, with that public's method: the survey, the year, the
  organisation, the mode, the fieldwork, n, the population and the sources. This survey's own wave has a
  row too (its ``survey`` is the title in ``survey.yml``), holding only the population in a comparable form:
  its organisation, mode, fieldwork and n are those of ``survey.yml``, never typed twice.
- ``trends.csv``: one row per published figure of an earlier wave, for a (public, question) of this survey's
  codebook: the series joins this survey's own figures (``toplines.csv``) through the question. Where two
  sources disagree both rows are kept; ``used`` says which one the series shows and ``note`` says why.

A series is one public's answers to one question across waves. A **break** is a change of organisation,
mode or population between two consecutive waves of a series; it is derived here, never stored. A change
between two waves is tested only when no break lies between them and both waves' n and population are
recorded; otherwise the figures are shown and the text says why the change is not tested.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from . import formatting as fmt
from .data import DataValidationError, Survey, location, read_csv_records
from .data.csvfiles import _frame, answer_format, decimals_of, half_unit
from .data.files import SURVEY_YML
from .data.rules import ID_PATTERN, check_percent, split_list
from .kinds import AnswerFormat, Mode
from .stats import compare_between_countries
from .tables import design_effect, figure_label

WAVES_CSV = "waves.csv"
TRENDS_CSV = "trends.csv"
WAVES_COLUMNS = (
    "wave",
    "survey",
    "year",
    "country",
    "organisation",
    "mode",
    "fieldwork",
    "n",
    "population",
    "source",
    "locator",
    "note",
)
WAVES_REQUIRED = ("wave", "survey", "year", "country", "source", "locator")
METHOD_COLUMNS = ("organisation", "mode", "fieldwork")
"""What every earlier wave records for each of its publics (this survey's are in ``survey.yml``)."""
TRENDS_COLUMNS = (
    "country",
    "question_id",
    "wave",
    "option",
    "percent",
    "source",
    "locator",
    "used",
    "corroborated_by",
    "note",
)
TRENDS_REQUIRED = ("country", "question_id", "wave", "option", "percent", "source", "locator", "used")
USED = ("yes", "no")
MODE_WORDS = {
    Mode.FACE_TO_FACE: "face-to-face interviews",
    Mode.VISIT_AND_COLLECT: "questionnaires left and collected by interviewers",
}
"""How the Note of a chart words a mode (:class:`helpers.kinds.Mode`, the one list of modes), where its name
alone would not do."""


def mode_words(mode: str) -> str:
    return MODE_WORDS.get(Mode(mode), str(mode))


MIN_WAVES_FOR_RECORD = 3
"""A figure is called the highest or lowest of a series only among at least this many waves."""
MIN_WAVES_FOR_CHART = 3
"""A series is drawn as a trend chart from this many waves; two waves are a sentence and a table."""


# --------------------------------------------------------------------------------------------- loading
def _current_title(survey: Survey) -> str:
    return survey.title


def load_waves(path: Path, survey: Survey) -> pd.DataFrame:
    """Load and validate ``waves.csv`` (one row per wave and public)."""
    records = read_csv_records(path, WAVES_COLUMNS, WAVES_REQUIRED)
    problems: list[str] = []
    countries = list(survey.codes)
    known = set(survey.source_ids)
    title = _current_title(survey)
    seen: dict[tuple, int] = {}
    years: dict[tuple, int] = {}
    first_of_wave: dict[str, dict] = {}
    for r in records:
        line, country = r["_line"], r["country"]
        if not ID_PATTERN.match(r["wave"]):
            problems.append(f"{location(path, line, 'wave')}: '{r['wave']}' is not a valid id (lower case, digits, _)")
        if re.search(r"[;,|/ ]", country):
            problems.append(
                f"{location(path, line, 'country')}: '{country}' names several publics; a wave records each "
                "public's organisation, mode, n and population on a row of its own"
            )
        elif country not in countries:
            problems.append(
                f"{location(path, line, 'country')}: unknown country '{country}' ({SURVEY_YML} has: "
                f"{', '.join(countries)})"
            )
        if not re.fullmatch(r"(19|20)\d\d", r["year"]):
            problems.append(f"{location(path, line, 'year')}: '{r['year']}' is not a year (four digits)")
        key = (r["wave"], country)
        if key in seen:
            problems.append(f"{location(path, line)}: duplicate wave {r['wave']}/{country} (first on line {seen[key]})")
        seen.setdefault(key, line)
        first = first_of_wave.setdefault(r["wave"], r)
        for column in ("survey", "year"):
            if r[column] != first[column]:
                problems.append(
                    f"{location(path, line, column)}: '{r[column]}' differs from '{first[column]}' on line "
                    f"{first['_line']}; one wave has one {column}"
                )
        year_key = (country, r["year"])
        if year_key in years and years[year_key] != line:
            problems.append(
                f"{location(path, line, 'year')}: a second wave of {country} in {r['year']} (line "
                f"{years[year_key]}); a series has one wave a year"
            )
        years.setdefault(year_key, line)
        if r["survey"] == title:
            problems += _check_current_row(path, r, survey)
        else:
            problems += _check_earlier_row(path, r)
        for sid in split_list(r["source"]):
            if sid not in known:
                problems.append(f"{location(path, line, 'source')}: unknown source '{sid}' (not in {SURVEY_YML})")
    if problems:
        raise DataValidationError(problems)
    frame = _frame(records, WAVES_COLUMNS, path)
    frame["year"] = frame["year"].astype("int64")
    frame["n"] = pd.array([int(v) if pd.notna(v) else pd.NA for v in frame["n"]], dtype="Int64")
    frame["is_current"] = frame["survey"] == title
    return frame


def _check_current_row(path: Path, r: dict, survey: Survey) -> list[str]:
    problems = []
    for column in (*METHOD_COLUMNS, "n"):
        if r[column]:
            problems.append(
                f"{location(path, r['_line'], column)}: this survey's {column} is in {SURVEY_YML}; leave it "
                "empty here (one place for each fact)"
            )
    year = survey.year
    if year is not None and r["year"] != str(year):
        problems.append(f"{location(path, r['_line'], 'year')}: {r['year']} but {SURVEY_YML} gives year {year}")
    return problems


def _check_earlier_row(path: Path, r: dict) -> list[str]:
    problems = []
    for column in METHOD_COLUMNS:
        if not r[column]:
            problems.append(
                f"{location(path, r['_line'], column)}: empty; each public of a wave records its own "
                f"{column} (the publics of one wave may be surveyed differently)"
            )
    if r["mode"] and r["mode"] not in set(Mode):
        modes = ", ".join(Mode)
        problems.append(f"{location(path, r['_line'], 'mode')}: '{r['mode']}' is not one of {modes}")
    if r["n"] and not re.fullmatch(r"[1-9]\d*", r["n"]):
        problems.append(
            f"{location(path, r['_line'], 'n')}: '{r['n']}' is not a positive whole number "
            "(leave it empty when no source gives it)"
        )
    return problems


def load_trends(
    path: Path, waves: pd.DataFrame, survey: Survey, questions: pd.DataFrame, toplines: pd.DataFrame
) -> pd.DataFrame:
    """Load and validate ``trends.csv`` against the waves, the codebook and this survey's figures."""
    records = read_csv_records(path, TRENDS_COLUMNS, TRENDS_REQUIRED)
    problems: list[str] = []
    known = set(survey.source_ids)
    wpath = waves.attrs.get("path", WAVES_CSV)
    wave_rows = {(w.wave, w.country): w for w in waves.itertuples(index=False)}
    codebook = {q.question_id: q for q in questions.itertuples(index=False)}
    with_figures = set(zip(toplines["country"], toplines["question_id"]))
    seen: dict[tuple, int] = {}
    figures: dict[tuple, list[dict]] = {}
    for r in records:
        line, country, qid = r["_line"], r["country"], r["question_id"]
        q = codebook.get(qid)
        if q is None:
            problems.append(f"{location(path, line, 'question_id')}: '{qid}' is not in the codebook")
        elif r["option"] not in q.options:
            problems.append(
                f"{location(path, line, 'option')}: '{r['option']}' is not an option of '{qid}' "
                f"(codebook: {' | '.join(q.options)})"
            )
        elif (country, qid) not in with_figures:
            problems.append(
                f"{location(path, line, 'question_id')}: {country} has no figures for '{qid}' in this survey; "
                "a series joins this survey's figures through the question"
            )
        wave = wave_rows.get((r["wave"], country))
        if wave is None:
            problems.append(
                f"{location(path, line, 'wave')}: wave '{r['wave']}' has no row for {country} in {wpath}; "
                "record that public's organisation, mode, n and population before its figures"
            )
        elif wave.is_current:
            problems.append(
                f"{location(path, line, 'wave')}: '{r['wave']}' is this survey; its figures stay in toplines.csv"
            )
        wrong = check_percent(r["percent"])
        if wrong:
            problems.append(f"{location(path, line, 'percent')}: {wrong}")
        for column in ("source", "corroborated_by"):
            for sid in split_list(r[column]):
                if sid not in known:
                    problems.append(f"{location(path, line, column)}: unknown source '{sid}' (not in {SURVEY_YML})")
        if r["used"] not in USED:
            problems.append(f"{location(path, line, 'used')}: '{r['used']}' must be one of {', '.join(USED)}")
        key = (country, qid, r["wave"], r["option"], r["source"])
        if key in seen:
            problems.append(f"{location(path, line)}: duplicate key {'/'.join(key)} (first on line {seen[key]})")
        seen.setdefault(key, line)
        figures.setdefault(key[:4], []).append(r)
    problems += _check_choices(path, figures)
    problems += _check_sums(path, figures, codebook)
    if problems:
        raise DataValidationError(problems)
    frame = _frame(records, TRENDS_COLUMNS, path)
    frame["percent_text"] = frame["percent"].astype("string")
    frame["percent"] = frame["percent_text"].astype(float)
    return frame


def _check_choices(path: Path, figures: dict[tuple, list[dict]]) -> list[str]:
    """Each figure is shown from exactly one source; where sources disagree the used row says why."""
    problems = []
    for key, rows in figures.items():
        used = [r for r in rows if r["used"] == "yes"]
        where = location(path, rows[-1]["_line"], "used")
        if len(used) != 1:
            problems.append(
                f"{where}: {'/'.join(key)} has {len(used)} rows marked used; exactly one source's figure is shown"
            )
        elif len(rows) > 1 and not used[0]["note"]:
            problems.append(
                f"{location(path, used[0]['_line'], 'note')}: {'/'.join(key)} has figures from "
                f"{len(rows)} sources; say in the note why this one is used"
            )
    return problems


def _check_sums(path: Path, figures: dict[tuple, list[dict]], codebook: dict) -> list[str]:
    problems = []
    waves: dict[tuple, list[dict]] = {}
    for key, rows in figures.items():
        used = [r for r in rows if r["used"] == "yes" and check_percent(r["percent"]) is None]
        waves.setdefault(key[:3], []).extend(used)
    for (country, qid, wave), rows in waves.items():
        q = codebook.get(qid)
        if q is None or q.answers != "one" or not rows:
            continue
        total = sum(Decimal(r["percent"]) for r in rows)
        if total > 100 + sum(half_unit(r["percent"]) for r in rows):
            problems.append(
                f"{location(path, rows[-1]['_line'], 'percent')}: the options of '{qid}' ({country}, {wave}) "
                f"sum to {total}, more than 100 plus rounding"
            )
    return problems


def load_trend_data(
    data_dir: Path, survey: Survey, questions: pd.DataFrame, toplines: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(waves, trends)`` of a data folder, validated (called by :func:`helpers.data.load_survey_data`)."""
    waves = load_waves(Path(data_dir) / WAVES_CSV, survey)
    return waves, load_trends(Path(data_dir) / TRENDS_CSV, waves, survey, questions, toplines)


# ---------------------------------------------------------------------------------------------- series
@dataclass(frozen=True)
class Break:
    """A change of method between two consecutive waves of a series."""

    year_before: int
    year_after: int
    changes: tuple[tuple[str, str, str], ...]  # (field, before, after)
    population_since: int | None = None  # a changed population last recorded before year_before: its wave
    population_gap: tuple[int, ...] = ()  # the waves between population_since and year_after, recording none
    population_unrecorded: bool = False  # the wave after the break records no population

    @property
    def position(self) -> float:
        """Where the vertical rule goes: halfway between the two waves."""
        return (self.year_before + self.year_after) / 2

    def label(self) -> str:
        """Short label for the chart: what the method became ("online", "API, online", "adults 18+")."""
        return ", ".join(after for _, _, after in self.changes)

    def text(self) -> str:
        """ "the mode changed from face-to-face to online between 2023 and 2024". A population change found
        across waves that record none is placed between the waves that do ("from adults 19+ in 2018 to adults
        18+ in 2021, with none recorded for 2019 and 2020"), and a wave after the break that records no
        population, where an earlier one did, is said to."""
        known = [(w, b, a) for w, b, a in self.changes if w != "population" or self.population_since is None]
        parts = []
        if known:
            parts.append(
                f"{' and '.join(_changed(*c) for c in known)} between {self.year_before} and {self.year_after}"
            )
        parts += [
            f"{_changed(w, f'{b} in {self.population_since}', f'{a} in {self.year_after}')}, with none recorded "
            f"for {fmt.and_list([str(y) for y in self.population_gap])}"
            for w, b, a in self.changes
            if (w, b, a) not in known
        ]
        if self.population_unrecorded:
            parts.append(f"the {self.year_after} population is not recorded")
        return ", and ".join(parts)


def _changed(what: str, before: str, after: str) -> str:
    return f"the {what} changed from {before} to {after}"


def series_of(data, country: str) -> list[str]:
    """Questions with earlier waves for ``country``, in codebook order (empty for a public without any)."""
    have = set(data.trends.loc[data.trends["country"] == country, "question_id"]) if len(data.trends) else set()
    return [qid for qid in data.questions["question_id"] if qid in have]


def charted(data, country: str, question_id: str) -> bool:
    """Whether the series has enough waves to be drawn (:data:`MIN_WAVES_FOR_CHART`)."""
    return len(series_waves(data, country, question_id)) >= MIN_WAVES_FOR_CHART


def series_waves(data, country: str, question_id: str) -> pd.DataFrame:
    """One row per wave of a series, oldest first, with the method of that public in that wave.

    Columns: ``wave``, ``year``, ``survey``, ``organisation``, ``mode``, ``fieldwork``, ``n`` (NA when no
    source gives it), ``population`` (NA likewise), ``source``, ``is_current``. This survey's wave takes
    organisation, mode, fieldwork and n from ``survey.yml``.
    """
    rows = data.trends[(data.trends["country"] == country) & (data.trends["question_id"] == question_id)]
    if rows.empty:
        have = ", ".join(series_of(data, country)) or "none"
        raise ValueError(f"no earlier waves of '{question_id}' for {country} (series of {country}: {have})")
    waves = data.waves[data.waves["country"] == country]
    current = waves[waves["is_current"]]
    shown = waves[waves["wave"].isin(set(rows["wave"])) | waves["is_current"]].copy()
    if current.empty:
        raise ValueError(f"waves.csv has no row of this survey for {country}: its population is not recorded")
    facts = data.country(country)
    is_current = shown["is_current"].to_numpy()
    shown.loc[is_current, "organisation"] = facts.conductor
    shown.loc[is_current, "mode"] = str(facts.mode)
    shown.loc[is_current, "fieldwork"] = facts.fieldwork[0].dates if facts.fieldwork else ""
    shown.loc[is_current, "n"] = facts.n
    columns = ["wave", "year", "survey", "organisation", "mode", "fieldwork", "n", "population", "source"]
    return shown.sort_values("year")[[*columns, "is_current"]].reset_index(drop=True)


def series_points(data, country: str, question_id: str) -> pd.DataFrame:
    """Every figure a series shows: one row per wave and option, oldest first.

    Earlier waves' figures come from ``trends.csv`` (the used source), this survey's from ``toplines.csv``
    (the plain figures of the options the earlier waves have). Columns: those of :func:`series_waves` with
    ``option``, ``percent``, ``percent_text`` and ``figure_source``.
    """
    waves = series_waves(data, country, question_id)
    t = data.trends
    earlier = t[(t["country"] == country) & (t["question_id"] == question_id) & (t["used"] == "yes")]
    options = [o for o in data.question(question_id)["options"] if o in set(earlier["option"])]
    top = data.toplines
    now = top[(top["country"] == country) & (top["question_id"] == question_id) & top["measure"].isna()]
    now = now[now["option"].isin(options)].drop_duplicates("option")
    current_wave = str(waves.loc[waves["is_current"], "wave"].iloc[0])
    figures = pd.concat(
        [
            earlier[["wave", "option", "percent", "percent_text", "source"]],
            now.assign(wave=current_wave)[["wave", "option", "percent", "percent_text", "source"]],
        ],
        ignore_index=True,
    ).rename(columns={"source": "figure_source"})
    points = waves.merge(figures, on="wave", how="inner")
    points["option"] = pd.Categorical(points["option"], categories=options, ordered=True)
    return points.sort_values(["year", "option"]).reset_index(drop=True)


def series_breaks(waves: pd.DataFrame) -> list[Break]:
    """The breaks between consecutive waves (rows of :func:`series_waves`): a change of organisation or mode,
    or a population that differs from the last one recorded before it."""
    breaks = []
    last_population, last_year, gap = None, None, []
    rows = list(waves.itertuples(index=False))
    for before, after in itertools.pairwise(rows):
        if pd.notna(before.population):
            last_population, last_year, gap = str(before.population), int(before.year), []
        else:
            gap.append(int(before.year))
        changes = [
            (what, str(getattr(before, what)), str(getattr(after, what)))
            for what in ("organisation", "mode")
            if getattr(before, what) != getattr(after, what)
        ]
        since = None
        if pd.notna(after.population) and last_population is not None and str(after.population) != last_population:
            changes.append(("population", last_population, str(after.population)))
            since = last_year if last_year != int(before.year) else None
        if changes:
            unrecorded = pd.isna(after.population) and last_population is not None  # said only where one was
            breaks.append(
                Break(int(before.year), int(after.year), tuple(changes), since, tuple(gap) if since else (), unrecorded)
            )
    return breaks


def breaks_of(data, country: str, question_id: str) -> list[Break]:
    """The breaks of one series, derived from ``waves.csv`` and ``survey.yml``."""
    return series_breaks(series_waves(data, country, question_id))


# ---------------------------------------------------------------------------------------------- words
@dataclass(frozen=True)
class Change:
    """Two waves' figures of one option, and whether (and how) the change between them was tested."""

    option: str
    year_a: int
    year_b: int
    text_a: str
    text_b: str
    tested: bool
    significant: bool
    reason: str  # why not tested; empty when tested
    difference: Any = None  # stats.Difference when tested
    name: str = ""  # what the figure is called (:func:`helpers.tables.figure_label`); the option when empty
    other_survey: bool = False  # the two waves are different surveys (same method; wording may differ)
    reported_a: int | None = None  # the year the earlier figure was published, when later than its wave's
    reported_b: int | None = None  # the same for the later figure
    n_a: int | None = None  # the earlier wave's sample size (recorded; the test's n)
    n_b: int | None = None  # the later wave's


def _untestable_reason(waves: pd.DataFrame, year_a: int, year_b: int, breaks: list[Break]) -> str:
    between = [b for b in breaks if year_a < b.position < year_b]
    if between:
        return "the method changed (" + "; ".join(b.text() for b in between) + ")"
    span = waves[(waves["year"] >= year_a) & (waves["year"] <= year_b)]
    for what, column in (("sample size", "n"), ("population", "population")):
        missing = [str(y) for y, v in zip(span["year"], span[column]) if pd.isna(v)]
        if missing:
            return f"the {what} of the {', '.join(missing)} wave{'s' if len(missing) > 1 else ''} is not recorded"
    return ""


def _reported_later(data, source_id: str, year: int) -> int | None:
    """The year of the source of a wave's figure when that source is dated after the wave's year (a 2024 figure
    taken from a report of 2025); None otherwise, or when the source has no date."""
    published = str(data.source(source_id).date)[:4]
    return int(published) if published.isdigit() and int(published) > year else None


def change_between(
    data, country: str, question_id: str, option: str, year_a: int, year_b: int, confidence=0.95, deff="published"
) -> Change:
    """The change in one option between two waves of a series (``year_a`` before ``year_b``).

    Tested as two independent samples (:func:`helpers.stats.compare_between_countries`, each wave's own n,
    the report's design effect for both) only when no break lies between them and every wave from one to
    the other records its n and population; otherwise ``tested`` is False and ``reason`` says why.
    """
    points = series_points(data, country, question_id)
    waves = series_waves(data, country, question_id)
    pick = points[points["option"] == option].set_index("year")
    for year in (year_a, year_b):
        if year not in pick.index:
            raise ValueError(f"no figure for '{option}' of '{question_id}' ({country}) in {year}")
    a, b = pick.loc[year_a], pick.loc[year_b]
    reason = _untestable_reason(waves, year_a, year_b, series_breaks(waves))
    base = dict(option=option, year_a=year_a, year_b=year_b, text_a=a["percent_text"], text_b=b["percent_text"])
    base["name"] = figure_label(data, country, question_id, option)
    base["reported_a"] = _reported_later(data, a["figure_source"], year_a)
    base["reported_b"] = _reported_later(data, b["figure_source"], year_b)
    surveys = waves.set_index("year")["survey"]
    base["other_survey"] = bool(surveys.loc[year_a] != surveys.loc[year_b])
    if reason:
        return Change(**base, tested=False, significant=False, reason=reason)
    used = design_effect(data, country, deff)  # the public's design effect in this report, for both waves
    base.update(n_a=int(a["n"]), n_b=int(b["n"]))
    d = compare_between_countries(
        float(b["percent"]), base["n_b"], float(a["percent"]), base["n_a"], confidence, used, used
    )
    return Change(**base, tested=True, significant=d.significant, reason="", difference=d)


def _figure_in(text: str, year: int, reported: int | None) -> str:
    """ "66.3% in 2025"; "73.2% in 2024 (as reported in 2025)" for a figure whose source is dated later."""
    return f"{fmt.percent(text)} in {year}" + (f" (as reported in {reported})" if reported else "")


def _figures_of(change: Change) -> tuple[str, str]:
    """The two figures of a change as a sentence gives them: "73.2% in 2024 (as reported in 2025)", "66.3% in 2025"."""
    return (
        _figure_in(change.text_a, change.year_a, change.reported_a),
        _figure_in(change.text_b, change.year_b, change.reported_b),
    )


def _taken_from_its_wave(change: Change) -> str:
    """What a test of a figure known only from a later report takes for granted: that it comes from its wave's
    survey, whose n the test uses (" if the 2024 figure is from that year's survey, of 1,006 respondents")."""
    later = [
        (y, n)
        for y, n, r in ((change.year_a, change.n_a, change.reported_a), (change.year_b, change.n_b, change.reported_b))
        if r
    ]
    if not later:
        return ""
    years = fmt.and_list([str(y) for y, _ in later])
    known = all(n is not None for _, n in later)  # a change is tested only with both waves' n: always, there
    of = f", of {fmt.and_list([fmt.count(n) for _, n in later])} respondents" if known else ""
    if len(later) == 1:
        return f" if the {years} figure is from that year's survey{of}"
    return f" if the {years} figures are from those years' surveys{of}"


def change_sentence(change: Change, confidence: float = 0.95) -> str:
    """One sentence on a change: a rise or fall only when tested and significant; across a break, the
    figures, the change of method and that the change is not tested. A figure whose source is dated after its
    wave's year says "as reported in" that year."""
    a, b = _figures_of(change)
    # a figure measuring something other than the option is named by its measure (as in every output)
    answer = (change.name or change.option) == change.option
    who = f"the share answering “{change.option}”" if answer else f"the share who {change.name}"
    if not change.tested:
        return f"{fmt.capitalise(who)} was {a} and {b}; the change is not tested, because {change.reason}."
    d = change.difference
    gap = fmt.points(abs(d.diff))
    level = fmt.level(confidence)
    same = "same organisation, mode and population" + (
        ", but different surveys, whose questions may be worded differently" if change.other_survey else ""
    )
    taken = _taken_from_its_wave(change)
    same = f"if so, {same}" if taken else same  # the methods are those of the wave the figure is taken from
    if change.significant:
        verb = "rose" if d.diff > 0 else "fell"
        return f"{fmt.capitalise(who)} {verb} from {a} to {b} ({gap}, significant at the {level} level{taken}; {same})."
    return (
        f"{fmt.capitalise(who)} was {a} and {b}; the change of {gap} is not significant at the {level} level{taken} "
        f"({same}), so no rise or fall is claimed."
    )


def neither_shift(
    data, country: str, question_id: str, year_a: int, year_b: int, confidence=0.95, deff="published"
) -> str:
    """A sentence when the share giving none of a series' answers changed significantly between two waves whose
    change is tested ("" otherwise): the share of "trust" can move because "don't know" was offered or counted
    differently, which the test of "trust" alone does not show. Only for a one-answer question with the same
    answers in both waves; tested as a change is (:func:`change_between`), with its hedges."""
    points = series_points(data, country, question_id)
    rows = {year: points[points["year"] == year] for year in (year_a, year_b)}
    options = [list(r["option"].astype(str)) for r in rows.values()]
    one = answer_format(data.question(question_id)) == AnswerFormat.ONE
    if not one or len(options[0]) < 2 or sorted(options[0]) != sorted(options[1]):
        return ""
    first = change_between(data, country, question_id, options[0][0], year_a, year_b, confidence, deff)
    if not first.tested:
        return ""
    decimals = max(decimals_of(str(t)) for r in rows.values() for t in r["percent_text"])
    rest = {y: 100 - sum(Decimal(str(t)) for t in r["percent_text"]) for y, r in rows.items()}
    if min(rest.values()) < 0:
        return ""
    used = design_effect(data, country, deff)
    d = compare_between_countries(
        float(rest[year_b]), first.n_b, float(rest[year_a]), first.n_a, confidence, used, used
    )
    if not d.significant:
        return ""
    names = [f"“{o}”" for o in options[0]]
    giving = f"neither {names[0]} nor {names[1]}" if len(names) == 2 else f"none of {fmt.and_list(names)}"
    a, b = (
        _figure_in(f"{rest[y]:.{decimals}f}", y, r) for y, r in ((year_a, first.reported_a), (year_b, first.reported_b))
    )
    return (
        f"The share giving {giving} also changed, from {a} to {b} (100 minus the answers shown; significant at the "
        f"{fmt.level(confidence)} level{_taken_from_its_wave(first)}): part of the change may come from how the "
        "surveys offered or counted other answers, such as “don't know”."
    )


def record_sentence(data, country: str, question_id: str, option: str, year: int | None = None) -> str | None:
    """ "Highest/lowest in the series" for one wave's figure, only when strictly so among the waves shown,
    with every break of the series in the same sentence; None when it is neither (a tie is no record)."""
    points = series_points(data, country, question_id)
    rows = points[points["option"] == option]
    if len(rows) < MIN_WAVES_FOR_RECORD:
        return None
    year = int(rows["year"].max()) if year is None else year
    this = rows[rows["year"] == year]
    if this.empty:
        return None
    value = float(this["percent"].iloc[0])
    others = rows[rows["year"] != year]["percent"].astype(float)
    if (others < value).all():
        word = "highest"
    elif (others > value).all():
        word = "lowest"
    else:
        return None
    first = int(rows["year"].min())
    breaks = breaks_of(data, country, question_id)
    method = (
        "; the methods differ across the series (" + "; ".join(b.text() for b in breaks) + ")"
        if breaks
        else ", all by one method"
    )
    return (
        f"The share answering “{option}”, {fmt.percent(this['percent_text'].iloc[0])} in {year}, is the "
        f"{word} of the {len(rows)} waves shown since {first}{method}."
    )


def series_title(data, country: str, question_id: str) -> str:
    """ "Overall impression of Japan, 2013–2025" (the public is named in the chart's subtitle)."""
    years = series_waves(data, country, question_id)["year"]
    return f"{data.wording(question_id, country)}, {years.min()}–{years.max()}"


def trend_findings(
    data, country: str, question_id: str, confidence: float = 0.95, deff: float | str = "published"
) -> list[str]:
    """The sentences of a series: each option's change from the wave before this survey's, and records."""
    points = series_points(data, country, question_id)
    current = int(points.loc[points["is_current"], "year"].max())
    out = []
    for option in points["option"].cat.categories:
        years = sorted(int(y) for y in points.loc[points["option"] == option, "year"])
        earlier = [y for y in years if y < current]
        if current in years and earlier:
            out.append(
                change_sentence(
                    change_between(data, country, question_id, option, earlier[-1], current, confidence, deff),
                    confidence,
                )
            )
        record = record_sentence(data, country, question_id, option, current)
        if record:
            out.append(record)
    earlier = sorted(int(y) for y in points["year"].unique() if int(y) < current)
    shift = neither_shift(data, country, question_id, earlier[-1], current, confidence, deff) if earlier else ""
    return out + ([shift] if shift else [])


def summary_trend_items(data, country: str, confidence: float = 0.95, deff: float | str = "published") -> list:
    """(question's wording, sentence) of each of a public's series with earlier waves, on its latest change,
    for the summary (one item each); empty for a public without any."""
    parts = []
    for qid in series_of(data, country):
        points = series_points(data, country, qid)
        option = str(points["option"].cat.categories[0])
        years = sorted(int(y) for y in points.loc[points["option"] == option, "year"])
        current = int(points.loc[points["is_current"], "year"].max())
        if current not in years or len(years) < 2:
            continue
        c = change_between(data, country, qid, option, years[-2], current, confidence, deff)
        others = [
            change_clause(change_between(data, country, qid, str(o), years[-2], current, confidence, deff))
            for o in points["option"].cat.categories[1:]
            if {years[-2], current} <= set(points.loc[points["option"] == o, "year"].astype(int))
        ]
        also = f"Over the same waves, {fmt.and_list(others)}." if others else ""
        shift = neither_shift(data, country, qid, years[-2], current, confidence, deff)
        parts.append(
            (data.wording(qid, country), " ".join(filter(None, [change_sentence(c, confidence), also, shift])))
        )
    return parts


def change_clause(change: Change) -> str:
    """A change in short, after a series' first answer has said how it was tested: "“unfavorable” fell from
    42.7% in 2024 to 37.1% in 2025 (5.6 points, significant)"; the two figures alone when not tested."""
    a, b = _figures_of(change)
    name = f"“{change.option}”" if (change.name or change.option) == change.option else f"the share who {change.name}"
    if not change.tested:
        return f"{name} was {a} and {b}"
    if not change.significant:
        return f"{name} was {a} and {b} (no significant change)"
    verb = "rose" if change.difference.diff > 0 else "fell"
    assumed = " on the same assumption" if _taken_from_its_wave(change) else ""  # the first answer's, said in full
    return f"{name} {verb} from {a} to {b} ({fmt.points(abs(change.difference.diff))}, significant{assumed})"


def methodology_rules() -> str:
    """The rules of the trend sections, for the methodology (Markdown list)."""
    modes = "; ".join(f"{k}: {v}" for k, v in MODE_WORDS.items())
    return "\n".join(
        [
            "- Earlier waves come from other surveys (the EAI–Genron NPO joint poll, EAI's own surveys), each "
            "figure with its source and each wave with each public's organisation, mode, fieldwork, n and "
            f"population. Modes: {modes}.",
            "- A change of organisation, mode or population between two consecutive waves is a change of "
            "method. Charts mark it with a vertical rule and a short label; it is derived from the data. A "
            "population is compared with the last one recorded: a change seen across waves that record none is "
            "said to lie between the two waves that record it.",
            "- A change between two waves is tested (two independent samples, each wave's own n, the report's "
            "design effect) only when no change of method lies between them and both waves' n and population "
            "are recorded. Otherwise the figures are shown side by side and the text says why the change is "
            "not tested; a change across a change of method is never called a rise or a fall.",
            "- Where a series has two answers or more, the share giving none of them is tested between the same two "
            "waves; a significant change in it is said, since part of a change may come from how the surveys "
            "offered or counted other answers, such as “don't know”.",
            "- “Highest” or “lowest in the series” is said only when the figure is strictly above or below every "
            "other wave shown, and the same sentence states the changes of method in the series.",
            "- Where sources disagree on an earlier figure, both are kept in the data; the series uses the one "
            "published by the institute or at the time of release, and the data say why.",
            "- A figure taken from a source dated after its wave's year (a 2024 figure known from reports of 2025) "
            "is said to be “as reported in” that year wherever a change is described; a test of a change from "
            "it takes the figure to come from its wave's survey (with that survey's n), and the sentence says so.",
        ]
    )


def point_title(row, data) -> str:
    """The text of one point's tooltip: year, option, figure, source, n and method."""
    n = fmt.base(float(row.n), False) if pd.notna(row.n) else "n not recorded"
    return (
        f"{row.year}, {row.option}: {fmt.percent(row.percent_text)} ({data.source_label(row.figure_source)}); "
        f"{n}; {row.survey}, {row.organisation}, {row.mode}"
    )


def trend_figure(country: str, question_id: str, figures_dir: str = "figures") -> str:
    """Stem (no extension) of a series' chart."""
    return f"{figures_dir}/{country}/trends/{question_id}"


def points_table(data, country: str, question_id: str) -> pd.DataFrame:
    """The numbers behind a trend chart, one row per wave: the year and each answer first (what a narrow
    screen shows), then n, the method and the source."""
    points = series_points(data, country, question_id)
    rows = []
    for wave in series_waves(data, country, question_id).itertuples(index=False):
        row = {"Year": str(wave.year)}
        figures = points[points["wave"] == wave.wave]
        for option in points["option"].cat.categories:
            hit = figures[figures["option"] == option]
            row[f"“{option}”"] = fmt.percent(hit["percent_text"].iloc[0]) if len(hit) else fmt.NO_FIGURE
        row |= {
            "n": fmt.count(int(wave.n)) if pd.notna(wave.n) else "not recorded",
            "Survey": str(wave.survey),
            "Organisation": str(wave.organisation),
            "Mode": str(wave.mode),
            "Population": str(wave.population) if pd.notna(wave.population) else "not recorded",
        }
        row["Source of figures"] = "; ".join(dict.fromkeys(data.source_label(s) for s in figures["figure_source"]))
        rows.append(row)
    return pd.DataFrame(rows)
