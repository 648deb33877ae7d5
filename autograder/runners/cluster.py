"""Grade on a Dask cluster: the kernels run on workers, the key never leaves this process.

``autograder grade --scheduler tcp://HOST:PORT`` (a running ``dask scheduler``),
``--scheduler tls://HOST:PORT --tls DIR`` (the same with mutual TLS: only a
holder of the certificates in ``DIR``, made by ``autograder cluster certs DIR``,
can connect; ``cluster_tls``) or ``--scheduler local:N`` (a ``LocalCluster`` of
N worker processes, bound to 127.0.0.1, with TLS certificates made for this run
only, in memory). Per submission,
this process (the coordinator) reads the notebook, restores the source's
locked and test cells and scans the student's cells, exactly as local grading
does (``submission.grade_one``); it then sends a worker a ``KernelJob``: the
restored notebook's code cells (the other cells as empty placeholders, so
that cell numbers stay those of the restored notebook), which of them were
restored, the submission folder's data files, the grading conditions
(profile, data) and the limits. The worker runs them in the same fenced
kernel as local grading (``sandbox.execute``) and returns the kernel's
``Execution``: its events, status and errors. The coordinator judges them
against the key. Nothing of ``labs/keys``, ``labs/solution`` or the key's
values is ever sent; the hidden test cells travel as code inside the restored
notebook, because the kernel has to run them (``tests/test_grade_cluster.py``
inspects every byte this process writes to the cluster).

Before it submits anything, the coordinator asks every worker whether it can
fence its kernels, which versions of the labs' libraries it has and which
data it sees (``cluster_check``), prints one line per worker, and refuses to
grade if one of them may not; a worker that joins later is checked the same
way when it appears, and checks itself again on every job.

Faults: a worker that dies has its tasks rescheduled by Dask on the others; a
task whose workers died ``distributed.scheduler.allowed-failures`` + 1 times
(the scheduler's setting, default 3) becomes an ``error`` row saying so,
counted as the grader's failure (not cached, the exit status non-zero) so
that a re-run tries it again. A lost scheduler, or a worker that refuses a
job, stops the whole batch at once (``ClusterFailed``: non-zero exit, no
outputs replaced, nothing in flight cached). Results are cached as they come,
so the same command run again (against a working scheduler) grades exactly
the submissions that have no result yet.
"""
from __future__ import annotations

import asyncio
import logging
import re
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from autograder.core import aio
from autograder.runners import cluster_check, local
from autograder.kernel import sandbox
from autograder.grade.discover import Submission, read_regular
from autograder.grade.restore import Restored

logger = logging.getLogger(__name__)

LOCAL = re.compile(r"local:(\d+)")
ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}")
CONNECT_TIMEOUT = 30  # s to reach a scheduler started by hand (and to reconnect to one, before giving up)
CLOSE_TIMEOUT = 10  # s to close the client: a scheduler that is gone must not hold the exit
RESUBMIT_TRIES = 3  # a job whose answer the cluster lost (not a KilledWorker) is sent this often
IN_FLIGHT = 64  # submissions handed to the cluster at once, at least (each holds its notebook and data files)
TICK = 1.0  # s between two looks at the cluster (new workers, a lost scheduler)
ASK_S = 5.0  # s a question to the scheduler may take while we wait for workers (then: is it still there?)
PROGRESS_EVERY = 60.0  # s between two "cluster:" progress lines (and whenever the number of workers changes)
# One task per worker thread: a worker that dies then takes down no queued bystander, and long
# kernels spread evenly. Dask queues only "root-ish" tasks of one group: every job's key is
# ("grade", ...), one group. Local clusters' workers do not run Dask's statistical profiler (a
# sample every 10 ms): the work is in the kernels. A remote scheduler needs the same settings
# (docs/instructor-guide.md, "Grade on a cluster").
LOCAL_CONFIG = {"distributed.scheduler.worker-saturation": 1.0, "distributed.worker.profile.enabled": False}
USAGE = ("give a Dask scheduler address such as tls://10.0.0.5:8786 with --tls DIR (start one with `dask "
         "scheduler`; tcp://HOST:PORT without TLS), or local:N for N worker processes on this machine")


