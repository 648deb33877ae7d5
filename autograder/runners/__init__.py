"""A grading run over many submissions: ``batch.grade_submissions`` (``autograder grade``) loads the lab,
locks the output folder, grades every submission (``autograder.grade``), here or on a Dask cluster
(``cluster``, ``cluster_check``, ``cluster_tls``), and writes the outputs (``autograder.report``).
"""
__all__ = ["GradeRun", "grade_submissions"]


def __getattr__(name: str):
    # Lazy, so that importing one runner module (``cluster_tls``) pulls in nothing else.
    if name in __all__:
        from autograder.runners import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'autograder.runners' has no attribute {name!r}")
