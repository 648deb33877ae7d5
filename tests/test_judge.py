"""The judge: key + reported values -> per-block points, equal to the student-mode tally (rule 2)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.notebook import checks, tally
from autograder.core import events, values
from autograder.notebook.judge import BLOCK_NOT_RUN, NOT_REPORTED, judge_check, judge_events, judge_report
from autograder.notebook.blocks import init, marks
from autograder.core.tokens import make_token

LAB = "lab0"
PROFILE = "class"


pytestmark = pytest.mark.usefixtures("fresh_autograder")


# ------------------------------------------------------------ a tiny lab, run in every mode

REFERENCE = {
    "means": np.array([3.05, 0.775]),
    "rms": 2.4372115,
    "gate": "forget",
    "count": 7,
    "loss": 0.12,
    "accuracy": 0.95,
    "predicted": np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 1]),
}
LABELS = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 0])  # 9 of 10 agree with the reference prediction


def lab_cells(a: dict) -> None:
    """The test cells of the lab, run on answers ``a`` (a missing answer is a NameError-like KeyError)."""
    with marks("q1_means", points=2):
        checks.check("q1_means.value", a["means"], rtol=1e-6, atol=1e-9)
        checks.check("q1_means.count", a["count"])
    with marks("q2_gate", points=1):
        checks.check("q2_gate.name", a["gate"])
    with marks("q3_rms", points=1):
        checks.check("q3_rms.value", a["rms"])
    with marks("q4_loss", points=1):
        checks.check_below("q4_loss.final", a["loss"], bound={"fast": 0.2, "class": 0.15, "full": 0.15})
    with marks("q4_fit", points=2):
        checks.check_above("q4_fit.accuracy", a["accuracy"], bound=0.9)
        checks.check_agreement("q4_fit.predicted", a["predicted"], LABELS, at_least=0.9)


def run_in(mode: str, answers: dict, monkeypatch, *, tokens=None) -> list[dict]:
    """Run the lab in ``mode``; return its events (the tally is left in tally.TALLY)."""
    monkeypatch.setenv("AUTOGRADER_MODE", mode)
    monkeypatch.setattr(tally, "TALLY", tally.Tally())
    events.clear()
    init(LAB, tokens=tokens)
    lab_cells(answers)
    got = events.captured()
    events.clear()
    return got


def build_key(record_events: list[dict]) -> dict:
    """The answer key as `autograder build` writes it (docs/architecture.md), from record events."""
    key = {"format": "seqlabs-key/1", "lab": LAB, "profile": "fast", "blocks": {}, "checks": {}, "manual": {}}
    for e in record_events:
        if e["event"] == "block":
            key["blocks"].setdefault(e["block"], {"checks": []})["points"] = e["points"]
        elif e["event"] == "record":
            key["blocks"].setdefault(e["block"], {"checks": []})["checks"].append(e["check"])
            entry = {k: v for k, v in e.items() if k not in ("event", "lab", "check")}
            key["checks"][e["check"]] = {**entry, "hidden": False, "salt": f"{LAB}:{e['check']}"}
    return key


def token_table(key: dict) -> dict[str, str]:
    """The release's token table, as the build makes it."""
    return {cid: make_token(values.decode(c["value"]), rtol=c["rtol"], atol=c["atol"], salt=c["salt"])
            for cid, c in key["checks"].items() if c["kind"] in ("close", "equal")}


def with_changes(**changes) -> dict:
    return {**REFERENCE, **changes}


SUBMISSIONS = {
    "reference": REFERENCE,
    "within tolerance": with_changes(means=REFERENCE["means"] * (1 + 1e-7), rms=np.float32(REFERENCE["rms"])),
    "torch tensors": with_changes(means=torch.tensor(REFERENCE["means"]), predicted=torch.tensor(REFERENCE["predicted"])),
    "one wrong check": with_changes(count=8),
    "transposed": with_changes(means=REFERENCE["means"][::-1].copy()),
    "wrong shape": with_changes(means=REFERENCE["means"][None, :]),
    "wrong string": with_changes(gate="input"),
    "nan": with_changes(rms=float("nan")),
    "loss too high": with_changes(loss=0.16),
    "loss is a string": with_changes(loss="low"),
    "poor agreement": with_changes(predicted=1 - REFERENCE["predicted"]),
    "missing answer": {k: v for k, v in REFERENCE.items() if k != "gate"},
    "unencodable": with_changes(rms={"not": "a number"}),
    "everything wrong": {},
}


@pytest.mark.parametrize("name", list(SUBMISSIONS))
def test_judge_agrees_with_the_student_tally(name, monkeypatch, capsys):
    """Rule 2: does the grader's per-block score equal the student-mode tally for the same answers?"""
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    answers = SUBMISSIONS[name]
    run_in("student", answers, monkeypatch, tokens=token_table(key))
    tallied = {b: r.earned for b, r in tally.TALLY.blocks.items()}
    judged = judge_events(key, run_in("grade", answers, monkeypatch), profile=PROFILE)
    assert {b: j.earned for b, j in judged.items()} == tallied
    assert sum(tallied.values()) == (7.0 if name in ("reference", "within tolerance", "torch tensors") else
                                     sum(tallied.values()))
    if name == "reference":
        assert all(j.ok for j in judged.values())
    if name == "everything wrong":
        assert not any(j.earned for j in judged.values())


