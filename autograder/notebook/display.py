"""✓/✘ rendering of blocks and of the summary: HTML in Jupyter, plain text elsewhere.

Each renderer returns a string; ``show`` publishes an HTML + text/plain bundle
when IPython is running (the front end picks what it can show) and prints the
text otherwise.
"""
from __future__ import annotations

import html
import os
import traceback
from typing import Any

from autograder.notebook.tally import BlockResult
from autograder.core.messages import _

PASS, FAIL, PENDING = "✓", "✘", "•"
TRACEBACK_FRAMES = 3  # frames of student code worth showing; more is a wall of text
UNVERIFIED = "({mode} mode: the checks were not verified here; the grader's judgement is the mark)"
HIDDEN_PART = "part of this block is graded later by hidden checks"
HIDDEN_SUMMARY = ("{hidden} of these {points} marks also depend on hidden checks that only the grader runs: "
                  "graded later")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autograder/


def fmt_points(x: float) -> str:
    """``2.0`` -> ``"2"``, ``0.5`` -> ``"0.5"``: marks read as people write them."""
    return f"{x:g}"


def traceback_summary(exc: BaseException, *, frames: int = TRACEBACK_FRAMES) -> list[str]:
    """Where ``exc`` happened, one short line per frame: the student's own lines first.

    Frames inside ``autograder`` are dropped (a failed check explains itself).
    When some frames are the notebook's cells, the last ``frames`` of those are
    shown (the student's lines, not a library's internals), followed by the
    frame that raised if it lies in a library ("torch/nn/modules/rnn.py, ...");
    elsewhere (plain Python) the last ``frames`` frames.
    """
    stack = [f for f in traceback.extract_tb(exc.__traceback__)
             if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR + os.sep)]
    cells = [f for f in stack if _is_cell(f.filename)]
    if not cells:
        return [_frame_line(f) for f in stack[-frames:]]
    lines = [_frame_line(f) for f in cells[-frames:]]
    if stack[-1] is not cells[-1]:
        lines.append(_frame_line(stack[-1]))  # where a library raised, called from the last cell line
    return lines


def _is_cell(filename: str) -> bool:
    """True for the code of a notebook cell (ipykernel names it /tmp/ipykernel_<pid>/<hash>.py)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def _frame_line(f: traceback.FrameSummary) -> str:
    """``cell, line 4, in forward -> return self.fc(h)``; an installed file by its path in the installation
    (``torch/nn/modules/rnn.py``), any other by its name."""
    path = f.filename.replace(os.sep, "/")
    where = (_("cell") if _is_cell(f.filename) else path.split("site-packages/", 1)[1] if "site-packages/" in path
             else os.path.basename(path))
    code = f" -> {f.line.strip()}" if f.line else ""
    return _("{where}, line {line}, in {function}").format(where=where, line=f.lineno, function=f.name) + code


def raised_by_autograder(exc: BaseException) -> bool:
    """True when ``exc`` was raised inside this package (a failed check), not by student code."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and os.path.abspath(frames[-1].filename).startswith(_PACKAGE_DIR + os.sep)


def _mark_and_marks(result: BlockResult) -> tuple[str, str]:
    """(✓/✘/•, "[earned/points marks]"); • when a record/grade run passed unverified."""
    if result.mode != "student" and result.passed:
        template = (_("[recorded, worth {points} {unit}: the grader judges]") if result.mode == "record"
                    else _("[reported, worth {points} {unit}: the grader judges]"))
        unit = _("mark") if result.points == 1 else _("marks")
        return PENDING, template.format(points=fmt_points(result.points), unit=unit)
    later = f"; {_(HIDDEN_PART)}" if getattr(result, "hidden", False) else ""
    return (PASS if result.passed else FAIL), _("[{earned}/{points} marks{later}]").format(
        earned=fmt_points(result.earned), points=fmt_points(result.points), later=later)


def block_text(result: BlockResult, *, trace: list[str] = ()) -> str:
    """``✓ q1_mean [2/2 marks]`` or ``✘ q1_mean [0/2 marks]`` with the error and the traceback summary."""
    mark, marks = _mark_and_marks(result)
    head = f"{mark} {result.block} {marks}"
    if result.passed:
        return head
    lines = [head, f"    {result.error}"]
    lines += ["      " + _("at {place}").format(place=t) for t in trace]
    return "\n".join(lines)


