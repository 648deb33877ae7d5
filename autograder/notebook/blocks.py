"""``init`` and the ``marks`` block: the keyed, partial-credit tally students see.

    with autograder.marks("q1_mean", points=2):
        autograder.check("q1_mean.value", mean_value)

A block earns its points iff nothing inside it raises. Any ``Exception`` (a
failed check's ``AssertionError``, or the student's ``NotImplementedError``,
``NameError``, ...) gives it 0, is shown as ✘ with the message and a short
traceback summary, and is suppressed so the next block of the same cell still
runs. ``KeyboardInterrupt``/``SystemExit`` are tallied as 0 but never
suppressed: an interrupt must stop the cell.

Under nbgrader's own autograde/validate (``NBGRADER_EXECUTION`` set) the
cell's score must be nbgrader's too. nbgrader scores a grade cell 0 if it has
an error output, the float of its first ``execute_result`` if there is one
(partial credit), and full points otherwise. So when a cell has run blocks,
the cell ends by publishing the sum earned by its blocks as an
``execute_result``: nbgrader's per-cell points then equal our tally, partial
credit included, and the other blocks of the cell still run. (Re-raising
would give the whole cell 0 while our tally keeps the blocks that passed.)
"""
from __future__ import annotations

import sys
import traceback
from typing import Any, Mapping, Sequence

from autograder.notebook import display, tally
from autograder.notebook import parts as lab_parts
from autograder.core import events
from autograder.core.mode import current_mode, under_nbgrader
from autograder.core.messages import Catalogue, _


def init(lab: str, tokens: Mapping[str, str] | None = None) -> None:
    """Set the lab name and the token table (check id -> token). Idempotent.

    ``autograder build`` writes ``tokens`` into the release notebook's call.
    Running it again with the same lab keeps the marks earned so far (they are
    still true); a different lab starts a new tally.
    """
    if not isinstance(lab, str) or not lab:
        raise TypeError(f"init(lab): lab must be a non-empty string, got {lab!r}")
    if tokens is not None and not (isinstance(tokens, Mapping)
                                   and all(isinstance(k, str) and isinstance(v, str) for k, v in tokens.items())):
        raise TypeError("init(tokens=...): tokens must map check ids (str) to tokens (str)")
    tally.TALLY.set_lab(lab, tokens)


def outline(title: str, parts: Sequence[Mapping[str, Any]], hand_graded: float = 0,
            catalogue: Catalogue | None = None) -> None:
    """Declare the lab's title and parts (``seqlabs.settings.outlines.OUTLINES[lab]``) and show what a
    student needs to know about the marks.

    Called by the setup cell. The summary then adds marks up by part, and a
    missing name says which part defines it (``autograder.notebook.parts``).
    ``catalogue`` translates the titles into the notebook's language when they
    are shown (``seqlabs.messages.CATALOGUE``; the setup cell's code is the same
    in every language).
    """
    tally.TALLY.outline = lab_parts.parse(title, parts, hand_graded, catalogue)
    text = display.outline_text(tally.TALLY.outline)
    display.show(text, display.outline_html(tally.TALLY.outline))


class Missing(NameError):
    """A name a cell needs was never defined; the message says which part defines it."""


def require(*names: str) -> None:
    """Stop the block (or the cell) when a name it uses is not defined in the notebook.

    ``require("Encoder", "Decoder")`` at the top of a ``marks`` block or a
    locked cell: when one is missing, raise ``Missing`` with "this block uses
    your `Encoder` from part 2 (The encoder), which is not defined: run that
    part's cells first; ..." (the parts come from ``outline``). Looks in the
    caller's globals, the notebook's namespace.
    """
    if not names or not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"require(*names): one or more names as strings, got {names!r}")
    namespace = sys._getframe(1).f_globals
    missing = [n for n in names if n not in namespace]
    if missing:
        subject = _("this block") if tally.current_block() is not None else _("this cell")
        raise Missing(lab_parts.missing_message(missing, tally.TALLY.outline, subject=subject))


def uses_note(failed: list[str], tally_blocks: Mapping[str, Any]) -> str:
    """``"uses your rnn_forward, which failed above: fix it first"`` for the failed (or unrun) blocks."""
    failed_above = [b for b in failed if b in tally_blocks]
    not_run = [b for b in failed if b not in tally_blocks]
    parts = []
    if failed_above:
        parts.append((_("uses your {blocks}, which failed above: fix it first") if len(failed_above) == 1
                      else _("uses your {blocks}, which failed above: fix them first"))
                     .format(blocks=lab_parts.and_list(failed_above)))
    if not_run:
        parts.append((_("uses your {blocks}, which has not run yet: run its cell first") if len(not_run) == 1
                      else _("uses your {blocks}, which have not run yet: run their cells first"))
                     .format(blocks=lab_parts.and_list(not_run)))
    return "; ".join(parts)


