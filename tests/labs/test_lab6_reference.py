"""Is Lab 6's reference (the master's solution regions and given cells) the Transformer of Vaswani et al.?

The master's code cells (``check_helpers``, ``positions``, ``decoder_layer``,
``model``, ``training_parts``, ``decoding``) are executed on their own, and
each piece is compared with an oracle that does not share its code: PyTorch's
``nn.TransformerDecoderLayer`` with copied weights, the sinusoid formula
written as a loop, ``F.cross_entropy(label_smoothing=)``, the schedule's
formula, brute-force enumeration of every output sequence, Trevett's
parameter count, and Lab 5's reference model for the given attention GRU.
Each test takes well under a second.
"""
from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import autograder

sys.path.insert(0, str(Path(__file__).parent))
from labrun import code_cells  # noqa: E402

LAB = "lab6_transformer"
CELLS = ("check_helpers", "positions", "decoder_layer", "model", "training_parts", "decoding")
PAD, SOS, EOS = 1, 2, 3


def namespace(cells=CELLS) -> dict:
    """The names the master's cells define, executed on their own (the tutorial-size model cell included)."""
    sources = dict(code_cells(LAB))
    ns = {"torch": torch, "nn": nn, "F": F, "math": math, "np": np, "autograder": autograder}
    for gid in cells:
        exec(compile(sources[gid], f"{LAB}:{gid}", "exec"), ns)
    return ns


@pytest.fixture(scope="module")
def lab():
    return namespace()


def tiny_model(lab, *, seed=0, layer=None, learnt=False, d=8, heads=2, dropout=0.0, vocab=(11, 7)):
    torch.manual_seed(seed)
    model = lab["Seq2SeqTransformer"](vocab[0], vocab[1], d, heads, 2, 2, 16, dropout, PAD, PAD, max_len=30,
                                      layer=layer, learnt_positions=learnt)
    return model.eval()


def padded(lengths, vocab=11, seed=0, low=4):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(low, vocab, (max(lengths), len(lengths)), generator=g)  # [L, B]
    for b, n in enumerate(lengths):
        ids[n:, b] = PAD
    return ids


# ---------------------------------------------------------------- positions and the decoder layer

def test_positional_encoding_is_the_papers_sinusoid():
    """Is PE[pos, 2i] = sin(pos / 10000^(2i/d)) and PE[pos, 2i+1] = cos(...), element by element in float64?"""
    table = namespace(("positions",))["positional_encoding"](30, 10)
    assert table.shape == (30, 10) and table.dtype == torch.float32
    oracle = np.array([[math.sin(p / 10000 ** (i / 10)) if i % 2 == 0 else math.cos(p / 10000 ** ((i - 1) / 10))
                        for i in range(10)] for p in range(30)])
    np.testing.assert_allclose(table.numpy(), oracle, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("masks", ["none", "causal", "all"])
def test_decoder_layer_equals_pytorchs_with_copied_weights(lab, masks):
    """Does DecoderLayer equal nn.TransformerDecoderLayer (post-norm, ReLU) in eval, with every mask combination?"""
    torch.manual_seed(1)
    ref = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, dropout=0.1).eval()
    layer = lab["DecoderLayer"](16, 4, 32, 0.1).eval()
    layer.load_state_dict(ref.state_dict())  # strict: the same parameters, no more, no fewer
    tgt, memory = torch.randn(6, 3, 16), torch.randn(7, 3, 16)
    causal = torch.tril(torch.ones(6, 6, dtype=torch.bool))
    tgt_real = torch.arange(6)[None, :] < torch.tensor([6, 5, 3])[:, None]  # [B, T]
    src_real = torch.arange(7)[None, :] < torch.tensor([7, 2, 4])[:, None]  # [B, S]
    ours_kwargs = {"none": {}, "causal": {"tgt_mask": causal},
                   "all": {"tgt_mask": causal, "tgt_key_mask": tgt_real, "memory_key_mask": src_real}}[masks]
    theirs_kwargs = {"tgt_mask": ~causal} if masks != "none" else {}
    if masks == "all":
        theirs_kwargs.update(tgt_key_padding_mask=~tgt_real, memory_key_padding_mask=~src_real)
    with torch.no_grad():
        ours, theirs = layer(tgt, memory, **ours_kwargs), ref(tgt, memory, **theirs_kwargs)
    print(f"DecoderLayer vs nn.TransformerDecoderLayer ({masks}): max |Δ| {(ours - theirs).abs().max().item():.1e}")
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_decoder_layer_dropout_acts_in_training_only(lab):
    """Is the layer deterministic in eval mode and stochastic in training mode?"""
    layer = lab["DecoderLayer"](8, 2, 16, 0.5)
    tgt, memory = torch.randn(4, 2, 8), torch.randn(5, 2, 8)
    layer.eval()
    torch.testing.assert_close(layer(tgt, memory), layer(tgt, memory))
    torch.manual_seed(2)
    assert not torch.allclose(layer.train()(tgt, memory), layer.eval()(tgt, memory))


