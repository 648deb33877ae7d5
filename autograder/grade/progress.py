"""Progress for a grading run: a tqdm bar on a terminal, one plain log line per submission otherwise."""
from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm


class Progress:
    def __init__(self, total: int, *, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.done = total, 0
        self.bar = tqdm(total=total, unit="nb", file=self.stream, leave=True) if self.stream.isatty() else None

    def update(self, student: str, status: str, score: float, max_score: float, *, cached: bool = False) -> None:
        self.done += 1
        line = f"{student}: {score:g}/{max_score:g} ({status}{', unchanged' if cached else ''})"
        if self.bar is not None:
            self.bar.set_postfix_str(line, refresh=False)
            self.bar.update(1)
        else:
            print(f"[{self.done}/{self.total}] {line}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
