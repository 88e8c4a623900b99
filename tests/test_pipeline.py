"""The build pipeline: drift is caught, parameters, arguments, data and output folders are checked before any
kernel starts, and JupyterLab cannot change the committed report (runs themselves: test_runs.py).

Every test works on a copy of the repository (the files git knows about, committed or
not yet) in a temporary folder, never on the working tree.
"""

from __future__ import annotations

import asyncio
import csv
import errno
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from repo_copy import SMALL_FIGURE, copy_env, make, run_build, snapshot, write_notebook

from helpers import build, build_checks, lab, notebook_files, paths, publish

pytestmark = pytest.mark.slow  # builds copies of the repository

ROOT = paths.ROOT


# --------------------------------------------------------------------------- helpers


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
