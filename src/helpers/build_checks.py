"""Checks of a build made before any kernel starts, and of each notebook once it has run.

Each raises :class:`~helpers.publish.BuildError` (or returns the problems) with a message that
names the file or parameter to fix; nothing has been changed when they fail.
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from pathlib import Path

from . import paths
from .execute import Job
from .publish import BuildError


def official_parameters(root: Path) -> dict:
    """report.toml's official parameters (:func:`helpers.paths.official_parameters`); a BuildError if unreadable."""
    try:
        return paths.official_parameters(root)
    except ValueError as exc:
        raise BuildError(str(exc)) from None


def check_official_values(root: Path, official: dict, data) -> None:
    """report.toml's values checked as a notebook's are (:func:`helpers.parameters.check`), against ``data``
    (the validated ``data/``): a bad value is blamed on report.toml before any kernel starts."""
    import inspect

    from . import parameters
    from .data import load_survey_data

    names = list(inspect.signature(parameters.check).parameters)
    missing = [name for name in names if name not in official]
    if missing:
        raise BuildError(f"report.toml: [parameters] has no {', '.join(missing)} (it sets all of {', '.join(names)})")
    values = {name: official[name] for name in names}
    if isinstance(values.get("data_dir"), str):
        values["data_dir"] = str(root / values["data_dir"])
    try:
        checked = parameters.check(**values)
        if checked.data_folder.resolve() != (root / "data").resolve():
            data = load_survey_data(checked.data_folder)
        data.check_country(values["country"])
    except (ValueError, TypeError, OSError) as exc:
        raise BuildError(f"report.toml: [parameters] {exc}") from None


def source_defaults(source: Path) -> dict:
    """The defaults of a source notebook's parameters cell, read as Python (``name: type = value`` lines).

    The cell is parsed with :mod:`ast` rather than papermill's line patterns, which skip an annotation such
    as ``float | str``; every top-level assignment must be a plain literal.
    """
    import nbformat

    try:
        nb = nbformat.read(source, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable notebooks
        raise BuildError(f"notebooks/{source.name}: cannot be read as a notebook: {exc}") from None
    cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise BuildError(f"notebooks/{source.name}: no cell tagged `parameters`")
    try:
        tree = ast.parse(cell.source)
    except SyntaxError as exc:
        raise BuildError(f"notebooks/{source.name}: parameters cell, line {exc.lineno}: {exc.msg}") from None
    defaults = {}
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if not isinstance(target, ast.Name) or node.value is None:
            raise BuildError(
                f"notebooks/{source.name}: parameters cell, line {node.lineno}: only `name: type = value` "
                "lines belong there"
            )
        try:
            defaults[target.id] = ast.literal_eval(node.value)
        except ValueError:
            raise BuildError(
                f"notebooks/{source.name}: parameters cell, line {node.lineno}: {target.id} must be a plain value"
            ) from None
    return defaults


def check_source_parameters(source: Path, official: dict) -> list[str]:
    """Every parameter of the notebook's parameters cell whose default is not report.toml's, named."""
    wrong = []
    for name, default in source_defaults(source).items():
        if name not in official:
            wrong.append(f"{name} is not a parameter of report.toml (they are: {', '.join(official)})")
        elif default != official[name] or type(default) is not type(official[name]):
            wrong.append(f"{name} = {default!r}, but report.toml says {name} = {official[name]!r}")
    if not wrong:
        return []
    return [
        f"notebooks/{source.name}: its parameters cell differs from the official parameters:\n    "
        + "\n    ".join(wrong)
        + f"\n  restore them (`git checkout notebooks/{source.name}`, or set the values above); to try other "
        "values run the notebook in JupyterLab or with papermill -p NAME VALUE: its outputs then go to "
        "build/scratch/, not to the report"
    ]


def check_output_folders(root: Path, codes: list[str]) -> None:
    """The output folders are real folders of this checkout (no symlink, nothing outside) and writable."""
    top = [root / "figures", root / "reports", root / "reports" / "site"]
    top += [root / d / c for c in codes for d in ("figures", "reports")]
    folders = [p for p in top if p.exists() or p.is_symlink()]
    inner = [p for base in folders if base.is_dir() and not base.is_symlink() for p in base.rglob("*")]
    folders += [p for p in inner if p.is_dir() or p.is_symlink()]
    for path in folders:
        rel = path.relative_to(root).as_posix()
        if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()):
            raise BuildError(
                f"{rel} is a symbolic link or leads outside the repository: the build writes only "
                "real folders of this checkout; replace it with a folder (nothing was run)"
            )
        if path.is_dir():
            try:
                fd, probe = tempfile.mkstemp(dir=path, prefix=".write-check.")
                os.close(fd)
                os.unlink(probe)
            except OSError as exc:
                raise BuildError(f"{rel}/ cannot be written ({exc.strerror}): nothing was run or changed") from None


def absolute_paths_in_outputs(nb, roots: list[str]) -> list[str]:
    """Describe outputs that contain one of ``roots`` (absolute paths make outputs machine-dependent)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            texts = [output.get("text", ""), *output.get("traceback", [])]
            texts += [
                v if isinstance(v, str) else json.dumps(v)
                for m, v in output.get("data", {}).items()
                if m.startswith("text/") or m == "application/json"
            ]
            for root in roots:
                line = next((ln for t in texts for ln in "".join(t).splitlines() if root in ln), None)
                if line is not None:
                    problems.append(f"cell {index}: output contains the absolute path {root!r}: {line.strip()[:160]}")
                    break
    return problems


def run_record_problems(job: Job, official: dict) -> list[str]:
    """Values ``report.open_report`` recorded in the kernel that are not the official ones."""
    expected = {**official, "country": job.country}
    problems = []
    try:
        lines = job.run_record.read_text(encoding="utf-8").splitlines() if job.run_record.exists() else []
        used = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        return [f"cannot read the values it ran with: {exc}"]
    for record in used:
        for name, value in record.items():
            if name in expected and value != expected[name]:
                problems.append(f"{name} = {value!r} (official: {expected[name]!r})")
    if problems:
        return [
            "it ran with other values than the official parameters (a cell assigns them?): "
            + ", ".join(dict.fromkeys(problems))
        ]
    return []
