"""The autograder's own msgids: every ``_("...")`` literal in the package, plus the constants passed to ``_``.

What ``tests/test_i18n_messages.py`` holds every catalogue to (each msgid translated, nothing fuzzy, the
same ``{placeholders}``), and what ``update_catalogue`` merges into ``autograder/locale/<lang>/.../autograder.po``
when a message is added or changed (``python -m autograder.i18n.source_messages es``).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# Module-level constants whose value is a msgid (passed to `_` by name): module file name -> names (by file
# name, not path, so that moving a module into a package keeps them); dict constants contribute their values.
CONSTANTS = {"display.py": ("UNVERIFIED", "HIDDEN_PART", "HIDDEN_SUMMARY"), "checks.py": ("NOT_BUILT",),
             "judge.py": ("NOT_REPORTED", "BLOCK_NOT_RUN"), "tokens.py": ("_KIND_WORDS",),
             "feedback.py": ("STATUS_WORDS",)}


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
        for name in CONSTANTS.get(path.name, ()):
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    values = node.value.values if isinstance(node.value, ast.Dict) else [node.value]
                    for v in values:
                        text = _literal(v)
                        if text is not None:
                            found.setdefault(text, f"{rel}:{node.lineno}")
    return found


def update_catalogue(language: str) -> list[str]:
    """Merge the current msgids into ``language``'s catalogue (new: empty; gone: obsolete); returns new msgids."""
    import polib

    from autograder.core.messages import catalogue_path

    path = catalogue_path(language)
    po = polib.pofile(str(path)) if path.is_file() else polib.POFile()
    if not path.is_file():
        po.metadata = {"Project-Id-Version": "seqlabs autograder", "Language": language, "MIME-Version": "1.0",
                       "Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "8bit"}
    wanted = msgids()
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
            print(f"{lang}: new, to translate: {m!r}")
