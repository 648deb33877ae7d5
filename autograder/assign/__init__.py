"""``autograder build``: master notebooks -> release + solution notebooks and answer keys.

    from autograder.assign import build_labs
    report = build_labs(labs=["lab0_example"], root=Path("."))
    assert report.ok

The pipeline is ``pipeline.py``; each step is a module of its own (``validate``,
``execute``, ``key``, ``release``, ``solution``, ``verify``, ``stable``). What a
lab is (its paths, its cells, its points) is ``autograder.core.lab``, shared with
``autograder.grade``; this package imports nothing from the grader, nor it from
this package.
"""
from __future__ import annotations

from autograder.assign.errors import BuildError
from autograder.assign.execute import ExecutedNotebook, execute_notebook
from autograder.assign.pipeline import BuildReport, LabBuild, build_lab, build_labs
from autograder.assign.stable import same_apart_from_timings
from autograder.core.lab import lab_paths, list_labs

__all__ = ["BuildError", "BuildReport", "LabBuild", "build_lab", "build_labs", "execute_notebook",
           "ExecutedNotebook", "lab_paths", "list_labs", "same_apart_from_timings"]
