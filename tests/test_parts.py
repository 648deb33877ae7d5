"""A lab's parts (``autograder.outline``), ``autograder.require`` and the summary by part (no lab needed)."""
from __future__ import annotations

import pytest

from autograder.notebook import display, tally
from autograder.notebook import parts
from autograder.notebook.blocks import Missing, init, marks, outline, require, summary

PARTS = [
    {"number": 0, "title": "Student information", "blocks": ("student_info",), "names": ("STUDENT_IDS",)},
    {"number": 1, "title": "The encoder", "blocks": ("encoder",), "names": ("Encoder",)},
    {"number": 2, "title": "The decoder", "blocks": ("decoder", "decoder_mask"), "names": ("Decoder", "attend")},
    {"number": 3, "title": "Training", "blocks": ("trained",), "names": ("model", "history", "bleu")},
]


@pytest.fixture(autouse=True)
def fresh(fresh_autograder):
    yield
    assert tally.current_block() is None, "a test left a block open"


@pytest.mark.parametrize("missing, expected", [
    (["Encoder"], "this block uses your `Encoder` from part 1 (The encoder), which is not defined: "
                  "run that part's cells first; if one of them stopped with an error, fix that error there"),
    (["Decoder", "attend"], "this block uses your `Decoder` and `attend` from part 2 (The decoder), which are not "
                            "defined: run that part's cells first;"),
    (["model", "history", "bleu"], "your `model`, `history` and `bleu` from part 3 (Training), which are not defined"),
    (["Encoder", "model"], "this block uses your `Encoder` from part 1 (The encoder) and your `model` from part 3 "
                           "(Training), which are not defined: run those parts' cells first"),
    (["x"], "this block uses `x`, which is not defined: run the cells above first"),
])
def test_missing_message_names_the_part_with_grammar(missing, expected):
    """Does the message say which part each missing name comes from, with 'is'/'are' and 'X, Y and Z'?"""
    assert expected in parts.missing_message(missing, parts.parse("Lab T", PARTS))


def test_require_stops_the_block_with_that_message_and_no_traceback(capsys):
    """Does require() inside a block give the block 0 with the part's message, and outside a block say 'this cell'?"""
    outline("Lab T", PARTS, hand_graded=6)
    init("labT")
    Encoder = object  # noqa: N806 -- defined, in this (the caller's) namespace? No: require reads globals
    with marks("decoder", 3):
        require("Decoder")
    result = tally.TALLY.blocks["decoder"]
    assert not result.passed and result.error.startswith("this block uses your `Decoder` from part 2 (The decoder)")
    assert "      at " not in capsys.readouterr().out  # the message is the explanation, not a traceback
    with pytest.raises(Missing, match=r"^this cell uses your `model` from part 3 \(Training\), which is not"):
        require("model")
    require("pytest")  # defined in this module's globals: passes
    del Encoder


def test_summary_adds_up_by_part_in_declared_order_and_names_hand_graded_points(capsys):
    """Are the summary's sections the parts' labels in their declared order, with the hand-graded points named?"""
    outline("Lab T", PARTS, hand_graded=6)
    init("labT")
    with marks("trained", 2):
        pass
    with marks("decoder", 3):
        raise AssertionError("decoder.x: wrong")
    with marks("encoder", 1):
        pass
    with marks("decoder_mask", 2):
        pass
    result = summary()
    assert list(result["sections"]) == ["1. The encoder", "2. The decoder", "3. Training"]
    assert result["sections"]["2. The decoder"] == {"earned": 2.0, "points": 5.0}
    text = capsys.readouterr().out
    assert "2. The decoder  2/5" in text
    assert "Not in this total: 6 marks for the written answers, graded by hand." in text
    assert result["hand_graded"] == 6.0


def test_outline_refuses_a_block_in_two_parts():
    """Does a declaration that puts one block in two parts fail, naming the block and both parts?"""
    bad = PARTS + [{"number": 4, "title": "Again", "blocks": ("encoder",)}]
    with pytest.raises(ValueError, match=r"block 'encoder' is in part 1 and in part 4"):
        parts.parse("Lab T", bad)


def _raise_in_library():
    raise ValueError("shape mismatch deep inside")


def test_traceback_shows_the_students_cell_lines_and_where_a_library_raised():
    """Does the traceback keep the notebook cell's frames (not only library internals), then the raising frame?"""
    cell = "def forward(x):\n    return helper(x)\n\nforward(1)\n"
    code = compile(cell, "/tmp/ipykernel_4242/123456.py", "exec")
    try:
        exec(code, {"helper": lambda x: [_raise_in_library() for _ in range(1)]})
    except ValueError as exc:
        lines = display.traceback_summary(exc)
    assert lines[0].startswith("cell, line 4, in <module>") and lines[1].startswith("cell, line 2, in forward")
    assert lines[-1].startswith("test_parts.py, line ") and "in _raise_in_library" in lines[-1]
    assert len(lines) == 3  # the lambda and list comprehension frames of this test file are not shown


def test_a_shape_check_compares_shapes_not_the_shapes_of_shape_lists(capsys):
    """Does check_shape say the tensor's shape and how many dimensions are expected (not 'shape (3,)')?"""
    import numpy as np

    from autograder.notebook.checks import check_shape
    from autograder.core.tokens import make_token
    init("labT", tokens={"d.prediction_shape": make_token([3, 13], salt="labT:d.prediction_shape")})
    check_shape("d.prediction_shape", np.zeros((3, 13)))  # passes
    with pytest.raises(AssertionError) as missing_squeeze:
        check_shape("d.prediction_shape", np.zeros((1, 3, 13)))
    assert str(missing_squeeze.value) == ("d.prediction_shape: your tensor has shape (1, 3, 13), 3 dimensions; "
                                          "the expected shape has 2")
    with pytest.raises(AssertionError, match=r"shape \(3, 12\); the expected shape differs in at least one"):
        check_shape("d.prediction_shape", np.zeros((3, 12)))
