"""Does the suite's last check (no fenced kernel outlives its grader) judge only the kernels it answers for?

``pytest_sessionfinish`` fails the suite when a graded kernel is still running at its end. A nested pytest
(the instructor guide's ``pytest --collect-only``) ends while the outer suite's workers have kernels running:
those belong to the outer suite, whose own check comes later. Plain processes stand in for kernels here;
``started_by`` judges them by ancestry alone.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from conftest import started_by

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
SPAWN = "import subprocess, sys; print(subprocess.Popen(sys.argv[1:]).pid, flush=True)"  # starts argv, says its pid
PARENT = SPAWN + "; import time; time.sleep(60)"  # ... and lives on beside it


@pytest.fixture
def start():
    """Starts a process under this one (its stdout a pipe), killed at the test's end."""
    started = []

    def start(args=SLEEPER) -> subprocess.Popen:
        started.append(subprocess.Popen(args, stdout=subprocess.PIPE, text=True))
        return started[-1]

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def test_a_session_answers_for_its_own_descendants(start):
    kernel = psutil.Process(start().pid)
    assert started_by(os.getpid(), [kernel]) == [kernel]


def test_a_nested_session_leaves_the_outer_sessions_kernels_alone(start):
    """The CI failure: a nested pytest under a worker whose module-scoped kernel was still running."""
    nested = start([sys.executable, "-c", PARENT, *SLEEPER])
    nested_kernel = psutil.Process(int(nested.stdout.readline()))
    outer_kernel = psutil.Process(start().pid)  # the nested session's sibling, under the outer one
    try:
        assert started_by(nested.pid, [outer_kernel, nested_kernel]) == [nested_kernel]
        assert started_by(os.getpid(), [outer_kernel, nested_kernel]) == [outer_kernel, nested_kernel]
    finally:
        nested_kernel.kill()


@pytest.mark.parametrize("fenced", [False, True], ids=["bare", "in its fence"])
def test_an_orphan_is_every_sessions_to_report(start, fenced):
    """A kernel whose grader died is reparented: judged by ancestry only, no session would report it."""
    from autograder.kernel.fence import INNER

    fence = [sys.executable, "-c", PARENT.replace("argv[1:]", "argv[2:]"),
             str(INNER), *SLEEPER]  # stands in for unshare's namespace script, between grader and kernel
    grader = start([sys.executable, "-c", PARENT, *(fence if fenced else SLEEPER)])
    started = [psutil.Process(int(grader.stdout.readline())) for _ in range(1 + fenced)]  # fence, kernel: any order
    outermost = next(p for p in started if p.ppid() == grader.pid)  # the grader's child: fence or kernel
    kernel = next(p for p in started if p is not outermost) if fenced else outermost
    try:
        grader.kill()  # the grader dies; what it started lives on
        grader.wait()
        for _ in range(50):  # the kernel adopts it asynchronously
            if outermost.ppid() != grader.pid:
                break
            time.sleep(0.1)
        if outermost.ppid() != 1:
            pytest.skip(f"orphans are adopted by pid {outermost.ppid()} here (a subreaper), not by init")
        assert started_by(os.getpid(), [kernel]) == [kernel]  # not this session's descendant any more
    finally:
        for proc in started:
            proc.kill()
