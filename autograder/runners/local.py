"""The local runner: grade a batch's submissions concurrently, ``workers`` kernels at a time, through the cache.

``grade_all`` drives one asyncio loop; each submission is looked up in ``out/.grade-cache/`` by the hash of
its bytes, else graded by ``grade`` (default ``grade_here``: ``submission.grade_one`` with a kernel on this
machine; ``cluster.grade_all`` passes one that sends the kernel to a Dask worker) and cached.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from autograder.grade import holds
from autograder.grade.discover import digest, read_regular
from autograder.grade.submission import grade_one
from autograder.report import outputs

logger = logging.getLogger(__name__)


@dataclass
class Graded:
    """What grading one submission gave ``grade_all``: its result, where its kernel ran, whether to cache it."""

    result: Any  # submission.Result
    where: str = ""  # the Dask worker that ran the kernel ("" on this machine)
    cache: bool = True  # False: a re-run into the same ``out`` grades it again


async def grade_here(sub, lab, *, timeout, memory_mb) -> Graded:
    return Graded(await grade_one(sub, lab, timeout=timeout, memory_mb=memory_mb))


async def grade_all(subs, lab, *, workers, timeout, memory_mb, cache, out, progress,
                    release=frozenset(), grade=grade_here) -> tuple[list[dict[str, Any]], int]:
    """Grade ``subs`` (``grade(sub, lab, timeout=, memory_mb=) -> Graded``), ``workers`` at once, through the cache.

    Returns ``(results, skipped)``: a result per submission, and how many came from the cache.
    """
    gate = asyncio.Semaphore(workers)
    settings = f"{timeout:g}s:{memory_mb}MiB"
    results: list[dict[str, Any]] = []
    skipped: list[str] = []

    async def one(sub) -> None:
        # Inside the gate, so that at most ``workers`` submissions' bytes are held at once; a cached
        # one holds its place for the look-up only.
        async with gate:
            try:
                data = None if sub.refused else read_regular(sub.path)
            except OSError:
                data = None  # grade_one reads it again and gives the row its reason
            hashed = "" if data is None else digest(data)
            ckey = outputs.cache_key(f"{hashed}:{settings}", lab.key_hash)
            if hashed and ckey in cache:
                r = {**cache[ckey], "student": sub.student, "path": str(sub.path)}
                r = holds.release(r) if sub.student in release else r
                results.append(r)
                skipped.append(sub.student)
                progress.update(sub.student, r["status"], r["score"], r["max_score"], cached=True)
                return
            graded = await grade(replace(sub, data=data), lab, timeout=timeout, memory_mb=memory_mb)
        result = graded.result.as_dict()
        t0 = time.perf_counter()
        # Cached under the hash of the bytes it graded (the bytes looked up: one read).
        graded_hash = result.get("content_hash", "")
        if graded_hash and graded.cache and not result["grader_failed"]:
            try:
                outputs.save_cached(out, outputs.cache_key(f"{graded_hash}:{settings}", lab.key_hash), result)
            except OSError as err:  # the batch goes on; only resuming loses this one
                logger.warning("could not cache %s's result: %s", sub.student, err)
        result["timings"]["cache_s"] = time.perf_counter() - t0
        result = holds.release(result) if sub.student in release else result
        results.append(result)
        progress.update(sub.student, result["status"], result["score"], result["max_score"], where=graded.where)

    await asyncio.gather(*(one(s) for s in subs))
    return results, len(skipped)
