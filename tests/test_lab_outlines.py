"""Every lab's parts (``seqlabs.settings.outlines``) match its master and its answer key.

Every block of the key (so every check) is in exactly one part, the hand-graded
points are the key's manual points, every title is a heading of the master,
every declared name is defined by the master, every name a cell requires is
declared (so its message names a part), and no master keeps an in-notebook copy
of the "needs" plumbing.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from autograder.notebook import parts
from seqlabs.settings.outlines import OUTLINES

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted(p.stem for p in (ROOT / "labs" / "keys").glob("*.json"))


def master(lab):
    return json.loads((ROOT / "labs" / "source" / f"{lab}.ipynb").read_text(encoding="utf-8"))


def code_cells(lab):
    return ["".join(c["source"]) for c in master(lab)["cells"] if c["cell_type"] == "code"]


def test_every_lab_has_an_outline():
    """Does every lab with a key declare its parts (and nothing else)?"""
    assert LABS and sorted(OUTLINES) == LABS


@pytest.mark.parametrize("lab", LABS)
def test_every_block_and_check_is_in_exactly_one_part(lab):
    """Are the parts' blocks exactly the key's blocks, each once, so that every check belongs to one part?"""
    key = json.loads((ROOT / "labs" / "keys" / f"{lab}.json").read_text(encoding="utf-8"))
    outline = parts.parse(**OUTLINES[lab])  # refuses a block declared in two parts
    declared = [b for p in outline.parts for b in p.blocks]
    assert sorted(declared) == sorted(key["blocks"]), (set(declared) ^ set(key["blocks"]))
    owners = {c: outline.part_of_block(spec["block"]) for c, spec in key["checks"].items()}
    assert all(owners.values()), [c for c, p in owners.items() if p is None]
    assert OUTLINES[lab]["hand_graded"] == sum(m["points"] for m in key.get("manual", {}).values())


@pytest.mark.parametrize("lab", LABS)
def test_part_titles_are_the_masters_headings(lab):
    """Is every part's title the text of a `## N. Title` heading (or `## QN. Title`) of the master?"""
    headings = [line for c in master(lab)["cells"] if c["cell_type"] == "markdown"
                for line in "".join(c["source"]).split("\n") if line.startswith("## ")]
    for part in parts.parse(**OUTLINES[lab]).parts:
        numbered = [h for h in headings if re.match(rf"## Q?{part.number}\. {re.escape(part.title)}", h)]
        assert numbered or (part.number == 0 and any(h.startswith(f"## {part.title}") for h in headings)), \
            f"{lab}: no heading for part {part.label!r}"


def spanish_headings(lab):
    """The `## ` lines of the lab's Spanish PO translation, markdown emphasis dropped (a title is plain text)."""
    import polib

    po = polib.pofile(str(ROOT / "labs" / "i18n" / "es" / f"{lab}.po"))
    return [line.replace("*", "") for e in po if not e.obsolete for line in e.msgstr.split("\n")
            if line.startswith("## ")]


@pytest.mark.parametrize("lab", LABS)
def test_spanish_part_titles_are_the_spanish_headings(lab):
    """Is every part's Spanish title (seqlabs' catalogue, what a Spanish notebook shows) the text of the
    part's `## N. Título` (`## PN. Título`) heading in the lab's Spanish translation, and the lab's title
    translated too? Titles and headings cannot drift apart in Spanish either."""
    catalogue = OUTLINES[lab]["catalogue"]
    spanish = catalogue.translations("es")
    headings = spanish_headings(lab)
    assert OUTLINES[lab]["title"] in spanish
    for part in parts.parse(**OUTLINES[lab]).parts:
        title = spanish.get(part.title)
        assert title, f"{lab}: part {part.label!r} has no Spanish title in {catalogue.path('es')}"
        numbered = [h for h in headings if re.match(rf"## [QP]?{part.number}\. {re.escape(title)}", h)]
        assert numbered or (part.number == 0 and any(h.startswith(f"## {title}") for h in headings)), \
            f"{lab}: no Spanish heading for part {part.number}. {title!r}"


