"""helpers.paths: the repository root, and where a run's outputs really go.

A name inside the repository goes to build/scratch/ outside ``make report`` (an experiment never touches the
committed report), a folder outside it is used as given, the runner's staging folder receives everything
under ``make report``, and the paths helpers return are the files on disk.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import charts, paths
from helpers.data import load_survey_data

ROOT = paths.ROOT


@pytest.fixture
def adhoc(monkeypatch):
    """A run outside ``make report`` (the test session itself runs as the runner's kernels do)."""
    monkeypatch.delenv(paths.STAGING_ENV, raising=False)
    monkeypatch.setattr(paths, "_told", False)


def fake_checkout(folder: Path) -> Path:
    for marker in paths._MARKERS:
        (folder / marker).parent.mkdir(parents=True, exist_ok=True)
        (folder / marker).write_text("")
    return folder


# ------------------------------------------------------------------------------------------ the root


def test_the_root_is_the_checkout_holding_the_working_folder(tmp_path):
    copy = fake_checkout(tmp_path / "copy")
    inner = copy / "notebooks" / "mine"
    inner.mkdir(parents=True)
    assert paths.find_root(inner, {}) == copy.resolve() != paths._INSTALLED_FROM
    assert paths.find_root(tmp_path, {paths.ROOT_ENV: str(copy)}) == copy.resolve()  # given explicitly
    assert paths.find_root(tmp_path, {}) == paths._INSTALLED_FROM  # in no checkout: where helpers comes from


def test_a_copied_clone_imports_the_original_helpers_but_works_on_itself(tmp_path):
    """As with an editable install pointing at the original: the working folder decides the root."""
    copy = fake_checkout(tmp_path / "copy")
    (copy / "notebooks").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in (paths.ROOT_ENV, paths.STAGING_ENV)}
    env["PYTHONPATH"] = str(ROOT / "src")
    out = subprocess.run(
        [sys.executable, "-c", "from helpers import paths; print(paths.__file__); print(paths.ROOT)"],
        cwd=copy / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out == [str(ROOT / "src" / "helpers" / "paths.py"), str(copy.resolve())]


def test_paths_offers_no_name_nothing_uses_and_every_name_used_exists():
    used = set()
    for base in ("src", "tests", "scripts"):
        for file in (ROOT / base).rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "paths":
                    used.add(node.attr)
    assert not hasattr(paths, "REPORTS_DIR") and not hasattr(paths, "output_root")
    assert sorted(name for name in used if not hasattr(paths, name)) == []


# ------------------------------------------------------------------------------------------ outputs


def test_outside_make_report_names_inside_the_repository_go_to_scratch(adhoc, tmp_path, capsys):
    assert paths.target("figures/JP/x.png") == paths.SCRATCH_DIR / "figures" / "JP" / "x.png"
    assert paths.target(ROOT / "reports" / "JP" / "summary.md") == paths.SCRATCH_DIR / "reports/JP/summary.md"
    assert paths.target("figures/../reports/x.md") == paths.SCRATCH_DIR / "reports" / "x.md"
    assert paths.target(paths.SCRATCH_DIR / "a.png") == paths.SCRATCH_DIR / "a.png"
    assert capsys.readouterr().out == ""  # target() only says where; output_path() writes and tells


def test_outside_make_report_folders_outside_the_repository_are_used_as_given(adhoc, tmp_path):
    assert paths.target(tmp_path / "f" / "JP" / "x.png") == tmp_path.resolve() / "f" / "JP" / "x.png"
    outside = ROOT.parent / "zz-not-in-the-repository"
    assert paths.target("../zz-not-in-the-repository/x.png") == outside / "x.png"


def test_output_path_says_once_that_outputs_go_to_scratch_and_never_for_an_own_folder(adhoc, tmp_path, capsys):
    mine = paths.output_path(tmp_path / "mine" / "x.png")
    assert mine.parent.is_dir() and capsys.readouterr().out == ""
    paths.output_path("figures/JP/zz_probe.png")
    paths.output_path("figures/JP/zz_probe.svg")
    assert capsys.readouterr().out == f"outputs of this run go to build/scratch/ ({paths.SCRATCH_NOTE})\n"


def test_under_make_report_every_output_goes_to_staging(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.STAGING_ENV, str(tmp_path))
    assert paths.output_path("reports/JP/summary.md") == tmp_path.resolve() / "reports" / "JP" / "summary.md"
    for name in ("../outside.png", "/tmp/elsewhere/x.png"):
        with pytest.raises(ValueError, match="relative to the repository root"):
            paths.output_path(name)
    with pytest.raises(ValueError, match="parameter figures_dir: output path must be relative"):
        paths.check_output_folder("figures_dir", "/tmp/elsewhere")


@pytest.mark.parametrize("staging", [".", "figures", "reports/JP", "build"])
def test_a_staging_variable_pointing_into_the_committed_tree_is_refused(monkeypatch, staging):
    monkeypatch.setenv(paths.STAGING_ENV, str(ROOT / staging))
    for call in (lambda: paths.output_path("figures/JP/zz_probe.png"), lambda: paths.check_output_folder("x", "f")):
        with pytest.raises(ValueError, match=f"{paths.STAGING_ENV}=.* points into the repository"):
            call()
    assert not (ROOT / "figures" / "JP" / "zz_probe.png").exists()
    assert not (ROOT / staging / "figures" / "JP" / "zz_probe.png").exists()


def test_the_runners_staging_folder_is_accepted(monkeypatch):
    staging = ROOT / "build" / "staging" / "zz-test"
    monkeypatch.setenv(paths.STAGING_ENV, str(staging))
    assert paths.target("figures/JP/x.png") == staging / "figures" / "JP" / "x.png"


def test_an_output_folder_is_checked_and_named_by_its_parameter(adhoc, tmp_path, monkeypatch):
    assert paths.check_output_folder("figures_dir", tmp_path / "new" / "deeper") == tmp_path.resolve() / "new/deeper"
    assert not (tmp_path / "new").exists(), "checking creates nothing"
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=r"^parameter reports_dir: .*file is a file, not a folder"):
        paths.check_output_folder("reports_dir", tmp_path / "file" / "sub")
    for bad in ("", "  ", None, 3):
        with pytest.raises(ValueError, match=r"^parameter figures_dir must name a folder"):
            paths.check_output_folder("figures_dir", bad)
    monkeypatch.setattr(paths.os, "access", lambda path, mode: Path(path) != tmp_path.resolve())
    with pytest.raises(ValueError, match=r"^parameter figures_dir: cannot write into"):
        paths.check_output_folder("figures_dir", tmp_path / "x")


