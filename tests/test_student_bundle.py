"""Is the student bundle (`autograder bundle`) complete, free of everything students must not get, and usable?

The bundle is built once from this checkout. Every file in it (the wheel
unpacked too) is read and searched for: solution regions and their lines,
the keys' values, hidden tests (markers, lines, check ids), and the
reference tests and benchmark oracles (file names and lines). Then a fresh
virtual environment installs the bundle as its README says and runs a
release notebook from it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assign.verify import _outside_solutions, _solution_lines, _value_strings
from autograder.bundle import NAME, make_bundle
from conftest import REPO_ROOT
from test_wheel_has_no_key import secrets

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("student_bundle")]
LABS = sorted(p.stem for p in (REPO_ROOT / "labs" / "source").glob("*.ipynb"))
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
MIN_LINE = 25  # a line this long found in the bundle is no coincidence
ORACLES = sorted((REPO_ROOT / "tests" / "labs").glob("test_*.py")) + sorted((REPO_ROOT / "benchmarks").glob("*.py"))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return make_bundle(root=REPO_ROOT, out=out, log=lambda m: None)


@pytest.fixture(scope="module")
def contents(bundle) -> dict[str, str]:
    """Every file of the bundle as text, the wheel's files as ``<wheel>!<name>``."""
    found = {}
    for rel in bundle.files:
        path = bundle.folder / rel
        if rel.endswith(".whl"):
            with zipfile.ZipFile(path) as whl:
                found.update({f"{rel}!{n}": whl.read(n).decode("utf-8", "replace") for n in whl.namelist()})
        else:
            found[rel] = path.read_text(encoding="utf-8")
    return found


def lines_of(name: str, text: str) -> set[str]:
    """The stripped lines a reader sees: a notebook's cell sources and text outputs, any other file's lines."""
    if name.endswith(".ipynb"):
        try:
            nb = nbformat.reads(text, as_version=4)
        except Exception:
            pass
        else:
            text = "\n".join([c.source for c in nb.cells] + [
                str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                for c in nb.cells for o in c.get("outputs", [])])
    return {line.strip() for line in text.splitlines()}


