"""Grades out of one grading run (``OUT/results.json``) into the format an LMS imports.

    autograder export canvas     --from OUT [--roster R.csv] [--assignment "Lab 0 (1234)"] --out canvas.csv
    autograder export moodle     --from OUT [--roster R.csv] [--item "Lab 0"] --out moodle.csv
    autograder export gradescope --from OUT [--student S] --out /autograder/results/results.json
    autograder export github     --from OUT [--student S] --out result.json

Every score is the run's total: autograded marks plus the marks graded by hand
(``autograder handgrade``); a mark still pending counts 0 and is reported.

The roster (optional) maps the grader's student ids (submission file names)
to the LMS's: a CSV with a ``student`` column and any of ``name``, ``id``,
``sis_user_id``, ``sis_login_id``, ``section`` (Canvas), ``username``,
``id_number``, ``email`` (Moodle). Without one, the student id is used as
Canvas's SIS Login ID and Moodle's username. A roster with a column not in
that list, a student listed twice, or a graded student's row without any id
the LMS matches on is refused; roster students with no submission and graded
students not in the roster are warned about (``roster_gaps``; the CLI exits 3).

* Canvas (Grades → Import): the columns of Canvas's gradebook export,
  ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``, then a
  ``Points Possible`` row. Canvas matches a student by ID, SIS User ID or SIS
  Login ID; an assignment column named ``Name (id)`` updates that assignment,
  a new name creates one.
* Moodle (Grades → Import → CSV file): ``Username, ID number, Email address,
  <item>, Feedback``; at import map ``Username`` (or ``ID number``/``Email
  address``) to the user field and the item and feedback columns to the grade item.
* Gradescope (autograder ``results.json``): ``score``, ``output``,
  ``visibility``, ``stdout_visibility`` and ``tests``, one per block and
  graded hand-marked answer, with ``name``, ``number``, ``score``,
  ``max_score``, ``status``, ``output``, ``visibility``.
* GitHub Classroom (the ``autograding-grading-reporter`` action): the JSON a
  grader step passes it base64-encoded, ``{"version": 1, "status",
  "max_score", "tests": [{"name", "status", "score", "message"}]}``.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Mapping

from autograder.report.feedback import block_lines, num, totals

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["Username", "ID number", "Email address"]
ROSTER_FIELDS = ("name", "id", "sis_user_id", "sis_login_id", "section", "username", "id_number", "email")
FORMATS = ("canvas", "moodle", "gradescope", "github")
LMS_IDS = {"canvas": ("id", "sis_user_id", "sis_login_id"), "moodle": ("username", "id_number", "email")}


class ExportError(Exception):
    """The run or the roster cannot be exported; the message names the problem and the fix."""


def load_run(folder: Path) -> dict[str, Any]:
    path = Path(folder) / "results.json"
    if not path.is_file():
        raise ExportError(f"no {path}: grade first (`autograder grade --lab LAB --out {folder} SUBMISSIONS`)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") not in ("seqlabs-results/1", "seqlabs-results/2"):
        raise ExportError(f"{path} is not a results file of `autograder grade`")
    for r in data["submissions"]:
        r.setdefault("totals", totals(r))
    return data


def load_roster(path: Path | None) -> dict[str, dict[str, str]]:
    """``{student: {field: value}}`` from a roster CSV ({} without one).

    Refused, naming the row or column and the fix, before anything is
    exported: a column this export does not know (a misspelt id column would
    leave every student's row without the id the LMS matches on), and a student
    listed twice.
    """
    if path is None:
        return {}
    with Path(path).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = [h.strip().lower() for h in reader.fieldnames or []]
        if "student" not in fields:
            raise ExportError(f"{path}: row 1 has no 'student' column; the roster needs 'student' "
                              f"(the submission's id) and any of {', '.join(ROSTER_FIELDS)}")
        unknown = [h for h in fields if h not in ("student", *ROSTER_FIELDS)]
        if unknown:
            raise ExportError(f"{path}: unknown column(s) {', '.join(map(repr, unknown))} in row 1 (known: student, "
                              f"{', '.join(ROSTER_FIELDS)}); rename each to the field it holds (a Canvas login is "
                              "'sis_login_id', a Moodle login 'username') or delete it, and export again")
        roster: dict[str, dict[str, str]] = {}
        for number, row in enumerate(reader, start=2):
            clean = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            student = clean.get("student")
            if student and student in roster:
                raise ExportError(f"{path}: row {number} lists student {student!r} again (first in row "
                                  f"{roster[student]['row']}); keep one row per student and export again")
            if student:
                roster[student] = {**clean, "row": str(number)}
    return roster


def _warn_pending(data: Mapping[str, Any], warn) -> None:
    pending = [(r["student"], r["totals"]["pending"]) for r in data["submissions"] if r["totals"]["pending"]]
    if pending:
        warn(f"note: {len(pending)} of {len(data['submissions'])} students have marks still to grade by hand "
             f"(counted as 0): {', '.join(f'{s} ({num(p)})' for s, p in pending[:5])}"
             f"{' ...' if len(pending) > 5 else ''}; see `autograder handgrade`")


def _check_ids(data, roster, lms: str, roster_path: str) -> None:
    """Refuse a roster row, of a student this run graded, that has none of the ids ``lms`` matches on."""
    needed = LMS_IDS[lms]
    blank = [p for r in data["submissions"] if (p := roster.get(r["student"])) and not any(p.get(f) for f in needed)]
    if blank:
        rows = ", ".join(f"row {p['row']} ({p['student']})" for p in blank)
        raise ExportError(f"{roster_path}: {rows} has none of {', '.join(needed)}, the ids {lms.title()} matches "
                          f"students on, so {lms.title()} could not place the grade; fill one in each row and "
                          "export again")


def roster_gaps(data: Mapping[str, Any], roster: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What an export with a roster would lose, one line each: roster students with no submission in the run
    (the file has no row for them), and graded students the roster does not list (their row carries the
    grader's id only). Empty without a roster."""
    if not roster:
        return []
    graded = {r["student"] for r in data["submissions"]}
    gaps = []
    absent = sorted(set(roster) - graded)
    if absent:
        gaps.append(f"{len(absent)} roster student(s) have no submission in this run, so no grade: "
                    f"{', '.join(absent)} (grade their notebooks into this folder, or enter their grades in the LMS)")
    unlisted = sorted(graded - set(roster))
    if unlisted:
        gaps.append(f"{len(unlisted)} graded student(s) are not in the roster, so their rows carry the grader's id "
                    f"only: {', '.join(unlisted)} (add them to the roster, or check the submission's file name)")
    return gaps


def _checked_roster(data: Mapping[str, Any], roster: Mapping[str, Mapping[str, str]] | None, warn, *,
                    lms: str, roster_path: str = "the roster") -> Mapping[str, Mapping[str, str]]:
    """The roster (``{}`` when none), after the checks and warnings every LMS export gives: pending marks,
    rows without the LMS's ids (refused), and what the export loses (``roster_gaps``, warned)."""
    roster = roster or {}
    _warn_pending(data, warn)
    _check_ids(data, roster, lms, roster_path)
    for gap in roster_gaps(data, roster):
        warn(f"warning: {gap}")
    return roster


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def canvas_csv(data: Mapping[str, Any], *, assignment: str | None = None,
               roster: Mapping[str, Mapping[str, str]] | None = None, warn=print, roster_name: str = "the roster") -> str:
    """Canvas's gradebook import CSV: its five student columns, the assignment, a Points Possible row."""
    roster, title = _checked_roster(data, roster, warn, lms="canvas", roster_path=roster_name), assignment or data["lab"]
    maximum = max((r["totals"]["total_max"] for r in data["submissions"]), default=0.0)
    rows = [CANVAS_COLUMNS + [title], ["Points Possible", "", "", "", "", num(maximum)]]
    for r in data["submissions"]:
        p = roster.get(r["student"], {})
        rows.append([p.get("name") or r["student"], p.get("id", ""), p.get("sis_user_id", ""),
                     p.get("sis_login_id") or (r["student"] if not p else ""), p.get("section", ""),
                     num(r["totals"]["total"])])
    return _csv(rows)


def _summary(r: Mapping[str, Any]) -> str:
    t = r["totals"]
    text = f"autograded {num(t['score'])}/{num(t['max_score'])}"
    if t["hand_max"]:
        text += f"; by hand {num(t['hand'])}/{num(t['hand_max'])}"
    if t["pending"]:
        text += f" ({num(t['pending'])} marks pending)"
    if r["status"] != "graded":
        text += f"; {r['status']}: {str(r.get('detail', '')).split('; review:')[0]}"
    return text


def moodle_csv(data: Mapping[str, Any], *, item: str | None = None,
               roster: Mapping[str, Mapping[str, str]] | None = None, warn=print, roster_name: str = "the roster") -> str:
    """A CSV for Moodle's grade import: user identifiers, the grade item, a feedback column."""
    roster, title = _checked_roster(data, roster, warn, lms="moodle", roster_path=roster_name), item or data["lab"]
    rows = [MOODLE_COLUMNS + [title, "Feedback"]]
    for r in data["submissions"]:
        p = roster.get(r["student"], {})
        rows.append([p.get("username") or r["student"], p.get("id_number", ""), p.get("email", ""),
                     num(r["totals"]["total"]), _summary(r)])
    return _csv(rows)


def _one(data: Mapping[str, Any], student: str | None) -> Mapping[str, Any]:
    subs = data["submissions"]
    if student is not None:
        found = [r for r in subs if r["student"] == student]
        if not found:
            raise ExportError(f"no submission of {student!r} in this run (students: "
                              f"{', '.join(r['student'] for r in subs)})")
        return found[0]
    if len(subs) != 1:
        raise ExportError(f"the run holds {len(subs)} submissions: name one with --student "
                          "(Gradescope and GitHub Classroom grade one submission at a time)")
    return subs[0]


def _is_hidden(block: Mapping[str, Any]) -> bool:
    return bool(block["checks"]) and all(c.get("hidden") for c in block["checks"].values())


def gradescope_results(data: Mapping[str, Any], *, student: str | None = None) -> dict[str, Any]:
    """Gradescope's autograder results: the total, and one test per block and hand-graded answer."""
    r = _one(data, student)
    tests = []
    for i, (block_id, b) in enumerate(r["blocks"].items(), start=1):
        tests.append({"name": block_id + (" (hidden test)" if _is_hidden(b) else ""), "number": str(i),
                      "score": float(b["earned"]), "max_score": float(b["points"]),
                      "status": "passed" if b["ok"] else "failed",
                      "output": "\n".join(block_lines(b)), "visibility": "visible"})
    for gid, m in r.get("manual", {}).items():
        if m.get("status") == "graded":
            tests.append({"name": f"{gid} (graded by hand)", "number": str(len(tests) + 1),
                          "score": float(m["score"]), "max_score": float(m["points"]),
                          "status": "passed" if float(m["score"]) == float(m["points"]) else "failed",
                          "output": m.get("comment", ""), "visibility": "visible"})
    return {"score": float(r["totals"]["total"]), "output": f"{data['lab']}: {_summary(r)}",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def github_classroom_results(data: Mapping[str, Any], *, student: str | None = None) -> dict[str, Any]:
    """The result the GitHub Classroom grading reporter reads (base64-encoded by the workflow)."""
    r = _one(data, student)
    broken = r["status"] != "graded"
    tests = [{"name": block_id, "status": "pass" if b["ok"] else ("error" if broken else "fail"),
              "score": float(b["earned"]), "message": "\n".join(block_lines(b)), "line_no": None,
              "execution_time": None}
             for block_id, b in r["blocks"].items()]
    for gid, m in r.get("manual", {}).items():
        if m.get("status") == "graded":
            tests.append({"name": f"{gid} (graded by hand)", "score": float(m["score"]),
                          "status": "pass" if float(m["score"]) == float(m["points"]) else "fail",
                          "message": m.get("comment", ""), "line_no": None, "execution_time": None})
    graded_max = r["totals"]["max_score"] + sum(float(m["points"]) for m in r.get("manual", {}).values()
                                                if m.get("status") == "graded")
    status = "error" if broken else ("pass" if all(t["status"] == "pass" for t in tests) else "fail")
    return {"version": 1, "status": status, "max_score": graded_max, "tests": tests}


def export(fmt: str, folder: Path, *, student: str | None = None, roster: Path | None = None,
           title: str | None = None, warn=print, lost: list[str] | None = None) -> str:
    """The file contents of ``fmt`` (one of ``FORMATS``) for the run in ``folder``.

    ``lost``, when given, receives one line per way the export loses a student
    (``roster_gaps``), so a caller can fail on it (the CLI's exit status 3).
    """
    data = load_run(folder)
    if fmt in LMS_IDS:
        table = load_roster(roster)
        if lost is not None:
            lost += roster_gaps(data, table)
        where = dict(roster=table, warn=warn, roster_name=str(roster))
        if fmt == "canvas":
            return canvas_csv(data, assignment=title, **where)
        return moodle_csv(data, item=title, **where)
    if fmt == "gradescope":
        return json.dumps(gradescope_results(data, student=student), indent=1, ensure_ascii=False) + "\n"
    if fmt == "github":
        return json.dumps(github_classroom_results(data, student=student), indent=1, ensure_ascii=False) + "\n"
    raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
