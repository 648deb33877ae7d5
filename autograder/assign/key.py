"""Answer key: from the record events of the executed master (docs/architecture.md, "Answer key").

A check is *hidden* iff it is recorded when the master runs as it is but not
when the master runs with its hidden-test regions removed by nbgrader's own
``ClearHiddenTests`` (solutions kept). Running the code decides it, so a check
whose id is computed, or one called from a helper defined in a hidden region,
is classified right; a static scan of the delimiters could not tell.
"""
from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader import utils as nbg

from autograder.assign.answered import (check_answered_release, check_answered_values, check_hidden_blocks,
                                        check_uses)
from autograder.assign.errors import BuildError
from autograder.assign.execute import ExecutedNotebook
from autograder.assign.validate import static_check_ids
from autograder.core.conditions import Conditions
from autograder.notebook.display import fmt_points
from autograder.core.lab import cell_index, grade_id_of
from autograder.core.tokens import TOKEN_KINDS

FORMAT = "seqlabs-key/2"  # 2: the grading conditions are recorded ("conditions")
_NOT_PARAMS = ("event", "lab", "check")  # record fields that are not key fields


def build_key(lab: str, source: NotebookNode, full: ExecutedNotebook, stripped: ExecutedNotebook,
              conditions: Conditions = Conditions()) -> dict[str, Any]:
    """The key of ``lab`` from the record runs of the master (``full``) and of it without hidden tests,
    both run under ``conditions``."""
    profile = conditions.profile
    check_record_run(source, full)
    blocks: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, Any]] = {}
    cell_points: dict[int, float] = {}
    visible = {e["check"] for e in stripped.all_events() if e.get("event") == "record"}
    for index, events in sorted(full.events.items()):
        cell = source.cells[index]
        for event in events:
            if event.get("event") == "block":
                _add_block(blocks, cell, index, event)
                cell_points[index] = cell_points.get(index, 0.0) + float(event["points"])
            elif event.get("event") == "record":
                _add_check(lab, checks, cell, index, event, hidden=event["check"] not in visible)
    for cid, entry in checks.items():
        if entry["block"] is not None:
            blocks[entry["block"]]["checks"].append(cid)
    _check_coverage(source, checks, visible)
    answered = stripped is not full  # the release as a correct student runs it (a master without hidden tests is)
    if answered:
        check_answered_release(source, full, stripped)
    check_deterministic(source, checks, stripped, profile, hidden_tests=answered)
    _check_reference_passes(source, checks, blocks, conditions)
    if answered:
        check_answered_values(source, stripped, checks, profile, data_dir=conditions.data_dir)
    check_hidden_blocks(source, full, stripped, checks)
    check_uses(source, full)
    _check_points(source, cell_points)
    manual = {grade_id_of(c): {"points": _number(c.metadata.nbgrader["points"])}
              for c in source.cells if nbg.is_grade(c) and nbg.is_solution(c)}
    return {"format": FORMAT, "lab": lab, "conditions": conditions.as_key(), "blocks": blocks, "checks": checks,
            "manual": manual}


def check_record_run(source: NotebookNode, run: ExecutedNotebook) -> None:
    """Raise ``BuildError`` for the first cell that raised, or marks block that failed, in a record run."""
    fix = ("the master must run top to bottom without errors in record mode (in the conditions of the build): "
           "run it in Jupyter with SEQLABS_PROFILE set to the build's profile to see the traceback, and fix the cell")
    for error in run.errors:
        cell = source.cells[error.index]
        raise BuildError(f"the cell raised {error.ename}: {error.evalue}", fix,
                         index=error.index, grade_id=grade_id_of(cell))
    for index, events in sorted(run.events.items()):
        for event in events:
            if event.get("event") == "block" and event.get("error"):
                raise BuildError(f"marks block {event['block']!r} failed with the solution: {event['error']}",
                                 "fix the solution or the check so that the master earns every mark",
                                 index=index, grade_id=grade_id_of(source.cells[index]))


def _add_block(blocks, cell, index, event) -> None:
    block = event["block"]
    gid = grade_id_of(cell)
    if block in blocks:
        raise BuildError(f"marks block {block!r} runs twice (first in cell {blocks[block]['cell']!r})",
                         "give every marks block its own id and run it once in the master",
                         index=index, grade_id=gid)
    if not nbg.is_grade(cell) or cell.cell_type != "code":
        raise BuildError(f"marks block {block!r} is in a cell that is not an nbgrader grade cell",
                         "mark the cell 'Autograder tests' with points equal to its blocks' points",
                         index=index, grade_id=gid)
    blocks[block] = {"points": _number(event["points"]), "cell": gid, "checks": []}


