"""Which languages a lab is built in, and where those notebooks go.

    labs/i18n/<lang>/<lab>.po          the translation of the master's markdown (``po_files``)
    labs/release/<lang>/<lab>.ipynb    the release in <lang> (the English layout stays labs/release/<lab>.ipynb)
    labs/solution/<lang>/<lab>.ipynb   the solution in <lang>
    labs/keys/<lab>.json               the one key: it grades every language

A lab is built in a language when ``labs/i18n/<lang>/<lab>.po`` exists (a
language with no PO file for this lab, or an empty folder, is simply not
built for it). A PO file that does not translate every markdown cell as it is
now makes ``autograder build`` refuse the lab, naming the cells and the fix,
unless ``--allow-incomplete`` builds those cells in English under a visible marker.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from autograder.core.lab import lab_folder
from autograder.i18n import po_files
from autograder.i18n.extract import extract
from autograder.i18n.translate import translate_master

LIST_AT_MOST = 12  # cells named in a refusal; the rest are counted


def language_paths(root: Path, lab: str, language: str) -> dict[str, Path]:
    """Where ``lab``'s release and solution in ``language`` live."""
    return {"release": lab_folder(root, "release") / language / f"{lab}.ipynb",
            "solution": lab_folder(root, "solution") / language / f"{lab}.ipynb",
            "po": po_files.po_path(root, language, lab)}


def built_languages(root: Path, lab: str) -> list[str]:
    """The languages whose release of ``lab`` is committed under ``labs/release/<lang>/``."""
    folder = lab_folder(root, "release")
    return sorted(p.parent.name for p in folder.glob(f"*/{lab}.ipynb")) if folder.is_dir() else []


@dataclass
class Translated:
    """One language a lab is built in: the translated master and what is missing from it."""
    language: str
    master: Any
    incomplete: list[str]  # problem lines of the cells built in English (only with --allow-incomplete)


class IncompleteTranslation(ValueError):
    """A PO file that does not translate the master as it is now: the cells and the fix."""

    def __init__(self, path: Path, lab: str, language: str, lines: list[str]) -> None:
        self.path, self.lab, self.language, self.lines = path, lab, language, lines
        shown = lines[:LIST_AT_MOST] + ([f"... and {len(lines) - LIST_AT_MOST} more"]
                                        if len(lines) > LIST_AT_MOST else [])
        self.problem = (f"the {language} translation {path} does not match the master: "
                        + "; ".join(shown))
        self.fix = (f"run `autograder i18n update {lab} --language {language}`, translate the entries it lists "
                    f"in {path} (and remove their fuzzy flags), then build again; or build with "
                    "`--allow-incomplete` to ship those cells in English under a visible marker")
        super().__init__(self.problem)


def translations_of(root: Path, lab: str, master: Any, *, allow_incomplete: bool = False,
                    log: Callable[[str], None] = lambda _m: None) -> list[Translated]:
    """Every language ``lab`` is built in, its master translated; raises ``IncompleteTranslation``."""
    out = []
    entries = extract(master)
    for language in po_files.languages(root):
        path = po_files.po_path(root, language, lab)
        if not path.is_file():
            log(f"{lab}: {language}: no {path}, not built in {language}")
            continue
        po = po_files.load(path)
        lines = [p.line() for p in po_files.problems(po, entries)]
        if lines and not allow_incomplete:
            raise IncompleteTranslation(path, lab, language, lines)
        out.append(Translated(language, translate_master(master, po, language, allow_incomplete=True), lines))
        if lines:
            log(f"{lab}: {language}: {len(lines)} cell(s) built in English, marked untranslated (--allow-incomplete)")
    return out


def masters_by_language(root: Path, lab: str, master: Any) -> dict[str, Any]:
    """language -> ``master`` translated, for every language with a PO file for ``lab`` (the grader's).

    The grader restores a submission's locked cells from the master of the
    submission's own language; a translation that is not complete (or not
    readable) still serves, its missing cells in English, so that grading never
    fails over a translation.
    """
    out = {}
    for language in po_files.languages(root):
        path = po_files.po_path(root, language, lab)
        if not path.is_file():
            continue
        try:
            out[language] = translate_master(master, po_files.load(path), language, allow_incomplete=True)
        except (OSError, ValueError):
            continue
    return out
