"""Does `make test` run the suite as its xdist groups say (one worker per group)?

Module fixtures that grade a batch once, one browser and one Jupyter server,
and builds that must not race rely on ``--dist loadgroup`` honouring
``xdist_group``. pytest-xdist tags each test's node id with its group; a
pytest that ignores the tag (9.2 with xdist 3.8.0) silently spreads every
group over all workers.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("suite_grouping")


def test_xdist_groups_reach_the_scheduler(request):
    """Under ``--dist loadgroup``, does this test's node id carry its group, as the scheduler needs?"""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run under `pytest -n N --dist loadgroup` (make test runs it so)")
    assert request.node.nodeid.endswith("@suite_grouping"), (
        f"{request.node.nodeid}: the group tag is missing, so --dist loadgroup spreads every xdist_group over "
        "all workers; pin pytest and pytest-xdist to versions that work together (constraints.txt)")
