"""Grading conditions are data, not environment: the key says the profile and the data, the grader obeys it.

* Whatever the grader's shell says (SEQLABS_PROFILE, SEQLABS_DATA, ...), a
  graded kernel runs under the key's conditions, and the grade is the same.
* Asked for conditions no key was built for, the grader refuses before any
  kernel runs, naming what differs and the command that builds such a key.
* A key for the class profile (or real data) is built beside the default one,
  takes the release's tokens, and grades the solution full and the release zero.
"""
from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograder.assign import build_labs, lab_paths
from autograder.core.conditions import Conditions, fingerprint
from autograder.runners import grade_submissions
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT, REPO_ROOT, copy_labs

REAL_DATA = REPO_ROOT.parent / "shared" / "data"


def grade_built(root: Path, lab: str, out: Path, **kw):
    """Grade the lab's built solution and release (students "solution" and "release")."""
    paths = lab_paths(root, lab)
    return grade_submissions(lab=lab, submissions=[paths["solution"], paths["release"]], out=out, root=root,
                             workers=2, timeout=600, **kw)


def scores(run) -> dict[str, tuple[float, float, str]]:
    return {r["student"]: (r["score"], r["max_score"], r["status"]) for r in run.results}


SHELLS = [
    {"SEQLABS_PROFILE": "class"},
    {"SEQLABS_PROFILE": "full", "SEQLABS_DATA": str(REAL_DATA)},
    {"SEQLABS_DATA": "/no/such/folder", "SEQLABS_PROGRESS": "bar", "AUTOGRADER_MODE": "student"},
]


@pytest.mark.parametrize("shell", SHELLS, ids=["class", "full+real-data", "nonsense"])
def test_the_shell_does_not_change_a_grade(shell, tmp_path, monkeypatch):
    """With SEQLABS_* set to anything in the grader's shell, is the example solution full and the release 0?"""
    for var, value in shell.items():
        monkeypatch.setenv(var, value)
    run = grade_built(EXAMPLE_ROOT, EXAMPLE_LAB, tmp_path)
    assert run.ok, run.error
    assert scores(run) == {"solution": (7, 7, "graded"), "release": (0, 7, "graded")}


@pytest.mark.slow
def test_the_shell_does_not_change_lab4s_grade(tmp_path, monkeypatch):
    """The issue's case: with SEQLABS_DATA at the real Multi30k and another profile in the shell, is the
    built lab 4 solution still 27/27 and its release 0/27? (The example lab is graded under every shell above.)"""
    for var, value in SHELLS[1].items():
        monkeypatch.setenv(var, value)
    run = grade_built(REPO_ROOT, "lab4_seq2seq", tmp_path)
    assert run.ok, run.error
    total = json.loads(lab_paths(REPO_ROOT, "lab4_seq2seq")["key"].read_text())
    points = sum(b["points"] for b in total["blocks"].values())
    assert scores(run) == {"solution": (points, points, "graded"), "release": (0, points, "graded")}


def test_conditions_without_a_key_are_refused_before_any_kernel(tmp_path, caplog):
    """Asked to grade in `class` without a class key, does the grader refuse, name the key it looked for
    and the build command, and run nothing?"""
    run = grade_built(EXAMPLE_ROOT, EXAMPLE_LAB, tmp_path / "out", conditions=Conditions.of(profile="class"))
    assert not run.ok and not run.results
    assert "no answer key for class profile, embedded data" in run.error
    assert f"autograder build {EXAMPLE_LAB} --profile class" in run.error
    assert f"{EXAMPLE_LAB}.json (fast profile, embedded data)" in run.error
    assert not (tmp_path / "out" / "gradebook.csv").exists()
    assert run.error in caplog.text  # the grader's logger (the CLI shows it on stderr)


