"""Does the grader give every adversarial submission what it deserves, without the batch crashing?

One batch grades them all (module-scoped: a kernel start is 1-2 s); the
infinite loop gets its own short-timeout run. The restore and scan unit tests
at the top need no kernel.
"""
from __future__ import annotations

import copy

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.grade.restore import restore
from autograder.grade.scan import scan_cell

pytestmark = pytest.mark.xdist_group("grade_adversarial")  # one worker: the batch fixture is built once


def _cell(source, grade_id=None, *, locked=False, grade=False, solution=False, kind="code"):
    cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "locked": locked, "grade": grade,
                                     "solution": solution, "schema_version": 3, "task": False}
    return cell


def _source():
    return new_notebook(cells=[
        _cell("import autograder", "setup", locked=True),
        _cell("def f(): return 1  # SOLUTION", "q1_code", solution=True),
        _cell("check(f())\n### BEGIN HIDDEN TESTS\ncheck(f() + 0)\n### END HIDDEN TESTS", "q1_tests",
              locked=True, grade=True),
        _cell("An answer.", "q2_answer", grade=True, solution=True, kind="markdown"),
        _cell("summary()", "summary", locked=True),
    ])


def _sources(nb):
    return [c.source for c in nb.cells]


def test_restore_overwrites_an_edited_test_cell_and_puts_hidden_tests_back():
    """Is a test cell the student edited replaced by the source's, hidden tests included?"""
    sub = _source()
    sub.cells[1].source = "def f(): return 2"
    sub.cells[2].source = "pass"
    out = restore(_source(), sub)
    assert _sources(out.nb)[1] == "def f(): return 2"  # the student's answer stays
    assert "HIDDEN TESTS" in _sources(out.nb)[2]
    assert out.cells == {0, 2, 4}
    assert any("q1_tests" in n for n in out.notes)


def test_restore_reinserts_deleted_cells_in_source_order_and_keeps_added_ones():
    """Are deleted locked cells re-inserted where they belong, around the student's own cells?"""
    sub = _source()
    del sub.cells[2]  # the test cell
    del sub.cells[0]  # the setup cell
    sub.cells.insert(1, _cell("print('mine')"))  # after q1_code
    out = restore(_source(), sub)
    assert _sources(out.nb) == ["import autograder", "def f(): return 1  # SOLUTION", "print('mine')",
                                _source().cells[2].source, "An answer.", "summary()"]
    assert out.cells == {0, 3, 5}


def test_restore_does_not_hand_back_a_deleted_solution():
    """Does a deleted solution cell stay deleted (the source's copy is the answer)?"""
    sub = _source()
    del sub.cells[1]
    out = restore(_source(), sub)
    assert not any("SOLUTION" in s for s in _sources(out.nb))


def test_restore_demotes_duplicates_and_reorders_graded_cells():
    """Is a copy-pasted graded cell kept as the student's (never trusted), and source order enforced?"""
    sub = _source()
    dup = copy.deepcopy(sub.cells[2])
    dup.source = "fake()"
    sub.cells.append(dup)  # a second q1_tests at the end
    sub.cells[0], sub.cells[4] = sub.cells[4], sub.cells[0]  # setup and summary swapped
    out = restore(_source(), sub)
    assert _sources(out.nb)[0] == "import autograder"
    assert "fake()" in _sources(out.nb)
    fake = _sources(out.nb).index("fake()")
    assert fake not in out.cells and "nbgrader" not in out.nb.cells[fake].metadata
    assert len({c.id for c in out.nb.cells}) == len(out.nb.cells)


def test_restore_ignores_protection_claimed_by_the_student():
    """Does a student cell with made-up nbgrader metadata stay untrusted?"""
    sub = _source()
    sub.cells.append(_cell("emit_fake()", "my_own_tests", locked=True, grade=True))
    out = restore(_source(), sub)
    assert _sources(out.nb).index("emit_fake()") not in out.cells


