"""`autograder demo` (`make demo`): build every lab, grade its solution and release, print the gradebook.

The solution notebook should score full marks and the release zero; the demo
says so per lab and returns False when a lab does not build or grades otherwise.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.assign import build_labs
from autograder.core.lab import lab_folder, lab_paths, list_labs
from autograder.kernel import fence
from autograder.runners import grade_submissions
from autograder.i18n.languages import built_languages, language_paths

DETAIL_WIDTH = 60


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _short(text: str) -> str:
    return text if len(text) <= DETAIL_WIDTH else text[: DETAIL_WIDTH - 1] + "…"


def in_languages(root: Path, lab: str, into: Path) -> list[Path]:
    """Copies of ``lab``'s solution and release in each language it is built in, as
    ``into/solution-<lang>/<lab>.ipynb`` and ``into/release-<lang>/<lab>.ipynb`` (the grader names a
    ``<lab>.ipynb`` after its folder)."""
    copies = []
    for language in built_languages(root, lab):
        for kind, path in language_paths(root, lab, language).items():
            if kind in ("solution", "release") and path.is_file():
                target = into / f"{kind}-{language}" / f"{lab}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copies.append(target)
    return copies


def run_demo(*, root: Path, out: Path) -> bool:
    """Build each lab under ``root``, grade its built notebooks into ``out/<lab>``; True when all is as expected."""
    root, out = Path(root), Path(out)
    labs = list_labs(root)
    if not labs:
        print(f"demo: no labs under {lab_folder(root, 'source')}", file=sys.stderr)
        return False
    ok, rows = True, [["lab", "notebook", "score", "max", "status", "expected", "detail"]]
    for lab in labs:
        started = time.perf_counter()
        print(f"demo: building {lab} ...", file=sys.stderr, flush=True)
        report = build_labs(labs=[lab], root=root, log=print)  # one at a time: a broken lab does not stop the rest
        if not report.ok:
            ok = False
            why = "; ".join(str(e).splitlines()[0] for e in report.errors.values()) or "nothing built"
            rows.append([lab, "(build failed)", "", "", "error", "", _short(why)])
            continue
        paths = lab_paths(root, lab)
        print(f"demo: grading {lab} (solution, release) ...", file=sys.stderr, flush=True)
        # The demo grades the instructor's own notebooks: where the host cannot fence kernels
        # (not root), running them unfenced is safe, and the grader says so.
        with tempfile.TemporaryDirectory() as scratch:
            # Each language's notebooks too (labs/*/<lang>/<lab>.ipynb), as "solution-es", "release-es".
            translated = in_languages(root, lab, Path(scratch))
            run = grade_submissions(lab=lab, submissions=[paths["solution"], paths["release"], *translated],
                                    out=out / lab, root=root, unfenced=bool(fence.available()))
        ok &= run.ok
        for r in run.results:  # students are named after their folders: "release", "solution", "solution-es"
            want_full = r["student"].split("-")[0] == "solution"
            as_expected = r["status"] == "graded" and (
                r["score"] == r["max_score"] if want_full else r["score"] == 0)
            ok &= as_expected
            pending = sum(m["points"] for m in r["manual"].values())
            detail = r["detail"] or (f"+{pending:g} marks to grade by hand" if pending else "")
            rows.append([lab, r["student"], f"{r['score']:g}", f"{r['max_score']:g}", r["status"],
                         ("full" if want_full else "zero") + (" ✓" if as_expected else " ✘"), _short(detail)])
        print(f"demo: {lab} done in {time.perf_counter() - started:.0f} s; "
              f"gradebook in {out / lab / 'gradebook.csv'}", file=sys.stderr, flush=True)
    print(_table(rows))
    print(f"\n{'every lab built and graded as expected' if ok else 'SOMETHING IS WRONG: see the table above'}; "
          f"feedback pages under {out}/<lab>/feedback/")
    return ok
