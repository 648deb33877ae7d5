"""Do Lab 2's airline checks reject broken-but-running forecasters, and does each bug cost only part 2?

The catalogue (``lab2_broken.py``) plants one-line bugs in the master's answers
(a model taught to repeat the last month: the persistence forecast the text
says it must beat; a model that ignores its LSTM). Each runs in-process in
record mode (``labrun.run_master``) through part 2 and is judged with the
committed key, as the grader would.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from lab2_broken import AIR_BLOCKS, AIR_END, BROKEN, LAB, PART_1_TRAINING, expected  # noqa: E402
from labrun import run_master  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_forecaster_fails_its_blocks_and_only_them(name):
    """Does the bug fail every airline block it should, and no other block of part 2?"""
    fails, may_fail = expected(name)
    run = run_master(LAB, profile="fast", bugs=BROKEN[name][0], stop_after=AIR_END, skip=PART_1_TRAINING)
    failed = run.failed() & AIR_BLOCKS
    assert fails <= failed, f"{name}: should fail {sorted(fails - failed)} too (failed {sorted(failed)}; values " \
        f"{ {k: v for k, v in run.values.items() if k.startswith('air_') and 'rmse' in k or 'ratio' in k} })"
    assert failed <= fails | may_fail, f"{name}: fails {sorted(failed - fails - may_fail)}, which it should not"
