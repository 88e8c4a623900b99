"""The build pipeline: drift is caught, failures and interrupts leave committed outputs alone.

Every test works on a copy of the repository (the files git knows about, committed or
not yet) in a temporary folder, never on the working tree.
"""

from __future__ import annotations

import asyncio
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
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from repo_copy import copy_env, copy_repository, run_build

from helpers import build, build_checks, lab, notebook_files, paths, publish

ROOT = paths.ROOT
KERNELSPEC = {"name": paths.KERNEL_NAME, "display_name": paths.KERNEL_DISPLAY_NAME, "language": "python"}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """One copy of the repository's files (as git lists them) per module, never modified."""
    return copy_repository(tmp_path_factory.mktemp("pristine") / "repo")


@pytest.fixture
def repo(pristine, tmp_path) -> Path:
    """A copy of the pristine copy (fast: no git call) for a test to change."""
    return Path(shutil.copytree(pristine, tmp_path / "repo", symlinks=True))


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
    f"{name}: {type(value).__name__} = {value!r}"
    for name, value in build_checks.official_parameters(ROOT).items()
    if name != "reports_dir"
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


# A figure of the same notebook that the changed percent does not draw, edited byte-wise.
EDITED_FIGURE = "figures/JP/us_forces_cost_share.png"


@pytest.fixture(scope="module")
def drifted(pristine, tmp_path_factory) -> tuple[str, str, Path, subprocess.CompletedProcess]:
    """One nbval run, with `make test`'s options, of the notebook showing DRIFT_QUESTION in a copy where that
    published percent was changed in data/ and another committed figure of the notebook was edited:
    (old value, new value, notebook, result)."""
    repo = Path(shutil.copytree(pristine, tmp_path_factory.mktemp("drifted") / "repo", symlinks=True))
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
    drawn = {o.get("metadata", {}).get("figure") for c in shown.cells for o in c.get("outputs", [])}
    assert EDITED_FIGURE.removesuffix(".png") in drawn, f"{EDITED_FIGURE} is not a chart of {notebook.name}"

    rows[index]["percent"] = new
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    toplines.write_text(out.getvalue(), encoding="utf-8")
    figure = repo / EDITED_FIGURE
    figure.write_bytes(figure.read_bytes() + b"\0")
    return old, new, notebook, nbval(repo, notebook)


def test_nbval_catches_a_changed_data_value(drifted):
    """A known published percent changed: nbval on the notebook that shows it fails, showing both values (the
    committed notebooks pass nbval in `make test` itself)."""
    old, new, notebook, after = drifted
    assert after.returncode == 1, (
        f"changing {DRIFT_QUESTION}/{DRIFT_OPTION} from {old} to {new} went unnoticed by nbval "
        f"on {notebook.name}:\n{after.stdout[-3000:]}"
    )
    assert new in after.stdout and old in after.stdout, after.stdout[-3000:]


def test_an_edited_committed_figure_fails_the_tests(drifted):
    """`make test`'s check after nbval: a committed figure that differs from what the code draws fails."""
    *_, result = drifted
    assert result.returncode == 1, result.stdout[-3000:]
    assert f"{EDITED_FIGURE}: the committed file differs" in result.stdout, result.stdout[-3000:]
    assert "committed-outputs FAILED" in result.stdout or "FAILED" in result.stdout


# --------------------------------------------------------------------------- parameters


def test_a_source_saved_with_other_defaults_is_refused_naming_every_one(repo):
    """country included: every differing parameter is named, with how to restore it; no kernel starts."""
    source = repo / "notebooks" / "security.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'country: str = "JP"' in cell.source and 'deff = "published"' in cell.source
    cell.source = cell.source.replace('country: str = "JP"', 'country: str = "KR"').replace('= "published"', "= 1.5")
    nbformat.write(nb, source)
    before = snapshot(repo)

    result = run_build(repo, "security")

    assert result.returncode == 2, result.stderr
    assert "notebooks/security.ipynb: its parameters cell differs from the official parameters" in result.stderr
    assert "country = 'KR', but report.toml says country = 'JP'" in result.stderr
    assert "deff = 1.5, but report.toml says deff = 'published'" in result.stderr
    assert "git checkout notebooks/security.ipynb" in result.stderr
    assert "Traceback" not in result.stderr and "running" not in result.stdout
    assert snapshot(repo) == before


