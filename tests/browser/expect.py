"""What a student must read on the page, as assertions shared by the browser tests.

The expected blocks come from the notebook itself (each ``autograder.marks("id",
...)`` in its code) and their worth from the lab's answer key, so the page is
checked against something the page did not produce.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .notebook_page import NotebookPage

REPO = Path(__file__).resolve().parents[2]
_MARKS_CALL = re.compile(r"""autograder\.marks\(\s*["']([^"']+)["']""")


def key_points(lab: str) -> dict[str, float]:
    key = json.loads((REPO / "labs" / "keys" / f"{lab}.json").read_text())
    return {block: float(b["points"]) for block, b in key["blocks"].items()}


def blocks_in(notebook: Path) -> list[str]:
    """The ids of the ``marks`` blocks in ``notebook``'s code cells, in order."""
    nb = json.loads(notebook.read_text())
    return [m for c in nb["cells"] if c["cell_type"] == "code"
            for m in _MARKS_CALL.findall("".join(c["source"]))]


def _page_and_notebook(page: NotebookPage, lab: str, notebook: Path):
    """(worth of each block, the notebook's blocks, the page's blocks); fails unless the page shows exactly those blocks."""
    points = key_points(lab)
    expected = blocks_in(notebook)
    shown = page.blocks()
    assert sorted(shown) == sorted(expected), f"blocks on the page {sorted(shown)} != blocks in the notebook {sorted(expected)}"
    return points, expected, shown


def expect_all_failed(page: NotebookPage, lab: str, notebook: Path) -> None:
    """Every graded block of ``notebook`` shows ✘ with 0 of its marks; the summary shows 0 of their total."""
    points, expected, shown = _page_and_notebook(page, lab, notebook)
    for name in expected:
        b = shown[name]
        assert (b.mark, b.earned, b.points) == ("✘", 0.0, points[name]), f"{name}: expected ✘ 0/{points[name]:g}, page shows {b.text!r}"
        assert len(b.text.splitlines()) >= 2, f"{name}: a failed block must say why, the page shows only {b.text!r}"
    summary = page.summary()
    total = sum(points[n] for n in expected)
    assert (summary.earned, summary.points) == (0.0, total), f"summary should read 0/{total:g}, page shows {summary.text!r}"


def expect_full_marks(page: NotebookPage, lab: str, notebook: Path) -> None:
    """Every graded block shows ✓ with all its marks; the summary shows the full total."""
    points, expected, shown = _page_and_notebook(page, lab, notebook)
    for name in expected:
        b = shown[name]
        assert (b.mark, b.earned, b.points) == ("✓", points[name], points[name]), f"{name}: expected ✓ full marks, page shows {b.text!r}"
    total = sum(points[n] for n in expected)
    summary = page.summary()
    assert (summary.earned, summary.points) == (total, total), f"summary should read {total:g}/{total:g}, page shows {summary.text!r}"
