"""Build the report: run the notebooks whose inputs changed, for every country, then publish report and site at once.

Usage (normally through ``make report``)::

    python -m helpers.build [--root .] [--country JP] [--jobs 2] [--force] [NOTEBOOK ...]
    python -m helpers.build --site      # the site only, from current outputs
    python -m helpers.build --check     # exit 1 if anything is stale or a publication unfinished

* The repository is the folder the command runs in (``make`` runs it in its own folder),
  or ``--root``: never where the ``helpers`` package happens to be installed.
* Current by content, in one place: ``build/records/`` holds, per country and notebook,
  the digests of the inputs its outputs were made from and of every file it wrote
  (:mod:`helpers.publish`). A notebook is run when an input (data, ``src/helpers``,
  ``report.toml``, the notebook) or one of its outputs differs; the Makefile asks this
  module and keeps no staleness of its own. The site is re-rendered whenever a country's
  outputs change, and only when every country is current.
* Before any kernel starts: ``data/`` is validated, the official parameters of
  ``report.toml`` are checked (a bad value is blamed on report.toml) and compared with
  every source notebook's parameters cell (every differing default is named), the output
  folders must be real, writable folders of this checkout.
* Running: :func:`helpers.execute.run_jobs` (papermill per notebook, in worker
  processes), each kernel writing into its own staging folder and recording the values
  ``report.open_report`` used; a notebook that ran with other values than the official
  ones fails the build. Failed notebooks' executed copies go to ``build/failed/C/``.
* Publishing: only when every notebook succeeded and the inputs are unchanged, the
  outputs and the site (rendered by :func:`helpers.site.render_site` from the new
  outputs) are published together through one journal under the checkout's lock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import kinds, paths
from .build_checks import (
    absolute_paths_in_outputs,
    check_official_values,
    check_output_folders,
    check_source_parameters,
    official_parameters,
    run_record_problems,
    source_defaults,
)
from .execute import Job, kernel_env, run_jobs, skip_slow_optional_imports  # noqa: F401  (kernel_env: conftest)
from .notebook_files import INJECTED_TAG, normalize, notebook_bytes  # noqa: F401
from .publish import (
    BuildError,
    checkout_lock,
    complete_unfinished,
    current,
    digest,
    digests,
    publish,
    read_json,
    record_path,
    records,
    unfinished,
    write_bytes_atomic,
)

SITE_DIR = "reports/site"


def check_country_code(country: str) -> str:
    """``country`` if it is a country code (:func:`helpers.kinds.check_country_code`, the one check of the
    form); else a BuildError, worded for the command line."""
    try:
        return kinds.check_country_code(country)
    except ValueError:
        raise BuildError(f"country code {country!r} is not two capital letters (e.g. JP)") from None


def load_data(root: Path):
    """Validate ``data/`` with the loader; a BuildError carries its message."""
    from .data import load_survey_data

    try:
        return load_survey_data(root / "data")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"data/ does not validate, so no notebook was run and no output changed:\n{exc}") from None


def countries(root: Path) -> list[str]:
    """Country codes of the survey; remembered by survey.yml's digest, so a no-op build loads no data."""
    cache, survey = root / "build" / "countries.json", digest(root / "data" / "survey.yml")
    known = read_json(cache, {})
    if survey is not None and known.get("survey") == survey:
        return known["countries"]
    codes = [check_country_code(str(code)) for code in load_data(root).countries()]
    write_bytes_atomic(cache, json.dumps({"survey": survey, "countries": codes}).encode())
    return codes


def notebook_names(root: Path, requested: list[str] | None) -> list[str]:
    available = sorted(p.stem for p in (root / "notebooks").glob("*.ipynb"))
    names = []
    for item in requested or available:
        name = Path(item).stem
        if name not in available:
            raise BuildError(f"no notebook notebooks/{name}.ipynb (have: {', '.join(available) or 'none'})")
        names.append(name) if name not in names else None
    return names


