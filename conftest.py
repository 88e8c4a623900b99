"""pytest set-up for `make test`: unit tests and nbval's notebook kernels alike.

nbval starts its kernels from this process, so they inherit ``os.environ``: set the
same kernel environment the notebook runner uses (``helpers.execute.kernel_env``), or
outputs would differ for reasons other than the data. Outputs the notebooks write
while nbval runs them go to a throw-away staging folder, never to figures/ or reports/.

After the last cell of each notebook nbval checks, one more test item
(``<notebook>::committed-outputs``) compares the files that notebook has just written
with the committed ones, byte for byte: nbval compares the notebook's text but not
the figures on disk, and this proves the committed figures and summaries are what the
code draws now. It costs no extra kernel (the files are those nbval's run wrote).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from helpers import execute

execute.skip_slow_optional_imports()
pytest_plugins = ("nbval.plugin",)  # after the line above (pyproject.toml keeps the entry point from loading it)

ROOT = Path(__file__).resolve().parent
_staging: Path | None = None


def pytest_configure(config):
    global _staging
    _staging = Path(tempfile.mkdtemp(prefix="survey-nbval-outputs-"))
    os.environ.update(execute.kernel_env(ROOT, staging_dir=_staging))


def pytest_unconfigure(config):
    if _staging:
        shutil.rmtree(_staging, ignore_errors=True)


class OutputsDiffer(Exception):
    pass


class CommittedOutputs(pytest.Item):
    """The files a notebook wrote while nbval ran it equal the committed files."""

    def runtest(self):
        written = sorted(p for p in _staging.rglob("*") if p.is_file())
        problems = []
        try:
            for path in written:
                rel = path.relative_to(_staging).as_posix()
                committed = ROOT / rel
                if not committed.is_file():
                    problems.append(f"{rel}: the notebook writes it, but it is not committed")
                elif committed.read_bytes() != path.read_bytes():
                    problems.append(f"{rel}: the committed file differs from what the notebook writes now")
        finally:
            for child in _staging.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        if problems:
            raise OutputsDiffer(
                f"{self.parent.name}: {len(problems)} of {len(written)} output file(s) are not "
                "what the code produces (run `make report`, or `make report-all`):\n  " + "\n  ".join(problems)
            )

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, OutputsDiffer):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}::committed-outputs"


def _start_order(item) -> int:
    """Modules that build or start servers first, then the notebooks nbval runs, then the quick tests: with
    `pytest -n` (each file to one worker) the long files start early and the quick ones fill in at the end."""
    if item.get_closest_marker("slow"):
        return 0
    return 1 if item.path.suffix == ".ipynb" else 2


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_start_order)  # stable: each file's items keep their order
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:
        return
    result = []
    for index, item in enumerate(items):
        result.append(item)
        parent = item.parent
        last = index + 1 == len(items) or items[index + 1].parent is not parent
        if isinstance(parent, IPyNbFile) and last:
            result.append(CommittedOutputs.from_parent(parent, name="committed-outputs"))
    items[:] = result
