"""Does no lab write to a fixed shared path (two students on one host share no file)?

Every master's code cells are read as Python. A cell may not name a shared
place (the temporary folder, a home folder, an absolute path) nor write a file
anywhere but inside a ``tempfile.TemporaryDirectory()`` it opened itself:
checkpoints stay in memory (``seqlabs.training.fit`` keeps the best epoch),
and scratch files go to a folder private to the run, removed after.
"""
from __future__ import annotations

import ast
import json

import pytest

from conftest import REPO_ROOT

MASTERS = sorted((REPO_ROOT / "labs" / "source").glob("*.ipynb"))
SHARED_PLACES = {"gettempdir", "gettempdirb", "expanduser", "home", "tempdir", "getcwd"}
WRITERS = {  # module -> its functions that write files (None: every one); then methods that write whatever they are on
    "shutil": None, "torch": {"save"}, "np": {"save", "savez", "savez_compressed", "savetxt"},
    "numpy": {"save", "savez", "savez_compressed", "savetxt"}, "pickle": {"dump"}, "json": {"dump"},
    "os": {"makedirs", "mkdir", "rename", "replace", "link", "symlink"},
    "tempfile": {"mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryFile"}}
WRITING_METHODS = {"savefig", "to_csv", "write_text", "write_bytes", "mkdir", "touch"}


def writer(func: ast.expr) -> str:
    """The name of the writing call ``func`` is, or ""."""
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        if owner in WRITERS and (WRITERS[owner] is None or func.attr in WRITERS[owner]):
            return f"{owner}.{func.attr}"
        return func.attr if func.attr in WRITING_METHODS else ""
    return ""


def code_of(path) -> list[tuple[int, str]]:
    """(cell index, source) of every code cell, IPython magics and shell lines left out."""
    cells = json.loads(path.read_text())["cells"]
    return [(i, "\n".join(line for line in "".join(c["source"]).splitlines() if not line.lstrip().startswith(("%", "!"))))
            for i, c in enumerate(cells) if c["cell_type"] == "code"]


def problems(source: str) -> list[str]:
    """What in ``source`` names a shared place or writes outside a private temporary folder."""
    found = []
    tree = ast.parse(source)
    private = set()  # line ranges of `with tempfile.TemporaryDirectory() as d:` bodies
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and any(isinstance(i.context_expr, ast.Call)
                                              and getattr(i.context_expr.func, "attr", "") == "TemporaryDirectory"
                                              for i in node.items):
            private.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(("/", "~")) \
                and len(node.value) > 1 and "\n" not in node.value and " " not in node.value:
            found.append(f"line {node.lineno}: the absolute path {node.value!r}")
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        if name in SHARED_PLACES:
            found.append(f"line {node.lineno}: `{name}` names a place shared by everyone on the host")
        if isinstance(node, ast.Call) and node.lineno not in private:
            call = writer(node.func)
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if isinstance(node.func, ast.Name) and node.func.id == "open" and isinstance(mode, ast.Constant) \
                    and any(m in str(mode.value) for m in "wax+"):
                call = "open"
            if call:
                found.append(f"line {node.lineno}: `{call}(...)` writes a file outside a tempfile.TemporaryDirectory()")
    return found


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_master_writes_to_no_shared_path(master):
    """Does no code cell of this master name the temp folder, a home or an absolute path, or write a file?"""
    found = [f"{master.name} cell {i}, {p}" for i, source in code_of(master) for p in problems(source)]
    assert not found, ("a lab must not write to a fixed shared path (two students on one host would share it): "
                       "keep results in memory, or write inside `with tempfile.TemporaryDirectory() as d:`\n"
                       + "\n".join(found))


def test_the_scan_finds_what_the_labs_once_did():
    """Is the checkpoint that labs 4 and 5 used to save into the shared temp folder found?"""
    once = ('history = fit(model, checkpoint_path=os.path.join(tempfile.gettempdir(), f"lab4-{name}.pt"))\n'
            'torch.save(model.state_dict(), "tut1-model.pt")\nopen("/tmp/x.txt", "w")\n')
    found = problems(once)
    assert any("gettempdir" in p for p in found) and any("torch" in p or "save" in p for p in found)
    assert any("'/tmp/x.txt'" in p for p in found)
    fine = ("import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    torch.save(m, os.path.join(d, 'best.pt'))\n"
            "x = open('notes.txt').read()\n")
    assert problems(fine) == []
