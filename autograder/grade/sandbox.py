"""Run one notebook in its own kernel process, fenced in, and collect its events.

The kernel is a plain ``ipykernel`` launched by us (not by a KernelManager) so
that we own the process: its memory limit (``RLIMIT_AS`` set in the child
before exec, plus a psutil watch on the resident size of the whole process
tree), its wall-clock deadline, and its death are all ours to see. Where the
platform allows it (``unshare`` permitted: root, or unprivileged user
namespaces) the kernel gets an empty network namespace, the instructor's
``labs/source``, ``labs/keys`` and ``labs/solution`` are covered by empty tmpfs
mounts, and every capability is dropped (``setpriv``), so a student cell can
neither phone home, nor read the answers, nor lift its limits, even as root.
Elsewhere it runs unfenced (``fence()`` is empty) with the memory limit and the
timeout only. The kernel talks to us over ``ipc`` (Unix
socket files), which crosses network namespaces where TCP on localhost does not.

Only messages whose parent is the ``execute_request`` of a restored cell can
become events: what a student cell displays never reaches the judge.
"""
from __future__ import annotations

import asyncio
import functools
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

from autograder.events import MIME

# Error text that means the kernel ran out of memory under our limit.
MEMORY_SIGNS = ("MemoryError", "can't allocate memory", "Cannot allocate memory", "bad_alloc")
KERNEL_START_TIMEOUT = 60.0  # s; a cold torch import on a busy 2-core box stays well under
POLL = 0.2  # s between liveness/memory/deadline checks while a cell runs
MAX_ERROR_CHARS = 500  # of one cell's error kept for the results
START_TRIES = 3  # a kernel that does not start (a busy machine) is tried this often ...
START_PAUSE = 2.0  # s, times the attempt number, between tries
START_LOG_CHARS = 1000  # of the kernel's start-up output kept when it never started


@dataclass
class Execution:
    """What running one notebook produced."""

    status: str  # "ok" | "timeout" | "memory" | "died" | "error"
    detail: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)  # from restored cells only, in order
    cell_errors: dict[int, str] = field(default_factory=dict)  # cell index -> "Name: message"
    kernel_start_s: float = 0.0
    run_s: float = 0.0


@functools.lru_cache(maxsize=1)
def fence() -> tuple[str, ...]:
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


def kernel_command(connection_file: str, hide: list[Path]) -> list[str]:
    """The command line that starts a fenced kernel (see the module docstring)."""
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file,
              "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
    prefix = fence()
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
) -> Execution:
    """Run the code cells in order in a fresh kernel; never raises for anything the notebook does."""
    rundir = Path(tempfile.mkdtemp(prefix="seqlabs-k-"))
    proc: subprocess.Popen | None = None
    kc: AsyncKernelClient | None = None
    result = Execution(status="ok")
    try:
        started = time.monotonic()
        for attempt in range(1, START_TRIES + 1):
            proc, kc, problem = await _start_kernel(rundir, attempt, workdir=workdir, env=env, hide=hide,
                                                    memory_mb=memory_mb)
            if not problem:
                break
            _stop(proc, kc)
            proc = kc = None
            if attempt < START_TRIES:
                await asyncio.sleep(START_PAUSE * attempt)
        if problem:
            result.status = "error"
            result.detail = f"the kernel did not start ({START_TRIES} tries): {problem}"
            return result
        result.kernel_start_s = time.monotonic() - started
        deadline = time.monotonic() + timeout
        watched = psutil.Process(proc.pid)
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code" or not str(cell.get("source", "")).strip():
                continue
            status = await _run_cell(kc, proc, watched, cell, index, index in restored,
                                     deadline, memory_mb, result)
            if status != "ok":
                break
        result.run_s = time.monotonic() - started - result.kernel_start_s
        if result.status == "ok":
            oom = [i for i, e in result.cell_errors.items() if _is_memory_error(e)]
            if oom:
                result.status = "memory"
                result.detail = (f"memory limit exceeded ({memory_mb} MiB) in cell {oom[0]}: "
                                 f"{result.cell_errors[oom[0]]}")
        if result.status == "timeout":
            result.detail = f"ran past the {timeout:g} s limit in cell {result.detail}"
        return result
    except Exception as err:  # the grader's own failure to drive the kernel, not the notebook's
        result.status, result.detail = "error", f"could not run the notebook: {type(err).__name__}: {err}"
        return result
    finally:
        _stop(proc, kc)
        shutil.rmtree(rundir, ignore_errors=True)


async def _start_kernel(rundir: Path, attempt: int, *, workdir: Path, env: dict[str, str], hide,
                        memory_mb: int) -> tuple[subprocess.Popen, AsyncKernelClient, str]:
    """Start a fenced kernel and wait until it answers: ``(process, client, "")``, or why it did not
    start as the last string (with the tail of its start-up log)."""
    conn, _ = write_connection_file(str(rundir / f"kernel-{attempt}.json"), transport="ipc",
                                    ip=str(rundir / f"k{attempt}"))
    proc = subprocess.Popen(
        kernel_command(conn, list(hide)), cwd=workdir, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=functools.partial(_limit_memory, memory_mb),
    )
    log = _Tail(proc.stdout)
    kc = AsyncKernelClient()
    kc.load_connection_file(conn)
    kc.start_channels(hb=False)  # we watch the process itself, not a heartbeat
    problem = await _wait_for_ready(kc, proc)
    if problem:
        await asyncio.sleep(0.2)  # let the reader catch the last lines of a kernel that exited
        tail = log.text()
        problem += f"; start-up log: {tail}" if tail else "; the start-up log is empty"
    return proc, kc, problem


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
                # Drain the iopub status messages of the handshake so cells start clean.
                while True:
                    try:
                        await kc.get_iopub_msg(timeout=0.05)
                    except queue.Empty:
                        return ""
    return f"no answer within {KERNEL_START_TIMEOUT:g} s"


async def _run_cell(kc, proc, watched, cell, index, is_restored, deadline, memory_mb, result) -> str:
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
            if kind in ("display_data", "execute_result") and is_restored:
                payload = content.get("data", {}).get(MIME)
                if isinstance(payload, dict):
                    result.events.append({**payload, "_cell": index})
            elif kind == "error":
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
        rss = _tree_rss(watched)
        if rss > limit:
            _kill_group(proc.pid)
            result.status = "memory"
            result.detail = (f"memory limit exceeded ({memory_mb} MiB; {rss >> 20} MiB resident) "
                             f"in cell {index}")
            return "memory"
        if time.monotonic() > deadline:
            _kill_group(proc.pid)
            result.status, result.detail = "timeout", str(index)
            return "timeout"
