"""A master in another language: its markdown cells from a PO file, its code cells untouched.

The translated master is built into that language's release and solution by
the same steps as the English one (``autograder.i18n.languages``); because
only markdown differs, the English key grades both (``same_code`` is the
build's guard, and ``tests/test_i18n_build.py`` proves it per lab).
"""
from __future__ import annotations

import copy
from typing import Any

from autograder.i18n.extract import MARKDOWN_COMMENT, cell_source
from autograder.i18n.po_files import translations

METADATA = "seqlabs"  # notebook metadata: {"seqlabs": {"language": "es"}} (absent: English)
UNTRANSLATED = {  # the visible marker of a cell built in English by `build --allow-incomplete`
    "es": "> **[Sin traducir]** Esta celda aún no está traducida; aquí está en inglés.",
}
DEFAULT_UNTRANSLATED = "> **[Not translated]** This cell has not been translated yet; here it is in English."


def translate_master(master: Any, po: Any, language: str, *, allow_incomplete: bool = False) -> Any:
    """A copy of ``master`` in ``language``: each markdown cell's source from ``po`` (by cell id, only
    while its English is the cell's source) and ``metadata.seqlabs.language`` set.

    A cell without such a translation is a ``ValueError`` unless ``allow_incomplete``; then it stays
    in English under a visible marker. Code cells are never changed.
    """
    done = translations(po)
    nb = copy.deepcopy(master)
    marker = UNTRANSLATED.get(language, DEFAULT_UNTRANSLATED)
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        english = cell_source(cell)
        found = done.get(cell.get("id"))
        if found is not None and found[0] == english:
            cell["source"] = found[1]
        elif allow_incomplete:
            cell["source"] = f"{marker}\n\n{english}"
        else:
            raise ValueError(f"markdown cell {cell.get('id')!r} has no current {language} translation")
    meta = dict(nb.metadata.get(METADATA) or {})
    meta["language"] = language
    nb.metadata[METADATA] = meta
    return nb


def same_code(a: Any, b: Any) -> list[str]:
    """Where two notebooks' code cells differ (by cell id, in order); empty when every code cell is identical
    (source, nbgrader metadata and position among the code cells)."""
    code_a = [(c.get("id"), cell_source(c), c.get("metadata", {}).get("nbgrader")) for c in a.cells
              if c.get("cell_type") == "code"]
    code_b = [(c.get("id"), cell_source(c), c.get("metadata", {}).get("nbgrader")) for c in b.cells
              if c.get("cell_type") == "code"]
    if len(code_a) != len(code_b):
        return [f"{len(code_a)} code cells against {len(code_b)}"]
    return [x[0] or "?" for x, y in zip(code_a, code_b) if x != y]


__all__ = ["MARKDOWN_COMMENT", "METADATA", "same_code", "translate_master"]
