"""Do the translations' PO files follow the masters: one entry per markdown cell, fuzzy when the English changes,
obsolete when a cell goes, and a translated master whose code cells are the English ones, byte for byte?

No kernel: polib and nbformat only.
"""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
import polib
import pytest

from autograder.cli import main
from autograder.i18n import po_files
from autograder.i18n.extract import extract
from autograder.i18n.translate import same_code, translate_master
from autograder.core.lab import lab_paths, list_labs
from conftest import REPO_ROOT

LAB = "lab0_example"


def master(lab: str = LAB) -> nbformat.NotebookNode:
    return nbformat.read(lab_paths(REPO_ROOT, lab)["source"], as_version=4)


def root_with(tmp_path: Path, lab: str = LAB, *, po: bool = True) -> Path:
    """A root holding ``lab``'s master and (``po``) its committed Spanish PO file."""
    (tmp_path / "labs" / "source").mkdir(parents=True)
    shutil.copy(lab_paths(REPO_ROOT, lab)["source"], tmp_path / "labs" / "source")
    if po:
        target = po_files.po_path(tmp_path, "es", lab)
        target.parent.mkdir(parents=True)
        shutil.copy(po_files.po_path(REPO_ROOT, "es", lab), target)
    return tmp_path


def translated_po(nb: nbformat.NotebookNode) -> polib.POFile:
    """A complete PO file for ``nb``: every markdown cell 'translated' to a marked copy of itself."""
    po = polib.POFile()
    for e in extract(nb):
        po.append(polib.POEntry(msgctxt=e.context, msgid=e.english, msgstr="ES " + e.english, comment=e.comment))
    return po


def test_extraction_is_the_translators_format():
    """One entry per markdown cell, in order: msgctxt the cell id, msgid the cell's source byte for byte."""
    nb = master()
    entries = extract(nb)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert [(e.context, e.english, e.comment) for e in entries] == [
        (c.id, c.source, "markdown cell") for c in markdown]
    assert len(entries) == 9


def test_the_committed_po_files_translate_their_masters_completely():
    """Does every committed labs/i18n/<lang>/<lab>.po hold exactly the master's markdown cells, all translated?"""
    found = [(lang, lab) for lang in po_files.languages(REPO_ROOT) for lab in list_labs(REPO_ROOT)
             if po_files.po_path(REPO_ROOT, lang, lab).is_file()]
    assert ("es", LAB) in found
    for lang, lab in found:
        po = po_files.load(po_files.po_path(REPO_ROOT, lang, lab))
        problems = po_files.problems(po, extract(master(lab)))
        assert not problems, f"{lang}/{lab}: " + "; ".join(p.line() for p in problems)


