"""Are the grader's outputs complete, readable, free of key values, and written atomically?"""
from __future__ import annotations

import csv
import json
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograder.core import values
from autograder.runners import grade_submissions
from autograder.report import outputs
from fixtures.grade import lab as fx

pytestmark = pytest.mark.xdist_group("grade_outputs")  # one worker: the graded run is built once


def test_write_atomic_replaces_whole_files_and_leaves_no_temp(tmp_path):
    """Does a write replace the file in one step, leaving no temporary file behind?"""
    target = tmp_path / "gradebook.csv"
    outputs.write_atomic(target, "old\n")
    outputs.write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and os.listdir(tmp_path) == ["gradebook.csv"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    """If writing fails half way, is the previous file intact and no temp file left?"""
    target = tmp_path / "results.json"
    outputs.write_atomic(target, "complete\n")

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        outputs.write_atomic(target, "half")
    assert target.read_text() == "complete\n" and os.listdir(tmp_path) == ["results.json"]


def test_corrupt_cache_means_regrade_not_crash(tmp_path):
    """Is an unreadable cache file ignored (everything regraded) rather than fatal?"""
    outputs.save_cached(tmp_path, "good", {"score": 1})
    (tmp_path / outputs.CACHE / "bad.json").write_text("{not json")
    assert outputs.load_cache(tmp_path) == {"good": {"score": 1}}


@pytest.fixture(scope="module")
def run(root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("subs")
    subs = {"solution": fx.read(root, "solution"), "release": fx.read(root, "release")}
    paths = fx.write(folder, subs) + [fx.not_json(folder)]
    out = tmp_path_factory.mktemp("out")
    result = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, workers=2, timeout=120)
    assert result.ok, result.error
    return result


@pytest.fixture(scope="module")
def key(root):
    return json.loads((root / "labs" / "keys" / f"{fx.LAB}.json").read_text())


def test_gradebook_columns_and_rows(run, key):
    """Does gradebook.csv have the fixed columns, one column per block and manual cell, one row each?"""
    with (run.out / "gradebook.csv").open() as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = {r[0]: dict(zip(header, r)) for r in reader}
    assert header[:8] == ["student", "lab", "profile", "data", "score", "max_score", "status", "detail"]
    assert header[8:] == (list(key["blocks"]) + [f"{g} (manual)" for g in key.get("manual", {})]
                          + ["pending_marks", "total", "total_max"])
    assert {(r["profile"], r["data"]) for r in rows.values()} == {("fast", "embedded")}
    assert set(rows) == {"solution", "release", "not_json"}
    assert rows["solution"]["score"] == rows["solution"]["max_score"]
    assert rows["not_json"]["status"] == "error"
    manual = sum(m["points"] for m in key.get("manual", {}).values())
    assert rows["release"]["pending_marks"] == f"{manual:g}" and rows["release"]["total"] == "0"


def test_results_json_has_every_check(run, key):
    """Does results.json carry every check's outcome and message for every submission?"""
    data = json.loads((run.out / "results.json").read_text())
    assert data["lab"] == fx.LAB and len(data["submissions"]) == 3
    for sub in data["submissions"]:
        checks = {c for b in sub["blocks"].values() for c in b["checks"]}
        assert checks == set(key["checks"])
        for b in sub["blocks"].values():
            assert all({"ok", "message", "hidden"} <= set(c) for c in b["checks"].values())


def _plain_values(key):
    """Every key value a student must not read, as the text it would show."""
    found = set()
    for check in key["checks"].values():
        if "value" not in check:
            continue
        value = values.decode(check["value"])
        if isinstance(value, str) and len(value) > 2:
            found.add(value)
        elif isinstance(value, float):
            found.update({repr(value), f"{value:.4f}"})
        elif hasattr(value, "ravel") and np.asarray(value).dtype.kind == "f":
            found.update(f"{v:.4f}" for v in np.asarray(value).ravel()[:20])
    return found


def test_feedback_shows_ticks_and_no_key_value(run, key):
    """Does each student's page show ✓/✘ per check with messages, and no value from the key?"""
    solution = (run.out / "feedback" / "solution.html").read_text()
    release = (run.out / "feedback" / "release.html").read_text()
    # verdicts are bold ✓/✘ lines (the student's own notebook, also on the page, may mention ✓/✘)
    assert "<b>✓ " in solution and "<b>✘ " not in solution
    assert "<b>✘ " in release and "hidden test failed" in release
    secrets = _plain_values(key)
    assert secrets, "the key should hold some values to hide"
    for text in secrets:
        assert text not in release, f"key value {text!r} leaked into feedback"
    assert (run.out / "feedback" / "not_json.html").is_file()


def test_junit_has_a_case_per_block(run, key):
    """Does junit.xml parse, with a test case per block (failures for the release, errors for not_json)?"""
    tree = ET.parse(run.out / "junit.xml")
    suites = {s.get("name").split(".")[-1]: s for s in tree.getroot()}
    assert set(suites) == {"solution", "release", "not_json"}
    cases = suites["release"].findall("testcase")
    assert len([c for c in cases if c.find("skipped") is None]) == len(key["blocks"])
    assert suites["release"].get("failures") == str(len(key["blocks"]))
    assert suites["solution"].get("failures") == "0"
    assert suites["not_json"].get("errors") == str(len(key["blocks"]))


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664), (0o000, 0o664),
                                         (0o077, 0o600)])
def test_outputs_take_the_umask_and_are_never_world_writable(tmp_path, umask, mode):
    """Does a written output get the mode the umask gives (group-readable under 022/027), never o+w?"""
    saved = os.umask(umask)
    try:
        outputs.write_atomic(tmp_path / "gradebook.csv", "x\n")
        outputs.replace_all([(tmp_path / "feedback" / "alice.html", "<p>\n")])
    finally:
        os.umask(saved)
    assert oct((tmp_path / "gradebook.csv").stat().st_mode & 0o777) == oct(mode)
    assert oct((tmp_path / "feedback" / "alice.html").stat().st_mode & 0o777) == oct(mode)


def test_a_graded_folder_is_readable_by_the_course_group(run):
    """Is every file of a grading run group-readable under this process's umask (022 here) and not o+w?"""
    from autograder.core.atomic import current_umask

    expected = 0o666 & ~current_umask() & ~0o002
    files = [p for p in run.out.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o777 == expected for p in files), {
        str(p.relative_to(run.out)): oct(p.stat().st_mode & 0o777) for p in files}
