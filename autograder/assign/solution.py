"""Solution notebook: the master run in student mode with the full token table, outputs kept."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from nbformat import NotebookNode

from autograder.assign.execute import ExecutedNotebook, execute_notebook
from autograder.core.tokens import TOKEN_KINDS
from autograder.assign.release import insert_tokens
from autograder.core.conditions import Conditions


def token_table(key: Mapping[str, Any], *, hidden: bool) -> dict[str, str]:
    """Check id -> token for the ``close``/``equal`` checks of ``key`` (hidden ones too iff ``hidden``)."""
    from autograder.notebook.judge import key_token

    return {cid: key_token(c) for cid, c in key["checks"].items()
            if c["kind"] in TOKEN_KINDS and (hidden or not c["hidden"])}


def make_solution(source: NotebookNode, lab: str, key: Mapping[str, Any], *, timeout: float,
                  cwd: Path | None = None, conditions: Conditions = Conditions()) -> ExecutedNotebook:
    """Execute the master with every token in student mode; the result keeps its outputs.

    The setup cell gets the release's tokens, and each hidden-test region
    starts by adding the hidden checks' tokens (``release.insert_tokens``), so
    this notebook can serve as an nbgrader course's source as it is.

    Notebook-level metadata is the master's (the kernel's ``language_info``
    names the exact Python version, which would make the file differ from one
    machine to the next).
    """
    visible = token_table(key, hidden=False)
    hidden = {c: t for c, t in token_table(key, hidden=True).items() if c not in visible}
    nb = insert_tokens(source, lab, visible, hidden)
    run = execute_notebook(nb, mode="student", profile=conditions.profile, data_dir=conditions.data_dir,
                           timeout=timeout, cwd=cwd)
    run.nb.metadata = source.metadata
    return run


def summary_of(run: ExecutedNotebook) -> dict[str, Any] | None:
    """The last ``summary`` event of an executed notebook (what ``autograder.summary()`` showed)."""
    found = [e for e in run.all_events() if e.get("event") == "summary"]
    return found[-1] if found else None
