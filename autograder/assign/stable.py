"""Rebuilds that change nothing when nothing changed (docs/architecture.md, "Stable rebuilds").

Floating-point results differ in their last bits from one CPU, BLAS build or
thread count to the next, and trained results differ more. A build therefore
compares what it recorded with what is committed *under the key's own
tolerance*, and keeps the committed entry when that entry accepts the fresh
value, so the tokens, the release's checksums and the key stay byte for byte:

* ``close`` / ``equal``: the committed token accepts the fresh value
  (``autograder.notebook.judge.judge_check`` against the committed entry);
* ``below`` / ``above``: the fresh value passes the same bound. The
  recorded value is one machine's run of the reference, for instructors to
  read; only the bound judges. A trained result is not fixed by a correct
  computation (the same epochs on another CPU reach another BLEU), so how
  far it moved is no sign of a changed lab: a changed source,
  bound or tolerance changes another field, and a fresh value past the bound
  fails the build's own verification. A gradient check's relative error of
  7.7e-11 or 9.1e-11 under a bound of 1e-6 is the same result;
* ``agreement``: the same target, and the fresh prediction reaches the same
  agreement bound.

Every other field of the entry (kind, block, hidden, tolerance, bound, salt,
target) must be equal, so a changed source or tolerance rewrites the key.

A solution notebook is kept when its cells (type, id, source, metadata), the
notebook's metadata, the marks it shows (its ``summary()`` events) and the
autograder's own displays (the outline, each block's ✓ line, the summary
table: fixed by the marks and the notebook's language) are unchanged: its
printed numbers and plots are one machine's sample run. A changed message
or translation thus rewrites the solution, whose displays would otherwise
stay in the words of the build that first wrote it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping

import nbformat

VALUE_FIELDS = ("value",)  # what a rebuild may record differently; everything else must match


def keep_committed(fresh: dict[str, Any], committed: Mapping[str, Any] | None, *, profile: str,
                   kinds: tuple[str, ...] | None = None, data_dir: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """``fresh`` with each check entry replaced by the committed one wherever that one accepts it.

    Only entries of ``kinds`` are considered (default: every kind). Returns the
    key and the ids of the checks whose committed entry was kept.
    """
    if not committed or not isinstance(committed.get("checks"), Mapping):
        return fresh, []
    kept = []
    checks = dict(fresh["checks"])
    for cid, entry in fresh["checks"].items():
        old = committed["checks"].get(cid)
        if old is not None and (kinds is None or entry["kind"] in kinds) and accepts(old, entry, profile=profile, data_dir=data_dir):
            checks[cid] = old
            kept.append(cid)
    return {**fresh, "checks": checks}, kept


def accepts(old: Mapping[str, Any], new: Mapping[str, Any], *, profile: str, data_dir: Path | None = None) -> bool:
    """Whether the committed key entry ``old`` stands for the freshly recorded entry ``new``."""
    from autograder.core import values
    from autograder.notebook.judge import judge_check

    if {k: v for k, v in old.items() if k not in VALUE_FIELDS} != {k: v for k, v in new.items()
                                                                    if k not in VALUE_FIELDS}:
        return False
    try:
        fresh_value = values.decode(new["value"])
        ok, _ = judge_check(old, fresh_value, profile=profile, data_dir=data_dir)
    except Exception:  # a value of another type or shape: not the same reference
        return False
    return ok


def same_solution(old_text: str, new_text: str) -> bool:
    """Whether two solution notebooks have the same cells, metadata and marks (outputs aside)."""
    try:
        old, new = nbformat.reads(old_text, as_version=4), nbformat.reads(new_text, as_version=4)
    except Exception:
        return False
    return (old.metadata == new.metadata and _inputs(old) == _inputs(new) and _marks(old) == _marks(new)
            and _displays(old) == _displays(new))


def _inputs(nb) -> list[tuple]:
    return [(c.cell_type, c.get("id"), c.source, json.dumps(c.metadata, sort_keys=True)) for c in nb.cells]


def _marks(nb) -> list[dict[str, Any]]:
    """The summary events the notebook shows: the tally a student sees."""
    from autograder.core.events import events_in_cell

    return [e for c in nb.cells if c.cell_type == "code" for e in events_in_cell(c) if e.get("event") == "summary"]


AUTOGRADER_DISPLAY = 'class="seqlabs-autograder-'  # the HTML of what autograder.notebook.display shows


def _displays(nb) -> list[str]:
    """The text of the autograder's own displays, in order: words and marks, no machine's numbers."""
    return ["".join(o.data.get("text/plain", "")) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", ())
            if o.output_type == "display_data" and AUTOGRADER_DISPLAY in "".join(o.data.get("text/html", ""))]


# Wall-clock durations a notebook prints ("2 epochs in 4 s", "0m 3s", "time=0m04s", "12.5 ms"):
# like execution timestamps, they differ between two runs of the same source.
# Leading blanks go with the number, so right-aligned columns of different widths compare equal.
DURATION = re.compile(r" *\b(?:\d+m ?\d+s|\d+(?:\.\d+)?\s?(?:ms|s|sec|min))\b")


def same_apart_from_timings(old: str, new: str) -> bool:
    """Whether two built files differ at most in the wall-clock durations they print.

    A rebuild of an unchanged source then rewrites nothing, as the issue asks
    ("byte-identical apart from execution timestamps").
    """
    return old == new or DURATION.sub("<duration>", old) == DURATION.sub("<duration>", new)


def unchanged(target: Path, new: str) -> bool:
    """Whether ``target`` already holds ``new`` as far as a rebuild is concerned (``stable``): the same text
    apart from printed durations, or, for a solution notebook, the same cells and marks."""
    try:
        old = target.read_text(encoding="utf-8")
    except OSError:
        return False
    return same_apart_from_timings(old, new) or ("solution" in target.parts[-3:-1] and same_solution(old, new))
