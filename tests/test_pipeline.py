"""The build pipeline: drift is caught, failures and interrupts leave committed outputs alone.

Every test works on a copy of the repository (the files git knows about, committed or
not yet) in a temporary folder, never on the working tree.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
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
from repo_copy import copy_env, copy_repository, run_build

from helpers import build, paths

ROOT = paths.ROOT
KERNELSPEC = {"name": paths.KERNEL_NAME, "display_name": paths.KERNEL_DISPLAY_NAME, "language": "python"}


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of the repository's files (as git lists them) under a temporary folder."""
    return copy_repository(tmp_path / "repo")


def make(copy: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`make` in ``copy`` with this environment (skipped when it was not made by `make env`)."""
    stamp = Path(sys.prefix) / ".installed"
    if not stamp.exists() or shutil.which("make") is None:
        pytest.skip("needs make and an environment made by `make env`")
    # -o: take the environment as up to date (never remake the environment running this test).
    return subprocess.run(
        ["make", "--no-print-directory", "-o", f"{sys.prefix}/.installed", *args, f"VENV={sys.prefix}"],
        cwd=copy,
        env=copy_env(copy),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def snapshot(root: Path) -> dict[str, str]:
    """Hash of every file under notebooks/, figures/ and reports/."""
    result = {}
    for folder in ("notebooks", "figures", "reports"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                result[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


PARAMETERS_CELL = "\n".join(
    ['country: str = "JP"  # respondents\' country']
    + [
        f"{name}: {type(value).__name__} = {value!r}"
        for name, value in build.official_parameters(ROOT).items()
        if name != "reports_dir"
    ]
)


def write_notebook(path: Path, *sources: str) -> None:
    """A small source notebook: a `parameters` cell with the official defaults, then one code cell per source."""
    cells = [nbformat.v4.new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"{path.stem}-{index}"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert match, f"no {name} in the Makefile"
    return match.group(1).strip()


def nbval(copy: Path, *notebooks: Path) -> subprocess.CompletedProcess:
    """nbval on notebooks of ``copy``, with the options `make test` uses (and the copy's conftest.py)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *makefile_variable("PYTEST_NBVAL").split(),
            *(str(nb.relative_to(copy)) for nb in notebooks),
        ],
        cwd=copy,
        env=copy_env(copy),
        capture_output=True,
        text=True,
        timeout=900,
    )


def notebook_of_category(category: str) -> str:
    return re.sub(r"\W+", "_", category).strip("_")


SMALL_FIGURE = (
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
    "from helpers.paths import output_path\n"
    "fig, ax = plt.subplots(figsize=(2, 1))\nax.plot([0, 1], [0, 1])\n"
    "fig.savefig(output_path(f'figures/{country}/{name}.png'), metadata={'Date': None, 'Software': None})\n"
    "print('saved', name)"
)


# --------------------------------------------------------------------------- drift

# A published percent shown by a report notebook, in no net (so changing it keeps the data valid).
DRIFT_QUESTION, DRIFT_OPTION = "taiwan_contingency_likelihood", "yes"


def test_nbval_catches_a_changed_data_value(repo):
    """Change one known published percent: nbval on the notebook that shows it must fail, showing both values."""
    toplines = repo / "data" / "toplines.csv"
    rows = list(csv.DictReader(io.StringIO(toplines.read_text(encoding="utf-8"))))
    questions = {
        r["question_id"]: r
        for r in csv.DictReader(io.StringIO((repo / "data" / "questions.csv").read_text(encoding="utf-8")))
    }
    index = next(
        i
        for i, r in enumerate(rows)
        if (r["country"], r["question_id"], r["option"]) == ("JP", DRIFT_QUESTION, DRIFT_OPTION)
    )
    assert not any(r["net_of"] and r["question_id"] == DRIFT_QUESTION for r in rows)
    old = rows[index]["percent"]
    new = f"{float(old) + 1:.1f}"
    notebook = (
        repo / "reports" / "JP" / "notebooks" / f"{notebook_of_category(questions[DRIFT_QUESTION]['category'])}.ipynb"
    )
    shown = nbformat.read(notebook, as_version=4)

    def printed(o) -> str:  # stream text, or the plain-text form of a displayed table (what nbval compares)
        return o.get("text", "") + o.get("data", {}).get("text/plain", "")

    assert any(
        re.search(rf"\b{re.escape(DRIFT_OPTION)}\s+{re.escape(old)}%", printed(o))
        for c in shown.cells
        for o in c.get("outputs", [])
    ), f"{notebook.name} does not print {old}"

    before = nbval(repo, notebook)
    assert before.returncode == 0, f"{notebook.name} does not pass nbval before the change:\n{before.stdout[-3000:]}"

    rows[index]["percent"] = new
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    toplines.write_text(out.getvalue(), encoding="utf-8")

    after = nbval(repo, notebook)
    assert after.returncode == 1, (
        f"changing {DRIFT_QUESTION}/{DRIFT_OPTION} from {old} to {new} went unnoticed by nbval "
        f"on {notebook.name}:\n{after.stdout[-3000:]}"
    )
    assert new in after.stdout and old in after.stdout, after.stdout[-3000:]


