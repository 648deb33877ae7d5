"""The keyed tally, `marks` blocks, `summary` and their text/HTML display (no checks needed)."""
from __future__ import annotations

import pytest

from autograder.notebook import display, tally
from autograder.core import events
from autograder.notebook.blocks import init, marks, summary


@pytest.fixture(autouse=True)
def fresh(fresh_autograder):
    """Each test starts with an empty tally, no captured events, student mode, outside nbgrader."""
    yield
    assert tally.current_block() is None, "a test left a block open"


def run_block(block_id, points, fail=None, **kw):
    with marks(block_id, points, **kw):
        if fail is not None:
            raise fail


def test_passing_block_earns_its_points(capsys):
    """Does a block with no error earn its points and show ✓ [earned/points marks]?"""
    init("lab0")
    run_block("q1_mean", 2)
    assert tally.TALLY.total() == (2.0, 2.0)
    assert "✓ q1_mean [2/2 marks]" in capsys.readouterr().out


def test_rerun_replaces_never_adds():
    """Does re-running a block replace its marks (pass -> fail -> pass), never add?"""
    init("lab0")
    run_block("q1_mean", 2)
    run_block("q1_mean", 2)
    assert tally.TALLY.total() == (2.0, 2.0)
    run_block("q1_mean", 2, fail=AssertionError("q1_mean.value: wrong"))
    assert tally.TALLY.total() == (0.0, 2.0)
    run_block("q1_mean", 2)
    assert tally.TALLY.total() == (2.0, 2.0)
    assert list(tally.TALLY.blocks) == ["q1_mean"]


def test_partial_credit_within_a_cell(capsys):
    """Does one failing block (any exception) leave the next blocks of the same cell running?"""
    init("lab0")
    ran = []
    with marks("q1_a", points=1):
        raise NotImplementedError("write rnn_step_forward")
    with marks("q1_b", points=2):
        undefined_name  # noqa: F821 -- a student's NameError
    with marks("q1_c", points=3):
        ran.append("c")
    assert ran == ["c"]
    assert tally.TALLY.total() == (3.0, 6.0)
    out = capsys.readouterr().out
    assert "✘ q1_a [0/1 marks]" in out and "NotImplementedError: write rnn_step_forward" in out
    assert "NameError: name 'undefined_name' is not defined" in out
    assert "✓ q1_c [3/3 marks]" in out


def test_traceback_summary_is_short_and_points_at_student_code(capsys):
    """Is a student error shown with a few frames of *their* code, not a wall of traceback?"""
    init("lab0")

    def level3():
        raise ValueError("bad shape")

    def level2():
        level3()

    def level1():
        level2()

    def level0():
        level1()

    with marks("q1_deep", points=1):
        level0()
    out = capsys.readouterr().out
    at_lines = [line for line in out.splitlines() if line.strip().startswith("at ")]
    assert len(at_lines) == display.TRACEBACK_FRAMES
    assert "in level3" in at_lines[-1] and 'raise ValueError("bad shape")' in at_lines[-1]
    assert "Traceback (most recent call last)" not in out


def test_error_raised_inside_autograder_shows_no_traceback(capsys):
    """Does an error raised by autograder itself (as a failed check is) show just its message?"""
    from autograder.core.mode import check_profile

    init("lab0")
    with marks("q1_x", points=1):
        check_profile("huge")
    out = capsys.readouterr().out
    assert "✘ q1_x [0/1 marks]" in out and "unknown profile 'huge'" in out
    assert " at " not in out


def test_a_students_own_assert_is_named(capsys):
    """Is a plain `assert` in student code shown as an AssertionError (only checks speak for themselves)?"""
    init("lab0")
    with marks("q1_a", points=1):
        raise AssertionError("one is not above two")  # what a student's `assert` raises
    assert tally.TALLY.blocks["q1_a"].error == "AssertionError: one is not above two"


def test_keyboard_interrupt_is_not_suppressed():
    """Does an interrupt stop the cell (tallied as 0) instead of being swallowed?"""
    init("lab0")
    with pytest.raises(KeyboardInterrupt):
        run_block("q1_a", 1, fail=KeyboardInterrupt())
    assert tally.TALLY.total() == (0.0, 1.0)


def test_blocks_do_not_nest():
    """Is a block opened inside another refused with a message naming both?"""
    init("lab0")
    with marks("q1_outer", points=1):
        with pytest.raises(RuntimeError, match="q1_inner.*q1_outer"):
            with marks("q1_inner", points=1):
                pass
    assert tally.TALLY.blocks["q1_outer"].passed


@pytest.mark.parametrize("block_id, section", [("q1_mean", "q1"), ("q2a.loss", "q2a"), ("intro", "intro")])
def test_default_section_is_the_id_prefix(block_id, section):
    """Is a block's section its id up to the first `_` or `.`?"""
    assert tally.default_section(block_id) == section
    assert marks(block_id, 1).section == section


def test_init_is_idempotent_and_a_new_lab_resets():
    """Does re-running init keep the marks, while init for another lab starts over?"""
    init("lab0", tokens={"a": "t1"})
    run_block("q1_a", 1)
    init("lab0", tokens={"a": "t1"})
    assert tally.TALLY.total() == (1.0, 1.0) and tally.TALLY.tokens == {"a": "t1"}
    init("lab0")
    assert tally.TALLY.tokens == {}
    init("lab1")
    assert tally.TALLY.total() == (0.0, 0.0)