def parse_scheduler(text: str) -> tuple[str, Any]:
    """``("local", N)`` for ``local:N``, ``("address", text)`` for ``tcp://`` or ``tls://HOST:PORT``;
    ``ValueError`` otherwise."""
    text = text.strip()
    if m := LOCAL.fullmatch(text):
        if int(m.group(1)) < 1:
            raise ValueError(f"--scheduler {text!r}: a local cluster needs at least 1 worker: {USAGE}")
        return "local", int(m.group(1))
    if ADDRESS.fullmatch(text):
        return "address", text
    raise ValueError(f"--scheduler {text!r} is not a scheduler address: {USAGE}")


def check_tls(scheduler: str, tls: Path | None) -> None:
    """``ValueError`` when the address and ``--tls`` disagree (a tls:// address needs the certificates)."""
    kind, value = parse_scheduler(scheduler)
    if kind == "local":
        if tls is not None:
            raise ValueError("--tls is for a scheduler at tls://HOST:PORT; a local:N cluster stays on 127.0.0.1")
        return
    if value.startswith("tls://"):
        if tls is None:
            raise ValueError(f"--scheduler {value} speaks TLS: give the certificates with --tls DIR "
                             "(made by `autograder cluster certs DIR`)")
        from autograder.runners.cluster_tls import security

        security(tls)  # missing files are named now, not after a connection attempt
    elif tls is not None:
        raise ValueError(f"--tls given, but --scheduler {value} is plain TCP: use tls://{value.split('://')[1]}")


# ---- what travels to a worker, and what comes back -----------------------------------------

@dataclass(frozen=True)
class KernelJob:
    """Everything a worker needs to run one restored notebook, and nothing of the key."""

    label: str  # names the scratch folder (the student id, as local grading does)
    cells: tuple[dict[str, str], ...]  # restored notebook, code cells only: {"cell_type", "source"}
    restored: frozenset[int]  # indices of cells taken from the source: only their events count
    files: tuple[tuple[str, bytes], ...]  # the submission folder's data files (relative path, bytes)
    conditions: Any  # autograder.core.conditions.Conditions: the key's profile and data (a fingerprint, a path)
    timeout: float
    memory_mb: int
    fenced: bool  # run in autograder.kernel.fence, as the coordinator's Lab says
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
    """The worker may not grade for this coordinator (fence, installation, data): the message says why."""


class ClusterFailed(RuntimeError):
    """The batch stopped: the scheduler was lost or a worker refused. What finished is cached."""


class _Stop(BaseException):
    """Raised inside a submission's grading to stop the batch. A ``BaseException``: ``grade_one`` turns any
    ``Exception`` into that submission's (cached) row, and a lost scheduler is no fault of the notebook."""


def versions() -> tuple[tuple[str, str], ...]:
    return cluster_check.versions()


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


def _data_dir(conditions: Any) -> str | None:
    return None if conditions.data_dir is None else str(conditions.data_dir)


def _worker_private() -> list[Path]:
    """Folders of this worker a kernel must not read: a checkout's ``labs/``, the worker's TLS certificates
    (with them, code could join the cluster). Never a folder that holds what the kernel runs on."""
    from autograder.core.lab import instructor_folders

    found = [p for p in instructor_folders(Path(__file__).resolve().parents[2]) if p.is_dir()]
    try:
        from distributed import get_worker

        sec = get_worker().security
        files = [sec.tls_ca_file, sec.tls_worker_cert, sec.tls_worker_key, sec.tls_client_cert, sec.tls_client_key]
    except (ImportError, ValueError, AttributeError):
        files = []
    needed = [Path(p).resolve() for p in (sys.prefix, tempfile.gettempdir(), Path(__file__).parents[1])]
    for f in files:
        if f and "\n" not in str(f) and Path(f).is_file():  # a path, not a certificate given inline
            folder = Path(f).resolve().parent
            if not any(folder == n or folder in n.parents for n in needed) and folder not in found:
                found.append(folder)
    return found


