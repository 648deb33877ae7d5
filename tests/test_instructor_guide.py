"""Does docs/instructor-guide.md match the tool? Its checklist run as written on a scratch lab made by its own
nbformat recipe, the call signatures it shows, and no issue numbers or one machine's paths."""
from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import autograder
from conftest import REPO_ROOT

GUIDE = (REPO_ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
CHECKLIST = GUIDE[GUIDE.index("## Checklist for a new lab"):]
AUTOGRADER = Path(sys.executable).with_name("autograder")  # the console script beside this Python


def python_block(marker: str) -> str:
    """The guide's ```python block that contains ``marker``."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, re.S)
    return next(b for b in blocks if marker in b)


def step(number: int) -> str:
    return re.search(rf"^{number}\. (.*?)(?=^\d+\. |\Z)", CHECKLIST, re.S | re.M).group(1)


def commands(text: str, program: str) -> list[str]:
    return [c for c in re.findall(r"`([^`]+)`", text) if c.startswith(program + " ")]


def run(args: list[str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.mark.slow  # two builds and a run through the command line, as test_authoring_errors' copy build
def test_checklist_runs_as_written_on_a_scratch_lab(tmp_path):
    """Steps 1-5 of the checklist, as the guide writes them, on the lab its nbformat recipe makes."""
    from autograder.assign.execute import execute_notebook
    from autograder.core.events import events_in_notebook

    recipe = python_block("make_master.py")
    (tmp_path / "make_master.py").write_text(recipe)
    run([sys.executable, "make_master.py"], tmp_path)  # step 1, "Without the sidebar"
    lab = re.search(r'^LAB = "(\w+)"', recipe, re.M).group(1)
    assert (tmp_path / "labs" / "source" / f"{lab}.ipynb").is_file()

    [build] = commands(step(3), "autograder")
    assert build == "autograder build <lab>"
    shown = run([str(AUTOGRADER), *build.replace("<lab>", lab).split()[1:]], tmp_path)
    assert f"{lab}: verified: solution 2/2, release 0/2, no leaks" in shown, shown

    solution = nbformat.read(tmp_path / "labs" / "solution" / f"{lab}.ipynb", as_version=4)  # step 4
    assert f"labs/solution/<lab>.ipynb" in step(4)
    for nb in (solution, execute_notebook(solution, mode="student", cwd=tmp_path).nb):  # as built; run again
        summary = [e for e in events_in_notebook(nb) if e.get("event") == "summary"][-1]
        assert (summary["earned"], summary["points"]) == (2, 2)
        assert all(not b["error"] for b in summary["blocks"].values())

    assert commands(step(5), "autograder") == [build]  # step 5: a rebuild writes nothing
    assert "unchanged: " in run([str(AUTOGRADER), *build.replace("<lab>", lab).split()[1:]], tmp_path)
    [pytest_command] = commands(step(5), "pytest")
    slow_lab = "lab1_rnn_lstm_numpy"  # any lab but the example is marked slow, as a new one is
    collected = run([sys.executable, "-m", *pytest_command.replace("<lab>", slow_lab).split(),
                     "--collect-only", "-q"], REPO_ROOT)
    assert f"test_rebuild_on_another_machine_changes_nothing[{slow_lab}]" in collected, collected


def plain(signature: inspect.Signature) -> str:
    """``(check_id, value, *, rtol=1e-05, atol=1e-08)``: the signature without annotations."""
    params = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()]
    return str(signature.replace(parameters=params, return_annotation=inspect.Signature.empty))


def test_the_signatures_shown_are_the_codes():
    """Is every `autograder.X(...)` line of the guide's signature block the code's signature, defaults included?"""
    block = python_block("autograder.check(check_id")
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 5
    for line in lines:
        name = re.match(r"autograder\.(\w+)\(", line).group(1)
        assert line == f"autograder.{name}{plain(inspect.signature(getattr(autograder, name)))}"
    assert "possible=" in GUIDE and "check(id, value, rtol=1e-05, atol=1e-08)" in GUIDE


def test_no_issue_numbers_or_machine_paths():
    assert not re.findall(r"\bissue \d+", GUIDE)
    assert not re.findall(r"/tmp/\w|/root\b|/work/|/home/(?!you\b)", GUIDE)
    assert "toolbar" not in GUIDE.replace("not a cell toolbar", "").replace("Cell Toolbar", "")


def test_the_feedback_page_and_exports_show_the_uses_note():
    """The guide says a failed block's `uses` note reaches the feedback page: does it, and the LMS text too?"""
    from autograder.report.feedback import block_lines, feedback_page

    note = "uses your q1_means, which failed above: fix it first"
    block = {"ok": False, "earned": 0, "points": 1, "error": None, "note": note,
             "checks": {"q2_rms.data": {"ok": False, "message": "beyond tolerance", "hidden": False}}}
    page = feedback_page("lab", {"student": "s", "status": "graded", "detail": "", "score": 0, "max_score": 1,
                                 "manual": {}, "blocks": {"q2_rms": block}}, None)
    assert note in page and block_lines(block)[0] == note
