"""Do Lab 4's trained-result checks reject broken-but-running seq2seq models, each bug costing only its part?

The catalogue (``lab4_broken.py``): a Seq2Seq that never passes the decoder's
state on, an encoder whose context is zeros, a decoder that predicts only the
most frequent words, outputs stored one step early (the model learns to copy
its input), a detached output layer (only it learns), and a GRU decoder whose
state is thrown away. Each is run in-process in record mode on the data
prepared once (``labrun.run_master``) and judged with the committed key: it
must fail every block its entry lists and no other block that ran. LSTM bugs
stop after the LSTM's trained checks and skip the parameter count of the
paper-size model (unchanged by any of them). ``SEQLABS_CATALOGUE_PROFILES="fast class"``
adds ``class`` (minutes; ``benchmarks/bench_broken_models.py``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the catalogue modules, shared with benchmarks/bench_broken_models.py

from lab4_broken import BROKEN, LAB, expected, plan  # noqa: E402
from labrun import CATALOGUE_PROFILES as PROFILES  # noqa: E402
from labrun import assert_fails_exactly, namespaces_after, run_master  # noqa: E402

DATA_END = "check_helpers"  # data, vocabularies and loaders: shared by every run of a profile


@pytest.fixture(scope="module")
def data_part():
    return namespaces_after(LAB, DATA_END)


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_model_fails_its_blocks_and_only_them(name, profile, data_part):
    bugs = BROKEN[name][0]
    fails, may_fail = expected(name, profile)
    run = run_master(LAB, profile=profile, bugs=bugs, namespace=data_part[profile], **plan(name))
    assert_fails_exactly(run, f"{name} [{profile}]", fails, may_fail,
                         first_parts={"encoder", "decoder", "seq2seq", "gru_model"},
                         trained={"lstm_loss", "lstm_bleu", "gru_loss"})