def test_restore_survives_odd_metadata():
    """Does malformed nbgrader metadata in a submission leave restore working (and the cell untrusted)?"""
    sub = _source()
    sub.cells[1].metadata["nbgrader"] = "not a dict"
    sub.cells.append(_cell("x = 1"))
    sub.cells[-1].metadata["nbgrader"] = {"grade_id": 5, "locked": True}
    out = restore(_source(), sub)
    assert out.cells == {0, 2, 4} and _sources(out.nb)[-1] == "x = 1"


@pytest.mark.parametrize("code, reason", [
    ("autograder.check = lambda *a, **k: None", "monkey-patching"),
    ("import autograder as ag\nag.tally._blocks.clear()", "autograder internals"),
    ("def check(*a, **k):\n    pass", "shadowing"),
    ("marks = None", "rebinds"),
    ("import sys\nsys.modules['autograder'] = None", "sys.modules"),
    ("import builtins\nbuiltins.print = None", "builtins"),
    ("__builtins__.len = None", "__builtins__"),
    ("setattr(autograder, 'check', print)", "setattr"),
    ("from autograder.notebook.tally import TALLY", "internals"),
    ("display({'application/vnd.seqlabs.autograder+json': {}}, raw=True)", "events by hand"),
    ("open('../../labs/keys/lab0_example.json')", "answer keys"),
    ("get_ipython().events.register('pre_run_cell', f)", "hook"),
    ("%env AUTOGRADER_MODE=student", "mode"),
])
def test_scan_flags_tampering(code, reason):
    """Is each way of tampering with the autograder flagged, with a reason a reviewer can read?"""
    flags = scan_cell(3, code)
    assert flags and all(f.cell == 3 for f in flags)
    assert any(reason in f.reason for f in flags), flags


@pytest.mark.parametrize("code", [
    "import numpy as np\nx = np.ones(3)\ndef column_means(x):\n    return x.mean(axis=0)",
    "autograder.check('q1', value)",  # calling a check is fine
    "!ls\n%timeit sum(range(10))",
    "def broken(:\n",  # does not parse: the kernel reports it, the scan stays quiet
])
def test_scan_leaves_honest_code_alone(code):
    """Does ordinary student code, IPython syntax included, raise no flag?"""
    assert scan_cell(0, code) == []


# ---- the adversarial batch -------------------------------------------------------------

from fixtures.grade import lab as fx  # noqa: E402  (tests/ is on sys.path under pytest)

from autograder.runners import grade_submissions  # noqa: E402


@pytest.fixture(scope="module")
def batch(root, tmp_path_factory):
    """Every adversarial submission graded in one run, 2 workers, a 1 GiB memory limit."""
    folder = tmp_path_factory.mktemp("subs")
    subs = fx.variants(root)
    edited = copy.deepcopy(subs["solution"])
    edited.cells[fx.index_of(edited, "q1_tests")].source = "pass"
    subs["test_edited_solution"] = edited
    paths = fx.write(folder, subs) + [fx.not_json(folder)]
    (folder / "json_not_notebook.ipynb").write_text('{"cells": 5}')
    paths.append(folder / "json_not_notebook.ipynb")
    out = tmp_path_factory.mktemp("out")
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=out, root=root, workers=2,
                            timeout=120, memory_mb=1024)
    return run, {r["student"]: r for r in run.results}


def _full(r):
    return r["max_score"]


def test_batch_survives_every_submission(batch):
    """Does every submission get a row, and the run exit 0 (the grader itself did not fail)?"""
    run, by = batch
    assert run.ok, run.error
    assert len(by) == 14


@pytest.mark.parametrize("name", ["solution", "test_deleted", "test_edited_solution", "extra_raises",
                                  "sys_exit", "stderr_warning"])
