"""Batch grading: ``grade_submissions`` (``autograder grade``).

Each submission: scratch copy -> restore the source's locked and test cells
(``restore``) -> static tamper scan (``scan``) -> run in ``grade`` mode in its
own fenced kernel (``sandbox``) -> judge the events of restored cells against
the key (``autograder.judge``) -> gradebook, results, feedback, JUnit
(``outputs``). Submissions run concurrently, ``workers`` kernels at a time,
driven from one asyncio loop; each result depends only on its notebook.
"""
__all__ = ["GradeRun", "grade_submissions"]


def __getattr__(name: str):
    # Lazy, so that importing one small module (``restore``, ``scan``) pulls in nothing else.
    if name in __all__:
        from autograder.grade import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'autograder.grade' has no attribute {name!r}")
