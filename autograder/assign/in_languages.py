"""The build step for the other languages of a lab (``autograder.i18n.languages``).

For each language with a PO file for the lab: the master with its markdown
translated goes through the same release step as the English one (no kernel:
nbgrader's preprocessors and the same token table) and through the same
solution step (one student-mode kernel run, in that language, so the ✓/✘ lines
and the summary the solution shows are in it). The key is the English build's:
the translated master differs in markdown only, which ``same_code`` checks on
the releases before anything is written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from autograder.assign.errors import BuildError
from autograder.assign.release import make_release
from autograder.assign.solution import summary_of
from autograder.assign.verify import verify_no_leaks
from autograder.i18n.languages import IncompleteTranslation, Translated, language_paths, translations_of
from autograder.i18n.translate import same_code
from autograder.core.lab import auto_points


def plan(root: Path, lab: str, source: Any, *, allow_incomplete: bool,
         log: Callable[[str], None]) -> list[Translated]:
    """The languages ``lab`` is built in (translated masters); a ``BuildError`` for an incomplete PO file."""
    try:
        return translations_of(root, lab, source, allow_incomplete=allow_incomplete, log=log)
    except IncompleteTranslation as error:
        raise BuildError(error.problem, error.fix) from None


def releases(translated: list[Translated], lab: str, visible: dict[str, str], english: Any,
             key: Any = None) -> dict[str, Any]:
    """language -> release notebook; a ``BuildError`` if one differs from the English release in a code cell,
    or (given the ``key``) shows a solution line or a key value (``verify_no_leaks``: a translated model
    answer left in a cell the release keeps)."""
    out = {}
    for t in translated:
        release = make_release(t.master, lab, visible)
        differ = same_code(english, release)
        if differ:
            raise BuildError(f"the {t.language} release differs from the English one in code cell(s) "
                             f"{', '.join(differ)}: one key could not grade both",
                             "translate markdown cells only (labs/i18n/<lang>/<lab>.po holds no code)")
        if key is not None:
            verify_no_leaks(t.master, release, key)
        out[t.language] = release
    return out


def verify_solution(language: str, key: Any, solution: Any) -> None:
    """The solution in ``language`` shows full marks in its own summary (same tokens, same code)."""
    total = auto_points(key)
    shown = summary_of(solution)
    if shown is None or float(shown.get("earned", -1)) != total or float(shown.get("points", -1)) != total:
        got = "no summary()" if shown is None else f"{shown.get('earned')}/{shown.get('points')}"
        raise BuildError(f"the {language} solution notebook's summary shows {got}, not {total:g}/{total:g}",
                         "its code cells are the English ones: run the English build to see why")


def files(root: Path, lab: str, releases_by_language: dict[str, Any], solutions: dict[str, Any],
          text: Callable[[Any], str]) -> dict[Path, str]:
    """The files each language writes (release and solution), by path."""
    out = {}
    for language, release in releases_by_language.items():
        paths = language_paths(root, lab, language)
        out[paths["release"]] = text(release)
        out[paths["solution"]] = text(solutions[language])
    return out
