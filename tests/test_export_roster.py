"""Does an export with a roster lose nobody silently? (Canvas and Moodle; a results.json written here.)

An unknown roster column, a student listed twice and a graded student's row
without any id the LMS matches on are refused before anything is written;
roster students with no submission and graded students not in the roster are
listed, and the CLI's exit status says the export is incomplete.
"""
from __future__ import annotations

import csv
import json

import pytest

from autograder.cli import make_parser
from autograder.report import export

STUDENTS = {"alice": 7, "bob": 0}


@pytest.fixture
def run(tmp_path):
    """A grading folder whose results.json holds alice (7/7) and bob (0/7)."""
    out = tmp_path / "out"
    out.mkdir()
    subs = [{"student": s, "status": "graded", "score": v, "max_score": 7, "blocks": {}, "manual": {}}
            for s, v in STUDENTS.items()]
    (out / "results.json").write_text(json.dumps({"format": "seqlabs-results/2", "lab": "lab0_example",
                                                  "submissions": subs}))
    return out


def roster(tmp_path, text: str):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def cli(*argv: str) -> int:
    args = make_parser().parse_args(["export", *argv])
    return args.run(args)


def test_unknown_roster_column_is_refused(run, tmp_path):
    """A 'login' column (not a field the export knows): refused, naming it and the field it should be?"""
    path = roster(tmp_path, "student,name,login\nalice,Alice,asmith\nbob,Bob,bbrown\n")
    with pytest.raises(export.ExportError) as caught:
        export.export("canvas", run, roster=path, warn=lambda m: None)
    assert "unknown column(s) 'login' in row 1" in str(caught.value) and "'sis_login_id'" in str(caught.value)


def test_student_listed_twice_is_refused(run, tmp_path):
    path = roster(tmp_path, "student,sis_login_id\nalice,a1\nbob,b1\nalice,a2\n")
    with pytest.raises(export.ExportError, match=r"row 4 lists student 'alice' again \(first in row 2\)"):
        export.export("canvas", run, roster=path, warn=lambda m: None)


@pytest.mark.parametrize("fmt, ids", [("canvas", "id, sis_user_id, sis_login_id"),
                                      ("moodle", "username, id_number, email")])
def test_row_without_the_lms_id_is_refused(run, tmp_path, fmt, ids):
    """A graded student whose roster row has none of the ids the LMS matches on: refused, naming the row?"""
    column = {"canvas": "sis_login_id", "moodle": "username"}[fmt]
    path = roster(tmp_path, f"student,name,{column}\nalice,Alice,asmith\nbob,Bob,\n")
    with pytest.raises(export.ExportError) as caught:
        export.export(fmt, run, roster=path, warn=lambda m: None)
    assert f"row 3 (bob) has none of {ids}" in str(caught.value)


def test_roster_students_without_a_submission_are_listed_with_exit_status_3(run, tmp_path, capsys):
    """Carol is in the roster but has no submission: is she named, the file written, and the exit status 3?"""
    path = roster(tmp_path, "student,sis_login_id\nalice,asmith\nbob,bbrown\ncarol,cjones\n")
    target = tmp_path / "canvas.csv"
    assert cli("canvas", "--from", str(run), "--roster", str(path), "--out", str(target)) == 3
    err = capsys.readouterr().err
    assert "1 roster student(s) have no submission in this run, so no grade: carol" in err
    assert f"{target} is written but does not match the roster" in err
    assert "exit status is 3" in err and "--allow-missing" in err
    assert [r[3] for r in csv.reader(target.read_text().splitlines())][2:] == ["asmith", "bbrown"]
    assert cli("canvas", "--from", str(run), "--roster", str(path), "--out", str(target), "--allow-missing") == 0


def test_graded_students_not_in_the_roster_are_listed(run, tmp_path, capsys):
    """Bob was graded but the roster lacks him: named, his row kept with the grader's id, exit status 3?"""
    path = roster(tmp_path, "student,username\nalice,asmith\n")
    target = tmp_path / "moodle.csv"
    assert cli("moodle", "--from", str(run), "--roster", str(path), "--out", str(target)) == 3
    assert "1 graded student(s) are not in the roster" in capsys.readouterr().err
    assert [r[0] for r in csv.reader(target.read_text().splitlines())][1:] == ["asmith", "bob"]


def test_matching_roster_exports_with_status_0(run, tmp_path, capsys):
    path = roster(tmp_path, "student,sis_login_id\nalice,asmith\nbob,bbrown\n")
    assert cli("canvas", "--from", str(run), "--roster", str(path), "--out", str(tmp_path / "c.csv")) == 0
    assert "warning" not in capsys.readouterr().err
