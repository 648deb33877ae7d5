"""Is Lab 5's reference (the master's solution regions) Bahdanau/Trevett's attention model, and the bridge PyTorch's?

The model cells are read from ``labs/source/lab5_attention.ipynb`` and
executed on their own (``benchmarks/lab5_models.py``), with PyTorch as the
oracle: Trevett's parameter count, ``F.scaled_dot_product_attention``,
``nn.MultiheadAttention`` and ``nn.TransformerEncoderLayer`` with copied
weights. The last part runs the notebook's test cells on broken models and
judges them with the committed key: each must lose the blocks it names.
"""
from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from lab5_models import broken_variants, notebook_cells, reference_namespace  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from labrun import CheckRecorder  # noqa: E402

KEY = ROOT / "labs" / "keys" / "lab5_attention.json"


@pytest.fixture(scope="module")
def lab():
    """The names the master's model cells define (Attention, Encoder, ..., TransformerEncoderBlock)."""
    return reference_namespace()


def model(lab, src_dim=11, trg_dim=13, emb=5, enc_hid=4, dec_hid=6, dropout=0.0, pad=1, **overrides):
    ns = {**lab, **overrides}
    enc = ns["Encoder"](src_dim, emb, enc_hid, dec_hid, dropout)
    dec = ns["Decoder"](trg_dim, emb, enc_hid, dec_hid, dropout, ns["Attention"](enc_hid, dec_hid))
    return ns["Seq2Seq"](enc, dec, pad, torch.device("cpu"))


