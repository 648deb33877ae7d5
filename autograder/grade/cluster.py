"""Grade on a Dask cluster: the kernels run on workers, the key never leaves this process.

``autograder grade --scheduler tcp://HOST:PORT`` (a running ``dask scheduler``)
or ``--scheduler local:N`` (a ``LocalCluster`` of N worker processes, bound to
127.0.0.1, for this run only). Per submission, this process (the coordinator)
reads the notebook, restores the source's locked and test cells and scans the
student's cells, exactly as local grading does (``submission.grade_one``); it
then sends a worker a ``KernelJob``: the restored notebook's code cells (the
other cells as empty placeholders, so that cell numbers stay those of the
restored notebook), which of them were restored, the submission folder's data
files, the grading conditions (profile, data) and the limits. The worker runs them in the same fenced
kernel as local grading (``sandbox.execute``) and returns the kernel's
``Execution``: its events, status and errors. The coordinator judges them
against the key. Nothing of ``labs/keys``, ``labs/solution`` or the key's
values is ever sent; the hidden test cells travel as code inside the restored
notebook, because the kernel has to run them (``tests/test_grade_cluster.py``
inspects every byte this process writes to the cluster).

Faults: a worker that dies has its tasks rescheduled by Dask on the others; a
task whose workers died ``distributed.scheduler.allowed-failures`` + 1 times
(the scheduler's setting, default 3) becomes an ``error`` row saying so, left
out of the cache so that a re-run tries it again; results are cached as they
come, so a coordinator restarted into the same ``--out`` resumes.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import re
import shutil
import sys
import tempfile
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, AsyncIterator

from autograder import aio
from autograder.grade import sandbox
from autograder.grade.discover import Submission, read_regular
from autograder.grade.restore import Restored

logger = logging.getLogger(__name__)

LOCAL = re.compile(r"local:(\d+)")
ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}")
CONNECT_TIMEOUT = 30  # s to reach a scheduler started by hand
RESUBMIT_TRIES = 3  # a job whose answer the cluster lost (not a KilledWorker) is sent this often
IN_FLIGHT = 64  # submissions handed to the cluster at once, at least (each holds its notebook and data files)
# Local clusters hand a worker only as many tasks as it has threads: a worker that dies
# then takes down no queued bystander, and long kernels spread evenly. Their workers do not
# run Dask's statistical profiler (a sample every 10 ms): the work is in the kernels.
LOCAL_CONFIG = {"distributed.scheduler.worker-saturation": 1.0, "distributed.worker.profile.enabled": False}
USAGE = ("give a Dask scheduler address such as tcp://10.0.0.5:8786 (start one with `dask scheduler`), "
         "or local:N for N worker processes on this machine")


def parse_scheduler(text: str) -> tuple[str, Any]:
    """``("local", N)`` for ``local:N``, ``("address", text)`` for ``tcp://HOST:PORT``; ``ValueError`` otherwise."""
    text = text.strip()
    if m := LOCAL.fullmatch(text):
        if int(m.group(1)) < 1:
            raise ValueError(f"--scheduler {text!r}: a local cluster needs at least 1 worker: {USAGE}")
        return "local", int(m.group(1))
    if ADDRESS.fullmatch(text):
        return "address", text
    raise ValueError(f"--scheduler {text!r} is not a scheduler address: {USAGE}")


# ---- what travels to a worker, and what comes back -----------------------------------------

@dataclass(frozen=True)
class KernelJob:
    """Everything a worker needs to run one restored notebook, and nothing of the key."""

    label: str  # names the scratch folder (the student id, as local grading does)
    cells: tuple[dict[str, str], ...]  # restored notebook, code cells only: {"cell_type", "source"}
    restored: frozenset[int]  # indices of cells taken from the source: only their events count
    files: tuple[tuple[str, bytes], ...]  # the submission folder's data files (relative path, bytes)
    conditions: Any  # autograder.conditions.Conditions: the key's profile and data (a fingerprint, a path)
    timeout: float
    memory_mb: int
    fenced: bool  # run in autograder.grade.fence, as the coordinator's Lab says
    hide: tuple[str, ...]  # folders to cover in the kernel where they exist on the worker (paths only)
    versions: tuple[tuple[str, str], ...]  # the coordinator's; a worker with others refuses the job


