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

import lab4_broken  # noqa: E402
from labrun import CATALOGUE_PROFILES as PROFILES  # noqa: E402
from labrun import assert_entry_fails_exactly, namespaces_after  # noqa: E402


@pytest.fixture(scope="module")
def shared():
    return namespaces_after(lab4_broken.LAB, lab4_broken.SHARED_UNTIL)


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(lab4_broken.BROKEN))
def test_broken_model_fails_its_blocks_and_only_them(name, profile, shared):
    assert_entry_fails_exactly(lab4_broken, name, profile, shared)
