"""Drive a whole grading run: load the lab, grade submissions concurrently, resume, write."""
from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat

from autograder.build.release import strip_hidden_tests
from autograder.mode import current_profile
from autograder.grade import outputs
from autograder.grade.discover import discover
from autograder.grade.progress import Progress
from autograder.grade.submission import Lab, grade_one

GRADER_VERSION = "1"  # bump to invalidate every cached result


@dataclass
class GradeRun:
    """What ``grade_submissions`` did. ``ok``: every submission got a result and the outputs were written."""

    ok: bool
    out: Path
    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # unchanged since the last run: taken from the cache
    error: str = ""  # why the grader itself failed
    wall_s: float = 0.0
    write_s: float = 0.0  # writing gradebook, results, feedback and JUnit at the end


def load_lab(lab: str, root: Path) -> Lab:
    source_path = root / "labs" / "source" / f"{lab}.ipynb"
    key_path = root / "labs" / "keys" / f"{lab}.json"
    missing = [str(p) for p in (source_path, key_path) if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"lab {lab!r}: missing {', '.join(missing)} (run `autograder build {lab}`)")
    key = json.loads(key_path.read_text(encoding="utf-8"))
    profile = current_profile()
    digest = hashlib.sha256(key_path.read_bytes() + source_path.read_bytes()
                            + f"{profile}:{GRADER_VERSION}".encode()).hexdigest()
    labs = (root / "labs").resolve()
    source = nbformat.read(source_path, as_version=4)
    return Lab(name=lab, source=source, released=strip_hidden_tests(source), key=key, key_hash=digest,
               profile=profile, hide=[labs / "source", labs / "keys", labs / "solution"])


def private_folders(subs, out: Path, *, root: Path) -> list[Path]:
    """The folders a graded kernel must not read besides the key: its classmates' and the results.

    Every submission's folder and the output folder, except a folder that holds
    something the kernel runs on: this Python installation, the temporary
    folder (where each kernel's scratch copy lives), the repository root, or
    the installed `autograder`/`seqlabs` packages. Hiding one of those would
    stop the kernel, not a student.
    """
    needed = [Path(sys.prefix), Path(tempfile.gettempdir()), root, Path(__file__).parents[1]]
    needed += [Path(spec.origin).parent for name in ("seqlabs",)
               if (spec := importlib.util.find_spec(name)) is not None and spec.origin]
    needed = [n.resolve() for n in needed]
    candidates = {s.path.parent.resolve() for s in subs} | {out.resolve()}
    return sorted(p for p in candidates if not any(p == n or p in n.parents for n in needed))


@dataclass
class Graded:
    """What grading one submission gave ``_grade_all``: its result, where its kernel ran, whether to cache it."""

    result: Any  # submission.Result
    where: str = ""  # the Dask worker that ran the kernel ("" on this machine)
    cache: bool = True  # False: a re-run into the same ``out`` grades it again


async def _grade_here(sub, lab, *, timeout, memory_mb) -> Graded:
    return Graded(await grade_one(sub, lab, timeout=timeout, memory_mb=memory_mb))


