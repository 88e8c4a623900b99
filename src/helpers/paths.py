"""Every path the project uses, defined once, and where a run's outputs really go.

The repository root is :func:`repository_root`: the folder named by ``SURVEY_ROOT`` when set (the runner
may pass it), else the checkout that holds the working folder (a kernel started in ``notebooks/``, ``make``
run in a copied clone), and only when the working folder is in no checkout the one this package was
installed from. Everything else is derived from it.

Outputs are named as the notebooks name them (``figures/JP/x.png``, or under any folder a researcher
gives) and :func:`output_path` says where each really goes:

- under ``make report``, into the runner's staging folder (``SURVEY_STAGING_DIR``), whose files the runner
  publishes into the repository when every notebook succeeded; names must then be relative and stay
  inside it;
- anywhere else (JupyterLab, papermill on its own, a researcher's notebook): a name inside the
  repository goes to ``build/scratch/`` (ignored by git), so only ``make report`` changes the committed
  figures and reports; a folder outside the repository (absolute, or relative with ``..``) is honoured.

:func:`copy_checkout` copies the files of a checkout for the benchmark and the tests that build or break a
copy of the repository.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path

ROOT_ENV = "SURVEY_ROOT"
STAGING_ENV = "SURVEY_STAGING_DIR"
RUN_RECORD_ENV = "SURVEY_RUN_RECORD"
"""Names a file to which a report appends, as one JSON line, the parameters it was opened with (the runner
compares them with report.toml)."""
# The files that make a folder a checkout of this project.
_MARKERS = ("report.toml", "src/helpers/paths.py")
_INSTALLED_FROM = Path(__file__).resolve().parents[2]


def is_checkout(folder: Path) -> bool:
    return all((folder / marker).is_file() for marker in _MARKERS)


def checkout_files(root: Path) -> list[str]:
    """The files git knows about in the checkout ``root`` (committed or not yet, and not ignored)."""
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listed = subprocess.run(command, cwd=root, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name and (root / name).is_file()]


def copy_checkout(root: Path, dest: Path) -> Path:
    """A copy of the files of the checkout ``root`` (:func:`checkout_files`) at ``dest``, for a benchmark or a
    test to build or break without touching ``root``."""
    for name in checkout_files(root):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, dest / name)
    return dest


def find_root(start: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The repository root as seen from the folder ``start`` (see the module docstring for the order)."""
    if environ.get(ROOT_ENV):
        return Path(environ[ROOT_ENV]).resolve()
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if is_checkout(folder):
            return folder
    return _INSTALLED_FROM


@functools.cache
def repository_root() -> Path:
    """The root of the repository this process works on, found once (from the working folder at first use)."""
    try:
        return find_root(Path.cwd())
    except FileNotFoundError:  # a working folder deleted under the process
        return find_root(_INSTALLED_FROM)


ROOT = repository_root()
DATA_DIR = ROOT / "data"
TOPLINES_CSV = DATA_DIR / "toplines.csv"
QUESTIONS_CSV = DATA_DIR / "questions.csv"
SURVEY_YML = DATA_DIR / "survey.yml"
CLAIMS_CSV = DATA_DIR / "release_claims.csv"
COVERAGE_CSV = DATA_DIR / "coverage.csv"
# Every data file of the report, with what it holds (the site's data page says it): the runner hashes them as
# inputs, the loader reads them.
DATA_FILE_CONTENTS = {
    SURVEY_YML: "The survey: its institutes; each public's sample, fieldwork, mode and published margin of error; "
    "the measures some figures use; and every source, with its address.",
    QUESTIONS_CSV: "The codebook: each question's wording (paraphrased), category, type, answers, and who was asked.",
    COVERAGE_CSV: "Which public has figures for which question from which source; whether every answer was "
    "published; and what a figure measures where that differs from the wording.",
    TOPLINES_CSV: "Every figure, exactly as published: public, question, answer, percentage, source, and where in "
    "the source it is.",
    CLAIMS_CSV: "How the release words its findings (“the majority”, “a narrow margin”), each checked against the "
    "figures in the summaries.",
    DATA_DIR / "waves.csv": "Earlier surveys of the same publics: who ran each one, when, how and whom they asked.",
    DATA_DIR / "trends.csv": "Figures from those earlier surveys, for questions this survey asked again.",
}
DATA_FILES = tuple(DATA_FILE_CONTENTS)
"""In the order the loader reads them; all are required."""
DATA_README = DATA_DIR / "README.md"  # what each column of each data file means
# The official parameters of the committed report (applied by the runner to every notebook).
REPORT_TOML = ROOT / "report.toml"
SCRATCH_DIR = ROOT / "build" / "scratch"
STAGING = ROOT / "build" / "staging"  # the runner's staging folders

