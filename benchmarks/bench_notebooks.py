"""Wall time and marks of each lab's solution notebook, run as a student would, per profile.

    python benchmarks/bench_notebooks.py                         # every lab, fast profile
    python benchmarks/bench_notebooks.py --profile class lab1_rnn_lstm_numpy
    SEQLABS_DATA=/work/shared/data python benchmarks/bench_notebooks.py --profile full --data lab4_seq2seq

Each notebook runs top to bottom in a fresh kernel in student mode (the
checks verify against the notebook's own tokens), from the kernel's start to
its last cell, on the embedded data unless `--data` passes `SEQLABS_DATA`
through. Prints seconds and the notebook's own tally (`summary()`), and the
trained-result lines the notebook printed (losses, BLEU) with `--show`.
Targets (issues 5 and 6): `fast` < 60 s for every lab; `class` < 3 min for
lab 1 and < 10 min for lab 4, with every threshold met (full marks).
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import nbformat

from autograder.assign import list_labs
from autograder.assign.execute import execute_notebook

REPO = Path(__file__).resolve().parents[1]
CELL_TIMEOUT = 4 * 3600  # s; the full profile trains one model per cell for about an hour on 2 cores


def run(lab: str, *, profile: str, data: bool) -> tuple[float, dict | None, list[str]]:
    """(seconds, the notebook's summary event, its stdout lines) for one solution notebook."""
    nb = nbformat.read(REPO / "labs" / "solution" / f"{lab}.ipynb", as_version=4)
    data_dir = Path(os.environ["SEQLABS_DATA"]) if data and os.environ.get("SEQLABS_DATA") else None
    start = time.perf_counter()
    executed = execute_notebook(nb, mode="student", profile=profile, data_dir=data_dir,
                                cwd=REPO / "labs" / "solution", timeout=CELL_TIMEOUT)
    seconds = time.perf_counter() - start
    summaries = [e for e in executed.all_events() if e.get("event") == "summary"]
    printed = [line for cell in executed.nb.cells if cell.cell_type == "code" for o in cell.outputs
               if o.output_type == "stream" and o.name == "stdout" for line in o.text.splitlines()]
    return seconds, (summaries[-1] if summaries else None), printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("labs", nargs="*", help="lab names (default: every lab)")
    parser.add_argument("--profile", default="fast", choices=("fast", "class", "full"))
    parser.add_argument("--data", action="store_true", help="pass SEQLABS_DATA through (real data)")
    parser.add_argument("--show", action="store_true", help="print the notebook's stdout lines too")
    args = parser.parse_args()
    print(f"profile {args.profile}, {os.cpu_count()} CPU cores, data: "
          f"{os.environ.get('SEQLABS_DATA') if args.data else 'embedded'}")
    print(f"{'lab':24}{'seconds':>9}{'marks':>9}")
    for lab in args.labs or list_labs(REPO):
        seconds, summary, printed = run(lab, profile=args.profile, data=args.data)
        marks = f"{summary['earned']:g}/{summary['points']:g}" if summary else "no summary"
        print(f"{lab:24}{seconds:>9.1f}{marks:>9}", flush=True)
        if args.show:
            print("\n".join("    " + line for line in printed))


if __name__ == "__main__":
    main()
