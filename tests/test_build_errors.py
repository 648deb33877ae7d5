"""Broken masters: the build names the lab, the cell and the fix, and overwrites nothing."""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.core import values
from autograder.assign import BuildError, build_lab, build_labs, lab_paths
from conftest import EXAMPLE_LAB, EXAMPLE_ROOT, copy_labs



def master() -> nbformat.NotebookNode:
    return nbformat.read(EXAMPLE_ROOT / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb", as_version=4)


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def build_broken(tmp_path, nb, lab=EXAMPLE_LAB) -> BuildError:
    (tmp_path / "labs" / "source").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, tmp_path / "labs" / "source" / f"{lab}.ipynb")
    with pytest.raises(BuildError) as caught:
        build_lab(lab, root=tmp_path, log=lambda _: None)
    message = str(caught.value)
    assert message.startswith(f"{lab}: ") and "\n    fix: " in message
    return caught.value


# --- found before anything runs

def test_duplicate_grade_id(tmp_path):
    """Is a duplicate grade_id reported with both cells?"""
    nb = master()
    cell(nb, "q2_tests").metadata.nbgrader["grade_id"] = "q1_tests"
    error = build_broken(tmp_path, nb)
    assert "duplicate grade_id 'q1_tests' (also cell 7)" in str(error) and error.index == 9
    assert "own grade_id" in error.fix


def test_solution_region_left_open(tmp_path):
    """Is a '### BEGIN SOLUTION' without its END named, with the cell?"""
    nb = master()
    code = cell(nb, "q2_code")
    code.source = code.source.replace("    ### END SOLUTION", "")
    error = build_broken(tmp_path, nb)
    assert "'### BEGIN SOLUTION' region is never closed" in str(error)
    assert (error.index, error.grade_id) == (8, "q2_code") and "### END SOLUTION" in error.fix


def test_hidden_tests_left_open(tmp_path):
    """Is an unclosed hidden-test region named?"""
    nb = master()
    tests = cell(nb, "q1_tests")
    tests.source = tests.source.replace("### END HIDDEN TESTS", "")
    error = build_broken(tmp_path, nb)
    assert "'### BEGIN HIDDEN TESTS' region is never closed" in str(error) and error.grade_id == "q1_tests"


def test_solution_region_outside_a_solution_cell(tmp_path):
    """Is a solution region in a read-only cell refused (nbgrader would refuse it too)?"""
    nb = master()
    cell(nb, "q4_train").source += "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    error = build_broken(tmp_path, nb)
    assert "not a solution ('Autograded answer') cell" in str(error) and error.grade_id == "q4_train"


def test_old_metadata_schema(tmp_path):
    """Is nbgrader metadata older than schema 3 refused with the upgrade command?"""
    nb = master()
    cell(nb, "q2_tests").metadata.nbgrader["schema_version"] = 2
    error = build_broken(tmp_path, nb)
    assert "schema_version is 2, not 3" in str(error) and "nbgrader update" in error.fix


def test_missing_setup_cell(tmp_path):
    """Is a master without `autograder.init("<lab>")` refused?"""
    nb = master()
    setup = cell(nb, "setup")
    setup.source = setup.source.replace('autograder.init("lab0_example")', 'autograder.init("lab1")')
    error = build_broken(tmp_path, nb)
    assert 'no setup cell calls autograder.init("lab0_example")' in str(error)


# --- found by running the master in record mode

def test_syntax_error_in_a_given_cell(tmp_path):
    """Is a syntax error outside the student regions named with its cell?"""
    nb = master()
    cell(nb, "q4_train").source += "\nfor"
    error = build_broken(tmp_path, nb)
    assert (error.index, error.grade_id) == (16, "q4_train")
    assert "raised SyntaxError" in str(error) and "without errors in record mode" in error.fix


def test_runtime_error_in_a_given_cell(tmp_path):
    """Is a runtime error in a locked cell named with its exception?"""
    nb = master()
    cell(nb, "q4_data").source += "\nundefined_name"
    error = build_broken(tmp_path, nb)
    assert "raised NameError: name 'undefined_name' is not defined" in str(error) and error.grade_id == "q4_data"


def test_check_that_never_runs(tmp_path):
    """Is a check that the master never executes (so no key entry) refused?"""
    nb = master()
    cell(nb, "q2_tests").source += '\nif False:\n    autograder.check("q2_rms.never", 1.0)'
    error = build_broken(tmp_path, nb)
    assert "check 'q2_rms.never' never ran" in str(error) and "no key entry" in str(error)
    assert error.grade_id == "q2_tests"


def test_points_differ_from_the_blocks(tmp_path):
    """Is a test cell whose nbgrader points differ from its marks blocks' sum refused with the right number?"""
    nb = master()
    cell(nb, "q4_tests").metadata.nbgrader["points"] = 4
    error = build_broken(tmp_path, nb)
    assert "nbgrader points are 4 but the marks blocks in the cell add up to 3" in str(error)
    assert "set the cell's points to 3" in error.fix


