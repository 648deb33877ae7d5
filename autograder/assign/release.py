"""Release notebook: the master as a student gets it, made by nbgrader's preprocessors.

The token table goes into the setup cell's ``autograder.init("<lab>")`` call;
everything else (stubs, hidden tests, outputs, locks, checksums) is nbgrader's
own code, run standalone on the notebook.
"""
from __future__ import annotations

import copy
import json
from typing import Mapping

from nbformat import NotebookNode
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearOutput, ClearSolutions,
                                    ComputeChecksums, LockCells, NbGraderPreprocessor)

from autograder.assign.validate import REGIONS, init_call

HIDDEN_BEGIN = REGIONS[1][0]


class InsertTokenTable(NbGraderPreprocessor):
    """Write ``resources["tokens"]`` into the ``autograder.init(resources["lab"])`` call."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = with_tokens(cell.source, resources["lab"], resources["tokens"])
        return cell, resources


# The order matters; the constraints, as nbgrader writes them for its own list:
# - CheckCellMetadata first: nothing below may trust grade_id/points before they validate.
# - InsertTokenTable before LockCells and ComputeChecksums: it edits the locked
#   setup cell, so the lock and the checksum must be of the cell with its table.
# - ClearSolutions and ClearHiddenTests before ComputeChecksums: the checksum is
#   of what the student receives (nbgrader gives 0 to a solution cell whose
#   checksum is unchanged). nbgrader itself checksums once before
#   ClearHiddenTests too, to save the hidden version in its database; we keep
#   no database: the grader restores test cells from the master by grade_id.
# - ClearOutput anywhere before ComputeChecksums (outputs are not checksummed,
#   but a release must carry none, whatever the master holds).
# - ComputeChecksums after every edit of a tracked cell; CheckCellMetadata
#   again last, on exactly what ships.
RELEASE_PIPELINE = (
    CheckCellMetadata,
    InsertTokenTable,
    ClearSolutions,
    ClearHiddenTests,
    ClearOutput,
    LockCells,
    ComputeChecksums,
    CheckCellMetadata,
)


def make_release(source: NotebookNode, lab: str, tokens: Mapping[str, str]) -> NotebookNode:
    """The release notebook of ``lab`` from its master, with ``tokens`` for the visible checks."""
    nb = copy.deepcopy(source)
    resources = {"lab": lab, "tokens": dict(tokens)}
    for preprocessor in RELEASE_PIPELINE:
        nb, resources = preprocessor().preprocess(nb, resources)
    return nb


def insert_tokens(source: NotebookNode, lab: str, tokens: Mapping[str, str],
                  hidden_tokens: Mapping[str, str] | None = None) -> NotebookNode:
    """A copy of ``source`` whose setup cell passes ``tokens`` to ``init``.

    With ``hidden_tokens``, each hidden-test region also starts by calling
    ``init`` with every token, so the hidden checks' tokens travel with the
    hidden tests: nbgrader's own release of this notebook leaves them out, and
    its autograde puts them back with the tests.
    """
    nb, _ = InsertTokenTable().preprocess(copy.deepcopy(source), {"lab": lab, "tokens": dict(tokens)})
    if hidden_tokens:
        every = {**tokens, **hidden_tokens}
        for cell in nb.cells:
            if cell.cell_type == "code" and HIDDEN_BEGIN in cell.source:
                cell.source = "\n".join(_with_init_after_begin(cell.source.split("\n"), lab, every))
    return nb


def init_text(lab: str, tokens: Mapping[str, str], indent: str = "") -> str:
    """``autograder.init("<lab>", tokens={...})``, one token per line, sorted by check id."""
    rows = "".join(f"{indent}    {json.dumps(c)}: {json.dumps(t)},\n" for c, t in sorted(tokens.items()))
    return f"autograder.init({json.dumps(lab)}, tokens={{\n{rows}{indent}}})" if rows else f"autograder.init({json.dumps(lab)})"


def with_tokens(code: str, lab: str, tokens: Mapping[str, str]) -> str:
    """``code`` with ``autograder.init("<lab>")`` replaced by the call with its token table."""
    return init_call(lab).sub(lambda _: init_text(lab, tokens), code)


def _with_init_after_begin(lines: list[str], lab: str, tokens: Mapping[str, str]) -> list[str]:
    out = []
    for line in lines:
        out.append(line)
        if HIDDEN_BEGIN in line:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + init_text(lab, tokens, indent))
    return out