def test_a_cell_that_assigns_an_official_parameter_fails_the_build(repo):
    """`deff = 1.5` after the parameters cell: the values open_report used are checked, nothing is published."""
    write_notebook(
        repo / "notebooks" / "zz_deff.ipynb",
        "deff = 1.5",
        "from helpers import report\nr = report.open_report(country, data_dir, figures_dir, confidence, deff)",
    )
    before = snapshot(repo)

    result = run_build(repo, "--country", "JP", "zz_deff")

    assert result.returncode == 1, result.stderr
    assert "JP/zz_deff.ipynb: it ran with other values than the official parameters" in result.stderr
    assert "deff = 1.5 (official: 'published')" in result.stderr
    assert snapshot(repo) == before
    assert (repo / "build" / "failed" / "JP" / "zz_deff.ipynb").is_file()


def test_a_bad_value_in_report_toml_is_blamed_on_report_toml(repo):
    toml = repo / "report.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('deff = "published"', "deff = -1.0"), encoding="utf-8")
    for nb in (repo / "notebooks").glob("*.ipynb"):
        nb.write_text(nb.read_text(encoding="utf-8").replace('deff = \\"published\\"', "deff = -1.0"), "utf-8")
    result = run_build(repo, "--country", "JP", "security")
    assert result.returncode == 2
    assert "report.toml: [parameters] parameter deff must be 'published'" in result.stderr
    assert "running" not in result.stdout and "Traceback" not in result.stderr


def test_report_toml_must_set_every_parameter(repo):
    toml = repo / "report.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('figure_formats = "png,svg"\n', ""), encoding="utf-8")
    result = run_build(repo, "--country", "JP", "security")
    assert result.returncode == 2, result.stderr
    assert "report.toml: [parameters] has no figure_formats" in result.stderr
    assert "running" not in result.stdout and "Traceback" not in result.stderr