def test_master_that_fails_its_own_check(tmp_path):
    """Is a block that fails with the instructor's solution refused?"""
    nb = master()
    tests = cell(nb, "q4_tests")
    assert "bound=0.9, possible=(0, 1))" in tests.source
    tests.source = tests.source.replace("bound=0.9, possible=(0, 1))", "bound=0.99, possible=(0, 1))")
    error = build_broken(tmp_path, nb)
    assert "the master's own value fails check 'q4_fit.accuracy': " in str(error)
    assert "is not above 0.99" in str(error)
    assert error.grade_id == "q4_tests" and "'fast' profile" in error.fix


def test_failed_build_overwrites_nothing(tmp_path):
    """If one lab fails, is no output of any lab (even one that built) written?"""
    root = copy_labs(tmp_path, labs=[EXAMPLE_LAB])
    release = lab_paths(root, EXAMPLE_LAB)["release"]
    release.write_text("an older release\n")
    lab_paths(root, EXAMPLE_LAB)["solution"].unlink()
    broken = master()
    cell(broken, "q2_tests").metadata.nbgrader["grade_id"] = "q1_tests"
    nbformat.write(broken, root / "labs" / "source" / "zz_broken.ipynb")
    log: list[str] = []
    report = build_labs(labs=[EXAMPLE_LAB, "zz_broken"], root=root, log=log.append)
    assert not report.ok and list(report.errors) == ["zz_broken"] and report.written == []
    assert release.read_text() == "an older release\n"
    assert not lab_paths(root, EXAMPLE_LAB)["solution"].exists()
    assert not list((root / "labs").rglob("*.tmp")) and "nothing written" in log[-1]


def test_key_value_written_in_a_hint(tmp_path):
    """Is a master that prints an expected value in its prose refused, naming the check?"""
    nb = master()
    key = json.loads((EXAMPLE_ROOT / "labs" / "keys" / f"{EXAMPLE_LAB}.json").read_text())
    hint = f"{values.decode(key['checks']['q4_loss.final']['value']):.4g}"  # the loss the master reaches
    intro = next(c for c in nb.cells if c.get("id") == "q4-text")
    intro.source += f"\n\nWith a correct gradient the final loss is {hint}."
    error = build_broken(tmp_path, nb)
    assert f"the key value of check 'q4_loss.final' appears in the release as '{hint}'" in str(error)


def test_solution_left_in_the_release_is_caught():
    """Would a release that still held a solution region fail verification?"""
    import json

    from autograder.assign.verify import verify_no_leaks

    source = master()
    key = json.loads((EXAMPLE_ROOT / "labs" / "keys" / f"{EXAMPLE_LAB}.json").read_text())
    with pytest.raises(BuildError, match=r"solution line 'return x.sum\(axis=0\) / x.shape\[0\]' appears"):
        verify_no_leaks(source, source, key)


def test_cell_that_runs_too_long(tmp_path):
    """Is a cell that exceeds the per-cell timeout reported as the lab's error, with nothing written?"""
    nb = master()
    cell(nb, "q4_data").source += "\nimport time; time.sleep(30)"
    root = copy_labs(tmp_path, labs=[], generated=False)
    nbformat.write(nb, root / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb")
    report = build_labs(labs=[EXAMPLE_LAB], root=root, timeout=3, log=lambda _: None)
    error = report.errors[EXAMPLE_LAB]
    assert not report.ok and "CellTimeoutError" in error.problem and "within 3 s" in error.fix
    assert not lab_paths(root, EXAMPLE_LAB)["release"].exists()


def test_unseeded_reference_value(tmp_path):
    """Is a token check whose reference value changes from run to run (an unseeded generator) refused?"""
    nb = master()
    tests = cell(nb, "q1_tests")
    tests.source = tests.source.replace("[1.9, 0.3]])", "[1.9, np.random.rand()]])")
    error = build_broken(tmp_path, nb)
    assert "check 'q1_means.data' recorded different values in two runs" in str(error)
    assert error.grade_id == "q1_tests" and "seed" in error.fix


def test_unseeded_value_in_a_master_without_hidden_tests(tmp_path):
    """Without hidden tests the master is recorded once; is an unseeded value still refused, by the
    verification's grade-mode run, with the same message? And is a seeded one built from one record run?"""
    nb = master()
    for c in nb.cells:  # the hidden tests made visible
        c.source = "\n".join(line for line in c.source.splitlines() if "HIDDEN TESTS" not in line)
    lines: list[str] = []
    (tmp_path / "ok" / "labs" / "source").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "ok" / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb")
    build_lab(EXAMPLE_LAB, root=tmp_path / "ok", log=lines.append)
    assert any("(record run " in line and "no hidden tests)" in line for line in lines), lines
    tests = cell(nb, "q1_tests")
    tests.source = tests.source.replace("[1.9, 0.3]])", "[1.9, np.random.rand()]])")
    error = build_broken(tmp_path / "broken", nb)
    assert "check 'q1_means.data' recorded different values in two runs" in str(error)
    assert error.grade_id == "q1_tests" and "seed" in error.fix
