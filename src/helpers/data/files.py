"""Reading data files safely, and the messages that name a file, line and column.

Every check that needs no parsing runs here, before anything else: a data file is an ordinary file (not a
folder or a FIFO, so nothing blocks), not larger than :data:`MAX_FILE_BYTES`, UTF-8, and free of invisible
characters that would make a message or a page say something other than what it shows.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import unicodedata
from pathlib import Path

from .. import paths

SURVEY_YML = "survey.yml"
QUESTIONS_CSV = "questions.csv"
COVERAGE_CSV = "coverage.csv"
TOPLINES_CSV = "toplines.csv"
CLAIMS_CSV = "release_claims.csv"
DATA_FILES = tuple(p.name for p in paths.DATA_FILES)
"""Every file of a data folder, in loading order; all are required (defined once, in helpers.paths)."""

MAX_FIELD_CHARS = 128 * 1024
"""The longest field a data file may hold (128 KiB); longer is a mistake, usually an unclosed quote."""
MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest data file read (64 MiB: a 100,000-row toplines.csv is about 10 MiB)."""
MAX_PROBLEMS_SHOWN = 20
ALLOWED_CONTROLS = frozenset("\t\n\r")


class DataValidationError(ValueError):
    """Raised when a data file is malformed; ``problems`` lists every problem found.

    Invisible characters in a problem (a zero-width space, a direction override) are shown by their code
    point (``<U+200B>``), so a message never hides what it is about.
    """

    def __init__(self, problems: list[str]):
        self.problems = [visible(p) for p in problems]
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = len(self.problems) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more problem(s)" if more > 0 else "")
        super().__init__(text)


def is_invisible(char: str) -> bool:
    """A format character (zero-width, bidirectional control, BOM) or a control character other than
    tab and line ends: nothing a reader can see, so never accepted in data."""
    return char not in ALLOWED_CONTROLS and unicodedata.category(char) in ("Cf", "Cc")


def visible(text: str) -> str:
    """``text`` with every invisible character written as ``<U+XXXX>``."""
    return "".join(f"<U+{ord(c):04X}>" if is_invisible(c) else c for c in text)


def invisible_problem(value: str) -> str | None:
    """What is wrong with a text from data that holds an invisible character, or None."""
    for i, c in enumerate(value):
        if is_invisible(c):
            name = unicodedata.name(c, "control character")
            return (
                f"invisible character U+{ord(c):04X} ({name}) at character {i + 1} of {visible(value)!r}; "
                "remove it (data holds only characters a reader can see)"
            )
    return None


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the repository when inside it (no absolute paths)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(paths.ROOT).as_posix()
    except ValueError:
        return path.name


def location(path: Path, line: int | None = None, column: str | None = None) -> str:
    where = display_path(path)
    if line is not None:
        where += f", line {line}"
    if column is not None:
        where += f", column '{column}'"
    return where


def known(values) -> str:
    return ", ".join(str(v) for v in values) or "none"


def check_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a data file (missing, a folder, a FIFO, too large …), or None.

    The type is checked with ``stat`` before the file is opened, so a FIFO never blocks the loader.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{location(path)}: file not found (every data folder needs {', '.join(DATA_FILES)})"
    except OSError as exc:
        return f"{location(path)}: cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return f"{location(path)}: is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        return f"{location(path)}: is {kind}; a data file must be an ordinary file"
    if info.st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        return f"{location(path)}: {info.st_size:,} bytes, more than the {limit} MiB a data file may have"
    return None


def check_data_files(data_dir: Path | str | None = None) -> None:
    """Check that every file of :data:`DATA_FILES` in ``data_dir`` can be read, without opening any.

    Missing files, folders, FIFOs and oversized files are named together in one
    :class:`DataValidationError`. Call it before hashing or reading the files: it never blocks.
    """
    data_dir = Path(data_dir) if data_dir else paths.DATA_DIR
    if not data_dir.is_absolute():
        data_dir = paths.ROOT / data_dir
    problems = [p for p in (check_file(data_dir / name) for name in DATA_FILES) if p]
    if problems:
        raise DataValidationError(problems)


