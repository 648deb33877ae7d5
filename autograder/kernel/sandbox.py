"""Run one notebook in its own kernel process, fenced in, and collect its events.

The kernel is a plain ``ipykernel`` launched by us (not by a KernelManager) so
that we own the process: its memory limit (``RLIMIT_AS`` set in the child
before exec, plus a psutil watch on the resident size of the whole process
tree and on its private tmpfs), its wall-clock deadline, and its death are all
ours to see.

Fenced (``fenced=True``, the grader's default where ``fence.available()``):
the kernel runs in ``autograder.kernel.fence`` -- its own namespaces, a root
holding only read-only system and Python files, private size-limited scratch,
``/tmp`` and ``/dev/shm``, an unprivileged uid of its own; its connection
file and IPC sockets live in its private ``/tmp``, reached by the grader
through ``/proc/<pid>/root``. Unfenced (only when asked for): the old partial
fence where the platform permits it (``partial_fence()``: network/mount
namespaces, the instructor's folders covered, capabilities dropped) and a
private 0700 folder for the sockets.

Events never come from the notebook's outputs: the kernel starts under
``autograder.kernel.seal``, and only records on the grader's sealed channel
(``autograder.kernel.channel``) that a restored cell made count.
"""
from __future__ import annotations

import asyncio
import functools
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import write_connection_file

from autograder.core.conditions import Conditions
from autograder.kernel import fence as fencing
from autograder.kernel import seal
from autograder.kernel.channel import Channel
from autograder.core.mode import kernel_settings

# Error text that means the kernel ran out of memory under our limit.
MEMORY_SIGNS = ("MemoryError", "can't allocate memory", "Cannot allocate memory", "bad_alloc")
KERNEL_START_TIMEOUT = 60.0  # s; a cold torch import on a busy 2-core box stays well under
POLL = 0.2  # s between liveness/memory/deadline checks while a cell runs
MAX_ERROR_CHARS = 500  # of one cell's error kept for the results
START_TRIES = 3  # a kernel that does not start (a busy machine) is tried this often ...
START_PAUSE = 2.0  # s, times the attempt number, between tries
START_LOG_CHARS = 1000  # of the kernel's start-up output kept when it never started


# The grader's environment may hold CI secrets; a kernel gets only what running Python needs.
# (A block's error message reaches the student's feedback, so whatever the kernel can read can leak.)
# The lab's own settings (SEQLABS_PROFILE, SEQLABS_DATA, ...) are never passed: they come from the key's
# grading conditions, whatever the grader's shell says.
PASSED_ENV = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "VIRTUAL_ENV",
              "PYTHONPATH", "PYTHONHASHSEED", "IPYTHONDIR", "MPLCONFIGDIR",
              "JUPYTER_PATH", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
              "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}


def graded_kernel_env(conditions: Conditions) -> dict[str, str]:
    """A graded kernel's environment: the few variables running Python needs, and the key's conditions."""
    env = {k: v for k, v in os.environ.items() if k in PASSED_ENV or k.startswith("LC_")}
    env.update(kernel_settings("grade", conditions.profile), MPLBACKEND="Agg", **conditions.kernel_env())
    # One thread per kernel: the workers are the parallelism, and 2 cores are shared.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


@dataclass
class Execution:
    """What running one notebook produced."""

    status: str  # "ok" | "timeout" | "memory" | "died" | "error"
    detail: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)  # from restored cells only, in order
    tampering: list[dict[str, Any]] = field(default_factory=list)  # the seal's evidence, in order
    broken: str = ""  # why the channel's record as a whole cannot be trusted
    fenced: bool = False
    cell_errors: dict[int, str] = field(default_factory=dict)  # cell index -> "Name: message"
    kernel_start_s: float = 0.0
    run_s: float = 0.0


