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
import hashlib
import html
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import nbformat

from autograder.core.atomic import write_atomic
from autograder.grade.discover import digest, read_regular
from autograder.core.lab import cell_index, grade_id_of

STORE = "hand_grades.json"
FORMAT = "seqlabs-hand-grades/1"
FOLDER = "handgrading"
SHEET = "scores.csv"
COLUMNS = ["student", "question", "points", "score", "comment"]


class HandGradeError(Exception):
    """A sheet (or output folder) that cannot be imported; the message lists every problem and its row."""


@dataclass
class ImportReport:
    changed: int  # answers whose score or comment changed
    graded: int  # answers graded in the store after the import
    pending: int  # answers still pending


def answer_text(nb: Any, gid: str) -> str | None:
    """The source of the cell ``gid`` in ``nb`` (None: no such cell, or no notebook)."""
    index = cell_index(nb, gid) if nb is not None else None
    if index is None:
        return None
    source = nb.cells[index].get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def answer_sha(text: str | None) -> str:
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:16]


def read_notebook(path: str | Path, *, graded: str = "") -> Any | None:
    """The submission at ``path`` (None: unreadable, refused, or no longer the version graded).

    ``graded``: the content hash of the version that was graded; a file changed
    since then (or a link or a FIFO put in its place) is not read as that one.
    """
    try:
        data = read_regular(Path(path))  # never follows a link, never waits on a FIFO
        if graded and digest(data) != graded:
            return None
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # unreadable submission: it has no answers to grade
        return None


def load_grades(out: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """``{student: {question: {"score", "comment", "answer_sha"}}}`` from ``out/hand_grades.json`` ({} if none)."""
    path = Path(out) / STORE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise HandGradeError(f"{path} is not a hand-grades file ({FORMAT}); move it away or delete it")
    return data["grades"]


def apply_grades(results: list[dict[str, Any]], grades: Mapping[str, Mapping[str, Mapping[str, Any]]],
                 answers: Mapping[str, Mapping[str, str]] | None = None) -> list[dict[str, Any]]:
    """Copies of ``results`` whose ``manual`` entries carry the stored grades.

    Each manual entry becomes ``{"points", "status": "graded", "score", "comment"}``
    or ``{"points", "status": "pending"}`` (with a ``note`` when the answer
    changed since it was graded: ``answers[student][question]`` is the current
    answer's ``answer_sha``). Only the store decides, so applying twice is applying once.
    """
    out = []
    for r in results:
        manual = {}
        for gid, m in r.get("manual", {}).items():
            entry = {"points": float(m["points"]), "status": "pending"}
            grade = grades.get(r["student"], {}).get(gid)
            current = (answers or {}).get(r["student"], {}).get(gid)
            if grade is not None and current is not None and grade.get("answer_sha") not in (None, current):
                entry["note"] = "the answer changed since it was graded"
            elif grade is not None:
                entry.update(status="graded", score=float(grade["score"]), comment=str(grade.get("comment", "")))
            manual[gid] = entry
        out.append({**r, "manual": manual})
    return out


def current_answers(results: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """``{student: {question: answer_sha}}`` of the submissions as they are on disk now."""
    found: dict[str, dict[str, str]] = {}
    for r in results:
        if not r.get("manual"):
            continue
        nb = read_notebook(r["path"])
        found[r["student"]] = {gid: answer_sha(answer_text(nb, gid)) for gid in r["manual"]}
    return found


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
    path = Path(root) / "labs" / "source" / f"{lab}.ipynb"
    if not path.is_file():
        return None, {}
    nb = nbformat.read(path, as_version=4)
    return nb, {grade_id_of(c): i for i, c in enumerate(nb.cells) if grade_id_of(c)}


def _render(text: str | None) -> str:
    from autograder.report.feedback import _markdown

    if text is None:
        return '<p class="bad">(no answer cell in this notebook)</p>'
    return _markdown(text)


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
    key, released = outputs.lab_files(root, lab)
    if changed:
        write_atomic(out / STORE, json.dumps({"format": FORMAT, "lab": lab, "grades": grades},
                                             indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        outputs.write_all(out, lab=lab, key=key, key_hash=run["key_hash"], conditions=run_conditions(run),
                          results=results, released=released)
    applied = apply_grades(results, grades, answers)
    graded = sum(m["status"] == "graded" for r in applied for m in r["manual"].values())
    pending = sum(m["status"] != "graded" for r in applied for m in r["manual"].values())
    return ImportReport(changed=changed, graded=graded, pending=pending)