def test_papermill_with_other_parameters_writes_only_to_scratch(repo):
    """Running a notebook outside the runner, with other parameters, leaves the committed tree alone."""
    before = snapshot(repo)
    out = repo.parent / "elsewhere.ipynb"
    cmd = [sys.executable, "-m", "papermill", "--no-progress-bar", "-k", paths.KERNEL_NAME, "-p", "deff", "1.5"]
    cmd += [str(repo / "notebooks" / "culture_history.ipynb"), str(out)]  # the shortest category notebook
    result = subprocess.run(cmd, cwd=repo / "notebooks", env=copy_env(repo), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert snapshot(repo) == before
    assert list((repo / "build" / "scratch" / "figures" / "JP").glob("*.png")), "no figure in build/scratch/"
    assert out.read_text(encoding="utf-8").count("outputs of this run go to build/scratch/") == 1


def test_a_staging_variable_naming_the_repository_is_refused(monkeypatch):
    """SURVEY_STAGING_DIR=$PWD must not make a notebook write into figures/."""
    monkeypatch.setenv(paths.STAGING_ENV, str(ROOT))
    with pytest.raises(ValueError, match="points into the repository"):
        paths.output_path("figures/JP/zz_probe.png")
    assert not (ROOT / "figures" / "JP" / "zz_probe.png").exists()


# --------------------------------------------------------------------------- arguments and make


def test_unknown_country_is_an_error(repo):
    result = run_build(repo, "--country", "XX")
    assert result.returncode == 2
    assert "unknown country 'XX': expected one of JP, KR, US" in result.stderr


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
def test_bad_runner_arguments_give_a_message(pristine, args, message):
    result = run_build(pristine, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "variables, message",
    [
        (["JOBS=abc"], "JOBS must be a whole number of at least 1, got 'abc'"),
        (["COUNTRY=JP KR"], "country code 'JP KR' is not two capital letters"),
        (["COUNTRY=XX"], "unknown country 'XX'"),
        (["FORCE=yes"], 'FORCE must be 1 (run every notebook) or 0 / empty (run what is stale), got "yes"'),
        (["PYTHON=python3;touch x"], "VENV and PYTHON must be paths of letters"),
    ],
)
def test_bad_make_variables_give_a_message(pristine, variables, message):
    result = make(pristine, "report", *variables)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (pristine / "x").exists()


def test_no_make_goal_or_variable_reaches_a_shell(pristine, tmp_path):
    marker = tmp_path / "pwned"
    for goal in (f"build/'`touch {marker}`'/report.done", f"build/JP/`touch {marker}`.stamp"):
        result = make(pristine, goal)
        assert result.returncode != 0 and "unknown target" in result.stderr
    result = make(pristine, "report", f"COUNTRY='$(touch {marker})'")
    assert result.returncode != 0 and "is not two capital letters" in result.stderr
    assert not marker.exists()


def test_force_0_does_not_force_and_force_1_does(pristine):
    assert "--force" not in make(pristine, "-n", "report", "FORCE=0").stdout
    assert "--force" in make(pristine, "-n", "report", "FORCE=1").stdout


def test_report_all_never_runs_data_in_a_shell(repo):
    """A country key with shell syntax is rejected before anything uses it."""
    survey = repo / "data" / "survey.yml"
    marker = repo.parent / "pwned"
    text = survey.read_text(encoding="utf-8")
    survey.write_text(re.sub(r"^  KR:", f"  K`touch {marker}`R:", text, count=1, flags=re.M), encoding="utf-8")
    before = snapshot(repo)
    result = make(repo, "report-all")
    assert result.returncode != 0
    assert not marker.exists(), "a country key from survey.yml ran as a shell command"
    assert snapshot(repo) == before


def test_a_deleted_data_file_is_noticed(repo):
    (repo / "data" / "toplines.csv").unlink()
    result = run_build(repo, "--country", "JP")
    assert result.returncode == 2
    assert "toplines.csv" in result.stderr and "no notebook was run" in result.stderr
    assert "running" not in result.stdout


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


# --------------------------------------------------------------------------- real folders of this checkout


def test_a_symlinked_output_folder_is_refused_before_any_kernel(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me\n")
    shutil.rmtree(repo / "figures" / "JP")
    (repo / "figures" / "JP").symlink_to(outside, target_is_directory=True)
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)

    result = run_build(repo, "--country", "JP", "--force", "zz_ok")

    assert result.returncode == 2
    assert "figures/JP is a symbolic link or leads outside the repository" in result.stderr
    assert "running" not in result.stdout
    assert [p.name for p in outside.iterdir()] == ["precious.txt"]


def test_an_unwritable_output_folder_is_refused_before_any_kernel(tmp_path, monkeypatch):
    (tmp_path / "figures" / "JP" / "comparisons").mkdir(parents=True)
    real = tempfile.mkstemp

    def mkstemp(dir=None, prefix=None, **kwargs):
        if str(dir).endswith("comparisons"):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return real(dir=dir, prefix=prefix, **kwargs)

    monkeypatch.setattr(build_checks.tempfile, "mkstemp", mkstemp)
    with pytest.raises(publish.BuildError, match=r"figures/JP/comparisons/ cannot be written"):
        build_checks.check_output_folders(tmp_path, ["JP"])


def test_a_file_the_last_build_did_not_write_is_never_removed(repo):
    notebook = repo / "notebooks" / "zz_ok.ipynb"
    (repo / "figures" / "JP" / "precious.txt").write_text("mine\n")
    write_notebook(notebook, "name = 'zz_old'", SMALL_FIGURE)
    assert run_build(repo, "--country", "JP", "zz_ok").returncode == 0
    write_notebook(notebook, "name = 'zz_new'", SMALL_FIGURE)
    result = run_build(repo, "--country", "JP", "zz_ok")
    assert result.returncode == 0, result.stderr
    assert (repo / "figures" / "JP" / "zz_new.png").exists()
    assert not (repo / "figures" / "JP" / "zz_old.png").exists()
    assert "removed figures/JP/zz_old.png" in result.stdout
    assert (repo / "figures" / "JP" / "precious.txt").read_text() == "mine\n"


def test_a_copied_checkout_builds_itself(repo):
    """The repository is the folder the build runs in, even when `helpers` is imported from elsewhere."""
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    env = dict(copy_env(repo), PYTHONPATH=str(ROOT / "src"))  # an editable install pointing at another clone
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--country", "JP", "zz_ok"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (repo / "figures" / "JP" / "zz_ok.png").is_file()
    assert not (ROOT / "figures" / "JP" / "zz_ok.png").exists()
    assert 'PYTHONPATH="$$PWD/src"' in (ROOT / "Makefile").read_text() and "--root ." in makefile_variable("RUN")


# --------------------------------------------------------------------------- running and publishing


def test_one_build_runs_notebooks_publishes_and_stays_current(repo):
    """Outputs land in their country's folders, reproducibly; unchanged inputs run nothing, an edited output runs."""
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    before = snapshot(repo)

    first = run_build(repo, "--country", "KR", "zz_ok")
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "a successful build printed to stderr"
    executed, figure = repo / "reports/KR/notebooks/zz_ok.ipynb", repo / "figures/KR/zz_ok.png"
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if k in before} == before, "other outputs changed"
    assert set(after) - set(before) == {"reports/KR/notebooks/zz_ok.ipynb", "figures/KR/zz_ok.png"}
    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and injected[0].id == "injected-parameters"
    assert 'country = "KR"' in injected[0].source
    assert nb.metadata == notebook_files.kernel_metadata()
    assert all(set(c.metadata) <= {"tags"} for c in nb.cells)
    assert "site not updated: the outputs of JP, KR, US are not current" in first.stdout
    outputs = {p: p.read_bytes() for p in (executed, figure)}

    os.utime(repo / "data" / "toplines.csv")
    unchanged = run_build(repo, "--country", "KR", "zz_ok")
    assert "running" not in unchanged.stdout and "site not updated" in unchanged.stdout
    figure.write_bytes(b"edited")
    redone = run_build(repo, "--country", "KR", "zz_ok")
    assert "running 1 notebook(s) for KR" in redone.stdout
    assert {p: p.read_bytes() for p in outputs} == outputs, "a rebuild changed bytes"


