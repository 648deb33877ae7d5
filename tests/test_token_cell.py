"""The token table's own cell: collapsed and read-only in every release, restored by the grader like the setup cell."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import REPO_ROOT

LABS = sorted(p.stem for p in (REPO_ROOT / "labs" / "keys").glob("*.json"))
AUTOGRADER = Path(sys.executable).with_name("autograder")


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@pytest.mark.parametrize("lab", LABS)
def test_the_release_holds_the_token_table_in_a_collapsed_read_only_cell_after_the_setup_cell(lab):
    """Is the one `autograder.init` call (with its tokens) in a locked, hidden cell right after the setup cell?"""
    release = nbformat.read(REPO_ROOT / "labs" / "release" / f"{lab}.ipynb", as_version=4)
    code = [c for c in release.cells if c.cell_type == "code"]
    assert [grade_id(c) for c in code[:2]] == ["setup", "tokens"]
    tokens = code[1]
    assert tokens.metadata["jupyter"]["source_hidden"] is True and tokens.metadata["editable"] is False
    assert tokens.metadata["nbgrader"]["locked"] is True
    assert tokens.source.count(f'autograder.init("{lab}", tokens={{') == 1
    assert not any("autograder.init(" in c.source for c in code if c is not tokens)
    assert "autograder.outline(" in code[0].source


def test_a_deleted_token_cell_is_put_back_by_the_grader(tmp_path):
    """Does a submission without the token cell still grade in full (the grader re-inserts it from the master)?"""
    solution = nbformat.read(REPO_ROOT / "labs" / "solution" / "lab0_example.ipynb", as_version=4)
    solution.cells = [c for c in solution.cells if grade_id(c) != "tokens"]
    (tmp_path / "subs").mkdir()
    nbformat.write(solution, tmp_path / "subs" / "alice.ipynb")
    subprocess.run([str(AUTOGRADER), "grade", "--lab", "lab0_example", "--out", str(tmp_path / "out"),
                    str(tmp_path / "subs")], cwd=REPO_ROOT, check=True, capture_output=True, text=True)
    (row,) = csv.DictReader((tmp_path / "out" / "gradebook.csv").open())
    assert (row["score"], row["max_score"], row["status"]) == ("7", "7", "graded")
    assert "tokens re-inserted" in json.dumps(json.loads((tmp_path / "out" / "results.json").read_text()))