# ---------------------------------------------------------------- the whole model: causality, padding, size

def test_no_position_sees_a_later_target_token(lab):
    """Changing the target tokens after position t changes none of the logits at positions 0..t."""
    model = tiny_model(lab, seed=3)
    src = padded([6, 4], seed=1)
    trg = padded([7, 7], vocab=7, seed=2)
    with torch.no_grad():
        base = model(src, trg)  # [T, B, V]
        for t in range(trg.shape[0] - 1):
            changed = trg.clone()
            changed[t + 1:] = (changed[t + 1:] + 1 - 4) % 3 + 4  # another non-special token everywhere after t
            out = model(src, changed)
            torch.testing.assert_close(out[:t + 1], base[:t + 1], rtol=1e-5, atol=1e-6)
            assert not torch.allclose(out[t + 1:], base[t + 1:])


def test_padding_changes_nothing(lab):
    """Does a sentence padded on both sides give exactly the logits it gives alone (real positions)?"""
    model = tiny_model(lab, seed=4)
    src = padded([7, 3, 5], seed=3)
    trg = padded([6, 4, 2], vocab=7, seed=4)
    with torch.no_grad():
        batch = model(src, trg)  # [T, B, V]
        for b, (n, m) in enumerate(zip([7, 3, 5], [6, 4, 2])):
            alone = model(src[:n, b:b + 1], trg[:m, b:b + 1])
            torch.testing.assert_close(batch[:m, b], alone[:, 0], rtol=1e-5, atol=1e-5)


def test_parameter_count_with_learnt_positions_is_trevetts():
    """At tutorial 6's sizes with learnt positions (its choice), is the count Trevett's 9,038,341?"""
    ns = namespace(("check_helpers", "positions", "decoder_layer"))
    source = dict(code_cells(LAB))["model"]
    exec(compile(source.split("autograder.require(")[0], f"{LAB}:model", "exec"), ns)  # the classes, not the printout
    model = ns["Seq2SeqTransformer"](7853, 5893, 256, 8, 3, 3, 512, 0.1, 1, 1, learnt_positions=True)
    assert ns["count_parameters"](model) == 9_038_341


def test_prefix_loss_equals_the_teacher_forced_loss_of_a_causal_model_and_exposes_a_peeking_one(lab):
    """Is seqlabs' prefix_loss the one-pass teacher-forced loss for a causal model, and not for one without the mask?"""
    from types import SimpleNamespace

    from seqlabs.transformer import prefix_loss

    model = tiny_model(lab, seed=5)
    src, trg = padded([6, 5, 4], seed=5), padded([7, 5, 3], vocab=7, seed=6)
    trg[0] = SOS
    batches = [SimpleNamespace(src=src, trg=trg)]
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    with torch.no_grad():
        logits = model(src, trg[:-1])  # [T - 1, B, V]
        one_pass = criterion(logits.reshape(-1, logits.shape[-1]), trg[1:].reshape(-1)).item()
    assert prefix_loss(model, batches, criterion) == pytest.approx(one_pass, rel=1e-5)

    class Peeking(lab["DecoderLayer"]):
        def forward(self, tgt, memory, tgt_mask=None, tgt_key_mask=None, memory_key_mask=None):
            return super().forward(tgt, memory, None, tgt_key_mask, memory_key_mask)

    peeking = tiny_model(lab, seed=5, layer=Peeking)
    with torch.no_grad():
        logits = peeking(src, trg[:-1])
        peeked = criterion(logits.reshape(-1, logits.shape[-1]), trg[1:].reshape(-1)).item()
    assert prefix_loss(peeking, batches, criterion) != pytest.approx(peeked, rel=1e-3)


# ---------------------------------------------------------------- label smoothing and the schedule

