"""The environment is exactly requirements.lock, made safely by `make env`, and notebooks run on its Python."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from helpers import execute, paths

ROOT = paths.ROOT
LOCK = ROOT / "requirements.lock"
SETUP = ROOT / "scripts" / "setup_env.py"
# Installed by venv/conda themselves, not by the lock (pip leaves them out of `pip freeze` too).
INSTALLER_PACKAGES = {"pip", "setuptools", "wheel"}
REQUIRED = (
    "pandas numpy scipy statsmodels matplotlib seaborn pyyaml papermill nbconvert nbformat ipykernel "
    "jupyterlab pytest pytest-xdist nbval playwright colorspacious"
).split()


def load_setup_env():
    spec = importlib.util.spec_from_file_location("setup_env", SETUP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def lock_entries() -> dict[str, tuple[str, str | None, int]]:
    """name -> (version, marker, number of hashes) for each entry of requirements.lock that applies here."""
    entries = {}
    text = LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        hashes = line.count("--hash=sha256:")
        requirement = line.split(" --hash", 1)[0].strip()
        name_version, _, marker = requirement.partition(";")
        name, version = name_version.strip().split("==")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        entries[canonicalize_name(name)] = (version.strip(), marker.strip() or None, hashes)
    return entries


def test_every_lock_entry_is_exact_and_hashed():
    entries = lock_entries()
    assert len(entries) > 100
    for name, (version, _, hashes) in entries.items():
        assert re.fullmatch(r"[0-9][A-Za-z0-9_.+!\-]*", version), name
        assert hashes >= 1, f"{name} has no hash in requirements.lock"


def test_installed_packages_equal_the_lock():
    """What is installed here is what requirements.lock says, no more, no less (run `make env` if not)."""
    project = canonicalize_name(pyproject()["project"]["name"])
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    installed = {k: v for k, v in installed.items() if k not in INSTALLER_PACKAGES and k != project}
    locked = {name: version for name, (version, _, _) in lock_entries().items()}
    wrong = [
        f"{n}: lock {locked.get(n)}, installed {installed.get(n)}"
        for n in sorted(set(installed) | set(locked))
        if installed.get(n) != locked.get(n)
    ]
    assert not wrong, "the environment differs from requirements.lock (run `make env`):\n" + "\n".join(wrong)


def test_pyproject_declares_the_real_dependencies_and_the_lock_has_them():
    project = pyproject()["project"]
    declared = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]
    names = {canonicalize_name(r.name) for r in declared}
    assert {canonicalize_name(n) for n in REQUIRED} <= names
    locked = lock_entries()
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is declared but not locked: run `make lock`"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (
            f"{name}: lock has {locked[name][0]}, pyproject.toml asks {requirement.specifier}"
        )


def test_environment_yml_installs_the_same_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep]
    assert pip_sections == [["--require-hashes", "-r requirements.lock"]]
    python = load_setup_env().required_python()
    assert f"python={python}" in env["dependencies"]
    assert env["name"] == pyproject()["project"]["name"]


def test_python_is_the_required_version():
    assert "{}.{}".format(*sys.version_info[:2]) == load_setup_env().required_python()


def test_one_name_for_project_and_kernel():
    name = pyproject()["project"]["name"]
    assert paths.PROJECT_NAME == paths.KERNEL_NAME == name == load_setup_env().kernel_name()
    text = (ROOT / "jupyter_server_config.py").read_text(encoding="utf-8")
    assert f'default_kernel_name = "{name}"' in text
    assert ".japan-us-korea-survey-env" == load_setup_env().MARKER
    assert load_setup_env().MARKER in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_every_data_file_is_an_input_of_the_build_and_the_makefile_keeps_no_list():
    from helpers import build

    inputs = {p.relative_to(ROOT).as_posix() for p in build.input_files(ROOT)}
    assert {p.relative_to(ROOT).as_posix() for p in paths.DATA_FILES} <= inputs
    assert "DATA_FILES" not in (ROOT / "Makefile").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- make env safety


def setup_env(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SETUP), *args], capture_output=True, text=True, timeout=60, env=env or dict(os.environ)
    )


def fake_python(tmp_path: Path, version: str) -> Path:
    script = tmp_path / f"python{version}"
    script.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def test_make_env_refuses_a_folder_it_did_not_make(tmp_path):
    prefix = tmp_path / "precious"
    prefix.mkdir()
    (prefix / "thesis.tex").write_text("years of work", encoding="utf-8")
    result = setup_env("--prefix", str(prefix), "--venv", "--python", sys.executable)
    assert result.returncode == 2
    assert "is not empty and has no .japan-us-korea-survey-env file" in result.stderr
    assert "nothing was changed" in result.stderr
    assert (prefix / "thesis.tex").read_text(encoding="utf-8") == "years of work"


def test_make_env_refuses_the_active_conda_environment(tmp_path):
    prefix = tmp_path / "conda-env"
    (prefix / "conda-meta").mkdir(parents=True)
    result = setup_env(
        "--prefix", str(prefix), "--venv", "--python", sys.executable, env=dict(os.environ, CONDA_PREFIX=str(prefix))
    )
    assert result.returncode == 2
    assert "is the active environment and was not made by `make env`" in result.stderr
    assert (prefix / "conda-meta").is_dir()


def test_make_env_checks_the_python_version_before_touching_anything(tmp_path):
    prefix = tmp_path / "env"
    prefix.mkdir()
    (prefix / load_setup_env().MARKER).write_text("made by scripts/setup_env.py\n", encoding="utf-8")
    (prefix / "lib").mkdir()
    result = setup_env("--prefix", str(prefix), "--venv", "--python", str(fake_python(tmp_path, "3.9")))
    assert result.returncode == 2
    assert "requires Python 3.11 but" in result.stderr and "is Python 3.9" in result.stderr
    assert (prefix / "lib").is_dir(), "the environment was removed although the Python version was wrong"


def test_make_env_refuses_a_file(tmp_path):
    prefix = tmp_path / "file"
    prefix.write_text("x", encoding="utf-8")
    result = setup_env("--prefix", str(prefix), "--venv", "--python", sys.executable)
    assert result.returncode == 2
    assert prefix.read_text(encoding="utf-8") == "x"


# --------------------------------------------------------------------------- kernels


def test_helpers_is_imported_from_this_repository():
    import helpers

    assert Path(helpers.__file__).resolve().parent == ROOT / "src" / "helpers"


def test_helpers_in_a_wrong_environment_says_which_kernel_to_choose():
    """Imported by a Python without the libraries (here: without site-packages), helpers says what to do."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r}); import helpers"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"choose the kernel '{paths.KERNEL_DISPLAY_NAME}'" in result.stderr
    assert "make lab" in result.stderr


