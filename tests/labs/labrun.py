"""Run a lab's master in-process with planted bugs, and judge it with the committed key.

The catalogues of broken-but-running models (``test_lab1_broken_models.py``,
``test_lab4_broken_models.py``) and ``benchmarks/bench_broken_models.py`` share
this: every code cell of the master (solutions and hidden tests included) is
executed in one namespace in ``record`` mode, with each planted bug a textual
replacement in one cell; the record events become report events and
``autograder.notebook.judge`` judges them against ``labs/keys/<lab>.json`` for the
profile asked for, exactly as ``autograder grade`` would.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from unittest import mock

import nbformat

from autograder.core import events
from autograder.notebook import judge, tally

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Bug:
    """A realistic mistake: in cell ``grade_id``, replace ``correct`` by ``buggy``."""
    grade_id: str
    correct: str
    buggy: str


@dataclass
class Run:
    """What one run of a (bugged) master earned, block by block."""
    judged: dict[str, judge.BlockJudgement]
    values: dict[str, object] = field(default_factory=dict)  # check id -> recorded value (decoded)
    seconds: float = 0.0

    def failed(self) -> set[str]:
        return {b for b, j in self.judged.items() if not j.ok}

    def earned(self) -> float:
        return sum(j.earned for j in self.judged.values())


def _environment(profile: str, data_dir: str | Path | None = None):
    """The kernel settings of a record run (restored afterwards); ``data_dir``: real data (default: embedded)."""
    return mock.patch.dict(os.environ, {"AUTOGRADER_MODE": "record", "SEQLABS_PROFILE": profile,
                                        "SEQLABS_DATA": str(data_dir or ""),
                                        "SEQLABS_PROGRESS": "off", "MPLBACKEND": "Agg"})


# The profiles the catalogue tests run: fast always; SEQLABS_CATALOGUE_PROFILES="fast class" adds class (minutes).
CATALOGUE_PROFILES = os.environ.get("SEQLABS_CATALOGUE_PROFILES", "fast").split()


class CheckRecorder:
    """Stands in for ``autograder`` in a test cell run with ``exec``: each block runs to its end (an error is kept
    in ``errors``, as the notebook takes the block's marks), each check records its value in ``values``."""

    def __init__(self):
        self.values, self.errors = {}, {}

    @contextlib.contextmanager
    def marks(self, block, points, **_):
        try:
            yield
        except Exception as error:  # a block that raises loses its marks, as in the notebook
            self.errors[block] = error

    def check(self, check_id, value, **tolerance):
        self.values[check_id] = value

    def check_shape(self, check_id, value):
        self.values[check_id] = [int(n) for n in value.shape]  # what autograder.check_shape records

    def require(self, *names):
        pass  # the reference defines every name


def namespaces_after(lab: str, cell: str) -> dict[str, dict]:
    """The master's namespace after ``cell``, run once per catalogue profile: where the bugged runs resume."""
    return {profile: run_master(lab, profile=profile, stop_after=cell).values["__namespace__"]
            for profile in CATALOGUE_PROFILES}


def code_cells(lab: str, bugs: tuple[Bug, ...] = ()) -> list[tuple[str, str]]:
    """``(grade_id or index, source)`` of the master's code cells with ``bugs`` planted."""
    nb = nbformat.read(ROOT / "labs" / "source" / f"{lab}.ipynb", as_version=4)
    cells = [(c.metadata.get("nbgrader", {}).get("grade_id") or f"cell{i}", c.source)
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for bug in bugs:
        matches = [k for k, (gid, _) in enumerate(cells) if gid == bug.grade_id]
        assert matches, f"no cell {bug.grade_id!r} in {lab}"
        gid, source = cells[matches[0]]
        assert bug.correct in source, f"{lab}:{gid}: the reference line changed: {bug.correct!r}"
        cells[matches[0]] = (gid, source.replace(bug.correct, bug.buggy))
    return cells


def key_from_events(lab: str, emitted: list[dict]) -> dict:
    """A key made from a reference run's record and block events, as ``autograder build`` makes one."""
    checks = {e["check"]: {**{k: v for k, v in e.items() if k not in ("event", "lab", "check")},
                           "hidden": False, "salt": f"{lab}:{e['check']}"}
              for e in emitted if e["event"] == "record"}
    blocks = {e["block"]: {"points": e["points"], "checks": [c for c, v in checks.items() if v["block"] == e["block"]]}
              for e in emitted if e["event"] == "block"}
    return {"lab": lab, "blocks": blocks, "checks": checks}


def judge_emitted(key: dict, emitted: list[dict], *, profile: str,
                  data_dir: str | Path | None = None) -> dict[str, judge.BlockJudgement]:
    """Judge a record run's events as the grader judges reports (blocks that did not run are left out)."""
    reports = [{"event": "report", "check": e["check"], "value": e["value"]}
               for e in emitted if e["event"] == "record"]
    blocks = [e for e in emitted if e["event"] == "block"]
    ran = {e["block"] for e in blocks}
    # a partial run (start_at / stop_after / skip) is judged on the blocks it ran, so that its
    # "uses your X" notes name only blocks that ran and failed
    key = {**key, "blocks": {b: spec for b, spec in key["blocks"].items() if b in ran}}
    return judge.judge_events(key, reports + blocks, profile=profile, data_dir=data_dir)


def run_master(lab: str, *, profile: str, bugs: tuple[Bug, ...] = (), stop_after: str | None = None,
               namespace: dict | None = None, start_at: str | None = None, key: dict | None = None,
               skip: tuple[str, ...] = (), data_dir: str | Path | None = None) -> Run:
    """Execute ``lab``'s master with ``bugs`` in ``profile`` and judge it against ``key``.

    ``key`` defaults to the committed ``labs/keys/<lab>.json``. ``stop_after``
    ends the run after that cell; ``start_at`` with ``namespace`` (from an
    earlier run's ``Run.values['__namespace__']``) resumes one; ``skip`` names
    cells not to run; ``data_dir`` a real-data folder (default: the embedded data). The run's events are
    in ``Run.values['__events__']``.
    """
    import matplotlib

    matplotlib.use("Agg")
    if key is None:
        key = json.loads((ROOT / "labs" / "keys" / f"{lab}.json").read_text())
    start = time.perf_counter()
    ns = dict(namespace) if namespace is not None else {"__name__": "__lab__"}
    with _environment(profile, data_dir):
        events.clear()
        tally.TALLY.blocks.clear()
        started = start_at is None
        for gid, source in code_cells(lab, bugs):
            started = started or gid == start_at
            if not started:
                continue
            if gid == "summary" or gid in skip:
                continue
            exec(compile(source, f"{lab}:{gid}", "exec"), ns)
            if gid == stop_after:
                break
        emitted = events.captured()
        events.clear()
    import matplotlib.pyplot as plt

    plt.close("all")
    judged = judge_emitted(key, emitted, profile=profile, data_dir=data_dir)
    from autograder.core import values

    recorded = {e["check"]: values.decode(e["value"]) for e in emitted if e["event"] == "record"}
    recorded["__namespace__"] = ns
    recorded["__events__"] = emitted
    return Run(judged=judged, values=recorded, seconds=time.perf_counter() - start)


def expected_blocks(entry: tuple) -> tuple[set[str], set[str]]:
    """``(fails, may_fail)`` of a catalogue entry ``(bugs, fails[, may_fail])``."""
    _, fails, *rest = entry
    return set(fails), set(rest[0]) if rest else set()


def assert_entry_fails_exactly(catalogue: ModuleType, name: str, profile: str, shared: dict[str, dict],
                                **plan_options) -> None:
    """Run entry ``name`` of ``catalogue`` (a ``labN_broken`` module) in ``profile`` as its ``plan`` says, from
    ``shared[profile]`` (``namespaces_after(catalogue.LAB, catalogue.SHARED_UNTIL)``), and assert that it fails
    exactly its blocks, each failed ``TRAINED`` block naming the failed ``FIRST_PARTS`` block to fix first."""
    fails, may_fail = catalogue.expected(name, profile)
    run = run_master(catalogue.LAB, profile=profile, bugs=catalogue.BROKEN[name][0], namespace=shared[profile],
                     **catalogue.plan(name, **plan_options))
    assert_fails_exactly(run, f"{name} [{profile}]", fails, may_fail, first_parts=catalogue.FIRST_PARTS,
                         trained=catalogue.TRAINED)


def assert_fails_exactly(run: Run, name: str, fails: set[str], may_fail: set[str], *, first_parts: set[str],
                         trained: set[str]) -> None:
    """The catalogue's assertion: ``run`` failed every block of ``fails`` that ran and nothing else
    (``may_fail`` aside), and each failed ``trained`` block that runs on a failed ``first_parts``
    block says which one to fix first."""
    failed = run.failed()
    fails = fails & set(run.judged)  # the blocks that ran (see the catalogues' plan)
    print(f"\n{name}: failed {sorted(failed)} in {run.seconds:.0f} s; "
          + "; ".join(f"{b}: {j.messages()[0]}" for b, j in run.judged.items() if not j.ok))
    missed = fails - failed
    assert not missed, f"{name}: blocks {sorted(missed)} still pass"
    extra = failed - fails - may_fail
    assert not extra, f"{name}: blocks {sorted(extra)} fail although the bug is not in them"
    if failed & first_parts:
        for block in failed & trained:
            assert "which failed above" in (run.judged[block].note or ""), (block, run.judged[block].messages())