def test_honest_work_keeps_full_marks(batch, name):
    """Do restored tests, a raising extra cell, sys.exit() or stderr noise cost no marks?"""
    r = batch[1][name]
    assert (r["status"], r["score"]) == ("graded", _full(r)), r["detail"]


@pytest.mark.parametrize("name", ["release", "test_edited", "fake_print"])
def test_unearned_marks_are_not_given(batch, name):
    """Does an empty answer stay at zero whether it edits tests or prints fake ticks?"""
    r = batch[1][name]
    assert (r["status"], r["score"]) == ("graded", 0), r["detail"]


def test_edited_and_deleted_tests_are_restored(batch):
    """Do the results say which test cells were put back?"""
    by = batch[1]
    assert "q1_tests restored" in by["test_edited"]["restored"]
    assert "q2_tests re-inserted" in by["test_deleted"]["restored"]


def test_redefined_check_is_flagged_and_earns_nothing(batch):
    """Is a cell that redefines `check` flagged for review, held, and given no marks?"""
    r = batch[1]["redefines_check"]
    assert r["score"] == 0 and r["status"] == "held"
    reasons = " ".join(f["reason"] for f in r["review"])
    assert "monkey-patching" in reasons and "'marks'" in reasons
    assert "review:" in r["detail"]
    assert batch[1]["solution"]["review"] == []


def test_memory_hog_is_an_error_naming_memory(batch):
    """Is allocating far past the limit an error whose detail names memory?"""
    r = batch[1]["memory_hog"]
    assert r["status"] == "error" and "memory" in r["detail"], r["detail"]


def test_kernel_death_is_an_error_and_keeps_earlier_marks(batch):
    """Does os._exit(1) give status error, keeping the marks of the cells that ran before it?"""
    r = batch[1]["os_exit"]
    assert r["status"] == "error" and "died" in r["detail"], r["detail"]
    earned = {b for b, v in r["blocks"].items() if v["earned"]}
    assert {"q1_means", "q2_rms", "q3_gate"} <= earned and not r["blocks"]["q4_loss"]["earned"]


@pytest.mark.parametrize("name", ["not_json", "json_not_notebook"])
def test_not_a_notebook_is_an_error_row(batch, name):
    """Is a file that is not a notebook an error row with score 0, not a crash?"""
    r = batch[1][name]
    assert (r["status"], r["score"]) == ("error", 0) and "not a readable notebook" in r["detail"]


def test_infinite_loop_times_out(root, tmp_path):
    """Is `while True: pass` stopped at the timeout, status timeout, earlier marks kept?"""
    nb = fx.with_cell(fx.read(root, "solution"), "q1_tests", "while True:\n    pass")
    paths = fx.write(tmp_path / "subs", {"loops": nb})
    run = grade_submissions(lab=fx.LAB, submissions=paths, out=tmp_path / "out", root=root,
                            workers=1, timeout=6)
    r = run.results[0]
    assert run.ok and r["status"] == "timeout" and "6 s limit" in r["detail"], r["detail"]
    assert r["blocks"]["q1_means"]["earned"] and not r["blocks"]["q2_rms"]["earned"]


def test_memory_spread_over_processes_is_caught(tmp_path):
    """Is a kernel whose process tree outgrows the limit (each process under it) stopped, naming memory?"""
    import asyncio
    import os

    from autograder.kernel import sandbox

    hog = "import time; b = b'x' * (400 << 20); time.sleep(30)"  # 400 MiB resident each
    code = ("import subprocess, sys, time\n"
            f"procs = [subprocess.Popen([sys.executable, '-c', {hog!r}]) for _ in range(3)]\n"
            "time.sleep(30)\n")
    run = asyncio.run(sandbox.execute([{"cell_type": "code", "source": code}], workdir=tmp_path, restored=set(),
                                      timeout=60, memory_mb=1024, env=dict(os.environ)))
    assert run.status == "memory" and "memory limit exceeded" in run.detail, run.detail