def test_an_edited_committed_figure_fails_the_tests(repo):
    """`make test`'s check after nbval: a committed figure that differs from what the code draws fails."""
    notebook = repo / "reports" / "JP" / "notebooks" / "trilateral_cooperation.ipynb"
    figure = next((repo / "figures" / "JP").glob("trilateral_security_cooperation.png"))
    figure.write_bytes(figure.read_bytes() + b"\0")

    result = nbval(repo, notebook)

    assert result.returncode == 1, result.stdout[-3000:]
    assert "figures/JP/trilateral_security_cooperation.png: the committed file differs" in result.stdout
    assert "committed-outputs FAILED" in result.stdout or "FAILED" in result.stdout


# --------------------------------------------------------------------------- parameters


def test_official_parameters_are_in_one_place_and_applied(repo):
    """A parameters cell saved with another value is refused: the committed report cannot change."""
    source = repo / "notebooks" / "security.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "deff: float = 1.0" in cell.source
    cell.source = cell.source.replace("deff: float = 1.0", "deff: float = 1.5")
    nbformat.write(nb, source)
    before = snapshot(repo)

    result = run_build(repo, "security")

    assert result.returncode == 2
    assert "notebooks/security.ipynb: its parameters cell sets deff = 1.5" in result.stderr
    assert "official value is 1.0 (report.toml)" in result.stderr
    assert "Traceback" not in result.stderr and "running" not in result.stdout
    assert {k: v for k, v in snapshot(repo).items() if k != "notebooks/security.ipynb"} == {
        k: v for k, v in before.items() if k != "notebooks/security.ipynb"
    }


def test_papermill_with_other_parameters_writes_only_to_scratch(repo):
    """Running a notebook outside the runner, with other parameters, leaves the committed tree alone."""
    before = snapshot(repo)
    out = repo.parent / "elsewhere.ipynb"
    env = copy_env(repo)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "--no-progress-bar",
            "-k",
            paths.KERNEL_NAME,
            "-p",
            "deff",
            "1.5",
            str(repo / "notebooks" / "trilateral_cooperation.ipynb"),
            str(out),
        ],
        cwd=repo / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 and "No such kernel" in result.stderr:
        pytest.skip(f"kernel {paths.KERNEL_NAME} not registered here (run `make env`)")
    assert result.returncode == 0, result.stderr[-3000:]
    assert snapshot(repo) == before
    scratch = list((repo / "build" / "scratch" / "figures" / "JP").glob("*.png"))
    assert scratch, "the notebook wrote no figure to build/scratch/"
    executed = out.read_text(encoding="utf-8")
    assert executed.count("outputs of this run go to build/scratch/") == 1


# --------------------------------------------------------------------------- runner safety


