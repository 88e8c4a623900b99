"""Publishing a build: one journal, one lock, records of what was written.

A build stages every output (notebooks, figures, summaries, site pages) under
``build/staging/``; publishing moves them into place through a journal,
``build/publish.json``, written whole before the first move. Each step of a journal can
be repeated, so a publication cut short (``kill -9``, power cut) is completed by the next
command that takes the lock — only a build holding the lock of the checkout
(``build/build.lock``) ever carries out a journal, so no build completes another's live
one. SIGINT and SIGTERM are held while a journal is carried out: a publication always
finishes, and the build then says so.

Records (``build/records/<C>/<name>.json`` per notebook, ``build/records/site.json``):
the digests of the inputs a publication was made from and of every file it wrote. They
are the single staleness mechanism (:func:`current`) and the manifest of what may be
removed: a file no record lists is never removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path


class BuildError(Exception):
    """A problem the user has to fix (bad parameter, bad data, failed notebook); nothing was changed."""


JOURNAL = "build/publish.json"
LOCK = "build/build.lock"
RECORDS = "build/records"


def digest(path: Path) -> str | None:
    """sha256 of a regular file; None if it is missing or not a regular file (never opens a FIFO)."""
    try:
        if not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, NotADirectoryError):
        return None


def digests(root: Path, files: list[Path]) -> dict[str, str | None]:
    return {p.relative_to(root).as_posix(): digest(p) for p in files}


def read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def no_space(exc: OSError, path: Path) -> BuildError | None:
    if exc.errno == errno.ENOSPC:
        return BuildError(f"no space left on device while writing {path}; nothing was published")
    return None


def write_bytes_atomic(dest: Path, data: bytes) -> bool:
    """Write ``data`` to ``dest`` through a temporary file and ``os.replace``; False if unchanged."""
    if dest.is_file() and dest.read_bytes() == data:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise (no_space(exc, dest) or exc) from None
        raise
    return True


def record_path(root: Path, key: str) -> Path:
    """``key`` is ``C/name`` for a notebook of country C, or ``site``."""
    return root / RECORDS / f"{key}.json"


def records(root: Path) -> dict[str, dict]:
    """Every record of the last publications, by key."""
    base = root / RECORDS
    found = {}
    for path in sorted(base.rglob("*.json")) if base.is_dir() else []:
        value = read_json(path, None)
        if isinstance(value, dict):
            found[path.relative_to(base).as_posix()[: -len(".json")]] = value
    return found


def current(root: Path, record: dict | None, inputs: dict) -> bool:
    """A record made from ``inputs`` whose written files all still have the recorded digests."""
    if not record or record.get("inputs") != inputs or not record.get("outputs"):
        return False
    return all(digest(root / rel) == value for rel, value in record["outputs"].items())


# --------------------------------------------------------------------------- lock


@contextlib.contextmanager
def checkout_lock(root: Path):
    """Hold the build lock of this checkout; a second build refuses with a message."""
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise BuildError(
                f"another build of this checkout is running (process {holder}); "
                "wait for it to finish, then run the command again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- journal


def apply_journal(root: Path, journal: dict, limit: int | None = None) -> int:
    """Carry out a publication: moves (staged file -> path), removals, then the records.

    Every step can be repeated (a move whose staged file is gone was done already), so a
    journal interrupted anywhere is completed by applying it again. ``limit`` stops after
    that many moves (tests use it to stand for a kill).
    """
    done = 0
    for staged, rel in journal["moves"]:
        if limit is not None and done >= limit:
            return done
        if Path(staged).exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, root / rel)
        done += 1
    for rel in journal["remove"]:
        with contextlib.suppress(FileNotFoundError):
            (root / rel).unlink()
    for rel, text in journal["records"].items():
        write_bytes_atomic(root / rel, text.encode())
    return done


def unfinished(root: Path) -> bool:
    return (root / JOURNAL).exists()


def complete_unfinished(root: Path, say=print) -> None:
    """Finish the publication of a build that was killed (call with the lock held)."""
    path = root / JOURNAL
    if not path.exists():
        return
    journal = read_json(path, None)
    if not isinstance(journal, dict) or "moves" not in journal:
        raise BuildError(f"{path}: unreadable publication journal; remove it and run `make report FORCE=1`")
    with signals_held() as received:
        apply_journal(root, journal)
        path.unlink()
    shutil.rmtree(journal.get("run_dir") or root / "build" / "staging" / "-", ignore_errors=True)
    say("completed the publication of an interrupted build (build/publish.json): report and site are now new")
    if received:
        raise KeyboardInterrupt


def publish(root: Path, journal: dict) -> bool:
    """Write the journal, carry it out, remove it. True if SIGINT/SIGTERM came meanwhile (held until done)."""
    path = root / JOURNAL
    with signals_held() as received:
        write_bytes_atomic(path, json.dumps(journal, indent=1).encode())
        try:
            apply_journal(root, journal)
        except OSError as exc:
            raise (no_space(exc, Path(exc.filename or "?")) or exc) from None
        path.unlink()
    return bool(received)


@contextlib.contextmanager
def signals_held():
    """Hold SIGINT/SIGTERM while files are moved into place; the list says which came."""
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum)) for sig in SIGNALS}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


SIGNALS = (signal.SIGINT, signal.SIGTERM)
