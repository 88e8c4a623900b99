"""Copies of the repository for tests that build or break things: never the working tree itself."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import paths
from helpers.build_checks import official_parameters

ROOT = paths.ROOT
KERNELSPEC = {"name": paths.KERNEL_NAME, "display_name": paths.KERNEL_DISPLAY_NAME, "language": "python"}


def copy_repository(dest: Path) -> Path:
    """A copy of the repository's files (as git lists them) at ``dest``."""
    return paths.copy_checkout(ROOT, dest)


def copy_env(copy: Path) -> dict[str, str]:
    """Environment for a subprocess working on ``copy``: its own ``helpers`` comes first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy / "src")
    env.pop(paths.STAGING_ENV, None)
    return env


def build_command(copy: Path, *args: str) -> list[str]:
    """``python -m helpers.build`` on ``copy``, as a command line."""
    return [sys.executable, "-m", "helpers.build", "--root", str(copy), *args]


def run_build(copy: Path, *args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m helpers.build`` on ``copy`` (``env``: instead of :func:`copy_env`), to its end."""
    return subprocess.run(
        build_command(copy, *args),
        cwd=copy,
        env=env or copy_env(copy),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_build(copy: Path, *args: str) -> subprocess.Popen:
    """``python -m helpers.build`` on ``copy``, started and left running (for a test to interrupt), as a
    command typed at a terminal is: with Ctrl-C's default action even when the tests run where it is ignored
    (a shell starts a background job with SIGINT ignored, and Python then never raises KeyboardInterrupt)."""
    return subprocess.Popen(
        build_command(copy, *args),
        cwd=copy,
        env=copy_env(copy),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
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
    for name, value in official_parameters(ROOT).items()
    if name != "reports_dir"
)


def write_notebook(path: Path, *sources: str) -> None:
    """A small source notebook: a `parameters` cell with the official defaults, then one code cell per source."""
    cells = [nbformat.v4.new_code_cell(PARAMETERS_CELL, metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"{path.stem}-{index}"
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC}), path)


# An output file, as a chart is saved (where helpers.paths.output_path sends it); the runner looks at names and
# bytes only, so a 1×1 image made without Matplotlib keeps these builds short.
SMALL_FIGURE = (
    "from PIL import Image\nfrom helpers.paths import output_path\n"
    "Image.new('L', (1, 1)).save(output_path(f'figures/{country}/{name}.png'))\n"
    "print('saved', name)"
)


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
