#!/usr/bin/env python3
"""Benchmark the report build (run by `make bench`, with the environment's Python).

On a copy of the repository (the files git knows about) in a temporary folder, time:

1. a full rebuild: ``make report COUNTRY=.. FORCE=1`` (the runner, every notebook of the country);
2. the naive way: the ``papermill`` command once per notebook, one after another,
   writing to a temporary folder (1 and 2 alternated, ``--repeat`` times, best kept);
3. a no-op ``make report`` (best and worst of 5), and one after touching inputs
   without changing them (the runner compares digests and runs nothing).

and print the seconds and the ratio full / naive (targets: ratio <= 0.40, no-op < 0.5 s).
With ``--tests``, time ``make test`` on such a copy instead (target: under 60 s on 2 cores), with the
CPU seconds it used and its slowest test files.
The three are measured in the same run, on the same machine load. The environment is
taken as it is (``make -o``): the benchmark never remakes it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.paths import KERNEL_NAME, copy_checkout  # the kernel is registered by `make env`

ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 0.40
NOOP_TARGET_S = 0.5
TEST_TARGET_S = 60.0


def children_cpu() -> float:
    """CPU seconds of finished child processes (and theirs): the work, whatever the machine's load."""
    try:
        import resource
    except ImportError:  # not on Windows
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], **kwargs) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--country", default="JP")
    parser.add_argument("--repeat", type=int, default=3, help="full and naive runs, alternated (best is kept)")
    parser.add_argument("--tests", action="store_true", help="time `make test` instead of the build")
    args = parser.parse_args(argv)
    if args.tests:
        return bench_tests(args.jobs)

    venv = Path(sys.prefix)
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        copy = Path(tmp) / "repo"
        copy_checkout(ROOT, copy)
        notebooks = sorted((copy / "notebooks").glob("*.ipynb"))
        env = dict(os.environ, PYTHONPATH=str(copy / "src"))
        env.pop("SURVEY_STAGING_DIR", None)
        base = [
            "make",
            "--no-print-directory",
            "-C",
            str(copy),
            "-o",
            f"{venv}/.installed",
            f"COUNTRY={args.country}",
            f"JOBS={args.jobs}",
            f"VENV={venv}",
        ]
        # The notebooks only (report-country), against the naive loop that runs the notebooks only; the no-op
        # is timed on `make report`, which also checks the site.
        notebooks_only, make = [*base, "report"], [*base, "report"]

        print(
            f"{len(notebooks)} notebooks, country {args.country}, {args.jobs} at a time, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
            if hasattr(os, "getloadavg")
            else ""
        )
        # The naive way: one papermill process per notebook, one after another. Outputs the
        # notebooks write go to a staging folder, as in the runner.
        out = Path(tmp) / "naive"
        out.mkdir()
        naive_env = dict(env, SURVEY_STAGING_DIR=str(out / "staging"))

        def naive_loop() -> float:
            started = time.perf_counter()
            for nb in notebooks:
                timed(
                    [
                        str(venv / "bin" / "papermill"),
                        "--no-progress-bar",
                        "-k",
                        KERNEL_NAME,
                        "-p",
                        "country",
                        args.country,
                        str(nb),
                        str(out / nb.name),
                    ],
                    env=naive_env,
                    cwd=copy / "notebooks",
                )
            return time.perf_counter() - started

        # Alternated, best of --repeat each: the machine's other load weighs on both alike.
        fulls, naives = [], []
        for _ in range(args.repeat):
            cpu = children_cpu()
            fulls.append(timed([*notebooks_only, "FORCE=1"], env=env))
            print(
                f"full rebuild (make report FORCE=1)       : {fulls[-1]:6.2f} s  ({children_cpu() - cpu:.1f} CPU-s)",
                flush=True,
            )
            cpu = children_cpu()
            naives.append(naive_loop())
            print(
                f"naive (papermill CLI per notebook):   {naives[-1]:6.2f} s  ({children_cpu() - cpu:.1f} CPU-s)",
                flush=True,
            )
        full, naive = min(fulls), min(naives)

        noops = [timed(make, env=env) for _ in range(5)]
        print(f"no-op make report (best/worst of 5):  {min(noops):6.3f} / {max(noops):.3f} s", flush=True)
        touched = []
        for _ in range(3):
            for name in ("data/toplines.csv", "src/helpers/charts/__init__.py"):
                os.utime(copy / name)
            touched.append(timed(make, env=env))
        print(
            f"make report after touching inputs, contents unchanged (best/worst of 3): "
            f"{min(touched):.3f} / {max(touched):.3f} s",
            flush=True,
        )

    ratio = full / naive
    print()
    print(
        f"ratio full / naive (best of {args.repeat} each): {ratio:.2f}  "
        f"(target <= {RATIO_TARGET:.2f}: {'met' if ratio <= RATIO_TARGET else 'NOT met'})"
    )
    print(
        f"no-op: {max(noops):.3f} s  (target < {NOOP_TARGET_S} s: {'met' if max(noops) < NOOP_TARGET_S else 'NOT met'})"
    )
    return 0


def bench_tests(jobs: int) -> int:
    """``make test`` on a copy of the repository: seconds, CPU seconds, and the slowest files."""
    import collections
    import re

    venv = Path(sys.prefix)
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        copy = Path(tmp) / "repo"
        copy_checkout(ROOT, copy)
        subprocess.run(["git", "init", "-q"], cwd=copy, check=True)  # the tests list a checkout's files with git
        subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
        env = dict(os.environ, PYTHONPATH=str(copy / "src"), PYTEST_ADDOPTS="--durations=0")
        env.pop("SURVEY_STAGING_DIR", None)
        command = ["make", "--no-print-directory", "-C", str(copy), "-o", f"{venv}/.installed", f"JOBS={jobs}"]
        cpu, started = children_cpu(), time.perf_counter()
        result = subprocess.run([*command, f"VENV={venv}", "test"], capture_output=True, text=True, env=env)
        seconds, used = time.perf_counter() - started, children_cpu() - cpu
    if result.returncode != 0:  # the failures, then the summary after the durations listed between them
        report, durations, summary = result.stdout.partition("slowest durations")
        tail = summary[-1500:] if durations else ""
        sys.exit(f"make test failed:\n{report[-12000:]}\n{tail}\n{result.stderr[-2000:]}")
    by_file: collections.Counter = collections.Counter()
    for line in result.stdout.splitlines():
        match = re.match(r"([\d.]+)s (?:setup|call|teardown)\s+(\S+?)::", line)
        if match:
            by_file[match.group(2)] += float(match.group(1))
    print(f"{os.cpu_count()} CPUs, {jobs} workers; slowest files (seconds of their tests):")
    for name, total in by_file.most_common(8):
        print(f"  {total:6.1f}  {name}")
    verdict = "met" if seconds < TEST_TARGET_S else "NOT met"
    print(f"make test: {seconds:.1f} s, {used:.0f} CPU-s  (target < {TEST_TARGET_S:.0f} s: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
