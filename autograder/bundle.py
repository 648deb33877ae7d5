"""``autograder bundle``: what students receive, as a folder and a zip.

    from autograder.bundle import make_bundle
    bundle = make_bundle(root=Path("."), out=Path("dist"))

``OUT/seqlabs-student/`` holds

* ``notebooks/<lab>.ipynb``: the release notebooks (``labs/release``), as built;
* ``wheels/seqlabs-<version>-py3-none-any.whl``: the ``seqlabs`` and
  ``autograder`` packages, built offline from this checkout's sources (never
  ``labs/``, ``tests/`` or ``benchmarks/``);
* ``constraints.txt``: the exact versions every install uses;
* ``README.md``: install, open, what ✓/✘ and the marks mean, how to hand in,
  and the real data: where they are, with their citations and terms, or how
  to fetch them;
* ``data/<data set>/``: with ``data=DIR`` (``autograder bundle --data DIR``),
  the real data sets found in ``DIR`` (``autograder.bundle_data``), each file
  checked against its pinned SHA-256.

and ``OUT/seqlabs-student.zip`` the same files. Nothing else of the repository
goes to students: it holds the solution notebooks, the answer keys, the
reference tests and lab 4's complete model (``benchmarks/trevett.py``).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder.bundle_data import DATA_FOLDER, copy_data, data_section
from autograder.core.lab import lab_folder, lab_paths
from autograder.i18n.student_readme import language_section

logger = logging.getLogger(__name__)

NAME = "seqlabs-student"
# What the wheel is built from: the packaging files and the two packages' sources, nothing else.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "autograder", "src/seqlabs")
SKIPPED = ("__pycache__", ".pyc", ".egg-info")


class BundleError(Exception):
    """The bundle cannot be made; the message names the problem and the fix."""


@dataclass
class Bundle:
    folder: Path
    zip: Path
    labs: list[str]
    wheel: Path
    files: list[str] = field(default_factory=list)  # paths inside the folder, sorted


def _copy_sources(root: Path, tree: Path) -> None:
    for name in WHEEL_SOURCES:
        src = root / name
        if not src.exists():
            raise BundleError(f"{src} is missing: run `autograder bundle` in a checkout of seqlabs "
                              "(or point --root at one)")
        if src.is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tree / name)
            continue
        shutil.copytree(src, tree / name,
                        ignore=lambda d, names: [n for n in names if any(n.endswith(s) for s in SKIPPED)])


def build_wheel(root: Path, into: Path) -> Path:
    """The project's wheel, built from a copy of its sources without network or build isolation."""
    with tempfile.TemporaryDirectory(prefix="seqlabs-wheel-") as tmp:
        tree = Path(tmp) / "tree"
        _copy_sources(Path(root), tree)
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--no-index", "-q", "-w", str(into), str(tree)],
                              capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"})
        if done.returncode:
            raise BundleError(f"building the wheel failed:\n{done.stderr.strip()[-2000:]}\n"
                              "fix: install the build backend in this environment (`pip install setuptools`)")
    wheels = sorted(into.glob("seqlabs-*.whl"))
    if len(wheels) != 1:
        raise BundleError(f"expected one seqlabs wheel in {into}, found {[w.name for w in wheels]}")
    return wheels[0]


