"""Hand grading across the class: one page per question, a score sheet, and its validated import.

    autograder handgrade export --out OUT            # OUT: an `autograder grade` output folder
    # fill OUT/handgrading/scores.csv (score, comment) for each student and question
    autograder handgrade import --out OUT OUT/handgrading/scores.csv

``export`` writes ``OUT/handgrading/<question>.html`` (the question, the model
answer from the master, every student's answer side by side) and
``OUT/handgrading/scores.csv`` (one row per student and hand-graded question:
``student, question, points, score, comment``; grades already imported are
filled in). ``import`` checks the whole sheet first (a number in ``[0, points]``,
a known student and question, no row twice; every error names its row) and
changes nothing if any row is wrong; otherwise it stores the grades in
``OUT/hand_grades.json`` and rewrites the gradebook, results, feedback pages
and JUnit from them. A blank score leaves that answer as it was. Importing the
same sheet again changes nothing. A later ``autograder grade`` into the same
``OUT`` keeps the grades, except for an answer whose text changed since it was
graded: that one is pending again.
"""
from __future__ import annotations

import csv
import html
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import nbformat

from autograder.core.atomic import write_atomic
from autograder.core.lab import grade_id_of, lab_paths
from autograder.report.hand_grades import (FORMAT, STORE, HandGradeError, answer_text, apply_grades,  # noqa: F401
                                           current_answers, load_grades, read_notebook)

FOLDER = "handgrading"
SHEET = "scores.csv"
COLUMNS = ["student", "question", "points", "score", "comment"]


@dataclass
class ImportReport:
    changed: int  # answers whose score or comment changed
    graded: int  # answers graded in the store after the import
    pending: int  # answers still pending


def _load_run(out: Path) -> dict[str, Any]:
    path = Path(out) / "results.json"
    if not path.is_file():
        raise HandGradeError(f"no {path}: run `autograder grade --lab LAB --out {out} SUBMISSIONS` first")
    return json.loads(path.read_text(encoding="utf-8"))


def run_conditions(run: Mapping[str, Any]) -> Any:
    """The grading conditions a results file states (format 1 had only the profile)."""
    from autograder.core.conditions import DEFAULT_PROFILE, Conditions

    stated = run.get("conditions") or {"profile": run.get("profile", DEFAULT_PROFILE)}
    return Conditions(**{k: v for k, v in stated.items() if k in ("profile", "data")})


def _source_cells(root: Path, lab: str) -> tuple[Any | None, dict[str, int]]:
    path = lab_paths(root, lab)["source"]
    if not path.is_file():
        return None, {}
    nb = nbformat.read(path, as_version=4)
    return nb, {grade_id_of(c): i for i, c in enumerate(nb.cells) if grade_id_of(c)}


def _render(text: str | None) -> str:
    from autograder.report.feedback import markdown_html

    if text is None:
        return '<p class="bad">(no answer cell in this notebook)</p>'
    return markdown_html(text)


def question_page(lab: str, gid: str, points: float, results: list[dict[str, Any]], *,
                  prompt: str | None, model: str | None) -> str:
    """Every student's answer to ``gid`` side by side, with the prompt and the model answer on top."""
    from autograder.report.feedback import CSS

    cards = []
    for r in results:
        if gid not in r.get("manual", {}):
            continue
        m = r["manual"][gid]
        text = answer_text(read_notebook(r["path"]), gid)
        state = (f"{m['score']:g}/{points:g}: {html.escape(m.get('comment', ''))}" if m["status"] == "graded"
                 else f"pending (/{points:g}){' — ' + html.escape(m['note']) if m.get('note') else ''}")
        cards.append(f'<div class="card" id="{html.escape(r["student"])}"><h3>{html.escape(r["student"])}</h3>'
                     f'{_render(text)}<p class="pending">{state}</p></div>')
    grid = ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(22em,1fr));gap:1em}" \
           ".card{border:1px solid #ccc;border-radius:6px;padding:.5em 1em}body{max-width:none}"
    return "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(lab)} — {html.escape(gid)}</title><style>{CSS}{grid}</style></head><body>",
        f"<h1>{html.escape(lab)}: {html.escape(gid)} ({points:g} marks, {len(cards)} answers)</h1>",
        f"<p>Score each answer in <code>{FOLDER}/{SHEET}</code> (rows with question <code>{html.escape(gid)}</code>),"
        " then run <code>autograder handgrade import</code>.</p>",
        f"<h2>Question</h2>{_render(prompt)}" if prompt else "",
        f"<h2>Model answer</h2>{_render(model)}" if model else "",
        f'<h2>Answers</h2><div class="grid">{"".join(cards)}</div>', "</body></html>\n"])


