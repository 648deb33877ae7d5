"""Is the answer key kept out of everything shipped to students: the wheel and the release notebooks?"""
from __future__ import annotations

import json
import zipfile

import pytest

from autograder.assign.verify import _value_strings
from conftest import REPO_ROOT
from wheels import build_wheel

KEYS = sorted((REPO_ROOT / "labs" / "keys").glob("*.json"))


def secrets(key: dict) -> tuple[set[str], set[str]]:
    """(exact reprs of the key's distinctive hashed values, hidden check ids).

    Only the values of hashed checks (`close`, `equal`) are secrets: a threshold
    or agreement check records what the master observed (a loss, a translation
    such as "the teacher has ..."), which the notebook shows openly, and whose
    words the embedded corpus rightly contains.
    """
    hashed = [e for e in key["checks"].values() if e["kind"] in ("close", "equal")]
    exact = {s for e in hashed for s in _value_strings(e["value"]) if len(s) > 8 or "'" in s or '"' in s}
    return exact, {c for c, e in key["checks"].items() if e["hidden"]}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The project's wheel, built offline from a copy of the tracked files (keys included in the copy)."""
    return zipfile.ZipFile(build_wheel(tmp_path_factory.mktemp("wheel")))


@pytest.mark.slow
def test_wheel_holds_no_lab_files(wheel):
    """Does the wheel contain no labs/ file, no notebook and no key file?"""
    names = wheel.namelist()
    assert any(n.startswith("autograder/assign/") for n in names) and any(n.startswith("seqlabs/") for n in names)
    assert not [n for n in names if n.startswith("labs/") or "/keys/" in n or n.endswith(".ipynb")]
    for name in names:
        if name.endswith(".json"):
            assert json.loads(wheel.read(name)).get("format") != "seqlabs-key/1", name


@pytest.mark.slow
@pytest.mark.parametrize("key_path", KEYS, ids=[p.stem for p in KEYS])
def test_wheel_holds_no_key_value(wheel, key_path):
    """Does no file of the wheel hold a key value (exact repr) or a hidden check's id?"""
    exact, hidden = secrets(json.loads(key_path.read_text()))
    for name in wheel.namelist():
        text = wheel.read(name).decode("utf-8", errors="replace")
        assert not [s for s in exact | hidden if s in text], name


@pytest.mark.parametrize("key_path", KEYS, ids=[p.stem for p in KEYS])
def test_release_holds_no_key(key_path):
    """Does the committed release hold no key value (repr or 4 significant figures), salt or hidden check id?"""
    key = json.loads(key_path.read_text())
    release = (REPO_ROOT / "labs" / "release" / f"{key['lab']}.ipynb").read_text(encoding="utf-8")
    assert "seqlabs-key" not in release and f"{key['lab']}:" not in release
    for cid, entry in key["checks"].items():
        assert not [s for s in _value_strings(entry["value"]) if s in release], cid
        if entry["hidden"]:
            assert cid not in release
