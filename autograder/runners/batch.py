"""Drive a whole grading run: load the lab, grade submissions concurrently, resume, write."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat

from autograder.core import aio
from autograder.core.conditions import Conditions, describe_recorded
from autograder.core.lab import instructor_folders, lab_folder, lab_paths, strip_hidden_tests
from autograder.core.atomic import write_atomic
from autograder.kernel import fence
from autograder.report import outputs
from autograder.grade.discover import discover
from autograder.core.folder_lock import FolderLock
from autograder.runners.progress import Progress
from autograder.grade.submission import Lab
from autograder.runners import local
from autograder.i18n.languages import masters_by_language

logger = logging.getLogger(__name__)

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


def load_lab(lab: str, root: Path, conditions: Conditions = Conditions()) -> Lab:
    """The lab's master and its key for ``conditions``; ``ValueError`` naming the mismatch and the fix when
    no key was built for them."""
    source_path, key_path = (lab_paths(root, lab, conditions)[kind] for kind in ("source", "key"))
    if not source_path.is_file():
        raise FileNotFoundError(f"lab {lab!r}: missing {source_path} (the master notebook; check --lab and --root)")
    if not key_path.is_file():
        built = ", ".join(f"{p.name} ({describe_recorded(_recorded(p))})"
                          for p in sorted(lab_folder(root, "key").glob(f"{lab}.*json"))) or "none"
        raise ValueError(f"lab {lab!r}: no answer key for {conditions.describe()} ({key_path} is missing; "
                         f"keys built: {built}): build one with `{conditions.build_command(lab)}`")
    key = json.loads(key_path.read_text(encoding="utf-8"))
    recorded = _recorded(key_path)
    if not conditions.same_as_key(recorded):
        raise ValueError(f"lab {lab!r}: {key_path} was built for {describe_recorded(recorded)}, not for "
                         f"{conditions.describe()}: rebuild it with `{conditions.build_command(lab)}`")
    digest = hashlib.sha256(key_path.read_bytes() + source_path.read_bytes()
                            + f"{conditions.profile}:{conditions.data}:{GRADER_VERSION}".encode()).hexdigest()
    source = nbformat.read(source_path, as_version=4)
    in_languages = {lang: (nb, strip_hidden_tests(nb)) for lang, nb in masters_by_language(root, lab, source).items()}
    return Lab(name=lab, source=source, released=strip_hidden_tests(source), key=key, key_hash=digest,
               conditions=conditions, hide=instructor_folders(root), languages=in_languages)


def _recorded(key_path: Path) -> dict[str, Any]:
    """The conditions a key file records (``{}`` when it records none: a key of format 1, or unreadable)."""
    try:
        key = json.loads(key_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return key.get("conditions", {}) if isinstance(key, dict) else {}


def ignored_shell_settings(conditions: Conditions) -> list[str]:
    """Notes on the grader's own ``SEQLABS_*`` settings, which never reach a graded kernel."""
    notes = []
    for var in sorted(v for v in os.environ if v.startswith("SEQLABS_") and os.environ[v].strip()):
        notes.append(f"{var}={os.environ[var]!r} in this shell is not passed to the graded kernels")
    if notes:
        notes.append(f"grading under {conditions.describe()} (the key's conditions; --profile and --data "
                     "choose another key)")
    return notes


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
    candidates = {Path(s.path).parent.resolve() for s in subs} | {out.resolve()}
    return sorted(p for p in candidates if not any(p == n or p in n.parents for n in needed))


