"""Modes and events: what a check and a block emit in student, record and grade mode."""
from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest

from autograder.core import events, mode
from autograder.notebook import tally
from autograder.notebook.blocks import init, marks


pytestmark = pytest.mark.usefixtures("fresh_autograder")


# ------------------------------------------------------------ the settings

@pytest.mark.parametrize("raw, expected", [(None, "student"), ("", "student"), (" Record ", "record"), ("grade", "grade")])
def test_current_mode(monkeypatch, raw, expected):
    """Is AUTOGRADER_MODE read with student as default, ignoring case and space?"""
    if raw is not None:
        monkeypatch.setenv("AUTOGRADER_MODE", raw)
    assert mode.current_mode() == expected


def test_unknown_mode_is_an_error(monkeypatch):
    """Does a typo in AUTOGRADER_MODE fail loudly instead of falling back to student?"""
    monkeypatch.setenv("AUTOGRADER_MODE", "grading")
    with pytest.raises(ValueError, match="student, record, grade"):
        mode.current_mode()


@pytest.mark.parametrize("raw, expected", [(None, "class"), ("", "class"), ("FAST", "fast"), ("full", "full")])
def test_current_profile(monkeypatch, raw, expected):
    """Is SEQLABS_PROFILE read as seqlabs.profiles reads it (default class)?"""
    if raw is not None:
        monkeypatch.setenv("SEQLABS_PROFILE", raw)
    assert mode.current_profile() == expected


def test_profile_has_one_reader():
    """Do seqlabs and the checks read the profile with the very same function (one home)?"""
    from seqlabs import profiles

    assert profiles.current_profile is mode.current_profile and profiles.check_profile is mode.check_profile


def test_resolve_bound(monkeypatch):
    """Is a bound a number, or a dict by profile resolved for the current or given profile?"""
    bound = {"fast": 2.0, "class": 0.5, "full": 0.3}
    assert mode.resolve_bound(bound) == 0.5
    assert mode.resolve_bound(bound, profile="full") == 0.3
    monkeypatch.setenv("SEQLABS_PROFILE", "fast")
    assert mode.resolve_bound(bound) == 2.0 and mode.resolve_bound(7) == 7.0
    with pytest.raises(ValueError, match="no bound for profile 'full'.*fast"):
        mode.resolve_bound({"fast": 1.0}, profile="full")
    with pytest.raises(TypeError):
        mode.resolve_bound("0.5")


def test_resolve_bound_by_data(monkeypatch, tmp_path):
    """Is a profile's bound by data resolved for the data folder the run reads (the kernel's own, or the one given)?"""
    real = tmp_path / "data"
    (real / "multi30k").mkdir(parents=True)
    other = tmp_path / "other"
    (other / "wikitext-2").mkdir(parents=True)
    bound = {"fast": 2.0, "class": {"multi30k": 3.7, "embedded": 0.3}}
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    assert mode.resolve_bound(bound, profile="class") == 0.3  # the kernel's data: none
    monkeypatch.setenv("SEQLABS_DATA", str(real))
    assert mode.resolve_bound(bound, profile="class") == 3.7  # the kernel's data: multi30k
    assert mode.resolve_bound(bound, profile="fast") == 2.0   # a profile without a dict by data
    # what the judge passes: its grading conditions' folder, whatever this process's SEQLABS_DATA says
    assert mode.resolve_bound(bound, profile="class", data_dir=None) == 0.3
    assert mode.resolve_bound(bound, profile="class", data_dir=other) == 0.3  # a folder without multi30k/
    monkeypatch.setenv("SEQLABS_DATA", "")
    assert mode.resolve_bound(bound, profile="class", data_dir=real) == 3.7
    # the first data set of the dict that the folder holds: the order the lab prefers them in
    both = tmp_path / "both"
    for name in ("multi30k", "wikitext-2"):
        (both / name).mkdir(parents=True)
    assert mode.data_in_use({"wikitext-2": 1, "multi30k": 2, "embedded": 3}, both) == "wikitext-2"
    assert mode.data_in_use({"multi30k": 2, "wikitext-2": 1, "embedded": 3}, both) == "multi30k"
    with pytest.raises(ValueError, match="no bound for profile 'class' on embedded data.*multi30k"):
        mode.resolve_bound({"class": {"multi30k": 3.7}}, profile="class", data_dir=None)