def test_unknown_country_is_an_error(repo):
    result = run_build(repo, "--country", "XX")
    assert result.returncode == 2
    assert "unknown country 'XX'" in result.stderr
    assert "JP" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--jobs", "abc"], "argument --jobs/-j: must be a whole number of at least 1, got 'abc'"),
        (["--jobs", "0"], "argument --jobs/-j: must be a whole number of at least 1, got '0'"),
        (["--country", ""], "country code '' is not two capital letters"),
        (["--country", "JP KR"], "country code 'JP KR' is not two capital letters"),
        (["--country", "jp"], "country code 'jp' is not two capital letters"),
    ],
)
def test_bad_runner_arguments_give_a_message(repo, args, message):
    result = run_build(repo, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "variables, message",
    [
        (["JOBS=abc"], 'JOBS must be a whole number of at least 1 (e.g. JOBS=2), got "abc"'),
        (["COUNTRY="], 'COUNTRY must be one country code of two capital letters (e.g. COUNTRY=KR), got ""'),
        (["COUNTRY=JP KR"], 'got "JP KR"; `make report-all` builds every country'),
        (["COUNTRY=XX"], "unknown country 'XX'"),
    ],
)
def test_bad_make_variables_give_a_message(repo, variables, message):
    result = make(repo, "report", *variables)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_report_all_never_runs_data_in_a_shell(repo):
    """A country key with shell syntax is rejected before anything uses it."""
    survey = repo / "data" / "survey.yml"
    text = survey.read_text(encoding="utf-8")
    marker = repo.parent / "pwned"
    assert re.search(r"^  KR:", text, re.M)
    survey.write_text(re.sub(r"^  KR:", f"  K`touch {marker}`R:", text, count=1, flags=re.M), encoding="utf-8")
    before = snapshot(repo)

    result = make(repo, "report-all")

    assert result.returncode != 0
    assert not marker.exists(), "a country key from survey.yml ran as a shell command"
    assert snapshot(repo) == before


def test_a_deleted_data_file_is_noticed(repo):
    (repo / "data" / "toplines.csv").unlink()
    result = run_build(repo)
    assert result.returncode == 2
    assert "data/toplines.csv missing, so no notebook was run" in result.stderr
    assert "running" not in result.stdout
    through_make = make(repo, "report")
    assert through_make.returncode != 0
    assert "data/toplines.csv is missing" in through_make.stderr


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
    write_notebook(
        notebooks / "zz_raises.ipynb",
        "name = 'zz_raises'",
        SMALL_FIGURE,
        "values = {'a': 1}\nvalues['b']  # there is no b",
        "print('never reached')",
    )
    before = snapshot(repo)

    result = run_build(repo, "zz_ok", "zz_raises")

    assert result.returncode == 1
    assert "FAILED zz_raises.ipynb: cell 4 (In [5]) `values = {'a': 1}` raised KeyError: 'b'" in result.stderr
    assert "zz_ok" not in result.stderr
    assert snapshot(repo) == before, "committed notebooks, figures or reports changed"
    failed = repo / "build" / "failed" / "JP" / "zz_raises.ipynb"
    assert failed.exists()
    assert "KeyError" in failed.read_text(encoding="utf-8")
    assert not (repo / "build" / "JP" / "zz_ok.stamp").exists()
    assert not any((repo / "build" / "staging").iterdir())