def test_update_adds_fuzzies_and_obsoletes(tmp_path):
    """New cell -> empty entry; changed English -> translation kept, fuzzy, old English as previous msgid;
    deleted cell -> obsolete; the cell back -> revived; an unchanged master -> the file untouched."""
    root = root_with(tmp_path)
    nb = master()
    path = po_files.po_path(root, "es", LAB)
    before = path.read_bytes()
    assert not po_files.update_lab(root, LAB, "es", nb).changed and path.read_bytes() == before

    committed = po_files.load(path)
    old_po = {e.msgctxt: e for e in committed}
    # Cells the master dropped earlier (lab 0's old identity cell) stay obsolete in the committed file, for revival.
    already_obsolete = [e.msgctxt for e in committed.obsolete_entries()]
    master_ids = {c.id for c in nb.cells}
    assert not master_ids & set(already_obsolete)
    changed = copy.deepcopy(nb)
    intro = next(c for c in changed.cells if c.id == "intro")
    intro.source = intro.source.replace("A tiny lab", "A small lab")
    gone = next(c for c in changed.cells if c.id == "q3-text")
    changed.cells.remove(gone)
    changed.cells.insert(1, nbformat.v4.new_markdown_cell("A new paragraph.", id="new-cell"))
    changes = po_files.update_lab(root, LAB, "es", changed)
    assert (changes.added, changes.fuzzy, changes.obsolete) == (["new-cell"], ["intro"], ["q3-text"])
    po = po_files.load(path)
    entry = {e.msgctxt: e for e in po if not e.obsolete}
    assert entry["new-cell"].msgstr == "" and entry["new-cell"].msgid == "A new paragraph."
    assert "fuzzy" in entry["intro"].flags and entry["intro"].msgstr == old_po["intro"].msgstr
    assert entry["intro"].previous_msgid == old_po["intro"].msgid and "#| msgid" in path.read_text()
    assert sorted(e.msgctxt for e in po.obsolete_entries()) == sorted(already_obsolete + ["q3-text"]) and "#~ msgctxt \"q3-text\"" in path.read_text()
    lines = " ".join(changes.lines())
    assert "1 new" in lines and "fuzzy: intro" in lines and "obsolete: q3-text" in lines
    problems = po_files.problems(po, extract(changed))
    assert [(p.context, p.why.split()[0]) for p in problems] == [("intro", "fuzzy"), ("new-cell", "untranslated")]

    back = po_files.update_lab(root, LAB, "es", nb)  # the cell comes back with its old English: revived as it was
    assert back.revived == ["q3-text"] and back.obsolete == ["new-cell"]
    assert {e.msgctxt: e for e in po_files.load(path) if not e.obsolete}["q3-text"].msgstr == old_po["q3-text"].msgstr


def test_update_command_prints_what_changed(tmp_path, capsys):
    """`autograder i18n update LAB --language es` creates a missing PO file and says what is left to translate."""
    root = root_with(tmp_path, po=False)
    assert main(["--root", str(root), "i18n", "update", LAB, "--language", "es"]) == 0
    out = capsys.readouterr().out
    assert "created" in out and "9 new (to translate)" in out and "9 entries to translate" in out
    po = po_files.load(po_files.po_path(root, "es", LAB))
    assert po.metadata["Language"] == "es" and len(po) == 9 and all(e.msgstr == "" for e in po)
    assert main(["--root", str(root), "i18n", "update", "no_such_lab", "--language", "es"]) == 2
    assert "no master for no_such_lab" in capsys.readouterr().err


@pytest.mark.parametrize("lab", list_labs(REPO_ROOT))
def test_a_translated_master_keeps_every_code_cell(lab):
    """Translated from a complete PO file, is every code cell (source, nbgrader metadata, id) the English one,
    every markdown cell the translation, and the language in the metadata?"""
    nb = master(lab)
    es = translate_master(nb, translated_po(nb), "es")
    assert same_code(nb, es) == []
    for a, b in zip(nb.cells, es.cells):
        assert b.source == (("ES " + a.source) if a.cell_type == "markdown" else a.source)
    assert es.metadata["seqlabs"] == {"language": "es"} and "seqlabs" not in nb.metadata


def test_same_code_names_a_changed_code_cell():
    """The guard itself: a code cell changed (a translated comment) is named."""
    nb = master()
    es = copy.deepcopy(nb)
    cell = next(c for c in es.cells if c.cell_type == "code" and c.id == "q1-code")
    cell.source = cell.source.replace("# YOUR CODE HERE", "# TU CÓDIGO AQUÍ") + "\n# comentario"
    assert same_code(nb, es) == ["q1-code"]


def test_incomplete_translation_is_refused_or_marked():
    """A missing entry: refused by default; with allow_incomplete the cell stays English under a visible marker."""
    nb = master()
    po = translated_po(nb)
    po.remove(next(e for e in po if e.msgctxt == "q2-text"))
    with pytest.raises(ValueError, match="q2-text"):
        translate_master(nb, po, "es")
    es = translate_master(nb, po, "es", allow_incomplete=True)
    cell = next(c for c in es.cells if c.id == "q2-text")
    english = next(c for c in nb.cells if c.id == "q2-text").source
    assert cell.source.startswith("> **[Sin traducir]**") and cell.source.endswith(english)
