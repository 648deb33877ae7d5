"""A lab's parts, declared once: their titles, their blocks, the names their cells define.

Each lab declares its parts in one place (``seqlabs/settings/outlines.py``,
``OUTLINES[lab]["parts"]``), as plain data so that ``seqlabs`` needs nothing
from here and a message catalogue can translate the titles (``catalogue``:
the titles stay English here and are shown in the notebook's language)::

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

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from autograder.core.messages import Catalogue, _


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Part:
    """One part of a lab: ``number`` (as the heading numbers it), ``title``, its blocks and names."""

    number: int
    title: str
    blocks: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    uses: tuple[int, ...] = ()  # earlier parts whose results this part's given cells compare with or inspect
    # The title in the notebook's language (the lab's catalogue, read when shown): not part of the part's identity.
    translate: Callable[[str], str] = field(default=_same, compare=False, repr=False)

    @property
    def shown_title(self) -> str:
        """The title as the student reads it: ``title`` (English, the msgid) in the notebook's language."""
        return self.translate(self.title)

    @property
    def label(self) -> str:
        """``"2. The encoder"``: the part's section in the tally and in the events (the same in every language)."""
        return f"{self.number}. {self.title}"

    @property
    def shown_label(self) -> str:
        """``"2. El codificador"``: how the outline and the summary name the part to the student."""
        return f"{self.number}. {self.shown_title}"


@dataclass(frozen=True)
class Outline:
    """What ``autograder.outline`` was told: the lab's title, its parts, the points graded by hand."""

    title: str
    parts: tuple[Part, ...]
    hand_graded: float = 0.0
    catalogue: Catalogue | None = field(default=None, compare=False, repr=False)

    @property
    def shown_title(self) -> str:
        """The lab's title in the notebook's language (its catalogue's translation; English without one)."""
        return self.catalogue.gettext(self.title) if self.catalogue else self.title

    def shown(self, summary: Mapping[str, Any]) -> dict[str, Any]:
        """A summary (``Tally.as_dict()``) as the student reads it: the lab's and the parts' titles in the
        notebook's language. The summary itself (the event, the returned dict) keeps the English ones, so that
        it is the same in every language."""
        names = {p.label: p.shown_label for p in self.parts}
        return {**summary, "title": self.shown_title,
                "sections": {names.get(n, n): s for n, s in summary.get("sections", {}).items()}}

    def part_of_block(self, block_id: str) -> Part | None:
        return next((p for p in self.parts if block_id in p.blocks), None)

    def part_of_name(self, name: str) -> Part | None:
        return next((p for p in self.parts if name in p.names), None)


def parse(title: str, parts: Sequence[Mapping[str, Any]], hand_graded: float = 0,
          catalogue: Catalogue | None = None) -> Outline:
    """The ``Outline`` of a declaration; ``TypeError``/``ValueError`` naming what is wrong with it.

    ``catalogue``: where the titles' translations are (``seqlabs.messages.CATALOGUE``); the titles stay
    English in the outline and are translated each time they are shown, in the notebook's language.
    """
    if catalogue is not None and not isinstance(catalogue, Catalogue):
        raise TypeError(f"outline(catalogue=...): an autograder.core.messages.Catalogue, got {catalogue!r}")
    translate = catalogue.gettext if catalogue is not None else _same
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
                    uses, translate)
        for block in part.blocks:
            if block in seen_blocks:
                raise ValueError(f"outline(parts=...): block {block!r} is in part {seen_blocks[block]} and in part "
                                 f"{part.number}; a block belongs to one part")
            seen_blocks[block] = part.number
        parsed.append(part)
    return Outline(title, tuple(parsed), float(hand_graded), catalogue)


def _names(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise TypeError(f"outline(parts=...): blocks and names are tuples of strings, got {values!r}")
    return tuple(values)


def and_list(items: Sequence[str]) -> str:
    """``"X"``, ``"X and Y"``, ``"X, Y and Z"`` (``"X, Y y Z"``)."""
    items = list(items)
    if len(items) == 1:
        return items[0]
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


def missing_message(missing: Sequence[str], outline: Outline | None, *, subject: str | None = None) -> str:
    """Why a cell stops: which names are not defined and which part each comes from.

    ``"this block uses your `encoder` from part 2 (The encoder), which is not
    defined: run that part's cells first; if one of them stopped with an error,
    fix that error there"``. ``subject``: ``_("this block")`` (the default) or
    ``_("this cell")``, already in the notebook's language. One msgid per
    grammatical number, so that a language can agree ("no está definido" /
    "no están definidos", "tu"/"tus").
    """
    by_part: dict[Part | None, list[str]] = {}
    for name in missing:
        by_part.setdefault(outline.part_of_name(name) if outline else None, []).append(name)
    pieces = []
    for part, names in by_part.items():
        quoted = and_list([f"`{n}`" for n in names])
        if part is None:
            pieces.append(quoted)
            continue
        template = (_("your {name} from part {number} ({title})") if len(names) == 1
                    else _("your {names} from part {number} ({title})"))
        pieces.append(template.format(name=quoted, names=quoted, number=part.number, title=part.shown_title))
    known = [p for p in by_part if p is not None]
    where = (_("that part's cells") if len(known) == 1 and None not in by_part
             else _("those parts' cells") if None not in by_part else _("the cells above"))
    template = (_("{subject} uses {pieces}, which is not defined: run {where} first; if one of them stopped with "
                  "an error, fix that error there") if len(missing) == 1
                else _("{subject} uses {pieces}, which are not defined: run {where} first; if one of them stopped "
                       "with an error, fix that error there"))
    return template.format(subject=subject or _("this block"), pieces=and_list(pieces), where=where)
