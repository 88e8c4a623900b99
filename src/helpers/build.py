"""Notebook runner: executes the report notebooks with papermill, safely and reproducibly.

Usage (normally through ``make report``)::

    python -m helpers.build [--country JP] [--jobs 2] [NOTEBOOK ...]

* Sources and reports: ``notebooks/*.ipynb`` are the source notebooks (committed
  without outputs). Every country, Japan included, is built the same way: each
  notebook is executed with the official parameters of ``report.toml`` plus
  ``country`` (papermill parameters), and the executed notebook is written to
  ``reports/C/notebooks/NAME.ipynb``. A source whose parameters cell sets other
  defaults than ``report.toml`` is refused, so an edit saved in JupyterLab can never
  change the committed report.
* Before any kernel starts: the country code and the parameters are checked,
  ``data/`` is validated (:func:`helpers.data.load_survey_data`), the digests of
  every input are recorded, a publication interrupted by a crash is completed, and
  staging folders of killed runs are removed.
* Concurrent and portable: papermill's public API, one ordinary kernel process per
  notebook, ``--jobs`` at a time (a thread pool: the threads only wait on kernels).
  Kernels are shut down with a shutdown request (no interrupt signal).
* Safe: every kernel runs with ``SURVEY_STAGING_DIR`` pointing at its own folder
  under ``build/staging/``, so :func:`helpers.paths.output_path` writes there. Only
  when *every* notebook of the run has succeeded and the inputs still have the
  digests they had at the start are the outputs published, through a journal
  (``build/publish-C.json``) that the next run completes if this one is killed
  during the moves. A failing notebook leaves all committed files untouched; its
  executed copy is kept in ``build/failed/C/``. Ctrl-C or SIGTERM kills the kernels
  and discards staging.
* Deterministic: papermill/nbclient timing metadata is removed, cell ids are kept
  (the injected-parameters cell gets a fixed id), kernels run with a fixed
  environment (:func:`kernel_env`), and notebooks are written with ``nbformat``.
  A file whose bytes did not change is not rewritten.
* Current by content: ``build/C/NAME.inputs.json`` records the digests of the
  notebook's inputs and outputs after a successful run; a notebook whose inputs and
  committed outputs still have those digests is not run again (the Makefile's
  timestamps only decide which notebooks to ask about).
* Outputs not produced any more are deleted (``build/C/NAME.outputs.json`` lists each
  notebook's outputs; a run of every notebook removes any other file in
  ``figures/C/`` and ``reports/C/notebooks/``).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

KERNEL_NAME = paths.KERNEL_NAME
INJECTED_TAG = "injected-parameters"
CELL_TIMEOUT_S = 900
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
# Written into the kernels' matplotlibrc so that SVG ids are the same on every run.
MATPLOTLIBRC_TEXT = f"# Written by helpers.build for reproducible figures.\nsvg.hashsalt: {paths.PROJECT_NAME}\n"
# Parameters the runner gives every notebook besides those of report.toml.
RUN_PARAMETERS = ("country",)


class BuildError(Exception):
    """A problem the user has to fix (bad parameter, bad data, failed notebook); nothing was changed."""


# --------------------------------------------------------------------------- environment


def skip_slow_optional_imports() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax``.

    nbformat imports jsonschema, which imports the optional ``rfc3987_syntax`` (pulled
    in by JupyterLab) to check IRI formats; that module builds a parser at import time
    and costs ~3 s, for a check notebooks never use. Marking it absent makes jsonschema
    skip that one format. Used by the runner and by the test session (nbval imports
    nbformat in every worker).
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def matplotlibrc(root: Path) -> Path:
    path = root / "build" / "matplotlibrc"
    if not path.exists() or path.read_text(encoding="utf-8") != MATPLOTLIBRC_TEXT:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_bytes_atomic(path, MATPLOTLIBRC_TEXT.encode())
    return path


def kernel_env(root: Path | None = None, staging_dir: Path | None = None) -> dict[str, str]:
    """Variables set in every kernel that executes a notebook (runner and nbval alike).

    They remove the sources of run-to-run differences in outputs: hash seed, SVG ids
    and dates in saved figures, the debugger's frozen-modules warning, the matplotlib
    backend (inline, whatever the caller's MPLBACKEND), the time zone and locale, and
    the user's IPython profile (startup files, settings). The
    project's ``src`` comes first on ``sys.path`` so a copy of the repository imports
    its own ``helpers``.
    """
    root = Path(root or paths.ROOT).resolve()
    pythonpath = [str(root / "src")]
    if os.environ.get("PYTHONPATH"):
        pythonpath.append(os.environ["PYTHONPATH"])
    env = {
        "PYTHONHASHSEED": "0",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "SOURCE_DATE_EPOCH": "0",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MATPLOTLIBRC": str(matplotlibrc(root)),
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
        "JUPYTER_PLATFORM_DIRS": "1",
        # The kernels' own IPython folder: no user startup file or profile setting can change outputs.
        "IPYTHONDIR": str(root / "build" / "ipython"),
        "PYTHONPATH": os.pathsep.join(pythonpath),
    }
    if staging_dir is not None:
        env[paths.STAGING_ENV] = str(staging_dir)
    return env


def check_country_code(country: str) -> str:
    """``country`` if it is two capital letters; else a BuildError (before it is used anywhere)."""
    if not isinstance(country, str) or not COUNTRY_CODE.fullmatch(country):
        raise BuildError(f"country code {country!r} is not two capital letters (e.g. JP)")
    return country


def load_data(root: Path):
    """Validate ``data/`` with the loader; a BuildError carries its message."""
    missing = [p.name for p in paths.DATA_FILES if not (root / "data" / p.name).is_file()]
    if missing:
        raise BuildError(f"data/{', data/'.join(missing)} missing, so no notebook was run and no output changed")
    from .data import load_survey_data

    try:
        return load_survey_data(root / "data")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"data/ does not validate, so no notebook was run and no output changed:\n{exc}") from None


def countries(root: Path) -> list[str]:
    """Country codes of the survey (validated data: the loader refuses any that is not two capital letters)."""
    return [str(code) for code in load_data(root).countries()]


def official_parameters(root: Path) -> dict:
    """The ``[parameters]`` table of report.toml: the values of the committed report."""
    path = root / paths.REPORT_TOML.name
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("parameters")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"{path.name}: cannot read the official parameters: {exc}") from None
    if not isinstance(table, dict) or not table:
        raise BuildError(f"{path.name}: no [parameters] table")
    for name in RUN_PARAMETERS:
        if name in table:
            raise BuildError(f"{path.name}: '{name}' is given per run (make report COUNTRY=...), not in [parameters]")
    return table


def notebook_parameters(source: Path, official: dict, country: str) -> dict:
    """The parameters a source notebook gets: ``country`` and the official values it declares.

    Refuses a notebook whose parameters cell declares a name report.toml does not have,
    or a default other than the official value: the committed report must not depend on
    what a parameters cell was last saved with.
    """
    import papermill

    try:
        declared = papermill.inspect_notebook(str(source))
    except Exception as exc:  # papermill raises several types for unreadable notebooks
        raise BuildError(f"notebooks/{source.name}: cannot read its parameters cell: {exc}") from None
    if not declared:
        raise BuildError(f"notebooks/{source.name}: no cell tagged `parameters`")
    chosen = {"country": country}
    for name, info in declared.items():
        if name in RUN_PARAMETERS:
            continue
        if name not in official:
            raise BuildError(
                f"notebooks/{source.name}: parameter {name!r} is not in report.toml "
                f"(official parameters: {', '.join(official)})"
            )
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            default = info["default"]
        if default != official[name] or type(default) is not type(official[name]):
            raise BuildError(
                f"notebooks/{source.name}: its parameters cell sets {name} = {info['default']}, but the report's "
                f"official value is {official[name]!r} (report.toml). Set the cell back (e.g. `git checkout "
                f"notebooks/{source.name}`); to try another value, run the notebook in JupyterLab or with "
                f"papermill -p {name} ... : its outputs then go to build/scratch/, not to the report."
            )
        chosen[name] = official[name]
    return chosen


def notebook_names(root: Path, requested: list[str] | None) -> list[str]:
    available = sorted(p.stem for p in (root / "notebooks").glob("*.ipynb"))
    if not requested:
        return available
    names = []
    for item in requested:
        name = Path(item).stem if item.endswith(".ipynb") else item
        if name not in available:
            raise BuildError(f"no notebook notebooks/{name}.ipynb (have: {', '.join(available) or 'none'})")
        if name not in names:
            names.append(name)
    return names


def input_files(root: Path) -> list[Path]:
    """Every file a notebook's outputs depend on, besides the notebook itself."""
    files = [root / "data" / p.name for p in paths.DATA_FILES]
    files += sorted((root / "src" / "helpers").rglob("*.py"))  # subpackages (charts/) too
    files.append(root / paths.REPORT_TOML.name)
    return files


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def digests(root: Path, files: list[Path]) -> dict[str, str | None]:
    return {p.relative_to(root).as_posix(): digest(p) for p in files}


# --------------------------------------------------------------------------- notebooks


def normalize(nb, source=None):
    """Remove what differs between two runs or saves of the same notebook; return ``nb``.

    The one place where notebooks are cleaned, for the runner (executed notebooks) and
    for JupyterLab (:func:`strip_source`, the pre-save hook): papermill and nbclient
    metadata (times, durations, status, input/output paths), empty tag lists, the
    Python patch version, cell metadata JupyterLab adds (``execution``,
    ``collapsed``, ``scrolled``, ``jupyter``), random cell ids (ids present in
    ``source`` are kept, the injected-parameters cell is ``injected-parameters``, any
    other new cell gets ``cell-<index>``), and the timing-dependent split of printed
    text into several stream outputs.
    """
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    info = nb.metadata.get("language_info")
    if isinstance(info, dict):
        info.pop("version", None)
    known = {c.get("id") for c in (source if source is not None else nb).cells if c.get("id")}
    used: set[str] = set()
    for index, cell in enumerate(nb.cells):
        for key in ("papermill", "execution", "collapsed", "scrolled", "jupyter"):
            cell.metadata.pop(key, None)
        tags = cell.metadata.get("tags")
        if tags == []:
            del cell.metadata["tags"]
        cell_id = cell.get("id")
        if INJECTED_TAG in (tags or []):
            cell["id"] = INJECTED_TAG
        elif cell_id not in known or cell_id in used:
            cell["id"] = f"cell-{index}"
        used.add(cell["id"])
        if cell.get("outputs"):
            cell.outputs = _merge_streams(cell.outputs)
    return nb


def strip_source(nb):
    """A source notebook as committed: :func:`normalize`, no outputs, no execution counts."""
    normalize(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


GENERATED_DIRS = ("reports", "figures")


def pre_save_hook(model, path, contents_manager=None, **kwargs):
    """jupyter_server's ``ContentsManager.pre_save_hook`` for ``make lab`` (jupyter_server_config.py).

    * A notebook saved under ``notebooks/`` is normalised as committed
      (:func:`strip_source`: no outputs, no execution counts, none of the metadata
      JupyterLab adds), so opening, running and saving a source notebook without
      editing it leaves its bytes unchanged.
    * Saving anything under ``reports/`` or ``figures/`` (outputs that only
      ``make report`` writes) is refused with an HTTP 403 whose message says what to do.
    """
    parts = Path(str(path).replace("\\", "/").lstrip("/")).parts
    if parts and parts[0] in GENERATED_DIRS:
        from tornado.web import HTTPError

        raise HTTPError(
            403,
            f"{path} is part of the committed report, which only `make report` writes: "
            "save a copy elsewhere (File > Save Notebook As..., e.g. under build/), "
            "or edit the source notebook in notebooks/",
        )
    if model.get("type") == "notebook" and parts and parts[0] == "notebooks" and model.get("content"):
        import nbformat

        model["content"] = strip_source(nbformat.from_dict(model["content"]))
    return model


def _merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name (stdout/stderr).

    How a kernel splits printed text into messages depends on timing (it flushes every
    0.2 s); the text and its place among the other outputs do not.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def _no_space(exc: OSError, path: Path) -> BuildError | None:
    if exc.errno == errno.ENOSPC:
        return BuildError(f"no space left on device while writing {path}; nothing was published")
    return None


def _write_bytes_atomic(dest: Path, data: bytes) -> bool:
    """Write ``data`` to ``dest`` through a temporary file and ``os.replace``; False if unchanged."""
    if dest.exists() and dest.read_bytes() == data:
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
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise (_no_space(exc, dest) or exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def notebook_bytes(nb) -> bytes:
    """The bytes ``nbformat.write`` would write (stable JSON layout, trailing newline)."""
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def absolute_paths_in_outputs(nb, roots: list[str]) -> list[str]:
    """Describe outputs that contain one of ``roots`` (absolute paths make outputs machine-dependent)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            texts = []
            if "text" in output:
                texts.append(output["text"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime in ("application/json",):
                    texts.append(value if isinstance(value, str) else json.dumps(value))
            texts.extend(output.get("traceback", []) if output.get("output_type") == "error" else [])
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                for root in roots:
                    if root in text:
                        line = next(line for line in text.splitlines() if root in line)
                        problems.append(
                            f"cell {index}: output contains the absolute path {root!r}: {line.strip()[:160]}"
                        )
                        break
    return problems


# --------------------------------------------------------------------------- execution


@dataclass
class Job:
    name: str
    source: Path
    executed: Path  # where papermill writes the executed notebook (in staging)
    staging: Path  # SURVEY_STAGING_DIR of its kernel
    destination: Path  # the committed executed notebook
    parameters: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    nb: object | None = None
    outputs: list[str] = field(default_factory=list)
    data: bytes = b""  # the normalised executed notebook, as it is published
    stopped: concurrent.futures.Future | None = None  # done when the notebook's kernel has stopped


class _Kernels:
    """Kernel managers currently alive, so that an interrupt can kill them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._managers: set = set()
        self.stopping = False

    def add(self, km) -> None:
        with self._lock:
            if self.stopping:
                raise KeyboardInterrupt
            self._managers.add(km)

    def remove(self, km) -> None:
        with self._lock:
            self._managers.discard(km)

    def kill_all(self) -> None:
        with self._lock:
            self.stopping = True
            managers = list(self._managers)
        for km in managers:
            self.kill(km)

    @staticmethod
    def kill(km) -> None:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        with contextlib.suppress(Exception):
            if process is not None and process.poll() is None:
                process.kill()
        with contextlib.suppress(Exception):
            km.cleanup_connection_file()


# No input history: nothing to write to an SQLite file per kernel (and two kernels never share one).
KERNEL_ARGV = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--HistoryManager.enabled=False"]


def _kernel_manager(env: dict[str, str]):
    """An async kernel manager for the project's kernel = this interpreter, with ``env`` added.

    The kernelspec is built here rather than looked up, so a kernelspec of the same name
    installed elsewhere on the machine can never run the notebooks with another Python.
    """
    from ipykernel.kernelspec import RESOURCES
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    spec = KernelSpec(
        resource_dir=RESOURCES,
        argv=list(KERNEL_ARGV),
        display_name=paths.KERNEL_DISPLAY_NAME,
        language="python",
        env=env,
        metadata={"debugger": True, "supported_encryption": ["curve"]},
    )

    class _SpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == KERNEL_NAME:
                return spec
            return super().get_kernel_spec(kernel_name)

    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_SpecManager(), transport_encryption="auto")


KERNEL_EXIT_WAIT_S = 2.0
"""Seconds a stopping kernel gets: terminated after half of it, killed after all of it (see _shutdown)."""


def _shutdown(km) -> None:
    """Stop a kernel with a shutdown request, then kill it if it does not exit.

    Not ``shutdown_kernel()``: that first interrupts the kernel (SIGINT), which a kernel
    busy answering a message logs as ``KeyboardInterrupt caught in kernel`` on stderr.

    A kernel that does not exit within half of :data:`KERNEL_EXIT_WAIT_S` is terminated,
    and killed at the end of it. A report kernel exits in 0.2–0.8 s, but now and then
    ipykernel's control thread waits on an IOPub thread that is already stopping (its
    flush has a 10 s timeout), and the kernel stays up until terminated: with the
    default 5 s that cost 2.5 s at the end of a build. Its work is done by then: every
    output was written while its cells ran.
    """
    from jupyter_core.utils import run_sync

    if not km.has_kernel:
        return
    run_sync(km.request_shutdown)()
    run_sync(km.finish_shutdown)(waittime=KERNEL_EXIT_WAIT_S)
    run_sync(km.cleanup_resources)()


def _stop(km, kernels: _Kernels) -> None:
    try:
        _shutdown(km)
    except Exception:
        kernels.kill(km)
    finally:
        kernels.remove(km)


def _execute(job: Job, root: Path, kernels: _Kernels, stopper: concurrent.futures.Executor) -> Job:
    """Run one notebook; its kernel is then stopped by ``stopper``, so the next notebook need not wait."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    job.staging.mkdir(parents=True, exist_ok=True)
    km = _kernel_manager(kernel_env(root, job.staging))
    started = time.monotonic()
    kernels.add(km)
    try:
        papermill.execute_notebook(
            str(job.source),
            str(job.executed),
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT_S,
            km=km,
            # The kernel's working folder (papermill's `cwd` would chdir this whole process).
            resources={"metadata": {"path": str(root / "notebooks")}},
            record_timing=False,
        )
    except PapermillExecutionError as exc:
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        job.error = (
            f"cell {exc.cell_index} (In [{exc.exec_count}]) `{first.strip()[:100]}` raised "
            f"{exc.ename}: {exc.evalue}".rstrip()
        )
    except OSError as exc:
        job.error = str(_no_space(exc, job.executed) or exc)
    except BaseException as exc:  # kernel died, timeout, interrupt
        job.error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        if not isinstance(exc, Exception):
            raise
    finally:
        job.seconds = time.monotonic() - started
        job.stopped = stopper.submit(_stop, km, kernels)
    if job.error is None and not job.executed.exists():
        job.error = f"papermill wrote no executed notebook ({job.executed.name})"
    return job


@contextlib.contextmanager
def _interrupts_as_keyboardinterrupt():
    """SIGTERM behaves like Ctrl-C (KeyboardInterrupt in the main thread)."""

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT/SIGTERM while files are being moved into place, re-raise after."""
    received: list[int] = []

    def handler(signum, frame):
        received.append(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
    if received:
        raise KeyboardInterrupt(f"signal {received[0]}")


def _relative_outputs(staging: Path) -> list[str]:
    return sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())


def _manifest(root: Path, country: str, name: str) -> Path:
    return root / "build" / country / f"{name}.outputs.json"


def _record(root: Path, country: str, name: str) -> Path:
    return root / "build" / country / f"{name}.inputs.json"


def _read_json(path: Path, default):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return default


# --------------------------------------------------------------------------- publishing


def journal_path(root: Path, country: str) -> Path:
    return root / "build" / f"publish-{country}.json"


def apply_journal(root: Path, journal: dict, limit: int | None = None) -> int:
    """Carry out a publication: moves (staged file -> committed path), removals, then the build records.

    Every step can be repeated: a move whose staged file is gone was done already. So
    a journal interrupted anywhere (``kill -9``, power cut) is completed by applying
    it again. ``limit`` stops after that many moves (tests use it to stand for a kill).
    """
    done = 0
    for staged, rel in journal["moves"]:
        if limit is not None and done >= limit:
            return done
        staged_path = Path(staged)
        if staged_path.exists():
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_path, dest)
        done += 1
    for rel in journal["remove"]:
        with contextlib.suppress(FileNotFoundError):
            (root / rel).unlink()
    for rel, record in journal.get("records", {}).items():
        _write_bytes_atomic(root / rel, record.encode())
    return done


def complete_interrupted_publication(root: Path, say=print) -> None:
    """Finish a publication a killed run had started (its journal is still there), for every country."""
    for path in sorted((root / "build").glob("publish-*.json")):
        journal = _read_json(path, None)
        if not isinstance(journal, dict) or "moves" not in journal:
            # Written through a temporary file and os.replace: a journal is whole or absent.
            raise BuildError(f"{path}: unreadable publication journal; remove it and run `make report FORCE=1`")
        apply_journal(root, journal)
        path.unlink()
        if journal.get("run_dir"):
            shutil.rmtree(journal["run_dir"], ignore_errors=True)
        say(f"completed the publication of an interrupted build ({path.name})")


def clean_stale_staging(root: Path) -> None:
    """Remove ``build/staging/*`` folders whose run (its process id in the name) is not alive."""
    import psutil

    staging = root / "build" / "staging"
    if not staging.is_dir():
        return
    for run_dir in staging.iterdir():
        match = re.fullmatch(r"[A-Z]{2}-(\d+)-.*", run_dir.name)
        if match and int(match.group(1)) != os.getpid() and psutil.pid_exists(int(match.group(1))):
            continue
        shutil.rmtree(run_dir, ignore_errors=True)


# --------------------------------------------------------------------------- runner


class Runner:
    def __init__(self, root: Path, country: str, jobs: int = 2, out=None) -> None:
        self.root = Path(root).resolve()
        self.country = check_country_code(country)
        if not isinstance(jobs, int) or jobs < 1:
            raise BuildError(f"--jobs must be a whole number of at least 1, got {jobs!r}")
        self.jobs = jobs
        self.out = out or sys.stdout

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def outputs_intact(self, name: str, record: dict) -> bool:
        outputs = record.get("outputs") or {}
        return bool(outputs) and all(digest(self.root / rel) == value for rel, value in outputs.items())

    def run(self, names: list[str] | None = None, force: bool = True) -> int:
        (self.root / "build").mkdir(exist_ok=True)
        complete_interrupted_publication(self.root, self.say)
        clean_stale_staging(self.root)
        names = notebook_names(self.root, names)
        all_names = notebook_names(self.root, None)
        inputs_at_start = digests(
            self.root, input_files(self.root) + [self.root / "notebooks" / f"{n}.ipynb" for n in all_names]
        )
        if not force:
            # Current by content: inputs and committed outputs as they were after the last successful run
            # (data/ was validated then, and has not changed since).
            current = []
            for name in names:
                record = _read_json(_record(self.root, self.country, name), {})
                if record.get("inputs") == self._inputs_of(name, inputs_at_start) and self.outputs_intact(name, record):
                    (self.root / "build" / self.country / f"{name}.stamp").touch()
                else:
                    current.append(name)
            if not current:
                self.say(f"report for {self.country} is up to date (inputs unchanged)")
                return 0
            names = current
        known = countries(self.root)
        if self.country not in known:
            raise BuildError(
                f"unknown country {self.country!r}: expected one of {', '.join(known)} "
                f"(the keys of countries: in data/survey.yml)"
            )
        official = official_parameters(self.root)

        skip_slow_optional_imports()
        import nbformat
        import papermill  # noqa: F401  (imported once, before the threads start)

        parameters = {
            name: notebook_parameters(self.root / "notebooks" / f"{name}.ipynb", official, self.country)
            for name in names
        }
        staging_root = self.root / "build" / "staging"
        staging_root.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix=f"{self.country}-{os.getpid()}-", dir=staging_root))
        reports = self.root / "reports" / self.country / "notebooks"
        jobs = [
            Job(
                name,
                self.root / "notebooks" / f"{name}.ipynb",
                run_dir / f"{name}.ipynb",
                run_dir / name,
                reports / f"{name}.ipynb",
                parameters[name],
            )
            for name in names
        ]

        # Longest first, so the longest notebook does not start last and leave a core idle at the end: by the
        # seconds each took in the last successful run (build/C/durations.json), else by the size of its
        # executed copy (which stands for its work on a fresh clone).
        durations = _read_durations(self.root, self.country)
        jobs.sort(
            key=lambda job: (
                -durations.get(job.name, -1.0),
                -(job.destination.stat().st_size if job.destination.exists() else 0),
            )
        )
        started = time.monotonic()
        kernels = _Kernels()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="notebook")
        stopper = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="shutdown")
        try:
            with _interrupts_as_keyboardinterrupt():
                self.say(f"running {len(jobs)} notebook(s) for {self.country}, {min(self.jobs, len(jobs))} at a time")
                futures = {pool.submit(_execute, job, self.root, kernels, stopper): job for job in jobs}
                for future in concurrent.futures.as_completed(futures):
                    job = future.result()
                    status = "done" if job.error is None else "FAILED"
                    self.say(f"  {status:6} {job.name}.ipynb  {job.seconds:.1f} s")
                    # Checked while the other notebooks still run, not after the last one.
                    self._check_executed(job, run_dir, nbformat)
                pool.shutdown(wait=True)
                failed = [job for job in jobs if job.error is not None]
                problems = self._check_outputs(jobs)
                stopper.shutdown(wait=True)
                if failed or problems:
                    self._report_failure(failed, problems)
                    return 1
                changed = [
                    rel
                    for rel, value in digests(self.root, [self.root / r for r in inputs_at_start]).items()
                    if value != inputs_at_start[rel]
                ]
                if changed:
                    print(
                        f"FAILED inputs changed while the notebooks ran: {', '.join(changed)}\n"
                        f"report for {self.country} not updated (it would mix old and new inputs): "
                        "run `make report` again",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
                with _signals_deferred():
                    self._publish(jobs, run_dir, inputs_at_start, complete=set(names) == set(all_names))
        except KeyboardInterrupt:
            kernels.kill_all()
            pool.shutdown(wait=False, cancel_futures=True)
            stopper.shutdown(wait=False, cancel_futures=True)
            self.say("interrupted: kernels stopped, staging discarded, committed files untouched")
            shutil.rmtree(run_dir, ignore_errors=True)
            self.out.flush()
            sys.stderr.flush()
            # Worker threads may still be waiting on dead kernels; do not wait for them.
            os._exit(130)
        except BaseException:
            # A bug or an unexpected error while notebooks still run: stop them before reporting it.
            kernels.kill_all()
            pool.shutdown(wait=False, cancel_futures=True)
            stopper.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        self.say(f"report for {self.country}: {len(jobs)} notebook(s) in {time.monotonic() - started:.1f} s")
        return 0

    def _check_executed(self, job: Job, run_dir: Path, nbformat) -> None:
        """Read a finished notebook back, normalise it and list its outputs; a problem becomes ``job.error``.

        Called as each notebook finishes, while the others still run. Its outputs are listed only once its
        kernel has stopped, so that nothing the kernel writes on its way out is missed.
        """
        try:
            job.nb = nbformat.read(job.executed, as_version=4) if job.executed.exists() else None
        except Exception as exc:  # an executed notebook cut short (e.g. disk full)
            job.nb = None
            if job.error is None:
                job.error = f"cannot read the executed notebook: {exc}"
        if job.nb is None or job.error is not None:
            return
        try:
            normalize(job.nb, nbformat.read(job.source, as_version=4))
            problems = absolute_paths_in_outputs(job.nb, [str(self.root), str(run_dir), tempfile.gettempdir() + os.sep])
            if problems:
                job.error = "outputs depend on where the build ran:\n      " + "\n      ".join(problems)
            job.data = notebook_bytes(job.nb)
            if job.stopped is not None:
                job.stopped.result()
            job.outputs = _relative_outputs(job.staging)
        except Exception as exc:  # e.g. the source notebook removed or broken during the run
            job.error = f"cannot check the executed notebook: {type(exc).__name__}: {exc}"

    def _inputs_of(self, name: str, inputs: dict) -> dict:
        own = f"notebooks/{name}.ipynb"
        return {rel: value for rel, value in inputs.items() if not rel.startswith("notebooks/") or rel == own}

    def _check_outputs(self, jobs: list[Job]) -> list[str]:
        """Outputs must be under figures/C/ or reports/C/ and produced by one notebook only."""
        problems = []
        allowed = (f"figures/{self.country}/", f"reports/{self.country}/")
        owner: dict[str, str] = {}
        for job in jobs:
            for rel in job.outputs:
                if not rel.startswith(allowed) or rel.startswith(f"reports/{self.country}/notebooks/"):
                    problems.append(
                        f"{job.name}.ipynb wrote {rel}: outputs for {self.country} belong in "
                        f"figures/{self.country}/ or reports/{self.country}/"
                    )
                elif rel in owner:
                    problems.append(f"{rel} is written by both {owner[rel]}.ipynb and {job.name}.ipynb")
                else:
                    owner[rel] = job.name
        return problems

    def _report_failure(self, failed: list[Job], problems: list[str]) -> None:
        failed_dir = self.root / "build" / "failed" / self.country
        for job in failed:
            where = ""
            if job.nb is not None:
                failed_dir.mkdir(parents=True, exist_ok=True)
                copy = failed_dir / f"{job.name}.ipynb"
                import nbformat

                with contextlib.suppress(Exception):  # a source gone or broken: keep the copy as it ran
                    normalize(job.nb, nbformat.read(job.source, as_version=4))
                with contextlib.suppress(OSError):
                    _write_bytes_atomic(copy, notebook_bytes(job.nb))
                    where = f"\n    executed copy: {copy.relative_to(self.root)}"
            print(f"FAILED {job.name}.ipynb: {job.error}{where}", file=sys.stderr, flush=True)
        for problem in problems:
            print(f"FAILED {problem}", file=sys.stderr, flush=True)
        print(
            f"report for {self.country} not updated: committed notebooks, figures and summary are unchanged",
            file=sys.stderr,
            flush=True,
        )

    def _publish(self, jobs: list[Job], run_dir: Path, inputs: dict, complete: bool) -> None:
        """Publish every output of the run (all notebooks succeeded) through a journal."""
        moves: list[tuple[str, str]] = []
        produced: set[str] = set()
        ready = run_dir / "publish"
        out_digests: dict[str, dict[str, str]] = {}  # job → its outputs' digests, the notebook's included
        for job in jobs:
            rel = job.destination.relative_to(self.root).as_posix()
            staged = {out: digest(job.staging / out) for out in job.outputs}
            out_digests[job.name] = {**staged, rel: hashlib.sha256(job.data).hexdigest()}
            if digest(job.destination) != out_digests[job.name][rel]:
                _write_bytes_atomic(ready / rel, job.data)
                moves.append((str(ready / rel), rel))
            for out, value in staged.items():
                produced.add(out)
                if digest(self.root / out) != value:
                    moves.append((str(job.staging / out), out))
        # Outputs a notebook wrote last time and no longer writes.
        previous = {job.name: _read_json(_manifest(self.root, self.country, job.name), []) for job in jobs}
        claimed = set(produced)
        ran = {job.name for job in jobs}
        for other in (self.root / "build" / self.country).glob("*.outputs.json"):
            if other.name[: -len(".outputs.json")] not in ran:
                claimed.update(_read_json(other, []))
        stale = {rel for names in previous.values() for rel in names} - claimed
        if complete:
            # Every notebook ran: anything else in the generated folders is stale.
            candidates = list((self.root / "figures" / self.country).rglob("*"))
            candidates += list((self.root / "reports" / self.country / "notebooks").glob("*.ipynb"))
            keep = produced | {job.destination.relative_to(self.root).as_posix() for job in jobs}
            stale |= {
                p.relative_to(self.root).as_posix() for p in candidates if p.is_file() and not p.name.startswith(".")
            } - keep
        records = {}
        for job in jobs:
            records[_manifest(self.root, self.country, job.name).relative_to(self.root).as_posix()] = (
                json.dumps(job.outputs, indent=1) + "\n"
            )
            records[_record(self.root, self.country, job.name).relative_to(self.root).as_posix()] = (
                json.dumps(
                    {"inputs": self._inputs_of(job.name, inputs), "outputs": out_digests[job.name]},
                    indent=1,
                    sort_keys=True,
                )
                + "\n"
            )
        journal = {"moves": moves, "remove": sorted(stale), "records": records, "run_dir": str(run_dir)}
        path = journal_path(self.root, self.country)
        _write_bytes_atomic(path, json.dumps(journal, indent=1).encode())
        try:
            apply_journal(self.root, journal)
        except OSError as exc:
            raise (_no_space(exc, Path(exc.filename or "?")) or exc) from None
        path.unlink()
        for rel in sorted(stale):
            self.say(f"  removed {rel} (no notebook writes it any more)")
        stamp_dir = self.root / "build" / self.country
        _write_durations(self.root, self.country, {job.name: round(job.seconds, 2) for job in jobs})
        for job in jobs:
            (stamp_dir / f"{job.name}.stamp").touch()
            # The executed copy of an earlier failure is out of date now.
            (self.root / "build" / "failed" / self.country / f"{job.name}.ipynb").unlink(missing_ok=True)
        self.say(f"  {len(moves)} file(s) updated, {len(stale)} removed")


def _durations_file(root: Path, country: str) -> Path:
    return root / "build" / country / "durations.json"


def _read_durations(root: Path, country: str) -> dict[str, float]:
    """Seconds each notebook took in the last successful run of ``country`` (empty when unknown)."""
    try:
        found = json.loads(_durations_file(root, country).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))} if isinstance(found, dict) else {}
    )


