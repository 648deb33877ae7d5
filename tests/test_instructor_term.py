"""The instructor's term after grading: feedback on the student's own notebook, hand grading, grades out.

One grading run of lab0_example (alice: the solution, bob: the untouched
release, carol: Q1 and Q2 answered and a written answer) feeds every test.
"""
from __future__ import annotations

import base64
import copy
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder.assign.verify import _value_strings
from autograder.cli import make_parser
from autograder.report import export, feedback, handgrade
from autograder.runners import grade_submissions
from conftest import REPO_ROOT
from fixtures.grade import lab as fx

pytestmark = pytest.mark.xdist_group("instructor_term")  # one worker: the graded run is made once
CAROL_ANSWER = "The predictions stop changing sign, but the model keeps growing more confident."
HIDDEN_LINE = "wide = np.arange(12.0).reshape(3, 4) ** 1.5"


def carol(root: Path) -> nbformat.NotebookNode:
    release, solution = fx.read(root, "release"), fx.read(root, "solution")
    nb = copy.deepcopy(release)
    for gid in ("q1_code", "q2_code"):
        nb.cells[fx.index_of(nb, gid)].source = solution.cells[fx.index_of(solution, gid)].source
    nb.cells[fx.index_of(nb, "q5_answer")].source = CAROL_ANSWER
    return nb


@pytest.fixture(scope="module")
def graded(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("subs")
    paths = fx.write(folder, {"alice": fx.read(root, "solution"), "bob": fx.read(root, "release"),
                              "carol": carol(root)})
    out = tmp_path_factory.mktemp("out")
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, workers=2, timeout=120)
    assert run.ok, run.error
    return out


@pytest.fixture
def out(graded, tmp_path):
    """A private copy of the graded run's folder (hand grading writes into it)."""
    return Path(shutil.copytree(graded, tmp_path / "out"))


@pytest.fixture(scope="module")
def key(root):
    return json.loads((root / "labs" / "keys" / f"{fx.LAB}.json").read_text())


def results(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in json.loads((out / "results.json").read_text())["submissions"]}


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open() as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def key_values(key) -> set[str]:
    return {s for entry in key["checks"].values() for s in _value_strings(entry["value"])}


# --- feedback on the student's own notebook ------------------------------------------------------

def test_feedback_page_is_the_notebook_with_every_verdict(graded, key):
    """Does each page hold the student's own code and, per block of the key, the grader's ✓/✘ and marks?"""
    res = results(graded)
    assert (res["alice"]["score"], res["bob"]["score"], res["carol"]["score"]) == (7, 0, 3)
    for student, r in res.items():
        page = (graded / "feedback" / f"{student}.html").read_text()
        for block_id, b in r["blocks"].items():
            mark = "✓" if b["ok"] else "✘"
            assert f"<b>{mark} {block_id}</b> [{b['earned']:g}/{b['points']:g} marks]" in page, (student, block_id)
        assert "hidden test " + ("passed" if r["blocks"]["q1_hidden"]["ok"] else "failed") in page
        assert "q5_answer: graded by hand, pending" in page
    carol_page = (graded / "feedback" / "carol.html").read_text()
    assert "lab0_example: 3 / 9</h1>" in carol_page and "2 marks still to be graded by hand" in carol_page
    assert "return x.sum(axis=0) / x.shape[0]" in carol_page  # her own code
    assert CAROL_ANSWER in carol_page
    alice_page = (graded / "feedback" / "alice.html").read_text()
    assert "In [" in alice_page and '<div class="out">' in alice_page  # her outputs, as she ran it


def test_feedback_page_shows_no_key_value_and_no_hidden_test(graded, key):
    """Is no key value (repr or 4 significant figures) and no line of a hidden test on bob's or carol's page?"""
    secrets = key_values(key)
    assert secrets
    for student in ("bob", "carol"):
        page = (graded / "feedback" / f"{student}.html").read_text()
        assert not [s for s in secrets if s in page], student
        assert HIDDEN_LINE not in page and "BEGIN HIDDEN TESTS" not in page
    alice = (graded / "feedback" / "alice.html").read_text()  # the solution notebook holds its hidden tests
    assert HIDDEN_LINE not in alice and "BEGIN HIDDEN TESTS" not in alice


