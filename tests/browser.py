"""Headless Chromium for the site and JupyterLab checks (Debian's ``chromium`` through Playwright).

The checks are skipped when no browser is installed, except under CI (``SITE_BROWSER_REQUIRED=1``, set by
``.ci/run``), where they must run.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_REQUIRED_ENV = "SITE_BROWSER_REQUIRED"


def chart_outputs(nb) -> list[dict]:
    """A notebook's outputs holding an image."""
    return [o for c in nb.cells for o in c.get("outputs", []) if any(m.startswith("image/") for m in o.get("data", {}))]


def browser_or_skip():
    problems = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        problems.append("the Python package playwright is missing (pip install playwright)")
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (Debian/Ubuntu: apt-get install chromium)")
    if problems:
        message = "no browser for the site check: " + "; ".join(problems)
        if os.environ.get(BROWSER_REQUIRED_ENV):
            pytest.fail(f"{message} ({BROWSER_REQUIRED_ENV} is set, so the check must run)")
        pytest.skip(message)
    return sync_playwright


@contextlib.contextmanager
def browser_context(tmp_path: Path, width: int):
    sync_playwright = browser_or_skip()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{width}"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": width, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()
