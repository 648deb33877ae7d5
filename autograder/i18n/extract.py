"""The English of a master to translate: one entry per markdown cell.

An entry is ``(context, english, comment)``: the context (``msgctxt``) is the
cell's nbformat ``id`` (unique within a notebook and kept by every edit that
does not delete the cell), the English (``msgid``) is the cell's whole source
byte for byte, the comment (``#.``) says what it is.

Code cells are not extracted (docs/architecture.md, "Languages"): a translated
string literal or comment is a different code cell, so the key's test cells,
nbgrader's checksums of locked cells and the grader's restore by ``grade_id``
would no longer be one thing for every language. Everything a code cell shows
at run time that comes from the autograder goes through its message
catalogue (``autograder.core.messages``) instead, in the notebook's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MARKDOWN_COMMENT = "markdown cell"


@dataclass(frozen=True)
class Entry:
    """One string to translate."""
    context: str  # msgctxt: the cell id
    english: str  # msgid: the cell's source as written
    comment: str = MARKDOWN_COMMENT


def cell_source(cell: Any) -> str:
    """A cell's source as one string (nbformat keeps it as a list of lines on disk)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def extract(nb: Any) -> list[Entry]:
    """The entries of a master, in notebook order; a markdown cell without an id is an error."""
    entries = []
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "markdown":
            continue
        if not cell.get("id"):
            raise ValueError(f"markdown cell {index} has no id: save the master with nbformat >= 4.5 "
                             "(JupyterLab does) so that its translation can be found again")
        entries.append(Entry(context=cell["id"], english=cell_source(cell)))
    return entries


def first_line(text: str, width: int = 70) -> str:
    """The first non-empty line of ``text``, shortened to ``width``: how a cell is named in messages."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[:width - 1] + "…"
