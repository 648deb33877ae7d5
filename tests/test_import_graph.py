"""Do the grader's packages import one way only, with no import circle, and the course library only the core?

The graph is read from the source (``ast``), every import counted wherever it stands (a function-level
import still ties two modules together). Importing ``a.b.c`` also runs the ``__init__`` of ``a`` and
``a.b``, so those are edges too, except to the importer's own packages (already being imported).
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograder"
TREES = {"autograder": ROOT, "seqlabs": ROOT / "src"}  # top-level package -> the folder that holds it

# The grader's packages, lowest first: a module may import its own package and the ones before it, never
# one after it (docs/architecture.md, "The packages"). The build (assign) stands on notebook and core, and
# nothing but the commands imports it: build and grade share core.lab, never each other.
# i18n (the translations of the masters: PO files, a master in another language) stands on core only; the build
# and the runners use it. The autograder's own message catalogue is core.messages (every layer speaks through it).
LAYERS = {"core": 0, "notebook": 1, "i18n": 1, "assign": 2, "kernel": 2, "grade": 3, "report": 4, "runners": 5}
COMMANDS = 6  # autograder/*.py: the command line and the instructor commands, above everything


def module_name(path: Path, trees: dict[str, Path]) -> str:
    for top, base in trees.items():
        if path.is_relative_to(base / top):
            parts = path.relative_to(base).with_suffix("").parts
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise ValueError(path)


def modules(trees: dict[str, Path] = TREES) -> dict[str, Path]:
    """Every module of our packages -> its file."""
    found = {module_name(p, trees): p for top, base in trees.items() for p in sorted((base / top).rglob("*.py"))}
    assert "autograder.core.values" in found and "seqlabs.metrics" in found, sorted(found)[:5]  # never pass on nothing
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that the module ``name`` (at ``path``) imports, wherever the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1], *filter(None, [base])])
            for alias in node.names:  # `from a.b import c`: the module a.b.c if there is one, else a.b
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    edges = set()
    for target in found:
        parts = target.split(".")
        for n in range(1, len(parts) + 1):  # the target and every package above it, whose __init__ runs first
            head = ".".join(parts[:n])
            if head in known and head != name and not (name + ".").startswith(head + "."):
                edges.add(head)
    return edges


def import_graph(trees: dict[str, Path] = TREES) -> dict[str, set[str]]:
    found = modules(trees)
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected sets of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    """Does no module of autograder or seqlabs import, through any chain, a module that imports it back?"""
    assert cycles(import_graph()) == []


def test_a_planted_cycle_is_caught(tmp_path):
    """Would a circle planted through a function-level import (as batch <-> cluster was) be caught?"""
    for top, base in TREES.items():
        shutil.copytree(base / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__"))
    holds = tmp_path / "autograder" / "grade" / "holds.py"
    holds.write_text(holds.read_text() + "\n\ndef _late():\n    from autograder.grade import submission\n")
    found = cycles(import_graph({top: tmp_path for top in TREES}))
    assert ["autograder.grade.holds", "autograder.grade.submission"] in found, found


def layer_of(name: str) -> int | None:
    parts = name.split(".")
    if parts[0] != "autograder" or name == "autograder":
        return None  # the package's own light __init__ (the lazy notebook API) stands apart
    if len(parts) == 2 and parts[1] not in LAYERS:
        return COMMANDS
    return LAYERS[parts[1]]


def test_the_packages_import_one_way():
    """Does every grader module import only its own package and the packages below it (LAYERS)?"""
    wrong = sorted(f"{m} -> {t}" for m, targets in import_graph().items() if m.startswith("autograder.")
                   for t in targets if layer_of(t) is not None and layer_of(m) is not None
                   and t.split(".")[:2] != m.split(".")[:2] and not layer_of(t) == layer_of(m) == COMMANDS
                   and (layer_of(t) >= layer_of(m) or t.startswith("autograder.assign") and layer_of(m) != COMMANDS))
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)
    assert set(LAYERS) == {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}  # a new one is placed


def test_the_course_library_imports_only_the_core():
    """Does seqlabs import nothing of the grader but autograder.core (its vocabulary: values, profiles)?"""
    graph = import_graph()
    wrong = sorted(f"{m} -> {t}" for m, targets in graph.items() if m.startswith("seqlabs")
                   for t in targets if t.startswith("autograder.") and not t.startswith("autograder.core"))
    assert not wrong, wrong
    assert any(t.startswith("autograder.core") for t in graph["seqlabs.metrics"])  # the rule sees those imports


def test_the_grader_never_imports_the_course_library():
    """Does no module of the grader's packages import seqlabs (the commands may: the bundle ships its data)?"""
    wrong = sorted(f"{m} -> {t}" for m, targets in import_graph().items()
                   if layer_of(m) is not None and layer_of(m) < COMMANDS for t in targets if t.startswith("seqlabs"))
    assert not wrong, wrong