def test_inputs_edited_during_a_build_are_not_published(repo):
    write_notebook(
        repo / "notebooks" / "zz_edits.ipynb",
        "name = 'zz_edits'",
        SMALL_FIGURE,
        "with open('../data/toplines.csv', 'a', encoding='utf-8') as f:\n    f.write('\\n')",
    )
    before = snapshot(repo)

    result = run_build(repo, "zz_edits")

    assert result.returncode == 1
    assert "inputs changed while the notebooks ran: data/toplines.csv" in result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_changes_nothing_and_stops_kernels(repo, signum):
    write_notebook(
        repo / "notebooks" / "zz_slow.ipynb", "name = 'zz_slow'", SMALL_FIGURE, "import time\ntime.sleep(120)"
    )
    before = snapshot(repo)
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.build", "--root", str(repo), "zz_slow"],
        cwd=repo,
        env=copy_env(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
    """Processes started with the kernel environment of ``repo``."""
    if not Path("/proc/self/environ").exists():
        pytest.skip("needs /proc to find kernel processes")
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


def test_a_publication_cut_short_is_completed_by_the_next_run(repo):
    """`kill -9` during the moves: the journal left behind is carried out before anything else."""
    staged = repo / "build" / "staging" / "JP-1-killed" / "zz" / "figures" / "JP"
    staged.mkdir(parents=True)
    for name in ("zz_a.png", "zz_b.png", "zz_c.png"):
        (staged / name).write_bytes(name.encode())
    (repo / "figures" / "JP" / "zz_gone.png").write_bytes(b"old")
    journal = {
        "moves": [[str(staged / n), f"figures/JP/{n}"] for n in ("zz_a.png", "zz_b.png", "zz_c.png")],
        "remove": ["figures/JP/zz_gone.png"],
        "records": {"build/JP/zz.outputs.json": "[]\n"},
        "run_dir": str(staged.parents[2]),
    }
    (repo / "build" / "publish-JP.json").write_text(json.dumps(journal), encoding="utf-8")
    assert build.apply_journal(repo, journal, limit=1) == 1  # killed after the first move
    assert (repo / "figures" / "JP" / "zz_a.png").exists() and not (repo / "figures" / "JP" / "zz_b.png").exists()

    result = run_build(repo, "--country", "XX")  # any run completes it first, even one that then fails

    assert "completed the publication of an interrupted build (publish-JP.json)" in result.stdout
    for name in ("zz_a.png", "zz_b.png", "zz_c.png"):
        assert (repo / "figures" / "JP" / name).read_bytes() == name.encode()
    assert not (repo / "figures" / "JP" / "zz_gone.png").exists()
    assert (repo / "build" / "JP" / "zz.outputs.json").read_text() == "[]\n"
    assert not (repo / "build" / "publish-JP.json").exists()
    assert not (repo / "build" / "staging" / "JP-1-killed").exists()


def test_staging_of_killed_runs_is_cleaned(repo):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = repo / "build" / "staging" / f"JP-{dead.pid}-abc"
    (stale / "x").mkdir(parents=True)
    live = repo / "build" / "staging" / f"JP-{os.getppid()}-live"
    live.mkdir()
    run_build(repo, "--country", "XX")
    assert not stale.exists()
    assert live.exists(), "the staging folder of a run still going was removed"


def test_disk_full_names_the_file_and_leaves_it_alone(tmp_path, monkeypatch):
    dest = tmp_path / "figures" / "JP" / "a.png"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"committed")
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd):
            self.handle = real_fdopen(fd, "wb")

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(build.os, "fdopen", lambda fd, mode: Full(fd))
    with pytest.raises(build.BuildError, match=rf"no space left on device while writing {re.escape(str(dest))}"):
        build._write_bytes_atomic(dest, b"new")
    assert dest.read_bytes() == b"committed"
    assert [p.name for p in dest.parent.iterdir()] == ["a.png"]


def test_runner_uses_no_fork_server_or_private_api():
    text = (ROOT / "src" / "helpers" / "build.py").read_text(encoding="utf-8")
    for banned in ("os.fork", "pidfd", "AF_UNIX", "socket.socket", "_filters_mutated", "get_ipython ="):
        assert banned not in text, banned


# --------------------------------------------------------------------------- outputs


def test_every_country_writes_its_own_outputs_reproducibly(repo):
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    before = snapshot(repo)

    first = run_build(repo, "--country", "KR", "zz_ok")
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "a successful build printed to stderr"
    executed = repo / "reports" / "KR" / "notebooks" / "zz_ok.ipynb"
    figure = repo / "figures" / "KR" / "zz_ok.png"
    outputs = {p: p.read_bytes() for p in (executed, figure)}
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if k in before} == before, "other outputs changed"
    assert set(after) - set(before) == {"reports/KR/notebooks/zz_ok.ipynb", "figures/KR/zz_ok.png"}

    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and injected[0].id == "injected-parameters"
    assert 'country = "KR"' in injected[0].source
    for name, value in build.official_parameters(repo).items():
        if name != "reports_dir":
            assert f"{name} = {value!r}".replace("'", '"') in injected[0].source
    assert "papermill" not in nb.metadata
    assert all("execution" not in c.metadata and "papermill" not in c.metadata for c in nb.cells)
    assert (repo / "build" / "KR" / "zz_ok.stamp").exists()

    again = run_build(repo, "--country", "KR", "zz_ok")
    assert again.returncode == 0, again.stderr
    assert {p: p.read_bytes() for p in outputs} == outputs, "a rebuild changed bytes"

    # Current by content: unchanged inputs are not run again, an edited output is.
    os.utime(repo / "data" / "toplines.csv")
    unchanged = run_build(repo, "--country", "KR", "--if-changed", "zz_ok")
    assert "up to date (inputs unchanged)" in unchanged.stdout
    figure.write_bytes(b"edited")
    redone = run_build(repo, "--country", "KR", "--if-changed", "zz_ok")
    assert "running 1 notebook(s)" in redone.stdout
    assert figure.read_bytes() == outputs[figure]