def _write_durations(root: Path, country: str, seconds: dict[str, float]) -> None:
    """Record this run's seconds per notebook (merged with the others'), for the next run's order."""
    path = _durations_file(root, country)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_bytes_atomic(
        path, (json.dumps({**_read_durations(root, country), **seconds}, indent=1, sort_keys=True) + "\n").encode()
    )


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {value!r}")
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.build", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names or paths (default: all in notebooks/)")
    parser.add_argument("--country", default="JP", help="country code (default JP)")
    parser.add_argument("--jobs", "-j", type=_jobs, default=2, help="notebooks run at the same time (default 2)")
    parser.add_argument("--root", type=Path, default=paths.ROOT, help="repository to build (default: this one)")
    parser.add_argument(
        "--if-changed",
        action="store_true",
        help="run only the notebooks whose inputs or committed outputs changed (by content)",
    )
    parser.add_argument(
        "--list-countries", action="store_true", help="validate data/ and print the country codes, one a line"
    )
    args = parser.parse_args(argv)
    try:
        if args.list_countries:
            print("\n".join(countries(args.root)))
            return 0
        return Runner(args.root, args.country, args.jobs).run(args.notebooks, force=not args.if_changed)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            print(
                f"error: no space left on device while writing {exc.filename or 'a file'}; "
                "committed files were not changed (free some space and run again)",
                file=sys.stderr,
            )
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
