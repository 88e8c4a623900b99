#!/usr/bin/env python3
"""Create the project environment at a prefix (default ``.venv``) from requirements.lock.

Run by ``make env`` with the system Python (standard library only, so it works
before any package is installed). In this order:

1. The Python version: the interpreter that will make the environment must be the
   one ``pyproject.toml`` requires (``requires-python``), checked before anything is
   touched.
2. The prefix: a missing or empty folder is used; a folder holding :data:`MARKER`
   (written by this script into every environment it creates) is removed and made
   again; anything else -- a folder with files, the active conda environment -- is
   refused with a message, and nothing is removed.
3. conda or mamba on PATH -> ``conda env create -p PREFIX -f environment.yml``
   (Python from conda, packages from requirements.lock); otherwise
   ``python -m venv PREFIX`` and ``pip install --require-hashes -r requirements.lock``.
   Both routes install the one lock, every package pinned with its hashes.
4. ``pip install --no-deps -e .`` (the ``helpers`` package) and a kernel named after
   the project (:data:`KERNEL_NAME`, the name in pyproject.toml), which the notebooks
   use, pointing at the environment's interpreter.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
ENV_FILE = ROOT / "environment.yml"
MARKER = ".japan-us-korea-survey-env"
STAMP = ".installed"


class SetupError(Exception):
    """Something the user must fix; nothing was changed."""


def project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]


def kernel_name() -> str:
    """The project's name, also the name of its Jupyter kernel."""
    return project()["name"]


def required_python() -> str:
    """``X.Y`` from ``requires-python = "==X.Y.*"`` in pyproject.toml."""
    spec = project().get("requires-python", "")
    match = re.fullmatch(r"==\s*(\d+\.\d+)\.\*", spec.strip())
    if not match:
        raise SetupError(f"{PYPROJECT}: requires-python must read '==X.Y.*', got {spec!r}")
    return match.group(1)


def python_version(python: str) -> str:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SetupError(f"cannot run the Python interpreter {python!r}: {exc}") from None
    return out.stdout.strip()


def check_prefix(prefix: Path) -> bool:
    """Whether ``prefix`` exists and was made by this script; refuse anything else that is not empty."""
    if not prefix.exists() and not prefix.is_symlink():
        return False
    if prefix.is_symlink() or not prefix.is_dir():
        raise SetupError(
            f"{prefix} exists and is not a folder made by `make env`; nothing was changed. "
            "Choose another VENV= or remove it yourself."
        )
    active = [os.environ.get(name) for name in ("CONDA_PREFIX", "VIRTUAL_ENV")]
    ours = (prefix / MARKER).is_file()
    if not ours and any(a and Path(a).resolve() == prefix for a in active):
        raise SetupError(
            f"{prefix} is the active environment and was not made by `make env`; "
            "nothing was changed. Choose another VENV=."
        )
    if ours:
        return True
    if any(prefix.iterdir()):
        raise SetupError(
            f"{prefix} is not empty and has no {MARKER} file, so it is not an environment "
            "`make env` made; nothing was changed. Choose another VENV= or remove it yourself."
        )
    return False


def run(cmd: list, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def conda_executable() -> str | None:
    for name in ("mamba", "conda"):
        found = shutil.which(name)
        if found:
            return found
    return None


def env_python(prefix: Path) -> Path:
    windows = prefix / "Scripts" / "python.exe"
    return windows if windows.exists() else prefix / "bin" / "python"


def create(prefix: Path, python: str, use_conda: bool | None) -> None:
    wanted = required_python()
    conda = conda_executable() if use_conda in (None, True) else None
    if use_conda and conda is None:
        raise SetupError("--conda given but neither mamba nor conda is on PATH")
    if not conda:
        found = python_version(python)
        if found != wanted:
            raise SetupError(
                f"pyproject.toml requires Python {wanted} but {python!r} is Python {found}; "
                f"nothing was changed. Run e.g. `make env PYTHON=python{wanted}`, or install conda/mamba."
            )
    if not LOCK.is_file():
        raise SetupError(f"{LOCK.name} is missing: run `make lock`")
    if check_prefix(prefix):
        print(f"removing the environment {prefix} (made by `make env`) to make it again", flush=True)
        shutil.rmtree(prefix)

    if conda:
        run([conda, "env", "create", "-p", prefix, "-f", ENV_FILE])
        (prefix / MARKER).write_text("made by scripts/setup_env.py\n", encoding="utf-8")
    else:
        run([python, "-m", "venv", prefix])
        (prefix / MARKER).write_text("made by scripts/setup_env.py\n", encoding="utf-8")
        run([env_python(prefix), "-m", "pip", "install", "--no-input", "--require-hashes", "--no-deps", "-r", LOCK])

    interpreter = env_python(prefix)
    found = python_version(str(interpreter))
    if found != wanted:
        raise SetupError(f"{interpreter} is Python {found}, pyproject.toml requires {wanted}")
    run([interpreter, "-m", "pip", "install", "--no-input", "--no-deps", "-e", ROOT])
    run(
        [
            interpreter,
            "-m",
            "ipykernel",
            "install",
            "--sys-prefix",
            "--name",
            kernel_name(),
            "--display-name",
            f"Python {wanted} ({kernel_name()})",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=str(ROOT / ".venv"), help="where to create the environment")
    parser.add_argument(
        "--python",
        default=os.environ.get("PYTHON", "python3"),
        help="interpreter used to create a venv when conda/mamba is not available",
    )
    way = parser.add_mutually_exclusive_group()
    way.add_argument("--conda", dest="use_conda", action="store_true", default=None, help="require conda/mamba")
    way.add_argument("--venv", dest="use_conda", action="store_false", help="use venv + pip even if conda is present")
    args = parser.parse_args(argv)

    prefix = Path(os.path.abspath(args.prefix))
    started = time.monotonic()
    try:
        create(prefix, args.python, args.use_conda)
    except SetupError as exc:
        print(f"make env: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(
            f"make env: `{' '.join(map(str, exc.cmd))}` failed (exit {exc.returncode}); "
            f"the incomplete environment {prefix} is removed by the next `make env`",
            file=sys.stderr,
        )
        return 1
    (prefix / STAMP).write_text("made from requirements.lock by scripts/setup_env.py\n", encoding="utf-8")
    print(f"environment ready at {prefix} in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
