"""Hogwild workers (Recht et al. 2011) as forked processes over shared tensors: no lock, and no GIL between them.

    w = shared_tensor(torch.zeros(V, E))       # [V, E] in memory every forked worker writes
    run_forked(lambda k: train_part(k, w), workers=2, poll=lambda: bar.refresh())

Threads share a tensor for free, but each batch's Python (the student's
function, the gathers and scatters around it) runs one thread at a time under
the GIL: two threads of a small-batch trainer are far from twice one. gensim's
workers are C threads that never hold the GIL; forked processes are the way
Python code gets the same (PyTorch's Hogwild example does it with
``torch.multiprocessing``). Here a tensor lives in an anonymous shared memory
mapping, so a worker forked after it was made writes the parent's copy: no
file, no shared-memory manager, nothing left behind if a worker dies.

Forking needs Linux (macOS's system libraries are not safe to use in a forked
child; Windows cannot fork): ``can_fork()`` says whether to use it, and the
caller falls back to threads. Each worker runs its kernels on one torch thread
and leaves with ``os._exit``, so it never runs the parent's exit handlers (a
Jupyter kernel's, say). A worker that raises stops the run: ``run_forked``
raises ``WorkerFailed`` with the worker's traceback once every worker is done.
"""
from __future__ import annotations

import mmap
import os
import signal
import sys
import time
import traceback
from typing import Callable

import torch

__all__ = ["can_fork", "shared_tensor", "run_forked", "WorkerFailed"]


class WorkerFailed(RuntimeError):
    """A forked worker raised; the message holds its traceback."""


def can_fork() -> bool:
    """Whether workers may be forked processes here (Linux with ``os.fork``)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def shared_tensor(values: torch.Tensor) -> torch.Tensor:
    """A copy of ``values`` in an anonymous shared mapping: processes forked later write the same memory."""
    values = values.contiguous()
    size = values.numel() * values.element_size()
    buffer = mmap.mmap(-1, max(size, 1))  # MAP_SHARED | MAP_ANONYMOUS: inherited by fork, freed with the last user
    shared = torch.frombuffer(buffer, dtype=values.dtype, count=values.numel()).view(values.shape)
    shared.copy_(values)
    return shared


def run_forked(work: Callable[[int], None], workers: int, *, poll: Callable[[], None] | None = None,
               interval: float = 0.2) -> None:
    """Run ``work(k)`` for ``k`` in ``range(workers)``, each in a forked process; return when all are done.

    ``poll()`` runs in this process every ``interval`` seconds meanwhile (a
    progress display reading shared counters). Interrupted (Ctrl-C, a
    notebook's stop button), the workers are killed before the interrupt goes on.
    """
    children: dict[int, tuple[int, int]] = {}  # pid -> (worker, read end of its error pipe)
    try:
        for k in range(workers):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker
                os.close(read)
                code = 0
                try:
                    torch.set_num_threads(1)
                    work(k)
                except BaseException:  # everything, so that the parent hears why
                    os.write(write, traceback.format_exc().encode("utf-8", "replace")[-16000:])
                    code = 1
                finally:
                    os._exit(code)
            os.close(write)
            children[pid] = (k, read)
        failures = []
        last_poll = time.perf_counter()
        while children:
            for pid in list(children):  # our own children only: waitpid(-1) would reap a notebook's others
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    k, read = children.pop(pid)
                    message = _read_all(read)
                    if os.waitstatus_to_exitcode(status) != 0:
                        failures.append(f"worker {k}: " + (message or f"ended with status {status}"))
            if children:
                if poll is not None and time.perf_counter() - last_poll >= interval:
                    poll()
                    last_poll = time.perf_counter()
                time.sleep(0.002)  # an epoch can take a tenth of a second: notice its end at once
        if poll is not None:
            poll()
        if failures:
            raise WorkerFailed("a Hogwild worker process failed:\n" + "\n".join(failures))
    finally:
        for pid, (_, read) in children.items():  # only when interrupted: stop the rest
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(read)


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace").strip()