@functools.lru_cache(maxsize=1)
def partial_fence() -> tuple[str, ...]:
    """The ``unshare`` prefix this platform permits (network, mount and, if it can, PID namespaces), or ()."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    # A PID namespace too where allowed: when the kernel is killed, so is everything it
    # started, even a grandchild that left the process group.
    pid_ns = ["-p", "--fork", "--kill-child"]
    for flags in (["-n", "-m", *pid_ns], ["-n", "-m"], ["-r", "-n", "-m", *pid_ns], ["-r", "-n", "-m"]):
        try:
            probe = subprocess.run([unshare, *flags, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return (unshare, *flags, "--propagation", "private")
    return ()


# Runs inside the new namespaces: cover each hidden folder with an empty read-only tmpfs,
# then drop every capability (so the kernel can neither unmount them nor raise its
# memory limit, even as root) and become the kernel (same pid). Arguments:
# N, N folders, the kernel's command line.
FENCE_SCRIPT = (
    'n=$1; shift; while [ "$n" -gt 0 ]; do '
    'mount -t tmpfs -o ro,size=4k seqlabs-hidden "$1" 2>/dev/null; shift; n=$((n-1)); done; '
    'if command -v setpriv >/dev/null; then '
    'exec setpriv --bounding-set -all --inh-caps -all --ambient-caps -all --no-new-privs "$@"; fi; '
    'exec "$@"'
)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _libc_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()  # looked up once, in the parent: the child between fork and exec only calls it


def kernel_argv(connection_file: str) -> list[str]:
    """The kernel itself: ipykernel started by the seal."""
    return [sys.executable, "-m", "autograder.kernel.seal", "-f", connection_file,
            "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]


def kernel_command(connection_file: str, hide: list[Path]) -> list[str]:
    """The command line that starts an unfenced kernel (see the module docstring)."""
    kernel = kernel_argv(connection_file)
    prefix = partial_fence()
    if not prefix:
        return kernel
    folders = [str(p) for p in hide if p.is_dir()]
    return [*prefix, "/bin/sh", "-c", FENCE_SCRIPT, "fence", str(len(folders)), *folders, *kernel]


def _limit_memory(memory_mb: int) -> None:
    """In the child before exec: cap the address space (MemoryError instead of the OOM killer).

    On Linux the child also dies with the thread that started it: a grader or
    Dask worker killed mid-notebook leaves no orphaned kernel behind (with the
    PID namespace, ``unshare --kill-child`` takes the kernel down with it).
    """
    limit = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _is_memory_error(text: str) -> bool:
    return any(sign in text for sign in MEMORY_SIGNS)


async def execute(
    cells: list[dict[str, Any]],
    *,
    workdir: Path,
    restored: set[int],
    timeout: float,
    memory_mb: int,
    env: dict[str, str],
    hide: list[Path] = (),
    fenced: bool = False,
) -> Execution:
    """Run the code cells in order in a fresh kernel; never raises for anything the notebook does.

    ``workdir`` holds the scratch copy of the submission's files; fenced, the
    kernel works on a private copy of it (``/scratch``) and the original is
    never written.
    """
    rundir = Path(tempfile.mkdtemp(prefix="seqlabs-k-"))  # 0700: the sockets of an unfenced kernel
    proc: subprocess.Popen | None = None
    kc: AsyncKernelClient | None = None
    result = Execution(status="ok", fenced=fenced)
    sources = {i: str(c.get("source", "")) for i, c in enumerate(cells) if c.get("cell_type") == "code"}
    channels: list[Channel] = []  # the channel of each start attempt; the last one is the kernel's
    try:
        started = time.monotonic()
        proc, kc, kpid, problem = await _start(rundir, sources, set(restored), channels, workdir=workdir, env=env,
                                               hide=hide, memory_mb=memory_mb, fenced=fenced)
        if problem:
            result.status = "error"
            result.detail = f"the kernel did not start ({START_TRIES} tries): {problem}"
            return result
        result.kernel_start_s = time.monotonic() - started
        private = [f"/proc/{kpid}/root{p}" for p in ("/tmp", "/dev/shm", FENCED_WORKDIR)] if fenced else []
        await _run_cells(kc, proc, cells, deadline=time.monotonic() + timeout, memory_mb=memory_mb, result=result,
                         private=private)
        result.run_s = time.monotonic() - started - result.kernel_start_s
        _explain_status(result, timeout=timeout, memory_mb=memory_mb)
        return result
    except Exception as err:  # the grader's own failure to drive the kernel, not the notebook's
        result.status, result.detail = "error", f"could not run the notebook: {type(err).__name__}: {err}"
        return result
    finally:
        _stop(proc, kc)
        if channels:
            channels[-1].close()
            verdict = channels[-1].verdict(kernel_alive=result.status == "ok")
            result.events, result.tampering, result.broken = verdict.events, verdict.tampering, verdict.broken
        shutil.rmtree(rundir, ignore_errors=True)


async def _start(rundir: Path, sources: dict[int, str], restored: set[int], channels: list[Channel], *,
                 workdir: Path, env: dict[str, str], hide, memory_mb: int, fenced: bool
                 ) -> tuple[subprocess.Popen | None, AsyncKernelClient | None, int, str]:
    """Start the kernel, ``START_TRIES`` times at most with a growing pause: ``(proc, kc, kernel pid, problem)``.

    Each try gets a fresh sealed channel, appended to ``channels`` (the caller closes the last one and reads
    its verdict, however this ends); a failed try's channel is closed here.
    """
    proc, kc, kpid, problem = None, None, 0, ""
    for attempt in range(1, START_TRIES + 1):
        channels.append(Channel(sources, restored))
        proc, kc, kpid, problem = await _start_kernel(rundir, attempt, workdir=workdir, env=env, hide=hide,
                                                      memory_mb=memory_mb, channel=channels[-1], fenced=fenced)
        if not problem:
            break
        _stop(proc, kc)
        channels[-1].close()
        proc = kc = None
        if attempt < START_TRIES:
            await asyncio.sleep(START_PAUSE * attempt)
    return proc, kc, kpid, problem


async def _run_cells(kc: AsyncKernelClient, proc: subprocess.Popen, cells: list[dict[str, Any]], *,
                     deadline: float, memory_mb: int, result: Execution, private: list[str]) -> None:
    """Run the code cells in order until one stops the kernel, then (all ran) the seal's end probe."""
    watched = psutil.Process(proc.pid)
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or not str(cell.get("source", "")).strip():
            continue
        status = await _run_cell(kc, proc, watched, cell, index, deadline, memory_mb, result, private)
        if status != "ok":
            break
    if result.status == "ok":  # the seal's end record: the channel was intact to the end
        await _run_cell(kc, proc, watched, {"source": seal.END_PROBE}, seal.END_CELL, deadline,
                        memory_mb, result, private)


