"""Copies of the repository for tests that build or break things: never the working tree itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import paths

ROOT = paths.ROOT


def tracked_files(root: Path) -> list[str]:
    """The files git knows about (committed or not yet, and not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [name for name in out.decode().split("\0") if name and (root / name).is_file()]


def copy_repository(dest: Path) -> Path:
    """A copy of the repository's files (as git lists them) at ``dest``."""
    for name in tracked_files(ROOT):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def copy_env(copy: Path) -> dict[str, str]:
    """Environment for a subprocess working on ``copy``: its own ``helpers`` comes first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy / "src")
    env.pop(paths.STAGING_ENV, None)
    return env


def run_build(copy: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m helpers.build`` on ``copy``."""
    return subprocess.run(
        [sys.executable, "-m", "helpers.build", "--root", str(copy), *args],
        cwd=copy,
        env=copy_env(copy),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
