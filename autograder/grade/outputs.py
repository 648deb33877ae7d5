"""Write a grading run's outputs, each atomically (``autograder.atomic.write_atomic``).

Every file states the grading conditions (profile and data) the grades were computed under.

DIR/gradebook.csv      one row per submission: student, lab, profile, data, score, max_score, status, detail,
                       then one column per block (points earned) and per manual cell ("pending")
DIR/results.json       every block and check with its outcome and message, flags, timings
DIR/feedback/<s>.html  what the student sees: ✓/✘ and the message per check, never a key value
DIR/junit.xml          one test suite per submission, one test case per block
DIR/.grade-cache/      results by (content hash, key hash): a re-run skips unchanged submissions
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import json
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

from autograder.atomic import replace_all, write_atomic
from autograder.conditions import Conditions

CACHE = ".grade-cache"  # a folder: one JSON file per (content hash, key hash)
CACHE_FORMAT = "seqlabs-grade-cache/1"
HEAD = ["student", "lab", "profile", "data", "score", "max_score", "status", "detail"]


def _num(x: float) -> str:
    return f"{x:g}"


def _conditions(conditions: Conditions) -> dict[str, str]:
    """The grading conditions as every output states them."""
    return {"profile": conditions.profile, "data": conditions.data}


def gradebook_csv(lab: str, key: dict[str, Any], results: list[dict[str, Any]],
                  conditions: Conditions = Conditions()) -> str:
    blocks, manual = list(key["blocks"]), list(key.get("manual", {}))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEAD + blocks + [f"{gid} (manual)" for gid in manual])
    for r in results:
        row = [r["student"], lab, conditions.profile, conditions.data, _num(r["score"]), _num(r["max_score"]),
               r["status"], r["detail"]]
        row += [_num(r["blocks"][b]["earned"]) if b in r["blocks"] else "" for b in blocks]
        row += ["pending" for _ in manual]
        writer.writerow(row)
    return out.getvalue()


def results_json(lab: str, key_hash: str, conditions: Conditions, results: list[dict[str, Any]]) -> str:
    public = [{k: v for k, v in r.items() if k != "grader_failed"} for r in results]
    return json.dumps({"format": "seqlabs-results/2", "lab": lab, "conditions": _conditions(conditions),
                       "key_hash": key_hash, "submissions": public}, indent=1, sort_keys=False) + "\n"


def _check_line(cid: str, check: dict[str, Any]) -> str:
    mark = "✓" if check["ok"] else "✘"
    if check.get("hidden"):  # a hidden test's message could describe the test itself
        text = "hidden test " + ("passed" if check["ok"] else "failed")
    else:
        text = check["message"]
    css = "ok" if check["ok"] else "bad"
    return f'<li class="{css}">{mark} <code>{html.escape(cid)}</code> — {html.escape(text)}</li>'


def feedback_html(lab: str, r: dict[str, Any], conditions: Conditions = Conditions()) -> str:
    """The student's page: their score, each block and check with ✓/✘ and its message."""
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(lab)} — {html.escape(r['student'])}</title>",
        "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto}"
        ".ok{color:#176617}.bad{color:#a31515}li{margin:.2em 0}</style></head><body>",
        f"<h1>{html.escape(lab)}: {_num(r['score'])} / {_num(r['max_score'])}</h1>",
        f"<p>Student: <b>{html.escape(r['student'])}</b>. Status: <b>{html.escape(r['status'])}</b>.</p>",
        f'<p class="conditions">Graded under: {html.escape(conditions.describe())}.</p>',
    ]
    if r["status"] != "graded" and r["detail"]:
        parts.append(f"<p class=\"bad\">{html.escape(r['detail'].split('; review:')[0])}</p>")
    for block_id, b in r["blocks"].items():
        mark, css = ("✓", "ok") if b["ok"] else ("✘", "bad")
        parts.append(f'<h2 class="{css}">{mark} {html.escape(block_id)} '
                     f"({_num(b['earned'])} / {_num(b['points'])} marks)</h2>")
        if b.get("error"):
            parts.append(f'<p class="bad">{html.escape(str(b["error"]))}</p>')
        parts.append("<ul>" + "".join(_check_line(c, ch) for c, ch in b["checks"].items()) + "</ul>")
    if r["manual"]:
        parts.append("<h2>Graded by hand (pending)</h2><ul>")
        parts += [f"<li>{html.escape(g)}: {_num(m['points'])} marks</li>" for g, m in r["manual"].items()]
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


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
        for gid in r["manual"]:
            cases.append(f"    <testcase name={quoteattr(gid)} classname={quoteattr(suite)}>"
                         "<skipped message=\"graded by hand\"/></testcase>")
        failures = sum(1 for b in r["blocks"].values() if not b["ok"] and r["status"] == "graded")
        errors = sum(1 for b in r["blocks"].values() if not b["ok"] and r["status"] != "graded")
        suites.append(
            f"  <testsuite name={quoteattr(suite)} tests=\"{len(cases)}\" "
            f"failures=\"{failures}\" errors=\"{errors}\" skipped=\"{len(r['manual'])}\">\n"
            + "\n".join([properties, *cases]) + "\n  </testsuite>")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n' + "\n".join(suites) + "\n</testsuites>\n"


def write_all(out: Path, *, lab: str, key: dict[str, Any], key_hash: str, conditions: Conditions,
              results: Iterable[dict[str, Any]]) -> None:
    """Every output of the run, replaced all at once (a failure while writing overwrites none of them)."""
    results = sorted(results, key=lambda r: r["student"])
    files = [(out / "feedback" / f"{r['student']}.html", feedback_html(lab, r, conditions)) for r in results]
    files += [(out / "results.json", results_json(lab, key_hash, conditions, results)),
              (out / "junit.xml", junit_xml(lab, results, conditions)),
              (out / "gradebook.csv", gradebook_csv(lab, key, results, conditions))]
    replace_all(files)


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
