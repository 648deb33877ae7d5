"""Wall and CPU time of the browser tests (tests/browser), per test and in all.

    python benchmarks/bench_browser_tests.py            # the whole browser suite
    python benchmarks/bench_browser_tests.py -k lab0    # any pytest selection

Runs pytest in a child process (one worker, as `make test` gives the browser
tests one xdist worker) and prints its wall time, the CPU seconds of the
whole process tree (pytest, the Jupyter server, its kernels, Chromium: every
child that was waited for), the load average before and after, and pytest's
slowest durations. Target (issue 18): well under 3 minutes on two cores.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/browser", "-q", "-p", "no:cacheprovider",
                           "--durations=0", *argv], cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"browser tests: wall {wall:.1f} s, CPU {cpu:.1f} s (user+sys, whole process tree), "
          f"CPU/wall {cpu / wall:.2f}; load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores; pytest exit {done.returncode}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
