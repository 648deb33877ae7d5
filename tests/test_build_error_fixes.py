"""Does every build error not tested elsewhere give the right fix? (One planted mistake in lab 0 each.)

Static mistakes are found by ``validate_source`` before any kernel runs, so
those tests call it directly; the others run the build.
"""
from __future__ import annotations

import nbformat
import pytest

from autograder.assign import BuildError, build_lab, build_labs
from autograder.assign.validate import validate_source
from autograder.core.conditions import Conditions
from conftest import EXAMPLE_LAB, copy_labs
from test_build_errors import build_broken, cell, master


def invalid(nb) -> BuildError:
    with pytest.raises(BuildError) as caught:
        validate_source(nb, EXAMPLE_LAB)
    assert "toolbar" not in caught.value.fix  # Notebook 7 / JupyterLab 4: a sidebar (docs/instructor-guide.md §1)
    return caught.value


# --- found before anything runs

def test_solution_region_in_a_test_cell_says_delete_the_delimiters():
    """A solution region pasted into a test cell: is the fix to delete the delimiters, not to change the cell?"""
    nb = master()
    cell(nb, "q2_tests").source += "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    error = invalid(nb)
    assert "'### BEGIN SOLUTION' region in a cell that is not a solution ('Autograded answer') cell" in str(error)
    assert error.fix.startswith("delete the '### BEGIN SOLUTION' and '### END SOLUTION' lines")
    assert "a test or read-only cell holds no answer" in error.fix and error.grade_id == "q2_tests"


def test_solution_region_in_a_plain_cell_offers_both_fixes():
    """In a cell nbgrader does not track, is the sidebar's 'Autograded answer' offered as well?"""
    nb = master()
    cell(nb, "q1_code").metadata.pop("nbgrader")
    error = invalid(nb)
    assert error.fix.startswith("delete the '### BEGIN SOLUTION'") and "Create Assignment sidebar" in error.fix


def test_hidden_tests_in_a_solution_cell_say_move_them():
    """Hidden tests in an answer cell: is the fix to move them into the test cell below?"""
    nb = master()
    cell(nb, "q2_code").source += "\n### BEGIN HIDDEN TESTS\nassert rms(1.0) == 1.0\n### END HIDDEN TESTS"
    error = invalid(nb)
    assert "'### BEGIN HIDDEN TESTS' region in a cell that is not a grade ('Autograder tests') cell" in str(error)
    assert error.fix.startswith("move the hidden tests into the 'Autograder tests' cell below")


def test_nested_region():
    """Is a second BEGIN before the END named, with the line to add?"""
    nb = master()
    code = cell(nb, "q1_code")
    code.source = code.source.replace("    ### END SOLUTION", "    ### BEGIN SOLUTION\n    ### END SOLUTION")
    error = invalid(nb)
    assert "nested '### BEGIN SOLUTION'" in str(error) and error.fix == "close the first region with '### END SOLUTION'"


def test_end_without_begin():
    """Is a stray END named, with both fixes?"""
    nb = master()
    code = cell(nb, "q2_code")
    code.source = code.source.replace("    ### BEGIN SOLUTION\n", "")
    error = invalid(nb)
    assert "'### END SOLUTION' without a '### BEGIN SOLUTION' before it" in str(error)
    assert "add '### BEGIN SOLUTION' above the region" in error.fix


def test_invalid_metadata_names_the_sidebar():
    """A test cell without points: is nbgrader's complaint shown with the sidebar fix?"""
    nb = master()
    del cell(nb, "q2_tests").metadata.nbgrader["points"]
    error = invalid(nb)
    assert "invalid nbgrader metadata" in str(error) and "Create Assignment sidebar" in error.fix
    assert error.grade_id == "q2_tests"


def test_setup_cell_not_read_only():
    """A setup cell that is not locked: is the fix to make it Read-only (what the grader restores)?"""
    nb = master()
    cell(nb, "setup").metadata.nbgrader["locked"] = False
    error = invalid(nb)
    assert "the setup cell is not a read-only (locked) nbgrader cell" in str(error)
    assert "'Read-only' in the Create Assignment sidebar" in error.fix


def test_init_called_twice():
    """Two cells calling init: are both named and is the fix to keep one?"""
    nb = master()
    cell(nb, "q4_data").source += '\nautograder.init("lab0_example")'
    error = invalid(nb)
    assert 'cells [2, 15] all call autograder.init("lab0_example")' in str(error) and error.index == 14
    assert error.fix.startswith('keep one autograder.init("lab0_example") call')


def test_check_id_used_twice():
    """The same check id written in two cells: are both cells named?"""
    nb = master()
    cell(nb, "q3_tests").source += '\n    autograder.check("q2_rms.data", 1.0)'
    error = invalid(nb)
    assert "check id 'q2_rms.data' is used twice (also cell 10)" in str(error) and error.grade_id == "q3_tests"
    assert "its own id" in error.fix


# --- found by the record runs

def test_block_that_raises_with_the_solution(tmp_path):
    """A block that raises in the master: is it named, with its error?"""
    nb = master()
    tests = cell(nb, "q2_tests")
    tests.source = tests.source.replace("rms(data),", "rms(data) / 0,")
    error = build_broken(tmp_path, nb)
    assert "marks block 'q2_rms' failed with the solution: ZeroDivisionError" in str(error)
    assert "master earns every mark" in error.fix


