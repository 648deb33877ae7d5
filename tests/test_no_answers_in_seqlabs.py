"""Does `seqlabs` stay free of the answers to graded exercises?

The graded names are read from the masters: every function or class defined
inside a `### BEGIN SOLUTION` region of a code cell. None of them may be
defined anywhere in `src/seqlabs/`, and no substantive line of a solution
region may appear in its source.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "labs" / "source").glob("*.ipynb"))
SEQLABS = ROOT / "src" / "seqlabs"
REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
# A line this long is specific enough that finding it in seqlabs is no coincidence.
MIN_LINE_CHARS = 25


def solution_regions(notebook_path: Path) -> list[str]:
    """The text inside every solution region of the notebook's code cells."""
    nb = nbformat.read(notebook_path, as_version=4)
    return [region for cell in nb.cells if cell.cell_type == "code" for region in REGION.findall(cell.source)]


def defined_names(code: str) -> set[str]:
    """Function and class names defined in a piece of code (dedented; unparsable code yields regex matches)."""
    try:
        tree = ast.parse(_dedent(code))
    except SyntaxError:
        return set(re.findall(r"^\s*(?:def|class)\s+(\w+)", code, re.M))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}


def _dedent(code: str) -> str:
    import textwrap

    return textwrap.dedent(code)


def substantive_lines(code: str) -> set[str]:
    """Stripped, non-comment lines long enough to identify a solution."""
    lines = (line.strip() for line in code.splitlines())
    return {line for line in lines if len(line) >= MIN_LINE_CHARS and not line.startswith("#")}


def seqlabs_sources() -> dict[Path, str]:
    return {path: path.read_text() for path in SEQLABS.rglob("*.py")}


def graded_answer_leaks(regions: list[str], library: dict[Path, str]) -> list[str]:
    """Every place where the library defines a graded name or repeats a solution line."""
    names = set().union(*(defined_names(r) for r in regions)) if regions else set()
    lines = set().union(*(substantive_lines(r) for r in regions)) if regions else set()
    leaks = []
    for path, text in library.items():
        library_names = defined_names(text)
        for name in sorted(names & library_names):
            leaks.append(f"{path.relative_to(ROOT) if path.is_absolute() else path}: defines graded name {name!r}")
        library_lines = {line.strip() for line in text.splitlines()}
        for line in sorted(lines & library_lines):
            leaks.append(f"{path}: repeats solution line {line!r}")
    return leaks


def test_masters_exist():
    """Is there at least one master to read graded names from?"""
    assert SOURCES, "no labs/source/*.ipynb found"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_seqlabs_defines_no_graded_name_and_repeats_no_solution_line(source):
    """Does seqlabs define none of this lab's graded functions or classes, nor copy its solution lines?"""
    leaks = graded_answer_leaks(solution_regions(source), seqlabs_sources())
    assert not leaks, "graded answers found in seqlabs:\n" + "\n".join(leaks)


def test_the_detector_catches_a_leak():
    """Would a graded function copied into the library be caught (so the check above can fail)?"""
    region = "def rnn_step_forward(x, h, Wx, Wh, b):\n    next_h = np.tanh(x @ Wx + h @ Wh + b)\n    return next_h\n"
    library = {Path("fake/seqlabs/rnn.py"): "import numpy as np\n\n" + region}
    leaks = graded_answer_leaks([region], library)
    assert any("rnn_step_forward" in leak for leak in leaks)
    assert any("np.tanh(x @ Wx + h @ Wh + b)" in leak for leak in leaks)
    assert graded_answer_leaks([region], {Path("fake/seqlabs/ok.py"): "def other():\n    return 1\n"}) == []
