"""Build-time verification, as otter does: full marks for the solution, zero for the release, no leaks.

* the master run in grade mode, judged against the key by ``autograder.notebook.judge``
  (what ``autograder grade`` does), earns every point;
* the solution notebook's own ``summary()`` (student mode, token table) shows
  every point too, so the notebook tally and the grade agree on it;
* the release run as handed out, in grade mode, finishes and earns nothing;
* no line of a solution region and no key value is in the release.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from nbformat import NotebookNode
from nbgrader import utils as nbg

from autograder.assign.errors import BuildError
from autograder.assign.execute import ExecutedNotebook, execute_notebook
from autograder.assign.solution import summary_of
from autograder.assign.validate import REGIONS
from autograder.core.conditions import Conditions, key_data_dir, key_profile
from autograder.core.lab import auto_points, cell_index, grade_id_of

SOLUTION_BEGIN, SOLUTION_END = REGIONS[0][:2]
MIN_SIGNIFICANT = 3  # a value that rounds to fewer significant digits ("0.5", "2") cannot be hidden


def judged_points(key: Mapping[str, Any], run: ExecutedNotebook, cells: Iterable[int]) -> dict[str, Any]:
    """``{block: BlockJudgement}`` of a grade-mode run, from the events of ``cells`` only."""
    from autograder.core.events import events_in_notebook
    from autograder.notebook.judge import judge_events

    return judge_events(key, events_in_notebook(run.nb, cells=cells), profile=key_profile(key),
                        data_dir=key_data_dir(key))


def verify_solution(source: NotebookNode, key: Mapping[str, Any], solution: ExecutedNotebook,
                    *, graded: ExecutedNotebook) -> None:
    """The master earns every point when graded (``graded``: its grade-mode run), and its solution notebook's
    summary says so."""
    total = auto_points(key)
    for block, judged in judged_points(key, graded, range(len(source.cells))).items():
        if not judged.ok:
            index = cell_index(source, key["blocks"][block]["cell"])
            raise BuildError(f"the solution loses block {block!r} when graded: {'; '.join(judged.messages())}",
                             "the master must pass its own checks; widen the tolerance or fix the solution",
                             index=index, grade_id=key["blocks"][block]["cell"])
    shown = summary_of(solution)
    if shown is None or shown.get("earned") != total or shown.get("points") != total:
        got = "no summary()" if shown is None else f"{shown.get('earned')}/{shown.get('points')}"
        raise BuildError(f"the solution notebook's summary shows {got}, not {total:g}/{total:g}",
                         "end the master with a locked cell calling autograder.summary(); check the tokens")


def verify_release(release: NotebookNode, key: Mapping[str, Any], *, timeout: float,
                   cwd: Path | None = None, conditions: Conditions = Conditions()) -> ExecutedNotebook:
    """The release as handed out runs to the end (errors allowed) and earns 0 when graded (in ``conditions``)."""
    try:
        run = execute_notebook(release, mode="grade", profile=conditions.profile, data_dir=conditions.data_dir,
                               timeout=timeout, cwd=cwd)
    except Exception as error:  # a dead kernel or a timeout: the student could not run it either
        raise BuildError(f"the release notebook does not run to the end: {type(error).__name__}: {error}",
                         "make every given cell run with the stubs in place") from None
    trusted = [i for i, c in enumerate(release.cells) if nbg.is_grade(c) or nbg.is_locked(c)]
    for block, judged in judged_points(key, run, trusted).items():
        if judged.earned:
            cell = key["blocks"][block]["cell"]
            raise BuildError(f"block {block!r} earns {judged.earned:g} points in the untouched release",
                             "make its checks depend on the student's answer (a solution region)",
                             index=cell_index(release, cell), grade_id=cell)
    return run


def verify_no_leaks(source: NotebookNode, release: NotebookNode, key: Mapping[str, Any]) -> None:
    """No solution line and no key value (repr or 4 significant figures) in the release.

    A solution line is leaked when the release holds it (stripped, as a whole
    line) and the master holds it nowhere outside its solution regions: a line
    the master also gives students (a helper line shared with the answer) is
    given, not leaked. Key values: see ``_value_strings``.
    """
    text, lines = _release_text(release)
    public = {line.strip() for cell in source.cells for line in _outside_solutions(cell)}
    for index, cell in enumerate(source.cells):
        for line in _solution_lines(cell):
            if line in lines and line not in public:
                raise BuildError(f"solution line {line!r} appears in the release",
                                 "keep answers inside ### BEGIN SOLUTION / ### END SOLUTION of solution cells",
                                 index=index, grade_id=grade_id_of(cell))
    for cid, entry in key["checks"].items():
        for shown in _value_strings(entry["value"]):
            if shown in text:
                raise BuildError(f"the key value of check {cid!r} appears in the release as {shown!r}",
                                 "do not print or write the expected value in the master's given cells")


def _release_text(release: NotebookNode) -> tuple[str, set[str]]:
    """All the release's cell text, with token strings (random-looking) blanked, and its stripped lines."""
    text = "\n".join(c.source for c in release.cells)
    text = re.sub(r'"[^"\n]*":\s*"[^"\n]*",', '', text)  # token table rows
    outputs = [str(o) for c in release.cells for o in c.get("outputs", [])]
    return text + "\n".join(outputs), {line.strip() for line in text.split("\n") if line.strip()}


def _solution_lines(cell: NotebookNode) -> list[str]:
    """The stripped, non-empty lines of the cell's solution regions (the whole cell if it has none)."""
    if not nbg.is_solution(cell):
        return []
    lines = cell.source.split("\n")
    if not any(SOLUTION_BEGIN in line for line in lines):
        return [line.strip() for line in lines if line.strip()]
    inside, found = False, []
    for line in lines:
        if SOLUTION_BEGIN in line or SOLUTION_END in line:
            inside = SOLUTION_BEGIN in line
        elif inside and line.strip():
            found.append(line.strip())
    return found


def _outside_solutions(cell: NotebookNode) -> list[str]:
    solution = set(_solution_lines(cell))
    return [line for line in cell.source.split("\n") if line.strip() and line.strip() not in solution]


def _value_strings(encoded: Any) -> set[str]:
    """How a key value could be written in the release: each distinctive float's repr and its 4
    significant figures; each string of 3 or more characters as a quoted literal."""
    data = encoded.get("data")
    items = data if isinstance(data, list) else [data]
    if encoded.get("type") == "str":
        return {f"{q}{x}{q}" for x in items if isinstance(x, str) and len(x) >= 3 for q in "\"'"}
    if encoded.get("dtype") != "float64":
        return set()  # ints and bools have too few possible values to hide (docs/tokens.md)
    found = set()
    for x in items[:10_000]:
        if not isinstance(x, float) or not math.isfinite(x) or x.is_integer():
            continue
        short = f"{x:.4g}"
        if len(re.sub(r"e.*|[^0-9]", "", short).strip("0")) >= MIN_SIGNIFICANT:
            found |= {short, repr(x)}
    return found
