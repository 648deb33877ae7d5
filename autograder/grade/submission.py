"""Grade one submission: scratch copy -> restore -> scan -> run in grade mode -> judge."""
from __future__ import annotations

import functools
import os
import shutil
import stat
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Iterator

from autograder.core.conditions import Conditions
from autograder.notebook.judge import judge_events
from autograder.core.lab import auto_points
from autograder.core.messages import ENV as LANGUAGE_ENV, notebook_language, use_language
from autograder.grade import holds
from autograder.kernel import sandbox
from autograder.grade.discover import Submission, digest, read_regular
from autograder.grade.restore import Restored, restore
from autograder.grade.scan import scan
from autograder.grade.which_lab import wrong_lab

# What the scratch copy of a submission's folder leaves out: other notebooks, hidden
# folders, and anything that would shadow the packages the lab imports.
SHADOWING = {"autograder", "autograder.py", "seqlabs", "seqlabs.py"}
COPY_BUDGET = (200, 50 << 20)  # files, bytes: a folder bigger than this is copied only up to it
STATUS = {"ok": "graded", "timeout": "timeout", "memory": "error", "died": "error", "error": "error"}

# The steps of grading one notebook, in the order ``grade_one`` runs them (the function each calls), each
# with why it comes where it does (docs/architecture.md, "Grade", numbers them with the batch's steps around
# them; tests/test_grading_steps.py keeps this list and the code in one order).
STEPS = (
    ("read", "read_regular", "first, once: the bytes hashed (the cache key) are the bytes graded"),
    ("which lab", "wrong_lab", "before restoring, which would make any notebook look like this lab's"),
    ("restore", "restore", "before the scan and the run: only the source's locked and test cells are trusted"),
    ("scan", "scan", "after restoring, which tells the student's cells (the ones scanned) from the source's"),
    ("run", "run", "on the restored notebook, in a fenced kernel (here or on a Dask worker) that never sees the key"),
    ("judge", "judge_events", "after the run, in this process: the key stays here"),
    ("hold", "holds", "after judging: a held block keeps its judgement for the reviewer, at 0 marks"),
)


@dataclass
class Lab:
    """Everything about a lab the grader needs, read once per run."""

    name: str
    source: Any  # the master notebook (nbformat v4)
    released: Any  # the master without hidden tests (what a student's test cells look like)
    key: dict[str, Any]
    key_hash: str  # of the key, the source and the conditions together: any changing regrades
    conditions: Conditions  # what every kernel runs under: the key's profile and data
    hide: list[Path]  # folders the kernel must not see: labs/source, keys, solution; submissions; results
    fenced: bool = True  # run kernels in autograder.kernel.fence (False only when the instructor asks)
    # language -> (master, master without hidden tests) in that language (autograder.i18n): a submission's
    # locked cells come back in its own language; code cells are the same in every language
    languages: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def in_language(self, language: str) -> tuple[Any, Any]:
        """(master, released) in ``language``; the English ones for English or a language not built."""
        return self.languages.get(language, (self.source, self.released))

    @property
    def profile(self) -> str:
        return self.conditions.profile


