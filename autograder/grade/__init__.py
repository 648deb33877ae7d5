"""Batch grading: ``grade_submissions`` (``autograder grade``).

Each submission: scratch copy -> restore the source's locked and test cells
(``restore``) -> static tamper scan (``scan``) -> run in ``grade`` mode in its
own fenced kernel (``sandbox``) -> judge the events of restored cells against
the key (``autograder.judge``) -> gradebook, results, feedback, JUnit
(``outputs``). Submissions run concurrently, ``workers`` kernels at a time,
driven from one asyncio loop; each result depends only on its notebook.
"""
from autograder.grade.batch import GradeRun, grade_submissions

__all__ = ["GradeRun", "grade_submissions"]