def test_a_notebooks_outputs_are_listed_once_its_kernel_has_stopped(tmp_path):
    """What a kernel writes on its way out is published too: the runner waits for that kernel's stop."""
    import concurrent.futures
    import threading

    source = tmp_path / "notebooks" / "zz_late.ipynb"
    source.parent.mkdir()
    write_notebook(source, "name = 'zz_late'")
    staging = tmp_path / "staging" / "zz_late"
    (staging / "figures" / "JP").mkdir(parents=True)
    (staging / "figures" / "JP" / "early.txt").write_text("written by a cell\n")
    executed = tmp_path / "staging" / "zz_late.ipynb"
    shutil.copy(source, executed)
    job = build.Job("zz_late", source, executed, staging, tmp_path / "reports" / "JP" / "zz_late.ipynb")
    job.stopped = concurrent.futures.Future()

    def kernel_exits():  # the kernel writes one more file, then has stopped
        time.sleep(0.3)
        (staging / "figures" / "JP" / "late.txt").write_text("written at exit\n")
        job.stopped.set_result(None)

    threading.Thread(target=kernel_exits).start()
    build.Runner(tmp_path, "JP")._check_executed(job, tmp_path / "staging", nbformat)
    assert job.error is None
    assert job.outputs == ["figures/JP/early.txt", "figures/JP/late.txt"]


def test_a_notebook_that_breaks_its_own_source_fails_the_build_cleanly(repo):
    """An error while checking one finished notebook is that notebook's failure, and the others stop."""
    write_notebook(repo / "notebooks" / "zz_gone.ipynb", "import os\nos.remove('zz_gone.ipynb')")
    write_notebook(repo / "notebooks" / "zz_slow.ipynb", "import time\ntime.sleep(4)")
    before = {k: v for k, v in snapshot(repo).items() if k != "notebooks/zz_gone.ipynb"}

    result = run_build(repo, "zz_gone", "zz_slow")

    assert result.returncode == 1
    assert "FAILED zz_gone.ipynb: cannot check the executed notebook: FileNotFoundError" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(repo) == before
    assert not any((repo / "build" / "staging").iterdir())
    assert not [pid for pid in kernel_pids(repo) if not _is_zombie(pid)]


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


def test_output_path_outside_the_runner_goes_to_scratch_and_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(paths.STAGING_ENV, raising=False)
    monkeypatch.setattr(paths, "_told", False)
    first = paths.output_path("figures/JP/zz_probe.png")
    second = paths.output_path("figures/JP/zz_probe.svg")
    assert first.parent == paths.SCRATCH_DIR / "figures" / "JP" == second.parent
    assert (
        capsys.readouterr().out
        == "outputs of this run go to build/scratch/ (only `make report` writes figures/ and reports/)\n"
    )
    monkeypatch.setenv(paths.STAGING_ENV, str(tmp_path))
    assert paths.output_path("reports/JP/summary.md") == tmp_path / "reports" / "JP" / "summary.md"
    assert capsys.readouterr().out == "", "the runner's outputs must not print the scratch line"
    with pytest.raises(ValueError, match="relative"):
        paths.output_path("../outside.png")


def test_normalize_removes_run_metadata_and_fixes_ids():
    source = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("x")]
    )
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


# --------------------------------------------------------------------------- JupyterLab


def lab_contents_manager(root: Path):
    """The contents manager `make lab` uses, configured from the project's jupyter_server_config.py."""
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from traitlets.config import Config

    config = Config()
    namespace = {"get_config": lambda: config}
    exec((ROOT / "jupyter_server_config.py").read_text(encoding="utf-8"), namespace)
    return FileContentsManager(root_dir=str(root), config=config)


