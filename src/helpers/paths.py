"""Every path the project uses, defined once from this file's location.

Notebooks and scripts never hard-code ``../data``: they ask this module.
Outputs (figures, summaries) are written under the folder the build runner names in
the ``SURVEY_STAGING_DIR`` environment variable (its staging folder, whose files it
publishes into the repository when every notebook succeeded). Anywhere else -- a
notebook run in JupyterLab, or by papermill on its own, with other parameters -- they
go to ``build/scratch/`` (ignored by git), and the first write says so: only
``make report`` changes the committed figures and reports.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
FIGURES_DIR = ROOT / "figures"
REPORTS_DIR = ROOT / "reports"

TOPLINES_CSV = DATA_DIR / "toplines.csv"
QUESTIONS_CSV = DATA_DIR / "questions.csv"
SURVEY_YML = DATA_DIR / "survey.yml"
CLAIMS_CSV = DATA_DIR / "release_claims.csv"
COVERAGE_CSV = DATA_DIR / "coverage.csv"
# Every input file of the report (the Makefile's DATA_FILES lists the same; a test checks).
DATA_FILES = (
    SURVEY_YML,
    QUESTIONS_CSV,
    COVERAGE_CSV,
    TOPLINES_CSV,
    CLAIMS_CSV,
    DATA_DIR / "waves.csv",
    DATA_DIR / "trends.csv",
)
"""In the order the loader reads them; all are required."""
# The official parameters of the committed report (applied by the runner to every notebook).
REPORT_TOML = ROOT / "report.toml"

PROJECT_NAME = "japan-us-korea-survey-2025"  # as in pyproject.toml; also the Jupyter kernel's name
KERNEL_NAME = PROJECT_NAME
# As scripts/setup_env.py registers it (a test checks the installed kernel.json).
KERNEL_DISPLAY_NAME = f"Python 3.11 ({KERNEL_NAME})"

STAGING_ENV = "SURVEY_STAGING_DIR"
SCRATCH_DIR = ROOT / "build" / "scratch"

_told = False


def output_root() -> Path:
    """Root under which outputs are written: the runner's staging folder, else ``build/scratch/``."""
    staged = os.environ.get(STAGING_ENV)
    return Path(staged) if staged else SCRATCH_DIR


def output_path(relative: str | Path) -> Path:
    """Absolute path for an output given relative to the repository root (e.g. ``figures/JP/x.png``).

    Parent folders are created. Outside the runner, the first call prints one line saying
    where outputs go.
    """
    global _told
    relative = Path(relative)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"output path must be relative to the repository root, without '..': {str(relative)!r}")
    root = output_root()
    if not _told and not os.environ.get(STAGING_ENV):
        _told = True
        print(
            f"outputs of this run go to {SCRATCH_DIR.relative_to(ROOT).as_posix()}/ "
            "(only `make report` writes figures/ and reports/)"
        )
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