def test_a_key_whose_conditions_differ_is_refused(tmp_path):
    """A key file renamed or edited to claim other conditions: does the grader name both and refuse?"""
    root = copy_labs(tmp_path / "root", labs=[EXAMPLE_LAB])
    key_path = lab_paths(root, EXAMPLE_LAB)["key"]
    shutil.copy(key_path, key_path.with_name(f"{EXAMPLE_LAB}.class.json"))  # a fast key under a class name
    run = grade_built(root, EXAMPLE_LAB, tmp_path / "out", conditions=Conditions.of(profile="class"))
    assert not run.ok and not run.results
    assert "was built for fast profile, embedded data, not for class profile, embedded data" in run.error


def test_real_data_is_identified_by_content(tmp_path):
    """Is a data folder's fingerprint the same wherever it lives, and different when a file changes?"""
    a, b = tmp_path / "a" / "multi30k", tmp_path / "b" / "multi30k"
    for folder in (a, b):
        folder.mkdir(parents=True)
        (folder / "train.de").write_text("ein hund .\n")
    assert fingerprint(a.parent) == fingerprint(b.parent)
    (b / "train.de").write_text("eine katze .\n")
    assert fingerprint(a.parent) != fingerprint(b.parent)
    with pytest.raises(FileNotFoundError, match="does not exist: point --data"):
        fingerprint(tmp_path / "missing")
    assert Conditions.of(profile="class", data_dir=a.parent).key_name("lab9") == \
        f"lab9.class.data-{fingerprint(a.parent)[7:19]}.json"


@pytest.fixture(scope="module")
def class_key_root(tmp_path_factory):
    """The example lab with a key built for the class profile beside its default key."""
    root = copy_labs(tmp_path_factory.mktemp("class-key"), labs=[EXAMPLE_LAB])
    before = {p.name: p.read_bytes() for p in (root / "labs").rglob("*") if p.is_file()}
    report = build_labs(labs=[EXAMPLE_LAB], root=root, conditions=Conditions.of(profile="class"),
                        log=lambda _: None)
    assert report.ok, report.errors
    return root, before, report


def test_a_class_key_is_built_beside_the_default_one(class_key_root):
    """Does `build --profile class` write only labs/keys/<lab>.class.json, recording its conditions, with
    the release's tokens for every exact check?"""
    root, before, report = class_key_root
    key_path = lab_paths(root, EXAMPLE_LAB)["key"].with_name(f"{EXAMPLE_LAB}.class.json")
    assert report.written == [key_path]
    assert {p.name: p.read_bytes() for p in (root / "labs").rglob("*") if p.is_file() and p != key_path} == before
    key = json.loads(key_path.read_text())
    default = json.loads(lab_paths(root, EXAMPLE_LAB)["key"].read_text())
    assert key["conditions"] == {"profile": "class", "data": "embedded"}
    for cid, entry in key["checks"].items():
        if entry["kind"] in ("close", "equal"):
            assert entry == default["checks"][cid], f"{cid}: the class key must judge with the release's token"


