"""Run a notebook in a fresh kernel in one mode and profile; collect its events.

``execute_notebook`` is the one place the build starts a kernel (the grader's
kernels are ``autograder.kernel.sandbox``'s, fenced, with their own
environment). A build kernel runs the instructor's own master, so it gets the
instructor's environment (``build_kernel_env``) with the mode
(``AUTOGRADER_MODE``), the profile (``SEQLABS_PROFILE``) and where real data
live (``SEQLABS_DATA``, removed unless ``data_dir`` is given, so the build
always uses the embedded data) set from the build's conditions.
"""
from __future__ import annotations

import copy
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from nbformat import NotebookNode

from autograder.core.events import events_in_cell
from autograder.core.conditions import DEFAULT_PROFILE as BUILD_PROFILE
from autograder.core.mode import kernel_settings
from autograder.core.messages import ENV as LANGUAGE_ENV, notebook_language

START_TRIES = 3  # a kernel that dies before its first cell ("Kernel died before replying to kernel_info") ...
START_PAUSE = 2.0  # s, times the attempt number, before it is started again


@dataclass
class CellError:
    """An error output: the cell it came from and what was raised."""
    index: int
    ename: str
    evalue: str


@dataclass
class ExecutedNotebook:
    """The executed copy, its events by cell index, and its error outputs."""
    nb: NotebookNode
    events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)
    seconds: float = 0.0

    def all_events(self) -> list[dict[str, Any]]:
        """Every event, in cell order."""
        return [e for i in sorted(self.events) for e in self.events[i]]

    @classmethod
    def of(cls, nb: NotebookNode, seconds: float = 0.0) -> "ExecutedNotebook":
        """An executed notebook read back: its code cells' events and error outputs (a run's, or a file's)."""
        result = cls(nb=nb, seconds=seconds)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            result.events[index] = events_in_cell(cell)
            result.errors += [CellError(index, o.get("ename", ""), o.get("evalue", ""))
                              for o in cell.outputs if o.output_type == "error"]
        return result


def build_kernel_env(*, mode: str, profile: str = BUILD_PROFILE, data_dir: Path | None = None) -> dict[str, str]:
    """The environment of a build kernel run in ``mode`` and ``profile`` (a copy of ours, adjusted)."""
    env = {**os.environ, **kernel_settings(mode, profile)}
    env.pop("SEQLABS_DATA", None)
    env.pop("NBGRADER_EXECUTION", None)  # set only by nbgrader's own runs
    if data_dir is not None:
        env["SEQLABS_DATA"] = str(data_dir)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning on stderr
    return env


def execute_notebook(nb: NotebookNode, *, mode: str, profile: str = BUILD_PROFILE, data_dir: Path | None = None,
                     cwd: Path | None = None, timeout: float = 600.0, allow_errors: bool = True) -> ExecutedNotebook:
    """Execute a copy of ``nb`` top to bottom in a new kernel; ``nb`` is left as it was.

    ``allow_errors=True`` runs every cell even after an error (the errors are
    listed in the result); ``False`` stops at the first one with nbclient's
    ``CellExecutionError``. ``timeout`` is per cell, in seconds. No execution
    timestamps are written, so running twice gives the same notebook. A
    kernel that fails before its first cell runs is started again, up to
    ``START_TRIES`` times, with a pause.
    """
    start = time.perf_counter()
    env = build_kernel_env(mode=mode, profile=profile, data_dir=data_dir)
    env[LANGUAGE_ENV] = notebook_language(nb)  # the kernel's messages in the notebook's language (i18n.messages)
    for attempt in range(1, START_TRIES + 1):
        run = copy.deepcopy(nb)
        started_cells: list[int] = []
        client = NotebookClient(run, timeout=int(timeout), allow_errors=allow_errors, record_timing=False,
                                kernel_name=run.metadata.get("kernelspec", {}).get("name", "python3"),
                                resources={"metadata": {"path": str(cwd or Path.cwd())}},
                                on_cell_start=lambda cell, cell_index: started_cells.append(cell_index))
        # The kernel process's own stderr (start-up warnings) goes to a file, shown only if the run fails;
        # what cells write to stderr still reaches the notebook through the kernel's messages.
        with tempfile.TemporaryFile() as kernel_log:
            try:
                client.execute(env=env, stderr=kernel_log)
                break
            except Exception as error:
                kernel_log.seek(0)
                error.add_note("kernel stderr (last lines):\n" + kernel_log.read().decode(errors="replace")[-2000:])
                if started_cells or attempt == START_TRIES:  # a cell's failure, or the last try: the caller's
                    if not started_cells:
                        error.add_note(f"the kernel did not start in {START_TRIES} tries")
                    raise
        time.sleep(START_PAUSE * attempt)  # a kernel that died before its first cell: a busy machine; again
    # How stdout is cut into chunks depends on flush timing: merge them so that
    # running twice gives the same notebook.
    CoalesceStreamsPreprocessor().preprocess(run, {})
    return ExecutedNotebook.of(run, seconds=time.perf_counter() - start)