@dataclass
class WorkerRun:
    """A worker's answer: what the kernel emitted, and which worker ran it."""

    execution: sandbox.Execution
    worker: str


class ClusterUnreachable(RuntimeError):
    """No scheduler answered at the address given (not an OSError: the grader's writes fail with those)."""


class WorkerMismatch(RuntimeError):
    """The worker's installation differs from the coordinator's: its kernels might not grade alike."""


@functools.lru_cache(maxsize=1)
def versions() -> tuple[tuple[str, str], ...]:
    """What must be the same on the coordinator and every worker: Python, torch, NumPy, and our own code.

    Our code is compared by the hash of every ``autograder`` and ``seqlabs``
    source file (a wheel and a checkout of the same commit agree), since what
    a kernel emits depends on the worker's copy of both.
    """
    import autograder
    import seqlabs

    code = hashlib.sha256()
    for package in (autograder, seqlabs):
        base = Path(package.__file__).resolve().parent
        for path in sorted(base.rglob("*.py")):
            code.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    found = [("python", "%d.%d" % sys.version_info[:2]), ("autograder+seqlabs code", code.hexdigest()[:16])]
    for package in ("torch", "numpy"):
        try:
            found.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            found.append((package, "missing"))
    return tuple(found)


def kernel_job(sub: Submission, restored: Restored, lab: Any, *, timeout: float, memory_mb: int) -> KernelJob:
    """The job for ``restored`` (made on the coordinator: reads the submission's folder)."""
    from autograder.grade.submission import folder_files

    cells = tuple({"cell_type": "code", "source": str(c.get("source", ""))} if c.get("cell_type") == "code"
                  else {"cell_type": str(c.get("cell_type", "markdown")), "source": ""}
                  for c in restored.nb.cells)
    files = []
    for src, rel in folder_files(sub.path.parent, skip=lab.hide):
        try:
            files.append((rel.as_posix(), read_regular(src)))
        except OSError:
            continue
    return KernelJob(label=sub.student[:20], cells=cells, restored=frozenset(restored.cells),
                     files=tuple(files), conditions=lab.conditions, timeout=timeout, memory_mb=memory_mb,
                     fenced=lab.fenced, hide=tuple(str(p) for p in lab.hide), versions=versions())


def _worker_own_labs() -> list[Path]:
    """A worker installed from a checkout has its own ``labs/``: its kernels must not read those either."""
    from autograder.lab import instructor_folders

    return [p for p in instructor_folders(Path(__file__).resolve().parents[2]) if p.is_dir()]


@functools.lru_cache(maxsize=4)
def _data_fingerprint(folder: str) -> str:
    from autograder.conditions import fingerprint

    return fingerprint(Path(folder))


def _check_data(conditions: Any) -> None:
    """A key built on real data grades only where the same data are, at the coordinator's path."""
    if conditions.data_dir is None:
        return
    try:
        here = _data_fingerprint(str(conditions.data_dir))
    except OSError as err:
        here = f"none ({err})"
    if here != conditions.data:
        raise WorkerMismatch(f"the data at {conditions.data_dir} on this worker are not the key's "
                             f"({conditions.data[:19]}; here: {here[:60]}): put the same data folder at the "
                             "same path on every worker (a shared file system)")


def run_job(job: KernelJob) -> WorkerRun:
    """On a worker: run the job's cells in a fenced kernel in a scratch folder; return what it emitted."""
    from distributed import get_worker

    mine = versions()
    if mine != job.versions:
        differ = ", ".join(f"{k} {dict(mine).get(k)} here, {v} on the coordinator"
                           for k, v in job.versions if dict(mine).get(k) != v)
        raise WorkerMismatch(f"this worker's installation differs from the coordinator's ({differ}): "
                             "install the same version on every worker (pip install -c constraints.txt .)")
    _check_data(job.conditions)
    workdir = Path(tempfile.mkdtemp(prefix=f"seqlabs-{job.label}-"))
    try:
        for rel, data in job.files:
            dest = (workdir / rel).resolve()
            if workdir.resolve() not in dest.parents:
                continue  # a path that would leave the scratch folder
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        execution = aio.run(sandbox.execute(
            [dict(c) for c in job.cells], workdir=workdir, restored=set(job.restored), timeout=job.timeout,
            memory_mb=job.memory_mb, env=sandbox.graded_kernel_env(job.conditions),
            hide=[Path(p) for p in job.hide] + _worker_own_labs(), fenced=job.fenced))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return WorkerRun(execution=execution, worker=get_worker().address)


