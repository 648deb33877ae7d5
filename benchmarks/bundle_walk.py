"""A student's path from a bundle made with ``--data``: unzip, install as its README says, run labs with answers.

    python benchmarks/bundle_walk.py lab4_seq2seq lab5_attention --data ../shared/data --work "/tmp/seqlabs walk"

Steps, each as the student (or the README) does it:

1. ``autograder bundle --data DATA --out WORK/dist LAB ...`` (every data file checked against its pinned hash);
2. the zip unpacked under ``WORK/student home/`` (a path with a space) and installed with the README's two
   commands (``python3.11 -m venv .venv``, ``.venv/bin/pip install -c constraints.txt wheels/...whl``);
3. each release notebook given the built solution's answer cells (a student who solved everything) and run
   headless in the ``class`` profile with ``SEQLABS_DATA="$PWD/data"``, as the README's start line sets it.

Prints, per lab: the wall time, the data cell's "This run uses ..." line, the trained results' lines and the
summary's total (docs/benchmarks.md, "From a --data bundle, as a student"). Needs the package index that
``pip`` is configured with (or a network) for the install.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from autograder.cli import main as autograder_main

ROOT = Path(__file__).resolve().parents[1]

SHOWN = re.compile(r"This run uses|test loss|BLEU|\bgain\b|sharpness|: \d+/\d+ marks|^✘")


def fill_answers(release: Path, solution: Path) -> int:
    """Give the release's answer cells the solution's text (same grade_id); the number of cells filled."""
    rel, sol = (json.loads(p.read_text(encoding="utf-8")) for p in (release, solution))
    answers = {c["metadata"]["nbgrader"]["grade_id"]: c["source"] for c in sol["cells"]
               if c["metadata"].get("nbgrader", {}).get("solution")}
    filled = 0
    for cell in rel["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["metadata"].get("nbgrader", {}).get("solution") and grade_id in answers:
            cell["source"], filled = answers[grade_id], filled + 1
    release.write_text(json.dumps(rel, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return filled


def printed_lines(notebook: Path) -> list[str]:
    """The lines of a run notebook's outputs worth reporting (data, trained results, ✘, the summary's total)."""
    lines = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) or "".join(out.get("data", {}).get("text/plain", ""))
            if out.get("output_type") == "error":
                text = f"ERROR {out.get('ename')}: {out.get('evalue')}"
            lines += [line for line in text.splitlines() if SHOWN.search(line) or line.startswith("ERROR")]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="+")
    parser.add_argument("--data", required=True, help="the folder holding multi30k/ (what SEQLABS_DATA names)")
    parser.add_argument("--work", default="/tmp/seqlabs walk", help="emptied, then the bundle and the student")
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    with contextlib.redirect_stdout(io.StringIO()):  # its "wrote ..." lines
        if autograder_main(["--root", str(ROOT), "bundle", "--data", str(Path(args.data).resolve()),
                            "--out", str(work / "dist"), *args.labs]):
            raise SystemExit("autograder bundle failed")
    home = work / "student home"
    with zipfile.ZipFile(work / "dist" / "seqlabs-student.zip") as bundle:
        bundle.extractall(home)
    student = home / "seqlabs-student"
    (wheel,) = (student / "wheels").glob("seqlabs-*.whl")
    start = time.perf_counter()
    subprocess.run(["python3.11", "-m", "venv", ".venv"], check=True, cwd=student)
    subprocess.run([".venv/bin/pip", "install", "-q", "-c", "constraints.txt", f"wheels/{wheel.name}"], check=True,
                   cwd=student, stderr=subprocess.DEVNULL)
    print(f"installed as README.md says in {time.perf_counter() - start:.0f} s: {student}")
    env = dict(os.environ, SEQLABS_DATA=str(student / "data"))
    env.pop("SEQLABS_PROFILE", None)  # the student's default: class
    for lab in args.labs:
        notebook = student / "notebooks" / f"{lab}.ipynb"
        filled = fill_answers(notebook, ROOT / "labs" / "solution" / f"{lab}.ipynb")
        start = time.perf_counter()
        run = subprocess.run([".venv/bin/jupyter", "nbconvert", "--to", "notebook", "--execute",
                              "--ExecutePreprocessor.timeout=3600", f"notebooks/{lab}.ipynb", "--output",
                              f"{lab}.run.ipynb"], cwd=student, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        print(f"{lab}: {filled} answer cells filled, ran in {wall:.0f} s of wall (exit {run.returncode})")
        for line in printed_lines(student / "notebooks" / f"{lab}.run.ipynb"):
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
