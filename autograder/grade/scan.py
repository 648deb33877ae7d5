"""Static scan of the student's own cells for tampering with the autograder.

Nothing here changes a score: marks come only from the grader's judging of
what restored cells reported. A flag asks a human to look, with cell, line and
reason. The scan reads the code (``ast``), never runs it; IPython syntax
(magics, ``!cmd``) is first turned into Python the way the kernel does.
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass
from typing import Any, Iterable

import autograder

# Names the in-notebook API gives students (its public functions, derived so that a
# function added to the API is watched too); rebinding one shadows the real check.
API_NAMES = {"autograder", "emit", *(name for name in autograder.__all__ if name != "MIME")}
# Text whose presence means the cell reaches for what only the grader should touch.
SUSPECT_TEXT = {
    "vnd.seqlabs.autograder": "writes autograder events by hand",
    "AUTOGRADER_MODE": "reads or changes the autograder mode",
    "labs/keys": "reaches for the answer keys",
    "labs/source": "reaches for the master notebook",
}
# Submodules and private names behind the public API: a student has no business there.
INTERNALS = {"tally", "events", "mode", "judge", "tokens", "checks", "marks", "display", "values",
             "grade", "build"}
OUTPUT_HOOKS = {"displayhook", "excepthook", "display_pub", "register", "set_custom_exc"}


@dataclass(frozen=True)
class Flag:
    cell: int
    line: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


class _Scanner(ast.NodeVisitor):
    def __init__(self, cell: int) -> None:
        self.cell, self.flags = cell, []
        self.aliases = {"autograder"}  # local names bound to the autograder package or a submodule

    def flag(self, node: ast.AST, reason: str) -> None:
        self.flags.append(Flag(self.cell, getattr(node, "lineno", 0), reason))

    def _is_autograder(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id in self.aliases

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "autograder" or alias.name.startswith("autograder."):
                self.aliases.add((alias.asname or alias.name).split(".")[0])
                if alias.name != "autograder":
                    self.flag(node, f"imports autograder internals ({alias.name})")
            elif alias.name == "builtins":
                self.flag(node, "imports builtins")
            if alias.asname in API_NAMES and not alias.name.startswith("autograder"):
                self.flag(node, f"rebinds the autograder name {alias.asname!r}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.startswith("autograder"):
            for alias in node.names:
                if module != "autograder" or alias.name.startswith("_"):
                    self.flag(node, f"imports autograder internals ({module}.{alias.name})")
                if alias.asname and alias.asname != alias.name and alias.asname in API_NAMES:
                    self.flag(node, f"rebinds the autograder name {alias.asname!r}")
                self.aliases.add(alias.asname or alias.name)
        else:
            if module == "builtins":
                self.flag(node, "imports builtins")
            for alias in node.names:
                if (alias.asname or alias.name) in API_NAMES:
                    self.flag(node, f"rebinds the autograder name {alias.asname or alias.name!r}")

    def _target(self, target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t, node)
        elif isinstance(target, ast.Name) and target.id in API_NAMES:
            self.flag(node, f"rebinds the autograder name {target.id!r}")
        elif isinstance(target, (ast.Attribute, ast.Subscript)) and self._is_autograder(_root(target)):
            self.flag(node, "assigns into the autograder package (monkey-patching a check or the tally)")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._target(target, node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in API_NAMES:
            self.flag(node, f"defines a function named {node.name!r}, shadowing the autograder's")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if node.name in API_NAMES:
            self.flag(node, f"defines a class named {node.name!r}, shadowing the autograder's")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("setattr", "delattr", "vars") and node.args and self._is_autograder(_root(node.args[0])):
            self.flag(node, f"{name}() on the autograder package")
        if name in ("reload",) and node.args and self._is_autograder(_root(node.args[0])):
            self.flag(node, "reloads the autograder package")
        if name in OUTPUT_HOOKS and isinstance(func, ast.Attribute):
            self.flag(node, f"installs an IPython hook ({name})")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
            self.flag(node, "touches sys.modules")
        elif node.attr in ("displayhook", "excepthook") and isinstance(node.value, ast.Name) and node.value.id == "sys":
            self.flag(node, f"touches sys.{node.attr}")
        elif node.attr == "__dict__" and self._is_autograder(_root(node.value)):
            self.flag(node, "touches the autograder package's __dict__")
        elif isinstance(node.value, ast.Name) and node.value.id in self.aliases and (
                node.attr.startswith("_") or node.attr in INTERNALS):
            self.flag(node, f"reaches into autograder internals ({node.value.id}.{node.attr})")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in ("__builtins__", "builtins"):
            self.flag(node, f"touches {node.id}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            for text, reason in SUSPECT_TEXT.items():
                if text in node.value:
                    self.flag(node, reason)


def scan_cell(index: int, source: str, scanner: _Scanner | None = None) -> list[Flag]:
    """Flags for one cell's code (none for code that does not parse: the kernel reports that)."""
    try:
        tree = ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return []
    scanner = scanner or _Scanner(index)
    scanner.cell, scanner.flags = index, []
    scanner.visit(tree)
    return list(dict.fromkeys(scanner.flags))  # the same reason twice on a line is one flag


def scan(cells: Iterable[Any], skip: set[int]) -> list[Flag]:
    """Flags for every code cell whose index is not in ``skip`` (the restored cells).

    One scanner walks all cells so that ``import autograder as ag`` in one cell
    is remembered when ``ag.check = ...`` comes in a later one.
    """
    scanner, flags = _Scanner(0), []
    for index, cell in enumerate(cells):
        if index in skip or cell.get("cell_type") != "code":
            continue
        flags.extend(scan_cell(index, str(cell.get("source", "")), scanner))
    return flags
