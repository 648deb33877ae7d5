"""Lab 6's catalogue of broken-but-running Transformers: realistic one-line bugs, each with the blocks it must fail.

Shared by ``test_lab6_broken_models.py`` and ``benchmarks/bench_broken_models.py --lab lab6``.
``fails`` lists every block the bug must cost; ``may_fail`` the trained blocks
it may cost too (a bug whose trained model still translates well enough in one
profile); every other block that ran must keep its marks. Every entry reruns
from the model cells on a namespace where the data cells ran, and skips the
GRU comparison and the heatmaps (ungraded, unchanged by any bug).
"""
from __future__ import annotations

from labrun import Bug, expected_blocks

LAB = "lab6_transformer"
# The answer blocks a failed trained block names as the one to fix first (FIRST_PARTS), and those trained blocks.
TRAINED = {"transformer_loss", "transformer_bleu", "beam_bleu"}
FIRST_PARTS = {"positions", "decoder_layer", "decoder_masks", "decoder_dropout", "smoothing", "schedule"}

BROKEN = {
    # the self-attention gets no causal mask: each position reads the token it must predict and learns to copy it
    "no_causal_mask": (
        (Bug("decoder_layer", "attn_mask=flip(tgt_mask)", "attn_mask=None"),),
        {"decoder_layer", "decoder_masks"} | TRAINED),
    # no positional encoding: the encoder sees a bag of words, the decoder only the causal mask's count
    "no_positions": (
        (Bug("positions", "return table.float()", "return torch.zeros_like(table).float()"),),
        {"positions"} | TRAINED),
    # the cross-attention also reads the source's <pad> positions
    "no_padding_mask": (
        (Bug("decoder_layer", "key_padding_mask=flip(memory_key_mask)", "key_padding_mask=None"),),
        {"decoder_layer", "decoder_masks"}, TRAINED),
    # the predictions are smoothed instead of the targets: -log((1 - eps) p_y + eps / V)
    "smoothing_on_the_wrong_side": (
        (Bug("training_parts", "loss = (1 - smoothing) * nll + smoothing * uniform",
             "loss = -torch.log((1 - smoothing) * torch.exp(-nll) + smoothing / logits.shape[-1])"),),
        {"smoothing"}, TRAINED),
    # the rate decays from the first step: no warm-up, d^-0.5 / sqrt(step) (Adam starts at d^-0.5)
    "no_warmup": (
        (Bug("training_parts", "min(step ** -0.5, step * warmup ** -1.5)", "step ** -0.5"),),
        {"schedule"} | TRAINED),
}
# Mistakes whose translations are right, so that only part 5's own checks can see them: each reruns from the
# check helpers up to the decoding checks (no training) and must fail exactly the blocks listed.
DECODING = {
    # "every sentence has ended" forgets the sentences that ended at an earlier step: decoding goes on to max_len
    "ended_sentences_forgotten": (
        Bug("decoding", "done |= next_token == eos_index", "done = next_token == eos_index"), {"greedy"}),
}
DECODING_END = "decoding_tests"
SHARED_UNTIL = "data"  # data, vocabularies and loaders: shared by every run of a profile
MODELS_START = "check_helpers"  # every entry reruns from the check helpers (their `require` reads the
# namespace it was defined in), on a namespace where the data cells ran
SKIP = ("positions_plot", "compare", "heatmaps")
TRAINED_VALUES = ("transformer_loss.test", "transformer_bleu.test", "beam_bleu.test")


def expected(name: str, profile: str) -> tuple[set[str], set[str]]:
    """``(fails, may_fail)`` of catalogue entry ``name``: the same in every profile."""
    return expected_blocks(BROKEN[name])


def plan(name: str) -> dict:
    """How to run catalogue entry ``name`` cheaply (see lab1_broken.plan)."""
    return {"start_at": MODELS_START, "skip": SKIP}


def trained_values(run) -> dict[str, float]:
    """The trained results of a run as numbers."""
    return {k: float(run.values[k]) for k in TRAINED_VALUES if k in run.values}
