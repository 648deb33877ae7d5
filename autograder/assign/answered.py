"""The release as a correct student runs it, and the hidden-block rule (docs/instructor-guide.md, §2).

A student who types the solution's answers into the release runs the master
with its hidden-test regions removed: exactly the build's second record run
(``lab.strip_hidden_tests``, nbgrader's ``ClearHiddenTests``; the release only
adds stubs, locks and tokens). So the build checks that run, at no extra
kernel cost, for what would cost such a student marks no answer can win back:

* a cell or a visible ``marks`` block that raises there (it uses a name only a
  hidden test defines: the student sees a ``NameError`` they cannot fix);
* a visible bound or agreement check whose value there fails its key entry
  (judged by ``autograder.notebook.judge``, as the student's kernel judges it; an exact
  check whose value differs there is ``key.check_deterministic``'s to report).

And a block students see that holds hidden checks must say so with
``marks(..., hidden=True)``, and only such a block may say so; a block's
``uses=`` names blocks that run before it (a misspelt id would never show
its "fix that first" note).
"""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path
from typing import Any, Mapping

from nbformat import NotebookNode

from autograder.assign.errors import BuildError
from autograder.assign.execute import ExecutedNotebook
from autograder.assign.validate import REGIONS
from autograder.core.lab import grade_id_of

HIDDEN_BEGIN, HIDDEN_END = REGIONS[1][:2]
# Python's "name 'x' is not defined", or the notebook's "uses your `x` from part N (...), which is not defined"
UNDEFINED = re.compile(r"name '(\w+)' is not defined"
                       r"|uses (?:your )?`(\w+)`(?: from part \d+ \([^)]*\))?, which is not defined")


def undefined_name(error: str) -> str | None:
    """The name an error says is not defined (either wording), or ``None``."""
    found = UNDEFINED.search(error)
    return (found.group(1) or found.group(2)) if found else None
WHERE = "in the release with the solution's answers typed in (the master without its hidden tests)"


def check_answered_release(source: NotebookNode, full: ExecutedNotebook, stripped: ExecutedNotebook) -> None:
    """Raise ``BuildError`` for the first cell or block that raises in a correct student's release run.

    ``full``/``stripped``: the record runs of the master as it is and without its
    hidden tests.
    """
    for error in stripped.errors:
        cell = source.cells[error.index]
        lost = _blocks_in(full, error.index) - _blocks_in(stripped, error.index)
        what = f"its block(s) {', '.join(sorted(lost))} never run" if lost else "the cells below run without it"
        raise _failure(source, error.index, f"the cell raises {error.ename}: {error.evalue} {WHERE}: {what}",
                       error.evalue, subject="the cell", grade_id=grade_id_of(cell))
    for index, events in sorted(stripped.events.items()):
        for event in events:
            if event.get("event") == "block" and event.get("error"):
                # The student's advice a NameError carries in the notebook ("run the cells above") is not the
                # instructor's: the name itself is the cause here.
                name = undefined_name(event["error"])
                shown = f"NameError: name '{name}' is not defined" if name else event["error"]
                raise _failure(source, index, f"block {event['block']!r} fails {WHERE}: {shown}",
                               event["error"], subject="the block", grade_id=grade_id_of(source.cells[index]))


def check_hidden_blocks(source: NotebookNode, full: ExecutedNotebook, stripped: ExecutedNotebook,
                        checks: Mapping[str, Mapping[str, Any]]) -> None:
    """A visible block holding hidden checks opens with ``marks(..., hidden=True)``; only such a block does.

    A block is visible when it runs without the hidden tests; a check is hidden
    when it does not (``key.build_key``).
    """
    visible = _blocks_in(stripped)
    hidden_checks: dict[str, list[str]] = {}
    for cid, entry in checks.items():
        if entry["hidden"]:
            hidden_checks.setdefault(entry["block"], []).append(cid)
    for index, events in sorted(full.events.items()):
        gid = grade_id_of(source.cells[index])
        for event in (e for e in events if e.get("event") == "block"):
            block, says = event["block"], bool(event.get("hidden"))
            if block in visible and hidden_checks.get(block) and not says:
                raise BuildError(f"block {block!r} is visible to students but holds hidden check(s) "
                                 f"{', '.join(sorted(hidden_checks[block]))}, so the notebook would show marks "
                                 "the grade may not keep",
                                 f'open it with autograder.marks("{block}", ..., hidden=True), or move those '
                                 "checks into a block of their own inside the hidden-test region",
                                 index=index, grade_id=gid)
            if says and not hidden_checks.get(block):
                raise BuildError(f"block {block!r} says hidden=True but has no hidden check",
                                 f"remove hidden=True from its marks(...) call, or put its hidden check between "
                                 f"'### {HIDDEN_BEGIN}' and '### {HIDDEN_END}' inside the block",
                                 index=index, grade_id=gid)