def block_html(result: BlockResult, *, trace: list[str] = ()) -> str:
    """The HTML form of ``block_text`` (messages escaped)."""
    colour = "#1a7f37" if result.passed else "#cf222e"
    mark, marks = _mark_and_marks(result)
    parts = [f'<div class="seqlabs-autograder-block" style="font-family:monospace">'
             f'<span style="color:{colour};font-weight:bold">{mark}</span> '
             f"<b>{html.escape(result.block)}</b> {marks}"]
    if not result.passed:
        parts.append(f'<div style="color:{colour};margin-left:1.5em;white-space:pre-wrap">'
                     f"{html.escape(result.error or '')}</div>")
        if trace:
            parts.append('<div style="color:#57606a;margin-left:3em;white-space:pre-wrap">'
                         + "<br>".join(html.escape(_("at {place}").format(place=t)) for t in trace) + "</div>")
    parts.append("</div>")
    return "".join(parts)


def hidden_summary(tally: dict[str, Any]) -> str:
    """"2 of these 34 marks also depend on hidden checks ...": what the notebook's total cannot promise."""
    return _(HIDDEN_SUMMARY).format(hidden=fmt_points(tally["hidden_points"]), points=fmt_points(tally["points"]))


def hand_graded_line(tally: dict[str, Any]) -> str:
    """"Not in this total: 8 marks for the written answers, graded by hand." (empty when there are none)."""
    points = tally.get("hand_graded") or 0
    if not points:
        return ""
    return _("Not in this total: {points} marks for the written answers, graded by hand.").format(
        points=fmt_points(points))


def summary_text(tally: dict[str, Any]) -> str:
    """The per-part table and total of ``Tally.as_dict()`` as plain text."""
    rows = [(name, f"{fmt_points(s['earned'])}/{fmt_points(s['points'])}") for name, s in tally["sections"].items()]
    total = f"{fmt_points(tally['earned'])}/{fmt_points(tally['points'])}"
    part, marks, total_word = _("part"), _("marks"), _("total")
    width = max([len(part), len(total_word)] + [len(n) for n, _m in rows])
    lines = [_("{lab}: {total} marks").format(lab=tally.get("title") or tally["lab"] or _("lab"), total=total),
             f"{part:<{width}}  {marks}"]
    lines += [f"{n:<{width}}  {m}" for n, m in rows]
    lines.append(f"{total_word:<{width}}  {total}")
    if tally.get("hidden_points"):
        lines.append(hidden_summary(tally))
    if hand_graded_line(tally):
        lines.append(hand_graded_line(tally))
    if tally.get("mode", "student") != "student":
        lines.append(_(UNVERIFIED).format(mode=tally["mode"]))
    return "\n".join(lines)


def summary_html(tally: dict[str, Any]) -> str:
    """The HTML table of ``summary_text``."""
    total = f"{fmt_points(tally['earned'])}/{fmt_points(tally['points'])}"
    cells = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{fmt_points(s['earned'])}/{fmt_points(s['points'])}</td></tr>"
        for n, s in tally["sections"].items())
    heading = _("{lab}: {total} marks").format(lab=tally.get("title") or tally["lab"] or _("lab"), total=total)
    return (f'<div class="seqlabs-autograder-summary"><b>{html.escape(heading)}'
            f"</b><table><tr><th>{_('part')}</th><th>{_('marks')}</th></tr>{cells}"
            f"<tr><td><b>{_('total')}</b></td><td><b>{total}</b></td></tr></table>"
            + (f"<p>{html.escape(hidden_summary(tally))}</p>" if tally.get("hidden_points") else "")
            + (f"<p>{html.escape(hand_graded_line(tally))}</p>" if hand_graded_line(tally) else "")
            + (f"<p>{_(UNVERIFIED).format(mode=tally['mode'])}</p>" if tally.get("mode", "student") != "student" else "")
            + "</div>")


def outline_text(outline: Any) -> str:
    """What the setup cell shows: the lab, its parts, and how marks work (titles in the notebook's language)."""
    lines = [outline.shown_title,
             _("Graded parts: {parts}.").format(parts="; ".join(p.shown_label for p in outline.parts if p.blocks))]
    lines.append(_("How marks work: each test cell shows ✓ or ✘ and the marks of each of its blocks; running a cell "
                   "again replaces its marks. The summary at the end adds them up by part."))
    if outline.hand_graded:
        lines.append(_("{points} more marks are for the written answers, graded by hand.").format(
            points=fmt_points(outline.hand_graded)))
    return "\n".join(lines)


def outline_html(outline: Any) -> str:
    """The HTML form of ``outline_text``."""
    head, *rest = outline_text(outline).split("\n")
    return (f'<div class="seqlabs-autograder-outline"><b>{html.escape(head)}</b>'
            + "".join(f"<br>{html.escape(line)}" for line in rest) + "</div>")


def show(text: str, html_text: str) -> None:
    """Display ``html_text`` with ``text`` as fallback under IPython; print ``text`` elsewhere."""
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = lambda: None  # noqa: E731 -- same behaviour as plain Python
    if get_ipython() is not None:
        from IPython.display import display

        display({"text/plain": text, "text/html": html_text}, raw=True)
    else:
        print(text)
