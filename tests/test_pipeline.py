"""The build pipeline: drift is caught, failures and interrupts leave committed outputs alone.

Every test works on a copy of the repository (the files git knows about, committed or
not yet) in a temporary folder, never on the working tree.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers import build, paths

ROOT = paths.ROOT
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


# --------------------------------------------------------------------------- helpers


def tracked_files(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True, check=True,
    ).stdout
    return [name for name in out.decode().split("\0") if name and (root / name).is_file()]


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of the repository's files (as git lists them) under a temporary folder."""
    copy = tmp_path / "repo"
    for name in tracked_files(ROOT):
        dest = copy / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    return copy


def copy_env(copy: Path) -> dict[str, str]:
    """Environment for a subprocess working on ``copy``: its own ``helpers`` comes first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy / "src")
    env.pop(paths.STAGING_ENV, None)
    return env


def run_build(copy: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(copy), *args],
        cwd=copy, env=copy_env(copy), capture_output=True, text=True, timeout=timeout,
    )


def snapshot(root: Path) -> dict[str, str]:
    """Hash of every file under notebooks/, figures/ and reports/."""
    result = {}
    for folder in ("notebooks", "figures", "reports"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                result[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def write_notebook(path: Path, *sources: str) -> None:
    """A small notebook: a `parameters` cell, then one code cell per source."""
    cells = [nbformat.v4.new_code_cell('country: str = "JP"  # respondents\' country', metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"{path.stem}-{index}"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert match, f"no {name} in the Makefile"
    return match.group(1).strip()


def nbval(copy: Path, *notebooks: Path) -> subprocess.CompletedProcess:
    """nbval on notebooks of ``copy``, with the options `make test` uses."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *makefile_variable("PYTEST_NBVAL").split(),
         *(str(nb.relative_to(copy)) for nb in notebooks)],
        cwd=copy, env=copy_env(copy), capture_output=True, text=True, timeout=900,
    )


def text_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append(value)
    return "\n".join(parts)


SMALL_FIGURE = (
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    "from helpers.paths import output_path\n"
    "fig, ax = plt.subplots(figsize=(2, 1))\nax.plot([0, 1], [0, 1])\n"
    "fig.savefig(output_path(f'figures/{country}/{name}.png'), metadata={'Date': None, 'Software': None})\n"
    "print('saved', name)"
)


# --------------------------------------------------------------------------- drift


