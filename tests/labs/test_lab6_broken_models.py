"""Do Lab 6's checks reject broken-but-running Transformers, each bug costing only its part?

The catalogue (``lab6_broken.py``): a decoder layer without the causal mask
(it learns to copy the next target token), no positional encoding, a
cross-attention that reads the source's ``<pad>``, smoothing applied to the
predictions instead of the targets, and a schedule without warm-up. Each is
run in-process in record mode on the data prepared once
(``labrun.run_master``), from the model cells on, without the ungraded GRU
comparison and heatmaps, and judged with the committed key: it must fail
every block its entry lists and no other block that ran.
``SEQLABS_CATALOGUE_PROFILES="fast class"`` adds ``class`` (minutes;
``benchmarks/bench_broken_models.py --lab lab6``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the catalogue modules, shared with benchmarks/bench_broken_models.py

import lab6_broken  # noqa: E402
from lab6_broken import DECODING, DECODING_END, LAB, MODELS_START, SKIP  # noqa: E402
from labrun import CATALOGUE_PROFILES as PROFILES  # noqa: E402
from labrun import assert_entry_fails_exactly, namespaces_after, run_master  # noqa: E402


@pytest.fixture(scope="module")
def shared():
    return namespaces_after(lab6_broken.LAB, lab6_broken.SHARED_UNTIL)


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", sorted(lab6_broken.BROKEN))
def test_broken_model_fails_its_blocks_and_only_them(name, profile, shared):
    assert_entry_fails_exactly(lab6_broken, name, profile, shared)


@pytest.mark.parametrize("name", sorted(DECODING))
def test_decoding_mistake_with_right_translations_fails_its_block_and_only_it(name, shared):
    """Does a decoder that translates right but decodes on to max_len after every sentence ended lose greedy?"""
    bug, fails = DECODING[name]
    run = run_master(LAB, profile=PROFILES[0], bugs=(bug,), namespace=shared[PROFILES[0]], start_at=MODELS_START,
                     skip=SKIP, stop_after=DECODING_END)
    assert "greedy" in run.judged and {block for block, judged in run.judged.items() if not judged.ok} == fails
