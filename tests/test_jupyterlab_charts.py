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
    """A JupyterLab server on a free loopback port, serving ``root``, no token, every cell rendered."""
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
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


LAB_COUNTRY = "JP"
LAB_PANEL = ".jp-NotebookPanel"
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]+\)")


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
    folder = paths.ROOT / outputs.executed_notebook(LAB_COUNTRY, "x")
    notebooks = sorted(folder.parent.glob("*.ipynb"))
    expected = {p.name: expected_images(nbformat.read(p, as_version=4)) for p in notebooks}
    assert sum(expected.values()) > 0
    browser_or_skip()
    shown, modified = {}, {}
    with jupyterlab(paths.ROOT, tmp_path / "lab") as url, browser_context(tmp_path, 1280) as context:
        for path in notebooks:
            tab = context.new_page()  # and ?reset: a workspace holding this notebook alone
            tab.goto(f"{url}/lab/tree/{path.relative_to(paths.ROOT).as_posix()}?reset", wait_until="load")
            tab.wait_for_selector(f"{LAB_PANEL} .jp-OutputArea-output", timeout=90_000)
            # JupyterLab shows the first 50 outputs of a cell and a button for the rest; a reviewer clicks it
            for _ in range(20):
                more = tab.query_selector(f"{LAB_PANEL} .jp-TrimmedOutputs")
                if more is None:
                    break
                more.click()
            with contextlib.suppress(Exception):
                tab.wait_for_function(
                    """([panel, n]) => [...document.querySelectorAll(panel + ' .jp-OutputArea img')]
                         .filter(i => i.complete && i.naturalWidth > 0).length >= n""",
                    arg=[LAB_PANEL, expected[path.name]],
                    timeout=30_000,
                )
            shown[path.name] = tab.evaluate(
                """(panel) => [...document.querySelectorAll(panel + ' .jp-OutputArea img')]
                     .filter(i => i.complete && i.naturalWidth > 0).length""",
                LAB_PANEL,
            )
            modified[path.name] = opened_modified(tab)
            tab.close()
        source = context.new_page()  # a source notebook, as a researcher opens it
        source.goto(f"{url}/lab/tree/notebooks/security.ipynb?reset", wait_until="load")
        source.wait_for_selector(LAB_PANEL, timeout=90_000)
        modified["notebooks/security.ipynb"] = opened_modified(source)
    assert shown == expected, "charts shown by an untrusted JupyterLab (name: count) differ from the outputs"
    assert not any(modified.values()), f"notebooks JupyterLab marks as modified on opening: {modified}"


def opened_modified(tab) -> bool:
    """Once the kernel has connected (its metadata is then set), is the notebook marked as unsaved?"""
    with contextlib.suppress(Exception):
        tab.wait_for_function("() => document.body.textContent.includes('| Idle')", timeout=30_000)
    return bool(tab.evaluate("() => document.querySelectorAll('.jp-mod-dirty').length"))