def padded(lengths, vocab=11, pad=1, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(2, vocab, (max(lengths), len(lengths)), generator=g)  # [S, B]
    for b, n in enumerate(lengths):
        src[n:, b] = pad
    return src, torch.tensor(lengths)


# ---------------------------------------------------------------- the model against Trevett and PyTorch

def test_parameter_count_with_the_tutorials_sizes(lab):
    """Does the tutorial-size model (vocabularies 7853/5893, E 256, H 512, dropout 0.5) have 20,518,405 parameters?"""
    m = model(lab, 7853, 5893, 256, 512, 512, 0.5)
    assert sum(p.numel() for p in m.parameters() if p.requires_grad) == 20_518_405


def test_masked_positions_get_exactly_zero_weight_and_rows_sum_to_one(lab):
    """Is the weight on every <pad> position exactly 0.0, even with large energies, and each row a distribution?"""
    torch.manual_seed(0)
    attention = lab["Attention"](4, 6)
    with torch.no_grad():
        for p in attention.parameters():
            p.mul_(50)  # energies of hundreds: a -1e10 fill must still win
    hidden, outputs = torch.randn(4, 6), torch.randn(7, 4, 8)  # [B, H], [S, B, 2H]
    mask = torch.arange(7)[None, :] < torch.tensor([7, 1, 3, 5])[:, None]  # [B, S]
    weights = attention(hidden, outputs, mask)
    assert weights.shape == (4, 7)
    assert torch.all(weights[~mask] == 0.0)
    torch.testing.assert_close(weights.sum(1), torch.ones(4))


def test_attention_equals_the_formula_of_bahdanau(lab):
    """Is a_j = softmax_j(v . tanh(W [s; h_j] + b)) over the real positions, computed by hand in a loop?"""
    torch.manual_seed(1)
    attention = lab["Attention"](3, 5)
    hidden, outputs = torch.randn(2, 5), torch.randn(4, 2, 6)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    weights = attention(hidden, outputs, mask)
    for b in range(2):
        n = int(mask[b].sum())
        energies = torch.stack([attention.v(torch.tanh(attention.attn(torch.cat([hidden[b], outputs[j, b]]))))[0]
                                for j in range(n)])
        torch.testing.assert_close(weights[b, :n], torch.softmax(energies, 0))


def test_encoder_outputs_equal_a_bidirectional_torch_gru_run_on_each_sentence_alone(lab):
    """Are the packed encoder's outputs and first decoder state those of nn.GRU(bidirectional) on each unpadded sentence?"""
    torch.manual_seed(2)
    enc = lab["Encoder"](11, 5, 4, 6, 0.5).eval()
    src, lengths = padded([6, 2, 4])
    outputs, hidden = enc(src, lengths)
    assert outputs.shape == (6, 3, 8) and hidden.shape == (3, 6)
    oracle = nn.GRU(5, 4, bidirectional=True)
    oracle.load_state_dict(enc.rnn.state_dict())
    for b, n in enumerate(lengths.tolist()):
        out_b, h_b = oracle(enc.embedding(src[:n, b:b + 1]))
        torch.testing.assert_close(outputs[:n, b], out_b[:, 0])
        assert torch.all(outputs[n:, b] == 0)
        torch.testing.assert_close(hidden[b], torch.tanh(enc.fc(torch.cat([h_b[0, 0], h_b[1, 0]]))))


def test_a_padded_sentence_translates_exactly_as_it_does_alone(lab):
    """With the mask and packing, does padding change nothing in Seq2Seq's outputs (teacher forced and free)?"""
    torch.manual_seed(3)
    m = model(lab).eval()
    src, lengths = padded([7, 3, 5], seed=1)
    trg = torch.randint(0, 13, (6, 3))
    for ratio in (0.0, 1.0):
        batch_out = m(src, lengths, trg, ratio)
        for b, n in enumerate(lengths.tolist()):
            alone = m(src[:n, b:b + 1], lengths[b:b + 1], trg[:, b:b + 1], ratio)
            torch.testing.assert_close(batch_out[:, b], alone[:, 0], rtol=1e-5, atol=1e-6)


def test_outputs_row_zero_is_left_empty_and_the_shape_is_time_major(lab):
    """Are the outputs [T, B, V] with outputs[0] zero, for any teacher forcing ratio?"""
    m = model(lab)
    src, lengths = padded([5, 4])
    for ratio in (0.0, 0.5, 1.0):
        out = m(src, lengths, torch.randint(0, 13, (4, 2)), ratio)
        assert out.shape == (4, 2, 13) and torch.all(out[0] == 0)


def test_greedy_decoding_and_the_free_running_loss_agree_with_seq2seq_at_ratio_zero(lab):
    """Do seqlabs' greedy_decode_attention and free_running_outputs feed the decoder what Seq2Seq(.., 0) does?"""
    from seqlabs.translate import free_running_outputs, greedy_decode_attention

    torch.manual_seed(4)
    m = model(lab).eval()
    src, lengths = padded([6, 4, 5], seed=2)
    steps, sos, eos = 8, 2, 3
    trg = torch.full((steps + 1, 3), sos)
    with torch.no_grad():
        expected = m(src, lengths, trg, 0.0)  # [T, B, V]
        torch.testing.assert_close(free_running_outputs(m, src, lengths, steps + 1, sos_index=sos), expected)
    ids = expected[1:].argmax(-1).T.tolist()
    hyps, attentions = greedy_decode_attention(m, src, lengths, sos_index=sos, eos_index=eos, max_len=steps)
    assert hyps == [row[:row.index(eos)] if eos in row else row for row in ids]
    for b, a in enumerate(attentions):
        assert a.shape[1] == lengths[b] and torch.allclose(a.sum(1), torch.ones(a.shape[0]))


# ---------------------------------------------------------------- the bridge: equal to PyTorch with copied weights

def test_scaled_dot_product_attention_equals_torch_with_and_without_masks(lab):
    """Does the student-level SDPA equal F.scaled_dot_product_attention (no mask, padding mask, causal mask)?"""
    sdpa = lab["scaled_dot_product_attention"]
    g = torch.Generator().manual_seed(5)
    q, k, v = torch.randn(2, 3, 5, 4, generator=g), torch.randn(2, 3, 5, 4, generator=g), torch.randn(2, 3, 5, 7, generator=g)
    padding = (torch.arange(5)[None, :] < torch.tensor([5, 2])[:, None])[:, None, None, :]  # [B, 1, 1, Lk]
    deltas = []
    for mask, kwargs in ((None, {}), (padding, {"attn_mask": padding}), (lab["causal_mask"](5), {"is_causal": True})):
        out, weights = sdpa(q, k, v, mask)
        ref = F.scaled_dot_product_attention(q, k, v, **kwargs)
        deltas.append((out - ref).abs().max().item())
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
        if mask is not None:
            assert torch.all(weights.masked_select(~mask.expand_as(weights)) == 0)
    print(f"SDPA vs F.scaled_dot_product_attention: max |Δ| {max(deltas):.1e}")


def test_multi_head_attention_equals_nn_multihead_attention_with_copied_weights(lab):
    """Do output and head-averaged weights equal nn.MultiheadAttention's, with padding and causal masks?"""
    torch.manual_seed(6)
    ref = nn.MultiheadAttention(12, 3).eval()
    mha = lab["MultiHeadAttention"](12, 3).eval()
    mha.load_state_dict(ref.state_dict())  # the same parameter names
    x, memory = torch.randn(5, 4, 12), torch.randn(5, 4, 12)
    real = torch.arange(5)[None, :] < torch.tensor([5, 3, 4, 1])[:, None]  # [B, Lk]
    causal = lab["causal_mask"](5)
    deltas = []
    for key_mask, attn_mask in ((None, None), (real, None), (None, causal), (real, causal)):
        out, weights = mha(x, memory, memory, key_mask=key_mask, attn_mask=attn_mask)
        ref_out, ref_weights = ref(x, memory, memory,
                                   key_padding_mask=None if key_mask is None else ~key_mask,
                                   attn_mask=None if attn_mask is None else ~attn_mask)
        deltas += [(out - ref_out).abs().max().item(), (weights - ref_weights).abs().max().item()]
        torch.testing.assert_close(out, ref_out, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(weights, ref_weights, rtol=1e-5, atol=1e-6)
    print(f"MultiHeadAttention vs nn.MultiheadAttention: max |Δ| {max(deltas):.1e}")


def test_encoder_block_equals_nn_transformer_encoder_layer_with_copied_weights(lab):
    """Does the block equal nn.TransformerEncoderLayer (post-norm, ReLU) in eval mode, with and without masks?"""
    torch.manual_seed(7)
    ref = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1).eval()
    block = lab["TransformerEncoderBlock"](16, 4, 32, 0.1).eval()
    block.load_state_dict(ref.state_dict())  # strict: the same parameters, no more, no fewer
    x = torch.randn(6, 3, 16)
    real = torch.arange(6)[None, :] < torch.tensor([6, 4, 2])[:, None]
    deltas = []
    with torch.no_grad():
        cases = ((block(x), ref(x), None),
                 (block(x, attn_mask=lab["causal_mask"](6)),
                  ref(x, src_mask=nn.Transformer.generate_square_subsequent_mask(6), is_causal=True), None),
                 (block(x, key_mask=real), ref(x, src_key_padding_mask=~real), real))
        for ours, theirs, keep in cases:
            if keep is not None:  # torch's fast path may zero padded positions' outputs: compare real ones
                ours, theirs = ours.transpose(0, 1)[keep], theirs.transpose(0, 1)[keep]
            deltas.append((ours - theirs).abs().max().item())
            torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
    print(f"TransformerEncoderBlock vs nn.TransformerEncoderLayer: max |Δ| {max(deltas):.1e}")


def test_encoder_block_dropout_acts_in_training_only(lab):
    """Does the block's dropout change its output in train mode only?"""
    block = lab["TransformerEncoderBlock"](8, 2, 16, 0.5)
    x = torch.randn(4, 2, 8)
    block.eval()
    torch.testing.assert_close(block(x), block(x))
    torch.manual_seed(8)
    assert not torch.allclose(block.train()(x), block.eval()(x))


def test_causal_mask_is_torchs_square_subsequent_mask():
    """Is causal_mask(n) True exactly where nn.Transformer's square subsequent mask is 0 (j <= i)?"""
    causal_mask = reference_namespace(("sdpa",))["causal_mask"]
    for n in (1, 2, 7):
        mask = causal_mask(n)
        assert mask.dtype == torch.bool
        assert torch.equal(mask, nn.Transformer.generate_square_subsequent_mask(n) == 0)


# ---------------------------------------------------------------- the notebook's checks against broken models

def failed_blocks(test_cell: str, **overrides) -> set[str]:
    """The blocks of `test_cell` that lose their marks when the notebook's names are replaced by `overrides`."""
    from autograder.notebook import judge
    from autograder.core import tokens

    key = json.loads(KEY.read_text())
    cells = notebook_cells()
    recorder = CheckRecorder()
    namespace = reference_namespace()  # a fresh one: the master's functions look their helpers up in it,
    namespace.update(overrides)  # so a broken helper breaks what calls it, as in the notebook
    namespace.update(autograder=recorder, math=math, random=random)
    exec(compile(cells["check_helpers"], "check_helpers", "exec"), namespace)
    if test_cell in ("decoder_tests", "seq2seq_tests"):
        exec(compile(cells["attention_tests"], "attention_tests", "exec"), namespace)  # the shared check inputs
        recorder.values.clear()
        recorder.errors.clear()
    exec(compile(cells[test_cell], test_cell, "exec"), namespace)
    failed = set(recorder.errors)
    for check_id, value in recorder.values.items():
        entry = key["checks"][check_id]
        if not tokens.verify(value, judge.key_token(entry)):
            failed.add(entry["block"])
    return failed


def test_the_reference_passes_every_exact_check_of_the_key():
    """Does the master's own code pass every model and bridge block of the committed key?"""
    for cell in ("attention_tests", "encoder_tests", "decoder_tests", "seq2seq_tests", "sdpa_tests", "bridge_tests"):
        assert failed_blocks(cell) == set(), cell


def _attention_catalogue():
    ns = reference_namespace()
    return ns, broken_variants(ns)


def test_broken_attentions_lose_the_attention_blocks():
    """Uniform weights fail 'attention'; a missing mask fails 'attention_mask'; raw energies fail both."""
    _, variants = _attention_catalogue()
    assert "attention" in failed_blocks("attention_tests", **variants["uniform_attention"])
    assert failed_blocks("attention_tests", **variants["no_mask"]) == {"attention_mask"}
    assert failed_blocks("attention_tests", **variants["attention_not_softmaxed"]) == {"attention", "attention_mask"}


def test_broken_encoders_and_decoders_lose_their_blocks():
    """An unpacked encoder, a decoder that ignores the context or drops dropout: each loses its block only."""
    ns, variants = _attention_catalogue()
    Encoder, Decoder, Seq2Seq = ns["Encoder"], ns["Decoder"], ns["Seq2Seq"]

    class UnpackedEncoder(Encoder):
        def forward(self, src, src_len):
            outputs, hidden = self.rnn(self.dropout(self.embedding(src)))  # reads <pad>
            return outputs, torch.tanh(self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1)))

    class ContextFreeDecoder(Decoder):
        def forward(self, input, hidden, encoder_outputs, mask):
            return super().forward(input, hidden, torch.zeros_like(encoder_outputs), mask)

    class NoDropoutDecoder(Decoder):
        def __init__(self, *args):
            super().__init__(*args)
            self.dropout = nn.Identity()

    class NoMaskSeq2Seq(Seq2Seq):
        def create_mask(self, src):
            return torch.ones(src.shape[1], src.shape[0], dtype=torch.bool)

    class AlwaysForced(Seq2Seq):
        def forward(self, src, src_len, trg, teacher_forcing_ratio=0.5):
            return super().forward(src, src_len, trg, 1.0)

    assert failed_blocks("encoder_tests", Encoder=UnpackedEncoder) == {"encoder"}
    assert failed_blocks("decoder_tests", Decoder=ContextFreeDecoder) == {"decoder"}
    assert failed_blocks("decoder_tests", Decoder=NoDropoutDecoder) == {"decoder"}
    assert failed_blocks("seq2seq_tests", Seq2Seq=NoMaskSeq2Seq) == {"seq2seq"}
    assert failed_blocks("seq2seq_tests", Seq2Seq=AlwaysForced) == {"seq2seq"}
    assert failed_blocks("seq2seq_tests", **variants["uniform_attention"]) == {"seq2seq"}


