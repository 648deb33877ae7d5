"""Do build and grade stand side by side, each importing the lab module and neither the other?"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (``from x import y`` -> x and x.y; relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.rsplit(".", node.level)[0] if path.name != "__init__.py" or node.level > 1 else here
                base = f"{parent}.{base}".rstrip(".")
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return found


def modules_of(package: str) -> list[Path]:
    found = sorted((PACKAGE / package).rglob("*.py"))
    assert found, f"no modules under autograder/{package}: was the package renamed?"  # never pass on nothing
    return found


@pytest.mark.parametrize("package, forbidden", [("grade", "autograder.assign"), ("assign", "autograder.grade")])
def test_build_and_grade_do_not_import_each_other(package, forbidden):
    """Does no module of one pipeline import the other (both share autograder.core.lab instead)?"""
    offenders = {str(p.relative_to(PACKAGE.parent)): sorted(m for m in imported_modules(p)
                                                            if m == forbidden or m.startswith(forbidden + "."))
                 for p in modules_of(package)}
    assert not {p: m for p, m in offenders.items() if m}, f"{package} imports {forbidden}"


def test_the_rule_can_fail(tmp_path, monkeypatch):
    """Would a grade module importing the build be caught?"""
    bad = PACKAGE / "grade" / "restore.py"
    text = bad.read_text() + "\nfrom autograder.assign.release import make_release\n"
    fake = tmp_path / "autograder" / "grade"
    fake.mkdir(parents=True)
    (fake / "restore.py").write_text(text)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "autograder")
    assert "autograder.assign.release" in imported_modules(fake / "restore.py")


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


# What the course library may load of the grader: the leaf modules it uses, and the package's light __init__.
SEQLABS_MAY_LOAD = {"autograder", "autograder.core", "autograder.core.values", "autograder.core.mode", "autograder.core.conditions"}


def autograder_modules_loaded_by(statement: str) -> set[str]:
    """The ``autograder`` modules a fresh interpreter has loaded after running ``statement``."""
    import subprocess
    import sys

    code = f"{statement}\nimport sys\nprint(' '.join(sorted(m for m in sys.modules if m.split('.')[0] == 'autograder')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=PACKAGE.parent)
    return set(done.stdout.split())


@pytest.mark.parametrize("module", ["seqlabs.metrics", "seqlabs.profiles", "seqlabs.plots", "seqlabs.gradcheck",
                                    "seqlabs.training"])
def test_the_course_library_loads_no_tally_marks_or_grader(module):
    """Does importing a seqlabs module load only the grader's leaf modules (no tally, marks, checks, grade)?"""
    loaded = autograder_modules_loaded_by(f"import {module}")
    assert "autograder.core.values" in loaded or "autograder.core.mode" in loaded, loaded  # the check sees what it judges
    assert loaded <= SEQLABS_MAY_LOAD, f"import {module} loads {sorted(loaded - SEQLABS_MAY_LOAD)}"


def test_the_notebook_api_is_there_on_first_use():
    """Does `import autograder` still give init, marks, check, ... (loaded when first used)?"""
    loaded = autograder_modules_loaded_by(
        "import autograder\nassert callable(autograder.marks) and callable(autograder.init)\n"
        "from autograder import check, summary, MIME, verify\nassert autograder.marks.__name__ == 'marks'")
    assert {"autograder.notebook.blocks", "autograder.notebook.checks", "autograder.notebook.tally"} <= loaded
