"""The build pipeline (``autograder build``): master notebooks -> release + solution notebooks and answer keys.

    from autograder.assign import build_labs
    report = build_labs(labs=["lab0_example"], root=Path("."))
    assert report.ok

One lab (``build_lab``): validate the master, run it in record mode (and again
without its hidden tests, if it has any, or if nothing is verified) to make the
key, make the release with nbgrader's preprocessors and the token table, run
the master with every token to make the solution notebook, verify (a grade-mode
run of the master, which is also the second run of a master without hidden
tests, and a run of the release). ``build_labs`` writes nothing until every lab asked
for has built and verified, then replaces each output atomically.
"""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import nbformat

from autograder.core.atomic import replace_all
from autograder.assign.errors import BuildError
from autograder.assign import in_languages
from autograder.assign.execute import execute_notebook
from autograder.assign.key import build_key, check_deterministic, check_record_run
from autograder.assign.release import make_release
from autograder.assign.solution import make_solution, token_table
from autograder.assign.stable import keep_committed, unchanged
from autograder.assign.validate import validate_source
from autograder.assign.verify import verify_no_leaks, verify_release, verify_solution
from autograder.core.conditions import Conditions
from autograder.core.lab import auto_points, lab_folder, lab_paths, list_labs, strip_hidden_tests
from autograder.core.tokens import TOKEN_KINDS

__all__ = ["BuildReport", "LabBuild", "build_lab", "build_labs"]

JOBS = 2  # kernels one build runs at once
logger = logging.getLogger(__name__)


@dataclass
class LabBuild:
    """One lab's outputs as file contents by path (nothing written yet)."""
    lab: str
    files: dict[Path, str]
    seconds: float = 0.0


