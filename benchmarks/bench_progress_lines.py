"""Progress lines each training cell stores when a lab runs headless, as `jupyter nbconvert --execute` runs it.

    python benchmarks/bench_progress_lines.py --profile class lab1_rnn_lstm_numpy lab3_word2vec
    python benchmarks/bench_progress_lines.py            # every lab, fast profile

Runs ``jupyter nbconvert --to notebook --execute`` on each lab's solution
notebook with ``SEQLABS_PROFILE`` set and ``SEQLABS_PROGRESS`` unset (the
student's default, ``auto``), then counts, per code cell, the stream outputs
and the lines of progress (``seqlabs.progress``' log lines, or tqdm bars) it
stored. The target (``docs/benchmarks.md``): at most 12 lines a training cell,
no carriage return.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
LOG_LINE = re.compile(r"^\S.* \d+(/\d+ \(\d+%\))? [\d.]+s( |$)")  # "epoch 3/10 (30%) 4.1s loss=2.31"


def count(lab: str, profile: str, data: str | None) -> tuple[float, list[tuple[int, int, int, bool]]]:
    """(seconds, [(cell index, stream outputs, progress lines, has a carriage return)] for cells with progress)."""
    env = {**os.environ, "SEQLABS_PROFILE": profile, "SEQLABS_DATA": data or ""}
    env.pop("SEQLABS_PROGRESS", None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.ipynb"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                        "--ExecutePreprocessor.timeout=-1", str(REPO / "labs" / "solution" / f"{lab}.ipynb"),
                        "--output", str(out)], env=env, check=True, capture_output=True, cwd=tmp)
        seconds = time.perf_counter() - start
        nb = nbformat.read(out, as_version=4)
    rows = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        streams = [o for o in cell.outputs if o.output_type == "stream"]
        text = "".join(o.text for o in streams)
        lines = [line for line in re.split(r"[\r\n]", text) if LOG_LINE.match(line) or "it/s]" in line or "s/it]" in line]
        if lines:
            rows.append((i, len(streams), len(lines), "\r" in text))
    return seconds, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*")
    ap.add_argument("--profile", default="fast")
    ap.add_argument("--data", action="store_true", help="pass SEQLABS_DATA through (real data)")
    args = ap.parse_args()
    labs = args.labs or sorted(p.stem for p in (REPO / "labs" / "solution").glob("*.ipynb"))
    data = os.environ.get("SEQLABS_DATA") if args.data else None
    for lab in labs:
        seconds, rows = count(lab, args.profile, data)
        worst = max((n for _, _, n, _ in rows), default=0)
        print(f"{lab} ({args.profile}, {seconds:.0f} s): most progress lines in a cell {worst}; "
              + "; ".join(f"cell {i}: {n} lines in {s} outputs{' with CR' if cr else ''}" for i, s, n, cr in rows),
              flush=True)


if __name__ == "__main__":
    main()
