"""Every chart of the committed notebooks shows in a real, untrusted JupyterLab (headless Chromium), as a
reviewer meets them: JupyterLab on a free loopback port, no token, a fresh data folder (no stored trust)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from browser import browser_context, browser_or_skip, chart_outputs

from helpers import outputs, paths

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab(root: Path, home: Path):
    """A JupyterLab server on a free loopback port, serving ``root``, no token, every cell rendered, its app object
    exposed to the page (``window.jupyterapp``, as JupyterLab's own UI tests have it). Yields a function that waits
    until the server answers and returns its URL, so that a browser can start meanwhile."""
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    port = free_port()
    # A fresh data folder: no stored signatures, so the notebook opens untrusted, as a reviewer meets it.
    env = {**os.environ, **{f"JUPYTER_{k}_DIR": str(home / k.lower()) for k in ("CONFIG", "RUNTIME", "DATA")}}
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "server.log"  # a file, not a pipe nobody reads: a full pipe would stall the server
    with log.open("wb") as err:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"

    def answering() -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                return url
            if server.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"JupyterLab does not answer: {log.read_text(errors='replace')[-2000:]}")

    try:
        yield answering
    finally:
        server.terminate()
        server.wait(timeout=20)


LAB_COUNTRY = "JP"
LAB_SOURCE = "notebooks/security.ipynb"  # a source notebook, as a researcher opens it
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]+\)")
# The chart images a notebook panel shows: loaded, with a size
_SHOWN = """(panel) => [...document.querySelectorAll('#' + panel + ' .jp-OutputArea img')]
              .filter(i => i.complete && i.naturalWidth > 0).length"""


# Table cells as an untrusted JupyterLab lays them out: words from the left, numbers to the right
_MISALIGNED = """(panel) => [...document.querySelectorAll('#' + panel + ' .jp-OutputArea td')]
              .filter(td => getComputedStyle(td).textAlign !== (td.classList.contains('num') ? 'right' : 'left'))
              .map(td => td.textContent).slice(0, 5)"""


def expected_images(nb) -> int:
    """Chart outputs, and charts a Markdown output links (the summary's key charts)."""
    linked = sum(
        len(_MARKDOWN_IMAGE.findall(o["data"]["text/markdown"]))
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    )
    return len(chart_outputs(nb)) + linked


def test_committed_notebooks_show_every_chart_in_untrusted_jupyterlab(tmp_path):
    """Every notebook opens at once in one JupyterLab page, so that their kernels start together; then each tab is
    brought to the front in turn, as a reviewer does, and checked once its kernel shows Idle."""
    folder = paths.ROOT / outputs.executed_notebook(LAB_COUNTRY, "x")
    notebooks = [p.relative_to(paths.ROOT).as_posix() for p in sorted(folder.parent.glob("*.ipynb"))]
    expected = {Path(p).name: expected_images(nbformat.read(paths.ROOT / p, as_version=4)) for p in notebooks}
    assert sum(expected.values()) > 0
    browser_or_skip()
    shown, modified, misaligned = {}, {}, {}
    with jupyterlab(paths.ROOT, tmp_path / "lab") as answering, browser_context(tmp_path, 1280) as context:
        page = context.new_page()  # Chromium has started while JupyterLab did
        page.goto(f"{answering()}/lab?reset", wait_until="load")
        page.wait_for_function("() => window.jupyterapp")
        panels = page.evaluate(
            """async (paths) => {
                 const app = window.jupyterapp;
                 await app.restored;
                 const open = path => app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
                 return (await Promise.all(paths.map(open))).map(panel => panel.id);
               }""",
            [*notebooks, LAB_SOURCE],
        )
        for path, panel in zip([*notebooks, LAB_SOURCE], panels):
            name = Path(path).name
            page.click(f'.lm-DockPanel-tabBar .lm-TabBar-tab[data-id="{panel}"]')
            if path == LAB_SOURCE:
                page.wait_for_selector(f"#{panel} .jp-Cell", timeout=90_000)
            else:
                shown[name] = charts_shown(page, panel, expected[name])
                misaligned[name] = page.evaluate(_MISALIGNED, panel)
            modified[path] = opened_modified(page, panel, name)
    assert shown == expected, "charts shown by an untrusted JupyterLab (name: count) differ from the outputs"
    assert not any(misaligned.values()), f"table cells of words set right or of numbers set left: {misaligned}"
    assert not any(modified.values()), f"notebooks JupyterLab marks as modified on opening: {modified}"


def charts_shown(page, panel: str, expected: int) -> int:
    """The chart images a notebook panel shows, once it shows the ``expected`` number (or after 30 s)."""
    page.wait_for_selector(f"#{panel} .jp-OutputArea-output", timeout=90_000)
    # JupyterLab shows the first 50 outputs of a cell and a button for the rest; a reviewer clicks it
    for _ in range(20):
        more = page.query_selector(f"#{panel} .jp-TrimmedOutputs")
        if more is None:
            break
        more.click()
    with contextlib.suppress(Exception):  # too few: the caller's assertion reports the count
        page.wait_for_function(f"([panel, n]) => ({_SHOWN})(panel) >= n", arg=[panel, expected], timeout=30_000)
    return page.evaluate(_SHOWN, panel)


def opened_modified(page, panel: str, name: str) -> bool:
    """Once the kernel has connected (its metadata is then set), is the notebook's tab marked as unsaved?"""
    page.wait_for_selector(f'#jp-main-statusbar [title="Change kernel for {name}"]:has-text("| Idle")', timeout=60_000)
    return page.query_selector(f'.lm-TabBar-tab[data-id="{panel}"].jp-mod-dirty') is not None