@dataclass
class BuildReport:
    """What ``build_labs`` did: built labs, errors by lab, and the files it changed."""
    built: list[LabBuild] = field(default_factory=list)
    errors: dict[str, BuildError] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.built)


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The file contents nbformat writes, with a final newline."""
    return nbformat.writes(nb) + "\n"


def key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, indent=1, ensure_ascii=False) + "\n"


def build_lab(lab: str, *, root: Path = Path("."), conditions: Conditions = Conditions(), verify: bool = True,
              timeout: float | None = None, jobs: int = JOBS, log: Callable[[str], None] = logger.info,
              allow_incomplete: bool = False) -> LabBuild:
    """Build one lab in memory; raise ``BuildError`` naming the lab, cell and fix if it cannot be built.

    Every kernel runs under ``conditions`` (profile and data; default: ``fast``
    on the embedded data, the committed outputs). For the default conditions
    the result is the release, the solution and the key; for any other, only a
    key for those conditions (``Conditions.key_name``), whose exact checks must
    take the release's tokens (an exact check may not depend on the profile).
    The kernel runs of each phase are independent, so up to ``jobs`` of them
    run at once: the two record runs, then the solution run and the two
    verification runs.

    Under the default conditions the lab is also built in every language
    with a PO file for it (``autograder.assign.in_languages``); an incomplete
    one is a ``BuildError`` unless ``allow_incomplete``.
    """
    try:
        return _build_lab(lab, root=root, conditions=conditions, verify=verify, timeout=timeout, jobs=jobs, log=log,
                          allow_incomplete=allow_incomplete)
    except BuildError as error:
        error.lab = lab  # the steps name the cell and the fix; the lab is stamped here, once
        raise


def _build_lab(lab: str, *, root: Path, conditions: Conditions, verify: bool, timeout: float | None, jobs: int,
               log: Callable[[str], None], allow_incomplete: bool = False) -> LabBuild:
    start = time.perf_counter()
    paths = lab_paths(root, lab)
    path = paths["source"]
    if not path.exists():
        folder = path.parent.resolve()
        found = ", ".join(list_labs(root)) or "none"
        raise BuildError(f"no master notebook {path.name} in {folder} (masters there: {found})",
                         f"check the lab name, create {path}, or point at another repository with "
                         "`autograder --root DIR build ...` (DIR holds labs/source/)")
    source = nbformat.read(path, as_version=4)
    validate_source(source, lab)
    # Other languages: refused here, before any kernel, when a translation is not up to date.
    translated = (in_languages.plan(root, lab, source, allow_incomplete=allow_incomplete, log=log)
                  if conditions.is_default else [])
    run = dict(timeout=timeout or conditions.time_limit_s, cwd=path.parent)
    where = dict(profile=conditions.profile, data_dir=conditions.data_dir)
    key_path = paths["key"].with_name(conditions.key_name(lab))

    without_hidden = strip_hidden_tests(source)
    # The second record run (without the hidden tests) also shows that the values are deterministic. A
    # master without hidden tests would run the same code twice: the record run is made once, and the
    # verification's grade-mode run of the master is the second run (without verification there is none).
    no_hidden_tests = _same_code(source, without_hidden)
    rerun_in_verification = verify and no_hidden_tests
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        records = [pool.submit(execute_notebook, source, mode="record", **where, **run)]
        if not no_hidden_tests:
            records.append(pool.submit(execute_notebook, without_hidden, mode="record", **where, **run))
        full, *rest = _results(*records)
        stripped = rest[0] if rest else full
        check_record_run(source, full)
        key = _stable_key(lab, build_key(lab, source, full, stripped, conditions), root, conditions, key_path)
        hidden = sum(c["hidden"] for c in key["checks"].values())
        manual = sum(m["points"] for m in key["manual"].values())
        runs = (f"record run {full.seconds:.1f} s, no hidden tests" if no_hidden_tests
                else f"record runs {full.seconds:.1f} s + {stripped.seconds:.1f} s")
        log(f"{lab}: key ({conditions.describe()}): {len(key['checks'])} checks ({hidden} hidden) in "
            f"{len(key['blocks'])} blocks, {auto_points(key):g} auto + {manual:g} manual points ({runs})")

        visible = token_table(key, hidden=False)
        release = make_release(source, lab, visible)
        if verify:
            verify_no_leaks(source, release, key)
        localized = in_languages.releases(translated, lab, visible, release, key if verify else None)
        # Another profile's build writes its key alone: its solution run serves only the verification.
        tasks = [pool.submit(make_solution, source, lab, key, conditions=conditions, **run)
                 ] if conditions.is_default or verify else []
        if verify:
            tasks += [pool.submit(execute_notebook, source, mode="grade", **where, **run),
                      pool.submit(verify_release, release, key, conditions=conditions, **run)]
        in_language = [pool.submit(make_solution, t.master, lab, key, conditions=conditions, **run) for t in translated]
        solution, *checked = _results(*tasks) if tasks else (None,)
        solutions = dict(zip(localized, _results(*in_language)))
    log(f"{lab}: release: {len(visible)} tokens"
        + (f"; solution run {solution.seconds:.1f} s" if solution is not None else ""))
    if verify:
        if rerun_in_verification:
            check_deterministic(source, key["checks"], checked[0], conditions.profile)
        verify_solution(source, key, solution, graded=checked[0])
        total = auto_points(key)
        log(f"{lab}: verified: solution {total:g}/{total:g}, release 0/{total:g}, no leaks ({conditions.profile})")
        for language, run_in in solutions.items():
            in_languages.verify_solution(language, key, run_in)
    if localized:
        log(f"{lab}: built in {', '.join(localized)} too (same code cells, same key)")
    files = {key_path: key_text(key)}
    if conditions.is_default:
        files = {paths["release"]: notebook_text(release), paths["solution"]: notebook_text(solution.nb), **files,
                 **in_languages.files(root, lab, localized, {k: v.nb for k, v in solutions.items()}, notebook_text)}
    return LabBuild(lab=lab, files=files, seconds=time.perf_counter() - start)


def _stable_key(lab: str, key: dict[str, Any], root: Path, conditions: Conditions, key_path: Path) -> dict[str, Any]:
    """The fresh key with every committed entry that accepts its fresh value kept (``stable``).

    A key for other conditions than the default takes its exact checks' entries
    from the default key, so that the release's tokens and this key judge alike.
    """
    if not conditions.is_default:
        default = _committed_key(lab_paths(root, lab)["key"], Conditions())
        if default is None:
            raise BuildError(f"a key for {conditions.describe()} takes the release's tokens from "
                             f"{lab_paths(root, lab)['key']}, which is missing or out of date",
                             f"run `autograder build {lab}` first (the default conditions), then this command")
        key, kept = keep_committed(key, default, profile=conditions.profile, kinds=TOKEN_KINDS)
        differ = sorted(c for c, e in key["checks"].items() if e["kind"] in TOKEN_KINDS and c not in kept)
        if differ:
            raise BuildError(f"exact check(s) {', '.join(differ)} record values under {conditions.describe()} "
                             "that the release's tokens reject: an exact check must not depend on the profile or "
                             "the data", "compute the checked value from inputs no profile changes, or check it "
                             "with a bound (check_below/check_above) instead")
    key, _ = keep_committed(key, _committed_key(key_path, conditions), profile=conditions.profile,
                            data_dir=conditions.data_dir)
    return key


def _committed_key(path: Path, conditions: Conditions) -> dict[str, Any] | None:
    """The key at ``path`` if it is readable and was recorded under ``conditions``; else None."""
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    recorded = key.get("conditions") if isinstance(key, dict) else None
    if recorded is None and isinstance(key, dict) and key.get("format") == "seqlabs-key/1":
        recorded = {"profile": key.get("profile"), "data": "embedded"}  # format 1: fast on embedded data
    return key if isinstance(recorded, dict) and conditions.same_as_key(recorded) else None


def _same_code(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    """Do two notebooks hold the same cells, source for source?"""
    return [c.source for c in a.cells] == [c.source for c in b.cells]


def _results(*futures: Future) -> list[Any]:
    """Every future's result, in order, after all have finished (the first failure is raised)."""
    wait(futures)
    return [f.result() for f in futures]