def export_sheets(out: Path, *, root: Path = Path(".")) -> list[Path]:
    """Write one page per hand-graded question and the score sheet under ``out/handgrading``."""
    out = Path(out)
    run = _load_run(out)
    lab, results = run["lab"], run["submissions"]
    source, index = _source_cells(root, lab)
    questions: dict[str, float] = {}
    for r in results:
        for gid, m in r.get("manual", {}).items():
            questions.setdefault(gid, float(m["points"]))
    if not questions:
        raise HandGradeError(f"lab {lab} has no hand-graded answers: nothing to export")
    written = []
    for gid, points in questions.items():
        prompt = model = None
        if source is not None and gid in index:
            i = index[gid]
            model = answer_text(source, gid)
            prompt = "".join(source.cells[i - 1].source) if i and source.cells[i - 1].cell_type == "markdown" else None
        path = out / FOLDER / f"{gid}.html"
        write_atomic(path, question_page(lab, gid, points, results, prompt=prompt, model=model))
        written.append(path)
    sheet = io.StringIO()
    writer = csv.writer(sheet, lineterminator="\n")
    writer.writerow(COLUMNS)
    for gid, points in questions.items():
        for r in results:
            m = r.get("manual", {}).get(gid)
            if m is None:
                continue
            graded = m["status"] == "graded"
            writer.writerow([r["student"], gid, f"{points:g}", f"{m['score']:g}" if graded else "",
                             m.get("comment", "") if graded else ""])
    write_atomic(out / FOLDER / SHEET, sheet.getvalue())
    written.append(out / FOLDER / SHEET)
    return written


def parse_sheet(text: str, *, name: str, points: Mapping[str, float],
                students: set[str]) -> dict[tuple[str, str], tuple[float, str]]:
    """``{(student, question): (score, comment)}`` from a filled sheet; ``HandGradeError`` lists every bad row.

    Row numbers are the spreadsheet's: the header is row 1.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("student", "question", "score") if c not in header]
    if missing:
        raise HandGradeError(f"{name}: row 1 (the header) has no column {', '.join(map(repr, missing))}; "
                             f"the sheet needs the columns {', '.join(COLUMNS)} (see `autograder handgrade export`)")
    col = {c: header.index(c) for c in COLUMNS if c in header}
    errors: list[str] = []
    found: dict[tuple[str, str], tuple[float, str]] = {}
    first_row: dict[tuple[str, str], int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        get = lambda c: row[col[c]].strip() if c in col and col[c] < len(row) else ""  # noqa: E731
        student, question, raw = get("student"), get("question"), get("score")
        where = f"{name} row {number} (student {student!r}, question {question!r})"
        problems = []
        if student not in students:
            problems.append(f"unknown student {student!r} (the graded students: {', '.join(sorted(students))})")
        if question not in points:
            problems.append(f"unknown question {question!r} (the hand-graded questions: {', '.join(points)})")
        if not raw:
            if not problems:
                continue  # blank score: not graded yet
        else:
            try:
                score = float(raw)
                if not math.isfinite(score):
                    raise ValueError
            except ValueError:
                problems.append(f"score {raw!r} is not a number")
            else:
                top = points.get(question)
                if top is not None and not 0 <= score <= top:
                    problems.append(f"score {raw} is outside [0, {top:g}] (the question's points)")
        if (student, question) in first_row:
            problems.append(f"this answer is already scored in row {first_row[(student, question)]}")
        if problems:
            errors.append(f"{where}: " + "; ".join(problems))
            continue
        first_row[(student, question)] = number
        found[(student, question)] = (score, get("comment"))
    if errors:
        raise HandGradeError(f"{name}: {len(errors)} bad row{'s' if len(errors) > 1 else ''}, nothing imported:\n"
                             + "\n".join("  " + e for e in errors)
                             + "\n  fix: correct those rows (scores are numbers from 0 to the question's points) "
                             "and import the sheet again")
    return found


def import_sheet(out: Path, sheet: Path, *, root: Path = Path(".")) -> ImportReport:
    """Validate ``sheet``; if every row is good, store its grades and rewrite ``out``'s outputs."""
    from autograder.report import outputs

    out, sheet = Path(out), Path(sheet)
    run = _load_run(out)
    lab, results = run["lab"], run["submissions"]
    points = {gid: float(m["points"]) for r in results for gid, m in r.get("manual", {}).items()}
    try:
        text = sheet.read_text(encoding="utf-8")
    except OSError as err:
        raise HandGradeError(f"cannot read {sheet}: {err}") from None
    found = parse_sheet(text, name=sheet.name, points=points, students={r["student"] for r in results})
    grades = load_grades(out)
    answers = current_answers(results)
    changed = 0
    for (student, gid), (score, comment) in found.items():
        entry = {"score": score, "comment": comment, "answer_sha": answers.get(student, {}).get(gid)}
        if grades.get(student, {}).get(gid) != entry:
            changed += 1
            grades.setdefault(student, {})[gid] = entry
    key, released = outputs.lab_files(root, lab, run_conditions(run))
    if changed:
        write_atomic(out / STORE, json.dumps({"format": FORMAT, "lab": lab, "grades": grades},
                                             indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        outputs.write_all(out, lab=lab, key=key, key_hash=run["key_hash"], conditions=run_conditions(run),
                          results=results, released=released)
    applied = apply_grades(results, grades, answers)
    graded = sum(m["status"] == "graded" for r in applied for m in r["manual"].values())
    pending = sum(m["status"] != "graded" for r in applied for m in r["manual"].values())
    return ImportReport(changed=changed, graded=graded, pending=pending)