def student_readme(labs: list[str], wheel: str, datasets: list | None = None) -> str:
    """The student's README: install, open, read the marks, hand in; the real data (``datasets``: those bundled)."""
    lab_lines = "\n".join(f"- `notebooks/{lab}.ipynb`" for lab in labs)
    return f"""# Sequence-model labs: student bundle

This folder is everything you need for the labs:

{lab_lines}

and `wheels/{wheel}`, the `seqlabs` library the labs use plus the
`autograder` that marks your answers in the notebook.

## Install (once)

You need Python 3.11. In this folder, make a virtual environment and install
the wheel with the pinned versions (the install downloads PyTorch and the
other packages from the package index once; nothing is downloaded while you
work):

```bash
python3.11 -m venv .venv
.venv/bin/pip install -c constraints.txt wheels/{wheel}
```

The labs need no GPU. On Linux, PyTorch's CPU-only build is much smaller: add
`--extra-index-url https://download.pytorch.org/whl/cpu` to the install line.

(On Windows: `py -3.11 -m venv .venv` then `.venv\\Scripts\\pip install -c constraints.txt wheels\\{wheel}`.)

## Open a lab

```bash
.venv/bin/jupyter lab notebooks/
```

Open the lab's notebook, then run the cells from the top (Run → Run All Cells
the first time). The first code cell is read-only: it loads the lab.

## Do the exercises

Replace every

```python
# YOUR CODE HERE
raise NotImplementedError()
```

with your answer, and write the written answers where a cell says
`YOUR ANSWER HERE`. Do not edit the read-only cells and the test cells: when
your notebook is graded they are put back as they were handed out.

## What the marks mean

Each test cell checks your answer as soon as you run it:

- `✓ q1_means [1/1 marks]`: every check of that part passed; you have its marks.
- `✘ q2_rms [0/1 marks]`: a check failed or your code raised an error; the lines
  below say which check and why (for example "your value is beyond tolerance",
  or the line of your code that raised). Fix the answer cell above it, run it,
  then run the test cell again.
- The last cell, `autograder.summary()`, shows your marks so far, per question.

The notebook never shows the expected answers: a check compares your value
with a salted hash. The marks in your notebook are what the grader will give
for the tests you can see; when the notebook is graded, some parts also have
hidden tests, and written answers are marked by hand, so your final mark can
differ from the summary.

Training cells run in a few minutes on a laptop (the `class` size). To try a
lab quickly, start Jupyter with `SEQLABS_PROFILE=fast`; for the full-size
experiments use `SEQLABS_PROFILE=full`.

## Hand in

Save the notebook (File → Save Notebook), keep its file name
(`<lab>.ipynb`), and hand in that one `.ipynb` file the way your instructor
asks (course page upload, Gradescope, or a push to your GitHub Classroom
repository). Hand in the notebook you ran, not a copy from another folder.
You get a feedback page back: your notebook with the grade of each test cell.

""" + data_section(datasets or [])


def _release_dir(root: Path, language: str | None) -> Path:
    """``labs/release`` (English) or ``labs/release/<language>``."""
    folder = lab_folder(root, "release")
    return folder / language if language and language != "en" else folder


def _release(root: Path, lab: str, language: str | None = None) -> Path:
    path = _release_dir(root, language) / f"{lab}.ipynb"
    if not path.is_file():
        how = (f"add labs/i18n/{language}/{lab}.po and run `autograder build {lab}`" if language and language != "en"
               else f"run `autograder build {lab}`")
        raise BundleError(f"no release notebook {path}: {how} first (looked under --root {root})")
    return path


def make_bundle(*, root: Path = Path("."), out: Path = Path("dist"), labs: list[str] | None = None,
                name: str = NAME, data: Path | None = None, log: Callable[[str], None] = logger.info,
                language: str | None = None) -> Bundle:
    """Write ``out/<name>/`` and ``out/<name>.zip`` for ``labs`` (default: every built release).

    ``data``: a data folder (what ``SEQLABS_DATA`` names) whose data sets go
    into the bundle's ``data/`` (``autograder.bundle_data.copy_data``).

    ``language``: hand out the releases built in that language
    (``labs/release/<language>/``) and say in the README how to switch
    JupyterLab to it (``autograder.i18n.student_readme``); default English.

    The folder is replaced as a whole: a file left from an earlier bundle (a
    lab no longer handed out) is not shipped by mistake.
    """
    root, out = Path(root), Path(out)
    if labs is None:
        labs = sorted(p.stem for p in _release_dir(root, language).glob("*.ipynb"))
    if not labs:
        raise BundleError(f"no release notebooks under {_release_dir(root, language)}: "
                          "run `autograder build` first, or point --root at the repository")
    releases = [_release(root, lab, language) for lab in labs]
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out))
    try:
        (staging / "notebooks").mkdir()
        for lab, path in zip(labs, releases):
            shutil.copy2(path, staging / "notebooks" / f"{lab}.ipynb")
        datasets = copy_data(Path(data), staging / DATA_FOLDER, BundleError) if data is not None else []
        wheel = build_wheel(root, staging / "wheels")
        shutil.copy2(root / "constraints.txt", staging / "constraints.txt")
        readme = student_readme(labs, wheel.name, datasets) + language_section(language)
        (staging / "README.md").write_text(readme, encoding="utf-8")
        folder = out / name
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    archive = out / f"{name}.zip"
    tmp_zip = archive.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as z:
        for rel in files:
            z.write(folder / rel, f"{name}/{rel}")
    os.replace(tmp_zip, archive)
    for rel in files:
        log(f"wrote {folder / rel}")
    log(f"wrote {archive} ({len(files)} files, {archive.stat().st_size / 1e6:.1f} MB)")
    return Bundle(folder=folder, zip=archive, labs=list(labs), wheel=folder / "wheels" / wheel.name, files=files)