def test_importing_helpers_is_light():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, helpers; "
            "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'scipy') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_report_kernels_do_not_import_scipy():
    """The report computes its two formulas itself: scipy.stats (through statsmodels) took 0.9 s per kernel."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, helpers.report, helpers.charts; "
            "print(sorted(m for m in ('scipy', 'statsmodels') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_runner_kernel_is_this_environments_python(tmp_path, monkeypatch):
    """Papermill, as the runner calls it (in a worker process), executes notebooks with this interpreter."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os, sys\nprint(sys.executable)\nprint(os.environ['PYTHONHASHSEED'])")],
        metadata={
            "kernelspec": {"name": paths.KERNEL_NAME, "display_name": paths.KERNEL_DISPLAY_NAME, "language": "python"}
        },
    )
    source = tmp_path / "probe.ipynb"
    nbformat.write(nb, source)
    out = tmp_path / "probe.out.ipynb"
    env = execute.kernel_env(ROOT, tmp_path / "staging")
    for name, value in env.items():  # a worker sets them in its own environment: undone after this test
        monkeypatch.setenv(name, value)
    error, _, _ = execute._execute(str(source), str(out), {}, env, str(tmp_path))
    assert error is None
    out = nbformat.read(out, as_version=4)
    assert out.cells[0].outputs[0]["text"] == f"{sys.executable}\n0\n"


def test_nbval_kernel_is_this_environments_python(tmp_path):
    """nbval, with the options of `make test`, executes notebooks with this interpreter."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import sys\nprint(sys.executable == {sys.executable!r})")],
        metadata={
            "kernelspec": {"name": paths.KERNEL_NAME, "display_name": paths.KERNEL_DISPLAY_NAME, "language": "python"}
        },
    )
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="True\n")]
    nb.cells[0].execution_count = 1
    nbformat.write(nb, tmp_path / "probe.ipynb")
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    options = re.search(r"^PYTEST_NBVAL\s*:=\s*(.+)$", text, re.M).group(1)
    options = options.replace("tests/nbval_sanitize.cfg", str(ROOT / "tests" / "nbval_sanitize.cfg"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            *options.split(),
            str(tmp_path / "probe.ipynb"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_project_kernel_is_registered_in_this_environment():
    """`make env` registers the project's kernel inside the environment, with its absolute interpreter path."""
    if not (Path(sys.prefix) / ".installed").exists():
        pytest.skip("not running in an environment made by `make env`")
    kernel_json = Path(sys.prefix) / "share" / "jupyter" / "kernels" / paths.KERNEL_NAME / "kernel.json"
    spec = json.loads(kernel_json.read_text(encoding="utf-8"))
    assert spec["argv"][0] == sys.executable
    assert spec["display_name"] == paths.KERNEL_DISPLAY_NAME


def test_make_env_with_a_folder_it_did_not_make_refuses_and_keeps_the_file(tmp_path):
    if not shutil.which("make"):
        pytest.skip("needs make")
    prefix = tmp_path / "mine"
    prefix.mkdir()
    (prefix / "notes.txt").write_text("keep me", encoding="utf-8")
    result = subprocess.run(
        ["make", "--no-print-directory", "env", f"VENV={prefix}", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "has no .japan-us-korea-survey-env file" in result.stderr
    assert sorted(p.name for p in prefix.iterdir()) == ["notes.txt"]
    assert (prefix / "notes.txt").read_text(encoding="utf-8") == "keep me"