def test_broken_bridges_lose_their_blocks():
    """No 1/sqrt(d), an ignored mask, a transposed causal mask, pre-norm, no residual: caught where they are."""
    ns = reference_namespace()
    sdpa, Block = ns["scaled_dot_product_attention"], ns["TransformerEncoderBlock"]

    def unscaled(q, k, v, mask=None):
        return sdpa(q * math.sqrt(q.shape[-1]), k, v, mask)

    def maskless(q, k, v, mask=None):
        return sdpa(q, k, v, None)

    def upper_causal(size):
        return torch.triu(torch.ones(size, size, dtype=torch.bool))

    class PreNorm(Block):
        def forward(self, src, key_mask=None, attn_mask=None):
            x = self.norm1(src)
            x = src + self.dropout(self.self_attn(x, x, x, key_mask=key_mask, attn_mask=attn_mask)[0])
            return x + self.dropout(self.linear2(self.dropout(F.relu(self.linear1(self.norm2(x))))))

    class NoResidual(Block):
        def forward(self, src, key_mask=None, attn_mask=None):
            x = self.norm1(self.self_attn(src, src, src, key_mask=key_mask, attn_mask=attn_mask)[0])
            return self.norm2(x + self.linear2(F.relu(self.linear1(x))))

    assert failed_blocks("sdpa_tests", scaled_dot_product_attention=unscaled) == {"sdpa"}
    assert failed_blocks("sdpa_tests", scaled_dot_product_attention=maskless) == {"sdpa"}
    assert failed_blocks("sdpa_tests", causal_mask=upper_causal) == {"causal_mask"}
    assert failed_blocks("bridge_tests", scaled_dot_product_attention=maskless) == {"multi_head", "encoder_block"}
    assert failed_blocks("bridge_tests", causal_mask=upper_causal) == {"encoder_block"}
    assert failed_blocks("bridge_tests", TransformerEncoderBlock=PreNorm) == {"encoder_block"}
    assert failed_blocks("bridge_tests", TransformerEncoderBlock=NoResidual) == {"encoder_block"}


