#!/usr/bin/env python3
"""Create the project environment at a prefix (default ``.venv``) from environment.yml.

Run by ``make env`` with the system Python (standard library only, so it works
before any package is installed):

* conda or mamba on PATH -> ``conda env create -p PREFIX -f environment.yml``;
* otherwise -> ``python -m venv PREFIX`` and ``pip install`` of the exact pins read
  from the ``pip:`` section of environment.yml (the same list conda installs;
  there is no second list to keep in step).

Then, either way: ``pip install --no-deps -e .`` (the ``helpers`` package), a
``python3`` kernelspec inside the environment pointing at its own interpreter (for
JupyterLab), and a check that the interpreter is the Python version declared in
environment.yml. A half-made environment is removed before starting again.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV_FILE = ROOT / "environment.yml"


def read_environment(path: Path = ENV_FILE) -> tuple[str, list[str]]:
    """Return (python version, pip pins) from environment.yml.

    A deliberately small reader for the layout of this one file (``dependencies:``
    with a ``python=X.Y`` entry and a ``pip:`` list), so that it needs no YAML
    library; tests/test_environment.py checks it agrees with a real YAML parser.
    """
    python_version = None
    pins: list[str] = []
    in_pip = False
    pip_indent = -1
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if in_pip:
            if indent > pip_indent and item.startswith("- "):
                pins.append(item[2:].strip().strip("'\""))
                continue
            in_pip = False
        if item in ("- pip:", "-  pip:"):
            in_pip = True
            pip_indent = indent
            continue
        match = re.fullmatch(r"-\s*python\s*=+\s*([0-9.]+)", item)
        if match:
            python_version = match.group(1)
    if python_version is None:
        raise SystemExit(f"{path}: no 'python=X.Y' entry under dependencies")
    if not pins:
        raise SystemExit(f"{path}: no packages under 'pip:'")
    for pin in pins:
        if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+!\-]+", pin):
            raise SystemExit(f"{path}: '{pin}' is not an exact pin (name==version)")
    return python_version, pins


def run(cmd: list[str], **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def conda_executable() -> str | None:
    for name in ("mamba", "conda"):
        found = shutil.which(name)
        if found:
            return found
    return None


def create(prefix: Path, python: str, use_conda: bool | None) -> None:
    python_version, pins = read_environment()
    conda = conda_executable() if use_conda in (None, True) else None
    if use_conda and conda is None:
        raise SystemExit("--conda given but neither mamba nor conda is on PATH")

    if prefix.exists():
        print(f"removing the incomplete or outdated environment {prefix}", flush=True)
        shutil.rmtree(prefix)

    if conda:
        run([conda, "env", "create", "-p", prefix, "-f", ENV_FILE])
    else:
        found = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
        if found != python_version:
            raise SystemExit(
                f"environment.yml asks for Python {python_version} but '{python}' is Python {found}; "
                f"run e.g. `make env PYTHON=python{python_version}` or install conda/mamba"
            )
        run([python, "-m", "venv", prefix])
        run([prefix / "bin" / "python", "-m", "pip", "install", "--no-input", *pins])

    env_python = prefix / "bin" / "python"
    found = subprocess.run(
        [env_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    if found != python_version:
        raise SystemExit(f"{env_python} is Python {found}, environment.yml asks for {python_version}")

    # The project itself; its dependencies are exactly the pins above.
    run([env_python, "-m", "pip", "install", "--no-input", "--no-deps", "-e", ROOT])
    # A kernelspec named `python3` inside the environment with the absolute path of its
    # interpreter: the notebooks' kernelspec is `python3`, so JupyterLab started from
    # the environment (`make lab`) runs them with this environment's packages.
    run([env_python, "-m", "ipykernel", "install", "--sys-prefix",
         "--name", "python3", "--display-name", "Python 3 (ipykernel)"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=str(ROOT / ".venv"), help="where to create the environment")
    parser.add_argument("--python", default=os.environ.get("PYTHON", "python3"),
                        help="interpreter used to create a venv when conda/mamba is not available")
    way = parser.add_mutually_exclusive_group()
    way.add_argument("--conda", dest="use_conda", action="store_true", default=None,
                     help="require conda/mamba")
    way.add_argument("--venv", dest="use_conda", action="store_false", help="use venv + pip even if conda is present")
    parser.add_argument("--print-pins", action="store_true", help="print the pip pins and exit")
    args = parser.parse_args(argv)

    if args.print_pins:
        print("\n".join(read_environment()[1]))
        return 0

    prefix = Path(args.prefix).resolve()
    stamp = prefix / ".installed"
    started = time.monotonic()
    create(prefix, args.python, args.use_conda)
    stamp.write_text("created from environment.yml by scripts/setup_env.py\n", encoding="utf-8")
    print(f"environment ready at {prefix} in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