def test_nbval_catches_a_changed_data_value(repo):
    """Change one published percent that a committed notebook shows: nbval on it must fail."""
    toplines = repo / "data" / "toplines.csv"
    notebooks = sorted((repo / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks"
    assert toplines.exists(), "data/toplines.csv is missing"
    shown = {nb: text_outputs(nbformat.read(nb, as_version=4)) for nb in notebooks}

    text = toplines.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    target = None
    for index, row in enumerate(rows):
        if row["country"] != build.DEFAULT_COUNTRY or row.get("net_of") or not row["percent"]:
            continue
        pattern = re.compile(rf"(?<![\d.]){re.escape(row['percent'])}(?![\d])")
        hits = [nb for nb, out in shown.items() if pattern.search(out)]
        value = float(row["percent"])
        if hits and 1 <= value <= 98:
            target = (index, row, hits[0])
            break
    assert target, "no percent of data/toplines.csv appears in the notebooks' text outputs: nbval cannot catch drift"
    index, row, notebook = target

    before = nbval(repo, notebook)
    assert before.returncode == 0, f"{notebook.name} does not pass nbval before the change:\n{before.stdout[-3000:]}"

    new = row["percent"].replace(row["percent"].split(".")[0], str(int(float(row["percent"])) + 1), 1)
    rows[index]["percent"] = new
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    toplines.write_text(out.getvalue(), encoding="utf-8")

    after = nbval(repo, notebook)
    assert after.returncode == 1, (
        f"changing {row['question_id']}/{row['option']} from {row['percent']} to {new} went unnoticed by nbval "
        f"on {notebook.name}:\n{after.stdout[-3000:]}"
    )
    assert "failed" in after.stdout


# --------------------------------------------------------------------------- runner safety


def test_unknown_country_is_an_error(repo):
    result = run_build(repo, "--country", "XX")
    assert result.returncode != 0
    assert "unknown country 'XX'" in result.stderr
    assert "JP" in result.stderr


def test_unknown_country_through_make(repo):
    """`make report COUNTRY=XX` fails (uses this environment instead of creating one)."""
    stamp = Path(sys.prefix) / ".installed"
    if not stamp.exists() or shutil.which("make") is None:
        pytest.skip("needs make and an environment made by `make env`")
    # make must see this environment as up to date, or it would rebuild it.
    if any((repo / name).stat().st_mtime > stamp.stat().st_mtime
           for name in ("environment.yml", "pyproject.toml", "scripts/setup_env.py")):
        pytest.skip("the environment is older than environment.yml: run `make env`")
    result = subprocess.run(
        ["make", "--no-print-directory", "report", "COUNTRY=XX", f"VENV={sys.prefix}"],
        cwd=repo, env=copy_env(repo), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "unknown country 'XX'" in result.stderr


def test_bad_data_fails_fast_and_changes_nothing(repo):
    """A malformed data file stops the build before any kernel starts, naming file, line and column."""
    toplines = repo / "data" / "toplines.csv"
    lines = toplines.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[3] = "4O.5"
    lines[1] = ",".join(fields)
    toplines.write_text("".join(lines), encoding="utf-8")
    before = snapshot(repo)

    result = run_build(repo)

    assert result.returncode != 0
    assert "no notebook was run" in result.stderr
    assert "toplines.csv, line 2, column 'percent': '4O.5' is not a number" in result.stderr
    assert "running" not in result.stdout
    assert snapshot(repo) == before


def test_failing_notebook_changes_nothing(repo):
    notebooks = repo / "notebooks"
    write_notebook(notebooks / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    write_notebook(notebooks / "zz_raises.ipynb", "name = 'zz_raises'", SMALL_FIGURE,
                   "values = {'a': 1}\nvalues['b']  # there is no b", "print('never reached')")
    before = snapshot(repo)

    result = run_build(repo, "zz_ok", "zz_raises")

    assert result.returncode == 1
    assert "FAILED zz_raises.ipynb: cell 3 (In [4]) `values = {'a': 1}` raised KeyError: 'b'" in result.stderr
    assert "zz_ok" not in result.stderr
    assert snapshot(repo) == before, "committed notebooks, figures or reports changed"
    failed = repo / "build" / "failed" / "JP" / "zz_raises.ipynb"
    assert failed.exists()
    assert "KeyError" in failed.read_text(encoding="utf-8")
    assert not (repo / "build" / "JP" / "zz_ok.stamp").exists()
    assert not any((repo / "build" / "staging").iterdir())


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_changes_nothing_and_stops_kernels(repo, signum):
    write_notebook(repo / "notebooks" / "zz_slow.ipynb", "name = 'zz_slow'", SMALL_FIGURE,
                   "import time\ntime.sleep(120)")
    before = snapshot(repo)
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.build", "--root", str(repo), "zz_slow"],
        cwd=repo, env=copy_env(repo), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    staging = repo / "build" / "staging"
    deadline = time.monotonic() + 120
    # Wait until the kernel has written the figure into staging (it is then sleeping).
    while not list(staging.glob("*/zz_slow/figures/JP/zz_slow.png")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the notebook did not start"
        time.sleep(0.2)
    kernels = kernel_pids(repo)
    assert kernels, "no kernel process found"
    process.send_signal(signum)
    try:
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    time.sleep(0.5)
    assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists() and not _is_zombie(pid)]
    assert not any(staging.iterdir())
    assert snapshot(repo) == before
    assert not (repo / "build" / "JP" / "zz_slow.stamp").exists()


def kernel_pids(repo: Path) -> list[int]:
    """Processes started with the kernel environment of ``repo``: kernels, and warm-kernel server."""
    found = []
    marker = f"MATPLOTLIBRC={repo / 'build' / 'matplotlibrc'}\0".encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


# --------------------------------------------------------------------------- warm kernels

PROBE = r"""
import hashlib, locale, os, signal, sys, time, warnings
import matplotlib, numpy as np, pandas as pd
import matplotlib.pyplot as plt
import importlib
for module in PRELOAD:  # the libraries warm kernels have imported: same warning filters
    importlib.import_module(module)

def digest(value):
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]

env_keys = sorted(k for k in os.environ if k not in ("SURVEY_STAGING_DIR",))
print("env keys", env_keys)
print("cwd, path, argv", digest((os.getcwd(), sys.path, os.path.basename(sys.argv[0]))))
print("flags", sys.flags, sys.getrecursionlimit(), locale.getlocale(), time.tzname)
print("encodings", sys.stdout.encoding, sys.getdefaultencoding(), locale.getpreferredencoding())
print("sigint", signal.getsignal(signal.SIGINT))
# The same filters; their order differs when libraries are imported before IPython
# starts, which only matters for filters on the same warning (none of these).
print("warnings", sorted({(f[0], f[1] and f[1].pattern, f[2].__name__, f[4]) for f in warnings.filters}, key=repr))
print("pandas", {k: pd.get_option(k) for k in pd._config.config._registered_options if k.startswith("display.")})
print("numpy", np.get_printoptions())
print("matplotlib", matplotlib.get_backend(), digest(sorted((k, str(v)) for k, v in matplotlib.rcParams.items())))
print("modules", sorted(m for m in ("IPython", "ipykernel", "matplotlib_inline.backend_inline") if m in sys.modules))
"""


def test_warm_kernels_behave_like_fresh_ones(repo):
    """Forked warm kernels give the very same notebook as freshly started kernels."""
    write_notebook(repo / "notebooks" / "zz_probe.ipynb", PROBE.replace("PRELOAD", repr(build.WARM_PRELOAD)),
                   "pd.DataFrame(np.arange(60).reshape(2, 30)).rename(columns=str)",
                   "plt.plot([0, 1], [1, 0]);\nprint('shown', plt.gcf().number)",
                   "print('to stderr', file=sys.stderr)\nprint('after')")
    executed = repo / "notebooks" / "zz_probe.ipynb"
    warm = run_build(repo, "zz_probe")
    assert warm.returncode == 0, warm.stderr
    if "warm kernels" not in warm.stdout:
        pytest.skip("warm kernels are not available here")
    warm_bytes = executed.read_bytes()
    fresh = run_build(repo, "--no-warm", "zz_probe")
    assert fresh.returncode == 0, fresh.stderr
    assert "fresh kernels" in fresh.stdout
    assert executed.read_bytes() == warm_bytes, "warm and fresh kernels gave different notebooks"
    nb = nbformat.read(executed, as_version=4)
    assert any("image/png" in o.get("data", {}) for o in nb.cells[3].outputs), "no inline figure"
    assert sorted(o.get("name") for o in nb.cells[4].outputs) == ["stderr", "stdout"]


# --------------------------------------------------------------------------- outputs


def test_other_country_writes_its_own_outputs_reproducibly(repo):
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    before = snapshot(repo)

    first = run_build(repo, "--country", "KR", "zz_ok")
    assert first.returncode == 0, first.stderr
    executed = repo / "reports" / "KR" / "notebooks" / "zz_ok.ipynb"
    figure = repo / "figures" / "KR" / "zz_ok.png"
    outputs = {p: p.read_bytes() for p in (executed, figure)}
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if k in before} == before, "outputs of JP changed"
    assert set(after) - set(before) == {"reports/KR/notebooks/zz_ok.ipynb", "figures/KR/zz_ok.png"}

    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and injected[0].id == "injected-parameters"
    assert 'country = "KR"' in injected[0].source
    assert "papermill" not in nb.metadata
    assert all("execution" not in c.metadata and "papermill" not in c.metadata for c in nb.cells)
    assert (repo / "build" / "KR" / "zz_ok.stamp").exists()

    time.sleep(0.05)
    again = run_build(repo, "--country", "KR", "zz_ok")
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in outputs} == outputs, "a rebuild changed bytes"


def test_outputs_a_notebook_no_longer_writes_are_removed(repo):
    notebook = repo / "notebooks" / "zz_ok.ipynb"
    write_notebook(notebook, "name = 'zz_old'", SMALL_FIGURE)
    assert run_build(repo, "zz_ok").returncode == 0
    assert (repo / "figures" / "JP" / "zz_old.png").exists()
    write_notebook(notebook, "name = 'zz_new'", SMALL_FIGURE)
    result = run_build(repo, "zz_ok")
    assert result.returncode == 0, result.stderr
    assert (repo / "figures" / "JP" / "zz_new.png").exists()
    assert not (repo / "figures" / "JP" / "zz_old.png").exists()
    assert "removed figures/JP/zz_old.png" in result.stdout


def test_normalize_removes_run_metadata_and_fixes_ids():
    source = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                                             nbformat.v4.new_code_cell("x")])
    source.cells[0]["id"], source.cells[1]["id"] = "a", "b"
    executed = nbformat.from_dict(source)
    injected = nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]})
    executed.cells.insert(1, injected)
    executed.metadata["papermill"] = {"start_time": "now"}
    executed.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    for cell in executed.cells:
        cell.metadata["papermill"] = {"duration": 1.0}
        cell.metadata["execution"] = {"iopub.status.busy": "now"}
        cell.metadata.setdefault("tags", [])
    build.normalize(executed, source)
    assert [c.id for c in executed.cells] == ["a", "injected-parameters", "b"]
    assert "papermill" not in executed.metadata
    assert executed.metadata["language_info"] == {"name": "python"}
    assert [c.metadata for c in executed.cells] == [{"tags": ["parameters"]}, {"tags": ["injected-parameters"]}, {}]


# --------------------------------------------------------------------------- committed notebooks


def committed_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "reports").glob("*/notebooks/*.ipynb"))


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_committed_notebook_is_clean(path):
    """As the runner writes it: no run metadata, no absolute paths, one `parameters` cell."""
    nb = nbformat.read(path, as_version=4)
    assert "papermill" not in nb.metadata
    for cell in nb.cells:
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata, cell.get("id")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged `parameters`"
    for name in ("country", "confidence", "deff"):
        assert re.search(rf"^{name}\s*:", tagged[0].source, re.M), f"parameter {name} (with a type hint) missing"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == (0 if path.parent == ROOT / "notebooks" else 1)
    problems = build.absolute_paths_in_outputs(nb, [str(ROOT), "/tmp/", "/home/", "/root/"])
    assert not problems, "\n".join(problems)