def test_one_module_owns_the_lab_layout():
    """Are the lab's paths and cell predicates defined in autograder/core/lab.py and nowhere else?"""
    owners = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in {
                    "lab_paths", "list_labs", "grade_id_of", "nbgrader_meta", "is_protected", "cell_index",
                    "strip_hidden_tests", "auto_points"}:
                owners.setdefault(node.name, []).append(str(path.relative_to(PACKAGE)))
    assert owners and all(where == ["core/lab.py"] for where in owners.values()), owners


def test_no_lab_path_is_spelled_by_hand():
    """Does no grader module spell labs/source, labs/keys, labs/release or labs/solution itself (core.lab does)?"""
    spelled = re.compile(r"""["']labs["']\s*\)?\s*/\s*["'](?:source|keys|release|solution)["']"""
                         r"|labs/(?:source|keys|release|solution)/\{")  # Path(root) / "labs" / "keys", f"labs/keys/{lab}"
    found = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if p.name != "lab.py" and spelled.search(p.read_text(encoding="utf-8")))
    assert not found, found


# What the course library may load of the grader: the core it uses, and the package's light __init__.
SEQLABS_MAY_LOAD = re.compile(r"autograder(\.core(\.\w+)?)?")


def autograder_modules_imported_by(statement: str) -> set[str]:
    """The ``autograder`` modules ``python -X importtime -c statement`` reports importing, and those in
    ``sys.modules`` at the end (``importlib.import_module``, the lazy API's loader, is not timed)."""
    code = f"{statement}\nimport sys\nprint(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    timed = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return {n for n in timed | set(done.stdout.split()) if n.split(".")[0] == "autograder"}


@pytest.mark.parametrize("module", ["seqlabs.metrics", "seqlabs.profiles", "seqlabs.plots", "seqlabs.gradcheck",
                                    "seqlabs.training"])
def test_the_course_library_loads_no_tally_marks_or_grader(module):
    """Does `python -X importtime -c "import seqlabs.X"` import only the grader's core (no tally, marks, grader)?"""
    loaded = autograder_modules_imported_by(f"import {module}")
    assert "autograder.core.values" in loaded or "autograder.core.mode" in loaded, loaded  # it sees what it judges
    assert all(SEQLABS_MAY_LOAD.fullmatch(m) for m in loaded), f"import {module} loads {sorted(loaded)}"


def test_the_notebook_api_is_there_on_first_use():
    """Does `import autograder` still give init, marks, check, ... (loaded when first used)?"""
    loaded = autograder_modules_imported_by(
        "import autograder\nassert callable(autograder.marks) and callable(autograder.init)\n"
        "from autograder import check, summary, MIME, verify\nassert autograder.marks.__name__ == 'marks'")
    assert {"autograder.notebook.blocks", "autograder.notebook.checks", "autograder.notebook.tally"} <= loaded