def _add_check(lab: str, checks, cell, index, event, *, hidden: bool) -> None:
    cid = event["check"]
    if cid in checks:
        raise BuildError(f"check {cid!r} was recorded twice; the key holds one value per check",
                         "run each check once in the master (not in a loop), or give each run its own id",
                         index=index, grade_id=grade_id_of(cell))
    block = event.get("block")
    if block is None:
        raise BuildError(f"check {cid!r} runs outside any marks block, so it is worth no marks",
                         "put it inside `with autograder.marks(\"<block>\", points=N):` in this test cell",
                         index=index, grade_id=grade_id_of(cell))
    if not cid.startswith(f"{block}.") or cid == f"{block}.":
        raise BuildError(f"check id {cid!r} breaks the '<block>.<what>' rule: it runs in block {block!r}",
                         f"rename it {block}.{cid.rsplit('.', 1)[-1]!s} (the block's id, a dot, what it checks)",
                         index=index, grade_id=grade_id_of(cell))
    params = {k: v for k, v in event.items() if k not in _NOT_PARAMS}
    checks[cid] = {"kind": params.pop("kind"), "block": params.pop("block", None), "hidden": hidden,
                   **params, "salt": f"{lab}:{cid}"}


def _check_coverage(source, checks, visible) -> None:
    for cid, index in static_check_ids(source).items():
        if cid not in checks:
            raise BuildError(f"check {cid!r} never ran when the master was executed, so it has no key entry",
                             "make the check run in the master (not behind an if, a try or an early return), "
                             "or delete it", index=index, grade_id=grade_id_of(source.cells[index]))
    for cid in visible - set(checks):
        raise BuildError(f"check {cid!r} ran only without the hidden tests: the master does not run the same "
                         "code with and without them",
                         "seed every random number generator the lab uses, and keep visible cells from testing "
                         "what the hidden tests define (the release runs without them)")


def check_deterministic(source, checks, rerun: ExecutedNotebook, profile: str, *, hidden_tests: bool = False) -> None:
    """A token check must give the same value in another run of the master (within its tolerance), or its
    token would accept a value the next run does not give. ``rerun``: the record run without hidden tests,
    or a grade-mode run of the master (its reports carry the values). ``hidden_tests``: ``rerun`` is the run
    without them, where a hidden test that changes what a visible cell uses also changes the value."""
    from autograder.core import values
    from autograder.notebook.judge import judge_check

    for index, events in sorted(rerun.events.items()):
        for event in events:
            entry = checks.get(event.get("check")) if event.get("event") in ("record", "report") else None
            if entry is None or entry["kind"] not in TOKEN_KINDS or "value" not in event:
                continue
            ok, _ = judge_check(entry, values.decode(event["value"]), profile=profile)
            if not ok:
                also = ("; and keep the hidden tests from changing what visible cells use (give them their own "
                        "copies and generators): the release runs without them") if hidden_tests else ""
                raise BuildError(f"check {event['check']!r} recorded different values in two runs of the master",
                                 "seed every random number generator the value depends on "
                                 f"(seqlabs.seeding), or check a deterministic value{also}",
                                 index=index, grade_id=grade_id_of(source.cells[index]))


def _check_reference_passes(source, checks, blocks, conditions: Conditions) -> None:
    """Record mode always passes; judge each reference value now, so a bound the master misses fails here."""
    from autograder.core import values
    from autograder.notebook.judge import judge_check

    for cid, entry in checks.items():
        ok, message = judge_check(entry, values.decode(entry["value"]), profile=conditions.profile,
                                  data_dir=conditions.data_dir)
        if not ok:
            gid = blocks[entry["block"]]["cell"] if entry["block"] else None
            index = cell_index(source, gid)
            raise BuildError(f"the master's own value fails check {cid!r}: {message}",
                             f"fix the solution, or set the check's bound for the {conditions.profile!r} profile "
                             f"so that it holds on the data that profile uses ({conditions.describe()})",
                             index=index, grade_id=gid)


def _check_points(source, cell_points) -> None:
    for index, cell in enumerate(source.cells):
        if cell.cell_type != "code" or not nbg.is_grade(cell) or nbg.is_solution(cell):
            continue
        points, blocks = float(cell.metadata.nbgrader["points"]), cell_points.get(index, 0.0)
        if abs(points - blocks) > 1e-9:
            raise BuildError(f"nbgrader points are {fmt_points(points)} but the marks blocks in the cell "
                             f"add up to {fmt_points(blocks)}",
                             f"set the cell's points to {fmt_points(blocks)} or change the blocks' points",
                             index=index, grade_id=grade_id_of(cell))


def _number(x: Any) -> int | float:
    """The points as the key stores them, a JSON number: 2.0 -> 2, so the key reads like the master
    (``autograder.notebook.display.fmt_points`` writes points as text)."""
    x = float(x)
    return int(x) if x.is_integer() else x