def test_bound_by_data_is_validated_in_every_mode(monkeypatch):
    """Does a check refuse a bound by data without an embedded entry, or with a non-number, before judging?"""
    from autograder.notebook import checks

    for m in ("student", "record"):
        monkeypatch.setenv("AUTOGRADER_MODE", m)
        with pytest.raises(ValueError, match="needs an 'embedded' entry"):
            checks.check_below("x.loss", 1.0, {"class": {"multi30k": 3.7}})
        with pytest.raises(TypeError, match="by data"):
            checks.check_below("x.loss", 1.0, {"class": {"multi30k": "3.7", "embedded": 1.0}})
        with pytest.raises(ValueError, match=r"fraction in \[0, 1\]"):
            checks.check_agreement("x.tokens", [1], [1], at_least={"class": {"multi30k": 1.5, "embedded": 0.5}})


def test_under_nbgrader(monkeypatch):
    """Is nbgrader's execution detected by the variable nbgrader itself sets?"""
    assert not mode.under_nbgrader()
    for value in ("autograde", "validate"):
        monkeypatch.setenv("NBGRADER_EXECUTION", value)
        assert mode.under_nbgrader()


def test_nbgrader_sets_the_variable_we_read():
    """Does the installed nbgrader still set NBGRADER_EXECUTION while autograding and validating?"""
    import importlib.util
    from pathlib import Path

    package = Path(importlib.util.find_spec("nbgrader").origin).parent  # read, not import: nbgrader is slow to load
    assert "NBGRADER_EXECUTION='autograde'" in (package / "converters" / "autograde.py").read_text()
    assert "NBGRADER_EXECUTION='validate'" in (package / "validator.py").read_text()


# ------------------------------------------------------------ the events

def test_emit_outside_a_kernel_captures_json():
    """Outside a kernel, are events kept in order as plain JSON objects?"""
    events.emit({"event": "block", "block": "q1", "points": 1, "error": None, "extra": (1, 2)})
    assert events.captured() == [{"event": "block", "block": "q1", "points": 1, "error": None, "extra": [1, 2]}]
    with pytest.raises(ValueError, match="unknown event kind"):
        events.emit({"event": "nonsense"})
    with pytest.raises(ValueError):
        events.emit({"event": "report", "value": math.nan})  # NaN is not JSON


def test_emit_in_a_kernel_is_a_raw_display_with_our_mime(monkeypatch):
    """In a kernel, is an event a raw display_data whose only MIME type is events.MIME?"""
    import IPython.display

    shown = []
    monkeypatch.setattr(events, "in_kernel", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    events.emit({"event": "block", "block": "q1", "points": 1, "error": None})
    assert shown == [({events.MIME: {"event": "block", "block": "q1", "points": 1, "error": None}}, True)]
    assert events.captured() == []
    assert events.MIME == "application/vnd.seqlabs.autograder+json"


def test_events_read_back_from_notebook_outputs():
    """Are events read back from display_data outputs only, by cell, ignoring other MIME types?"""
    e1, e2 = {"event": "block", "block": "a"}, {"event": "block", "block": "b"}
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("display_data", data={events.MIME: e1})]),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell(outputs=[
            nbformat.v4.new_output("stream", text="x"),
            nbformat.v4.new_output("display_data", data={"text/plain": "hi"}),
            nbformat.v4.new_output("display_data", data={events.MIME: e2})]),
    ])
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # through the file format and back
    assert events.events_in_notebook(nb) == [e1, e2]
    assert events.events_in_notebook(nb, cells=[2]) == [e2]


@pytest.mark.parametrize("which", ["record", "grade"])
def test_blocks_emit_block_events_in_record_and_grade(monkeypatch, which, capsys):
    """In record and grade mode, does every block emit a block event with its points and error?"""
    monkeypatch.setenv("AUTOGRADER_MODE", which)
    init("lab0")
    with marks("q1_a", points=2):
        pass
    with marks("q1_b", points=1):
        raise NameError("name 'x' is not defined")
    assert events.captured() == [
        {"event": "block", "lab": "lab0", "block": "q1_a", "section": "q1", "points": 2.0, "error": None},
        {"event": "block", "lab": "lab0", "block": "q1_b", "section": "q1", "points": 1.0,
         "error": "NameError: name 'x' is not defined"},
    ]
    out = capsys.readouterr().out
    verb = "recorded" if which == "record" else "reported"
    assert f"• q1_a [{verb}, worth 2 marks: the grader judges]" in out  # no ✓: nothing was verified
    assert "✘ q1_b [0/1 marks]" in out


def test_summary_outside_student_mode_says_it_is_not_a_mark(monkeypatch, capsys):
    from autograder.notebook.blocks import summary

    monkeypatch.setenv("AUTOGRADER_MODE", "grade")
    init("lab0")
    assert summary()["mode"] == "grade"
    assert "grade mode: the checks were not verified here" in capsys.readouterr().out


