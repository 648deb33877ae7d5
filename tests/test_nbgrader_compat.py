"""Do the notebooks work in an nbgrader course as they are, with nbgrader's scores equal to ours?

An nbgrader course uses the generated *solution* notebook as its source: it is
the master with the token table (the visible checks' tokens in the setup cell,
the hidden ones at the top of each hidden-test region, so that nbgrader's own
release leaves them out and its autograde restores them with the hidden tests).
The bare master works with nbgrader too, but its setup cell has no tokens, and
nbgrader's autograde restores that locked cell from its database, so every
token check would fail there.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils as nbg
from nbgrader.api import Gradebook

from autograder.assign import execute_notebook
from autograder.core.events import events_in_notebook
from autograder.notebook.judge import judge_events
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nbgrader")]
LAB = EXAMPLE_LAB
WRONG_RMS = '    return float(np.mean(x))  # not the RMS'


def labs_file(kind: str) -> Path:
    return EXAMPLE_ROOT / "labs" / kind / (f"{LAB}.json" if kind == "keys" else f"{LAB}.ipynb")


def answers(carol: bool) -> dict[str, str]:
    """Solution cell sources by grade_id: the master's, or Carol's (q2 wrong, q3 left as the stub)."""
    master = nbformat.read(labs_file("source"), as_version=4)
    found = {c.metadata.nbgrader["grade_id"]: c.source for c in master.cells if nbg.is_solution(c)}
    if carol:
        found["q2_code"] = found["q2_code"].split("    ### BEGIN")[0] + WRONG_RMS
        found["q3_code"] = 'gate = ""  # one lowercase word'
    return found


def with_answers(nb: nbformat.NotebookNode, sources: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    for cell in nb.cells:
        if nbg.is_solution(cell) and cell.cell_type == "code":
            cell.source = sources[cell.metadata.nbgrader["grade_id"]]
    return nb


def our_points_by_cell(sources: dict[str, str]) -> dict[str, float]:
    """This project's grade: the master with these answers, run in grade mode, judged against the key."""
    key = json.loads(labs_file("keys").read_text())
    run = execute_notebook(with_answers(nbformat.read(labs_file("source"), as_version=4), sources), mode="grade")
    points: dict[str, float] = defaultdict(float)
    for block, judged in judge_events(key, events_in_notebook(run.nb), profile="fast").items():
        points[key["blocks"][block]["cell"]] += judged.earned
    return dict(points)


def nbgrader(course: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOGRADER_MODE", "SEQLABS_DATA")}
    # nbgrader runs `alembic` from PATH: the environment's own bin/ must come first, venv activated or not.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env={**env, "SEQLABS_PROFILE": "fast"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course: the solution notebook as source; submissions from Alice (solution), Bob (release), Carol."""
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "seqlabs"\n')
    (course / "source" / LAB).mkdir(parents=True)
    shutil.copy(labs_file("solution"), course / "source" / LAB / f"{LAB}.ipynb")
    release = nbformat.read(labs_file("release"), as_version=4)
    for student, nb in (("alice", nbformat.read(labs_file("solution"), as_version=4)), ("bob", release),
                        ("carol", with_answers(release, answers(carol=True)))):
        (course / "submitted" / student / LAB).mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / LAB / f"{LAB}.ipynb")
    nbgrader(course, "generate_assignment", LAB)
    nbgrader(course, "autograde", LAB, "--create")
    return course


def nbgrader_points(course: Path, student: str) -> dict[str, float | None]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(LAB, LAB, student)
        return {g.name: g.auto_score for g in nb.grades}


def test_nbgrader_release_is_ours(course):
    """Does `nbgrader generate_assignment` on the solution notebook make our release, cell for cell?"""
    theirs = nbformat.read(course / "release" / LAB / f"{LAB}.ipynb", as_version=4)
    ours = nbformat.read(labs_file("release"), as_version=4)
    assert [(c.source, c.metadata) for c in theirs.cells] == [(c.source, c.metadata) for c in ours.cells]


def test_solution_gets_full_points(course):
    """Does `nbgrader autograde` give the solution every autograded point, cell by cell as our grade?"""
    points = nbgrader_points(course, "alice")
    assert points == {**our_points_by_cell(answers(carol=False)), "q5_answer": None}
    assert points == {"q1_tests": 2.0, "q2_tests": 1.0, "q3_tests": 1.0, "q4_tests": 3.0, "q5_answer": None}


def test_release_gets_zero(course):
    """Does the untouched release get 0 in every cell from nbgrader, as from us?"""
    points = nbgrader_points(course, "bob")
    assert set(points.values()) == {0.0}
    assert set(our_points_by_cell({gid: "# YOUR CODE HERE\nraise NotImplementedError()"
                                   for gid in answers(carol=False)}).values()) == {0.0}


def test_partial_submission_scores_agree(course):
    """For a submission with one wrong and one missing answer, are nbgrader's per-cell points ours?"""
    points = nbgrader_points(course, "carol")
    assert points == {**our_points_by_cell(answers(carol=True)), "q5_answer": 0.0}
    assert points["q1_tests"] == 2.0 and points["q2_tests"] == 0.0 and points["q3_tests"] == 0.0


def test_bare_master_passes_nbgrader_generate(tmp_path):
    """Does `nbgrader generate_assignment` accept the bare master, making our release without the token table?"""
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "seqlabs"\n')
    (tmp_path / "source" / LAB).mkdir(parents=True)
    shutil.copy(labs_file("source"), tmp_path / "source" / LAB / f"{LAB}.ipynb")
    nbgrader(tmp_path, "generate_assignment", LAB, "--no-db")
    theirs = nbformat.read(tmp_path / "release" / LAB / f"{LAB}.ipynb", as_version=4)
    ours = nbformat.read(labs_file("release"), as_version=4)
    differ = [c.metadata.get("nbgrader", {}).get("grade_id") for c, o in zip(theirs.cells, ours.cells)
              if c.source != o.source]
    assert differ == ["setup"] and len(theirs.cells) == len(ours.cells)