def input_files(root: Path) -> list[Path]:
    """Every file a notebook's outputs depend on, besides the notebook itself."""
    files = [root / "data" / p.name for p in paths.DATA_FILES]
    helpers = root / "src" / "helpers"
    files += sorted(p for p in helpers.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [*files, root / "report.toml"]


def notebook_inputs(all_inputs: dict, name: str) -> dict:
    own = f"notebooks/{name}.ipynb"
    return {rel: value for rel, value in all_inputs.items() if not rel.startswith("notebooks/") or rel == own}


def site_inputs(all_inputs: dict, recs: dict) -> dict:
    """The site depends on data and code and on every country's published outputs."""
    shared = {rel: v for rel, v in all_inputs.items() if not rel.startswith("notebooks/")}
    return {"inputs": shared, "outputs": {k: r.get("outputs") for k, r in sorted(recs.items()) if k != "site"}}


class Build:
    """One build of a checkout: what is stale, running it, staging the site, one publication."""

    def __init__(self, root: Path, codes: list[str] | None = None, jobs: int = 2, out=None) -> None:
        self.root = Path(root).resolve()
        self.requested = [check_country_code(c) for c in codes or []]
        self.jobs = jobs
        self.out = out or sys.stdout
        self.moves: list[tuple[str, str]] = []
        self.remove: list[str] = []
        self.new_records: dict[str, dict] = {}
        self.site_only = False

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def countries(self) -> list[str]:
        known = countries(self.root)
        for code in self.requested:
            if code not in known:
                raise BuildError(
                    f"unknown country {code!r}: expected one of {', '.join(known)} "
                    "(the keys of countries: in data/survey.yml)"
                )
        return self.requested or known

    def stale(self, names: list[str], force: bool) -> tuple[dict, dict, list[tuple[str, str]], bool]:
        """(inputs, records, stale (country, notebook) pairs, site stale) by content."""
        names_all = notebook_names(self.root, None)
        inputs = digests(self.root, input_files(self.root) + [self.root / f"notebooks/{n}.ipynb" for n in names_all])
        recs = records(self.root)
        todo = [
            (c, n)
            for c in self.countries()
            for n in names
            if force or not current(self.root, recs.get(f"{c}/{n}"), notebook_inputs(inputs, n))
        ]
        site = bool(todo) or not current(self.root, recs.get("site"), site_inputs(inputs, recs))
        return inputs, recs, todo, site

    def unfinished_countries(self, inputs: dict, recs: dict) -> list[str]:
        """Countries whose outputs are not current (those this build is about to publish are)."""
        names = notebook_names(self.root, None)

        def fresh(key: str, name: str) -> bool:
            return key in self.new_records or current(self.root, recs.get(key), notebook_inputs(inputs, name))

        return [c for c in countries(self.root) if not all(fresh(f"{c}/{n}", n) for n in names)]

    def run(self, names: list[str] | None = None, force: bool = False, site_only: bool = False) -> int:
        (self.root / "build").mkdir(exist_ok=True)
        with checkout_lock(self.root):
            complete_unfinished(self.root, self.say)
            shutil.rmtree(self.root / "build" / "staging", ignore_errors=True)  # of killed builds (we hold the lock)
            inputs, recs, todo, site = self.stale(notebook_names(self.root, names), force and not site_only)
            self.site_only = site_only
            if site_only:
                todo = []
            if not todo and not site:
                self.say("report and site are up to date (inputs unchanged)")
                return 0
            run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self._mkdir("build/staging")))
            try:
                return self._build(todo, inputs, recs, run_dir)
            finally:
                shutil.rmtree(run_dir, ignore_errors=True)

    def _mkdir(self, rel: str) -> Path:
        (self.root / rel).mkdir(parents=True, exist_ok=True)
        return self.root / rel

    def _build(self, todo: list, inputs: dict, recs: dict, run_dir: Path) -> int:
        jobs = self._prepare(todo, run_dir)
        if jobs:
            started = time.monotonic()
            self.say(
                f"running {len(jobs)} notebook(s) for {', '.join(dict.fromkeys(j.country for j in jobs))}, "
                f"{min(self.jobs, len(jobs))} at a time"
            )
            official = official_parameters(self.root)
            run_jobs(self.root, jobs, self.jobs, lambda job: self._finished(job, run_dir, official))
            if not self._succeeded(jobs, inputs):
                return 1
            self.say(f"  {len(jobs)} notebook(s) in {time.monotonic() - started:.1f} s")
            self._stage_notebooks(jobs, inputs, recs, run_dir)
        recs = {**recs, **self.new_records}
        stale = self.unfinished_countries(inputs, recs)
        if stale:
            self.say(
                f"site not updated: the outputs of {', '.join(stale)} are not current "
                "(make report builds every country)"
            )
            if not jobs:
                return 1 if self.site_only else 0
        else:
            self._stage_site(inputs, recs, run_dir)
        interrupted = publish(self.root, self._journal(run_dir))
        self._after_publish(jobs)
        if interrupted:
            self.say("interrupted while publishing: the publication was completed first, report and site are new")
            return 130
        return 0

    def _prepare(self, todo: list, run_dir: Path) -> list[Job]:
        """Every check that can fail before a kernel starts; the jobs, longest first."""
        if not todo:
            return []
        data = load_data(self.root)
        official = official_parameters(self.root)
        check_official_values(self.root, official, data)
        names = list(dict.fromkeys(n for _, n in todo))
        problems = [p for n in names for p in check_source_parameters(self.root / f"notebooks/{n}.ipynb", official)]
        if problems:
            raise BuildError("\n".join(problems) + "\nno notebook was run and no output changed")
        check_output_folders(self.root, list(dict.fromkeys(c for c, _ in todo)))
        params = {k: v for k, v in official.items() if k != "country"}
        jobs = [
            Job(c, n, self.root / f"notebooks/{n}.ipynb", run_dir / c, self._declared(n, params, c)) for c, n in todo
        ]
        # Longest first (by the size of the last executed copy), so that no core idles at the end.
        return sorted(jobs, key=lambda job: -self._size(f"reports/{job.country}/notebooks/{job.name}.ipynb"))

    def _size(self, rel: str) -> int:
        return (self.root / rel).stat().st_size if (self.root / rel).is_file() else 0

    def _declared(self, name: str, official: dict, country: str) -> dict:
        declared = source_defaults(self.root / f"notebooks/{name}.ipynb")
        return {"country": country, **{k: v for k, v in official.items() if k in declared}}

    def _finished(self, job: Job, run_dir: Path, official: dict) -> None:
        """Read back a finished notebook, normalise it, check what it ran with and wrote (as the others run)."""
        import nbformat

        if job.error is None:
            try:
                nb = nbformat.read(job.executed, as_version=4)
                normalize(nb, nbformat.read(job.source, as_version=4))
                problems = absolute_paths_in_outputs(nb, [str(self.root), str(run_dir), tempfile.gettempdir() + "/"])
                problems += run_record_problems(job, official)
                job.error = "; ".join(problems) or None
                job.data = notebook_bytes(nb)
            except Exception as exc:  # e.g. the source notebook removed or broken during the run
                job.error = f"cannot check the executed notebook: {type(exc).__name__}: {exc}"
        again = "  (its kernel died before running anything and was started again)" if job.restarts else ""
        self.say(f"  {'done' if job.error is None else 'FAILED':6} {job.key}.ipynb  {job.seconds:.1f} s{again}")
        if job.error is not None and job.executed.is_file():
            failed = self.root / "build" / "failed" / job.country / f"{job.name}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(job.executed, failed)
            job.error += f"\n    executed copy: {failed.relative_to(self.root)}"

    def _succeeded(self, jobs: list[Job], inputs: dict) -> bool:
        problems = [f"{job.key}.ipynb: {job.error}" for job in jobs if job.error]
        problems += self._check_outputs(jobs) if not problems else []
        now = digests(self.root, [self.root / rel for rel in inputs])
        changed = [rel for rel, value in now.items() if value != inputs[rel]]
        if changed and not problems:
            problems.append(f"inputs changed while the notebooks ran: {', '.join(changed)} (run `make report` again)")
        for problem in problems:
            print(f"FAILED {problem}", file=sys.stderr, flush=True)
        if problems:
            print(
                "report not updated: committed notebooks, figures, summaries and site are unchanged",
                file=sys.stderr,
                flush=True,
            )
        return not problems

    def _check_outputs(self, jobs: list[Job]) -> list[str]:
        """Outputs must be under figures/C/ or reports/C/ (not reports/C/notebooks/), one notebook each."""
        problems, owner = [], {}
        for job in jobs:
            c = job.country
            files = sorted(p for p in job.staging.rglob("*") if p.is_file()) if job.staging.is_dir() else []
            for path in files:
                rel = path.relative_to(job.staging).as_posix()
                if not rel.startswith((f"figures/{c}/", f"reports/{c}/")) or rel.startswith(f"reports/{c}/notebooks/"):
                    problems.append(
                        f"{job.key}.ipynb wrote {rel}: outputs for {c} belong in figures/{c}/ or reports/{c}/"
                    )
                elif rel in owner:
                    problems.append(f"{rel} is written by both {owner[rel]}.ipynb and {job.name}.ipynb")
                else:
                    owner[rel] = job.name
                    job.outputs[rel] = digest(path)
        return problems

    def _stage(self, staged: Path, rel: str) -> None:
        self.moves.append((str(staged), rel))

    def _stage_notebooks(self, jobs: list[Job], inputs: dict, recs: dict, run_dir: Path) -> None:
        for job in jobs:
            for rel in job.outputs:
                self._stage(job.staging / rel, rel)
            rel = f"reports/{job.country}/notebooks/{job.name}.ipynb"
            write_bytes_atomic(run_dir / "notebooks" / rel, job.data)
            self._stage(run_dir / "notebooks" / rel, rel)
            job.outputs[rel] = digest(run_dir / "notebooks" / rel)
            previous = (recs.get(job.key) or {}).get("outputs") or {}
            self.remove += sorted(set(previous) - set(job.outputs))
            self.new_records[job.key] = {"inputs": notebook_inputs(inputs, job.name), "outputs": job.outputs}

    def _stage_site(self, inputs: dict, recs: dict, run_dir: Path) -> None:
        """Render the site from the outputs as they will be once published (only recorded files), into staging."""
        from .site import SiteError, render_site

        view = run_dir / "view"
        view.mkdir()
        (view / "data").symlink_to(self.root / "data", target_is_directory=True)
        staged = {rel: Path(path) for path, rel in self.moves}
        for key, record in recs.items():
            for rel in (record.get("outputs") or {}) if key != "site" else ():
                (view / rel).parent.mkdir(parents=True, exist_ok=True)
                if not (view / rel).exists():
                    os.link(staged.get(rel, self.root / rel), view / rel)
        try:
            files = render_site(view)
        except SiteError as exc:
            raise BuildError(f"site: {exc}; nothing was published") from None
        outputs = {}
        for rel, data in files.items():
            write_bytes_atomic(run_dir / "site" / rel, data)
            self._stage(run_dir / "site" / rel, f"{SITE_DIR}/{rel}")
            outputs[f"{SITE_DIR}/{rel}"] = digest(run_dir / "site" / rel)
        self.remove += sorted(set((recs.get("site") or {}).get("outputs") or {}) - set(outputs))
        self.new_records["site"] = {"inputs": site_inputs(inputs, recs), "outputs": outputs}

    def _journal(self, run_dir: Path) -> dict:
        moves = [(path, rel) for path, rel in self.moves if digest(Path(path)) != digest(self.root / rel)]
        texts = {
            record_path(self.root, key).relative_to(self.root).as_posix(): json.dumps(rec, indent=1, sort_keys=True)
            + "\n"
            for key, rec in self.new_records.items()
        }
        return {"moves": moves, "remove": self.remove, "records": texts, "run_dir": str(run_dir)}

    def _after_publish(self, jobs: list[Job]) -> None:
        for rel in self.remove:
            self.say(f"  removed {rel} (the last build wrote it; nothing writes it now)")
        for job in jobs:
            (self.root / "build" / "failed" / job.country / f"{job.name}.ipynb").unlink(missing_ok=True)
        site = "and the site " if "site" in self.new_records else ""
        self.say(f"published the report {site}({len(self.moves)} file(s) checked, {len(self.remove)} removed)")


