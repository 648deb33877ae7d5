"""A lab's trained checks for the reference over several seeds: is every bound met by every correct run?

    python benchmarks/bench_seeds.py lab4_seq2seq fast 1234 1 2 3 4 5 6 7
    python benchmarks/bench_seeds.py lab2_pytorch_lstm class 42 1 2
    python benchmarks/bench_seeds.py lab6_transformer fast 1234 1 2 --skip positions_plot compare heatmaps
    python benchmarks/bench_seeds.py lab5_attention class 1234 1 --data ../shared/data   # on Multi30k

A bound taken from one run of the reference says little about a correct model
on another CPU: its last bits differ, training takes another path, and the
result is another draw from the same distribution. A changed seed is the
cheap way to draw one. The master runs in-process in record mode, as the
broken-model catalogues run it (``tests/labs/labrun.run_master``), with its
settings cell's ``for_profile(LabNSettings)`` given ``seed=S``; each run's
trained values (``check_below`` / ``check_above`` / ``check_agreement``) are
printed beside their bounds for the profile, with the blocks the committed key
fails. Exact checks that fail name a check whose value depends on the seed or
the profile (it should not: see docs/benchmarks.md, "Correct models over seeds").
``--broken NAME`` plants entry NAME of the lab's catalogue (``tests/labs/labN_broken.py``)
as well: the broken model over the same seeds, for the other side of a bound.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "labs"))

from labrun import Bug, code_cells, run_master  # noqa: E402

from autograder.core import values  # noqa: E402
from autograder.core.mode import resolve_bound  # noqa: E402

SETTINGS_CALL = re.compile(r"for_profile\((Lab\w+Settings)\)")
SIGN = {"below": "<", "above": ">", "agreement": ">="}


def trained_checks(lab: str) -> dict[str, dict]:
    key = json.loads((ROOT / "labs" / "keys" / f"{lab}.json").read_text())
    return {c: e for c, e in key["checks"].items() if e["kind"] in SIGN}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab")
    parser.add_argument("profile", choices=["fast", "class", "full"])
    parser.add_argument("seeds", nargs="+", type=int)
    parser.add_argument("--skip", nargs="*", default=(), help="cells (grade_ids) not to run: ungraded ones only")
    parser.add_argument("--broken", help="a catalogue entry of tests/labs/labN_broken.py to plant as well")
    parser.add_argument("--data", default=None, help="a real-data folder (what SEQLABS_DATA names); default: embedded")
    args = parser.parse_args()
    planted = ()
    if args.broken:
        catalogue = importlib.import_module(f"{args.lab.split('_')[0]}_broken")
        planted = tuple(catalogue.BROKEN[args.broken][0])
    checks = trained_checks(args.lab)
    gid, call = next((g, m.group(0)) for g, s in code_cells(args.lab) for m in [SETTINGS_CALL.search(s)] if m)
    all_passed = True
    for seed in args.seeds:
        start, cpu = time.perf_counter(), time.process_time()
        run = run_master(args.lab, profile=args.profile, bugs=(Bug(gid, call, f"{call[:-1]}, seed={seed})"),) + planted,
                         skip=tuple(args.skip), data_dir=args.data)
        shown = []
        for cid, entry in checks.items():
            if cid not in run.values:
                continue
            if entry["kind"] == "agreement":
                value = float(values.agreement(run.values[cid], values.decode(entry["target"])))
                bound = resolve_bound(entry["at_least"], profile=args.profile, data_dir=args.data)
            else:
                value = float(run.values[cid])
                bound = resolve_bound(entry["bound"], profile=args.profile, data_dir=args.data)
            shown.append(f"{cid} {value:.4g} ({SIGN[entry['kind']]} {bound:g})")
        failed = sorted(run.failed())
        all_passed &= bool(planted) or not failed
        print(f"seed {seed}: failed {failed or 'nothing'} in {time.perf_counter() - start:.0f} s "
              f"({time.process_time() - cpu:.0f} s CPU); " + "; ".join(shown),
              flush=True)
    return 0 if all_passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