async def _grade_all(subs, lab, *, workers, timeout, memory_mb, cache, out, progress,
                     grade=_grade_here) -> list[dict]:
    """Grade ``subs`` (``grade(sub, lab, timeout=, memory_mb=) -> Graded``), ``workers`` at once, through the cache."""
    gate = asyncio.Semaphore(workers)
    settings = f"{timeout:g}s:{memory_mb}MiB"
    results: list[dict] = []
    skipped: list[str] = []

    async def one(sub) -> None:
        try:
            digest = hashlib.sha256(sub.path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        ckey = outputs.cache_key(f"{digest}:{settings}", lab.key_hash)
        if digest and ckey in cache:
            r = {**cache[ckey], "student": sub.student, "path": str(sub.path)}
            results.append(r)
            skipped.append(sub.student)
            progress.update(sub.student, r["status"], r["score"], r["max_score"], cached=True)
            return
        async with gate:
            graded = await grade(sub, lab, timeout=timeout, memory_mb=memory_mb)
        result = graded.result.as_dict()
        t0 = time.perf_counter()
        if digest and graded.cache and not result["grader_failed"]:
            outputs.save_cached(out, ckey, result)
        result["timings"]["cache_s"] = time.perf_counter() - t0
        results.append(result)
        progress.update(sub.student, result["status"], result["score"], result["max_score"], where=graded.where)

    await asyncio.gather(*(one(s) for s in subs))
    return results, len(skipped)


def grade_submissions(*, lab: str, submissions: list[Path], out: Path, root: Path = Path("."),
                      workers: int | None = None, timeout: float = 600.0,
                      memory_mb: int = 4096, scheduler: str | None = None) -> GradeRun:
    """Grade ``submissions`` (.ipynb files or folders of them) for ``lab`` into ``out``.

    ``workers`` kernels run at once (default: the number of cores); ``timeout``
    is the wall-clock limit in seconds for running one notebook's cells (counted
    from its kernel being ready); ``memory_mb`` the memory limit per kernel
    (address space, and resident size of its process tree). The grading
    profile is ``$SEQLABS_PROFILE`` (default ``class``), passed to the kernels.
    A re-run into the same ``out`` takes every submission whose content, key,
    source, profile and limits are unchanged from ``out/.grade-cache/``.
    ``scheduler`` (``tcp://HOST:PORT`` or ``local:N``) runs the kernels on a Dask
    cluster instead (``autograder.grade.cluster``; ``workers`` is then unused):
    this process still restores, judges and writes, and the key stays here.
    Returns ``GradeRun`` with ``ok`` false only when the grader itself failed
    (missing key, unwritable ``out``, a kernel that would not start): a
    notebook that loops, crashes or cheats still gets its row.
    """
    started = time.perf_counter()
    out = Path(out)
    try:
        if scheduler:
            from autograder.grade.cluster import parse_scheduler

            parse_scheduler(scheduler)  # a bad address fails before anything runs
        spec = load_lab(lab, Path(root))
        subs = discover([Path(s) for s in submissions], lab=lab)
        out.mkdir(parents=True, exist_ok=True)
        spec = replace(spec, hide=[*spec.hide, *private_folders(subs, out, root=Path(root))])
    except (OSError, ValueError) as err:
        print(f"autograder grade: {err}", file=sys.stderr)
        return GradeRun(ok=False, out=out, error=str(err))
    if not subs:
        print("autograder grade: no .ipynb submissions found", file=sys.stderr)
    cache = outputs.load_cache(out)
    progress = Progress(len(subs))
    write_s = 0.0
    try:
        todo = dict(subs=subs, lab=spec, timeout=timeout, memory_mb=memory_mb, cache=cache, out=out,
                    progress=progress)
        if scheduler:
            from autograder.grade import cluster

            results, skipped = asyncio.run(cluster.grade_all(scheduler, grade_all=_grade_all, **todo))
        else:
            results, skipped = asyncio.run(_grade_all(workers=max(1, workers or os.cpu_count() or 1), **todo))
        t0 = time.perf_counter()
        outputs.write_all(out, lab=lab, key=spec.key, key_hash=spec.key_hash, profile=spec.profile,
                          results=results)
        write_s = time.perf_counter() - t0
    except Exception as err:  # the grader's own failure: say so, exit non-zero
        print(f"autograder grade: the grader failed: {type(err).__name__}: {err}", file=sys.stderr)
        return GradeRun(ok=False, out=out, error=f"{type(err).__name__}: {err}",
                        wall_s=time.perf_counter() - started, write_s=write_s)
    finally:
        progress.close()
    results.sort(key=lambda r: r["student"])
    failed = [r["student"] for r in results if r["grader_failed"]]
    return GradeRun(ok=not failed and len(results) == len(subs), out=out, results=results,
                    skipped=skipped, error=f"the grader failed on {', '.join(failed)}" if failed else "",
                    wall_s=time.perf_counter() - started, write_s=write_s)