def read_text(path: Path) -> str:
    """Read a file as UTF-8, naming the line and column of the first byte that is not UTF-8."""
    path = Path(path)
    problem = check_file(path)
    if problem:
        raise DataValidationError([problem])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError([f"{location(path)}: cannot be read ({exc.strerror or exc})"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataValidationError(
            [
                f"{location(path, line)}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at character {col}); "
                "save the file as UTF-8"
            ]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataValidationError([f"{location(path)}: the file is empty"])
    return text


# ------------------------------------------------------------------------------------------------ CSV


def _quoting_problem(message: str, start: int, line_num: int) -> str:
    if "field larger than field limit" in message:
        return (
            f"a field is longer than {MAX_FIELD_CHARS // 1024} KiB ({MAX_FIELD_CHARS} characters); "
            "is a quote left unclosed?"
        )
    if "unexpected end of data" in message:
        return "unclosed quote: a quoted field starts on this line and is never closed"
    if line_num > start:
        return (
            f"unclosed quote: a quoted field starts on this line and runs on to line {line_num}, where the next "
            "quote is"
        )
    return (
        f"bad quoting ({message}): probably an unclosed quote, closed only by the next quote on "
        'this line; a quote inside a quoted field is written twice ("")'
    )


def csv_rows(path: Path, text: str):
    """Yield ``(first_line, last_line, fields)`` per row; a quoting error becomes a DataValidationError.

    The reader is strict, so a quote closed in the middle of a field or left open at the end of the file
    is an error rather than a silently merged field.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    while True:
        start = end + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            what = _quoting_problem(str(exc), start, reader.line_num)
            raise DataValidationError([f"{location(path, start)}: {what}"]) from None
        end = reader.line_num
        yield start, end, fields


def _check_header(path: Path, header: list[str], columns: tuple[str, ...]) -> list[str]:
    expected = ", ".join(columns)
    twice = sorted({c for c in header if header.count(c) > 1})
    problems = [f"{location(path, 1, c)}: missing column" for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    problems += [f"{location(path, 1, c)}: unexpected column (expected: {expected})" for c in extra]
    problems += [f"{location(path, 1, c)}: column appears more than once" for c in twice]
    return problems


def _row_problems(
    path: Path, line: int, last: int, header: list[str], fields: list[str], hidden: frozenset[str]
) -> list[str]:
    long = (
        [h for h, f in zip(header, fields) if len(f) > MAX_FIELD_CHARS]
        if len(max(fields, key=len)) > MAX_FIELD_CHARS
        else []
    )
    if long:
        return [
            f"{location(path, line, long[0])}: longer than {MAX_FIELD_CHARS // 1024} KiB ({MAX_FIELD_CHARS} characters)"
        ]
    if len(fields) != len(header):
        hint = f" (the row runs on to line {last}: is a quote left unclosed on line {line}?)" if last > line else ""
        return [f"{location(path, line)}: {len(fields)} fields, expected {len(header)}{hint}"]
    if not hidden:
        return []
    found = ((h, invisible_problem(f)) for h, f in zip(header, fields) if not hidden.isdisjoint(f))
    return [f"{location(path, line, h)}: {wrong}" for h, wrong in found if wrong]


def read_csv_records(path: Path, columns: tuple[str, ...], required: tuple[str, ...] = ()) -> list[dict]:
    """Parse a CSV into dicts with a ``_line`` key.

    Checked here, for every CSV alike: the header, the field count of each row, invisible characters, and
    rows given twice (a row identical to an earlier one is reported and dropped); with ``required``, that
    those columns have a value (the files of :mod:`helpers.data.csvfiles` declare it in their column rules).
    """
    text = read_text(path)
    hidden = frozenset(c for c in set(text) if is_invisible(c))  # usually none: fields are then not scanned
    rows = csv_rows(path, text)
    _, _, header = next(rows)
    header = [h.strip() for h in header]
    problems = _check_header(path, header, columns)
    if problems:
        raise DataValidationError(problems)
    records: list[dict] = []
    first_seen: dict[tuple, int] = {}
    for line, last, fields in rows:
        if not any(f.strip() for f in fields):
            continue
        wrong = _row_problems(path, line, last, header, fields, hidden)
        if wrong:
            problems += wrong
            continue
        values = tuple(f.strip() for f in fields)
        if values in first_seen:
            problems.append(f"{location(path, line)}: the same row as line {first_seen[values]}; keep one")
            continue
        first_seen[values] = line
        record = dict(zip(header, values))
        problems += [f"{location(path, line, c)}: empty, a value is required" for c in required if not record[c]]
        records.append({**record, "_line": line})
    if not records and not problems:
        problems.append(f"{location(path)}: the file has a header but no data rows")
    if problems:
        raise DataValidationError(problems)
    return records