class marks:
    """Context manager for one keyed block worth ``points``; see the module docstring.

    ``section`` groups blocks in ``summary()``; by default it is the block's
    part as the lab declares it (``autograder.outline``), else the block id up
    to its first ``_`` or ``.`` (``"q1_mean"`` -> ``"q1"``).

    ``uses``: ids of earlier blocks whose answers this block runs on (a trained
    model uses the forward and backward passes). When this block fails and one
    of them failed too, the feedback says ``"uses your X, which failed above:
    fix it first"`` (here and, from the block event, in the grader's feedback).

    A ``NameError`` raised by the block's own code names the part that
    defines the missing name (``autograder.require`` says so before the block
    starts using its inputs).

    ``hidden=True`` declares that the block also has hidden checks, which only
    the grader runs: its ✓ says so, and ``summary()`` counts its points as
    still to be graded (``tests/test_hidden_blocks_declared.py`` keeps the
    declarations true to the key).
    """

    def __init__(self, block_id: str, points: float, *, section: str | None = None,
                 uses: tuple[str, ...] | list[str] = (), hidden: bool = False) -> None:
        if not isinstance(block_id, str) or not block_id:
            raise TypeError(f"marks(block_id): must be a non-empty string, got {block_id!r}")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise ValueError(f"marks({block_id!r}, points=...): points must be a number >= 0, got {points!r}")
        if isinstance(uses, str) or not all(isinstance(u, str) and u for u in uses):
            raise TypeError(f"marks({block_id!r}, uses=...): a tuple of block ids, got {uses!r}")
        self.block_id = block_id
        self.points = float(points)
        self.section = section if section is not None else tally.TALLY.section_of(block_id)
        self.uses = list(uses)
        self.hidden = bool(hidden)

    def __enter__(self) -> "marks":
        outer = tally.current_block()
        if outer is not None:
            # A check would belong to two blocks; say so rather than guess.
            raise RuntimeError(f"marks({self.block_id!r}) opened inside marks({outer!r}): blocks do not nest")
        tally.open_block(self.block_id)
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        passed_checks = tally.close_block()
        error = None if exc is None else _describe(exc)
        mode = current_mode()
        if error is not None and mode == "student":
            note = uses_note(tally.TALLY.failed_uses(self.uses), tally.TALLY.blocks)
            error = f"{note}\n    ({error})" if note else error
        result = tally.BlockResult(block=self.block_id, section=self.section, points=self.points,
                                   earned=self.points if exc is None else 0.0, error=error,
                                   checks=passed_checks, mode=mode, hidden=self.hidden, uses=self.uses)
        tally.TALLY.record(result)
        if mode in ("record", "grade"):
            event = {"event": "block", "lab": tally.TALLY.lab, "block": self.block_id,
                     "section": self.section, "points": self.points, "error": error}
            if self.uses:
                event["uses"] = self.uses
            if self.hidden:
                event["hidden"] = True
            events.emit(event)
        # A failed check explains itself; other errors need to say where they happened.
        explained = exc is None or display.raised_by_autograder(exc) or (
            type(exc) is NameError and _raised_in_test_code(exc))  # "this block uses your X from part N ..."
        trace = [] if explained else display.traceback_summary(exc)
        display.show(display.block_text(result, trace=trace), display.block_html(result, trace=trace))
        if under_nbgrader() and not _score_cell_for_nbgrader(result.earned) and exc is not None:
            return False  # no IPython to publish the cell score: an error is nbgrader's only 0
        if exc is None:
            return False
        return isinstance(exc, Exception)  # suppress, so the rest of the cell runs; interrupts stop it


# Points earned by the blocks of the cell being run, for nbgrader; published
# and cleared by the post_run_cell hook.
_cell_earned: list[float] = []
_hooked_shells: set[int] = set()


def _score_cell_for_nbgrader(earned: float) -> bool:
    """Add a block's points to its cell's nbgrader score; False when not under IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if id(shell) not in _hooked_shells:
        shell.events.register("post_run_cell", _publish_cell_score)
        _hooked_shells.add(id(shell))
    _cell_earned.append(earned)
    return True


def _publish_cell_score(_result: Any = None) -> None:
    """post_run_cell hook: publish the cell's earned points as its ``execute_result``.

    Built from the display hook's parts rather than ``displayhook(value)``,
    which stays quiet when the cell ends with ``;``.
    """
    if not _cell_earned:
        return
    score = sum(_cell_earned)
    _cell_earned.clear()
    from IPython import get_ipython

    hook = get_ipython().displayhook
    hook.start_displayhook()
    hook.write_output_prompt()
    hook.write_format_data(*hook.compute_format_data(score))
    hook.finish_displayhook()


def _describe(exc: BaseException) -> str:
    """``"NameError: name 'x' is not defined"``; a failed check's message as it is.

    A ``NameError`` raised by the test cell itself (an input that was never
    defined) says which part defines the name and to run or fix it there.
    """
    message = str(exc)
    if isinstance(exc, (AssertionError, Missing)) and message and display.raised_by_autograder(exc):
        return message  # "q1_mean.value: expected shape (2, 3), got shape (3, 2) (transposed?)"
    if type(exc) is NameError and getattr(exc, "name", None) and _raised_in_test_code(exc):
        return lab_parts.missing_message([exc.name], tally.TALLY.outline)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def summary() -> dict[str, Any]:
    """Show the total and a per-section table; return the tally as a dict and emit it as an event.

    The dict (also the ``summary`` event's payload, plus ``"event"``) is
    ``{"lab", "mode", "earned", "points", "sections": {name: {"earned", "points"}},
    "blocks": {id: {"block", "section", "points", "earned", "error", "checks", "mode"}}}``.
    Only a ``student``-mode summary is a mark: in record/grade mode checks pass
    unverified and the grader's judgement is the mark.
    Emitted in every mode, so a test can read a student-mode tally from an
    executed notebook; the grader ignores it (it judges from reports).
    """
    result = Summary(tally.TALLY.as_dict(), mode=current_mode())
    outline = tally.TALLY.outline
    shown = outline.shown(result) if outline else result  # the titles in the notebook's language, on screen only
    display.show(display.summary_text(shown), display.summary_html(shown))
    events.emit({"event": "summary", **result})
    return result


def _raised_in_test_code(exc: BaseException) -> bool:
    """True when ``exc`` came from the block's own code (the test cell), not from a function it called."""
    frames = traceback.extract_tb(exc.__traceback__)
    return len(frames) == 1


class Summary(dict):
    """The dict ``summary()`` returns; IPython does not echo it as ``Out[n]``, the table is already shown."""

    def _ipython_display_(self) -> None:
        pass
