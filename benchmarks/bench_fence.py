"""The fence's cost: the same submissions graded fenced and ``--unfenced``, alternating, in one process.

    python benchmarks/bench_fence.py [--copies 8] [--rounds 2] [--workers 2]

Grades ``--copies`` copies of the example lab's built solution ``--rounds``
times each way (fresh output folders, so nothing comes from the cache) and
prints each run's wall time and mean kernel start. Needs root (the fence).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograder.runners import grade_submissions

REPO = Path(__file__).resolve().parents[1]
LAB = "lab0_example"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-fence-"))
    subs = []
    for i in range(args.copies):
        path = tmp / "subs" / f"s{i:02d}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "labs" / "solution" / f"{LAB}.ipynb", path)
        subs.append(path)
    try:
        for rnd in range(args.rounds):
            for unfenced in (False, True):
                t0 = time.perf_counter()
                run = grade_submissions(lab=LAB, submissions=subs, out=tmp / f"out-{rnd}-{unfenced}", root=REPO,
                                        workers=args.workers, unfenced=unfenced)
                wall = time.perf_counter() - t0
                start = statistics.mean(r["timings"]["kernel_start_s"] for r in run.results)
                full = all(r["score"] == r["max_score"] for r in run.results)
                print(f"{'unfenced' if unfenced else 'fenced  '} wall {wall:6.1f} s   mean kernel start "
                      f"{start:5.2f} s   all full marks: {full}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