# ---- the coordinator ------------------------------------------------------------------------

@asynccontextmanager
async def connect(scheduler: str) -> AsyncIterator[Any]:
    """An asynchronous ``distributed.Client`` for ``scheduler`` (starting a ``LocalCluster`` for ``local:N``)."""
    import dask
    from distributed import Client, LocalCluster

    kind, value = parse_scheduler(scheduler)
    if kind == "local":
        with dask.config.set(LOCAL_CONFIG):
            async with LocalCluster(n_workers=value, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address="127.0.0.1:0", memory_limit=0, asynchronous=True) as local:
                async with Client(local, asynchronous=True) as client:
                    yield client
        return
    try:
        client = await Client(value, asynchronous=True, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as err:
        raise ClusterUnreachable(f"could not reach the Dask scheduler at {value} within {CONNECT_TIMEOUT} s "
                              f"({err}): is `dask scheduler` running there? ({USAGE})") from None
    async with client:
        yield client


async def grade_all(scheduler: str, *, grade_all, subs, lab, timeout, memory_mb, cache, out, progress,
                    release=frozenset()):
    """``batch._grade_all`` (passed in as ``grade_all``) with every kernel sent to the cluster at ``scheduler``."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    from autograder.grade.batch import Graded
    from autograder.grade.submission import grade_one

    async with connect(scheduler) as client:
        threads = sum((await client.nthreads()).values())
        if not threads:
            logger.info("no Dask worker at %s yet; the submissions wait for one", scheduler)

        async def remote(sub: Submission, lab: Any, *, timeout: float, memory_mb: int) -> Graded:
            seen: dict[str, Any] = {}

            async def run(sub: Submission, restored: Restored) -> sandbox.Execution:
                job = kernel_job(sub, restored, lab, timeout=timeout, memory_mb=memory_mb)
                for attempt in range(1, RESUBMIT_TRIES + 1):
                    future = client.submit(run_job, job, key=f"grade-{sub.student}-{uuid.uuid4().hex[:8]}",
                                           pure=False)
                    try:
                        answer: WorkerRun = await future
                    except KilledWorker as err:
                        seen["cache"] = False
                        return sandbox.Execution(
                            status="died", detail=f"every Dask worker that ran it died ({err.allowed_failures + 1}"
                            f" tries, the last on {err.last_worker.address}); not cached, a re-run tries again")
                    except WorkerMismatch as err:
                        return sandbox.Execution(status="error", detail=f"the Dask worker refused it: {err}")
                    except (Exception, FutureCancelledError) as err:  # the cluster's failure, not the notebook's
                        # (a result lost with its worker between running and reaching us): send it again
                        if attempt < RESUBMIT_TRIES:
                            continue
                        return sandbox.Execution(status="error", detail=f"the Dask cluster could not run it "
                                                 f"({attempt} tries): {type(err).__name__}: {str(err)[:300]}")
                    seen["where"] = answer.worker.split("://")[-1]
                    return answer.execution
                raise AssertionError("unreachable")

            result = await grade_one(sub, lab, timeout=timeout, memory_mb=memory_mb, run=run)
            return Graded(result, where=seen.get("where", ""), cache=seen.get("cache", True))

        return await grade_all(subs, lab, workers=max(IN_FLIGHT, 2 * threads), timeout=timeout,
                               memory_mb=memory_mb, cache=cache, out=out, progress=progress,
                               release=release, grade=remote)


__all__ = ["KernelJob", "WorkerRun", "WorkerMismatch", "connect", "grade_all", "kernel_job", "parse_scheduler",
           "run_job", "versions"]