def test_failing_notebook_changes_nothing(repo):
    notebooks = repo / "notebooks"
    write_notebook(notebooks / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    write_notebook(notebooks / "zz_raises.ipynb", "name = 'zz_raises'", SMALL_FIGURE, "{'a': 1}['b']", "print(1)")
    before = snapshot(repo)

    result = run_build(repo, "--country", "JP", "zz_ok", "zz_raises")

    assert result.returncode == 1
    assert "FAILED JP/zz_raises.ipynb: cell 4 (In [5]) `{'a': 1}['b']` raised KeyError: 'b'" in result.stderr
    assert "executed copy: build/failed/JP/zz_raises.ipynb" in result.stderr
    assert snapshot(repo) == before, "committed notebooks, figures or reports changed"
    assert "KeyError" in (repo / "build" / "failed" / "JP" / "zz_raises.ipynb").read_text(encoding="utf-8")
    assert not any((repo / "build" / "staging").iterdir())
    assert not (repo / "build" / "records" / "JP").exists()


def test_a_notebook_that_breaks_its_own_source_fails_the_build_cleanly(repo):
    """An error while checking one finished notebook is that notebook's failure; no stray traceback."""
    write_notebook(repo / "notebooks" / "zz_gone.ipynb", "import os\nos.remove('zz_gone.ipynb')")
    write_notebook(repo / "notebooks" / "zz_slow.ipynb", "import time\ntime.sleep(2)")
    before = {k: v for k, v in snapshot(repo).items() if k != "notebooks/zz_gone.ipynb"}

    result = run_build(repo, "--country", "JP", "zz_gone", "zz_slow")

    assert result.returncode == 1
    assert "FAILED JP/zz_gone.ipynb: cannot check the executed notebook: FileNotFoundError" in result.stderr
    assert "Traceback" not in result.stderr and "Invalid file descriptor" not in result.stderr
    assert snapshot(repo) == before
    assert not [pid for pid in kernel_pids(repo) if not _is_zombie(pid)]


def test_inputs_edited_during_a_build_are_not_published(repo):
    write_notebook(
        repo / "notebooks" / "zz_edits.ipynb",
        "with open('../data/toplines.csv', 'a', encoding='utf-8') as f:\n    f.write('\\n')",
    )
    before = snapshot(repo)
    result = run_build(repo, "--country", "JP", "zz_edits")
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
        [sys.executable, "-m", "helpers.build", "--root", str(repo), "--country", "JP", "zz_slow"],
        cwd=repo,
        env=copy_env(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list((repo / "build" / "staging").glob("*/JP/zz_slow/figures/JP/zz_slow.png")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the notebook did not start"
        time.sleep(0.2)
    kernels = kernel_pids(repo)
    assert kernels, "no kernel process found"
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "interrupted: notebooks stopped, staging discarded, committed files untouched" in stderr
    assert "Traceback" not in stderr
    time.sleep(0.5)
    assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists() and not _is_zombie(pid)]
    assert not any((repo / "build" / "staging").iterdir())
    assert snapshot(repo) == before


def test_ctrl_c_before_any_kernel_prints_no_traceback(repo):
    (repo / "build" / "build.lock").unlink(missing_ok=True)  # a copy may hold the lock file of an earlier build
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.build", "--root", str(repo), "--country", "JP", "--force"],
        cwd=repo,
        env=copy_env(repo),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while not (repo / "build" / "build.lock").exists():  # the runner has started (it validates data next)
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr


def kernel_pids(repo: Path) -> list[int]:
    """Processes started with the kernel environment of ``repo``."""
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


def adopt_committed_outputs(repo: Path) -> None:
    """Records saying the committed outputs are current (each country's files under its summary notebook)."""
    inputs = publish.digests(repo, build.input_files(repo) + sorted((repo / "notebooks").glob("*.ipynb")))
    for country in ("JP", "KR", "US"):
        for name in build.notebook_names(repo, None):
            files = [p for d in ("figures", "reports") for p in (repo / d / country).rglob("*") if p.is_file()]
            files = [p for p in files if p.parent.name != "notebooks"] + [
                repo / f"reports/{country}/notebooks/{name}.ipynb"
            ]
            files = files if name == "summary" else files[-1:]
            record = {"inputs": build.notebook_inputs(inputs, name), "outputs": publish.digests(repo, files)}
            publish.write_bytes_atomic(publish.record_path(repo, f"{country}/{name}"), json.dumps(record).encode())


def test_the_site_is_refused_while_a_country_is_stale_and_published_from_recorded_outputs_only(repo):
    refused = run_build(repo, "--site")
    assert refused.returncode == 1
    assert "site not updated: the outputs of JP, KR, US are not current" in refused.stdout
    assert snapshot(repo) == snapshot(repo) and not (repo / "build" / "records" / "site.json").exists()

    adopt_committed_outputs(repo)
    stray = repo / "reports" / "JP" / "notebooks" / "zz_moved_here.ipynb"  # e.g. moved in by a file browser
    shutil.copy(repo / "notebooks" / "security.ipynb", stray)
    published = run_build(repo, "--site")
    assert published.returncode == 0, published.stderr
    assert "published the report and the site" in published.stdout
    site = json.loads((repo / "build" / "records" / "site.json").read_text())["outputs"]
    assert "reports/site/index.html" in site and "reports/site/JP/summary.html" in site
    assert not [rel for rel in site if "zz_moved_here" in rel]
    assert check_runner(repo).returncode == 0

    (repo / "data" / "survey.yml").write_text((repo / "data" / "survey.yml").read_text() + "\n")
    stale = check_runner(repo)
    assert stale.returncode == 1 and "not current: JP, KR, US" in stale.stderr
    assert run_build(repo, "--site").returncode == 1


def check_runner(repo: Path) -> subprocess.CompletedProcess:
    return run_build(repo, "--check")


def test_a_publication_cut_short_is_completed_by_the_next_build_and_reported_until_then(repo):
    """`kill -9` during the moves: `make -q report` and `make test` say so; the next build completes it first."""
    staged = repo / "build" / "staging" / "run-killed" / "JP" / "zz" / "figures" / "JP"
    staged.mkdir(parents=True)
    for name in ("zz_a.png", "zz_b.png"):
        (staged / name).write_bytes(name.encode())
    journal = {
        "moves": [[str(staged / n), f"figures/JP/{n}"] for n in ("zz_a.png", "zz_b.png")],
        "remove": [],
        "records": {"build/records/JP/zz.json": "{}\n"},
        "run_dir": str(staged.parents[3]),
    }
    (repo / "build" / "publish.json").write_text(json.dumps(journal), encoding="utf-8")
    assert publish.apply_journal(repo, journal, limit=1) == 1  # killed after the first move

    query = make(repo, "-q", "report")
    assert query.returncode == 1 and "an interrupted publication is unfinished" in query.stderr
    test = make(repo, "test")
    assert test.returncode != 0 and "an interrupted publication is unfinished" in test.stderr

    result = run_build(repo, "--country", "XX")  # any build completes it first, even one that then fails
    assert "completed the publication of an interrupted build" in result.stdout
    assert [(repo / "figures/JP" / n).read_bytes() for n in ("zz_a.png", "zz_b.png")] == [b"zz_a.png", b"zz_b.png"]
    assert not (repo / "build" / "publish.json").exists() and not (repo / "build" / "staging" / "run-killed").exists()


def test_ctrl_c_during_publishing_finishes_it_and_says_so(tmp_path, monkeypatch):
    staged = tmp_path / "staged"
    staged.mkdir()
    moves = []
    for index in range(3):
        (staged / f"{index}.txt").write_text(str(index))
        moves.append([str(staged / f"{index}.txt"), f"figures/JP/{index}.txt"])
    real_replace = os.replace

    def replace(src, dst):  # Ctrl-C arrives after the first move
        real_replace(src, dst)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(publish.os, "replace", replace)
    interrupted = publish.publish(tmp_path, {"moves": moves, "remove": [], "records": {}, "run_dir": ""})
    assert interrupted is True
    assert [(tmp_path / f"figures/JP/{i}.txt").read_text() for i in range(3)] == ["0", "1", "2"]
    assert not (tmp_path / "build" / "publish.json").exists()


def test_a_second_build_of_the_checkout_refuses_with_a_message(repo):
    with publish.checkout_lock(repo):
        result = run_build(repo, "--country", "JP")
    assert result.returncode == 2
    assert "another build of this checkout is running" in result.stderr
    assert str(os.getpid()) in result.stderr


def test_disk_full_names_the_file_and_leaves_it_alone(tmp_path, monkeypatch):
    dest = tmp_path / "figures" / "JP" / "a.png"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"committed")

    def full(fd, mode):
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish.os, "fdopen", full)
    with pytest.raises(publish.BuildError, match=rf"no space left on device while writing {re.escape(str(dest))}"):
        publish.write_bytes_atomic(dest, b"new")
    assert dest.read_bytes() == b"committed"
    assert [p.name for p in dest.parent.iterdir()] == ["a.png"]


