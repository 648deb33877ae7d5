"""Write a grading run's outputs, each atomically (``autograder.core.atomic.write_atomic``).

Every file states the grading conditions (profile and data) the grades were computed under.

DIR/gradebook.csv      one row per submission: student, lab, profile, data, score, max_score, status, detail,
                       then one column per block (points earned) and per manual cell (its score or
                       "pending"), then pending_marks, total and total_max (hand-graded marks included)
DIR/results.json       every block and check with its outcome and message, flags, timings
DIR/feedback/<s>.html  the student's own notebook rendered with ✓/✘, marks and messages at each test
                       cell and the hand-graded scores (``feedback``), never a key value
DIR/hand_grades.json   grades given by hand (``handgrade``): applied to every output above
DIR/junit.xml          one test suite per submission, one test case per block
DIR/.grade-cache/      results by (content hash, key hash): a re-run skips unchanged submissions
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

from autograder.core.atomic import replace_all, write_atomic
from autograder.core.conditions import Conditions
from autograder.notebook.display import fmt_points
from autograder.report import feedback, hand_grades
from autograder.core.messages import use_language

CACHE = ".grade-cache"  # a folder: one JSON file per (content hash, key hash)
CACHE_FORMAT = "seqlabs-grade-cache/1"
HEAD = ["student", "lab", "profile", "data", "score", "max_score", "status", "detail"]
TAIL = ["pending_marks", "total", "total_max"]  # marks still to grade by hand; autograded + hand-graded


def _conditions(conditions: Conditions) -> dict[str, str]:
    """The grading conditions as every output states them."""
    return {"profile": conditions.profile, "data": conditions.data}


def gradebook_csv(lab: str, key: dict[str, Any], results: list[dict[str, Any]],
                  conditions: Conditions = Conditions()) -> str:
    blocks, manual = list(key["blocks"]), list(key.get("manual", {}))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEAD + blocks + [f"{gid} (manual)" for gid in manual] + TAIL)
    for r in results:
        row = [r["student"], lab, conditions.profile, conditions.data, fmt_points(r["score"]), fmt_points(r["max_score"]),
               r["status"], r["detail"]]
        row += [fmt_points(r["blocks"][b]["earned"]) if b in r["blocks"] else "" for b in blocks]
        row += [_manual_cell(r.get("manual", {}).get(gid)) for gid in manual]
        t = feedback.totals(r)
        row += [fmt_points(t["pending"]), fmt_points(t["total"]), fmt_points(t["total_max"])]
        writer.writerow(row)
    return out.getvalue()


def _manual_cell(m: dict[str, Any] | None) -> str:
    return fmt_points(m["score"]) if m and m.get("status") == "graded" else "pending"


def results_json(lab: str, key_hash: str, conditions: Conditions, results: list[dict[str, Any]]) -> str:
    public = [{**{k: v for k, v in r.items() if k not in ("grader_failed", "totals")}, "totals": feedback.totals(r)}
              for r in results]
    return json.dumps({"format": "seqlabs-results/2", "lab": lab, "conditions": _conditions(conditions),
                       "key_hash": key_hash, "submissions": public}, indent=1, sort_keys=False) + "\n"


def feedback_html(lab: str, r: dict[str, Any], conditions: Conditions = Conditions()) -> str:
    """The student's page without their notebook (``feedback.feedback_page``): totals and every verdict."""
    with use_language(r.get("language")):
        return feedback.feedback_page(lab, r, None, graded_under=conditions.describe())


def _page(lab: str, r: dict[str, Any], notebook: Any, released: Any, key: Any, conditions: Conditions) -> str:
    """One student's feedback page, in their notebook's language (``Result.language``)."""
    with use_language(r.get("language")):
        return feedback.feedback_page(lab, r, notebook, released=released, key=key,
                                      graded_under=conditions.describe())


def junit_xml(lab: str, results: list[dict[str, Any]], conditions: Conditions = Conditions()) -> str:
    suites = []
    properties = ("    <properties>\n" + "".join(
        f"      <property name={quoteattr(k)} value={quoteattr(v)}/>\n" for k, v in _conditions(conditions).items())
        + "    </properties>")
    for r in results:
        cases, suite = [], f"{lab}.{r['student']}"
        for block_id, b in r["blocks"].items():
            name = f"name={quoteattr(block_id)} classname={quoteattr(suite)}"
            if b["ok"]:
                cases.append(f"    <testcase {name}/>")
                continue
            tag = "failure" if r["status"] == "graded" else "error"
            msg = "; ".join(m for m in b.get("messages", []) if m) or "failed"
            cases.append(f"    <testcase {name}>\n      <{tag} message={quoteattr(msg[:500])}>"
                         f"{escape(msg)}</{tag}>\n    </testcase>")
        for gid, m in r["manual"].items():
            if m.get("status") == "graded":
                cases.append(f"    <testcase name={quoteattr(gid)} classname={quoteattr(suite)}/>")
            else:
                cases.append(f"    <testcase name={quoteattr(gid)} classname={quoteattr(suite)}>"
                             "<skipped message=\"graded by hand\"/></testcase>")
        failures = sum(1 for b in r["blocks"].values() if not b["ok"] and r["status"] == "graded")
        errors = sum(1 for b in r["blocks"].values() if not b["ok"] and r["status"] != "graded")
        suites.append(
            f"  <testsuite name={quoteattr(suite)} tests=\"{len(cases)}\" "
            f"failures=\"{failures}\" errors=\"{errors}\" "
            f"skipped=\"{sum(m.get('status') != 'graded' for m in r['manual'].values())}\">\n"
            + "\n".join([properties, *cases]) + "\n  </testsuite>")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n' + "\n".join(suites) + "\n</testsuites>\n"