def test_student_blocks_emit_nothing():
    """In student mode, do blocks stay silent on the event channel?"""
    init("lab0")
    with marks("q1_a", points=2):
        pass
    assert events.captured() == []


# ------------------------------------------------------------ the checks by mode

def test_record_mode_check_events(monkeypatch):
    """In record mode, does each check kind emit a record event with its parameters, and pass?"""
    from autograder.notebook import checks
    from autograder.core import values

    monkeypatch.setenv("AUTOGRADER_MODE", "record")
    init("lab0")  # no tokens: record mode must not need them
    x = np.array([[1.5, 2.0]])
    with marks("q1_a", points=3):
        checks.check("q1_a.value", x, rtol=1e-6, atol=1e-9)
        checks.check("q1_a.name", "forget")
        checks.check_below("q1_a.loss", 9.0, {"fast": 2.0})  # record passes even beyond the bound
        checks.check_above("q1_a.bleu", 1.0, bound=20.0)
        checks.check_agreement("q1_a.seq", [1, 2, 3], [1, 2, 4], at_least=0.9)
    assert tally.TALLY.blocks["q1_a"].passed
    got = events.captured()
    assert [e["event"] for e in got] == ["record"] * 5 + ["block"]
    base = {"event": "record", "lab": "lab0", "block": "q1_a"}
    assert got[0] == {**base, "check": "q1_a.value", "kind": "close", "value": values.encode(x), "rtol": 1e-6, "atol": 1e-9}
    assert got[1] == {**base, "check": "q1_a.name", "kind": "equal", "value": values.encode("forget"),
                      "rtol": checks.RTOL, "atol": checks.ATOL}
    assert got[2] == {**base, "check": "q1_a.loss", "kind": "below", "value": values.encode(9.0), "bound": {"fast": 2.0}}
    assert got[3] == {**base, "check": "q1_a.bleu", "kind": "above", "value": values.encode(1.0), "bound": 20.0}
    assert got[4] == {**base, "check": "q1_a.seq", "kind": "agreement", "value": values.encode([1, 2, 3]),
                      "target": values.encode([1, 2, 4]), "at_least": 0.9}
    assert got[5]["error"] is None


def test_grade_mode_reports_and_never_verifies(monkeypatch):
    """In grade mode, does each check report the student's value, pass, and need no token?"""
    from autograder.notebook import checks
    from autograder.core import values

    monkeypatch.setenv("AUTOGRADER_MODE", "grade")
    init("lab0")
    with marks("q1_a", points=1):
        checks.check("q1_a.value", np.array([9.0, 9.0]))  # surely wrong: grade mode does not know
        checks.check_below("q1_a.loss", 99.0, bound=0.1)
        checks.check_agreement("q1_a.seq", [0, 0], [1, 1], at_least=0.9)
        checks.check("q1_a.fn", print)  # not encodable: reported as an error string
    got = events.captured()
    base = {"event": "report", "lab": "lab0", "block": "q1_a"}
    assert got[0] == {**base, "check": "q1_a.value", "value": values.encode(np.array([9.0, 9.0]))}
    assert got[1] == {**base, "check": "q1_a.loss", "value": values.encode(99.0)}
    assert got[2] == {**base, "check": "q1_a.seq", "value": values.encode([0, 0])}  # never the target
    assert got[3]["check"] == "q1_a.fn" and "value" not in got[3] and isinstance(got[3]["error"], str)
    assert got[4] == {"event": "block", "lab": "lab0", "block": "q1_a", "section": "q1", "points": 1.0, "error": None}


def test_check_outside_a_block_has_no_block(monkeypatch):
    """Is a check outside any block reported with block None (informational, worth 0)?"""
    from autograder.notebook import checks

    monkeypatch.setenv("AUTOGRADER_MODE", "grade")
    checks.check("loose", 1)
    assert events.captured()[0]["block"] is None


def test_kernel_settings_name_mode_profile_and_plain_progress():
    """Do build and grade kernels get the mode, a valid profile and plain progress lines, and is a typo refused?"""
    assert mode.kernel_settings("grade", "fast") == {
        "AUTOGRADER_MODE": "grade", "SEQLABS_PROFILE": "fast", "SEQLABS_PROGRESS": "log"}
    with pytest.raises(ValueError, match="student, record, grade"):
        mode.kernel_settings("grading", "fast")
    with pytest.raises(ValueError, match="fast, class, full"):
        mode.kernel_settings("record", "quick")
