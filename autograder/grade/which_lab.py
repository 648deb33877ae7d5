"""Which lab a submitted notebook is: a wrong upload is told apart from tampering.

A student who uploads another lab's notebook (lab 1's graded as lab 0) made an
honest mistake. Graded as it is, every cell of it would run beside the
restored cells of the wrong lab, and the seal would hold every block for
review as if the notebook had forged its records. So before any kernel runs,
a notebook whose setup cell names another lab, or that has no setup cell and
none of this lab's graded cells (another file altogether), gets a row that
says so and what to do, and is not run.

A notebook that names this lab, or keeps any of its graded cells, is graded
as usual, whatever else it holds: restoring and the seal deal with the rest.
"""
from __future__ import annotations

import re
from typing import Any

from autograder.core.lab import grade_id_of

INIT = re.compile(r"""autograder\.init\(\s*(["'])([\w.-]+)\1""")


def labs_named(nb: Any) -> list[str]:
    """The labs the notebook's ``autograder.init("<lab>")`` calls name, in order, once each."""
    found = (m.group(2) for c in nb.cells if c.get("cell_type") == "code" for m in INIT.finditer(c.get("source", "")))
    return list(dict.fromkeys(found))


def wrong_lab(nb: Any, lab: str, source: Any) -> str | None:
    """Why ``nb`` is not a notebook of ``lab`` (its row's detail), or None when it is (or may be)."""
    named = labs_named(nb)
    if lab in named:
        return None
    graded = {grade_id_of(c) for c in source.cells} - {None}
    if named:
        other = named[0]
        return (f"wrong lab: this is the notebook of {other} (its setup cell calls autograder.init(\"{other}\")), "
                f"not of {lab}; not graded, and not a sign of tampering. Ask the student for their {lab} "
                f"notebook, or grade this one with `autograder grade --lab {other}`")
    if not graded & {grade_id_of(c) for c in nb.cells}:
        return (f"not a notebook of {lab}: it has no autograder.init call and none of {lab}'s graded cells "
                "(another file?); not graded, and not a sign of tampering. Ask the student to upload their "
                f"{lab} notebook")
    return None
