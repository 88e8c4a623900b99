"""Running and publishing: builds of copies of the repository that succeed, fail, are interrupted or are cut
short, and what each leaves behind.

Every test works on a copy of the repository (the files git knows about, committed or not yet) in a temporary
folder, never on the working tree.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from repo_copy import SMALL_FIGURE, copy_env, make, run_build, snapshot, start_build, write_notebook

from helpers import build, notebook_files, paths, publish

pytestmark = pytest.mark.slow  # builds copies of the repository
ROOT = paths.ROOT


# --------------------------------------------------------------------------- running and publishing


def test_one_build_runs_notebooks_publishes_and_stays_current(repo):
    """Outputs land in their country's folders, reproducibly; unchanged inputs run nothing, an edited output runs."""
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    before = snapshot(repo)

    first = run_build(repo, "--country", "KR", "zz_ok")
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "a successful build printed to stderr"
    executed, figure = repo / "reports/KR/notebooks/zz_ok.ipynb", repo / "figures/KR/zz_ok.png"
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if k in before} == before, "other outputs changed"
    assert set(after) - set(before) == {"reports/KR/notebooks/zz_ok.ipynb", "figures/KR/zz_ok.png"}
    nb = nbformat.read(executed, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and injected[0].id == "injected-parameters"
    assert 'country = "KR"' in injected[0].source
    assert nb.metadata == notebook_files.kernel_metadata()
    assert all(set(c.metadata) <= {"tags"} for c in nb.cells)
    assert "site not updated: the outputs of JP, KR, US are not current" in first.stdout
    outputs = {p: p.read_bytes() for p in (executed, figure)}

    os.utime(repo / "data" / "toplines.csv")
    unchanged = run_build(repo, "--country", "KR", "zz_ok")
    assert "running" not in unchanged.stdout and "site not updated" in unchanged.stdout
    figure.write_bytes(b"edited")
    redone = run_build(repo, "--country", "KR", "zz_ok")
    assert "running 1 notebook(s) for KR" in redone.stdout
    assert {p: p.read_bytes() for p in outputs} == outputs, "a rebuild changed bytes"


def test_failing_notebook_changes_nothing(repo):
    notebooks = repo / "notebooks"
    write_notebook(notebooks / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    write_notebook(notebooks / "zz_raises.ipynb", "name = 'zz_raises'", SMALL_FIGURE, "{'a': 1}['b']", "print(1)")
    before = snapshot(repo)

    result = run_build(repo, "--country", "JP", "zz_ok", "zz_raises")

    assert result.returncode == 1
    assert "FAILED JP/zz_raises.ipynb: cell 4 (In [5]) `{'a': 1}['b']` raised KeyError: 'b'" in result.stderr
    assert "executed copy: build/failed/JP/zz_raises.ipynb" in result.stderr
    assert snapshot(repo) == before, "committed notebooks, figures or reports changed"
    assert "KeyError" in (repo / "build" / "failed" / "JP" / "zz_raises.ipynb").read_text(encoding="utf-8")
    assert not any((repo / "build" / "staging").iterdir())
    assert not (repo / "build" / "records" / "JP").exists()


# An IPython startup file for the build's kernels (their IPYTHONDIR is build/ipython/ of the checkout): it counts
# the kernels started, then the kernel leaves a file in its staging folder and exits before it replies to
# kernel_info, the first time only or every time.
DIE_AT_START = (
    "import os, pathlib\n"
    "folder = pathlib.Path(os.environ['IPYTHONDIR'])\n"
    "with open(folder / 'starts', 'a') as f:\n"
    "    f.write('start\\n')\n"
    "if {every_time} or not (folder / 'died').exists():\n"
    "    (folder / 'died').touch()\n"
    "    stray = pathlib.Path(os.environ['SURVEY_STAGING_DIR'], 'figures', 'JP', 'stray.png')\n"
    "    stray.parent.mkdir(parents=True, exist_ok=True)\n"
    "    stray.write_bytes(b'left by a kernel that died')\n"
    "    os._exit(1)\n"
)


def test_a_kernel_that_dies_before_running_anything_is_started_once_more(repo):
    """Two kernels started at once by two processes can be given the same port, and one dies at start
    (jupyter_client#154): its notebook gets a second kernel, and nothing of the first. A kernel that dies at every
    start fails the build after the second."""
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    ipython = repo / "build" / "ipython"
    startup = ipython / "profile_default" / "startup" / "00-die.py"
    startup.parent.mkdir(parents=True)
    startup.write_text(DIE_AT_START.format(every_time=True), encoding="utf-8")
    before = snapshot(repo)

    failed = run_build(repo, "--country", "JP", "zz_ok")
    assert failed.returncode == 1
    assert "FAILED JP/zz_ok.ipynb: RuntimeError: Kernel died before replying to kernel_info" in failed.stderr
    assert (ipython / "starts").read_text().splitlines() == ["start", "start"]
    assert snapshot(repo) == before

    startup.write_text(DIE_AT_START.format(every_time=False), encoding="utf-8")
    (ipython / "died").unlink()
    (ipython / "starts").unlink()
    result = run_build(repo, "--country", "JP", "zz_ok")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "a build that started a kernel again printed to stderr"
    assert "done   JP/zz_ok.ipynb" in result.stdout
    assert "its kernel died before running anything and was started again" in result.stdout
    assert (ipython / "starts").read_text().splitlines() == ["start", "start"]
    assert (repo / "figures" / "JP" / "zz_ok.png").is_file()
    assert not (repo / "figures" / "JP" / "stray.png").exists(), "a file of the kernel that died was published"


def test_a_notebook_that_breaks_its_own_source_fails_the_build_cleanly(repo):
    """An error while checking one finished notebook is that notebook's failure; no stray traceback."""
    write_notebook(repo / "notebooks" / "zz_gone.ipynb", "import os\nos.remove('zz_gone.ipynb')")
    write_notebook(repo / "notebooks" / "zz_slow.ipynb", "import time\ntime.sleep(2)")
    before = {k: v for k, v in snapshot(repo).items() if k != "notebooks/zz_gone.ipynb"}

    result = run_build(repo, "--country", "JP", "zz_gone", "zz_slow")

    assert result.returncode == 1
    assert "FAILED JP/zz_gone.ipynb: cannot check the executed notebook: FileNotFoundError" in result.stderr
    assert "Traceback" not in result.stderr and "Invalid file descriptor" not in result.stderr
    assert snapshot(repo) == before
    assert not [pid for pid in kernel_pids(repo) if not _is_zombie(pid)]


def test_inputs_edited_during_a_build_are_not_published(repo):
    write_notebook(
        repo / "notebooks" / "zz_edits.ipynb",
        "with open('../data/toplines.csv', 'a', encoding='utf-8') as f:\n    f.write('\\n')",
    )
    before = snapshot(repo)
    result = run_build(repo, "--country", "JP", "zz_edits")
    assert result.returncode == 1
    assert "inputs changed while the notebooks ran: data/toplines.csv" in result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_changes_nothing_and_stops_kernels(repo, signum):
    write_notebook(
        repo / "notebooks" / "zz_slow.ipynb", "name = 'zz_slow'", SMALL_FIGURE, "import time\ntime.sleep(120)"
    )
    before = snapshot(repo)
    process = start_build(repo, "--country", "JP", "zz_slow")
    deadline = time.monotonic() + 120
    while not list((repo / "build" / "staging").glob("*/JP/zz_slow/figures/JP/zz_slow.png")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the notebook did not start"
        time.sleep(0.2)
    kernels = kernel_pids(repo)
    assert kernels, "no kernel process found"
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "interrupted: notebooks stopped, staging discarded, committed files untouched" in stderr
    assert "Traceback" not in stderr
    time.sleep(0.5)
    assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists() and not _is_zombie(pid)]
    assert not any((repo / "build" / "staging").iterdir())
    assert snapshot(repo) == before


def test_ctrl_c_before_any_kernel_prints_no_traceback(repo):
    (repo / "build" / "build.lock").unlink(missing_ok=True)  # a copy may hold the lock file of an earlier build
    process = start_build(repo, "--country", "JP", "--force")
    while not (repo / "build" / "build.lock").exists():  # the runner has started (it validates data next)
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr


def kernel_pids(repo: Path) -> list[int]:
    """Processes started with the kernel environment of ``repo``."""
    found = []
    marker = f"MATPLOTLIBRC={repo / 'build' / 'matplotlibrc'}\0".encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if marker in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def adopt_committed_outputs(repo: Path) -> None:
    """Records saying the committed outputs are current (each country's files under its summary notebook)."""
    inputs = publish.digests(repo, build.input_files(repo) + sorted((repo / "notebooks").glob("*.ipynb")))
    for country in ("JP", "KR", "US"):
        for name in build.notebook_names(repo, None):
            files = [p for d in ("figures", "reports") for p in (repo / d / country).rglob("*") if p.is_file()]
            files = [p for p in files if p.parent.name != "notebooks"] + [
                repo / f"reports/{country}/notebooks/{name}.ipynb"
            ]
            files = files if name == "summary" else files[-1:]
            record = {"inputs": build.notebook_inputs(inputs, name), "outputs": publish.digests(repo, files)}
            publish.write_bytes_atomic(publish.record_path(repo, f"{country}/{name}"), json.dumps(record).encode())


def test_the_site_is_refused_while_a_country_is_stale_and_published_from_recorded_outputs_only(repo):
    refused = run_build(repo, "--site")
    assert refused.returncode == 1
    assert "site not updated: the outputs of JP, KR, US are not current" in refused.stdout
    assert snapshot(repo) == snapshot(repo) and not (repo / "build" / "records" / "site.json").exists()

    adopt_committed_outputs(repo)
    stray = repo / "reports" / "JP" / "notebooks" / "zz_moved_here.ipynb"  # e.g. moved in by a file browser
    shutil.copy(repo / "notebooks" / "security.ipynb", stray)
    published = run_build(repo, "--site")
    assert published.returncode == 0, published.stderr
    assert "published the report and the site" in published.stdout
    site = json.loads((repo / "build" / "records" / "site.json").read_text())["outputs"]
    assert "reports/site/index.html" in site and "reports/site/JP/summary.html" in site
    assert not [rel for rel in site if "zz_moved_here" in rel]
    assert check_runner(repo).returncode == 0

    (repo / "data" / "survey.yml").write_text((repo / "data" / "survey.yml").read_text() + "\n")
    stale = check_runner(repo)
    assert stale.returncode == 1 and "not current: JP, KR, US" in stale.stderr
    assert run_build(repo, "--site").returncode == 1


def check_runner(repo: Path) -> subprocess.CompletedProcess:
    return run_build(repo, "--check")


def test_a_publication_cut_short_is_completed_by_the_next_build_and_reported_until_then(repo):
    """`kill -9` during the moves: `make -q report` and `make test` say so; the next build completes it first."""
    staged = repo / "build" / "staging" / "run-killed" / "JP" / "zz" / "figures" / "JP"
    staged.mkdir(parents=True)
    for name in ("zz_a.png", "zz_b.png"):
        (staged / name).write_bytes(name.encode())
    journal = {
        "moves": [[str(staged / n), f"figures/JP/{n}"] for n in ("zz_a.png", "zz_b.png")],
        "remove": [],
        "records": {"build/records/JP/zz.json": "{}\n"},
        "run_dir": str(staged.parents[3]),
    }
    (repo / "build" / "publish.json").write_text(json.dumps(journal), encoding="utf-8")
    assert publish.apply_journal(repo, journal, limit=1) == 1  # killed after the first move

    query = make(repo, "-q", "report")
    assert query.returncode == 1 and "an interrupted publication is unfinished" in query.stderr
    test = make(repo, "test")
    assert test.returncode != 0 and "an interrupted publication is unfinished" in test.stderr

    result = run_build(repo, "--country", "XX")  # any build completes it first, even one that then fails
    assert "completed the publication of an interrupted build" in result.stdout
    assert [(repo / "figures/JP" / n).read_bytes() for n in ("zz_a.png", "zz_b.png")] == [b"zz_a.png", b"zz_b.png"]
    assert not (repo / "build" / "publish.json").exists() and not (repo / "build" / "staging" / "run-killed").exists()


def test_ctrl_c_during_publishing_finishes_it_and_says_so(tmp_path, monkeypatch):
    staged = tmp_path / "staged"
    staged.mkdir()
    moves = []
    for index in range(3):
        (staged / f"{index}.txt").write_text(str(index))
        moves.append([str(staged / f"{index}.txt"), f"figures/JP/{index}.txt"])
    real_replace = os.replace

    def replace(src, dst):  # Ctrl-C arrives after the first move
        real_replace(src, dst)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(publish.os, "replace", replace)
    interrupted = publish.publish(tmp_path, {"moves": moves, "remove": [], "records": {}, "run_dir": ""})
    assert interrupted is True
    assert [(tmp_path / f"figures/JP/{i}.txt").read_text() for i in range(3)] == ["0", "1", "2"]
    assert not (tmp_path / "build" / "publish.json").exists()


def test_a_second_build_of_the_checkout_refuses_with_a_message(repo):
    with publish.checkout_lock(repo):
        result = run_build(repo, "--country", "JP")
    assert result.returncode == 2
    assert "another build of this checkout is running" in result.stderr
    assert str(os.getpid()) in result.stderr


def test_disk_full_names_the_file_and_leaves_it_alone(tmp_path, monkeypatch):
    dest = tmp_path / "figures" / "JP" / "a.png"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"committed")

    def full(fd, mode):
        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish.os, "fdopen", full)
    with pytest.raises(publish.BuildError, match=rf"no space left on device while writing {re.escape(str(dest))}"):
        publish.write_bytes_atomic(dest, b"new")
    assert dest.read_bytes() == b"committed"
    assert [p.name for p in dest.parent.iterdir()] == ["a.png"]


def test_kernels_ignore_the_users_ipython_profile(repo, tmp_path):
    """A startup file in the user's IPython folder neither runs in the build's kernels nor shows in outputs."""
    startup = tmp_path / "user-ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-hello.py").write_text("print('from a startup file')\n", encoding="utf-8")
    write_notebook(repo / "notebooks" / "zz_ok.ipynb", "name = 'zz_ok'", SMALL_FIGURE)
    env = dict(copy_env(repo), IPYTHONDIR=str(startup.parents[1]))
    result = run_build(repo, "--country", "JP", "zz_ok", timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    executed = (repo / "reports" / "JP" / "notebooks" / "zz_ok.ipynb").read_text(encoding="utf-8")
    assert "saved zz_ok" in executed and "from a startup file" not in executed