def test_the_runner_is_papermill_and_no_private_api():
    for module in ("build.py", "build_checks.py", "execute.py", "publish.py", "notebook_files.py"):
        text = (ROOT / "src" / "helpers" / module).read_text(encoding="utf-8")
        for banned in ("os.fork", "AF_UNIX", "socket.socket", "KernelManager(", "run_sync", "._"):
            assert banned not in text.replace("self._", "").replace("job._", "").replace(".__", "").replace(
                "os._exit", ""
            ), (module, banned)
    assert "papermill.execute_notebook(" in (ROOT / "src" / "helpers" / "execute.py").read_text(encoding="utf-8")


def test_build_stays_small():
    import ast

    text = (ROOT / "src" / "helpers" / "build.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 500
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef):
            assert node.end_lineno - node.lineno < 60, node.name


def test_every_module_of_the_package_is_an_input_of_the_report():
    """A change in a subpackage (the charts) or a template makes the notebooks stale."""
    inputs = {p.relative_to(ROOT).as_posix() for p in build.input_files(ROOT)}
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "src" / "helpers").rglob("*.py")}
    assert "src/helpers/charts/bars.py" in modules and modules <= inputs


def test_output_path_outside_the_runner_goes_to_scratch_and_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(paths.STAGING_ENV, raising=False)
    monkeypatch.setattr(paths, "_told", False)
    first = paths.output_path("figures/JP/zz_probe.png")
    second = paths.output_path("figures/JP/zz_probe.svg")
    assert first.parent == paths.SCRATCH_DIR / "figures" / "JP" == second.parent
    assert capsys.readouterr().out.startswith("outputs of this run go to build/scratch/")
    monkeypatch.setenv(paths.STAGING_ENV, str(tmp_path))
    assert paths.output_path("reports/JP/summary.md") == tmp_path / "reports" / "JP" / "summary.md"
    assert capsys.readouterr().out == "", "the runner's outputs must not print the scratch line"
    with pytest.raises(ValueError, match="relative"):
        paths.output_path("../outside.png")


