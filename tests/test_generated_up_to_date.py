"""Are the committed release/solution notebooks and keys what `autograder build` makes from the masters now?

The rule, per output (a fresh build in a temporary root against the committed file):

* release notebook: identical text, except the token table rows, where each
  committed token must accept the freshly recorded value (a token depends on
  the value's last bits, which may differ from one platform's BLAS to another);
* solution notebook: same notebook metadata and, cell by cell, the same type,
  id, source and metadata; outputs are not compared (printed numbers may vary
  in their last digits across platforms);
* key: same structure (every dict key, list length, string, int and bool
  equal); floats equal within the check's own rtol/atol for ``close`` values,
  within 1e-9 relative otherwise.

When this fails: run ``autograder build <lab>`` and commit labs/.
"""
from __future__ import annotations

import json
import math
import re

import nbformat
import pytest

from autograder import tokens, values
from autograder.build import list_labs
from conftest import EXAMPLE_LAB, REPO_ROOT

pytestmark = pytest.mark.xdist_group("build_lab0")
TOKEN_ROW = re.compile(r'^    "([^"]+)": "([^"]+)",$', re.M)
FIX = "run `autograder build {lab}` and commit labs/"


def lab_params():
    return [pytest.param(lab, marks=() if lab == EXAMPLE_LAB else pytest.mark.slow) for lab in list_labs(REPO_ROOT)]


def committed(lab: str, kind: str):
    from autograder.build import lab_paths

    path = lab_paths(REPO_ROOT, lab)[kind]
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO_ROOT)} is missing: " + FIX.format(lab=lab))
    return path.read_text(encoding="utf-8")


def same(a, b, *, rtol: float, atol: float) -> bool:
    """Structural equality with float tolerance."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rtol=rtol, atol=atol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool)
                and math.isclose(a, b, rel_tol=rtol, abs_tol=atol))
    return type(a) is type(b) and a == b


def keys_agree(old: dict, new: dict) -> list[str]:
    """What differs between two keys under the module's rule (empty when they agree)."""
    problems = [f"{part} differ" for part in ("format", "lab", "profile", "blocks", "manual")
                if not same(old.get(part), new.get(part), rtol=1e-9, atol=0.0)]
    if old["checks"].keys() != new["checks"].keys():
        return problems + [f"checks differ: {sorted(old['checks'].keys() ^ new['checks'].keys())}"]
    for cid, entry in old["checks"].items():
        close = entry.get("kind") == "close"
        rtol, atol = (entry.get("rtol", 1e-9), entry.get("atol", 0.0)) if close else (1e-9, 0.0)
        if not same(entry, new["checks"][cid], rtol=rtol, atol=atol):
            problems.append(f"check {cid!r} differs")
    return problems


@pytest.mark.parametrize("lab", lab_params())
def test_key_is_up_to_date(lab, built_labs):
    """Does the committed key hold the same blocks, checks and (within tolerance) values as a fresh build?"""
    old = json.loads(committed(lab, "key"))
    new = json.loads(built_labs(lab).path(lab, "key").read_text())
    problems = keys_agree(old, new)
    assert not problems, f"labs/keys/{lab}.json is out of date ({'; '.join(problems)}): " + FIX.format(lab=lab)


@pytest.mark.parametrize("lab", lab_params())
def test_release_is_up_to_date(lab, built_labs):
    """Is the committed release the fresh release, with tokens that accept the freshly recorded values?"""
    old = committed(lab, "release")
    new = built_labs(lab).path(lab, "release").read_text(encoding="utf-8")
    assert TOKEN_ROW.sub("<token>", old) == TOKEN_ROW.sub("<token>", new), \
        f"labs/release/{lab}.ipynb is out of date: " + FIX.format(lab=lab)
    fresh_key = json.loads(built_labs(lab).path(lab, "key").read_text())
    old_tokens = dict(TOKEN_ROW.findall(nbformat.reads(old, as_version=4).cells[_setup(old)].source))
    assert old_tokens.keys() == dict(TOKEN_ROW.findall(_setup_source(new))).keys()
    for cid, token in old_tokens.items():
        assert tokens.verify(values.decode(fresh_key["checks"][cid]["value"]), token), \
            f"the committed token of {cid!r} rejects the fresh value: " + FIX.format(lab=lab)


@pytest.mark.parametrize("lab", lab_params())
def test_solution_is_up_to_date(lab, built_labs):
    """Does the committed solution notebook have the fresh cells (type, id, source, metadata)?"""
    old = nbformat.reads(committed(lab, "solution"), as_version=4)
    new = nbformat.read(built_labs(lab).path(lab, "solution"), as_version=4)
    shape = lambda nb: [(c.cell_type, c.get("id"), c.source, c.metadata) for c in nb.cells]
    assert old.metadata == new.metadata and shape(old) == shape(new), \
        f"labs/solution/{lab}.ipynb is out of date: " + FIX.format(lab=lab)


def test_a_stale_key_is_caught():
    """Does the key rule notice a changed value, a new check and changed points, but not last-bit noise?"""
    key = json.loads((REPO_ROOT / "labs" / "keys" / f"{EXAMPLE_LAB}.json").read_text())
    noisy = json.loads(json.dumps(key))
    noisy["checks"]["q2_rms.data"]["value"]["data"][0] *= 1 + 1e-12
    assert keys_agree(key, noisy) == []
    changed = json.loads(json.dumps(key))
    changed["checks"]["q2_rms.data"]["value"]["data"][0] *= 1.01
    changed["blocks"]["q2_rms"]["points"] = 3
    assert keys_agree(key, changed) == ["blocks differ", "check 'q2_rms.data' differs"]
    del changed["checks"]["q3_gate.name"]
    assert "checks differ" in keys_agree(key, changed)[-1]


def _setup(text: str) -> int:
    nb = nbformat.reads(text, as_version=4)
    return next(i for i, c in enumerate(nb.cells) if "autograder.init(" in c.source)


def _setup_source(text: str) -> str:
    return nbformat.reads(text, as_version=4).cells[_setup(text)].source
