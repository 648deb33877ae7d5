"""Does `seqlabs` stay free of the answers to graded exercises?

The graded names are read from the masters: every function or class defined
at the top level of an answer cell (a code cell holding a `### BEGIN
SOLUTION` region; the masters write the `def` or `class` line outside the
region and the body inside). None of them may be defined anywhere in
`src/seqlabs/`, and no substantive line of a solution region may appear in
its source.
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


def answer_cells(notebook_path: Path) -> list[str]:
    """The source of every code cell that holds a solution region (IPython magics and shell lines left out)."""
    nb = nbformat.read(notebook_path, as_version=4)
    return ["\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for cell in nb.cells if cell.cell_type == "code" and REGION.search(cell.source)]


def solution_regions(notebook_path: Path) -> list[str]:
    """The text inside every solution region of the notebook's code cells."""
    return [region for cell in answer_cells(notebook_path) for region in REGION.findall(cell + "\n")]


def graded_names(cells: list[str]) -> dict[str, tuple[str, ...] | None]:
    """Functions and classes an answer cell defines at its top level, the graded exercises: name -> the
    function's parameter names (None for a class)."""
    names = {}
    for code in cells:
        names.update(_definitions(ast.parse(code).body))
    return names


def _definitions(body) -> dict[str, tuple[str, ...] | None]:
    out = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[node.name] = tuple(a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs)
        elif isinstance(node, ast.ClassDef):
            out[node.name] = None
    return out


def library_definitions(text: str) -> dict[str, tuple[str, ...] | None]:
    """Every function and class a library module defines, at any depth: name -> parameters (None: a class)."""
    return _definitions(ast.walk(ast.parse(text)))


def substantive_lines(code: str) -> set[str]:
    """Stripped, non-comment lines long enough to identify a solution."""
    lines = (line.strip() for line in code.splitlines())
    return {line for line in lines if len(line) >= MIN_LINE_CHARS and not line.startswith("#")}


def seqlabs_sources() -> dict[Path, str]:
    return {path: path.read_text() for path in SEQLABS.rglob("*.py")}


def graded_answer_leaks(cells: list[str], library: dict[Path, str]) -> list[str]:
    """Every place where the library defines a graded name or repeats a solution line of these answer cells."""
    names = graded_names(cells)
    regions = [region for cell in cells for region in REGION.findall(cell + "\n")]
    lines = set().union(*(substantive_lines(r) for r in regions)) if regions else set()
    leaks = []
    for path, text in library.items():
        # The same name for another job is no answer (seqlabs.training.fit trains a seq2seq model; lab 1's
        # graded fit(loss_and_grads, params, ...) is an SGD loop): a class of that name, or a function with the
        # graded function's parameters, is.
        library_names = library_definitions(text)
        for name in sorted(set(names) & set(library_names)):
            if names[name] is None or library_names[name] is None or names[name] == library_names[name]:
                leaks.append(f"{path.relative_to(ROOT) if path.is_absolute() else path}: defines graded name "
                             f"{name!r}" + (f"{names[name]}" if names[name] is not None else ""))
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
    leaks = graded_answer_leaks(answer_cells(source), seqlabs_sources())
    assert not leaks, "graded answers found in seqlabs:\n" + "\n".join(leaks)


@pytest.mark.parametrize("source", [s for s in SOURCES if s.stem != "lab0_example"], ids=lambda p: p.stem)
def test_every_lab_has_graded_names(source):
    """Does every lab's master yield graded names (an empty set would make the check above unable to fail)?"""
    assert graded_names(answer_cells(source)), f"{source.name}: no function or class found in its answer cells"


def test_the_detector_catches_a_real_masters_graded_function():
    """A real master's graded function copied into the library, body and all: is it caught?"""
    cells = answer_cells(ROOT / "labs" / "source" / "lab1_rnn_lstm_numpy.ipynb")
    (cell,) = [c for c in cells if re.search(r"^def rnn_step_forward\(", c, re.M)]
    copied = {Path("fake/seqlabs/rnn.py"): "import numpy as np\n\n" + cell}
    leaks = graded_answer_leaks(cells, copied)
    assert any("defines graded name 'rnn_step_forward'" in leak for leak in leaks)
    assert any("repeats solution line" in leak for leak in leaks)
    rewritten = {Path("fake/seqlabs/rnn.py"): "def rnn_step_forward(x, h_prev, U, V, b_hidden):\n    return 0\n"}
    assert any("rnn_step_forward" in leak for leak in graded_answer_leaks(cells, rewritten))
    other_job = {Path("fake/seqlabs/train.py"): "def fit(model, batches, epochs):\n    return model\n"}
    assert graded_answer_leaks(cells, other_job) == []  # lab 1's graded fit has other parameters
    assert graded_answer_leaks(cells, {Path("fake/seqlabs/ok.py"): "def other():\n    return 1\n"}) == []
