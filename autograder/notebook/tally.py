"""The keyed marks tally of one kernel: lab name, token table, one result per block.

Keyed by block id, so re-running a cell *replaces* that block's marks and
never adds to them; a block keeps the position it was first run in, so the
summary reads in notebook order.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

_SECTION_SPLIT = re.compile(r"[_.]")


def default_section(block_id: str) -> str:
    """The section of a block: its id up to the first ``_`` or ``.``.

    ``"q1_mean"`` -> ``"q1"``, ``"q2a.loss"`` -> ``"q2a"``, ``"intro"`` -> ``"intro"``.
    Name blocks ``<question>_<part>`` and the summary groups them by question.
    """
    return _SECTION_SPLIT.split(block_id, maxsplit=1)[0] or block_id


@dataclass
class BlockResult:
    """What one run of a ``marks`` block earned."""

    block: str  # block id, unique within a lab
    section: str  # summary group (default_section(block) unless given)
    points: float  # what the block is worth
    earned: float  # points if every check passed, else 0
    error: str | None = None  # "AssertionError: ..." / "NameError: ..." when the block raised
    checks: list[str] = field(default_factory=list)  # ids of the checks that ran (and passed) in it
    mode: str = "student"  # in record/grade mode checks pass unverified: `earned` is not a mark
    hidden: bool = False  # the block also has hidden checks, run only by the grader (`marks(..., hidden=True)`)
    uses: list[str] = field(default_factory=list)  # earlier blocks whose answers this block runs on

    @property
    def passed(self) -> bool:
        return self.error is None


@dataclass
class Tally:
    """The state of the in-notebook API for one kernel."""

    lab: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, BlockResult] = field(default_factory=dict)

    def set_lab(self, lab: str, tokens: Mapping[str, str] | None) -> None:
        """Idempotent: the same call twice leaves the same state; a new lab starts a new tally."""
        if lab != self.lab:
            self.blocks.clear()
        self.lab = lab
        self.tokens = dict(tokens or {})

    def record(self, result: BlockResult) -> None:
        """Store a block's result, replacing any earlier run of the same block."""
        self.blocks[result.block] = result

    def hidden_points(self) -> float:
        """Points of the blocks run so far whose marks also depend on hidden checks (graded later)."""
        return sum(b.points for b in self.blocks.values() if b.hidden)

    def failed_uses(self, uses: list[str]) -> list[str]:
        """The blocks of ``uses`` that failed or have not run yet, in the order given."""
        return [u for u in uses if u not in self.blocks or not self.blocks[u].passed]

    def total(self) -> tuple[float, float]:
        """``(earned, possible)`` over the blocks run so far."""
        return (sum(b.earned for b in self.blocks.values()), sum(b.points for b in self.blocks.values()))

    def sections(self) -> dict[str, dict[str, float]]:
        """``{section: {"earned": .., "points": ..}}`` in first-run order."""
        out: dict[str, dict[str, float]] = {}
        for b in self.blocks.values():
            s = out.setdefault(b.section, {"earned": 0.0, "points": 0.0})
            s["earned"] += b.earned
            s["points"] += b.points
        return out

    def as_dict(self) -> dict[str, Any]:
        """The machine-readable tally (what ``summary()`` returns and emits)."""
        earned, possible = self.total()
        return {
            "lab": self.lab,
            "earned": earned,
            "points": possible,
            "hidden_points": self.hidden_points(),
            "sections": self.sections(),
            "blocks": {k: asdict(b) for k, b in self.blocks.items()},
        }


# The one tally of this kernel; `autograder.init` resets what needs resetting.
TALLY = Tally()

# The open `marks` blocks, innermost last, each with the ids of the checks
# that passed in it so far. A stack only so that an error message can name
# both blocks if someone nests them (marks refuses nesting).
_open: list[tuple[str, list[str]]] = []


def open_block(block_id: str) -> None:
    """Mark ``block_id`` as the block the following checks belong to."""
    _open.append((block_id, []))


def close_block() -> list[str]:
    """Leave the innermost block; return the ids of the checks that passed in it."""
    return _open.pop()[1]


def current_block() -> str | None:
    """Id of the ``marks`` block being run, or ``None`` outside any block."""
    return _open[-1][0] if _open else None


def note_check(check_id: str) -> None:
    """Remember that ``check_id`` passed in the current block (no-op outside blocks)."""
    if _open:
        _open[-1][1].append(check_id)
