"""Is a submission of another lab (or of no lab) told apart from tampering: a row that says which lab it is
and what to do, no kernel run, nothing held for review?"""
from __future__ import annotations

import shutil

import nbformat
import pytest

from autograder.runners import grade_submissions
from autograder.grade.which_lab import wrong_lab
from fixtures.grade import lab as fx

pytestmark = pytest.mark.xdist_group("grade_wrong_lab")
OTHER = "lab1_rnn_lstm_numpy"


@pytest.fixture(scope="module")
def rows(root, tmp_path_factory):
    """lab 0 graded over: lab 1's release (a wrong upload), a notebook of no lab, and lab 0's own release."""
    folder = tmp_path_factory.mktemp("subs")
    shutil.copy(fx.REPO / "labs" / "release" / f"{OTHER}.ipynb", folder / "wrong.ipynb")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('my essay')")]),
                   folder / "stray.ipynb")
    fx.write(folder, {"honest": fx.read(root, "release")})
    run = grade_submissions(lab=fx.LAB, submissions=[folder], out=tmp_path_factory.mktemp("out"), root=root,
                            workers=2, timeout=120)
    assert run.ok, run.error
    return {r["student"]: r for r in run.results}


def test_another_labs_notebook_says_which_lab_and_what_to_do(rows):
    row = rows["wrong"]
    assert row["status"] == "error" and row["score"] == 0 and not row["grader_failed"]
    assert row["detail"].startswith(f"wrong lab: this is the notebook of {OTHER}")
    assert f"not of {fx.LAB}" in row["detail"] and f"`autograder grade --lab {OTHER}`" in row["detail"]
    assert "not a sign of tampering" in row["detail"]
    assert row["review"] == [] and "held" not in row["detail"].replace("not a sign", "")
    assert "run_s" not in row["timings"]  # never run


def test_a_notebook_of_no_lab_says_so(rows):
    row = rows["stray"]
    assert row["status"] == "error" and row["detail"].startswith(f"not a notebook of {fx.LAB}")
    assert row["review"] == []


def test_the_labs_own_notebook_is_graded_as_usual(rows):
    assert rows["honest"]["status"] == "graded" and rows["honest"]["score"] == 0


def test_a_notebook_that_lost_its_setup_cell_is_still_graded(root):
    """No init call, but this lab's graded cells: graded (restoring puts the setup cell back), not refused."""
    nb = fx.read(root, "release")
    nb.cells = [c for c in nb.cells if fx.gid(c) != "setup"]
    source = fx.read(root, "source")
    assert wrong_lab(nb, fx.LAB, source) is None
    next(c for c in nb.cells if c.cell_type == "code").source += '\nautograder.init("lab9_other")'
    assert wrong_lab(nb, fx.LAB, source).startswith("wrong lab: this is the notebook of lab9_other")