def test_key_shape_and_judgement_messages(monkeypatch, capsys):
    """Does the judge say which check failed, and why, without the key's values?"""
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    assert key["blocks"]["q1_means"] == {"checks": ["q1_means.value", "q1_means.count"], "points": 2.0}
    judged = judge_events(key, run_in("grade", with_changes(count=8, gate="input"), monkeypatch), profile=PROFILE)
    q1 = judged["q1_means"]
    assert (q1.earned, q1.error) == (0.0, None)
    assert q1.checks["q1_means.value"] == {"ok": True, "message": "ok"}
    assert not q1.checks["q1_means.count"]["ok"]
    assert "7" not in q1.checks["q1_means.count"]["message"]
    assert judged["q2_gate"].messages()[0].startswith("q2_gate.name: ")
    assert "forget" not in " ".join(judged["q2_gate"].messages())
    assert judged["q1_means"].as_dict()["ok"] is False


def test_block_errors_and_missing_events(monkeypatch, capsys):
    """Does a block earn nothing when it raised, never ran, or a listed check never reported?"""
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    got = run_in("grade", {k: v for k, v in REFERENCE.items() if k != "count"}, monkeypatch)
    judged = judge_events(key, got, profile=PROFILE)
    assert judged["q1_means"].error == "KeyError: 'count'" and judged["q1_means"].earned == 0
    assert judged["q1_means"].checks["q1_means.count"] == {"ok": False, "message": NOT_REPORTED}
    no_blocks = [e for e in got if e["event"] != "block"]
    assert all(j.error == BLOCK_NOT_RUN and j.earned == 0 for j in judge_events(key, no_blocks, profile=PROFILE).values())
    assert sum(j.earned for j in judge_events(key, [], profile=PROFILE).values()) == 0


def test_a_check_reported_twice_must_be_right_both_times(monkeypatch, capsys):
    """As in the kernel (first failure fails the block), is every report of a check judged?"""
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    got = run_in("grade", REFERENCE, monkeypatch)
    bad = {"event": "report", "check": "q2_gate.name", "block": "q2_gate", "value": values.encode("input")}
    assert judge_events(key, got + [bad], profile=PROFILE)["q2_gate"].earned == 0
    assert judge_events(key, got, profile=PROFILE)["q2_gate"].earned == 1


def test_bounds_are_judged_for_the_grading_profile(monkeypatch, capsys):
    """Is a dict bound in the key resolved for the profile the grader names?"""
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    entry = key["checks"]["q4_loss.final"]
    assert judge_check(entry, 0.18, profile="fast") == (True, "ok")
    ok, message = judge_check(entry, 0.18, profile="class")
    assert not ok and message == "0.18 is not below 0.15"


def test_judge_report_error_and_malformed(monkeypatch, capsys):
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    entry = key["checks"]["q3_rms.value"]
    assert judge_report(entry, {"error": "TypeError: nope"}, profile=PROFILE) == (
        False, "the value could not be read: TypeError: nope")
    ok, message = judge_report(entry, {"value": {"type": "bogus"}}, profile=PROFILE)
    assert not ok and "could not be read" in message
    with pytest.raises(ValueError, match="unknown check kind"):
        judge_check({**entry, "kind": "fuzzy"}, 1.0, profile=PROFILE)


def test_agreement_is_judged_against_the_key_target_not_the_students(monkeypatch, capsys):
    """A student cannot pass agreement by changing the target in their kernel: only the key's counts."""
    key = build_key(run_in("record", REFERENCE, monkeypatch))
    entry = key["checks"]["q4_fit.predicted"]
    assert judge_check(entry, LABELS, profile=PROFILE)[0]
    assert not judge_check(entry, 1 - LABELS, profile=PROFILE)[0]


def test_agreement_threshold_by_profile_is_judged_for_the_grading_profile():
    """Does the judge resolve a per-profile `at_least` with the grading profile, as the kernel does?"""
    target = np.arange(10)
    entry = {"kind": "agreement", "target": values.encode(target), "at_least": {"fast": 0.5, "class": 0.9}}
    seven_of_ten = np.where(np.arange(10) < 3, -1, target)
    assert judge_check(entry, seven_of_ten, profile="fast")[0]
    assert judge_check(entry, seven_of_ten, profile="class") == (False, "0.70 of positions agree, need at least 0.90")