def _explain_status(result: Execution, *, timeout: float, memory_mb: int) -> None:
    """Say why a run stopped: a cell that failed on memory makes the run ``memory``; a timeout names its cell."""
    if result.status == "ok":
        oom = [i for i, e in result.cell_errors.items() if _is_memory_error(e)]
        if oom:
            result.status = "memory"
            result.detail = (f"memory limit exceeded ({memory_mb} MiB) in cell {oom[0]}: "
                             f"{result.cell_errors[oom[0]]}")
    if result.status == "timeout":
        result.detail = f"ran past the {timeout:g} s limit in cell {result.detail}"


FENCED_WORKDIR = "/scratch"


async def _start_kernel(rundir: Path, attempt: int, *, workdir: Path, env: dict[str, str], hide,
                        memory_mb: int, channel: Channel, fenced: bool
                        ) -> tuple[subprocess.Popen, AsyncKernelClient, int, str]:
    """Start a kernel (fenced or not) under the seal and wait until it answers: ``(process, client,
    kernel pid, "")``, or why it did not start as the last string (with the tail of its start-up log)."""
    preexec = functools.partial(_limit_memory, memory_mb)
    kenv = {**env, **channel.env()}
    if fenced:
        proc, conn_info, kpid = await _start_fenced(rundir, attempt, workdir, kenv, memory_mb, channel, preexec)
    else:
        conn, _ = write_connection_file(str(rundir / f"kernel-{attempt}.json"), transport="ipc",
                                        ip=str(rundir / f"k{attempt}"))
        proc = subprocess.Popen(
            kernel_command(conn, list(hide)), cwd=workdir, env=kenv, pass_fds=channel.fds(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=preexec,
        )
        conn_info, kpid = conn, proc.pid
    channel.started()
    log = _Tail(proc.stdout)
    kc = AsyncKernelClient()
    if isinstance(conn_info, dict):
        kc.load_connection_info(conn_info)
    else:
        kc.load_connection_file(conn_info)
    kc.start_channels(hb=False)  # we watch the process itself, not a heartbeat
    problem = "" if kpid else f"the fenced kernel did not start (exit code {proc.poll()})"
    problem = problem or await _wait_for_ready(kc, proc)
    if problem:
        await asyncio.sleep(0.2)  # let the reader catch the last lines of a kernel that exited
        tail = log.text()
        problem += f"; start-up log: {tail}" if tail else "; the start-up log is empty"
    return proc, kc, kpid, problem


async def _start_fenced(rundir, attempt, workdir, env, memory_mb, channel, preexec):
    """Start a fenced kernel: (process, connection info for the grader, the kernel's pid or 0)."""
    info_file, _ = write_connection_file(str(rundir / f"kernel-{attempt}.json"), transport="ipc",
                                         ip=f"{fencing.SOCKET_DIR}/k")
    text = Path(info_file).read_text()
    uid = fencing.next_uid()
    inner_conn = f"{fencing.SOCKET_DIR}/kernel.json"
    root = rundir / f"root{attempt}"
    cmd, config = fencing.command(
        root=root, workdir=Path(FENCED_WORKDIR), staging=workdir, files={inner_conn: text},
        argv=kernel_argv(inner_conn), env=fencing.fence_env(env, Path(FENCED_WORKDIR), uid), uid=uid,
        memory_mb=memory_mb)
    root.mkdir(mode=0o700)
    proc = subprocess.Popen(cmd, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                            pass_fds=(*channel.fds(), fencing.lifeline()), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec)
    proc.stdin.write(config)
    proc.stdin.close()
    kpid = 0
    waited = time.monotonic()
    while not kpid and time.monotonic() - waited < KERNEL_START_TIMEOUT and proc.poll() is None:
        try:
            children = psutil.Process(proc.pid).children()
        except psutil.Error:
            children = []
        if children:
            kpid = children[0].pid
        else:
            await asyncio.sleep(0.01)
    info = json.loads(text)
    info["ip"] = f"/proc/{kpid}/root{fencing.SOCKET_DIR}/k"
    return proc, info, kpid


def _private_usage(paths: list[str]) -> int:
    """Bytes held by a fenced kernel's tmpfs (memory the resident-size watch does not count)."""
    total = 0
    for p in paths:
        try:
            st = os.statvfs(p)
        except OSError:
            continue
        total += (st.f_blocks - st.f_bfree) * st.f_frsize
    return total


class _Tail:
    """Drains a child's output pipe in a thread (so the child never blocks on it), keeping its last bytes."""

    def __init__(self, pipe) -> None:
        self._kept = bytearray()
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe) -> None:
        with pipe:
            for chunk in iter(lambda: pipe.read1(4096), b""):
                self._kept = (self._kept + chunk)[-START_LOG_CHARS:]

    def text(self) -> str:
        return bytes(self._kept).decode(errors="replace").strip()