def test_saving_a_run_source_notebook_in_jupyterlab_leaves_it_unchanged(repo):
    cm = lab_contents_manager(repo)
    path = "notebooks/security.ipynb"
    committed = (repo / path).read_bytes()
    model = cm.get(path)
    nb = model["content"]
    # What running it in JupyterLab adds: outputs, counts, timing and view metadata, the Python version.
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
        cell.metadata["scrolled"] = True
    nb.metadata["language_info"]["version"] = "3.11.7"
    cm.save({"type": "notebook", "format": "json", "content": nb}, path)
    assert (repo / path).read_bytes() == committed


def test_saving_into_the_committed_report_is_refused(repo):
    from tornado.web import HTTPError

    cm = lab_contents_manager(repo)
    path = "reports/JP/notebooks/security.ipynb"
    committed = (repo / path).read_bytes()
    model = cm.get(path)
    model["content"].cells[0].source += "\nedited"
    with pytest.raises(HTTPError) as refused:
        cm.save({"type": "notebook", "format": "json", "content": model["content"]}, path)
    assert refused.value.status_code == 403
    assert "save a copy elsewhere" in refused.value.log_message and "notebooks/" in refused.value.log_message
    assert (repo / path).read_bytes() == committed


# --------------------------------------------------------------------------- committed notebooks


def source_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def report_notebooks() -> list[Path]:
    return sorted((ROOT / "reports").glob("*/notebooks/*.ipynb"))


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.name)
def test_source_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"] == KERNELSPEC
    assert path.read_bytes() == build.notebook_bytes(build.strip_source(nbformat.read(path, as_version=4)))
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged `parameters`"
    for name in ("country", "confidence", "deff"):
        assert re.search(rf"^{name}\s*:", tagged[0].source, re.M), f"parameter {name} (with a type hint) missing"
    build.notebook_parameters(path, build.official_parameters(ROOT), "JP")  # raises if not the official values


@pytest.mark.parametrize("path", report_notebooks(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_report_notebook_is_clean(path):
    """As the runner writes it: no run metadata, no absolute paths, no scratch line, the official parameters."""
    nb = nbformat.read(path, as_version=4)
    assert (ROOT / "notebooks" / path.name).exists(), f"{path.name} has no source notebook"
    assert "papermill" not in nb.metadata
    for cell in nb.cells:
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata, cell.get("id")
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert f'country = "{path.parts[-3]}"' in injected[0].source
    text = path.read_text(encoding="utf-8")
    assert "build/scratch" not in text and "outputs of this run go to" not in text
    problems = build.absolute_paths_in_outputs(nb, [str(ROOT), "/tmp/", "/home/", "/root/"])
    assert not problems, "\n".join(problems)


def test_kernels_ignore_the_users_ipython_profile(repo, tmp_path):
    """A startup file in the user's IPython folder neither runs in the build's kernels nor shows in outputs."""
    startup = tmp_path / "user-ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-hello.py").write_text("print('from a startup file')\n", encoding="utf-8")
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(repo), "zz_ok"],
        cwd=repo,
        env=dict(copy_env(repo), IPYTHONDIR=str(startup.parents[1])),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    executed = (repo / "reports" / "JP" / "notebooks" / "zz_ok.ipynb").read_text(encoding="utf-8")
    assert "saved zz_ok" in executed and "from a startup file" not in executed


def test_the_runner_remembers_how_long_each_notebook_took(tmp_path):
    """Durations of the last successful run order the next one (longest first); a bad file is ignored."""
    assert build._read_durations(tmp_path, "JP") == {}
    build._write_durations(tmp_path, "JP", {"summary": 11.1, "security": 5.0})
    build._write_durations(tmp_path, "JP", {"security": 4.5})
    assert build._read_durations(tmp_path, "JP") == {"summary": 11.1, "security": 4.5}
    (tmp_path / "build" / "JP" / "durations.json").write_text("not json", encoding="utf-8")
    assert build._read_durations(tmp_path, "JP") == {}


def test_every_module_of_the_package_is_an_input_of_the_report():
    """A change in a subpackage (the charts) makes the notebooks stale, like one in a top-level module."""
    inputs = {p.relative_to(ROOT).as_posix() for p in build.input_files(ROOT)}
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "src" / "helpers").rglob("*.py")}
    assert "src/helpers/charts/bars.py" in modules and modules <= inputs
