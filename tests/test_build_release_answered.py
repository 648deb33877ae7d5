"""Does the build refuse a lab whose release a correct student could not pass, and enforce the hidden-block rule?

A student who types the solution's answers into the release runs the master
without its hidden tests. Each test plants one authoring mistake in a scratch
copy of lab 0 that only shows in that run (the master itself runs clean) and
asks for the block, the cell, the cause and the fix.
"""
from __future__ import annotations

from test_build_errors import build_broken, cell, master

HIDDEN_ZERO = "### BEGIN HIDDEN TESTS\n_zero = 0.0\n"  # a hidden test's helper value, planted in q1_tests


def with_hidden_zero():
    nb = master()
    tests = cell(nb, "q1_tests")
    assert tests.source.count("### BEGIN HIDDEN TESTS\n") == 1
    tests.source = tests.source.replace("### BEGIN HIDDEN TESTS\n", HIDDEN_ZERO)
    return nb


def test_visible_block_using_a_name_only_hidden_tests_define(tmp_path):
    """Is a visible block that uses `_zero`, defined only in a hidden test above, refused with the cause and fix?"""
    nb = with_hidden_zero()
    tests = cell(nb, "q2_tests")
    tests.source = tests.source.replace("rms(data),", "rms(data) + _zero,")
    error = build_broken(tmp_path, nb)
    text = str(error)
    assert "block 'q2_rms' fails in the release with the solution's answers typed in" in text
    assert "NameError: name '_zero' is not defined; it uses" in text
    assert "Run the cells above" not in text  # the student's advice, not the instructor's
    assert "it uses `_zero`, defined only in hidden tests of cell 7" in text
    assert (error.index, error.grade_id) == (9, "q2_tests") and "cell 10 (grade_id 'q2_tests')" in text
    assert error.fix.startswith("move the definition of `_zero` to a visible cell")
    assert "make the block hidden" in error.fix


def test_given_cell_using_a_name_only_hidden_tests_define(tmp_path):
    """Is a read-only cell that raises without the hidden tests refused, naming the blocks it stops?"""
    nb = with_hidden_zero()
    data = cell(nb, "q4_data")
    data.source += "\nX = X + _zero"
    error = build_broken(tmp_path, nb)
    text = str(error)
    assert "the cell raises NameError: name '_zero' is not defined in the release" in text
    assert "defined only in hidden tests of cell 7" in text and error.grade_id == "q4_data"
    assert "make the cell hidden" in error.fix


def test_visible_block_failing_for_another_reason_gets_the_general_fix(tmp_path):
    """A block that raises without the hidden tests for a reason other than a hidden name: is the general
    fix given (use only what visible cells define)?"""
    nb = master()
    q1 = cell(nb, "q1_tests")
    q1.source = q1.source.replace("### BEGIN HIDDEN TESTS\n", "### BEGIN HIDDEN TESTS\n_shapes = {'wide': 1}\n")
    tests = cell(nb, "q2_tests")
    tests.source = "_shapes = globals().get('_shapes', {})\n" + tests.source.replace(
        "rms(data),", "rms(data) * _shapes['wide'],")
    error = build_broken(tmp_path, nb)
    assert "block 'q2_rms' fails in the release" in str(error) and "KeyError: 'wide'" in str(error)
    assert "defined only in hidden tests" not in str(error)
    assert error.fix.startswith("the block may use only what visible cells define")


def test_bound_that_holds_only_with_the_hidden_tests(tmp_path):
    """Is a visible bound check that a hidden test makes pass (it resets a value) refused, with the value?"""
    nb = master()
    cell(nb, "q4_data").source += "\n_scale = 100.0"
    tests = cell(nb, "q4_tests")
    tests.source = tests.source.replace(
        'with autograder.marks("q4_loss"', '### BEGIN HIDDEN TESTS\n_scale = 1.0\n### END HIDDEN TESTS\n'
        'with autograder.marks("q4_loss"', 1).replace('check_below("q4_loss.final", _loss,',
                                                      'check_below("q4_loss.final", _loss * _scale,')
    error = build_broken(tmp_path, nb)
    assert "check 'q4_loss.final' fails in the release with the solution's answers typed in" in str(error)
    assert "is not below 0.2" in str(error) and error.grade_id == "q4_tests"
    assert "keep the hidden tests from changing what visible cells use" in error.fix


def test_exact_value_changed_by_a_hidden_test(tmp_path):
    """Is an exact check whose value a hidden test changes (it rescales shared data) refused, and does the
    fix name the hidden tests as well as seeding?"""
    nb = master()
    q1 = cell(nb, "q1_tests")
    q1.source = q1.source.replace("### END HIDDEN TESTS", "data = data * 2\n### END HIDDEN TESTS")
    error = build_broken(tmp_path, nb)
    assert "check 'q2_rms.data' recorded different values in two runs of the master" in str(error)
    assert error.grade_id == "q2_tests" and "seed" in error.fix
    assert "keep the hidden tests from changing what visible cells use" in error.fix


def test_visible_block_with_an_undeclared_hidden_check(tmp_path):
    """Is a visible block holding a hidden check without `hidden=True` refused (the guide's hidden-block rule)?"""
    nb = master()
    q1 = cell(nb, "q1_tests")
    q1.source = q1.source.replace('with autograder.marks("q1_means", points=1):',
                                  'with autograder.marks("q1_means", points=2):')
    q1.source = q1.source.replace('### BEGIN HIDDEN TESTS\nwith autograder.marks("q1_hidden", points=1):\n',
                                  '    ### BEGIN HIDDEN TESTS\n').replace(
        '"q1_hidden.wide"', '"q1_means.wide"').replace("### END HIDDEN TESTS", "    ### END HIDDEN TESTS")
    assert '"q1_means.wide"' in q1.source and "q1_hidden" not in q1.source
    error = build_broken(tmp_path, nb)
    assert "block 'q1_means' is visible to students but holds hidden check(s) q1_means.wide" in str(error)
    assert error.grade_id == "q1_tests" and 'autograder.marks("q1_means", ..., hidden=True)' in error.fix


def test_block_that_claims_hidden_checks_it_does_not_have(tmp_path):
    """Is `marks(..., hidden=True)` on a block without a hidden check refused?"""
    nb = master()
    tests = cell(nb, "q2_tests")
    tests.source = tests.source.replace('marks("q2_rms", points=1)', 'marks("q2_rms", points=1, hidden=True)')
    error = build_broken(tmp_path, nb)
    assert "block 'q2_rms' says hidden=True but has no hidden check" in str(error)
    assert error.grade_id == "q2_tests" and "remove hidden=True" in error.fix


def test_uses_naming_no_earlier_block(tmp_path):
    """A misspelt id in `uses=` (its note would never show): is it refused, listing the blocks above?"""
    nb = master()
    tests = cell(nb, "q4_tests")
    tests.source = tests.source.replace('marks("q4_fit", points=2)', 'marks("q4_fit", points=2, uses=("q4_los",))')
    error = build_broken(tmp_path, nb)
    assert "block 'q4_fit' says uses=(..., 'q4_los', ...), but 'q4_los' is no block of this lab" in str(error)
    assert error.grade_id == "q4_tests" and "blocks above: " in error.fix and "q4_loss" in error.fix
