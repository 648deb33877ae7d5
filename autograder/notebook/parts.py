"""A lab's parts, declared once: their titles, their blocks, the names their cells define.

Each lab declares its parts in one place (``seqlabs/settings/outlines.py``,
``OUTLINES[lab]["parts"]``), as plain data so that ``seqlabs`` needs nothing
from here and a message catalogue can translate the titles::

    "parts": (
        {"number": 1, "title": "From NumPy to PyTorch",
         "blocks": ("lstm_cell", "lstm_layer"), "names": ("lstm_cell", "lstm_layer")},
        ...
    )

``uses`` (optional) lists the earlier parts whose results the part's given
cells compare with or look inside ("What attention buys" uses part 5's trained
model); no other part's results may be read by them (``tests/test_lab_outlines.py``).
``blocks`` are the ``marks`` block ids of the part (every block of the lab's key is
in exactly one part; ``tests/test_lab_outlines.py``); ``names`` are what the
part's cells define that other cells use: the student's answers and the
results of its training cells. The setup cell passes them to
``autograder.outline``; the summary then adds marks up by part, and a cell
that finds one of those names undefined says which part it comes from
(``missing_message``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence


@dataclass(frozen=True)
class Part:
    """One part of a lab: ``number`` (as the heading numbers it), ``title``, its blocks and names."""

    number: int
    title: str
    blocks: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    uses: tuple[int, ...] = ()  # earlier parts whose results this part's given cells compare with or inspect

    @property
    def label(self) -> str:
        """``"2. The encoder"``: how the summary and the messages name the part."""
        return f"{self.number}. {self.title}"


@dataclass(frozen=True)
class Outline:
    """What ``autograder.outline`` was told: the lab's title, its parts, the points graded by hand."""

    title: str
    parts: tuple[Part, ...]
    hand_graded: float = 0.0

    def part_of_block(self, block_id: str) -> Part | None:
        return next((p for p in self.parts if block_id in p.blocks), None)

    def part_of_name(self, name: str) -> Part | None:
        return next((p for p in self.parts if name in p.names), None)


def parse(title: str, parts: Sequence[Mapping[str, Any]], hand_graded: float = 0) -> Outline:
    """The ``Outline`` of a declaration; ``TypeError``/``ValueError`` naming what is wrong with it."""
    if not isinstance(title, str) or not title:
        raise TypeError(f"outline(title): a non-empty string, got {title!r}")
    if isinstance(hand_graded, bool) or not isinstance(hand_graded, (int, float)) or hand_graded < 0:
        raise ValueError(f"outline(hand_graded=...): a number of points >= 0, got {hand_graded!r}")
    parsed, seen_blocks = [], {}
    for entry in parts:
        unknown = set(entry) - {"number", "title", "blocks", "names", "uses"}
        if unknown or not isinstance(entry.get("title"), str) or not isinstance(entry.get("number"), int):
            raise ValueError(f"outline(parts=...): each part is {{'number': int, 'title': str, 'blocks': (...), "
                             f"'names': (...)}}, got {entry!r}")
        uses = tuple(entry.get("uses", ()))
        if not all(isinstance(u, int) for u in uses):
            raise TypeError(f"outline(parts=...): uses is a tuple of part numbers, got {uses!r}")
        part = Part(entry["number"], entry["title"], _names(entry.get("blocks", ())), _names(entry.get("names", ())),
                    uses)
        for block in part.blocks:
            if block in seen_blocks:
                raise ValueError(f"outline(parts=...): block {block!r} is in part {seen_blocks[block]} and in part "
                                 f"{part.number}; a block belongs to one part")
            seen_blocks[block] = part.number
        parsed.append(part)
    return Outline(title, tuple(parsed), float(hand_graded))


def _names(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise TypeError(f"outline(parts=...): blocks and names are tuples of strings, got {values!r}")
    return tuple(values)


def and_list(items: Sequence[str]) -> str:
    """``"X"``, ``"X and Y"``, ``"X, Y and Z"``."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def missing_message(missing: Sequence[str], outline: Outline | None, *, subject: str = "this block") -> str:
    """Why a cell stops: which names are not defined and which part each comes from.

    ``"this block uses your `encoder` from part 2 (The encoder), which is not
    defined: run that part's cells first; if one of them stopped with an error,
    fix that error there"``.
    """
    by_part: dict[Part | None, list[str]] = {}
    for name in missing:
        by_part.setdefault(outline.part_of_name(name) if outline else None, []).append(name)
    pieces = []
    for part, names in by_part.items():
        quoted = and_list([f"`{n}`" for n in names])
        pieces.append(f"your {quoted} from part {part.number} ({part.title})" if part else quoted)
    verb = "is" if len(missing) == 1 else "are"
    known = [p for p in by_part if p is not None]
    where = ("that part's cells" if len(known) == 1 and None not in by_part
             else "those parts' cells" if None not in by_part else "the cells above")
    return (f"{subject} uses {and_list(pieces)}, which {verb} not defined: run {where} first; "
            f"if one of them stopped with an error, fix that error there")
