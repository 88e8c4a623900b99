"""The notebooks' parameters: the one check of each value, and how a run says it differs from the report.

:func:`helpers.report.open_report` checks the values a notebook was run with here, and so does the runner
(:mod:`helpers.build_checks`) with report.toml's values before any kernel starts: a bad value gets the same
message from both, and the runner does not import the charting code to find out.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path

from . import paths
from .tables import check_deff

FIGURE_FORMATS = ("png", "svg", "pdf")
"""Formats a chart can be saved in (``figure_formats``): PNG (1,600 px wide), SVG and PDF."""


@dataclass(frozen=True)
class Checked:
    """The parameters of one run, checked: their values as used, and the folders the outputs go to."""

    used: dict
    data_folder: Path
    folders: dict[str, Path]

    @property
    def confidence(self) -> float:
        return self.used["confidence"]

    @property
    def deff(self) -> float | str:
        return self.used["deff"]

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(self.used["figure_formats"].split(","))


def check(country, data_dir, figures_dir, confidence, deff, figure_formats, reports_dir) -> Checked:
    """Every value checked before any work; a ValueError names the first bad parameter. The country code is
    checked against the data by the caller, once the data are loaded."""
    used = {
        "country": country,
        "data_dir": str(data_dir),
        "figures_dir": str(figures_dir),
        "reports_dir": str(reports_dir),
        "confidence": check_confidence(confidence),
        "deff": check_deff(deff),
        "figure_formats": ",".join(check_formats(figure_formats)),
    }
    folders = {
        "figures_dir": paths.check_output_folder("figures_dir", figures_dir),
        "reports_dir": paths.check_output_folder("reports_dir", reports_dir),
    }
    return Checked(used, data_folder(data_dir), folders)


def _real(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"parameter {name} must be a finite number, got {value!r}")
    return float(value)


def check_confidence(value) -> float:
    confidence = _real("confidence", value)
    if not 0 < confidence < 1:
        raise ValueError(f"parameter confidence must be between 0 and 1 (e.g. 0.95), got {value!r}")
    return confidence


def check_formats(value) -> tuple[str, ...]:
    if not isinstance(value, str):
        raise ValueError(f"parameter figure_formats must be a string such as 'png,svg', got {value!r}")
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    if not formats or any(f not in FIGURE_FORMATS for f in formats):
        known = ", ".join(FIGURE_FORMATS)
        raise ValueError(f"parameter figure_formats must list some of {known}, got {value!r}")
    return formats


def data_folder(value) -> Path:
    """The ``data_dir`` folder (relative to the repository root), which must exist."""
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ValueError(f"parameter data_dir must name a folder (e.g. 'data'), got {value!r}")
    folder = paths.ROOT / value
    if not folder.is_dir():
        raise ValueError(
            f"parameter data_dir: no folder {paths.shown(folder)} (data_dir = {str(value)!r}; a relative "
            "folder is taken from the repository root)"
        )
    return folder


def _normalised(name: str, value):
    """A parameter's value as compared with the official one (``"svg, PNG"`` is ``("svg", "png")``)."""
    checks = {"confidence": check_confidence, "deff": check_deff, "figure_formats": check_formats}
    if name in checks:
        return checks[name](value)
    return Path(value) if name.endswith("_dir") else value


def differences(used: dict) -> list[str]:
    """``name = value (official: value)`` for each parameter used with another value than the official one."""
    official = paths.official_parameters()  # country included
    out = []
    for name, value in used.items():
        if name not in official:
            continue
        try:
            same = _normalised(name, official[name]) == _normalised(name, value)
        except (ValueError, TypeError):
            same = False
        if not same:
            out.append(f"{name} = {value!r} (official: {official[name]!r})")
    return out


def say_how_this_run_differs(checked: Checked) -> None:
    """The first output of a run outside ``make report``: which values differ from the official ones, and
    where the outputs go. Nothing under ``make report``, whose runner compares the run record itself."""
    if paths.staging_dir() is not None:
        return
    differ = differences(checked.used)
    if differ:
        print(f"This run's parameters are not the official ones (report.toml): {', '.join(differ)}.")
    folders = checked.folders
    if all(paths.SCRATCH_DIR in (f, *f.parents) for f in folders.values()):
        print(f"outputs of this run go to {paths.shown(paths.SCRATCH_DIR)}/ ({paths.SCRATCH_NOTE})")
    else:
        where = " and ".join(f"{paths.shown(f)}/ ({name})" for name, f in folders.items())
        print(f"outputs of this run go to {where}; {paths.SCRATCH_NOTE}")
    paths.said_where_outputs_go()


def record_run(checked: Checked) -> None:
    """Append the values used to the file named by ``SURVEY_RUN_RECORD`` (the runner compares them with
    report.toml, so a value changed anywhere in a notebook is seen)."""
    name = os.environ.get(paths.RUN_RECORD_ENV)
    if not name:
        return
    try:
        with open(name, "a", encoding="utf-8") as record:
            record.write(json.dumps(checked.used) + "\n")
    except OSError as exc:
        raise ValueError(f"{paths.RUN_RECORD_ENV}: cannot append to {name}: {exc}") from None
