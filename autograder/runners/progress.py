"""Progress for a grading run: a tqdm bar on a terminal, one plain log line per submission otherwise.

On a cluster each line names the worker that ran the kernel, and the
throughput of each worker (notebooks, and notebooks per minute since the run
began) is shown every ``THROUGHPUT_EVERY`` submissions and at the end.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

from tqdm import tqdm

THROUGHPUT_EVERY = 10  # submissions between two per-worker throughput lines (log mode)


class Progress:
    def __init__(self, total: int, *, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.done = total, 0
        self.started = time.monotonic()
        self.per_worker: Counter[str] = Counter()
        self.bar = tqdm(total=total, unit="nb", file=self.stream, leave=True) if self.stream.isatty() else None

    def update(self, student: str, status: str, score: float, max_score: float, *, cached: bool = False,
               where: str = "") -> None:
        self.done += 1
        line = f"{student}: {score:g}/{max_score:g} ({status}{', unchanged' if cached else ''})"
        if where:
            self.per_worker[where] += 1
            line += f" on {where}"
        if self.bar is not None:
            self.bar.set_postfix_str(line + (f" | {self.throughput()}" if where else ""), refresh=False)
            self.bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {line}", file=self.stream, flush=True)
            if where and self.done % THROUGHPUT_EVERY == 0:
                self._print_throughput()

    def throughput(self) -> str:
        """``"WORKER: N nb (R/min), ..."`` for every worker that finished a kernel, busiest first."""
        minutes = max(time.monotonic() - self.started, 1e-9) / 60
        return ", ".join(f"{w}: {n} nb ({n / minutes:.1f}/min)" for w, n in self.per_worker.most_common())

    def _print_throughput(self) -> None:
        print(f"per worker: {self.throughput()}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.per_worker:
            self._print_throughput()
