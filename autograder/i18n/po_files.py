"""PO files beside the masters: ``labs/i18n/<lang>/<lab>.po``, merged with polib.

``update`` (``autograder i18n update``) brings a PO file up to the master:

* a cell new in the master -> a new, empty entry;
* a cell whose English changed (same context, new msgid) -> its translation
  kept, marked ``fuzzy``, the old English kept as ``#| msgid`` (what a
  translator's tool shows as the difference);
* a cell gone from the master -> the entry made obsolete (``#~``), so no
  translation is lost if the cell comes back;
* an obsolete entry whose cell is back -> revived (fuzzy if its English differs).

``problems`` is what ``autograder build`` checks before it writes a language:
every cell of the master has a translated, non-fuzzy entry whose English is
the cell's source.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.i18n.extract import Entry, extract, first_line

HEADER = {"Project-Id-Version": "seqlabs", "MIME-Version": "1.0",
          "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}


def i18n_dir(root: Path) -> Path:
    """``labs/i18n``: one folder per language."""
    return Path(root) / "labs" / "i18n"


def po_path(root: Path, language: str, lab: str) -> Path:
    """``labs/i18n/<language>/<lab>.po``."""
    return i18n_dir(root) / language / f"{lab}.po"


def languages(root: Path) -> list[str]:
    """The languages with a folder holding at least one PO file (an empty folder is no language)."""
    folder = i18n_dir(root)
    return sorted(d.name for d in folder.iterdir() if d.is_dir() and any(d.glob("*.po"))) if folder.is_dir() else []


@dataclass
class Changes:
    """What ``update`` did to one PO file (cell ids)."""
    path: Path
    added: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    obsolete: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)
    created: bool = False

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added or self.fuzzy or self.obsolete or self.revived)

    def lines(self) -> list[str]:
        """What changed, one line per kind (nothing when nothing did)."""
        out = [f"{self.path}: created"] if self.created else []
        for what, ids in (("new (to translate)", self.added), ("English changed, now fuzzy", self.fuzzy),
                          ("cell gone, now obsolete", self.obsolete), ("cell back", self.revived)):
            if ids:
                out.append(f"{self.path}: {len(ids)} {what}: {', '.join(ids)}")
        return out or [f"{self.path}: up to date"]


def load(path: Path) -> Any:
    """The PO file at ``path`` (polib), or a new one with the project's header."""
    import polib

    if path.is_file():
        return polib.pofile(str(path), wrapwidth=78)
    po = polib.POFile(wrapwidth=78)
    po.metadata = {"Project-Id-Version": "seqlabs", "Language": path.parent.name, **HEADER}
    return po


def update(po: Any, entries: list[Entry], path: Path) -> Changes:
    """Merge the master's ``entries`` into ``po`` in place (see the module docstring); entries end in master order."""
    import polib

    changes = Changes(path=path, created=not path.is_file())
    live = {e.msgctxt: e for e in po if not e.obsolete}
    dead = {e.msgctxt: e for e in po if e.obsolete}
    wanted = {e.context for e in entries}
    ordered = []
    for entry in entries:
        old = live.get(entry.context)
        if old is None and entry.context in dead:
            old = dead[entry.context]
            old.obsolete = False
            changes.revived.append(entry.context)
        if old is None:
            old = polib.POEntry(msgctxt=entry.context, msgid=entry.english, msgstr="", comment=entry.comment)
            changes.added.append(entry.context)
        elif old.msgid != entry.english:
            old.previous_msgid = old.msgid
            old.msgid = entry.english
            if "fuzzy" not in old.flags:
                old.flags.append("fuzzy")
            if entry.context not in changes.revived:
                changes.fuzzy.append(entry.context)
        old.comment = entry.comment
        ordered.append(old)
    gone = [e for e in po if e.msgctxt not in wanted]
    for e in gone:
        if not e.obsolete:
            e.obsolete = True
            changes.obsolete.append(e.msgctxt)
    po[:] = ordered + gone
    return changes


def update_lab(root: Path, lab: str, language: str, master: Any) -> Changes:
    """Update (or create) ``labs/i18n/<language>/<lab>.po`` from ``master``; writes it only if it changed."""
    path = po_path(root, language, lab)
    po = load(path)
    changes = update(po, extract(master), path)
    if changes.changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        po.save(str(path))
    return changes


@dataclass
class Problem:
    """A cell a language cannot be built with: why, and the cell (id and first line of its English)."""
    context: str
    why: str  # "missing" | "fuzzy" | "untranslated"
    english: str

    def line(self) -> str:
        return f"cell {self.context!r} ({first_line(self.english)!r}): {self.why}"


def problems(po: Any, entries: list[Entry]) -> list[Problem]:
    """The master's cells that ``po`` does not translate as they are now (empty: the language can be built)."""
    live = {e.msgctxt: e for e in po if not e.obsolete} if po is not None else {}
    out = []
    for entry in entries:
        found = live.get(entry.context)
        if found is None:
            out.append(Problem(entry.context, "missing", entry.english))
        elif found.msgid != entry.english:
            out.append(Problem(entry.context, "English changed since it was translated (stale)", entry.english))
        elif "fuzzy" in found.flags:
            out.append(Problem(entry.context, "fuzzy (English changed; check the translation)", entry.english))
        elif not found.msgstr:
            out.append(Problem(entry.context, "untranslated", entry.english))
    return out


def translations(po: Any) -> dict[str, tuple[str, str]]:
    """context -> (English, translation) of the translated, non-fuzzy entries."""
    return {e.msgctxt: (e.msgid, e.msgstr) for e in (po or [])
            if not e.obsolete and e.msgstr and "fuzzy" not in e.flags}
