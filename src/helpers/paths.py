"""Every path the project uses, defined once from this file's location.

Notebooks and scripts never hard-code ``../data``: they ask this module.
Outputs (figures, reports, executed notebooks) can be redirected to a staging
folder by the build runner through the ``SURVEY_STAGING_DIR`` environment
variable, so that a failed run never touches the committed outputs.
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

STAGING_ENV = "SURVEY_STAGING_DIR"


def output_root() -> Path:
    """Root under which outputs are written: the staging folder during a build, else the repository."""
    staged = os.environ.get(STAGING_ENV)
    return Path(staged) if staged else ROOT


def output_path(relative: str | Path) -> Path:
    """Absolute path for an output given relative to the repository root (e.g. ``figures/JP/x.png``).

    Parent folders are created.
    """
    path = output_root() / Path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
