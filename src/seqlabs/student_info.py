"""The student information every lab asks for: one or two student ids and a typed signature each.

``student_info_problems(ids, names)`` lists what is missing (an empty list:
nothing); the labs' locked ``student_info_tests`` cell shows it and reports a
0-mark check, so the grader's report says whether a submission is complete. The problems are
written in the notebook's language (``seqlabs.messages``).
"""
from __future__ import annotations

from typing import Iterable

from seqlabs.messages import _

__all__ = ["student_info_problems"]


def student_info_problems(ids: Iterable[object], names: Iterable[object]) -> list[str]:
    """What is missing from the student information (empty list: nothing).

    ids: one or two student ids; names: one typed full name per id, in the same order.
    """
    ids, names = [str(s).strip() for s in ids], [str(s).strip() for s in names]
    problems = []
    if not 1 <= len(ids) <= 2:
        problems.append(_("give one or two student ids (got {count})").format(count=len(ids)))
    if not all(ids) or len(set(ids)) != len(ids):
        problems.append(_("student ids must be non-empty and different"))
    if len(names) != len(ids) or not all(names):
        problems.append(_("type one signature (full name) per student id"))
    return problems
