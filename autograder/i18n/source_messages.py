"""The msgids of our two catalogues: every ``_("...")`` literal of a package, plus the constants passed to ``_``.

* ``autograder`` (``autograder/locale/<lang>/LC_MESSAGES/autograder.po``): the grader's messages;
* ``seqlabs`` (``src/seqlabs/locale/<lang>/LC_MESSAGES/seqlabs.po``): the course library's printed
  messages and the labs' lab and part titles (``settings/outlines.py``, shown in the notebook's language).

What ``tests/test_i18n_messages.py`` holds every catalogue to (each msgid translated, nothing fuzzy, the
same ``{placeholders}``), and what ``update_catalogue`` merges into each catalogue when a message is added
or changed (``python -m autograder.i18n.source_messages es``, from a checkout). seqlabs is read as source
text (``ast``), never imported: the grader's packages do not import the course library.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograder.core.messages import Catalogue

PACKAGE = Path(__file__).resolve().parent.parent
SEQLABS = PACKAGE.parent / "src" / "seqlabs"  # in a checkout (where catalogues are updated)
# seqlabs' modules whose dict literals' "title" values are msgids (the labs' outlines)
TITLES = ("outlines.py",)
# Module-level constants whose value is a msgid (passed to `_` by name): module file name -> names (by file
# name, not path, so that moving a module into a package keeps them); dict constants contribute their values.
CONSTANTS = {"display.py": ("UNVERIFIED", "HIDDEN_PART", "HIDDEN_SUMMARY"), "checks.py": ("NOT_BUILT",),
             "judge.py": ("NOT_REPORTED", "BLOCK_NOT_RUN"), "tokens.py": ("_KIND_WORDS",),
             "feedback.py": ("STATUS_WORDS",), "word2vec_corpora.py": ("KINDS",)}


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def msgids(package: Path = PACKAGE) -> dict[str, str]:
    """msgid -> where it is used (``module.py:line``), in file order."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" and node.args:
                text = _literal(node.args[0])
                if text is not None:
                    found.setdefault(text, f"{rel}:{node.lineno}")
            if path.name in TITLES and isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    text = _literal(value)
                    if key is not None and _literal(key) == "title" and text is not None:
                        found.setdefault(text, f"{rel}:{node.lineno}")
        for name in CONSTANTS.get(path.name, ()):
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                    for v in values:
                        text = _literal(v)
                        if text is not None:
                            found.setdefault(text, f"{rel}:{node.lineno}")
    return found


def seqlabs_msgids() -> dict[str, str]:
    """The course library's msgids: its ``_("...")`` literals and the labs' titles."""
    return msgids(SEQLABS)


def seqlabs_catalogue() -> "Catalogue":
    """The course library's catalogue in this checkout (the same files ``seqlabs.messages.CATALOGUE`` reads)."""
    from autograder.core.messages import Catalogue

    return Catalogue("seqlabs", SEQLABS / "locale")


def update_catalogue(language: str, catalogue: "Catalogue | None" = None,
                     wanted: dict[str, str] | None = None) -> list[str]:
    """Merge the current msgids into ``language``'s catalogue (new: empty; gone: obsolete); returns new msgids.

    By default the autograder's catalogue and msgids; ``catalogue``/``wanted`` for another domain.
    """
    import polib

    from autograder.core.messages import AUTOGRADER

    catalogue = catalogue or AUTOGRADER
    path = catalogue.path(language)
    po = polib.pofile(str(path)) if path.is_file() else polib.POFile()
    if not path.is_file():
        po.metadata = {"Project-Id-Version": f"seqlabs {catalogue.domain}" if catalogue.domain != "seqlabs" else "seqlabs", "Language": language,
                       "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                       "Content-Transfer-Encoding": "8bit"}
    wanted = msgids() if wanted is None else wanted
    have = {e.msgid: e for e in po}
    added = []
    for msgid, where in wanted.items():
        entry = have.get(msgid)
        if entry is None:
            po.append(polib.POEntry(msgid=msgid, msgstr="", occurrences=[(where.split(":")[0], "")]))
            added.append(msgid)
        else:
            entry.obsolete = False
            entry.occurrences = [(where.split(":")[0], "")]  # the module, not the line: other edits do not churn it
    for e in po:
        if e.msgid not in wanted:
            e.obsolete = True
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))
    return added


if __name__ == "__main__":
    for lang in sys.argv[1:] or ["es"]:
        for m in update_catalogue(lang):
            print(f"autograder {lang}: new, to translate: {m!r}")
        for m in update_catalogue(lang, seqlabs_catalogue(), seqlabs_msgids()):
            print(f"seqlabs {lang}: new, to translate: {m!r}")
