"""Is the notebook tally the CI grade, for every check of every lab? (docs/design.md, rule 2)

In a student's kernel a check is judged by the token the build wrote into the
notebook; in CI the grader judges the reported value against the answer key.
For every check in every committed key, both verdicts are computed on the
reference value, on a value just inside the tolerance band, and on a wrong
value, in every profile, and must agree (and be right).
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.core import values
from autograder.notebook.checks import verdict_agreement, verdict_bound, verdict_token
from autograder.notebook.judge import judge_check
from autograder.core.mode import resolve_bound
from seqlabs.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted(p.stem for p in (ROOT / "labs" / "keys").glob("*.json"))


def tokens_in(notebook: Path) -> dict[str, str]:
    """Every token passed to ``autograder.init(..., tokens={...})`` in the notebook's code cells."""
    found: dict[str, str] = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code" or "autograder.init" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "autograder.init":
                for keyword in node.keywords:
                    if keyword.arg == "tokens":
                        found.update(ast.literal_eval(keyword.value))
    return found


def near_and_wrong(entry: dict) -> tuple[object, object]:
    """A value within the check's tolerance of the reference, and a wrong one."""
    expected = values.decode(entry["value"])
    if entry["kind"] == "close" and expected.dtype.kind == "f":
        tolerance = entry["atol"] + entry["rtol"] * np.abs(expected)
        near = np.array(expected + 0.5 * tolerance)  # an array even for a scalar, so .flat writes through
        wrong = near.copy()
        wrong.flat[0] = expected.flat[0] + 3 * tolerance.flat[0]  # one element beyond the band
        return near, wrong
    wrong = np.array(expected)
    if expected.dtype.kind == "b":
        wrong.flat[0] = not wrong.flat[0]
    elif expected.dtype.kind in "iu":
        wrong.flat[0] += 1
    else:  # strings
        wrong = np.array([s + "?" for s in expected.flat], dtype=object).reshape(expected.shape)
    return expected, wrong


def cases(lab: str):
    key = json.loads((ROOT / "labs" / "keys" / f"{lab}.json").read_text())
    return key, {**tokens_in(ROOT / "labs" / "solution" / f"{lab}.ipynb"),
                 **tokens_in(ROOT / "labs" / "release" / f"{lab}.ipynb")}


@pytest.mark.parametrize("lab", LABS)
def test_token_and_key_agree_on_every_hashed_check(lab):
    """For each hashed check: does the notebook's token judge as the key does, accepting near and rejecting wrong?"""
    key, tokens = cases(lab)
    hashed = {cid: e for cid, e in key["checks"].items() if e["kind"] in ("close", "equal")}
    assert set(hashed) <= set(tokens), f"checks without a token in the built notebooks: {sorted(set(hashed) - set(tokens))}"
    release_tokens = tokens_in(ROOT / "labs" / "release" / f"{lab}.ipynb")
    assert not {cid for cid, e in hashed.items() if e["hidden"]} & set(release_tokens), "a hidden check's token is in the release"
    for cid, entry in hashed.items():
        near, wrong = near_and_wrong(entry)
        for value, should_pass in ((values.decode(entry["value"]), True), (near, True), (wrong, False)):
            in_notebook = verdict_token(value, tokens[cid]) is None
            in_ci, message = judge_check(entry, value, profile="class")
            assert in_notebook == in_ci == should_pass, f"{lab}:{cid}: notebook {in_notebook}, CI {in_ci} ({message})"


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("data", ["embedded", "multi30k"])
def test_bounds_and_agreement_agree_in_every_profile(lab, profile, data, monkeypatch, tmp_path):
    """For each threshold and agreement check: does the kernel's verdict in this profile, on this data (its
    SEQLABS_DATA), equal the judge's (given the grading conditions' folder)?"""
    folder = None
    if data != "embedded":
        folder = tmp_path / "data"
        (folder / data).mkdir(parents=True)
    monkeypatch.setenv("SEQLABS_PROFILE", profile)
    monkeypatch.setenv("SEQLABS_DATA", str(folder or ""))
    key, _ = cases(lab)
    for cid, entry in key["checks"].items():
        if entry["kind"] in ("below", "above"):
            bound = resolve_bound(entry["bound"])
            for value in (bound - 1e-3 * (abs(bound) + 1), bound, bound + 1e-3 * (abs(bound) + 1)):
                in_notebook = verdict_bound(value, bound, kind=entry["kind"], possible=entry.get("possible")) is None
                in_ci = judge_check(entry, value, profile=profile, data_dir=folder)[0]
                assert in_notebook == in_ci, f"{lab}:{cid} at {value}: notebook {in_notebook}, CI {in_ci}"
        elif entry["kind"] == "agreement":
            target = values.decode(entry["target"])
            at_least = resolve_bound(entry["at_least"])
            for predicted in (target, values.decode(entry["value"]), target[:0]):
                in_notebook = verdict_agreement(predicted, target, at_least=at_least) is None
                in_ci = judge_check(entry, predicted, profile=profile, data_dir=folder)[0]
                assert in_notebook == in_ci, f"{lab}:{cid}: notebook {in_notebook}, CI {in_ci}"
            assert judge_check(entry, target, profile=profile, data_dir=folder)[0], \
                f"{lab}:{cid}: the target itself must agree"


@pytest.mark.parametrize("lab, module", [("lab4_seq2seq", "lab4"), ("lab5_attention", "lab5")])
def test_the_keys_carry_the_class_bounds_on_multi30k(lab, module, tmp_path):
    """Issue 28: does each translation lab's committed key carry its settings' class bounds on Multi30k beside
    those on the embedded data, and does the judge pick each by the grading conditions' data?"""
    import importlib

    thresholds = importlib.import_module(f"seqlabs.settings.{module}").THRESHOLDS
    key, _ = cases(lab)
    real = tmp_path / "data"
    (real / "multi30k").mkdir(parents=True)
    by_data = {name: t["class"] for name, t in thresholds.items() if isinstance(t["class"], dict)}
    assert by_data, f"{module}.THRESHOLDS has no class bound on Multi30k"
    carried = [e.get("bound", e.get("at_least")) for e in key["checks"].values()
               if e["kind"] in ("below", "above", "agreement")]
    for bound in by_data.values():
        assert set(bound) == {"multi30k", "embedded"}
        entries = [c for c in carried if isinstance(c, dict) and c.get("class") == bound]
        assert entries, f"{lab}: no check of the key carries the class bound {bound}"
        for entry in entries:
            for folder, data in ((real, "multi30k"), (None, "embedded")):
                assert resolve_bound(entry, profile="class", data_dir=folder) == bound[data]


def test_a_stale_token_would_be_caught():
    """Would a token made from another reference value make the two verdicts differ (so the test above can fail)?"""
    from autograder.core.tokens import make_token

    entry = {"kind": "close", "value": values.encode(np.array([1.0, 2.0])), "rtol": 1e-5, "atol": 1e-8, "salt": "x:y"}
    stale = make_token(np.array([1.0, 2.1]), rtol=1e-5, atol=1e-8, salt="x:y")
    reference = values.decode(entry["value"])
    assert (verdict_token(reference, stale) is None) != judge_check(entry, reference, profile="class")[0]
