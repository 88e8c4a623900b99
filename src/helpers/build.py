"""Notebook runner: executes the report notebooks with papermill, safely and reproducibly.

Usage (normally through ``make report``)::

    python -m helpers.build [--country JP] [--jobs 2] [NOTEBOOK ...]

* All notebooks of a run are executed by papermill's Python API from this one
  process, ``--jobs`` at a time (a thread pool: each notebook runs in its own kernel
  process, so the threads only wait on kernels; papermill is imported once).
* For the default country (``JP``) the notebooks run as committed, with no
  parameters (so no injected cell), and the executed notebooks replace
  ``notebooks/*.ipynb``. For another country the notebooks run with
  ``{"country": C}`` and are written to ``reports/C/notebooks/``.
* Safe: every kernel runs with ``SURVEY_STAGING_DIR`` pointing at its own folder
  under ``build/staging/``, so :func:`helpers.paths.output_path` writes there. Only
  when *every* notebook of the run has succeeded are the executed notebooks and the
  staged outputs moved into place, one ``os.replace`` per file. A failing notebook
  leaves all committed files untouched; its executed copy is kept in
  ``build/failed/C/``. Ctrl-C or SIGTERM kills the kernels and discards staging.
* Deterministic: papermill/nbclient timing metadata is removed, cell ids are kept
  (an injected-parameters cell gets a fixed id), kernels run with a fixed
  environment (:func:`kernel_env`), and notebooks are written with ``nbformat.write``.
  A file whose bytes did not change is not rewritten (its mtime stays, so make does
  not see it as new).
* Outputs not produced any more: each notebook's outputs are recorded in
  ``build/C/NAME.outputs.json``; files listed there that the notebook no longer
  writes are deleted. When a run covers every notebook, it knows all the outputs of
  the country, and any other file in ``figures/C/`` or ``reports/C/notebooks/`` is
  deleted too (so a fresh clone also gets rid of stale figures).
* ``build/C/NAME.stamp`` is touched for each notebook after a successful run (the
  Makefile uses these stamps to run only what is out of date).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

DEFAULT_COUNTRY = "JP"
FALLBACK_COUNTRIES = ("JP", "KR", "US")
KERNEL_NAME = "python3"
INJECTED_TAG = "injected-parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"
CELL_TIMEOUT_S = 900
# Written into the kernels' matplotlibrc so that SVG ids are the same on every run.
MATPLOTLIBRC_TEXT = "# Written by helpers.build for reproducible figures.\nsvg.hashsalt: japan-us-korea-survey-2025\n"


class BuildError(Exception):
    """A problem the user has to fix (unknown country, missing notebook, failed notebook)."""


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
    backend (inline, whatever the caller's MPLBACKEND), the time zone and locale. The
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
        "PYTHONPATH": os.pathsep.join(pythonpath),
    }
    if staging_dir is not None:
        env[paths.STAGING_ENV] = str(staging_dir)
    return env


def countries(root: Path) -> list[str]:
    """Country codes of ``countries:`` in data/survey.yml (JP, KR, US until that file exists)."""
    survey = root / "data" / "survey.yml"
    if not survey.exists():
        return list(FALLBACK_COUNTRIES)
    import yaml

    meta = yaml.safe_load(survey.read_text(encoding="utf-8")) or {}
    found = meta.get("countries") or {}
    if not isinstance(found, dict) or not found:
        raise BuildError(f"{survey}: no 'countries:' mapping")
    return [str(code) for code in found]


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


# --------------------------------------------------------------------------- notebooks


def normalize(nb, source):
    """Remove what differs between two executions of the same notebook; return ``nb``.

    The one place where executed notebooks are cleaned: papermill and nbclient
    metadata (times, durations, status, input/output paths), empty tag lists papermill
    adds, the Python patch version, random cell ids (ids present in ``source`` are
    kept, the injected-parameters cell is ``injected-parameters``, and any other new
    cell gets ``cell-<index>``), and the timing-dependent split of printed text into
    several stream outputs.
    """
    nb.metadata.pop("papermill", None)
    info = nb.metadata.get("language_info")
    if isinstance(info, dict):
        info.pop("version", None)
    known = {c.get("id") for c in source.cells if c.get("id")}
    used: set[str] = set()
    for index, cell in enumerate(nb.cells):
        for key in ("papermill", "execution"):
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


def _merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name (stdout/stderr).

    How a kernel splits printed text into messages depends on timing (it flushes every
    0.2 s); the text and its place among the other outputs do not.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream" and previous.get("name") == output.get("name")):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def _write_bytes_atomic(dest: Path, data: bytes) -> bool:
    """Write ``data`` to ``dest`` through a temporary file and ``os.replace``; False if unchanged."""
    if dest.exists() and dest.read_bytes() == data:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
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
                        problems.append(f"cell {index}: output contains the absolute path {root!r}: {line.strip()[:160]}")
                        break
    return problems


# --------------------------------------------------------------------------- warm kernels

WARM_ENV = "SURVEY_WARM_KERNELS"
# Imported once by the warm-kernel server, before it forks a kernel per notebook: the
# libraries the notebooks import through src/helpers (keep in step with its imports),
# never the project's own code. A library not listed is simply imported by the kernel.
WARM_PRELOAD = (
    "numpy", "pandas", "scipy.stats", "statsmodels.stats.proportion", "yaml",
    "matplotlib", "matplotlib.pyplot", "matplotlib.figure", "matplotlib.patches", "matplotlib.ticker",
    "IPython", "IPython.display", "ipykernel.kernelapp",
)

# The process jupyter_client starts as "the kernel" when warm kernels are used. It asks
# the server to fork a kernel for its connection file, environment and folder, relays
# signals to it (interrupt, terminate) and exits when it exits; if the runner or the
# shim dies, the kernel goes too. If the server cannot give a kernel, the shim becomes
# an ordinary kernel (exec), so a problem with the server only costs time.
_SHIM = r"""
import json, os, select, signal, socket, sys
conn = sys.argv[1]
argv = json.loads(sys.argv[2])
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + os.environ["SURVEY_WARM_KERNELS"])
    s.sendall(json.dumps({"connection_file": conn, "env": dict(os.environ), "cwd": os.getcwd(),
                          "pid": os.getpid()}).encode() + b"\n")
    pid = int(s.makefile().readline())
    s.close()
