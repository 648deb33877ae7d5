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

from lab1_broken import BROKEN, LAB, RNN_END, expected, plan  # noqa: E402
from labrun import CATALOGUE_PROFILES as PROFILES  # noqa: E402
from labrun import assert_fails_exactly, namespaces_after, run_master  # noqa: E402


@pytest.fixture(scope="module")
def rnn_part():
    """The master's RNN part run once per profile (its namespace), where the LSTM-only bugs start."""
    return namespaces_after(LAB, RNN_END)


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_model_fails_its_blocks_and_only_them(name, profile, rnn_part):
    bugs = BROKEN[name][0]
    fails, may_fail = expected(name, profile)
    run = run_master(LAB, profile=profile, bugs=bugs, namespace=rnn_part[profile], **plan(name, cheap=True))
    assert_fails_exactly(run, f"{name} [{profile}]", fails, may_fail,
                         first_parts={"rnn_forward", "rnn_gradcheck", "rnn_optim", "lstm_forward", "lstm_gradcheck"},
                         trained={"rnn_trained", "rnn_predicted", "lstm_trained", "lstm_predicted"})
