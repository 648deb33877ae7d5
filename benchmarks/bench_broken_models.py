"""Trained results of the reference and of the broken-model catalogues, side by side (issue 12).

For each lab and profile, runs the master in-process (record mode, embedded
data) as it is and with each catalogued bug planted, judges it with the
committed key, and prints the trained-result values, the blocks that failed
and whether that is what the catalogue expects. The bounds in
``src/seqlabs/settings/lab1.py`` / ``lab4.py`` / ``lab6.py`` are set from these figures.

    python benchmarks/bench_broken_models.py --lab lab1 --profile fast class --fresh-key

``--data DIR`` runs them on the real data in ``DIR`` (what ``SEQLABS_DATA``
names: ``class`` then takes its sizes for Multi30k)::

    python benchmarks/bench_broken_models.py --lab lab4 --profile class --data ../shared/data --fresh-key

``--fresh-key`` judges with a key made from the same run of the reference
(before a rebuild); without it, with the committed ``labs/keys`` key.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "labs"))

from labrun import judge_emitted, key_from_events, run_master  # noqa: E402
from measure import cpu_seconds  # noqa: E402

CATALOGUES = {"lab1": "lab1_broken", "lab4": "lab4_broken", "lab6": "lab6_broken"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", choices=sorted(CATALOGUES), required=True)
    parser.add_argument("--profile", nargs="+", default=["fast"])
    parser.add_argument("--only", nargs="*", help="run only these catalogue entries (and the reference)")
    parser.add_argument("--fresh-key", action="store_true",
                        help="judge with a key made from this run of the reference, not the committed key")
    parser.add_argument("--data", default=None, help="a real-data folder (what SEQLABS_DATA names); default: embedded")
    args = parser.parse_args()
    catalogue = importlib.import_module(CATALOGUES[args.lab])
    print(f"load {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    ok = True
    for profile in args.profile:
        entries = {"reference": ((), set()), **catalogue.BROKEN}
        key = None
        for name, (bugs, *_) in entries.items():
            expected, may_fail = (set(), set()) if name == "reference" else catalogue.expected(name, profile)
            if args.only and name not in args.only and name != "reference":
                continue
            cpu, wall = cpu_seconds(), time.perf_counter()
            if name == "reference":
                run = run_master(catalogue.LAB, profile=profile, key=key, data_dir=args.data)
                reference_namespace = run.values["__namespace__"]
            else:  # only the cells the bug can change, from the reference's namespace (catalogue.plan)
                run = run_master(catalogue.LAB, profile=profile, bugs=bugs, key=key, data_dir=args.data,
                                 namespace=reference_namespace, **catalogue.plan(name))
            if name == "reference" and args.fresh_key:
                key = key_from_events(catalogue.LAB, run.values["__events__"])
                run.judged = judge_emitted(key, run.values["__events__"], profile=profile, data_dir=args.data)
            trained = catalogue.trained_values(run)
            failed = run.failed()
            as_expected = failed - may_fail == expected - may_fail
            verdict = "as expected" if as_expected else f"EXPECTED {sorted(expected)}"
            ok &= as_expected
            print(f"[{profile}] {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in trained.items()))
            print(f"[{profile}] {name}: failed {sorted(failed)} -- {verdict} "
                  f"({time.perf_counter() - wall:.0f} s wall, {cpu_seconds() - cpu:.0f} s CPU)", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