def test_block_run_twice_and_block_in_a_given_cell(tmp_path):
    """A block id reused in another test cell, and a block in a read-only cell: are both refused?"""
    nb = master()
    cell(nb, "q3_tests").source += '\nwith autograder.marks("q2_rms", points=0):\n    pass'
    error = build_broken(tmp_path / "twice", nb)
    assert "marks block 'q2_rms' runs twice (first in cell 'q2_tests')" in str(error) and error.grade_id == "q3_tests"
    nb = master()
    cell(nb, "q4_train").source += '\nwith autograder.marks("q4_extra", points=1):\n    pass'
    error = build_broken(tmp_path / "given", nb)
    assert "marks block 'q4_extra' is in a cell that is not an nbgrader grade cell" in str(error)
    assert "'Autograder tests'" in error.fix and error.grade_id == "q4_train"


def test_check_recorded_twice(tmp_path):
    """A check run in a loop: is the one-value-per-check rule named?"""
    nb = master()
    tests = cell(nb, "q2_tests")
    tests.source = tests.source.replace("    autograder.check(", "    for _ in range(2):\n        autograder.check(")
    error = build_broken(tmp_path, nb)
    assert "check 'q2_rms.data' was recorded twice" in str(error) and "not in a loop" in error.fix


def test_check_that_runs_only_without_the_hidden_tests(tmp_path):
    """A visible check skipped when a hidden test has run: is it refused, naming the hidden tests in the fix?"""
    nb = master()
    q1 = cell(nb, "q1_tests")
    q1.source = q1.source.replace("### END HIDDEN TESTS", "_hidden_ran = True\n### END HIDDEN TESTS")
    cell(nb, "q2_tests").source += ('\n    _cid = "q2_rms.extra"\n    if "_hidden_ran" not in globals():\n'
                                    '        autograder.check(_cid, 1.0)')
    error = build_broken(tmp_path, nb)
    assert "check 'q2_rms.extra' ran only without the hidden tests" in str(error)
    assert "keep visible cells from testing what the hidden tests define" in error.fix


def test_exact_check_that_depends_on_the_profile(tmp_path):
    """A key for another profile whose exact check records another value: is it refused with both fixes?"""
    root = copy_labs(tmp_path, labs=[EXAMPLE_LAB])
    nb = master()
    tests = cell(nb, "q2_tests")
    tests.source = tests.source.replace("rms(data),", 'rms(data) * {"fast": 1}.get(current_profile(), 2),')
    nbformat.write(nb, root / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb")
    with pytest.raises(BuildError) as caught:
        build_lab(EXAMPLE_LAB, root=root, conditions=Conditions(profile="class"), verify=False, log=lambda _: None)
    assert "exact check(s) q2_rms.data record values under class profile" in str(caught.value)
    assert "check_below/check_above" in caught.value.fix


# --- found by the verification

def test_master_without_summary(tmp_path):
    """A master whose summary cell was deleted: does the build ask for it?"""
    nb = master()
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "summary"]
    error = build_broken(tmp_path, nb)
    assert "the solution notebook's summary shows no summary(), not 7/7" in str(error)
    assert "autograder.summary()" in error.fix


def test_block_that_earns_points_in_the_untouched_release(tmp_path):
    """A block whose check does not depend on any answer: is it refused as free marks?"""
    nb = master()
    tests = cell(nb, "q3_tests")
    tests.metadata.nbgrader["points"] = 2
    tests.source += '\nwith autograder.marks("q3_free", points=1):\n    autograder.check("q3_free.one", 1.5)'
    error = build_broken(tmp_path, nb)
    assert "block 'q3_free' earns 1 points in the untouched release" in str(error) and error.grade_id == "q3_tests"
    assert "depend on the student's answer" in error.fix


def test_release_that_kills_its_kernel(tmp_path):
    """A given cell that kills the kernel when the stubs are in place: is the release refused?"""
    nb = master()
    cell(nb, "q4_data").source += ("\ntry:\n    column_means(np.ones((2, 2)))\nexcept NotImplementedError:\n"
                                   "    import os; os._exit(1)")
    error = build_broken(tmp_path, nb)
    assert "the release notebook does not run to the end: DeadKernelError" in str(error)
    assert "run with the stubs in place" in error.fix


def test_kernel_that_dies_in_the_master(tmp_path):
    """A master whose kernel dies: is it the lab's error, with where to look, and nothing written?"""
    root = copy_labs(tmp_path, labs=[], generated=False)
    nb = master()
    cell(nb, "q4_data").source += "\nimport os; os._exit(1)"
    nbformat.write(nb, root / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb")
    report = build_labs(labs=[EXAMPLE_LAB], root=root, log=lambda _: None)
    error = report.errors[EXAMPLE_LAB]
    assert "DeadKernelError" in error.problem and "SEQLABS_PROFILE=fast to see why" in error.fix
    assert not (root / "labs" / "release").exists() or not list((root / "labs" / "release").iterdir())
