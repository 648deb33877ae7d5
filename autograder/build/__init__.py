"""``autograder build``: master notebooks -> release + solution notebooks and answer keys.

    from autograder.build import build_labs
    report = build_labs(labs=["lab0_example"], root=Path("."))
    assert report.ok

One lab (``build_lab``): validate the master, run it in record mode (and again
without its hidden tests) to make the key, make the release with nbgrader's
preprocessors and the token table, run the master with every token to make the
solution notebook, verify. ``build_labs`` writes nothing until every lab asked
for has built and verified, then replaces each output atomically.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import nbformat

from autograder.atomic import stage
from autograder.build.errors import BuildError
from autograder.build.execute import ExecutedNotebook, execute_notebook
from autograder.build.key import auto_points, build_key, check_record_run
from autograder.build.release import make_release, strip_hidden_tests
from autograder.build.solution import make_solution, token_table
from autograder.build.validate import validate_source
from autograder.build.verify import verify_no_leaks, verify_release, verify_solution

__all__ = ["BuildError", "BuildReport", "LabBuild", "build_lab", "build_labs", "execute_notebook",
           "ExecutedNotebook", "lab_paths", "list_labs", "notebook_text", "key_text"]

TIMEOUT = 600.0  # seconds per cell
JOBS = 2  # kernels one build runs at once


@dataclass
class LabBuild:
    """One lab's outputs as file contents (nothing written yet)."""
    lab: str
    release: str
    solution: str
    key: str
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


def list_labs(root: Path) -> list[str]:
    """Lab names: every ``labs/source/<lab>.ipynb``, sorted."""
    return sorted(p.stem for p in (Path(root) / "labs" / "source").glob("*.ipynb"))


def lab_paths(root: Path, lab: str) -> dict[str, Path]:
    """Where the master and the three outputs of ``lab`` live under ``root``."""
    labs = Path(root) / "labs"
    return {"source": labs / "source" / f"{lab}.ipynb", "release": labs / "release" / f"{lab}.ipynb",
            "solution": labs / "solution" / f"{lab}.ipynb", "key": labs / "keys" / f"{lab}.json"}


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The file contents nbformat writes, with a final newline."""
    return nbformat.writes(nb) + "\n"


def key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, indent=1, ensure_ascii=False) + "\n"


def build_lab(lab: str, *, root: Path = Path("."), verify: bool = True, timeout: float = TIMEOUT,
              jobs: int = JOBS, log: Callable[[str], None] = print) -> LabBuild:
    """Build one lab in memory; raise ``BuildError`` naming the lab, cell and fix if it cannot be built.

    The kernel runs of each phase are independent, so up to ``jobs`` of them
    run at once: the two record runs, then the solution run and the two
    verification runs.
    """
    start = time.perf_counter()
    path = lab_paths(root, lab)["source"]
    if not path.exists():
        folder = path.parent.resolve()
        found = ", ".join(list_labs(root)) or "none"
        raise BuildError(lab, f"no master notebook {path.name} in {folder} (masters there: {found})",
                         f"check the lab name, create {path}, or point at another repository with "
                         "`autograder --root DIR build ...` (DIR holds labs/source/)")
    source = nbformat.read(path, as_version=4)
    validate_source(source, lab)
    run = dict(timeout=timeout, cwd=path.parent)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        full, stripped = _results(pool.submit(execute_notebook, source, mode="record", **run),
                                  pool.submit(execute_notebook, strip_hidden_tests(source), mode="record", **run))
        check_record_run(lab, source, full)
        key = build_key(lab, source, full, stripped)
        hidden = sum(c["hidden"] for c in key["checks"].values())
        manual = sum(m["points"] for m in key["manual"].values())
        log(f"{lab}: key: {len(key['checks'])} checks ({hidden} hidden) in {len(key['blocks'])} blocks, "
            f"{auto_points(key):g} auto + {manual:g} manual points "
            f"(record runs {full.seconds:.1f} s + {stripped.seconds:.1f} s)")

        visible = token_table(key, hidden=False)
        release = make_release(source, lab, visible)
        if verify:
            verify_no_leaks(lab, source, release, key)
        tasks = [pool.submit(make_solution, source, lab, key, **run)]
        if verify:
            tasks += [pool.submit(execute_notebook, source, mode="grade", **run),
                      pool.submit(verify_release, lab, release, key, **run)]
        solution, *checked = _results(*tasks)
    log(f"{lab}: release: {len(visible)} tokens; solution run {solution.seconds:.1f} s")
    if verify:
        verify_solution(lab, source, key, solution, graded=checked[0])
        total = auto_points(key)
        log(f"{lab}: verified: solution {total:g}/{total:g}, release 0/{total:g}, no leaks")
    return LabBuild(lab=lab, release=notebook_text(release), solution=notebook_text(solution.nb),
                    key=key_text(key), seconds=time.perf_counter() - start)


def _results(*futures: Future) -> list[Any]:
    """Every future's result, in order, after all have finished (the first failure is raised)."""
    wait(futures)
    return [f.result() for f in futures]


