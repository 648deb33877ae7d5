"""The student's feedback page: their own notebook, rendered, with the grade at each test cell.

``feedback_page(lab, result, notebook, released=...)`` returns one HTML page:

* the totals at the top (autograded marks, marks graded by hand, marks still
  pending, the total);
* every cell of the student's notebook as they handed it in: markdown
  rendered, code with its outputs (text, errors, plots as images);
* after each test cell, the grader's verdict on each of its blocks: ✓/✘,
  marks, and each check's message (a hidden test only says "hidden test
  passed/failed");
* after each hand-graded answer, its score and the grader's comment (or
  "pending");
* blocks whose test cell is missing from the notebook, at the end.

A test cell is shown as it was released (``released``), not as the student's
copy (which the grader ignores): the page never shows hidden tests. No
expected value is on the page: the verdicts hold messages only, and the
notebook holds what the student's own kernel printed. The student's HTML
outputs and markdown are escaped (the page is also opened by graders).
"""
from __future__ import annotations

import base64
import html
import re
from typing import Any, Iterable, Mapping

from autograder.core.lab import grade_id_of
from autograder.core.messages import _, current_language

CSS = (
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
    ".ok{color:#176617}.bad{color:#a31515}.pending{color:#7a5b00}"
    "pre{background:#f6f8fa;padding:.6em;overflow-x:auto;margin:.3em 0;white-space:pre-wrap}"
    ".cell{margin:1em 0}.prompt{color:#888;font-size:.8em}.out pre{background:#fff;border-left:3px solid #ddd}"
    ".stderr{background:#fff0f0!important}.verdict{border:2px solid #888;border-radius:6px;padding:.4em 1em;"
    "margin:.5em 0;background:#fbfbfb}.verdict.ok{border-color:#176617}.verdict.bad{border-color:#a31515}"
    ".verdict.pending{border-color:#c9a000}.totals{font-size:1.1em;border-bottom:1px solid #ccc}"
    "li{margin:.15em 0}img{max-width:100%}"
)
# The gradebook's status words, as the page says them (each a msgid of the catalogue).
STATUS_WORDS = {"graded": "graded", "held": "held for review", "timeout": "timeout", "error": "error"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
IMAGES = ("image/png", "image/jpeg", "image/svg+xml")


def num(x: float) -> str:
    return f"{float(x):g}"


def check_text(check: Mapping[str, Any]) -> str:
    """What a student may read of one check: its message, or only pass/fail for a hidden test."""
    if check.get("hidden"):  # a hidden test's message could describe the test itself
        return _("hidden test passed") if check["ok"] else _("hidden test failed")
    return str(check.get("message", ""))


def block_lines(block: Mapping[str, Any]) -> list[str]:
    """A block's verdict as plain lines: the ``uses`` note and the error (if any), then ``✓/✘ <check> — <text>``
    per check."""
    lines = [str(block["note"])] if block.get("note") else []  # "uses your X, which failed above: fix it first"
    lines += [str(block["error"])] if block.get("error") else []
    lines += [f"{'✓' if c['ok'] else '✘'} {cid} — {check_text(c)}" for cid, c in block["checks"].items()]
    return lines


def totals(result: Mapping[str, Any]) -> dict[str, float]:
    """Autograded score and maximum, hand-graded score and maximum, pending marks, total and total maximum."""
    manual = result.get("manual", {})
    hand = sum(float(m["score"]) for m in manual.values() if m.get("status") == "graded")
    hand_max = sum(float(m["points"]) for m in manual.values())
    pending = sum(float(m["points"]) for m in manual.values() if m.get("status") != "graded")
    return {"score": float(result["score"]), "max_score": float(result["max_score"]), "hand": hand,
            "hand_max": hand_max, "pending": pending, "total": float(result["score"]) + hand,
            "total_max": float(result["max_score"]) + hand_max}


def _esc(text: Any) -> str:
    return html.escape(str(text))


def markdown_html(source: str) -> str:
    """``source`` (markdown) as HTML, raw HTML escaped; the text as written where it cannot be rendered."""
    try:
        import mistune

        return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(source)
    except Exception:  # mistune missing or a markdown it cannot parse: show the text as written
        return f"<pre>{_esc(source)}</pre>"


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output(out: Mapping[str, Any]) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        css = " stderr" if out.get("name") == "stderr" else ""
        return f'<pre class="stream{css}">{_esc(ANSI.sub("", _text(out.get("text", ""))))}</pre>'
    if kind == "error":
        trace = ANSI.sub("", "\n".join(out.get("traceback", []))) or f"{out.get('ename', '')}: {out.get('evalue', '')}"
        return f'<pre class="stderr">{_esc(trace)}</pre>'
    data = out.get("data", {}) if kind in ("execute_result", "display_data") else {}
    for mime in IMAGES:
        if mime in data:
            raw = _text(data[mime])
            payload = base64.b64encode(raw.encode()).decode() if mime == "image/svg+xml" else raw.replace("\n", "")
            return f'<img alt="plot" src="data:{mime};base64,{payload}">'
    if "text/plain" in data:
        return f"<pre>{_esc(ANSI.sub('', _text(data['text/plain'])))}</pre>"
    return ""


def _code(source: str, outputs: Iterable[Mapping[str, Any]], count: Any) -> str:
    prompt = f"In [{count}]:" if count else "In [ ]:"
    outs = "".join(_output(o) for o in outputs)
    return (f'<div class="prompt">{prompt}</div><pre class="code">{_esc(source)}</pre>'
            + (f'<div class="out">{outs}</div>' if outs else ""))


def _verdict(block_ids: list[str], blocks: Mapping[str, Any]) -> str:
    parts = []
    all_ok = all(blocks[b]["ok"] for b in block_ids)
    for b in block_ids:
        block = blocks[b]
        mark, css = ("✓", "ok") if block["ok"] else ("✘", "bad")
        items = "".join(f'<li class="{"ok" if c["ok"] else "bad"}">{"✓" if c["ok"] else "✘"} '
                        f"<code>{_esc(cid)}</code> — {_esc(check_text(c))}</li>"
                        for cid, c in block["checks"].items())
        error = "".join(f'<p class="bad">{_esc(block[k])}</p>' for k in ("note", "error") if block.get(k))
        marks = _("[{earned}/{points} marks{later}]").format(earned=num(block["earned"]), points=num(block["points"]),
                                                          later="")
        parts.append(f'<p class="{css}"><b>{mark} {_esc(b)}</b> {_esc(marks)}</p>{error}<ul>{items}</ul>')
    return f'<div class="verdict {"ok" if all_ok else "bad"}"><b>{_("Grade")}</b>{"".join(parts)}</div>'


def _manual_box(gid: str, m: Mapping[str, Any]) -> str:
    if m.get("status") == "graded":
        comment = f"<p>{_esc(m['comment'])}</p>" if m.get("comment") else ""
        css = "ok" if float(m["score"]) == float(m["points"]) else "bad"
        title = _("Graded by hand: {question} [{score}/{points} marks]").format(
            question=gid, score=num(m["score"]), points=num(m["points"]))
        return f'<div class="verdict {css}"><b>{_esc(title)}</b>{comment}</div>'
    title = _("{question}: graded by hand, pending").format(question=gid)
    worth = _("[{points} marks]").format(points=num(m["points"]))
    return f'<div class="verdict pending"><b>{_esc(title)}</b> {_esc(worth)}</div>'


def feedback_page(lab: str, result: Mapping[str, Any], notebook: Any | None = None, *,
                  released: Any | None = None, key: Mapping[str, Any] | None = None,
                  graded_under: str | None = None) -> str:
    """One student's page; ``notebook`` (nbformat v4) is what they handed in (None: unreadable).

    ``graded_under``: the grading conditions in words ("fast profile, embedded data").
    """
    t = totals(result)
    blocks = result["blocks"]
    by_cell: dict[str, list[str]] = {}
    for b in blocks:
        cell = (key or {}).get("blocks", {}).get(b, {}).get("cell") or result.get("block_cells", {}).get(b)
        by_cell.setdefault(cell or "", []).append(b)
    pending = (_(", {pending} marks still to be graded by hand").format(pending=num(t["pending"]))
               if t["pending"] else "")
    status = STATUS_WORDS.get(result["status"], result["status"])
    head = [
        "<!doctype html>", f'<html lang="{_esc(current_language())}"><head><meta charset="utf-8">',
        f"<title>{_esc(lab)} — {_esc(result['student'])}</title><style>{CSS}</style></head><body>",
        f'<div class="totals"><h1>{_esc(lab)}: {num(t["total"])} / {num(t["total_max"])}</h1>',
        "<p>" + _("Student: <b>{student}</b>. Status: <b>{status}</b>. Autograded: <b>{score} / {max_score}</b>; "
                  "graded by hand: <b>{hand} / {hand_max}</b>{pending}.").format(
            student=_esc(result["student"]), status=_esc(_(status)), score=num(t["score"]),
            max_score=num(t["max_score"]), hand=num(t["hand"]), hand_max=num(t["hand_max"]), pending=pending)
        + "</p>",
    ]
    if graded_under:
        head.append(f'<p class="conditions">{_esc(_("Graded under: {conditions}.").format(conditions=graded_under))}'
                    "</p>")
    if result["status"] != "graded" and result.get("detail"):
        head.append(f'<p class="bad">{_esc(str(result["detail"]).split("; review:")[0])}</p>')
    head.append("</div>")
    body: list[str] = []
    shown: set[str] = set()
    released_cells = {(grade_id_of(c)): c for c in (released.cells if released is not None else []) if grade_id_of(c)}
    manual = result.get("manual", {})
    for cell in (notebook.cells if notebook is not None else []):
        gid = grade_id_of(cell)
        if cell.get("cell_type") == "markdown":
            body.append(f'<div class="cell md">{markdown_html(_text(cell.get("source", "")))}</div>')
        elif cell.get("cell_type") == "code":
            source = _text(released_cells[gid].source) if gid in by_cell and gid in released_cells \
                else _text(cell.get("source", ""))
            body.append(f'<div class="cell">{_code(source, cell.get("outputs", []), cell.get("execution_count"))}</div>')
        if gid and gid in by_cell and gid not in shown:
            body.append(_verdict(by_cell[gid], blocks))
            shown.add(gid)
        if gid and gid in manual and gid not in shown:
            body.append(_manual_box(gid, manual[gid]))
            shown.add(gid)
    rest = [b for cell, ids in by_cell.items() if cell not in shown for b in ids]
    if rest:
        title = (_("Test cells not found in your notebook (the grader put them back)") if notebook is not None
                 else _("Grades"))
        body.append(f"<h2>{_esc(title)}</h2>" + _verdict(rest, blocks))
    left = [g for g in manual if g not in shown]
    if left:
        body.append(f"<h2>{_esc(_('Graded by hand'))}</h2>" + "".join(_manual_box(g, manual[g]) for g in left))
    return "\n".join(head + body + ["</body></html>\n"])