def test_bounds_by_data_are_judged_on_the_grading_conditions_folder(tmp_path, monkeypatch):
    """Is a bound by data resolved on the data folder the grader names (its conditions'), never on the
    SEQLABS_DATA of the process that judges, and an agreement threshold by data alike?"""
    real = tmp_path / "data"
    (real / "multi30k").mkdir(parents=True)
    entry = {"kind": "below", "bound": {"fast": 2.0, "class": {"multi30k": 3.7, "embedded": 0.3}}}
    monkeypatch.setenv("SEQLABS_DATA", str(real))  # the judging process's own setting counts for nothing
    assert judge_check(entry, 3.5, profile="class", data_dir=real) == (True, "ok")
    assert judge_check(entry, 3.5, profile="class") == (False, "3.5 is not below 0.3")
    assert judge_check(entry, 3.5, profile="class", data_dir=tmp_path) == (False, "3.5 is not below 0.3")
    target = np.arange(10)
    agree = {"kind": "agreement", "target": values.encode(target), "at_least": {"class": {"multi30k": 0.6,
                                                                                          "embedded": 0.9}}}
    seven_of_ten = np.where(np.arange(10) < 3, -1, target)
    assert judge_check(agree, seven_of_ten, profile="class", data_dir=real)[0]
    assert not judge_check(agree, seven_of_ten, profile="class", data_dir=None)[0]
    key = {"blocks": {"b": {"points": 1, "checks": ["b.loss"]}}, "checks": {"b.loss": entry}}
    got = [{"event": "block", "block": "b", "error": None},
           {"event": "report", "check": "b.loss", "value": values.encode(3.5)}]
    assert judge_events(key, got, profile="class", data_dir=real)["b"].earned == 1
    assert judge_events(key, got, profile="class", data_dir=None)["b"].earned == 0


# ------------------------------------------------------------ rule 2 on many values

FLOATS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(expected=FLOATS, rel=st.floats(min_value=-1e-3, max_value=1e-3), rtol=st.sampled_from([1e-5, 1e-6]))
def test_token_and_key_verdicts_agree_on_floats(expected, rel, rtol):
    """For any expected float and any nearby student value, do the token and the key give one verdict?"""
    student = expected * (1 + rel)
    salt = f"{LAB}:h.value"
    token = make_token(expected, rtol=rtol, atol=1e-8, salt=salt)
    kernel_ok = checks.verdict_token(student, token) is None
    entry = {"kind": "close", "value": values.encode(expected), "rtol": rtol, "atol": 1e-8, "salt": salt}
    assert judge_check(entry, values.decode(values.encode(student)), profile=PROFILE)[0] == kernel_ok


@settings(max_examples=100, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True), bound=FLOATS)
def test_bound_verdicts_agree(value, bound):
    """Do the kernel and the judge agree on below/above for every float, NaN and inf included?"""
    for kind in ("below", "above"):
        kernel_ok = checks.verdict_bound(value, bound, kind=kind) is None
        entry = {"kind": kind, "value": values.encode(0.0), "bound": {"class": bound}}
        assert judge_check(entry, values.decode(values.encode(value)), profile="class")[0] == kernel_ok


def test_grader_feedback_names_the_failed_block_a_block_uses():
    """Does the judge add 'uses your X, which failed above: fix it first' to a failed block that uses a failed one?"""
    key = {"blocks": {"q1_forward": {"points": 2, "checks": ["q1_forward.value"]},
                      "q2_train": {"points": 1, "checks": ["q2_train.loss"]},
                      "q3_other": {"points": 1, "checks": []}},
           "checks": {"q1_forward.value": {"kind": "equal", "block": "q1_forward", "value": values.encode(3),
                                           "rtol": 0, "atol": 0, "salt": "lab0:q1_forward.value"},
                      "q2_train.loss": {"kind": "below", "block": "q2_train", "bound": 1.0}}}
    reports = [{"event": "report", "check": "q1_forward.value", "value": values.encode(4)},
               {"event": "report", "check": "q2_train.loss", "value": values.encode(5.0)}]
    blocks = [{"event": "block", "block": "q1_forward", "points": 2, "error": None},
              {"event": "block", "block": "q2_train", "points": 1, "error": None, "uses": ["q1_forward"]},
              {"event": "block", "block": "q3_other", "points": 1, "error": None, "uses": ["q1_forward"]}]
    judged = judge_events(key, reports + blocks, profile=PROFILE)
    assert judged["q2_train"].messages()[0] == "uses your q1_forward, which failed above: fix it first"
    assert judged["q2_train"].as_dict()["note"]
    assert judged["q3_other"].ok and judged["q3_other"].note is None  # passed: nothing to say
    assert judged["q1_forward"].note is None


def test_grader_feedback_says_a_used_block_did_not_run():
    """Is a used block that never ran named as 'did not run', not as 'failed above'?"""
    key = {"blocks": {"q1_forward": {"points": 1, "checks": []}, "q2_train": {"points": 1, "checks": []}},
           "checks": {}}
    blocks = [{"event": "block", "block": "q2_train", "points": 1, "error": "AssertionError: loss too high",
               "uses": ["q1_forward"]}]
    judged = judge_events(key, blocks, profile=PROFILE)
    assert judged["q2_train"].note == "uses your q1_forward, which did not run: run its cell first"