@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_label_smoothing_equals_torchs(lab, smoothing):
    """Does the loss equal F.cross_entropy(label_smoothing=eps, ignore_index=<pad>) on random logits?"""
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(40, 13, generator=g) * 4
    target = torch.randint(0, 13, (40,), generator=g)
    target[::5] = PAD
    ours = lab["label_smoothed_cross_entropy"](logits, target, smoothing, PAD)
    theirs = F.cross_entropy(logits, target, ignore_index=PAD, label_smoothing=smoothing)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)


def test_label_smoothing_gradient_equals_torchs(lab):
    """Is the gradient with respect to the logits torch's too (so training sees the same loss)?"""
    g = torch.Generator().manual_seed(8)
    logits = torch.randn(12, 9, generator=g, requires_grad=True)
    target = torch.tensor([1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 1, 2])
    lab["label_smoothed_cross_entropy"](logits, target, 0.1, PAD).backward()
    ours = logits.grad.clone()
    logits.grad = None
    F.cross_entropy(logits, target, ignore_index=PAD, label_smoothing=0.1).backward()
    torch.testing.assert_close(ours, logits.grad, rtol=1e-5, atol=1e-7)


def test_schedule_is_the_papers_formula(lab):
    """rate = d^-0.5 min(s^-0.5, s w^-1.5): linear up to the warm-up, its peak there, then 1/sqrt(s)."""
    rate = lab["noam_rate"]
    d, w = 512, 4000
    for s in (1, 10, 3999, 4000, 4001, 100_000):
        assert rate(s, d, w) == pytest.approx(d ** -0.5 * min(s ** -0.5, s * w ** -1.5), rel=1e-12)
    assert rate(2000, d, w) == pytest.approx(2 * rate(1000, d, w))
    assert max(range(1, 10_000), key=lambda s: rate(s, d, w)) == w
    assert rate(4 * 8000, d, w) == pytest.approx(rate(8000, d, w) / 2)


# ---------------------------------------------------------------- decoding against brute force

def every_sequence_best(model, src, max_len, alpha):
    """The best length-normalised output, by scoring every sequence (itertools, one batch per length)."""
    src_mask = model.make_src_mask(src)
    memory = model.encode(src, src_mask)
    vocab = model.fc_out.out_features
    best, best_score = None, -math.inf
    for length in range(1, max_len + 1):
        lasts = range(vocab) if length == max_len else [EOS]  # unfinished sequences count only at max_len
        seqs = [list(body) + [last] for body in itertools.product([v for v in range(vocab) if v != EOS],
                                                                  repeat=length - 1) for last in lasts]
        ys = torch.tensor([[SOS] + seq for seq in seqs]).T  # [length + 1, N]
        n = ys.shape[1]
        log_probs = F.log_softmax(model.decode(ys[:-1], memory.repeat(1, n, 1), src_mask.repeat(n, 1)), -1)
        scores = log_probs.gather(2, ys[1:].unsqueeze(2)).squeeze(2).sum(0) / length ** alpha  # [N]
        for seq, score in zip(seqs, scores.tolist()):
            if score > best_score:
                best, best_score = seq, score
    return (best[:-1] if best[-1] == EOS else best), best_score


@pytest.mark.parametrize("seed, alpha", [(48, 0.0), (48, 1.0), (11, 0.7)])
def test_beam_search_wider_than_every_hypothesis_finds_the_best_sequence(lab, seed, alpha):
    """With a beam wider than the number of hypotheses, is beam search brute force (tokens and normalised score)?"""
    model = tiny_model(lab, seed=seed, layer=lab["TorchDecoderLayer"], learnt=True)
    with torch.no_grad():
        model.fc_out.weight.mul_(3.0)
        src = padded([5], seed=seed)
        ids, score = lab["beam_search"](model, src, SOS, EOS, 10_000, 3, alpha)
        best, best_score = every_sequence_best(model, src, 3, alpha)
    assert ids == best
    assert score == pytest.approx(best_score, rel=1e-5, abs=1e-6)


def test_beam_of_one_is_greedy_and_greedy_ignores_padding(lab):
    """Is beam_size 1 exactly greedy decoding, and greedy on a padded batch each sentence's own greedy?"""
    model = tiny_model(lab, seed=9, layer=lab["TorchDecoderLayer"], learnt=True)
    with torch.no_grad():
        model.fc_out.weight.mul_(3.0)
    src = padded([6, 3, 5, 2], seed=10)
    batch = lab["greedy_search"](model, src, SOS, EOS, 9)
    for b, n in enumerate([6, 3, 5, 2]):
        alone = lab["greedy_search"](model, src[:n, b:b + 1], SOS, EOS, 9)[0]
        assert batch[b] == alone
        assert lab["beam_search"](model, src[:n, b:b + 1], SOS, EOS, 1, 9, 0.7)[0] == alone
        assert EOS not in alone