def test_save_figure_returns_the_files_it_wrote(adhoc, tmp_path):
    fig = charts.plot_question(load_survey_data(), "JP", "trump_impression")
    mine = charts.save_figure(fig, tmp_path / "mine" / "trump", formats=("png", "svg"))
    assert mine == [tmp_path.resolve() / "mine" / "trump.png", tmp_path.resolve() / "mine" / "trump.svg"]
    scratch = charts.save_figure(fig, "zz-test-mine/trump", formats=("svg",))
    try:
        assert scratch == [paths.SCRATCH_DIR / "zz-test-mine" / "trump.svg"]
        assert all(p.is_file() for p in mine + scratch)
    finally:
        for p in scratch:
            p.unlink()
        (paths.SCRATCH_DIR / "zz-test-mine").rmdir()


# ------------------------------------------------------------------------------------------ papermill runs


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def papermill(*args: str, env: dict) -> subprocess.CompletedProcess:
    """The README's command, as written (``.venv/bin/papermill`` is the environment's own)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), "--no-progress-bar", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if "No such kernel" in result.stderr:
        pytest.fail(f"kernel {paths.KERNEL_NAME} not registered here (run `make env`)")
    return result


def test_papermill_with_folders_outside_the_repository_writes_there_and_nowhere_else(tmp_path):
    before = git_status()
    env = {k: v for k, v in os.environ.items() if k != paths.STAGING_ENV}
    out = tmp_path / "s.ipynb"
    f, r = tmp_path / "f", tmp_path / "r"
    args = ["-p", "figures_dir", str(f), "-p", "reports_dir", str(r), "-p", "confidence", "0.9", "-p", "deff", "1.5"]
    result = papermill("notebooks/summary.ipynb", str(out), *args, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (f / "JP" / "comparisons" / "overview.png").is_file() and (
        f / "JP" / "comparisons" / "overview.svg"
    ).is_file()
    assert (r / "JP" / "summary.md").is_file()
    assert git_status() == before
    first = next(c for c in json.loads(out.read_text(encoding="utf-8"))["cells"] if c.get("outputs"))
    said = "".join(first["outputs"][0]["text"])
    assert "confidence = 0.9 (official: 0.95)" in said and "deff = 1.5 (official: 'published')" in said
    assert f"outputs of this run go to {f.resolve()}/ (figures_dir) and {r.resolve()}/ (reports_dir)" in said