except (OSError, ValueError):
    os.execv(argv[0], [a.replace("{connection_file}", conn) for a in argv])
def relay(signum, frame):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(sig, relay)
kernel = os.pidfd_open(pid)
parent = os.pidfd_open(os.getppid())
ready, _, _ = select.select([kernel, parent], [], [])
if kernel not in ready:
    relay(signal.SIGKILL, None)
"""


def _warm_server() -> None:
    """Main of the warm-kernel server (``python -c``), started by :class:`WarmKernels`.

    Listens on an abstract Unix socket, imports :data:`WARM_PRELOAD`, then forks one
    kernel per request. A forked kernel is a fresh IPython kernel whose libraries are
    already imported; its environment, folder and ``sys.path`` are those a kernel
    started by jupyter_client would have. If importing the libraries printed or warned
    anything (which a fresh kernel would show in the notebook), it answers every request
    with "no", and the shims start ordinary kernels.
    """
    import io
    import select
    import socket
    import warnings

    address, runner_pid = sys.argv[1], int(sys.argv[2])
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("\0" + address)
    server.listen(64)
    print("ready", flush=True)
    os.dup2(2, 1)  # nobody reads the pipe to the runner after this line
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped automatically

    # Libraries that adapt to their surroundings when imported must see what they see in a
    # kernel: pandas, for one, asks get_ipython() whether it runs in a Jupyter kernel to
    # choose how many columns a DataFrame shows. IPython puts get_ipython in builtins.
    import builtins

    class _KernelShell:
        kernel = True

    builtins.get_ipython = _KernelShell
    # Printed text and warnings are collected, not shown. The warning filters that the
    # libraries add when imported must stay (so no warnings.catch_warnings, which would
    # restore the list), and the streams have the encoding of a kernel's ("UTF-8").
    problems = []
    caught = []
    captured = io.TextIOWrapper(io.BytesIO(), encoding="UTF-8")
    show = warnings.showwarning
    warnings.showwarning = lambda message, *args, **kwargs: caught.append(message)
    warnings.simplefilter("always")
    always = warnings.filters[0]
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        for module in WARM_PRELOAD:
            try:
                __import__(module)
            except Exception as exc:
                problems.append(f"{module}: {exc!r}")
    warnings.filters.remove(always)
    warnings._filters_mutated()
    warnings.showwarning = show
    del builtins.get_ipython
    captured.seek(0)
    printed = captured.buffer.getvalue().decode().strip()
    problems += [printed] if printed else []
    problems += [str(message) for message in caught]
    usable = not problems
    if problems:
        # A fresh kernel would show these in the notebook, or fail: do not hide them.
        print("warm kernels disabled, importing the libraries gave:", *problems, sep="\n  ",
              file=sys.__stderr__, flush=True)

    runner = os.pidfd_open(runner_pid)
    while True:
        ready, _, _ = select.select([server, runner], [], [])
        if runner in ready:
            return
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile().readline())
            if not usable:
                conn.sendall(b"no\n")
                continue
            pid = os.fork()
            if pid:
                conn.sendall(f"{pid}\n".encode())
                continue
        # In the forked kernel.
        server.close()
        os.close(runner)
        _become_kernel(request)


def _become_kernel(request: dict) -> None:
    import select

    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.pop(WARM_ENV, None)
    time.tzset()
    os.chdir(request["cwd"])
    # As ipykernel_launcher: no working folder on sys.path until IPython adds '' back.
    if sys.path and sys.path[0] in ("", request["cwd"]):
        del sys.path[0]
    for name in [m for m in sys.modules if m == "helpers" or m.startswith("helpers.")]:
        del sys.modules[name]

    shim = os.pidfd_open(request["pid"])

    def exit_with_shim():
        select.select([shim], [], [])
        os._exit(0)

    threading.Thread(target=exit_with_shim, daemon=True).start()
    import ipykernel_launcher
    from ipykernel import kernelapp

    sys.argv = [ipykernel_launcher.__file__, "-f", request["connection_file"]]
    # IPKernelApp reads JPY_PARENT_PID when ipykernel is imported, which here was before
    # this kernel's environment was set: give it explicitly.
    if os.environ.get("JPY_PARENT_PID"):
        sys.argv.append(f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}")
    kernelapp.launch_new_instance()
    os._exit(0)


class WarmKernels:
    """Fork notebook kernels from one process that has already imported the libraries.

    Starting a kernel and importing pandas, matplotlib, scipy and statsmodels costs a few
    CPU-seconds per notebook; forking a process that has done it once costs
    milliseconds. Used by the runner only (nbval starts ordinary kernels, so ``make test``
    checks that warm and fresh kernels give the same outputs). Linux only.
    """

    def __init__(self, root: Path) -> None:
        import subprocess

        self.address = f"survey-warm-kernels-{os.getpid()}-{os.urandom(4).hex()}"
        env = dict(os.environ, **kernel_env(root))
        self.process = subprocess.Popen(
            [sys.executable, "-Xfrozen_modules=off", "-c", "from helpers.build import _warm_server; _warm_server()",
             self.address, str(os.getpid())],
            cwd=root / "notebooks", env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        )
        # The socket exists before the libraries are imported: kernels asked for
        # meanwhile wait in the listen queue.
        if self.process.stdout.readline().strip() != b"ready":
            raise RuntimeError("the warm-kernel server did not start")

    def argv(self) -> list[str]:
        return [sys.executable, "-I", "-S", "-c", _SHIM, "{connection_file}", json.dumps(KERNEL_ARGV)]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()

    @staticmethod
    def available() -> bool:
        return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and not os.environ.get("SURVEY_NO_WARM_KERNELS")


# --------------------------------------------------------------------------- execution


@dataclass
class Job:
    name: str
    source: Path
    executed: Path  # where papermill writes the executed notebook (in staging)
    staging: Path  # SURVEY_STAGING_DIR of its kernel
    destination: Path  # the committed executed notebook
    seconds: float = 0.0
    error: str | None = None
    nb: object | None = None
    outputs: list[str] = field(default_factory=list)


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
            process = getattr(getattr(km, "provisioner", None), "process", None)
            with contextlib.suppress(Exception):
                if process is not None and process.poll() is None:
                    process.kill()
            with contextlib.suppress(Exception):
                km.cleanup_connection_file()


KERNEL_ARGV = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _kernel_manager(env: dict[str, str], warm: WarmKernels | None = None):
    """An async kernel manager for ``python3`` = this interpreter, with ``env`` added.

    The kernelspec is built here rather than looked up, so a ``python3`` kernelspec
    installed elsewhere on the machine (e.g. in ~/.local/share/jupyter) can never
    run the notebooks with another Python. With ``warm``, the kernel process is
    forked from the warm-kernel server (see :class:`WarmKernels`).
    """
    from ipykernel.kernelspec import RESOURCES
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    if warm is not None:
        env = dict(env, **{WARM_ENV: warm.address})
    spec = KernelSpec(
        resource_dir=RESOURCES,
        argv=warm.argv() if warm is not None else list(KERNEL_ARGV),
        display_name="Python 3 (ipykernel)",
        language="python",
        env=env,
        # As ipykernel's own kernel.json; with transport_encryption="auto" below the
        # sockets are encrypted (and the kernel does not warn about plain TCP).
        metadata={"debugger": True, "supported_encryption": ["curve"]},
    )

    class _SpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == KERNEL_NAME:
                return spec
            return super().get_kernel_spec(kernel_name)

    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=_SpecManager(),
                              transport_encryption="auto")


def _execute(job: Job, root: Path, parameters: dict | None, kernels: _Kernels,
             warm: WarmKernels | None = None) -> Job:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    job.staging.mkdir(parents=True, exist_ok=True)
    km = _kernel_manager(kernel_env(root, job.staging), warm)
    started = time.monotonic()
    kernels.add(km)
    try:
        papermill.execute_notebook(
            str(job.source),
            str(job.executed),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT_S,
            km=km,
            resources={"metadata": {"path": str(root / "notebooks")}},
            record_timing=False,
        )
    except PapermillExecutionError as exc:
        first = next((line for line in exc.source.splitlines() if line.strip()), "")
        job.error = (
            f"cell {exc.cell_index} (In [{exc.exec_count}]) `{first.strip()[:100]}` raised "
            f"{exc.ename}: {exc.evalue}".rstrip()
        )
    except BaseException as exc:  # kernel died, timeout, interrupt
        job.error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        if not isinstance(exc, Exception):
            raise
    finally:
        job.seconds = time.monotonic() - started
        kernels.remove(km)
        with contextlib.suppress(Exception):
            if km.has_kernel:
                from jupyter_core.utils import run_sync

                run_sync(km.shutdown_kernel)(now=True)
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


def _read_manifest(path: Path) -> list[str]:
    try:
        return list(json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return []


class Runner:
    def __init__(self, root: Path, country: str, jobs: int = 2, out=None, warm: bool = True) -> None:
        self.root = Path(root).resolve()
        self.country = country
        self.jobs = max(1, jobs)
        self.out = out or sys.stdout
        self.warm = warm and WarmKernels.available()

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def check_data(self) -> None:
        """Validate data/ once, before any kernel starts: bad input fails fast, with one clear message."""
        data_dir = self.root / "data"
        if not (data_dir / "toplines.csv").exists():
            return
        from .data import DataValidationError, load_survey_data

        try:
            load_survey_data(data_dir)
        except DataValidationError as exc:
            raise BuildError(f"data/ does not validate, so no notebook was run and no output changed:\n{exc}") \
                from None

    def run(self, names: list[str] | None = None) -> int:
        known = countries(self.root)
        if self.country not in known:
            raise BuildError(
                f"unknown country {self.country!r}: expected one of {', '.join(known)} "
                f"(the keys of countries: in data/survey.yml)"
            )
        self.check_data()
        names = notebook_names(self.root, names)
        all_names = notebook_names(self.root, None)
        if not names:
            self.say("no notebooks to run")
            return 0

        skip_slow_optional_imports()
        import nbformat
        import papermill  # noqa: F401  (imported once, before the threads start)

        staging_root = self.root / "build" / "staging"
        staging_root.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix=f"{self.country}-", dir=staging_root))
        parameters = None if self.country == DEFAULT_COUNTRY else {"country": self.country}
        jobs = []
        for name in names:
            if self.country == DEFAULT_COUNTRY:
                destination = self.root / "notebooks" / f"{name}.ipynb"
            else:
                destination = self.root / "reports" / self.country / "notebooks" / f"{name}.ipynb"
            jobs.append(Job(name, self.root / "notebooks" / f"{name}.ipynb", run_dir / f"{name}.ipynb",
                            run_dir / name, destination))

        # Longest first: the previous executed copy's size stands for the notebook's work (mostly its
        # charts), so the big notebook does not start last and leave one core idle at the end.
        jobs.sort(key=lambda job: -(job.destination.stat().st_size if job.destination.exists() else 0))
        started = time.monotonic()
        warm = None
        kernels = _Kernels()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="notebook")
        try:
            with _interrupts_as_keyboardinterrupt():
                if self.warm:
                    try:
                        warm = WarmKernels(self.root)
                    except (OSError, RuntimeError) as exc:
                        self.say(f"warm kernels not available ({exc}): starting ordinary kernels")
                self.say(f"running {len(jobs)} notebook(s) for {self.country}, {min(self.jobs, len(jobs))} "
                         f"at a time, {'warm' if warm else 'fresh'} kernels")
                futures = {pool.submit(_execute, job, self.root, parameters, kernels, warm): job for job in jobs}
                for future in concurrent.futures.as_completed(futures):
                    job = future.result()
                    status = "done" if job.error is None else "FAILED"
                    self.say(f"  {status:6} {job.name}.ipynb  {job.seconds:.1f} s")
                pool.shutdown(wait=True)
                failed = [job for job in jobs if job.error is not None]
                for job in jobs:
                    job.nb = nbformat.read(job.executed, as_version=4) if job.executed.exists() else None
                    if job.nb is not None and job.error is None:
                        normalize(job.nb, nbformat.read(job.source, as_version=4))
                        problems = absolute_paths_in_outputs(job.nb, [str(self.root), str(run_dir), tempfile.gettempdir() + "/"])
                        if problems:
                            job.error = "outputs depend on where the build ran:\n      " + "\n      ".join(problems)
                            failed.append(job)
                        job.outputs = _relative_outputs(job.staging)
                problems = self._check_outputs(jobs)
                if failed or problems:
                    self._report_failure(failed, problems)
                    return 1
                with _signals_deferred():
                    self._commit(jobs, complete=set(names) == set(all_names))
        except KeyboardInterrupt:
            kernels.kill_all()
            if warm is not None:
                warm.close()
            pool.shutdown(wait=False, cancel_futures=True)
            self.say("interrupted: kernels stopped, staging discarded, committed files untouched")
            shutil.rmtree(run_dir, ignore_errors=True)
            self.out.flush()
            sys.stderr.flush()
            # Worker threads may still be waiting on dead kernels; do not wait for them.
            os._exit(130)
        finally:
            if warm is not None:
                warm.close()
            shutil.rmtree(run_dir, ignore_errors=True)
        self.say(f"report for {self.country}: {len(jobs)} notebook(s) in {time.monotonic() - started:.1f} s")
        return 0

    def _check_outputs(self, jobs: list[Job]) -> list[str]:
        """Outputs must be under figures/C/ or reports/C/ and produced by one notebook only."""
        problems = []
        allowed = (f"figures/{self.country}/", f"reports/{self.country}/")
        owner: dict[str, str] = {}
        for job in jobs:
            for rel in job.outputs:
                if not rel.startswith(allowed) or rel.startswith(f"reports/{self.country}/notebooks/"):
                    problems.append(f"{job.name}.ipynb wrote {rel}: outputs for {self.country} belong in "
                                    f"figures/{self.country}/ or reports/{self.country}/")
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

                normalize(job.nb, nbformat.read(job.source, as_version=4))
                _write_bytes_atomic(copy, notebook_bytes(job.nb))
                where = f"\n    executed copy: {copy.relative_to(self.root)}"
            print(f"FAILED {job.name}.ipynb: {job.error}{where}", file=sys.stderr, flush=True)
        for problem in problems:
            print(f"FAILED {problem}", file=sys.stderr, flush=True)
        print(f"report for {self.country} not updated: committed notebooks, figures and summary are unchanged",
              file=sys.stderr, flush=True)

    def _commit(self, jobs: list[Job], complete: bool) -> None:
        """Move every output of the run into place (all notebooks succeeded)."""
        changed = removed = 0
        produced = set()
        for job in jobs:
            changed += _write_bytes_atomic(job.destination, notebook_bytes(job.nb))
            for rel in job.outputs:
                staged = job.staging / rel
                dest = self.root / rel
                produced.add(rel)
                if dest.exists() and dest.read_bytes() == staged.read_bytes():
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, dest)
                changed += 1
        # Outputs a notebook wrote last time and no longer writes.
        manifests = {job.name: _read_manifest(_manifest(self.root, self.country, job.name)) for job in jobs}
        for job in jobs:
            path = _manifest(self.root, self.country, job.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_bytes_atomic(path, (json.dumps(job.outputs, indent=1) + "\n").encode())
        claimed = set(produced)
        for other in (self.root / "build" / self.country).glob("*.outputs.json"):
            claimed.update(_read_manifest(other))
        stale = {rel for names in manifests.values() for rel in names} - claimed
        if complete:
            # Every notebook ran: anything else in the generated folders is stale.
            candidates = list((self.root / "figures" / self.country).rglob("*"))
            if self.country != DEFAULT_COUNTRY:
                candidates += list((self.root / "reports" / self.country / "notebooks").glob("*.ipynb"))
            keep = produced | {job.destination.relative_to(self.root).as_posix() for job in jobs}
            stale |= {p.relative_to(self.root).as_posix() for p in candidates
                      if p.is_file() and not p.name.startswith(".")} - keep
        for rel in sorted(stale):
            path = self.root / rel
            if path.is_file():
                path.unlink()
                removed += 1
                self.say(f"  removed {rel} (no notebook writes it any more)")
        stamp_dir = self.root / "build" / self.country
        stamp_dir.mkdir(parents=True, exist_ok=True)
        for job in jobs:
            (stamp_dir / f"{job.name}.stamp").touch()
            # The executed copy of an earlier failure is out of date now.
            (self.root / "build" / "failed" / self.country / f"{job.name}.ipynb").unlink(missing_ok=True)
        self.say(f"  {changed} file(s) updated, {removed} removed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.build", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names or paths (default: all in notebooks/)")
    parser.add_argument("--country", default=DEFAULT_COUNTRY, help=f"country code (default {DEFAULT_COUNTRY})")
    parser.add_argument("--jobs", "-j", type=int, default=int(os.environ.get("JOBS", "2")),
                        help="notebooks run at the same time (default 2)")
    parser.add_argument("--root", type=Path, default=paths.ROOT, help="repository to build (default: this one)")
    parser.add_argument("--list-countries", action="store_true", help="print the country codes and exit")
    parser.add_argument("--no-warm", dest="warm", action="store_false",
                        help="start an ordinary kernel per notebook instead of forking warm ones")
    args = parser.parse_args(argv)
    try:
        if args.list_countries:
            print(" ".join(countries(args.root)))
            return 0
        return Runner(args.root, args.country, args.jobs, warm=args.warm).run(args.notebooks)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
