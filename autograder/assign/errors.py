"""BuildError: what went wrong in which lab and cell, and how to fix it."""
from __future__ import annotations


class BuildError(Exception):
    """A master notebook cannot be built.

    ``str(error)`` reads ``<lab>: cell <n> (grade_id '<id>'): <problem>``
    followed by a ``fix:`` line, so an instructor can go straight to the cell:
    ``n`` counts the notebook's cells from 1 at the top, as one counts them
    scrolling down in Jupyter, and the grade_id is the ID the Create Assignment
    sidebar shows. ``index`` stays 0-based (``nb.cells[error.index]``).

    The steps raise it with the problem, the fix and the cell; the pipeline
    (``pipeline.build_lab``) stamps the lab on it once, as it passes.
    """

    def __init__(self, problem: str, fix: str, *, index: int | None = None, grade_id: str | None = None,
                 lab: str | None = None) -> None:
        self.lab, self.problem, self.fix = lab, problem, fix
        self.index, self.grade_id = index, grade_id
        super().__init__(problem)

    @property
    def where(self) -> str:
        if self.index is None:
            return "notebook"
        cell = f"cell {self.index + 1}"
        return f"{cell} (grade_id {self.grade_id!r})" if self.grade_id else cell

    def __str__(self) -> str:
        lab = f"{self.lab}: " if self.lab else ""
        return f"{lab}{self.where}: {self.problem}\n    fix: {self.fix}"