def run_job(job: KernelJob) -> WorkerRun:
    """On a worker: run the job's cells in a fenced kernel in a scratch folder; return what it emitted."""
    from distributed import get_worker

    data_dir = _data_dir(job.conditions)
    found = cluster_check.facts(fenced=job.fenced, data_dir=data_dir)
    if why := cluster_check.refusal(found, versions_wanted=job.versions, data_wanted=job.conditions.data,
                                    data_dir=data_dir):
        raise WorkerMismatch(f"the Dask worker {get_worker().address} refused the job: {why}")
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
            hide=[Path(p) for p in job.hide] + _worker_private(), fenced=job.fenced))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return WorkerRun(execution=execution, worker=get_worker().address)


# ---- the coordinator ------------------------------------------------------------------------

async def _within(awaitable: Any, seconds: float) -> Any:
    """``awaitable``'s result, or ``asyncio.TimeoutError`` after ``seconds``. Unlike ``asyncio.wait_for``, it
    does not then wait for the cancelled call to end: Dask's calls to a scheduler that is gone end only when
    the client gives up reconnecting (``CONNECT_TIMEOUT``)."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        raise asyncio.TimeoutError(f"no answer within {seconds:g} s")
    return task.result()


@asynccontextmanager
async def connect(scheduler: str, tls: Path | None = None) -> AsyncIterator[Any]:
    """An asynchronous ``distributed.Client`` for ``scheduler`` (starting a ``LocalCluster`` for ``local:N``)."""
    import dask
    from distributed import Client, LocalCluster

    kind, value = parse_scheduler(scheduler)
    if kind == "local":
        # TLS with certificates made for this run and held in memory: another user of this machine can
        # reach 127.0.0.1, and this scheduler lives in the process that holds the key.
        from distributed.security import Security

        with dask.config.set(LOCAL_CONFIG):
            async with LocalCluster(n_workers=value, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    protocol="tls://", security=Security.temporary(),
                                    dashboard_address="127.0.0.1:0", memory_limit=0, asynchronous=True) as local:
                async with Client(local, asynchronous=True, security=local.security) as client:
                    yield client
        return
    if value.startswith("tcp://") and not value.startswith(("tcp://127.", "tcp://localhost:", "tcp://[::1]")):
        logger.warning("%s is plain TCP: anyone who can reach it can run code on the cluster and read the "
                       "submissions; use a tls:// scheduler with --tls DIR (docs/instructor-guide.md)", value)
    from autograder.runners.cluster_tls import security

    kwargs = {"security": security(tls)} if tls is not None else {}
    try:
        client = await Client(value, asynchronous=True, timeout=CONNECT_TIMEOUT, **kwargs)
    except (OSError, TimeoutError) as err:
        same = ", with the same certificates" if tls else ""
        raise ClusterUnreachable(f"could not reach the Dask scheduler at {value} within {CONNECT_TIMEOUT} s "
                                 f"({err}): is `dask scheduler` running there{same}? ({USAGE})") from None
    try:
        yield client
    finally:
        # A scheduler that is gone must not keep the coordinator from exiting; closing the client
        # then cancels its reconnection, which Dask would log as an error with a traceback.
        client_log = logging.getLogger("distributed.client")
        level = client_log.level
        if client.status != "running":
            client_log.setLevel(logging.CRITICAL)
        try:
            await _within(client.close(), CLOSE_TIMEOUT)
        except (Exception, asyncio.TimeoutError):  # noqa: BLE001 (closing a broken client: nothing to save)
            pass
        finally:
            client_log.setLevel(level)


class _Watch:
    """The coordinator's look at the cluster: checks each worker once, notices a lost scheduler, prints progress."""

    def __init__(self, client: Any, scheduler: str, lab: Any, *, dashboard: bool) -> None:
        self.client, self.scheduler, self.lab, self.dashboard = client, scheduler, lab, dashboard
        self.checked: dict[str, str] = {}  # worker address -> why refused ("" when accepted)
        self.reason = ""  # why the batch stops ("" while it goes on)
        self.stopped = asyncio.Event()
        self.submitted = self.done = 0
        self.last_line, self.last_count = 0.0, -1

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason  # the first cause; grade_submissions reports it
        self.stopped.set()

    def lost(self) -> bool:
        """Did the client lose its scheduler (Dask then cancels every future and tries to reconnect)?"""
        if self.client.status != "running":
            self.stop(f"lost the connection to the Dask scheduler at {self.scheduler} (client {self.client.status})")
        return self.stopped.is_set()

    async def check_new_workers(self) -> None:
        """Check every worker not yet seen (``cluster_check``); one line each; stop the batch on a refusal."""
        new = [w for w in await self.client.nthreads() if w not in self.checked]
        if not new:
            return
        data_dir = _data_dir(self.lab.conditions)
        try:
            found = await self.client.run(cluster_check.facts, fenced=self.lab.fenced, data_dir=data_dir,
                                          workers=new, on_error="return")
        except Exception as err:  # noqa: BLE001 (a worker gone between the two calls; the next tick retries)
            logger.info("could not ask the workers %s yet: %s", ", ".join(new), err)
            return
        from distributed.comm import CommClosedError

        for address, facts in sorted(found.items()):
            if isinstance(facts, (OSError, CommClosedError, asyncio.TimeoutError)):
                continue  # gone already (a replacement is checked when it appears), or asked again next tick
            if isinstance(facts, BaseException):  # e.g. a worker without this package cannot even run the check
                why = (f"it cannot run the grader's check ({type(facts).__name__}: {str(facts)[:200]}): install "
                       "this package on every worker (pip install -c constraints.txt .)")
                facts = {}
            else:
                why = cluster_check.refusal(facts, versions_wanted=versions(),
                                            data_wanted=self.lab.conditions.data, data_dir=data_dir)
            self.checked[address] = why
            logger.info("%s", cluster_check.describe(address, facts, why, fenced=self.lab.fenced,
                                                     data_dir=data_dir))
            if why:
                self.stop(f"the Dask worker {address} may not grade: {why}. Nothing was graded on it; fix or "
                          "stop that worker and run the same command again")

    async def progress(self) -> None:
        workers = await self.client.nthreads()  # address -> threads
        now = time.monotonic()
        if len(workers) == self.last_count and now - self.last_line < PROGRESS_EVERY:
            return
        self.last_line, self.last_count = now, len(workers)
        threads = sum(workers.values())
        running = sum(map(len, (await self.client.processing()).values()))
        queued = max(0, self.submitted - self.done - running)
        logger.info("cluster: %d worker%s (%d thread%s); kernels: %d running, %d queued, %d done",
                    len(workers), "s" * (len(workers) != 1), threads, "s" * (threads != 1), running, queued,
                    self.done)
        if not workers and queued:
            logger.warning("no Dask worker left at %s: the %d queued submissions wait for one (start workers, "
                           "or stop this run: what finished is cached, and the same command resumes)",
                           self.scheduler, queued)

    async def loop(self) -> None:
        while not self.lost():
            try:
                await self.check_new_workers()
                await self.progress()
            except Exception as err:  # noqa: BLE001 (looking must never be what stops the batch)
                if self.lost():
                    return
                logger.info("could not look at the cluster: %s", err)
            await asyncio.sleep(TICK)

    async def first_workers(self) -> None:
        """Wait for a worker (a Slurm job may be queued for a while), then check all there are."""
        waited = False
        while not self.lost():
            try:  # a call in flight when the scheduler dies would wait for the client's reconnection to fail
                if await _within(self.client.nthreads(), ASK_S):
                    break
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(TICK)
                continue  # lost() decides
            if not waited:
                logger.info("no Dask worker at %s yet; waiting for one (jobs may be queued)", self.scheduler)
                waited = True
            await asyncio.sleep(TICK)
        if not self.lost():
            await self.check_new_workers()
        if self.dashboard and not self.lost():
            logger.info("dashboard: %s", await _dashboard(self.client))

    async def until_done(self, future: Any) -> Any:
        """``await future``, unless the batch stops first (then ``_Stop``)."""
        waiter = asyncio.ensure_future(future)
        stopper = asyncio.ensure_future(self.stopped.wait())
        try:
            done, _ = await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if waiter in done:
            return waiter.result()
        waiter.cancel()
        raise _Stop()