def test_feedback_renders_plots_errors_and_escapes_html():
    """Does a page show a plot as an image, an error's traceback, and escape the student's HTML?"""
    nb = new_notebook(cells=[
        new_markdown_cell("# Title\n<script>alert(1)</script>"),
        new_code_cell("plot()", execution_count=3, outputs=[
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}),
            new_output("error", ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[0m: bad"]),
            new_output("display_data", data={"text/html": "<script>x()</script>", "text/plain": "table"})]),
    ])
    r = {"student": "s", "status": "graded", "detail": "", "score": 0, "max_score": 1, "manual": {},
         "blocks": {"q1_a": {"ok": False, "earned": 0, "points": 1, "error": None,
                             "checks": {"q1_a.x": {"ok": False, "message": "beyond tolerance", "hidden": False}}}}}
    page = feedback.feedback_page("lab", r, nb)
    assert '<img alt="plot" src="data:image/png;base64,iVBORw0KGgo=">' in page
    assert "ValueError: bad" in page and "\x1b" not in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "<h1>Title</h1>" in page
    assert "<b>✘ q1_a</b> [0/1 marks]" in page  # a block whose cell is not in the notebook: at the end


# --- hand grading -------------------------------------------------------------------------------

def fill(out: Path, scores: dict[str, tuple[str, str]]) -> Path:
    """The exported sheet with ``{student: (score, comment)}`` filled in for q5_answer."""
    sheet = out / "handgrading" / "scores.csv"
    rows = list(csv.DictReader(sheet.open()))
    for row in rows:
        if row["student"] in scores:
            row["score"], row["comment"] = scores[row["student"]]
    with sheet.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=handgrade.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return sheet


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".grade-cache" not in p.parts}


def test_hand_grading_round_trip(out, root):
    """Export -> fill -> import: do gradebook, results and feedback carry the scores, and a re-import change nothing?"""
    written = handgrade.export_sheets(out, root=root)
    page = (out / "handgrading" / "q5_answer.html").read_text()
    assert CAROL_ANSWER in page and "Model answer" in page and all(s in page for s in ("alice", "bob", "carol"))
    assert [p.name for p in written] == ["q5_answer.html", "scores.csv"]
    rows = list(csv.DictReader((out / "handgrading" / "scores.csv").open()))
    assert [(r["student"], r["question"], r["points"], r["score"]) for r in rows] == [
        ("alice", "q5_answer", "2", ""), ("bob", "q5_answer", "2", ""), ("carol", "q5_answer", "2", "")]

    sheet = fill(out, {"alice": ("2", "clear"), "carol": ("1.5", "say why the loss still falls")})
    report = handgrade.import_sheet(out, sheet, root=root)
    assert (report.changed, report.graded, report.pending) == (2, 2, 1)
    book = gradebook(out)
    assert book["carol"]["q5_answer (manual)"] == "1.5" and book["bob"]["q5_answer (manual)"] == "pending"
    assert [book[s]["pending_marks"] for s in ("alice", "bob", "carol")] == ["0", "2", "0"]
    assert [book[s]["total"] for s in ("alice", "bob", "carol")] == ["9", "0", "4.5"]
    assert results(out)["carol"]["manual"]["q5_answer"] == {
        "points": 2.0, "status": "graded", "score": 1.5, "comment": "say why the loss still falls"}
    carol_page = (out / "feedback" / "carol.html").read_text()
    assert "Graded by hand: q5_answer [1.5/2 marks]" in carol_page and "say why the loss still falls" in carol_page
    assert "lab0_example: 4.5 / 9</h1>" in carol_page

    before = snapshot(out)
    again = handgrade.import_sheet(out, sheet, root=root)
    assert again.changed == 0 and snapshot(out) == before
    handgrade.export_sheets(out, root=root)  # a re-export keeps what was imported
    rows = {r["student"]: r for r in csv.DictReader((out / "handgrading" / "scores.csv").open())}
    assert (rows["carol"]["score"], rows["carol"]["comment"]) == ("1.5", "say why the loss still falls")


@pytest.mark.parametrize("student, score, problem", [
    ("carol", "3", "score 3 is outside [0, 2]"),
    ("carol", "-1", "score -1 is outside [0, 2]"),
    ("carol", "two", "score 'two' is not a number"),
    ("carol", "nan", "score 'nan' is not a number"),
    ("mallory", "1", "unknown student 'mallory'"),
])
def test_bad_sheet_is_rejected_with_its_row_and_changes_nothing(out, root, student, score, problem):
    """Is a bad row reported with its row number and the problem, and the folder left as it was?"""
    handgrade.export_sheets(out, root=root)
    sheet = out / "handgrading" / "scores.csv"
    with sheet.open("a") as f:
        f.write(f"{student},q5_answer,2,{score},\n")  # row 5: header + 3 students before it
    fill(out, {"alice": ("2", "fine")}) if student == "mallory" else None
    before = snapshot(out)
    with pytest.raises(handgrade.HandGradeError) as err:
        handgrade.import_sheet(out, sheet, root=root)
    assert f"scores.csv row 5 (student {student!r}, question 'q5_answer'): {problem}" in str(err.value)
    assert "nothing imported" in str(err.value) and snapshot(out) == before


