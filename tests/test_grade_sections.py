"""One grading folder, one gradebook: do sections graded into one --out, one after the other or at the same
time, end in one gradebook with every student, and does a run refuse a folder another run is writing?"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.runners import grade_submissions
from autograder.core.folder_lock import LOCK, FolderBusy, FolderLock
from fixtures.grade import lab as fx

pytestmark = pytest.mark.xdist_group("grade_sections")


@pytest.fixture(scope="module")
def sections(root, tmp_path_factory):
    """Two sections' folders: A (alice: the solution, bob: the release), B (carol, dave: the same)."""
    base = tmp_path_factory.mktemp("sections")
    sol, rel = fx.read(root, "solution"), fx.read(root, "release")
    fx.write(base / "A", {"alice": sol, "bob": rel})
    fx.write(base / "B", {"carol": sol, "dave": rel})
    return base / "A", base / "B"


def grade(root, folder, out, **kw):
    return grade_submissions(lab=fx.LAB, submissions=[folder], out=out, root=root, workers=2, timeout=120, **kw)


def gradebook(out: Path) -> dict[str, str]:
    with (out / "gradebook.csv").open() as f:
        return {r["student"]: r["score"] for r in csv.DictReader(f)}


def test_sections_one_after_the_other_make_one_gradebook(root, sections, tmp_path, caplog):
    """Section B graded after A into the same folder: does the gradebook (and results, JUnit) list all four,
    and does --replace drop A, naming its students and removing their pages?"""
    out = tmp_path / "out"
    assert grade(root, sections[0], out).ok
    assert grade(root, sections[1], out).ok
    assert gradebook(out) == {"alice": "7", "bob": "0", "carol": "7", "dave": "0"}
    results = json.loads((out / "results.json").read_text())
    assert [r["student"] for r in results["submissions"]] == ["alice", "bob", "carol", "dave"]
    assert (out / "junit.xml").read_text().count("<testsuite ") == 4
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == ["alice", "bob", "carol", "dave"]
    with caplog.at_level("WARNING", logger="autograder"):
        assert grade(root, sections[1], out, replace_earlier=True).ok
    assert gradebook(out) == {"carol": "7", "dave": "0"}
    assert "no longer lists alice, bob" in caplog.text
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == ["carol", "dave"]


def test_rows_of_another_key_are_not_merged(root, sections, tmp_path, caplog):
    """Earlier rows judged with another key: is the run refused before grading, naming them and the fixes?"""
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text(json.dumps({
        "format": "seqlabs-results/2", "lab": fx.LAB, "conditions": {"profile": "fast", "data": "embedded"},
        "key_hash": "an older key", "submissions": [{"student": "zoe"}]}))
    started = time.perf_counter()
    run = grade(root, sections[0], out)
    assert not run.ok and "holds 1 student(s) graded earlier (zoe)" in run.error
    assert "--replace" in run.error and not (out / "gradebook.csv").exists()
    assert time.perf_counter() - started < 10  # refused before any kernel ran


def test_a_folder_held_by_another_process_is_refused_naming_it(root, sections, tmp_path):
    """Another process holds the folder: is this run refused, naming that process, and let in after it ends?"""
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from autograder.core.folder_lock import FolderLock; "
         "lock = FolderLock(sys.argv[1]); print('held', flush=True); time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        run = grade(root, sections[0], out)
        assert not run.ok and f"another grading run is writing {out}: process {holder.pid} on " in run.error
        assert "grade into another --out" in run.error and not (out / "gradebook.csv").exists()
    finally:
        holder.kill()
        holder.wait()
    assert grade(root, sections[0], out).ok  # the lock went with its process: nothing stale to delete
    assert gradebook(out) == {"alice": "7", "bob": "0"}


def test_two_sections_at_the_same_time_lose_nobody(root, sections, tmp_path):
    """Two runs into one folder at once: is the second refused while the first writes, and does running it
    again afterwards give one gradebook of all four?"""
    out = tmp_path / "out"
    slow = tmp_path / "slow"
    nb = fx.with_cell(fx.read(root, "solution"), "q1_tests", "import time; time.sleep(4)")
    fx.write(slow, {"erin": nb})
    first: list = []
    thread = threading.Thread(target=lambda: first.append(grade(root, slow, out)))
    thread.start()
    lock = out / LOCK
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = grade(root, sections[1], out)
    thread.join()
    assert first[0].ok and not second.ok and "another grading run is writing" in second.error
    assert grade(root, sections[1], out).ok
    assert gradebook(out) == {"carol": "7", "dave": "0", "erin": "7"}


def test_lock_is_exclusive_and_released(tmp_path):
    """Within one process too: a second lock of the folder is refused until the first is released."""
    with FolderLock(tmp_path):
        with pytest.raises(FolderBusy, match=r"process \d+ on .* \(user "):
            FolderLock(tmp_path)
    FolderLock(tmp_path).release()


def test_a_hand_grade_import_is_refused_while_a_run_writes(tmp_path, capsys):
    """`handgrade import` rewrites the gradebook too: is it refused, naming the run, while one holds the folder?"""
    from autograder.cli import make_parser

    (tmp_path / "scores.csv").write_text("student,question,points,score,comment\n")
    args = make_parser().parse_args(["handgrade", "import", "--out", str(tmp_path), str(tmp_path / "scores.csv")])
    with FolderLock(tmp_path):
        assert args.run(args) == 1
    assert f"another grading run is writing {tmp_path}: process " in capsys.readouterr().err