def test_grading_in_class_with_the_class_key(class_key_root, tmp_path):
    """Graded in class, is the solution full and the release zero, and do all outputs say `class`?"""
    root, _, _ = class_key_root
    run = grade_built(root, EXAMPLE_LAB, tmp_path, conditions=Conditions.of(profile="class"))
    assert run.ok, run.error
    assert scores(run) == {"solution": (7, 7, "graded"), "release": (0, 7, "graded")}
    with (tmp_path / "gradebook.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {(r["profile"], r["data"]) for r in rows} == {("class", "embedded")}
    assert json.loads((tmp_path / "results.json").read_text())["conditions"] == {"profile": "class",
                                                                                 "data": "embedded"}
    props = {p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").getroot().iter("property")}
    assert props == {"profile": "class", "data": "embedded"}
    for page in (tmp_path / "feedback").glob("*.html"):
        assert "Graded under: class profile, embedded data." in page.read_text()


def test_a_class_key_needs_the_default_key_first(tmp_path):
    """Without the committed default key, does `build --profile class` say to build the default first?"""
    root = copy_labs(tmp_path, labs=[EXAMPLE_LAB], generated=False)
    report = build_labs(labs=[EXAMPLE_LAB], root=root, conditions=Conditions.of(profile="class"),
                        log=lambda _: None)
    assert not report.ok
    assert f"run `autograder build {EXAMPLE_LAB}` first" in str(report.errors[EXAMPLE_LAB])


@pytest.mark.slow
def test_lab1_graded_in_the_class_profile(tmp_path):
    """Issue 19's acceptance for lab 1: a class key grades its solution full and its release zero in class."""
    lab = "lab1_rnn_lstm_numpy"
    root = copy_labs(tmp_path / "root", labs=[lab])
    # The grader is the judge here: the build's own verification runs (the same notebooks, a second
    # time) are left out.
    report = build_labs(labs=[lab], root=root, conditions=Conditions.of(profile="class"), verify=False,
                        log=lambda _: None)
    assert report.ok, report.errors
    run = grade_built(root, lab, tmp_path / "out", conditions=Conditions.of(profile="class"))
    assert run.ok, run.error
    points = sum(b["points"] for b in json.loads(report.written[0].read_text())["blocks"].values())
    assert scores(run) == {"solution": (points, points, "graded"), "release": (0, points, "graded")}


# The example's loss bound, and the same bound by data for class: a run on a data folder holding multi30k/
# is held to 0.15 (the master's loss passes), a run on embedded data to 1e-9 (nothing passes).
LOSS_BOUND = 'bound={"fast": 0.2, "class": 0.15, "full": 0.15}'
LOSS_BOUND_BY_DATA = 'bound={"fast": 0.2, "class": {"multi30k": 0.15, "embedded": 1e-9}, "full": 0.15}'


def test_a_bound_by_data_is_resolved_on_the_conditions_data(tmp_path):
    """Issue 28: with a class bound by data, is a key built on a data folder holding multi30k/ judged with the
    multi30k bound in the build, the kernel and the grader (solution full, release zero), while the same master
    built on the embedded data fails its own check there (the embedded bound)?"""
    root = copy_labs(tmp_path / "root", labs=[EXAMPLE_LAB])
    master = root / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb"
    text = master.read_text()
    assert text.count(LOSS_BOUND.replace('"', '\\"')) == 1, "the example's loss bound changed"
    master.write_text(text.replace(LOSS_BOUND.replace('"', '\\"'), LOSS_BOUND_BY_DATA.replace('"', '\\"')))
    data = tmp_path / "my data" / "data"
    (data / "multi30k").mkdir(parents=True)
    (data / "multi30k" / "README").write_text("stands for the real data: the example lab reads none of it\n")
    quiet = dict(root=root, log=lambda _: None)
    assert build_labs(labs=[EXAMPLE_LAB], **quiet).ok  # the default key (fast): the release's tokens
    on_data = Conditions.of(profile="class", data_dir=data)
    report = build_labs(labs=[EXAMPLE_LAB], conditions=on_data, **quiet)
    assert report.ok, report.errors  # the build's own runs: the master, its solution summary, the release
    key = json.loads(report.written[0].read_text())
    assert key["checks"]["q4_loss.final"]["bound"]["class"] == {"multi30k": 0.15, "embedded": 1e-9}
    run = grade_built(root, EXAMPLE_LAB, tmp_path / "out", conditions=on_data)
    assert run.ok, run.error
    points = sum(b["points"] for b in key["blocks"].values())
    assert scores(run) == {"solution": (points, points, "graded"), "release": (0, points, "graded")}
    embedded = build_labs(labs=[EXAMPLE_LAB], conditions=Conditions.of(profile="class"), **quiet)
    assert not embedded.ok and "the master's own value fails check 'q4_loss.final'" in str(embedded.errors)
