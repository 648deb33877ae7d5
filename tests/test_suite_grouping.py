"""Does `make test` run the suite as its xdist groups say (one worker per group)?

Module fixtures that grade a batch once, one browser and one Jupyter server,
and builds that must not race rely on ``--dist loadgroup`` honouring
``xdist_group``. pytest-xdist tags each test's node id with its group; a
pytest that ignores the tag (9.2 with xdist 3.8.0) silently spreads every
group over all workers.
"""
from __future__ import annotations

import functools

import pytest

pytestmark = pytest.mark.xdist_group("suite_grouping")


def test_xdist_groups_reach_the_scheduler(request):
    """Under ``--dist loadgroup``, does this test's node id carry its group, as the scheduler needs?"""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run under `pytest -n N --dist loadgroup` (make test runs it so)")
    assert request.node.nodeid.endswith("@suite_grouping"), (
        f"{request.node.nodeid}: the group tag is missing, so --dist loadgroup spreads every xdist_group over "
        "all workers; pin pytest and pytest-xdist to versions that work together (constraints.txt)")


SAMPLE = ("tests/test_values.py", "tests/test_generated_up_to_date.py", "tests/test_modes.py")  # collected once


@functools.lru_cache(maxsize=None)
def collected(*paths: str) -> list[str]:
    """The node ids ``pytest --collect-only`` lists for ``paths``, in the order xdist would hand them out."""
    import subprocess
    import sys

    from conftest import REPO_ROOT

    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
                          capture_output=True, text=True, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_longest_groups_are_handed_out_first():
    """Are the labs' rebuilds (the longest groups, one test each) collected before the quick tests, so that
    `make test` (`--no-loadscope-reorder`: collection order) starts them first on every worker?"""
    from conftest import GROUP_SECONDS

    ids = collected(*SAMPLE)
    long = [f"[{g.removeprefix('rebuild_')}]" for g, s in GROUP_SECONDS.items() if g.startswith("rebuild_") and s >= 60]
    rebuilds = [i for i, n in enumerate(ids) if any(n.endswith(lab) for lab in long)]
    quick = [i for i, n in enumerate(ids) if n.startswith(("tests/test_values.py", "tests/test_modes.py"))]
    assert len(rebuilds) == len(long) and quick and max(rebuilds) < min(quick), ids[:12]
    # the longest known rebuild comes first of all
    longest = max((g for g in GROUP_SECONDS if g.startswith("rebuild_")), key=GROUP_SECONDS.get)
    assert f"[{longest.removeprefix('rebuild_')}]" in ids[0], ids[:3]


def test_make_test_keeps_the_collection_order():
    """Does `make test` tell xdist not to re-sort the groups by their number of tests?"""
    from conftest import REPO_ROOT

    command = next(line for line in (REPO_ROOT / "Makefile").read_text().splitlines() if "pytest -n" in line)
    assert "--dist loadgroup" in command and "--no-loadscope-reorder" in command, command


def test_one_rebuild_per_lab_whatever_its_languages():
    """Is every lab rebuilt by one test (its languages are steps of that build, never a second rebuild)?"""
    from autograder.core.lab import list_labs
    from conftest import REPO_ROOT

    ids = collected(*SAMPLE)
    per_lab = [n.split("[", 1)[1].rstrip("]") for n in ids if "test_rebuild_on_another_machine" in n]
    assert sorted(per_lab) == sorted([*list_labs(REPO_ROOT), "tests-fixture-example"]), per_lab
