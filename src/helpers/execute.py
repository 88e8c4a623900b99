"""Executing notebooks: ``papermill.execute_notebook`` in worker processes, each kernel with its own environment.

One worker process per job slot (``--jobs``); a job sets the kernel environment
(:func:`kernel_env`: its staging folder, its run record, the reproducibility settings) in
its worker's ``os.environ`` and calls papermill, which starts the kernel from there.
When papermill returns, the kernel has stopped (nbclient stops it ``immediate``-ly: every
output was written while the cells ran), so the job's staging folder is complete.
Ctrl-C or SIGTERM kills the workers and their kernels (processes this build started).
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

KERNEL_NAME = paths.KERNEL_NAME
CELL_TIMEOUT_S = 900
# A kernel that dies before it answers kernel_info has run nothing, so it is started once more. Two kernels
# started at the same moment by different processes can be given the same free port (jupyter_client#154):
# one dies with "Address already in use"; the next start picks new ports.
KERNEL_STARTS = 2
DIED_AT_START = "Kernel died before replying to kernel_info"
# Written into the kernels' matplotlibrc so that SVG ids are the same on every run.
MATPLOTLIBRC_TEXT = f"# Written by helpers.build for reproducible figures.\nsvg.hashsalt: {paths.PROJECT_NAME}\n"


def skip_slow_optional_imports() -> None:
    """Keep jsonschema (imported by nbformat) from importing ``rfc3987_syntax``: ~3 s for a check never used."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def matplotlibrc(root: Path) -> Path:
    path = root / "build" / "matplotlibrc"
    if not path.is_file() or path.read_text(encoding="utf-8") != MATPLOTLIBRC_TEXT:
        from .publish import write_bytes_atomic

        write_bytes_atomic(path, MATPLOTLIBRC_TEXT.encode())
    return path


def kernel_env(root: Path, staging_dir: Path | None = None, run_record: Path | None = None) -> dict[str, str]:
    """Variables set in every kernel that executes a notebook (runner and nbval alike).

    They remove the sources of run-to-run differences in outputs: hash seed, SVG ids and
    dates in saved figures, the debugger's frozen-modules warning, the matplotlib backend,
    time zone and locale, and the user's IPython profile. The checkout's ``src`` comes first
    on ``sys.path``, so a copy of the repository imports its own ``helpers``.
    """
    root = Path(root).resolve()
    pythonpath = [str(root / "src")] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    env = {
        "PYTHONHASHSEED": "0",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "SOURCE_DATE_EPOCH": "0",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MATPLOTLIBRC": str(matplotlibrc(root)),
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(root / "build" / "ipython"),
        "PYTHONPATH": os.pathsep.join(pythonpath),
    }
    if staging_dir is not None:
        env[paths.STAGING_ENV] = str(staging_dir)
    if run_record is not None:
        env[paths.RUN_RECORD_ENV] = str(run_record)
    return env


@dataclass
class Job:
    country: str
    name: str
    source: Path
    run_dir: Path  # <run>/<country>: executed notebook, staging folder and run record of this job
    parameters: dict = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    restarts: int = 0  # kernels started again because the one before died before running anything
    outputs: dict[str, str] = field(default_factory=dict)  # published path -> digest
    data: bytes = b""  # the normalised executed notebook

    @property
    def key(self) -> str:
        return f"{self.country}/{self.name}"

    @property
    def executed(self) -> Path:
        return self.run_dir / f"{self.name}.ipynb"

    @property
    def staging(self) -> Path:
        return self.run_dir / self.name

    @property
    def run_record(self) -> Path:
        return self.run_dir / f"{self.name}.run.jsonl"


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C for the whole build
    # nbclient logs a kernel that died at start; the runner says itself what it did about it
    logging.getLogger("papermill").addFilter(lambda record: DIED_AT_START not in record.getMessage())


def _execute(source: str, executed: str, parameters: dict, env: dict, cwd: str) -> tuple[str | None, float, int]:
    """In a worker process: run one notebook with papermill, up to :data:`KERNEL_STARTS` times while its kernel
    dies before running anything; (error message or None, seconds, kernels started again)."""
    os.environ.update(env)
    started = time.monotonic()
    for attempt in range(KERNEL_STARTS):
        if attempt:  # nothing ran, so nothing was written; made sure of before the next kernel starts
            _clear(env)
        error, died_at_start = _papermill(source, executed, parameters, cwd)
        if not died_at_start:
            break
    return error, time.monotonic() - started, attempt


def _clear(env: dict) -> None:
    """Empty the staging folder and remove the run record that a kernel of ``env`` writes (those it has)."""
    if env.get(paths.STAGING_ENV):
        shutil.rmtree(env[paths.STAGING_ENV], ignore_errors=True)
        Path(env[paths.STAGING_ENV]).mkdir(parents=True)
    if env.get(paths.RUN_RECORD_ENV):
        Path(env[paths.RUN_RECORD_ENV]).unlink(missing_ok=True)


def _papermill(source: str, executed: str, parameters: dict, cwd: str) -> tuple[str | None, bool]:
    """One papermill run of a notebook: (its error message or None, whether its kernel died at start)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    try:
        papermill.execute_notebook(
            source,
            executed,
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT_S,
            cwd=cwd,
            shutdown_kernel="immediate",
            # The kernelspec declares CurveZMQ: encrypted sockets, and no warning on stderr.
            config=Config({"KernelManager": {"transport_encryption": "auto"}}),
        )
    except PapermillExecutionError as exc:
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        error = (
            f"cell {exc.cell_index} (In [{exc.exec_count}]) `{first.strip()[:100]}` raised {exc.ename}: {exc.evalue}"
        )
        return error.rstrip(), False
    except Exception as exc:  # kernel died, timeout, disk full
        died_at_start = isinstance(exc, RuntimeError) and str(exc) == DIED_AT_START
        return f"{type(exc).__name__}: {exc}".rstrip(": "), died_at_start
    return None, False


def _kill_children() -> None:
    """Kill the worker processes and kernels this build started (its own descendants)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


def _sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_jobs(root: Path, jobs: list[Job], workers: int, finished) -> None:
    """Run ``jobs``, ``workers`` at a time; ``finished(job)`` is called as each ends. Ctrl-C kills them all."""
    import papermill  # noqa: F401  (imported once, before the workers are forked)

    # Workers are forked, so they inherit the imports (no second start-up). The runner is POSIX-only like
    # the rest of the build (make, bash, the checkout's flock): "spawn" would add multiprocessing's resource
    # tracker, which prints a traceback of its own when a build is interrupted.
    context = multiprocessing.get_context("fork")
    previous = signal.signal(signal.SIGTERM, _sigterm)
    pool = concurrent.futures.ProcessPoolExecutor(min(workers, len(jobs)), context, _worker_init)
    try:
        futures = {}
        for job in jobs:
            job.staging.mkdir(parents=True, exist_ok=True)
            env = kernel_env(root, job.staging, job.run_record)
            args = (str(job.source), str(job.executed), job.parameters, env, str(root / "notebooks"))
            futures[pool.submit(_execute, *args)] = job
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            job.error, job.seconds, job.restarts = future.result()
            finished(job)
        pool.shutdown()
    except BaseException:
        _kill_children()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
