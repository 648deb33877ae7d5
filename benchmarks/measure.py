"""What the benchmarks time with, in one place: CPU seconds beside the wall clock.

A ratio of CPU to wall says how many cores a run kept busy; CPU seconds alone
say what a run cost on a machine busy with something else.
"""
from __future__ import annotations

import resource


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended and been waited for
    (forked Hogwild workers, kernels): take the difference of two calls around what is measured."""
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usages)