def _stop(proc: subprocess.Popen | None, kc: AsyncKernelClient | None) -> None:
    """Close the client's channels and kill the kernel's whole process group."""
    if kc is not None:
        kc.stop_channels()
    if proc is not None:
        _kill_group(proc.pid)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


async def _wait_for_ready(kc: AsyncKernelClient, proc: subprocess.Popen) -> str:
    """Ask for kernel_info until the kernel answers; "" when ready, else why not."""
    deadline = time.monotonic() + KERNEL_START_TIMEOUT
    while time.monotonic() < deadline:
        msg_id = kc.kernel_info()
        asked = time.monotonic()
        while time.monotonic() - asked < 1.0:
            if proc.poll() is not None:
                return f"the kernel process exited with code {proc.returncode}"
            try:
                reply = await kc.get_shell_msg(timeout=0.1)
            except queue.Empty:
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                if await _iopub_connected(kc):
                    return ""
                break  # the reply came before our iopub subscription: ask again (as jupyter_client does)
    return f"no answer within {KERNEL_START_TIMEOUT:g} s"


async def _iopub_connected(kc: AsyncKernelClient) -> bool:
    """Did the handshake's iopub messages reach us? Drain them so cells start clean.

    ZeroMQ drops what a kernel publishes before the subscription is joined: a
    kernel that answered on the shell channel may still be unheard on iopub,
    and a cell run then would never see its ``idle`` status (a false timeout).
    """
    heard = False
    while True:
        try:
            await kc.get_iopub_msg(timeout=0.2 if not heard else 0.05)
        except queue.Empty:
            return heard
        heard = True


async def _run_cell(kc, proc, watched, cell, index, deadline, memory_mb, result, private=()) -> str:
    """Execute one cell; record events/errors into ``result``; return its status."""
    msg_id = kc.execute(str(cell["source"]), store_history=True, allow_stdin=False, stop_on_error=False)
    limit = memory_mb << 20
    checked = time.monotonic()
    while True:
        try:
            msg = await kc.get_iopub_msg(timeout=POLL)
        except queue.Empty:
            msg = None
        # Messages of other requests (a background thread's late print) are not this cell's.
        if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return "ok"
            if kind == "error":
                text = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
                result.cell_errors[index] = text[:MAX_ERROR_CHARS]
        # A cell that floods output never lets get_iopub_msg time out: check on the clock.
        if msg is not None and time.monotonic() - checked < POLL:
            continue
        checked = time.monotonic()
        code = proc.poll()
        if code is not None:
            how = f"signal {-code}" if code < 0 else f"exit code {code}"
            result.status = "died"
            result.detail = f"the kernel died ({how}) while running cell {index}"
            return "died"
        rss = _tree_rss(watched) + _private_usage(private)
        if rss > limit:
            _kill_group(proc.pid)
            result.status = "memory"
            result.detail = (f"memory limit exceeded ({memory_mb} MiB; {rss >> 20} MiB resident or in its private /tmp) "
                             f"in cell {index}")
            return "memory"
        if time.monotonic() > deadline:
            _kill_group(proc.pid)
            result.status, result.detail = "timeout", str(index)
            return "timeout"
