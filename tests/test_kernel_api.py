"""A tiny notebook executed by nbclient in a real kernel, once per mode (and once under nbgrader).

Answers: what reaches the notebook file -- ✓/✘ as HTML with a text fallback,
events as display_data with autograder.core.events.MIME -- and that the grader's
judgement of the grade-mode run equals the student-mode tally.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.core import events
from autograder.notebook.judge import judge_events
from autograder.core.tokens import make_token

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab_kernel"
X = [1.5, -2.25, 3.0]

SETUP = "import autograder\nautograder.init({lab!r}, tokens={tokens!r})"
STUDENT = "x = [1.5, -2.25, 3.0]\nloss = 0.7"
TESTS = """\
with autograder.marks("q1_value", points=1):
    autograder.check("q1_value.x", x)
with autograder.marks("q1_todo", points=2):
    raise NotImplementedError("write this")
with autograder.marks("q1_loss", points=1):
    autograder.check_below("q1_loss.final", loss, bound={"fast": 1.0, "class": 1.0, "full": 0.5})
"""
SUMMARY = "autograder.summary()"


def notebook(tokens: dict[str, str]) -> nbformat.NotebookNode:
    """Setup, a student cell, one grade cell (4 points, three blocks) and the summary."""
    v4 = nbformat.v4
    grade_cell = v4.new_code_cell(TESTS)
    grade_cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "task": False,
                                      "grade_id": "q1_tests", "points": 4, "schema_version": 3}
    return v4.new_notebook(cells=[v4.new_code_cell(SETUP.format(lab=LAB, tokens=tokens)),
                                  v4.new_code_cell(STUDENT), grade_cell, v4.new_code_cell(SUMMARY)])


def execute(nb: nbformat.NotebookNode, monkeypatch, **env: str) -> nbformat.NotebookNode:
    """Execute ``nb`` in a fresh kernel whose environment has ``env`` (the kernel inherits ours)."""
    for var in ("AUTOGRADER_MODE", "SEQLABS_PROFILE", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    # The kernelspec runs `python`: make it this interpreter, which has autograder installed.
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    return nbformat.reads(nbformat.writes(nb), as_version=4)  # as a saved file reads back


@pytest.fixture(scope="module")
def tokens():
    return {"q1_value.x": make_token(X, salt=f"{LAB}:q1_value.x")}


def test_student_mode_shows_marks_and_summary(tokens, monkeypatch):
    """In student mode: ✓/✘ as HTML + text, partial credit in one cell, and a readable summary event."""
    nb = execute(notebook(tokens), monkeypatch)
    grade_outputs = nb.cells[2].outputs
    assert [o.output_type for o in grade_outputs] == ["display_data"] * 3
    texts = [o.data["text/plain"] for o in grade_outputs]
    assert texts[0] == "✓ q1_value [1/1 marks]"
    assert texts[1].startswith("✘ q1_todo [0/2 marks]\n    NotImplementedError: write this")
    assert "at cell, line 4, in <module> -> raise NotImplementedError" in texts[1]
    assert "✓ q1_loss [1/1 marks]" == texts[2]
    assert all("text/html" in o.data and events.MIME not in o.data for o in grade_outputs)
    summary_outputs = nb.cells[3].outputs
    assert [o.output_type for o in summary_outputs] == ["display_data", "display_data"]  # table, event; no Out[n]
    assert "part   marks\nq1     2/4" in summary_outputs[0].data["text/plain"] and "<table>" in summary_outputs[0].data["text/html"]
    (summary,) = events.events_in_notebook(nb)
    assert summary["event"] == "summary" and (summary["earned"], summary["points"]) == (2.0, 4.0)


def test_record_and_grade_modes_emit_events_the_judge_agrees_with(tokens, monkeypatch):
    """Record then grade in real kernels: are the events in the file, and is the judged score the tally?"""
    recorded = events.events_in_notebook(execute(notebook({}), monkeypatch, AUTOGRADER_MODE="record"))
    assert [(e["event"], e.get("check") or e.get("block")) for e in recorded] == [
        ("record", "q1_value.x"), ("block", "q1_value"), ("block", "q1_todo"),
        ("record", "q1_loss.final"), ("block", "q1_loss"), ("summary", None)]
    key = {"lab": LAB, "blocks": {}, "checks": {}}
    for e in recorded:
        if e["event"] == "block":
            key["blocks"].setdefault(e["block"], {"checks": []})["points"] = e["points"]
        if e["event"] == "record":
            key["blocks"].setdefault(e["block"], {"checks": []})["checks"].append(e["check"])
            key["checks"][e["check"]] = {**e, "salt": f"{LAB}:{e['check']}"}
    reported = events.events_in_notebook(execute(notebook({}), monkeypatch, AUTOGRADER_MODE="grade"),
                                         cells=[2])  # only the trusted test cell
    assert [e["event"] for e in reported] == ["report", "block", "block", "report", "block"]
    judged = judge_events(key, reported, profile="class")
    assert {b: j.earned for b, j in judged.items()} == {"q1_value": 1.0, "q1_todo": 0.0, "q1_loss": 1.0}
    assert judged["q1_todo"].error == "NotImplementedError: write this"


def test_nbgrader_scores_the_cell_as_the_tally(tokens, monkeypatch):
    """Under nbgrader's autograde, does nbgrader's own per-cell score equal our partial tally?"""
    from nbgrader.utils import determine_grade

    nb = execute(notebook(tokens), monkeypatch, NBGRADER_EXECUTION="autograde")
    cell = nb.cells[2]
    assert [o.output_type for o in cell.outputs] == ["display_data"] * 3 + ["execute_result"]
    assert determine_grade(cell) == (2.0, 4.0)
    assert not any(o.output_type == "execute_result" for c in nb.cells[:2] for o in c.outputs)