def build_labs(*, labs: list[str] | None = None, root: Path = Path("."), verify: bool = True,
               timeout: float = TIMEOUT, jobs: int = JOBS, log: Callable[[str], None] = print) -> BuildReport:
    """Build ``labs`` (default: every master in ``root/labs/source``); write only if all of them build."""
    report = BuildReport()
    names = labs or list_labs(root)
    if not names:
        log(f"no master notebooks in {Path(root) / 'labs' / 'source'}")
    for lab in names:
        try:
            report.built.append(build_lab(lab, root=root, verify=verify, timeout=timeout, jobs=jobs, log=log))
        except BuildError as error:
            report.errors[lab] = error
            print(f"error: {error}", file=sys.stderr)
        except Exception as error:  # a kernel that died or a cell that timed out: report it as this lab's error
            fix = (f"make every cell finish within {timeout:g} s in the fast profile" if "Timeout" in type(error).__name__
                   else "run the master in Jupyter with SEQLABS_PROFILE=fast to see why")
            report.errors[lab] = BuildError(lab, f"{type(error).__name__}: {str(error).strip()[:500]}", fix)
            print(f"error: {report.errors[lab]}", file=sys.stderr)
    if report.errors:
        log(f"build failed for {', '.join(report.errors)}: nothing written")
        return report
    staged = [(lab_paths(root, b.lab)[kind], getattr(b, kind)) for b in report.built
              for kind in ("release", "solution", "key")]
    for target, changed in zip((t for t, _ in staged), _write_all(staged)):
        (report.written if changed else report.unchanged).append(target)
    for built in report.built:
        log(f"{built.lab}: built in {built.seconds:.1f} s")
    for target in report.written:
        log(f"wrote {target}")
    if report.unchanged:
        log(f"unchanged: {', '.join(str(t) for t in report.unchanged)}")
    return report


# Wall-clock durations a notebook prints ("2 epochs in 4 s", "0m 3s", "time=0m04s", "12.5 ms"):
# like execution timestamps, they differ between two runs of the same source.
# Leading blanks go with the number, so right-aligned columns of different widths compare equal.
DURATION = re.compile(r" *\b(?:\d+m ?\d+s|\d+(?:\.\d+)?\s?(?:ms|s|sec|min))\b")


def same_apart_from_timings(old: str, new: str) -> bool:
    """Whether two built files differ at most in the wall-clock durations they print.

    A rebuild of an unchanged source then rewrites nothing, as the issue asks
    ("byte-identical apart from execution timestamps").
    """
    return old == new or DURATION.sub("<duration>", old) == DURATION.sub("<duration>", new)


def _write_all(files: list[tuple[Path, str]]) -> list[bool]:
    """Write every changed file to a temporary file beside it, then ``os.replace`` them all.

    Returns, per file, whether it changed. If writing any temporary file fails,
    none is replaced and the temporary files are removed.
    """
    changed = [not (t.exists() and same_apart_from_timings(t.read_text(encoding="utf-8"), text)) for t, text in files]
    temps: list[tuple[Path, Path]] = []
    try:
        for (target, text), change in zip(files, changed):
            if change:
                temps.append((stage(target, text), target))
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in temps:
        os.replace(tmp, target)
    return changed