def test_sheet_with_unknown_question_or_twice_scored_answer_is_rejected(out, root):
    """Are an unknown question and an answer scored twice both reported, each with its row?"""
    sheet = out / "sheet.csv"
    sheet.write_text("student,question,score,comment\nbob,q9_essay,1,\nbob,q5_answer,1,\nbob,q5_answer,2,\n")
    with pytest.raises(handgrade.HandGradeError) as err:
        handgrade.import_sheet(out, sheet, root=root)
    text = str(err.value)
    assert "row 2 (student 'bob', question 'q9_essay'): unknown question 'q9_essay'" in text
    assert "row 4 (student 'bob', question 'q5_answer'): this answer is already scored in row 3" in text
    assert not (out / handgrade.STORE).exists()


def test_regrade_keeps_hand_grades_unless_the_answer_changed(out, root, tmp_path):
    """After a regrade into the same folder, does a grade stay, and an edited answer go back to pending?"""
    handgrade.export_sheets(out, root=root)
    handgrade.import_sheet(out, fill(out, {"alice": ("2", ""), "carol": ("1", "")}), root=root)
    subs = {r["student"]: Path(r["path"]) for r in results(out).values()}
    folder = tmp_path / "resubmitted"
    folder.mkdir()
    edited = nbformat.read(subs["carol"], as_version=4)
    edited.cells[fx.index_of(edited, "q5_answer")].source = "A different answer."
    nbformat.write(edited, folder / "carol.ipynb")
    shutil.copy(subs["alice"], folder / "alice.ipynb")
    run = grade_submissions(lab=fx.LAB, submissions=[folder], out=out, root=root, workers=2, timeout=120)
    assert run.ok and run.skipped == 1  # alice unchanged: from the cache
    book = gradebook(out)
    assert book["alice"]["q5_answer (manual)"] == "2" and book["carol"]["q5_answer (manual)"] == "pending"


# --- grades out ---------------------------------------------------------------------------------

GRADESCOPE_SCHEMA = {  # https://gradescope-autograders.readthedocs.io/en/latest/specs/ (results.json)
    "type": "object", "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number"}, "output": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["name", "score", "max_score", "output", "visibility"],
            "properties": {"name": {"type": "string"}, "number": {"type": "string"},
                           "score": {"type": "number"}, "max_score": {"type": "number"},
                           "status": {"enum": ["passed", "failed"]}, "output": {"type": "string"},
                           "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]}},
            "additionalProperties": False}}},
    "additionalProperties": False,
}
GITHUB_SCHEMA = {  # what github-education-resources/autograding-grading-reporter reads
    "type": "object", "required": ["version", "status", "max_score", "tests"],
    "properties": {"version": {"const": 1}, "status": {"enum": ["pass", "fail", "error"]},
                   "max_score": {"type": "number"},
                   "tests": {"type": "array", "items": {
                       "type": "object", "required": ["name", "status", "score", "message"],
                       "properties": {"name": {"type": "string"}, "status": {"enum": ["pass", "fail", "error"]},
                                      "score": {"type": "number"}, "message": {"type": "string"}}}}},
}


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(text.splitlines()))


def test_canvas_csv_has_the_import_columns(graded, tmp_path):
    """Canvas: the five student columns, the assignment, a Points Possible row; roster ids used when given."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name,id,sis_user_id,sis_login_id,section\n"
                      "carol,\"Jones, Carol\",1203,S77,cjones,Lab A\n")
    notes = []
    table = rows(export.export("canvas", graded, roster=roster, title="Lab 0 (5521)", warn=notes.append))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 0 (5521)"]
    assert table[1] == ["Points Possible", "", "", "", "", "9"]
    assert table[2:] == [["alice", "", "", "alice", "", "7"], ["bob", "", "", "bob", "", "0"],
                         ["Jones, Carol", "1203", "S77", "cjones", "Lab A", "3"]]
    assert any("marks still to grade by hand" in n for n in notes)
    assert any("not in the roster" in n and "alice" in n for n in notes)


def test_moodle_csv_has_identifier_grade_and_feedback_columns(graded):
    """Moodle: Username, ID number, Email address, the grade item, Feedback; one row per student."""
    table = rows(export.export("moodle", graded, title="Lab 0", warn=lambda m: None))
    assert table[0] == ["Username", "ID number", "Email address", "Lab 0", "Feedback"]
    assert [(r[0], r[3]) for r in table[1:]] == [("alice", "7"), ("bob", "0"), ("carol", "3")]
    assert table[3][4] == "autograded 3/7; by hand 0/2 (2 marks pending)"


def test_gradescope_results_follow_the_schema(graded, key):
    """Gradescope: valid results.json, one test per block, scores adding up to the score, no key value."""
    data = json.loads(export.export("gradescope", graded, student="carol"))
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    assert [t["name"] for t in data["tests"]] == [b + (" (hidden test)" if b == "q1_hidden" else "")
                                                  for b in key["blocks"]]
    assert data["score"] == sum(t["score"] for t in data["tests"]) == 3
    assert sum(t["max_score"] for t in data["tests"]) == 7
    assert not [s for s in key_values(key) if s in json.dumps(data)]
    with pytest.raises(export.ExportError, match="--student"):
        export.export("gradescope", graded)


def test_github_classroom_result_follows_the_reporter_format(graded):
    """GitHub Classroom: the reporter's JSON, and its arithmetic (sum of scores / max_score) gives the points."""
    for student, points in (("alice", 7), ("bob", 0), ("carol", 3)):
        data = json.loads(export.export("github", graded, student=student))
        jsonschema.validate(data, GITHUB_SCHEMA)
        assert (sum(t["score"] for t in data["tests"]), data["max_score"]) == (points, 7)
        assert data["status"] == ("pass" if points == 7 else "fail")


