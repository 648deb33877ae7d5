"""Does every reader find a lab's files in one place (``autograder.core.lab``), the key following the conditions?"""
from __future__ import annotations

import json

from autograder.core.conditions import Conditions
from autograder.core.lab import instructor_folders, lab_folder, lab_paths
from autograder.report import outputs

LAB = "lab9_paths"


def test_the_key_follows_the_conditions(tmp_path):
    """Is the key of other conditions labs/keys/<lab>.<profile>.json, and the default one labs/keys/<lab>.json?"""
    assert lab_paths(tmp_path, LAB)["key"] == tmp_path / "labs" / "keys" / f"{LAB}.json"
    assert lab_paths(tmp_path, LAB, Conditions())["key"] == tmp_path / "labs" / "keys" / f"{LAB}.json"
    assert lab_paths(tmp_path, LAB, Conditions.of(profile="class"))["key"] == (
        tmp_path / "labs" / "keys" / f"{LAB}.class.json")
    assert {k: p.parent for k, p in lab_paths(tmp_path, LAB).items()} == {
        k: lab_folder(tmp_path, k) for k in ("source", "release", "solution", "key")}
    assert instructor_folders(tmp_path) == [(tmp_path / "labs").resolve() / f for f in ("source", "keys", "solution")]


def test_rewriting_a_run_reads_the_key_of_its_conditions(tmp_path):
    """Does rewriting the outputs of a run graded in class (a hand-grade import) read the class key, not the
    default one?"""
    folder = lab_folder(tmp_path, "key")
    folder.mkdir(parents=True)
    (folder / f"{LAB}.json").write_text(json.dumps({"lab": LAB, "conditions": {"profile": "fast"}}))
    (folder / f"{LAB}.class.json").write_text(json.dumps({"lab": LAB, "conditions": {"profile": "class"}}))
    key, released = outputs.lab_files(tmp_path, LAB, Conditions.of(profile="class"))
    assert key["conditions"] == {"profile": "class"} and released is None  # no master here: nothing to show
    key, _ = outputs.lab_files(tmp_path, LAB, Conditions())
    assert key["conditions"] == {"profile": "fast"}