def lab_files(root: Path, lab: str, conditions: Conditions) -> tuple[dict[str, Any], Any | None]:
    """(the key for ``conditions``, the released master) of ``lab`` under ``root``, to rewrite a run's outputs."""
    from autograder.core.lab import lab_paths, strip_hidden_tests

    paths = lab_paths(root, lab, conditions)
    key_path, source_path = paths["key"], paths["source"]
    if not key_path.is_file():
        raise FileNotFoundError(f"no answer key {key_path}: pass --root the repository that graded {lab}")
    released = None
    if source_path.is_file():
        import nbformat

        released = strip_hidden_tests(nbformat.read(source_path, as_version=4))
    return json.loads(key_path.read_text(encoding="utf-8")), released


def earlier_rows(out: Path, *, lab: str, key_hash: str, conditions: Conditions, students: Iterable[str],
                 replace: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    """``(rows, dropped)``: the rows of earlier runs in ``out`` to keep beside this run's ``students``, or, with
    ``replace``, none, and the students that drops.

    One folder holds one gradebook: a section graded after another joins it
    (a student graded again takes the new row). Rows judged for another lab,
    other conditions or another key cannot share a gradebook with this run's:
    ``ValueError`` names them and the fixes, before any kernel runs.
    """
    path = Path(out) / "results.json"
    if not path.is_file():
        return [], []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [r for r in data["submissions"] if r["student"] not in set(students)]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not a results file this grader can merge ({err}): move it away, or pass "
                         "--replace to start a new gradebook") from None
    names = sorted(r["student"] for r in rows)
    if replace or not rows:
        return [], names
    same = (data.get("lab") == lab and data.get("conditions") == _conditions(conditions)
            and data.get("key_hash") == key_hash)
    if not same:
        raise ValueError(f"{path} holds {len(rows)} student(s) graded earlier ({', '.join(names[:10])}"
                         f"{' ...' if len(names) > 10 else ''}) for {data.get('lab')!r} under "
                         f"{data.get('conditions')} with another key or master than this run's, and one "
                         "gradebook holds one lab graded one way: grade into another --out, regrade them with "
                         "this run, or pass --replace to drop them")
    return rows, []


def write_all(out: Path, *, lab: str, key: dict[str, Any], key_hash: str, conditions: Conditions,
              results: Iterable[dict[str, Any]], released: Any | None = None,
              earlier: Iterable[dict[str, Any]] = (), dropped: Iterable[str] = ()) -> None:
    """Every output of the run, replaced all at once (a failure while writing overwrites none of them).

    The grades in ``out/hand_grades.json`` are applied first. ``released``: the
    master without hidden tests, whose test cells the feedback pages show
    (default: the student's own copies of them). ``earlier``: rows of earlier
    runs into ``out`` (``earlier_rows``), kept in the gradebook, results and
    JUnit; their feedback pages stay as written. ``dropped``: students whose
    feedback pages go (``--replace``).
    """
    results = sorted(results, key=lambda r: r["student"])
    notebooks = {r["student"]: hand_grades.read_notebook(r["path"], graded=r.get("content_hash", ""))
                 for r in results}
    answers = {s: {g: hand_grades.answer_sha(hand_grades.answer_text(nb, g)) for g in key.get("manual", {})}
               for s, nb in notebooks.items() if nb is not None}
    grades = hand_grades.load_grades(out)
    results = hand_grades.apply_grades(results, grades, answers)
    files = [(out / "feedback" / f"{r['student']}.html", _page(lab, r, notebooks[r["student"]], released, key, conditions))
             for r in results]
    results = sorted(results + hand_grades.apply_grades(list(earlier), grades), key=lambda r: r["student"])
    files += [(out / "results.json", results_json(lab, key_hash, conditions, results)),
              (out / "junit.xml", junit_xml(lab, results, conditions)),
              (out / "gradebook.csv", gradebook_csv(lab, key, results, conditions))]
    replace_all(files)
    for student in dropped:
        (out / "feedback" / f"{student}.html").unlink(missing_ok=True)


def cache_key(content_hash: str, key_hash: str) -> str:
    return hashlib.sha256(f"{content_hash}:{key_hash}".encode()).hexdigest()


def load_cache(out: Path) -> dict[str, dict[str, Any]]:
    """Cached results by cache key; an unreadable entry is skipped (that submission is regraded)."""
    entries = {}
    for path in sorted((out / CACHE).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("format") == CACHE_FORMAT:
            entries[path.stem] = data["result"]
    return entries


def save_cached(out: Path, key: str, result: dict[str, Any]) -> None:
    """One file per result, written once: a run killed half way keeps what it finished."""
    write_atomic(out / CACHE / f"{key}.json", json.dumps({"format": CACHE_FORMAT, "result": result}))