def test_a_narrow_beams_score_is_its_own_sequences_normalised_log_probability(lab):
    """Whatever it finds, does a beam of 2 return the normalised log-probability of the ids it returns?"""
    model = tiny_model(lab, seed=12, layer=lab["TorchDecoderLayer"], learnt=True)
    src = padded([4], seed=12)
    with torch.no_grad():
        ids, score = lab["beam_search"](model, src, SOS, EOS, 2, 6, 0.6)
        seq = ids + ([EOS] if len(ids) < 6 else [])
        ys = torch.tensor([SOS] + seq).unsqueeze(1)
        mask = model.make_src_mask(src)
        log_probs = F.log_softmax(model.decode(ys[:-1], model.encode(src, mask), mask), -1)[:, 0]
        expected = log_probs[torch.arange(len(seq)), ys[1:, 0]].sum().item() / len(seq) ** 0.6
    assert score == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------- the given pieces in seqlabs

def test_head_attention_records_each_heads_weights():
    """Does head_attention record [B, h, Lq, Lk] weights whose head mean is nn.MultiheadAttention's own?"""
    from seqlabs.transformer import head_attention

    torch.manual_seed(13)
    attn = nn.MultiheadAttention(8, 2).eval()
    q, k = torch.randn(3, 2, 8), torch.randn(5, 2, 8)
    real = torch.tensor([[True] * 5, [True, True, False, False, False]])
    with torch.no_grad(), head_attention([attn]) as (records,):
        attn(q, k, k, key_padding_mask=~real, need_weights=False)
        _, averaged = attn(q, k, k, key_padding_mask=~real)
    assert len(records) == 2 and records[0].shape == (2, 2, 3, 5)
    torch.testing.assert_close(records[0].mean(1), averaged)
    assert torch.all(records[0][1, :, :, 2:] == 0)


def test_attention_gru_is_lab5s_reference_model():
    """With lab 5's weights mapped onto it, does AttentionGRU compute what lab 5's master computes? Same size?"""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from lab5_models import reference_namespace

    from seqlabs.attention_gru import AttentionGRU

    lab5 = reference_namespace(("attention", "encoder", "decoder", "seq2seq"))
    torch.manual_seed(14)
    enc = lab5["Encoder"](11, 5, 4, 6, 0.0)
    dec = lab5["Decoder"](13, 5, 4, 6, 0.0, lab5["Attention"](4, 6))
    theirs = lab5["Seq2Seq"](enc, dec, PAD, torch.device("cpu")).eval()
    ours = AttentionGRU(11, 13, emb_dim=5, enc_hid_dim=4, dec_hid_dim=6, dropout=0.0, src_pad_idx=PAD).eval()
    with torch.no_grad():
        ours.encoder.embed.weight.copy_(enc.embedding.weight)
        ours.encoder.gru.load_state_dict(enc.rnn.state_dict())
        ours.encoder.bridge.load_state_dict(enc.fc.state_dict())
        ours.decoder.embed.weight.copy_(dec.embedding.weight)
        w = dec.attention.attn.weight  # [H_dec, H_dec + 2 H_enc]: the decoder state comes first
        ours.decoder.score_state.weight.copy_(w[:, :6])
        ours.decoder.score_state.bias.copy_(dec.attention.attn.bias)
        ours.decoder.score_keys.weight.copy_(w[:, 6:])
        ours.decoder.score_v.weight.copy_(dec.attention.v.weight)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours.decoder.cell, name).copy_(getattr(dec.rnn, f"{name}_l0"))
        ours.decoder.out.load_state_dict(dec.fc_out.state_dict())
        src = padded([6, 3, 5], seed=15)
        lengths = torch.tensor([6, 3, 5])
        trg = torch.randint(0, 13, (5, 3))
        torch.testing.assert_close(ours(src, lengths, trg, 1.0), theirs(src, lengths, trg, 1.0), rtol=1e-5, atol=1e-6)
    big = AttentionGRU(7853, 5893, emb_dim=256, enc_hid_dim=512, dec_hid_dim=512, dropout=0.5, src_pad_idx=1)
    assert sum(p.numel() for p in big.parameters()) == 20_518_405
