"""Does ``grade_one`` run the grading steps in the order ``submission.STEPS`` declares (and the docs number)?"""
from __future__ import annotations

import ast
import inspect

from autograder.grade import submission


def calls_in_order(*functions) -> list[str]:
    """The names of the functions called by ``functions``' bodies, in source order (``a.b(...)`` -> ``b``)."""
    names = []
    for function in functions:
        tree = ast.parse(inspect.getsource(function))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            f = call.func
            names.append(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def in_order(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(name in it for name in wanted)  # each found after the one before


def test_grade_one_runs_the_declared_steps_in_order():
    """Are STEPS' functions called by grade_one (then _grade_notebook) in the declared order?"""
    wanted = [call for _, call, _ in submission.STEPS]
    seen = calls_in_order(submission.grade_one, submission._grade_notebook)  # noqa: SLF001
    assert in_order(wanted, seen), f"declared {wanted}, called {seen}"


def test_the_order_check_can_fail():
    """Would scanning before restoring be caught?"""
    seen = ["read_regular", "wrong_lab", "scan", "restore", "run", "judge_events", "holds"]
    assert not in_order([call for _, call, _ in submission.STEPS], seen)