def test_cli_exports_to_a_file(graded, tmp_path, capsys):
    """Does `autograder export canvas --from OUT --out FILE` write the same CSV as the function?"""
    target = tmp_path / "canvas.csv"
    args = make_parser().parse_args(["export", "canvas", "--from", str(graded), "--out", str(target)])
    assert args.run(args) == 0
    assert target.read_text() == export.export("canvas", graded, warn=lambda m: None)


# --- the Gradescope and GitHub Classroom examples, run as those services run them ---------------------

EXAMPLES = REPO_ROOT / "examples"


def service_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEQLABS_", "PYTEST", "GITHUB_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.slow
def test_gradescope_run_autograder_writes_results(root, tmp_path):
    """Does examples/gradescope/run_autograder grade /autograder/submission into a valid results.json?"""
    home = tmp_path / "autograder"
    shutil.copytree(root / "labs", home / "source" / "labs", ignore=shutil.ignore_patterns("*lab1*", "*lab4*"))
    (home / "submission").mkdir(parents=True)
    nbformat.write(carol(root), home / "submission" / "lab0_example.ipynb")
    shutil.copy(EXAMPLES / "gradescope" / "run_autograder", home / "run_autograder")
    done = subprocess.run(["bash", str(home / "run_autograder")], capture_output=True, text=True, timeout=300,
                          env={**service_env(), "AUTOGRADER_HOME": str(home), "LAB": fx.LAB})
    assert done.returncode == 0, done.stderr
    data = json.loads((home / "results" / "results.json").read_text())
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    assert data["score"] == 3


@pytest.mark.slow
def test_github_classroom_workflow_reports_the_points(root, tmp_path):
    """Does the workflow's grading step, run as Actions runs it, set a result the reporter reads as 3/7?"""
    import yaml

    workflow = yaml.safe_load((EXAMPLES / "github-classroom" / "classroom.yml").read_text())
    steps = workflow["jobs"]["autograding"]["steps"]
    grade = next(s for s in steps if s.get("id") == "seqlabs")
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    assert reporter["with"]["runners"] == "seqlabs"
    assert reporter["env"] == {"SEQLABS_RESULTS": "${{ steps.seqlabs.outputs.result }}"}
    repo = tmp_path / "repo"
    shutil.copytree(root / "labs", repo / "labs", ignore=shutil.ignore_patterns("*lab1*", "*lab4*"))
    nbformat.write(carol(root), repo / "lab0_example.ipynb")
    output = tmp_path / "github_output"
    env = {**service_env(), "GITHUB_OUTPUT": str(output), **{k: str(v) for k, v in grade.get("env", {}).items()}}
    env["COURSE"] = str(repo)  # the checkout of the course repository, in the workflow a second checkout
    done = subprocess.run(["bash", "-e", "-c", grade["run"]], cwd=repo, capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in output.read_text().splitlines() if x.startswith("result=")]
    data = json.loads(base64.b64decode(line[len("result="):]))
    jsonschema.validate(data, GITHUB_SCHEMA)
    assert (sum(t["score"] for t in data["tests"]), data["max_score"]) == (3, 7)


def test_cli_handgrade_import_reports_a_bad_sheet(out, root, capsys):
    """Does `autograder handgrade import --out OUT SHEET` exit 1 naming the row, then 0 once the sheet is fixed?"""
    parse = make_parser().parse_args
    args = parse(["--root", str(root), "handgrade", "export", "--out", str(out)])
    assert args.run(args) == 0
    sheet = fill(out, {"carol": ("5", "")})
    args = parse(["--root", str(root), "handgrade", "import", "--out", str(out), str(sheet)])
    assert args.run(args) == 1 and "scores.csv row 4 (student 'carol'" in capsys.readouterr().err
    fill(out, {"carol": ("1", "")})
    assert args.run(args) == 0 and "1 grades changed" in capsys.readouterr().out