def _check_writable(out: Path) -> None:
    """Fail before grading, not after hours of it, when ``out`` cannot take files."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / ".write-probe", "")
        (out / ".write-probe").unlink()
    except OSError as err:
        raise OSError(f"cannot write into the output folder {out}: {err.strerror or err}; "
                      "choose another --out") from None


def grade_submissions(*, lab: str, submissions: list[Path], out: Path, root: Path = Path("."),
                      conditions: Conditions = Conditions(), workers: int | None = None,
                      timeout: float | None = None, memory_mb: int = 4096, unfenced: bool = False,
                      release: list[str] = (), scheduler: str | None = None, tls: Path | None = None,
                      dashboard: bool = False, replace_earlier: bool = False) -> GradeRun:
    """Grade ``submissions`` (.ipynb files or folders of them) for ``lab`` into ``out``.

    ``workers`` kernels run at once (default: the number of cores); ``timeout``
    is the wall-clock limit in seconds for running one notebook's cells,
    counted from its kernel being ready (default by profile:
    ``conditions.TIME_LIMIT_S``); ``memory_mb`` the memory limit per kernel
    (address space, and resident size of its process tree). Every kernel runs
    under ``conditions`` (profile and data; default ``fast`` on the embedded
    data), with the key built for them; the grader's own ``SEQLABS_*``
    environment never reaches a kernel. Asked for conditions no key was built
    for, it refuses before running any kernel, naming the build command.
    A re-run into the same ``out`` takes every submission whose content, key,
    source, conditions and limits are unchanged from ``out/.grade-cache/``.
    Kernels run fenced (``autograder.kernel.fence``); where this host cannot
    fence them the grade is refused unless ``unfenced`` (then they run with a
    partial fence, and the grader says so). ``release`` names students whose
    blocks held for review (``autograder.grade.holds``) get their marks.
    ``scheduler`` (``tcp://HOST:PORT`` or ``local:N``) runs the kernels on a Dask
    cluster instead (``autograder.runners.cluster``; ``workers`` is then unused):
    this process still restores, judges and writes, and the key stays here;
    ``tls`` is the folder of certificates for a ``tls://`` scheduler, and each
    worker, not this host, must be able to fence (``cluster_check``);
    ``dashboard`` prints the scheduler's dashboard link.
    Returns ``GradeRun`` with ``ok`` false only when the grader itself failed
    (missing key, unwritable ``out``, a kernel that would not start): a
    notebook that loops, crashes or cheats still gets its row. Outputs are
    written all at once or not at all (``atomic.replace_all``). One run at a
    time writes ``out`` (``folder_lock``: another is refused, naming the holder),
    and its gradebook keeps the students earlier runs graded there
    (``outputs.earlier_rows``), unless ``replace_earlier`` drops them (named in the log).
    """
    started = time.perf_counter()
    out = Path(out)
    timeout = timeout or conditions.time_limit_s
    refused = _fence_refusal(scheduler, conditions, unfenced)
    if refused:
        logger.error("%s", refused)
        return GradeRun(ok=False, out=out, error=refused)
    try:
        spec, subs, lock = _prepare(lab, submissions, out, Path(root), conditions, unfenced=unfenced,
                                    scheduler=scheduler, tls=tls)
    except (OSError, ValueError) as err:
        logger.error("%s", err)
        return GradeRun(ok=False, out=out, error=str(err))
    try:
        earlier, dropped = _earlier_rows(out, lab, spec, subs, conditions, replace_earlier)
    except ValueError as err:
        lock.release()
        logger.error("%s", err)
        return GradeRun(ok=False, out=out, error=str(err))
    cache = outputs.load_cache(out)
    progress = Progress(len(subs))
    write_s = 0.0
    try:
        todo = dict(subs=subs, lab=spec, timeout=timeout, memory_mb=memory_mb, cache=cache, out=out,
                    progress=progress, release=frozenset(release))
        if scheduler:
            from autograder.runners import cluster

            results, skipped = aio.run(cluster.grade_all(scheduler, tls=Path(tls) if tls else None,
                                                         dashboard=dashboard, **todo))
        else:
            results, skipped = aio.run(local.grade_all(workers=max(1, workers or os.cpu_count() or 1), **todo))
        t0 = time.perf_counter()
        outputs.write_all(out, lab=lab, key=spec.key, key_hash=spec.key_hash, conditions=spec.conditions,
                          results=results, released=spec.released, earlier=earlier, dropped=dropped)
        write_s = time.perf_counter() - t0
    except OSError as err:  # a full disk, a vanished or read-only folder: nothing was replaced
        why = (f"could not write the results into {out}: {err.strerror or err}"
               f"{f' ({err.filename})' if err.filename else ''}; no result file was overwritten. "
               f"Free space or fix the folder and run the same command again (finished submissions "
               f"are taken from {out / outputs.CACHE})")
        logger.error("%s", why)
        return GradeRun(ok=False, out=out, error=why, wall_s=time.perf_counter() - started)
    except Exception as err:  # the grader's own failure: say so, exit non-zero
        logger.error("the grader failed: %s: %s", type(err).__name__, err)
        return GradeRun(ok=False, out=out, error=f"{type(err).__name__}: {err}",
                        wall_s=time.perf_counter() - started, write_s=write_s)
    finally:
        progress.close()
        lock.release()
    results.sort(key=lambda r: r["student"])
    failed = [r["student"] for r in results if r["grader_failed"]]
    return GradeRun(ok=not failed and len(results) == len(subs), out=out, results=results,
                    skipped=skipped, error=f"the grader failed on {', '.join(failed)}" if failed else "",
                    wall_s=time.perf_counter() - started, write_s=write_s)


def _fence_refusal(scheduler: str | None, conditions: Conditions, unfenced: bool) -> str:
    """Why this host may not grade (``""``: it may). On a cluster the workers fence, and each one is checked
    (``cluster_check``) before it grades; ``unfenced`` grades anyway, saying so."""
    remote = bool(scheduler) and not scheduler.strip().startswith("local:")
    why = "" if remote else fence.available() or fence.path_problem(conditions.data_dir)
    if why and not unfenced:
        return (f"cannot fence the graded kernels in on this host: {why}. Grading untrusted code without "
                "the fence lets it read other submissions and write to the host; pass --unfenced "
                "(grade_submissions(unfenced=True)) to grade anyway")
    if unfenced:
        logger.warning("kernels run UNFENCED (--unfenced): submissions can read the host and each other")
    return ""


def _prepare(lab: str, submissions: list[Path], out: Path, root: Path, conditions: Conditions, *,
             unfenced: bool, scheduler: str | None, tls: Path | None) -> tuple[Lab, list, FolderLock]:
    """The lab, the submissions and the output folder's lock, or ``OSError``/``ValueError`` saying what is
    wrong, before any kernel runs."""
    if scheduler:
        from autograder.runners.cluster import check_tls

        check_tls(scheduler, Path(tls) if tls else None)  # a bad address fails before anything runs
    spec = load_lab(lab, root, conditions)
    subs = discover([Path(s) for s in submissions], lab=lab)
    _check_writable(out)
    spec = replace(spec, hide=[*spec.hide, *private_folders(subs, out, root=root)], fenced=not unfenced)
    return spec, subs, FolderLock(out)


def _earlier_rows(out: Path, lab: str, spec: Lab, subs: list, conditions: Conditions,
                  replace_earlier: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows earlier runs wrote into ``out`` that this run keeps (``outputs.earlier_rows``), logged."""
    earlier, dropped = outputs.earlier_rows(out, lab=lab, key_hash=spec.key_hash, conditions=conditions,
                                            students=[s.student for s in subs], replace=replace_earlier)
    if dropped:
        logger.warning("--replace: the gradebook in %s no longer lists %s (graded there earlier); their "
                       "feedback pages are removed", out, ", ".join(dropped))
    elif earlier:
        logger.info("%s already holds %d student(s) graded earlier; this run's rows join them",
                    out, len(earlier))
    for note in ignored_shell_settings(conditions):
        logger.info("%s", note)
    if not subs:
        logger.warning("no .ipynb submissions found")
    return earlier, dropped