@pytest.mark.parametrize("bad", [dict(lab=""), dict(lab=3), dict(lab="x", tokens={"a": 1}), dict(lab="x", tokens=["a"])])
def test_init_rejects_bad_arguments(bad):
    with pytest.raises(TypeError):
        init(**bad)


@pytest.mark.parametrize("points", [-1, True, "2"])
def test_marks_rejects_bad_points(points):
    with pytest.raises(ValueError):
        marks("q1", points)


def test_summary_sections_total_and_event(capsys):
    """Does summary() return and emit the per-section tally and print a table?"""
    init("lab0")
    run_block("q1_a", 1)
    run_block("q1_b", 2, fail=AssertionError("no"))
    run_block("q2_a", 3)
    run_block("extra", 1, section="q2")
    result = summary()
    assert result["earned"] == 5.0 and result["points"] == 7.0
    assert result["sections"] == {"q1": {"earned": 1.0, "points": 3.0}, "q2": {"earned": 4.0, "points": 4.0}}
    assert result["blocks"]["q1_b"]["error"] == "AssertionError: no" and result["blocks"]["q1_b"]["earned"] == 0.0
    (event,) = events.captured()
    assert event == {"event": "summary", **result}
    out = capsys.readouterr().out
    assert "lab0: 5/7 marks" in out and "q1       1/3" in out and "total    5/7" in out


def test_html_rendering_escapes_and_marks():
    """Is the HTML form of a block and of the summary escaped and marked ✓/✘?"""
    bad = tally.BlockResult(block="q1<b>", section="q1", points=2, earned=0, error="x < y & z")
    page = display.block_html(bad, trace=["cell, line 1, in <module>"])
    assert "✘" in page and "[0/2 marks]" in page and "x &lt; y &amp; z" in page and "q1&lt;b&gt;" in page
    assert "&lt;module&gt;" in page
    good = tally.BlockResult(block="q1", section="q1", points=2, earned=2)
    assert "✓" in display.block_html(good) and "[2/2 marks]" in display.block_html(good)
    t = tally.Tally(lab="lab0")
    t.record(good)
    page = display.summary_html(t.as_dict())
    assert "<table>" in page and "lab0: 2/2 marks" in page


def test_show_uses_html_bundle_under_ipython(monkeypatch):
    """Under IPython, is the display an HTML bundle with a text/plain fallback?"""
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    display.show("plain", "<b>html</b>")
    assert shown == [({"text/plain": "plain", "text/html": "<b>html</b>"}, True)]


# ---------------------------------------------------------------- issue 12: feedback that points at the first bug

def test_a_block_that_uses_a_failed_block_says_fix_it_first(capsys):
    """Does a failing block that uses a failed earlier block say 'uses your X, which failed above: fix it first'?"""
    init("lab0")
    run_block("q1_forward", 2, fail=AssertionError("wrong"))
    run_block("q2_train", 1, fail=AssertionError("loss too high"), uses=("q1_forward", "q1_never_run"))
    error = tally.TALLY.blocks["q2_train"].error
    assert error.startswith("uses your q1_forward, which failed above: fix it first")
    assert "q1_never_run, which has not run yet" in error and "loss too high" in error
    run_block("q1_forward", 2)  # fixed: the note goes
    run_block("q2_train", 1, fail=AssertionError("loss too high"), uses=("q1_forward",))
    assert "uses your" not in tally.TALLY.blocks["q2_train"].error
    run_block("q2_train", 1, uses=("q1_forward",))
    assert tally.TALLY.blocks["q2_train"].passed


def test_a_test_whose_input_was_never_defined_names_the_cell_to_run(capsys):
    """Is a NameError raised by the test cell itself turned into 'run <needs> first', not a bare NameError?"""
    init("lab0")
    with marks("q3_trained", 1, needs="the training cell (2.7)"):
        never_defined_history  # noqa: B018, F821 -- training failed, so this was never set
    error = tally.TALLY.blocks["q3_trained"].error
    assert "name 'never_defined_history' is not defined" in error
    assert "Run the training cell (2.7) first" in error and "fix that error there" in error

    def student_function():
        return undefined_inside_student_code  # noqa: F821
    with marks("q4_other", 1, needs="the training cell (2.7)"):
        student_function()
    assert tally.TALLY.blocks["q4_other"].error == "NameError: name 'undefined_inside_student_code' is not defined"


def test_hidden_blocks_say_part_is_graded_later_and_summary_counts_them(capsys):
    """Does a block declared hidden=True say so on its ✓, and summary() say how many marks hidden checks decide?"""
    init("lab0")
    run_block("q1_shown", 2, hidden=True)
    run_block("q2_plain", 3)
    out = capsys.readouterr().out
    assert "✓ q1_shown [2/2 marks; part of this block is graded later by hidden checks]" in out
    result = summary()
    assert result["hidden_points"] == 2.0
    text = capsys.readouterr().out
    assert "2 of these 5 marks also depend on hidden checks that only the grader runs: graded later" in text
    assert "hidden checks" in display.summary_html(result)


def test_block_events_carry_uses_and_hidden(monkeypatch):
    """In record/grade mode, does the block event carry `uses` and `hidden` for the grader's feedback?"""
    monkeypatch.setenv("AUTOGRADER_MODE", "grade")
    init("lab0")
    run_block("q2_train", 1, uses=("q1_forward",), hidden=True)
    (event,) = events.captured()
    assert event["uses"] == ["q1_forward"] and event["hidden"] is True


@pytest.mark.parametrize("bad", ["q1_forward", [1], [""]])
def test_uses_must_be_block_ids(bad):
    with pytest.raises(TypeError, match="uses"):
        marks("q2", 1, uses=bad)