def check_uses(source: NotebookNode, full: ExecutedNotebook) -> None:
    """Every id in a block's ``uses=`` is a block that ran before it in the master (``full``: its record run)."""
    seen: list[str] = []
    for index, events in sorted(full.events.items()):
        for event in (e for e in events if e.get("event") == "block"):
            for used in event.get("uses") or ():
                if used not in seen:
                    where = "runs after it" if used in _blocks_in(full) else "is no block of this lab"
                    raise BuildError(f"block {event['block']!r} says uses=(..., {used!r}, ...), but {used!r} {where}",
                                     "name in uses= the blocks above it whose answers it runs on, spelt as in their "
                                     f"autograder.marks(...) calls (blocks above: {', '.join(seen[-6:]) or 'none'})",
                                     index=index, grade_id=grade_id_of(source.cells[index]))
            seen.append(event["block"])


def check_answered_values(source: NotebookNode, stripped: ExecutedNotebook,
                          checks: Mapping[str, Mapping[str, Any]], profile: str, *,
                          data_dir: Path | None = None) -> None:
    """Raise ``BuildError`` for a visible bound or agreement check that the run without the hidden tests fails
    (``checks``: the key's entries; run after the master's own values passed, so the cause is the hidden tests).
    """
    from autograder.core import values
    from autograder.core.tokens import TOKEN_KINDS
    from autograder.notebook.judge import judge_check

    for index, events in sorted(stripped.events.items()):
        for event in events:
            entry = checks.get(event.get("check")) if event.get("event") == "record" else None
            if entry is None or entry["hidden"] or entry["kind"] in TOKEN_KINDS:
                continue
            ok, message = judge_check(entry, values.decode(event["value"]), profile=profile, data_dir=data_dir)
            if not ok:
                raise BuildError(f"check {event['check']!r} fails {WHERE}: {message}",
                                 "make the value the same with and without the hidden tests: seed every random "
                                 "number generator it depends on (seqlabs.seeding), and keep the hidden tests "
                                 "from changing what visible cells use (give them their own copies)",
                                 index=index, grade_id=grade_id_of(source.cells[index]))


def _failure(source, index: int, problem: str, error: str, *, subject: str, grade_id: str | None) -> BuildError:
    """The error for a cell or block that fails without the hidden tests, with the cause when it is a name
    only a hidden test defines."""
    name = undefined_name(error)
    defined_in = _hidden_definition(source, name, upto=index) if name else None
    if defined_in is not None:
        problem += f"; it uses `{name}`, defined only in hidden tests of cell {defined_in + 1}"
        fix = (f"move the definition of `{name}` to a visible cell (outside '### {HIDDEN_BEGIN}'), "
               f"or make {subject} hidden (inside the hidden-test region)")
    else:
        fix = (f"{subject} may use only what visible cells define: move what it needs out of the hidden tests, "
               f"or make {subject} hidden (inside the hidden-test region)")
    return BuildError(problem, fix, index=index, grade_id=grade_id)


def _blocks_in(run: ExecutedNotebook, index: int | None = None) -> set[str]:
    """The blocks that emitted a block event in ``run`` (in cell ``index`` only, if given)."""
    cells = [index] if index is not None else list(run.events)
    return {e["block"] for i in cells for e in run.events.get(i, []) if e.get("event") == "block"}


def _hidden_definition(source: NotebookNode, name: str, *, upto: int) -> int | None:
    """The first cell at or above ``upto`` whose hidden-test region binds ``name``."""
    for index, cell in enumerate(source.cells[: upto + 1]):
        if cell.cell_type == "code" and any(name in _bound_names(r) for r in _hidden_regions(cell.source)):
            return index
    return None


def _hidden_regions(code: str) -> list[str]:
    regions, inside = [], None
    for line in code.split("\n"):
        if HIDDEN_BEGIN in line:
            inside = []
        elif HIDDEN_END in line and inside is not None:
            regions.append("\n".join(inside))
            inside = None
        elif inside is not None:
            inside.append(line)
    return regions


def _bound_names(code: str) -> set[str]:
    """Names a piece of code assigns, defines or imports (every word in it, if it does not parse alone)."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return set(re.findall(r"\w+", code))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names