def build_labs(*, labs: list[str] | None = None, root: Path = Path("."), conditions: Conditions = Conditions(),
               verify: bool = True, timeout: float | None = None, jobs: int = JOBS,
               log: Callable[[str], None] = logger.info, allow_incomplete: bool = False) -> BuildReport:
    """Build ``labs`` (default: every master in ``root/labs/source``) under ``conditions``;
    write only if all of them build."""
    report = BuildReport()
    names = labs or list_labs(root)
    if not names:
        log(f"no master notebooks in {lab_folder(root, 'source')}")
    for lab in names:
        try:
            report.built.append(build_lab(lab, root=root, conditions=conditions, verify=verify, timeout=timeout,
                                          jobs=jobs, log=log, allow_incomplete=allow_incomplete))
        except BuildError as error:
            report.errors[lab] = error
            logger.error("%s", error)
        except Exception as error:  # a kernel that died or a cell that timed out: report it as this lab's error
            limit = timeout or conditions.time_limit_s
            fix = (f"make every cell finish within {limit:g} s in the {conditions.profile} profile, or give the "
                   "build more time per cell with --timeout S" if "Timeout" in type(error).__name__
                   else f"run the master in Jupyter with SEQLABS_PROFILE={conditions.profile} to see why")
            report.errors[lab] = BuildError(f"{type(error).__name__}: {str(error).strip()[:500]}", fix, lab=lab)
            logger.error("%s", report.errors[lab])
    if report.errors:
        log(f"build failed for {', '.join(report.errors)}: nothing written")
        return report
    staged = [(target, text) for b in report.built for target, text in b.files.items()]
    for target, changed in zip((t for t, _ in staged), _write_all(staged)):
        (report.written if changed else report.unchanged).append(target)
    for built in report.built:
        log(f"{built.lab}: built in {built.seconds:.1f} s")
    for target in report.written:
        log(f"wrote {target}")
    if report.unchanged:
        log(f"unchanged: {', '.join(str(t) for t in report.unchanged)}")
    return report


def _write_all(files: list[tuple[Path, str]]) -> list[bool]:
    """Replace every changed file at once (``atomic.replace_all``); returns, per file, whether it changed."""
    changed = [not unchanged(t, text) for t, text in files]
    replace_all([f for f, change in zip(files, changed) if change])
    return changed