# --------------------------------------------------------------------------- JupyterLab


def lab_contents_manager(root: Path):
    """The contents manager `make lab` uses, configured from the project's jupyter_server_config.py."""
    from traitlets.config import Config
    from traitlets.utils.importstring import import_item

    config = Config()
    exec((ROOT / "jupyter_server_config.py").read_text(encoding="utf-8"), {"get_config": lambda: config})
    cls = import_item(config.ServerApp.contents_manager_class)
    assert cls is lab.GuardedContentsManager
    return cls(root_dir=str(root), config=config)


def test_saving_a_run_source_notebook_in_jupyterlab_leaves_it_unchanged(repo):
    cm = lab_contents_manager(repo)
    path = "notebooks/security.ipynb"
    committed = (repo / path).read_bytes()
    nb = asyncio.run(cm.get(path))["content"]
    # What running it in JupyterLab adds: outputs, counts, timing and view metadata.
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
        cell.metadata["scrolled"] = True
    asyncio.run(cm.save({"type": "notebook", "format": "json", "content": nb}, path))
    assert (repo / path).read_bytes() == committed


@pytest.mark.parametrize(
    "operation, path",
    [
        ("save", "reports/JP/notebooks/security.ipynb"),
        ("rename", "reports/JP/summary.md"),
        ("delete", "figures/JP/trilateral_security_cooperation.png"),
        ("move_in", "reports/JP/notebooks/moved.ipynb"),
        ("copy_in", "figures/JP"),
        ("copy_out", "reports/JP/summary.md"),
    ],
)
def test_jupyterlab_cannot_change_the_committed_report(repo, operation, path):
    from tornado.web import HTTPError

    cm = lab_contents_manager(repo)
    before = snapshot(repo)
    calls = {
        "save": lambda: cm.save({"type": "file", "format": "text", "content": "edited"}, path),
        "rename": lambda: cm.rename(path, "notebooks/summary.md"),
        "delete": lambda: cm.delete(path),
        "move_in": lambda: cm.rename("notebooks/security.ipynb", path),
        "copy_in": lambda: cm.copy("notebooks/security.ipynb", path),
        "copy_out": lambda: cm.copy(path, "notebooks"),
    }
    with pytest.raises(HTTPError) as refused:
        asyncio.run(calls[operation]())
    assert refused.value.status_code == 403
    assert "only `make report`" in refused.value.log_message
    assert snapshot(repo) == before