def check(root: Path, codes: list[str], journal_only: bool = False) -> int:
    """``make -q report`` / ``make test``: 0 when everything is current; else say what is not, 1."""
    root = Path(root).resolve()
    if unfinished(root):
        print(
            "an interrupted publication is unfinished (build/publish.json): the report and site may be half "
            "new; run `make report` to complete it",
            file=sys.stderr,
        )
        return 1
    if journal_only:
        return 0
    build = Build(root, codes)
    _, _, todo, site = build.stale(notebook_names(root, None), False)
    if todo or site:
        stale = ", ".join(dict.fromkeys(c for c, _ in todo)) or "the site"
        print(f"not current: {stale} (run `make report`)", file=sys.stderr)
        return 1
    return 0


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {value!r}")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.build", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names or paths (default: all in notebooks/)")
    parser.add_argument("--country", action="append", help="country code, repeatable (default: $COUNTRY, or all)")
    parser.add_argument("--jobs", "-j", type=_jobs, help="notebooks at a time (default: $JOBS, or the CPUs)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository to build (default: this folder)")
    parser.add_argument("--force", action="store_true", help="run the notebooks even if their inputs are unchanged")
    parser.add_argument("--site", action="store_true", help="publish the site only (every country must be current)")
    parser.add_argument("--check", action="store_true", help="exit 1 if anything is stale or unfinished")
    parser.add_argument("--check-journal", action="store_true", help="exit 1 if a publication is unfinished")
    parser.add_argument("--list-countries", action="store_true", help="validate data/ and print the country codes")
    args = parser.parse_args(argv)
    skip_slow_optional_imports()  # before anything imports nbformat (and with it jsonschema)
    if args.country is None and os.environ.get("COUNTRY"):
        args.country = [os.environ["COUNTRY"]]  # from make (COUNTRY=KR)
    if args.jobs is None:
        try:
            args.jobs = _jobs(os.environ.get("JOBS") or str(os.cpu_count() or 1))
        except argparse.ArgumentTypeError as exc:
            parser.error(f"JOBS {exc}")
    try:
        if args.list_countries:
            print("\n".join(countries(args.root.resolve())))
            return 0
        if args.check or args.check_journal:
            return check(args.root, args.country or [], journal_only=args.check_journal)
        return Build(args.root, args.country, args.jobs).run(args.notebooks, args.force, args.site)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: notebooks stopped, staging discarded, committed files untouched", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)  # worker processes were killed: do not wait for the pool's threads
    except OSError as exc:
        where = (
            "publication unfinished: run `make report` to complete it"
            if unfinished(args.root.resolve())
            else ("committed files were not changed")
        )
        print(f"error: {exc}; {where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