# ---------------------------------------------------------------- trained results of broken models (fast profile)

@pytest.mark.slow
def test_trained_broken_models_lose_the_trained_result_blocks_in_fast(monkeypatch):
    """Trained as the notebook trains (fast), do ignored attention, no context and a constant model lose their marks?

    Uniform weights must fail sharpness (and the loss and BLEU bounds); a
    decoder that never sees the source and the most-frequent-token model must
    fail the loss and BLEU bounds. Bounds come from the committed key. Lab 4's
    model, the baseline of part 6, must have learned: BLEU above 2 and a lower
    loss than the decoder that never sees the source.
    """
    from bench_lab5_baselines import (attention_model, constant_baseline, data, lab4_model, train_attention,
                                      train_lab4)
    from seqlabs.seeding import seed_everything
    from seqlabs.settings import for_profile
    from seqlabs.settings.lab5 import Lab5Settings

    # fast's bounds are the embedded corpus's: `make test` exports SEQLABS_DATA=../shared/data (Multi30k), where
    # 3,000 pairs and 6 epochs leave Lab 4's model at BLEU 0.73
    monkeypatch.setenv("SEQLABS_DATA", "")
    key = json.loads(KEY.read_text())["checks"]
    bound = {name: key[check]["bound"]["fast"] for name, check in (
        ("loss", "attention_loss.test"), ("bleu", "attention_bleu.test"), ("sharpness", "attention_sharpness.test"))}
    settings = for_profile(Lab5Settings, "fast")
    torch.set_num_threads(1)
    src_vocab, trg_vocab, loaders, lab4_loaders, splits = data(settings)
    ns = reference_namespace()
    variants = broken_variants(ns)
    results = {"constant": constant_baseline(splits, trg_vocab, loaders)}
    for name in ("uniform_attention", "no_context"):
        seed_everything(settings.seed)
        model = attention_model({**ns, **variants[name]}, settings, src_vocab, trg_vocab)
        results[name] = train_attention(model, settings, loaders, trg_vocab)
    print(results, bound)
    loss, bleu, sharpness = results["uniform_attention"]
    assert loss >= bound["loss"] and bleu <= bound["bleu"] and sharpness <= bound["sharpness"]
    for name in ("no_context", "constant"):
        loss, bleu, _ = results[name]
        assert loss >= bound["loss"] and bleu <= bound["bleu"], name
    # the baseline of "what attention buys" must have learned something (issue 26: with batches of 32 and
    # 4 epochs it reached BLEU 0.37, best epoch 1; now 3.5-8.4 over seeds, a source-blind decoder 0.4)
    seed_everything(settings.seed)
    random.seed(settings.seed)
    lab4_loss, lab4_bleu, _ = train_lab4(lab4_model(settings, src_vocab, trg_vocab), settings, lab4_loaders, trg_vocab)
    print("Lab 4's model", lab4_loss, lab4_bleu)
    assert lab4_bleu > 2.0 and lab4_loss < results["no_context"][0], (lab4_loss, lab4_bleu)
