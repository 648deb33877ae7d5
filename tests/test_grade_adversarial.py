"""Does the grader give every adversarial submission what it deserves, without the batch crashing?

One batch grades them all (module-scoped: a kernel start is 1-2 s); the
infinite loop gets its own short-timeout run. The restore and scan unit tests
at the top need no kernel.
"""
from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.grade.restore import restore
from autograder.grade.scan import scan_cell

pytestmark = pytest.mark.xdist_group("grade")


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


@pytest.mark.parametrize("code, reason", [
    ("autograder.check = lambda *a, **k: None", "monkey-patching"),
    ("import autograder as ag\nag.tally._blocks.clear()", "autograder internals"),
    ("def check(*a, **k):\n    pass", "shadowing"),
    ("marks = None", "rebinds"),
    ("import sys\nsys.modules['autograder'] = None", "sys.modules"),
    ("import builtins\nbuiltins.print = None", "builtins"),
    ("__builtins__.len = None", "__builtins__"),
    ("setattr(autograder, 'check', print)", "setattr"),
    ("from autograder.tally import TALLY", "internals"),
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