@dataclass
class Result:
    """One submission's grade: a gradebook row plus everything the feedback shows."""

    student: str
    path: str
    status: str  # graded | held (blocks held for review: see autograder.grade.holds) | timeout | error
    detail: str
    score: float
    max_score: float
    blocks: dict[str, dict[str, Any]]  # block id -> BlockJudgement.as_dict() (+ "hidden" per check)
    manual: dict[str, dict[str, Any]]  # grade_id -> {"points", "status": "pending"}
    review: list[dict[str, Any]] = field(default_factory=list)  # scan flags
    restored: list[str] = field(default_factory=list)  # test cells put back ("q1_tests restored", ...)
    timings: dict[str, float] = field(default_factory=dict)
    content_hash: str = ""
    grader_failed: bool = False  # the grader, not the notebook, went wrong: never cached
    language: str = "en"  # the notebook's (metadata.seqlabs.language): its feedback and messages are in it

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def folder_files(folder: Path, *, skip: Iterable[Path] = ()) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to ``folder``) for what a kernel gets of the submission's folder.

    The data files a notebook reads, within ``COPY_BUDGET``: no notebooks, hidden
    files or folders, nothing that would shadow the lab's packages, and nothing
    under a folder of ``skip`` (the instructor's ``labs/`` folders, classmates'
    folders: ``Lab.hide`` less the submission's own folder).
    """
    skip = {Path(p).resolve() for p in skip} - {folder.resolve()}
    files, size = 0, 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SHADOWING
                             and (Path(dirpath) / d).resolve() not in skip)
        for name in sorted(filenames):
            if name.endswith(".ipynb") or name.startswith(".") or name in SHADOWING:
                continue
            src = Path(dirpath) / name
            try:
                st = src.lstat()
            except OSError:
                continue
            # Regular files only: copied by the grader (root), a link could bring the key into scratch,
            # and a FIFO or a device would hang the copy.
            if not stat.S_ISREG(st.st_mode):
                continue
            n = st.st_size
            if files + 1 > COPY_BUDGET[0] or size + n > COPY_BUDGET[1]:
                return
            files, size = files + 1, size + n
            yield src, src.relative_to(folder)


def scratch_copy(folder: Path, into: Path, *, skip: Iterable[Path] = ()) -> None:
    """Copy the submission's folder (data files a notebook reads) into ``into``: see ``folder_files``."""
    for src, rel in folder_files(folder, skip=skip):
        dest = into / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            dest.write_bytes(read_regular(src))  # a link or FIFO swapped in since the walk: skipped
        except OSError:
            continue


def _empty_blocks(lab: Lab, why: str) -> dict[str, dict[str, Any]]:
    judged = judge_events(lab.key, [], profile=lab.profile, data_dir=lab.conditions.data_dir)
    out = {}
    for block_id, judgement in judged.items():
        out[block_id] = _block_dict(lab, judgement)
        out[block_id]["error"] = why
    return out


def _block_dict(lab: Lab, judgement: Any) -> dict[str, Any]:
    data = judgement.as_dict()
    for cid, check in data["checks"].items():
        check["hidden"] = bool(lab.key["checks"].get(cid, {}).get("hidden", False))
    return data


def _manual(lab: Lab) -> dict[str, dict[str, Any]]:
    return {gid: {"points": float(spec.get("points", 0)), "status": "pending"}
            for gid, spec in lab.key.get("manual", {}).items()}


def max_score(lab: Lab) -> float:
    return auto_points(lab.key)


# Runs the restored notebook's kernel and returns what it emitted: ``run_here`` on this
# machine, or ``autograder.runners.cluster`` on a Dask worker. It never sees the key.
Runner = Callable[[Submission, Restored], Awaitable[sandbox.Execution]]


async def run_here(sub: Submission, restored: Restored, *, lab: Lab, timeout: float,
                   memory_mb: int) -> sandbox.Execution:
    """Run ``restored`` in a fenced kernel on this machine, in a scratch copy of the submission's folder."""
    workdir = Path(tempfile.mkdtemp(prefix=f"seqlabs-{sub.student[:20]}-"))
    try:
        scratch_copy(sub.path.parent, workdir, skip=lab.hide)
        return await sandbox.execute(restored.nb.cells, workdir=workdir, restored=restored.cells,
                                     timeout=timeout, memory_mb=memory_mb,
                                     env={**sandbox.graded_kernel_env(lab.conditions),
                                          LANGUAGE_ENV: notebook_language(restored.nb)}, hide=lab.hide,
                                     fenced=lab.fenced)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def grade_one(sub: Submission, lab: Lab, *, timeout: float, memory_mb: int,
                    run: Runner | None = None) -> Result:
    """Grade ``sub``; anything the notebook does ends in a Result, never an exception.

    Restoring, scanning and judging happen here; ``run`` only runs the kernel
    (default ``run_here``).
    """
    timings: dict[str, float] = {}
    base = dict(student=sub.student, path=str(sub.path), score=0.0, max_score=max_score(lab),
                manual=_manual(lab), timings=timings)
    import nbformat  # here, not at the top: a Dask worker imports this module

    if getattr(sub, "refused", ""):  # a link or a special file: never opened (discover.refusal)
        return Result(**base, status="error", detail=sub.refused, blocks=_empty_blocks(lab, sub.refused))
    hashed = ""  # stays empty when the file cannot be read at all
    try:
        # One read (the batch's, or here): the bytes hashed are the bytes graded.
        data = sub.data if getattr(sub, "data", None) is not None else read_regular(sub.path)
        hashed = digest(data)
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as err:
        why = f"not a readable notebook: {type(err).__name__}: {str(err)[:200]}"
        return Result(**base, status="error", detail=why, blocks=_empty_blocks(lab, why), content_hash=hashed)

    why = wrong_lab(nb, lab.name, lab.source)
    if why:  # an honest wrong upload: said so, never run (it would look like tampering)
        return Result(**base, status="error", detail=why, blocks=_empty_blocks(lab, why), content_hash=hashed)
    if run is None:
        run = functools.partial(run_here, lab=lab, timeout=timeout, memory_mb=memory_mb)
    try:
        return await _grade_notebook(sub, lab, nb, hashed, base, run=run)
    except Exception as err:  # a notebook shaped like nothing we foresaw: its row says so, the batch goes on
        traceback.print_exc()
        why = f"the grader could not process this notebook: {type(err).__name__}: {str(err)[:200]}"
        return Result(**base, status="error", detail=why, blocks=_empty_blocks(lab, why), content_hash=hashed)


async def _grade_notebook(sub, lab, nb, hashed, base, *, run: Runner) -> Result:
    timings = base["timings"]
    t0 = time.perf_counter()
    language = notebook_language(nb)
    source, released = lab.in_language(language)
    restored = restore(source, nb, released=released)
    flags = scan(restored.nb.cells, skip=restored.cells)
    timings["restore_s"] = time.perf_counter() - t0
    execution = await run(sub, restored)
    timings["kernel_start_s"], timings["run_s"] = execution.kernel_start_s, execution.run_s

    t0 = time.perf_counter()
    with use_language(language):  # the verdicts' messages, in the submission's language
        judged = judge_events(lab.key, execution.events, profile=lab.profile, data_dir=lab.conditions.data_dir)
    blocks = {b: _block_dict(lab, j) for b, j in judged.items()}
    held = holds.holds(lab.key, execution)
    holds.apply(blocks, held)
    timings["judge_s"] = time.perf_counter() - t0

    detail = [execution.detail] if execution.detail else []
    if held:
        detail.append(f"held for review ({len(held)} block{'s' * (len(held) > 1)}): "
                      + next(iter(held.values()))[0][:200])
    if flags:
        detail.append("review: " + "; ".join(f"cell {f.cell} line {f.line}: {f.reason}" for f in flags[:3])
                      + (f" (+{len(flags) - 3} more)" if len(flags) > 3 else ""))
    return Result(
        **{**base, "score": float(sum(b["earned"] for b in blocks.values()))},
        status="held" if held and execution.status == "ok" else STATUS[execution.status], detail="; ".join(detail),
        blocks=blocks, review=[f.as_dict() for f in flags] + [{"cell": t.get("cell"), "line": 0,
                                                               "reason": f"{t['what']}: {t['detail']}"}
                                                              for t in execution.tampering[:20]],
        restored=restored.notes, content_hash=hashed,
        grader_failed=execution.status == "error", language=language,
    )