async def _dashboard(client: Any) -> str:
    """The scheduler's dashboard address, or why there is none."""
    services = (await client.scheduler.identity(n_workers=0)).get("services", {})
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError, ValueError):
        link = ""
    if not link or "dashboard" not in services:
        return "none: the scheduler runs no HTTP server"
    return (f"{link} (the scheduler's HTTP server, on the address it was given: Dask's dashboard is there only "
            "where bokeh is installed and the scheduler was started without --no-dashboard; from another "
            "machine, reach a 127.0.0.1 address through an SSH tunnel)")


async def grade_all(scheduler: str, *, subs, lab, timeout, memory_mb, cache, out, progress,
                    release=frozenset(), tls: Path | None = None,
                    dashboard: bool = False) -> tuple[list[dict[str, Any]], int]:
    """``local.grade_all`` with every kernel sent to the cluster at ``scheduler``."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    from autograder.grade.submission import grade_one
    from autograder.runners.local import Graded

    async with connect(scheduler, tls) as client:
        watch = _Watch(client, scheduler, lab, dashboard=dashboard)
        try:
            await watch.first_workers()
            threads = 0 if watch.lost() else sum((await _within(client.nthreads(), ASK_S)).values())
        except (OSError, asyncio.TimeoutError) as err:  # the scheduler went away (CommClosedError is an OSError)
            watch.stop(f"lost the connection to the Dask scheduler at {scheduler} ({err})")
        if watch.stopped.is_set():
            raise ClusterFailed(f"{watch.reason}; nothing was submitted")
        looking = asyncio.ensure_future(watch.loop())

        async def remote(sub: Submission, lab: Any, *, timeout: float, memory_mb: int) -> Graded:
            seen: dict[str, Any] = {}

            async def run(sub: Submission, restored: Restored) -> sandbox.Execution:
                job = kernel_job(sub, restored, lab, timeout=timeout, memory_mb=memory_mb)
                for attempt in range(1, RESUBMIT_TRIES + 1):
                    if watch.lost():
                        raise _Stop()
                    try:
                        future = client.submit(run_job, job, key=("grade", sub.student, uuid.uuid4().hex),
                                               pure=False)
                        watch.submitted += 1
                        try:
                            answer: WorkerRun = await watch.until_done(future)
                        finally:
                            watch.done += 1
                    except KilledWorker as err:
                        return sandbox.Execution(
                            status="error", detail=f"every Dask worker that ran it died ({err.allowed_failures + 1}"
                            f" tries, the last on {err.last_worker.address}); not cached, a re-run tries again")
                    except WorkerMismatch as err:
                        watch.stop(f"{err}. Nothing more is submitted; fix or stop that worker and run the "
                                   "same command again")
                        raise _Stop() from None
                    except (Exception, FutureCancelledError) as err:  # the cluster's failure, not the notebook's
                        if watch.lost():
                            raise _Stop() from None
                        # (a result lost with its worker between running and reaching us): send it again
                        if attempt < RESUBMIT_TRIES:
                            continue
                        return sandbox.Execution(status="error", detail=f"the Dask cluster could not run it "
                                                 f"({attempt} tries): {type(err).__name__}: {str(err)[:300]}")
                    seen["where"] = answer.worker.split("://")[-1]
                    return answer.execution
                raise AssertionError("unreachable")

            result = await grade_one(sub, lab, timeout=timeout, memory_mb=memory_mb, run=run)
            return Graded(result, where=seen.get("where", ""))

        try:
            return await local.grade_all(subs, lab, workers=max(IN_FLIGHT, 2 * threads + 8), timeout=timeout,
                                   memory_mb=memory_mb, cache=cache, out=out, progress=progress,
                                   release=release, grade=remote)
        except _Stop:
            raise ClusterFailed(f"{watch.reason}. The batch stopped: no output file was replaced; what finished "
                                f"is cached in {out / '.grade-cache'}, and the same command, run again against a "
                                "working cluster, grades exactly the submissions that have no result yet") from None
        finally:
            looking.cancel()


__all__ = ["ClusterFailed", "KernelJob", "WorkerRun", "WorkerMismatch", "check_tls", "connect", "grade_all",
           "kernel_job", "parse_scheduler", "run_job", "versions"]
