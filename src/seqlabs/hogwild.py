"""Hogwild workers (Recht et al. 2011) as forked processes over shared tensors: no lock, and no GIL between them.

    w = shared_tensor(torch.zeros(V, E))          # [V, E] in memory every forked worker writes
    with ForkedWorkers(lambda k: train_part(k, w), workers=2) as pool:
        for epoch in range(epochs):
            ...                                   # new work in shared tensors, then
            pool.run(poll=lambda: bar.refresh())  # every worker runs its part once

Threads share a tensor for free, but each batch's Python (the student's
function, the gathers and scatters around it) runs one thread at a time under
the GIL: two threads of a small-batch trainer are far from twice one. gensim's
workers are C threads that never hold the GIL; forked processes are the way
Python code gets the same (PyTorch's Hogwild example does it with
``torch.multiprocessing``). Here a tensor lives in an anonymous shared memory
mapping, so a worker forked after it was made writes the parent's copy: no
file, no shared-memory manager, nothing left behind if a worker dies. The
workers are forked once and run ``work(k)`` each time they are told to (an
epoch of a small corpus is a tenth of a second: a fork per epoch would cost
more than it saves); what changes between runs must be in shared tensors,
since a worker sees this process as it was when it was forked.

Forking needs Linux (macOS's system libraries are not safe to use in a forked
child; Windows cannot fork): ``can_fork()`` says whether to use it, and the
caller falls back to threads. Each worker runs its kernels on one torch thread
and leaves with ``os._exit``, so it never runs the parent's exit handlers (a
Jupyter kernel's, say). A worker that raises stops the run: ``run`` raises
``WorkerFailed`` with the worker's traceback once every worker has answered.
"""
from __future__ import annotations

import mmap
import os
import select
import signal
import sys
import time
import traceback
from typing import Callable

import torch

__all__ = ["can_fork", "shared_tensor", "ForkedWorkers", "WorkerFailed"]

RUN, QUIT, DONE, FAILED = b"r", b"q", b"d", b"e"


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


class ForkedWorkers:
    """``workers`` processes, forked once, each running ``work(k)`` whenever ``run()`` is called.

    Use as a context manager: leaving it stops the workers (killed if it is
    left by an exception, Ctrl-C included).
    """

    def __init__(self, work: Callable[[int], None], workers: int):
        self._children: list[tuple[int, int, int]] = []  # (pid, command pipe's write end, answer pipe's read end)
        try:
            for k in range(workers):
                self._children.append(self._fork(work, k))
        except BaseException:
            self.close(kill=True)
            raise

    def _fork(self, work: Callable[[int], None], k: int) -> tuple[int, int, int]:
        command_read, command_write = os.pipe()
        answer_read, answer_write = os.pipe()
        pid = os.fork()
        if pid:
            os.close(command_read)
            os.close(answer_write)
            return pid, command_write, answer_read
        # the worker: run work(k) on each command until told to quit, or until the parent is gone (read gives
        # b"": so no worker may hold another's command pipe open, or that one would wait for ever)
        for fd in [command_write, answer_read] + [fd for _, *fds in self._children for fd in fds]:
            os.close(fd)
        code = 0
        try:
            torch.set_num_threads(1)
            while os.read(command_read, 1) == RUN:
                work(k)
                os.write(answer_write, DONE)
        except BaseException:  # everything, so that the parent hears why
            os.write(answer_write, FAILED + traceback.format_exc().encode("utf-8", "replace")[-16000:])
            code = 1
        finally:
            os._exit(code)

    def run(self, poll: Callable[[], None] | None = None, interval: float = 0.2) -> None:
        """Every worker runs ``work(k)`` once; returns when all are done. ``poll()`` runs here meanwhile,
        every ``interval`` seconds (a progress display reading shared counters), and once at the end."""
        for _, command, _ in self._children:
            os.write(command, RUN)
        waiting = {answer: k for k, (_, _, answer) in enumerate(self._children)}
        failures = []
        last_poll = time.perf_counter()
        while waiting:
            ready, _, _ = select.select(list(waiting), [], [], interval)
            for answer in ready:
                k = waiting.pop(answer)
                reply = _read_reply(answer)
                if reply != DONE:
                    failures.append(f"worker {k}: " + (reply[1:].decode("utf-8", "replace").strip()
                                                       or "ended without a word (killed? out of memory?)"))
            if poll is not None and (not waiting or time.perf_counter() - last_poll >= interval):
                poll()
                last_poll = time.perf_counter()
        if failures:
            raise WorkerFailed("a Hogwild worker process failed:\n" + "\n".join(failures))

    def close(self, kill: bool = False) -> None:
        """Stop the workers: told to quit, or killed (``kill``: after an error or an interrupt)."""
        for pid, command, answer in self._children:
            try:
                if kill:
                    os.kill(pid, signal.SIGKILL)
                else:
                    os.write(command, QUIT)
            except (ProcessLookupError, BrokenPipeError):
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            os.close(command)
            os.close(answer)
        self._children = []

    def __enter__(self) -> "ForkedWorkers":
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(kill=kind is not None)


def _read_reply(fd: int) -> bytes:
    """DONE, or FAILED and a traceback (read to the end: the worker has exited), or b"" if it died silently."""
    first = os.read(fd, 1)
    if first != FAILED:
        return first
    chunks = [first]
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)
