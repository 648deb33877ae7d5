"""Are hidden checks visible as hidden? (issue 12; docs/architecture.md, rule 2)

A block that students see (its ``marks(...)`` outside a hidden-test region)
but that also holds hidden checks earns marks the notebook cannot verify: it
must say so with ``marks(..., hidden=True)``, so that its ✓ and ``summary()``
tell the student that part of it is graded later. And a block that says so
must really have hidden checks in its lab's key.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "labs" / "source").glob("*.ipynb"))
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS", re.S)
MARKS_CALL = re.compile(r"autograder\.marks\(\s*\"(\w+)\"([^\n]*)")


def visible_blocks(source: Path) -> dict[str, bool]:
    """Block id -> declared hidden=True, for every marks call outside a hidden-test region."""
    nb = nbformat.read(source, as_version=4)
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            for block, rest in MARKS_CALL.findall(HIDDEN_REGION.sub("", cell.source)):
                found[block] = "hidden=True" in rest
    return found


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_visible_blocks_with_hidden_checks_say_so(source):
    key = json.loads((ROOT / "labs" / "keys" / f"{source.stem}.json").read_text())
    with_hidden = {c["block"] for c in key["checks"].values() if c.get("hidden")}
    declared = visible_blocks(source)
    undeclared = sorted(b for b in with_hidden if b in declared and not declared[b])
    assert not undeclared, f"{source.stem}: blocks {undeclared} hold hidden checks: open them with marks(..., hidden=True)"
    false_claims = sorted(b for b, says in declared.items() if says and b not in with_hidden)
    assert not false_claims, f"{source.stem}: blocks {false_claims} say hidden=True but have no hidden check"