def public_code_lines() -> set[str]:
    """Stripped lines of the code students get anyway (the packages, the release notebooks)."""
    lines = set()
    for path in [*(REPO_ROOT / "autograder").rglob("*.py"), *(REPO_ROOT / "src" / "seqlabs").rglob("*.py")]:
        lines |= {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    for path in (REPO_ROOT / "labs" / "release").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        lines |= {line.strip() for c in nb.cells for line in c.source.splitlines()}
    return lines


def test_bundle_holds_the_releases_readme_wheel_and_zip(bundle):
    """Folder and zip hold the same files: every release notebook, README, constraints and one wheel."""
    assert sorted(bundle.files) == sorted(
        ["README.md", "constraints.txt", f"wheels/{bundle.wheel.name}"] + [f"notebooks/{lab}.ipynb" for lab in LABS])
    for lab in LABS:
        assert (bundle.folder / "notebooks" / f"{lab}.ipynb").read_bytes() == \
            (REPO_ROOT / "labs" / "release" / f"{lab}.ipynb").read_bytes()
    with zipfile.ZipFile(bundle.zip) as z:
        assert sorted(z.namelist()) == sorted(f"{NAME}/{f}" for f in bundle.files)
        assert all(z.read(f"{NAME}/{f}") == (bundle.folder / f).read_bytes() for f in bundle.files)
    readme = (bundle.folder / "README.md").read_text()
    for words in ("pip install -c constraints.txt wheels/", "jupyter lab notebooks/", "✓", "✘", "marks",
                  "Hand in"):
        assert words in readme


def test_wheel_holds_only_the_two_packages_as_in_the_checkout(contents):
    """Is every wheel file a file of autograder/ or src/seqlabs/ byte for byte (or packaging metadata)?"""
    names = [n.split("!", 1)[1] for n in contents if "!" in n]
    for name in names:
        if ".dist-info/" in name:
            continue
        top = name.split("/")[0]
        assert top in ("autograder", "seqlabs"), name
        repo_file = REPO_ROOT / ("src" if top == "seqlabs" else "") / name
        assert repo_file.is_file(), name
        text = next(v for k, v in contents.items() if k.endswith("!" + name))
        assert text == repo_file.read_text(encoding="utf-8", errors="replace"), name


@pytest.mark.parametrize("lab", LABS)
def test_bundle_holds_no_solution_key_or_hidden_test(contents, lab):
    """No solution line, key value, hidden-test line or hidden check id of ``lab`` in any bundle file."""
    source = nbformat.read(REPO_ROOT / "labs" / "source" / f"{lab}.ipynb", as_version=4)
    key = json.loads((REPO_ROOT / "labs" / "keys" / f"{lab}.json").read_text())
    # A line some master gives students (outside its solution regions) is no secret of this lab's: a generic
    # line (`loss.backward()`), or code a later lab hands out on purpose (lab 5 gives lab 4's model, so lab 5
    # is handed out after lab 4 closes; docs/instructor-guide.md).
    given = {line.strip() for other in LABS
             for c in nbformat.read(REPO_ROOT / "labs" / "source" / f"{other}.ipynb", as_version=4).cells
             for line in _outside_solutions(c)}
    solution = {line for c in source.cells for line in _solution_lines(c) if line not in given and len(line) >= 8}
    hidden_lines = {line.strip() for c in source.cells for region in HIDDEN.findall(c.source)
                    for line in region.splitlines() if len(line.strip()) >= MIN_LINE} - given
    exact, hidden_ids = secrets(key)
    all_values = {s for e in key["checks"].values() if e["kind"] in ("close", "equal")
                  for s in _value_strings(e["value"])}
    assert solution and exact, "the oracle should have something to look for"
    for name, text in contents.items():
        in_wheel = "!" in name
        lines = lines_of(name, text)
        if not in_wheel:  # the package's own source names the markers (autograder.assign)
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
            # constraints.txt is the repository's pin list, copied as it is: a 4-figure value such as 1.17
            # (lab 6) also reads in scipy==1.17.1; it is checked for the distinctive values below
            assert name == "constraints.txt" or not [s for s in all_values if s in text], name
            assert (REPO_ROOT / "constraints.txt").read_text() == text if name == "constraints.txt" else True
        assert not (solution & lines if not in_wheel else {s for s in solution & lines if len(s) >= MIN_LINE}), name
        assert not hidden_lines & lines, name
        assert not [s for s in exact | hidden_ids if s in text], name
        if name.endswith(".json"):  # no answer key file, whatever its name
            assert not str(json.loads(text).get("format", "")).startswith("seqlabs-key/"), name


def test_bundle_holds_no_reference_test_or_oracle(contents):
    """No file named like a reference test or benchmark, and no line of one the packages do not share."""
    public = public_code_lines()
    oracle_lines = {line.strip() for p in ORACLES for line in p.read_text(encoding="utf-8").splitlines()
                    if len(line.strip()) >= MIN_LINE} - public
    assert len(oracle_lines) > 100
    for name, text in contents.items():
        base = name.rsplit("/", 1)[-1]
        assert not base.startswith(("test_", "bench_")) and base != "trevett.py", name
        assert not oracle_lines & lines_of(name, text), name


def _link_dependencies(fresh: Path) -> None:
    """Make this environment's packages, but not seqlabs itself, importable in ``fresh`` (offline install).

    A folder of links to every entry of this venv's site-packages except the
    editable seqlabs install, named in a .pth file of the fresh environment.
    """
    ours = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()))
    farm = fresh / "deps"
    farm.mkdir()
    for entry in ours.iterdir():
        if "seqlabs" in entry.name.lower() or entry.name.startswith("__editable__"):
            continue
        (farm / entry.name).symlink_to(entry)
    (site,) = (fresh / "lib").glob("python3*/site-packages")
    (site / "_seqlabs_test_deps.pth").write_text(f"{farm}\n")


def test_fresh_venv_installs_the_bundle_and_runs_a_release(bundle, tmp_path):
    """A fresh venv installs the wheel as the README says; a release notebook from the bundle shows marks
    and imports seqlabs and autograder from that venv, not from this repository."""
    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)  # pip, like every dependency, comes from the links
    _link_dependencies(fresh)
    python = fresh / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("SEQLABS_")}
    env.update(SEQLABS_PROFILE="fast", PIP_NO_INPUT="1", JUPYTER_PATH=str(fresh / "share" / "jupyter"))
    readme = (bundle.folder / "README.md").read_text()
    command = re.search(r"^\.venv/bin/pip install (.+)$", readme, re.M).group(1).split()  # as the README says
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-index", *command],
                             cwd=bundle.folder, env=env, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    subprocess.run([str(python), "-m", "ipykernel", "install", "--sys-prefix"], env=env, check=True,
                   capture_output=True, timeout=120)
    script = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import seqlabs; print('FROM', autograder.__file__, seqlabs.__file__)"))
NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True).execute()
print("\\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                for c in nb.cells if c.cell_type == "code" for o in c.outputs))
"""
    run = subprocess.run([str(python), "-c", script, "lab0_example.ipynb"], cwd=bundle.folder / "notebooks",
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    total = re.search(r"total\s+(\S+)/(\d+)", run.stdout.replace("\u00a0", " "))  # the release earns nothing
    assert "✘ q1_means [0/1 marks]" in run.stdout and total and total[1] == "0" and int(total[2]) > 0, run.stdout
    (where,) = [line for line in run.stdout.splitlines() if line.startswith("FROM ")]
    files = [Path(p) for p in where.split()[1:]]
    assert all(fresh in p.parents and REPO_ROOT not in p.parents for p in files), where