PROJECT_NAME = "japan-us-korea-survey-2025"  # as in pyproject.toml; also the Jupyter kernel's name
KERNEL_NAME = PROJECT_NAME
# As scripts/setup_env.py registers it (a test checks the installed kernel.json).
KERNEL_DISPLAY_NAME = f"Python 3.11 ({KERNEL_NAME})"

SCRATCH_NOTE = "only `make report` writes figures/ and reports/"
_told = False


def official_parameters(root: Path = ROOT) -> dict:
    """The ``[parameters]`` table of ``root``'s report.toml, ``country`` (the source notebooks' default) included;
    a ValueError naming the file when it cannot be read. Read here only: the runner and open_report share it."""
    try:
        table = tomllib.loads((root / REPORT_TOML.name).read_text(encoding="utf-8")).get("parameters")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{REPORT_TOML.name}: cannot read the official parameters: {exc}") from None
    if not isinstance(table, dict) or "country" not in table:
        raise ValueError(f"{REPORT_TOML.name}: no [parameters] table with the notebooks' default country")
    return table


def _inside(path: Path, folder: Path) -> Path | None:
    """``path`` relative to ``folder`` when it is in it, else None."""
    try:
        return path.relative_to(folder)
    except ValueError:
        return None


def staging_dir() -> Path | None:
    """The runner's staging folder (``SURVEY_STAGING_DIR``), or None outside ``make report``.

    A value inside the repository but outside ``build/staging/`` is refused: outputs could land on the
    committed files themselves.
    """
    value = os.environ.get(STAGING_ENV)
    if not value:
        return None
    staging = Path(value).resolve()
    if _inside(staging, ROOT) is not None and _inside(staging, STAGING) is None:
        raise ValueError(
            f"{STAGING_ENV}={value} points into the repository: only the runner sets it, to a folder under "
            f"build/staging/; unset it (outputs of your own runs then go to build/scratch/)"
        )
    return staging


def shown(path: Path) -> str:
    """A path as messages show it: relative to the repository when inside it."""
    inside = _inside(path, ROOT)
    return path.as_posix() if inside is None else (inside.as_posix() or ".")


def target(name: str | Path) -> Path:
    """Where the output ``name`` (e.g. ``figures/JP/x.png``; see the module docstring) really goes."""
    name = Path(name)
    staging = staging_dir()
    if staging is not None:
        if name.is_absolute() or ".." in name.parts:
            raise ValueError(
                f"output path must be relative to the repository root, without '..', under `make report`: "
                f"{name.as_posix()!r}"
            )
        return staging / name
    path = (ROOT / name).resolve()  # an absolute name stays itself
    inside = _inside(path, ROOT)
    if inside is None or _inside(path, SCRATCH_DIR) is not None:
        return path
    return SCRATCH_DIR / inside


def said_where_outputs_go() -> None:
    """Mark the scratch note as shown (:func:`helpers.report.open_report` says where outputs go itself)."""
    global _told
    _told = True


def output_path(name: str | Path) -> Path:
    """The real path of the output ``name`` (see :func:`target`), its parent folders created.

    Outside the runner, the first output written to ``build/scratch/`` prints one line saying so.
    """
    global _told
    path = target(name)
    if not _told and _inside(path, SCRATCH_DIR) is not None:
        _told = True
        print(f"outputs of this run go to {shown(SCRATCH_DIR)}/ ({SCRATCH_NOTE})")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def check_output_folder(parameter: str, value) -> Path:
    """The folder the parameter ``parameter`` (``figures_dir``, ``reports_dir``) really names, checked
    before any work: a ValueError naming the parameter unless files can be written there."""
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ValueError(f"parameter {parameter} must name a folder (e.g. {parameter.split('_')[0]!r}), got {value!r}")
    staging_dir()  # its own message, naming the variable
    try:
        folder = target(value)
    except ValueError as exc:
        raise ValueError(f"parameter {parameter}: {exc}") from None
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"parameter {parameter}: {shown(existing)} is a file, not a folder ({parameter} = {value!r})")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"parameter {parameter}: cannot write into {shown(existing)} ({parameter} = {value!r})")
    return folder