# --------------------------------------------------------------------------- committed notebooks


def source_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", source_notebooks(), ids=lambda p: p.name)
def test_source_notebook_is_committed_as_jupyterlab_opens_it(path):
    """No outputs, and the metadata JupyterLab sets on connecting: opening it changes nothing."""
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata == notebook_files.kernel_metadata()
    assert path.read_bytes() == notebook_files.notebook_bytes(notebook_files.strip_source(nbformat.from_dict(nb)))
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged `parameters`"
    assert build_checks.check_source_parameters(path, build_checks.official_parameters(ROOT)) == []


@pytest.mark.parametrize(
    "path", sorted((ROOT / "reports").glob("*/notebooks/*.ipynb")), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_report_notebook_is_clean(path):
    """As the runner writes it: no run metadata, no absolute paths, no scratch line, the official parameters."""
    nb = nbformat.read(path, as_version=4)
    assert (ROOT / "notebooks" / path.name).exists(), f"{path.name} has no source notebook"
    assert nb.metadata == notebook_files.kernel_metadata()
    assert all(set(cell.metadata) <= {"tags"} for cell in nb.cells)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert f'country = "{path.parts[-3]}"' in injected[0].source
    text = path.read_text(encoding="utf-8")
    assert "build/scratch" not in text and "outputs of this run go to" not in text
    problems = build_checks.absolute_paths_in_outputs(nb, [str(ROOT), "/tmp/", "/home/", "/root/"])
    assert not problems, "\n".join(problems)


def test_normalize_removes_run_metadata_and_fixes_ids():
    source = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell("x")]
    )
    source.cells[0]["id"], source.cells[1]["id"] = "a", "b"
    executed = nbformat.from_dict(source)
    executed.cells.insert(1, nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}))
    executed.metadata["papermill"] = {"start_time": "now"}
    for cell in executed.cells:
        cell.metadata["papermill"] = {"duration": 1.0}
        cell.metadata["execution"] = {"iopub.status.busy": "now"}
        cell.metadata.setdefault("tags", [])
    executed.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in ("a", "b")]
    notebook_files.normalize(executed, source)
    assert [c.id for c in executed.cells] == ["a", "injected-parameters", "b"]
    assert executed.metadata == notebook_files.kernel_metadata()
    assert [c.metadata for c in executed.cells] == [{"tags": ["parameters"]}, {"tags": ["injected-parameters"]}, {}]
    assert [o["text"] for o in executed.cells[2].outputs] == ["ab"]


def test_kernels_ignore_the_users_ipython_profile(repo, tmp_path):
    """A startup file in the user's IPython folder neither runs in the build's kernels nor shows in outputs."""
    startup = tmp_path / "user-ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-hello.py").write_text("print('from a startup file')\n", encoding="utf-8")
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    env = dict(copy_env(repo), IPYTHONDIR=str(startup.parents[1]))
    result = subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(repo), "--country", "JP", "zz_ok"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    executed = (repo / "reports" / "JP" / "notebooks" / "zz_ok.ipynb").read_text(encoding="utf-8")
    assert "saved zz_ok" in executed and "from a startup file" not in executed
