"""The environment is the one environment.yml declares, and notebooks run on its Python."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers import build, paths

ROOT = paths.ROOT
ENV_FILE = ROOT / "environment.yml"


def load_setup_env():
    spec = importlib.util.spec_from_file_location("setup_env", ROOT / "scripts" / "setup_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def yaml_pins() -> list[str]:
    env = yaml.safe_load(ENV_FILE.read_text(encoding="utf-8"))
    pip_sections = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip: section"
    return list(pip_sections[0])


def makefile_variable(name: str) -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{name}\s*:?=\s*(.+)$", text, re.M)
    assert match, f"no {name} in the Makefile"
    return match.group(1).strip()


def test_setup_script_reads_the_same_pins_as_a_yaml_parser():
    python_version, pins = load_setup_env().read_environment(ENV_FILE)
    assert pins == yaml_pins()
    env = yaml.safe_load(ENV_FILE.read_text(encoding="utf-8"))
    assert f"python={python_version}" in env["dependencies"]


def test_every_package_is_pinned_exactly_and_python_is_311():
    for pin in yaml_pins():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9_.+!\-]*", pin), pin
    assert "python=3.11" in yaml.safe_load(ENV_FILE.read_text(encoding="utf-8"))["dependencies"]


def test_running_environment_matches_the_pins():
    assert sys.version_info[:2] == (3, 11)
    wrong = []
    for pin in yaml_pins():
        name, version = pin.split("==")
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong.append(f"{name}: environment.yml {version}, installed {installed}")
    assert not wrong, "the environment differs from environment.yml (run `make env`):\n" + "\n".join(wrong)


def test_project_declares_no_second_list_of_dependencies():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project.get("dependencies", []) == []


def test_helpers_is_imported_from_this_repository():
    import helpers

    assert Path(helpers.__file__).resolve().parent == ROOT / "src" / "helpers"


def test_runner_kernel_is_this_environments_python(tmp_path):
    """Papermill, as the runner calls it, executes notebooks with this interpreter."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os, sys\nprint(sys.executable)\nprint(os.environ['PYTHONHASHSEED'])")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
    )
    source = tmp_path / "probe.ipynb"
    nbformat.write(nb, source)
    build.skip_slow_optional_imports()
    import papermill

    km = build._kernel_manager(build.kernel_env(ROOT, tmp_path / "staging"))
    try:
        out = papermill.execute_notebook(str(source), None, kernel_name="python3", progress_bar=False, km=km)
    finally:
        from jupyter_core.utils import run_sync

        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    assert out.cells[0].outputs[0]["text"] == f"{sys.executable}\n0\n"


def test_nbval_kernel_is_this_environments_python(tmp_path):
    """nbval, with the options of `make test`, executes notebooks with this interpreter."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(f"import sys\nprint(sys.executable == {sys.executable!r})")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
    )
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="True\n")]
    nb.cells[0].execution_count = 1
    nbformat.write(nb, tmp_path / "probe.ipynb")
    options = makefile_variable("PYTEST_NBVAL").replace("tests/nbval_sanitize.cfg", str(ROOT / "tests" / "nbval_sanitize.cfg"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         *options.split(), str(tmp_path / "probe.ipynb")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_jupyterlab_kernelspec_points_at_this_environment():
    """`make env` registers kernel python3 inside the environment with its absolute interpreter path."""
    kernel_json = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    if not (Path(sys.prefix) / ".installed").exists():
        pytest.skip("not running in an environment made by `make env`")
    argv = json.loads(kernel_json.read_text(encoding="utf-8"))["argv"]
    assert argv[0] == sys.executable


def test_notebooks_use_kernelspec_python3():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name