def defined_names(lab):
    names = set()
    for source in code_cells(lab):
        tree = ast.parse(re.sub(r"^\s*[%!].*$", "", source, flags=re.M))
        names |= {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        # assignments at the cell's level, also inside `with`/`for`/`if` (a test block's results)
        stack = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            stack.extend(ast.iter_child_nodes(node))
    return names


@pytest.mark.parametrize("lab", LABS)
def test_declared_and_required_names_agree_with_the_master(lab):
    """Does the master define every declared name, and declare every name its cells `require`?"""
    outline = parts.parse(**OUTLINES[lab])
    declared = {n for p in outline.parts for n in p.names}
    assert declared <= defined_names(lab), declared - defined_names(lab)
    required = {name for source in code_cells(lab)
                for call in re.findall(r"autograder\.require\(([^)]*)\)", source)
                for name in re.findall(r"""["'](\w+)["']""", call)}
    assert required <= declared, f"{lab}: required but in no part: {sorted(required - declared)}"


@pytest.mark.parametrize("lab", LABS)
def test_no_master_keeps_its_own_needs_plumbing(lab):
    """Is `autograder.require` the one "needs" API: no in-notebook needs()/require() and no marks(needs=...)?"""
    for source in code_cells(lab):
        assert not re.search(r"^def (needs|require)\(", source, flags=re.M), lab
        assert "needs=" not in source, lab


# Given probes a later part reads by design, defined before anything of their part can fail.
SHARED_PROBES = {"lab1_rnn_lstm_numpy": {"probe_ns", "probe_ends"}}  # every n of a^n b^n and its determined end


def given_cells_by_part(lab):
    """``(part number or None, grade_id, is a given (locked, not test) cell, parsed source)`` of every code cell."""
    part, out = None, []
    for cell in master(lab)["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in source.split("\n"):
                heading = re.match(r"^## Q?(\d+)\. ", line)
                part = int(heading.group(1)) if heading else part
            continue
        meta = cell["metadata"].get("nbgrader", {})
        given = bool(meta.get("locked")) and not meta.get("grade") and not meta.get("solution")
        out.append((part, meta.get("grade_id") or "", given, ast.parse(re.sub(r"^\s*[%!].*$", "", source, flags=re.M))))
    return out


def assigned_results(tree):
    """Names the cell assigns at its own level (also inside `with`/`if`/`try`; not loop or function variables)."""
    names, stack = set(), list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.With, ast.If, ast.Try)):
            stack.extend(node.body + getattr(node, "orelse", []) + getattr(node, "finalbody", []))
    return names


def cross_part_reads(lab):
    """``{(part, grade_id): [name@part, ...]}``: results of another graded part that a graded part's given cells
    read, other than those of the parts it declares it uses; comparison cells (`compare_*`) excepted."""
    outline = parts.parse(**OUTLINES[lab])
    graded = {p.number: p for p in outline.parts if p.blocks and p.number != 0}  # 0: identity, the given data
    cells = given_cells_by_part(lab)
    made_by = {}
    for part, _, given, tree in cells:
        if given and part in graded:
            for name in assigned_results(tree):
                made_by.setdefault(name, part)
    found = {}
    for part, grade_id, given, tree in cells:
        if not given or part not in graded or grade_id.startswith("compare"):
            continue
        own = assigned_results(tree) | {n.name for n in ast.walk(tree)
                                        if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - own
        bad = sorted(f"{n}@{made_by[n]}" for n in reads - SHARED_PROBES.get(lab, set())
                     if n in made_by and made_by[n] != part and made_by[n] not in graded[part].uses)
        if bad:
            found[part, grade_id] = bad
    return found


@pytest.mark.parametrize("lab", LABS)
def test_every_part_runs_on_its_own(lab):
    """Do a graded part's given cells (its training, its translations) read no other part's results, unless the
    part says it uses them? A crashed RNN must not stop the LSTM's training, nor the LSTM the GRU's."""
    assert cross_part_reads(lab) == {}
