"""Do Lab 1's trained-result checks reject broken-but-running models, and does each bug cost only its part?

The catalogue (``lab1_broken.py``) plants realistic one-line bugs in the
master's answers: a network that copies its input, a transposed recurrent
weight, no backpropagation through time, gradient ascent, a training loop that
never updates, two wrong LSTM gradients. Each is run in-process in record mode
(``labrun.run_master``) and judged with the committed key, as the grader
would: it must fail every block its catalogue entry lists and no other block
that ran. The reference itself is graded in full by
``tests/test_tally_equals_grade.py``. ``fast`` runs here;
``SEQLABS_CATALOGUE_PROFILES="fast class"`` adds ``class`` (minutes;
``benchmarks/bench_broken_models.py`` prints both, docs/benchmarks.md).
To stay within the suite's budget the bugs in the shared optimiser and loop
are run through the RNN part only here; the benchmark runs them to the end.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the catalogue modules, shared with benchmarks/bench_broken_models.py

import lab1_broken  # noqa: E402
from labrun import CATALOGUE_PROFILES as PROFILES  # noqa: E402
from labrun import assert_entry_fails_exactly, namespaces_after  # noqa: E402


@pytest.fixture(scope="module")
def shared():
    return namespaces_after(lab1_broken.LAB, lab1_broken.SHARED_UNTIL)


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(lab1_broken.BROKEN))
def test_broken_model_fails_its_blocks_and_only_them(name, profile, shared):
    assert_entry_fails_exactly(lab1_broken, name, profile, shared, cheap=True)
