"""Authoring a lab as an instructor adding an exercise meets it: errors name cells as Jupyter shows them,
a missing master says where the build looked, and checks follow the marks-block rules."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.assign import BuildError, build_lab
from autograder.assign.errors import BuildError as Error
from conftest import EXAMPLE_LAB
from test_build_errors import build_broken, cell, master


def position(nb, grade_id: str) -> int:
    """The cell's position counted from 1 at the top of the notebook."""
    return next(i for i, c in enumerate(nb.cells, start=1) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_error_names_the_cell_by_its_1_based_position_and_grade_id():
    """Does an error say `cell <n> (grade_id ...)` with n counted from 1, while .index stays 0-based?"""
    error = Error("problem", "fix", index=0, grade_id="setup", lab="lab")
    assert str(error).startswith("lab: cell 1 (grade_id 'setup'): problem") and error.index == 0


def test_check_outside_any_marks_block_is_a_build_error(tmp_path):
    """Is a check that runs outside every marks block (worth no marks) refused, naming its cell?"""
    nb = master()
    cell(nb, "q2_tests").source += '\nautograder.check("q2_rms.loose", rms(data), rtol=1e-6, atol=1e-9)'
    error = build_broken(tmp_path, nb)
    assert "check 'q2_rms.loose' runs outside any marks block" in str(error)
    assert f"cell {position(nb, 'q2_tests')} (grade_id 'q2_tests')" in str(error)
    assert "autograder.marks(" in error.fix


@pytest.mark.parametrize("cid", ["q2_root.data", "data", "q2_rms"])
def test_check_id_must_be_block_dot_what(tmp_path, cid):
    """Is a check id that is not `<its block>.<what>` refused, with the id it should have?"""
    nb = master()
    tests = cell(nb, "q2_tests")
    tests.source = tests.source.replace('"q2_rms.data"', json.dumps(cid))
    error = build_broken(tmp_path, nb)
    assert f"check id {cid!r} breaks the '<block>.<what>' rule: it runs in block 'q2_rms'" in str(error)
    assert error.grade_id == "q2_tests" and "rename it q2_rms." in error.fix


def test_missing_master_says_where_it_looked_and_how_to_point_elsewhere(tmp_path):
    """Does a missing master name the folder searched, the masters there, and --root?"""
    (tmp_path / "labs" / "source").mkdir(parents=True)
    nbformat.write(master(), tmp_path / "labs" / "source" / f"{EXAMPLE_LAB}.ipynb")
    with pytest.raises(BuildError) as caught:
        build_lab("lab9_typo", root=tmp_path, log=lambda _: None)
    text = str(caught.value)
    assert f"no master notebook lab9_typo.ipynb in {tmp_path / 'labs' / 'source'}" in text
    assert f"(masters there: {EXAMPLE_LAB})" in text and "autograder --root DIR build" in text


@pytest.mark.slow
def test_a_copy_of_the_repository_builds_with_its_own_packages(tmp_path):
    """Does `autograder --root COPY build` run COPY's autograder, and its kernels COPY's seqlabs?"""
    import os
    import shutil
    import subprocess
    import sys

    from conftest import REPO_ROOT, copy_labs

    copy = tmp_path / "copy"
    for name in ("autograder", "src"):
        shutil.copytree(REPO_ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    copy_labs(copy, labs=[EXAMPLE_LAB], generated=False)
    build = copy / "autograder" / "assign" / "pipeline.py"
    build.write_text(build.read_text().replace('built in {built.seconds', 'built by the copy in {built.seconds'))
    marker = tmp_path / "imported"
    init = copy / "src" / "seqlabs" / "__init__.py"
    init.write_text(init.read_text() + "\nimport os as _os\n_os.environ.get('MARK') and open(_os.environ['MARK'], 'a')"
                    ".write(__file__ + '\\n')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUTOGRADER_CHECKOUT")}
    done = subprocess.run([str(Path(sys.executable).parent / "autograder"), "--root", str(copy), "build",
                           EXAMPLE_LAB, "--no-verify"], capture_output=True, text=True, timeout=600,
                          env={**env, "MARK": str(marker)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "built by the copy in" in done.stdout and f"using autograder and seqlabs from {copy}" in done.stderr
    imported = set(marker.read_text().split())
    assert imported == {str(init)}, imported
