"""Is Lab 3's reference (the master's solution regions) right, and do its checks judge?

Oracles: torch autograd and centred finite differences for the losses, the
formulas of Mikolov et al. / word2vec.c and gensim's own subsampling table for
the noise and subsampling distributions, a brute-force sort for top-k, and a
catalogue of broken-but-running models that the trained-result checks must
reject in the ``fast`` profile (the profile the committed key is graded in).
"""
from __future__ import annotations

import json
import math
import random
import re
import string
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.notebook.judge import judge_check

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "labs" / "source" / "lab3_word2vec.ipynb"
KEY = json.loads((ROOT / "labs" / "keys" / "lab3_word2vec.json").read_text())
SOLUTION_CELLS = ("text_to_pairs", "one_hot", "softmax_model", "negative_sampling", "shared_negatives", "top_k")


@pytest.fixture(scope="module")
def lab():
    """The namespace defined by the master's solution cells (definitions only; nothing trains)."""
    nb = nbformat.read(SOURCE, as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    namespace = {"np": np, "torch": torch, "nn": nn, "F": F, "re": re}
    for gid in SOLUTION_CELLS:
        exec(compile(cells[gid].source, f"{SOURCE.name}:{gid}", "exec"), namespace)
    return namespace


def accepted(check_id, value, profile="fast"):
    """Does the committed key accept `value` for `check_id` (the grader's own judgement)?"""
    return judge_check(KEY["checks"][check_id], value, profile=profile)[0]


# ------------------------------------------------------------------ part 1: text to pairs

def course_intent(text):
    """The course's intended cleaning, character by character: keep a-z, @, # and spaces."""
    return "".join(ch for ch in text.lower() if ch in string.ascii_lowercase + "@# ").split()


def test_clean_text_is_the_fixed_regex_and_the_course_bug_is_rejected(lab):
    """Does clean_text keep exactly a-z @ # and spaces, and does the key reject the course's `^[a-z@# ]`?"""
    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits + "@# -!.,'’é\n"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert lab["clean_text"](text) == course_intent(text), repr(text)
    examples = ["Don't STOP @User #DeepLearning 2024 rocks!!", "hello world!",
                "e-mail me: x@y.com, 3 cats & 2 dogs", "  Spaces   stay  single. "]

    def joined(clean):
        return " | ".join(" ".join(clean(t)) for t in examples)

    assert accepted("clean_text.examples", joined(lab["clean_text"]))
    assert not accepted("clean_text.examples", joined(lambda t: re.sub(r"^[a-z@# ]", "", t).lower().split()))
    assert not accepted("clean_text.examples", joined(lambda t: re.sub(r"^[a-z@# ]", "", t.lower()).split()))
    assert not accepted("clean_text.examples", joined(lambda t: re.sub(r"[^a-z@#]", " ", t.lower()).split()))


@pytest.mark.parametrize("window", [1, 2, 4])
def test_context_pairs_equal_seqlabs_array_pairs(lab, window):
    """Do the student-style loops give seqlabs.word2vec.skipgram_pairs' pairs, in the same order?"""
    from seqlabs.word2vec import skipgram_pairs

    rng = random.Random(window)
    texts = [[rng.randrange(30) for _ in range(rng.randint(0, 10))] for _ in range(30)]
    c, x = skipgram_pairs(texts, window)
    assert [p for t in texts for p in lab["context_pairs"](t, window)] == list(zip(c.tolist(), x.tolist()))


# ------------------------------------------------------------------ part 2 and 3: one-hot, full softmax

def test_one_hot_times_linear_is_the_lookup(lab):
    """Is linear(one_hot(ids)) exactly embedding_from_linear(linear)(ids)?"""
    torch.manual_seed(0)
    linear = nn.Linear(9, 4, bias=False)
    ids = torch.tensor([8, 0, 3, 3])
    x = lab["one_hot"](ids, 9)
    assert x.dtype == torch.float32 and x.shape == (4, 9) and torch.equal(x.sum(1), torch.ones(4))
    torch.testing.assert_close(lab["embedding_from_linear"](linear)(ids), linear(x))


def test_softmax_loss_equals_cross_entropy_and_its_gradient_finite_differences(lab):
    """Is softmax_loss F.cross_entropy (even near 1000), with a gradient that passes gradcheck?"""
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(5, 7, generator=g, dtype=torch.float64, requires_grad=True)
    contexts = torch.randint(0, 7, (5,), generator=g)
    torch.testing.assert_close(lab["softmax_loss"](logits, contexts), F.cross_entropy(logits, contexts))
    assert torch.autograd.gradcheck(lambda z: lab["softmax_loss"](z, contexts), (logits,))
    big = torch.tensor([[1000.0, 999.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(lab["softmax_loss"](big, torch.tensor([1])), F.cross_entropy(big, torch.tensor([1])))


def test_skipgram_softmax_is_embedding_then_linear(lab):
    """Are the logits output(embedding(centres)), [B, V]?"""
    torch.manual_seed(2)
    model = lab["SkipGramSoftmax"](13, 5)
    centres = torch.tensor([0, 12, 4])
    torch.testing.assert_close(model(centres), model.embedding.weight[centres] @ model.output.weight.T
                               + model.output.bias)


# ------------------------------------------------------------------ part 4: negative sampling

def loop_loss(centre, context, noise):
    """-[log s(u_o.v_c) + sum_k log s(-u_k.v_c)] averaged over pairs, one pair and one noise word at a time."""
    total = 0.0
    for b in range(len(centre)):
        s = float(centre[b] @ context[b])
        total -= math.log(1 / (1 + math.exp(-s)))
        for k in range(noise.shape[1]):
            total -= math.log(1 / (1 + math.exp(float(noise[b, k] @ centre[b]))))
    return total / len(centre)


def analytic_gradients(centre, context, noise):
    """Closed-form gradients of the mean loss: d/dv_c, d/du_o, d/du_k."""
    B = len(centre)
    sig = torch.sigmoid
    s_pos = (centre * context).sum(-1)  # [B]
    s_neg = torch.einsum("bke,be->bk", noise, centre)  # [B, K]
    d_centre = (-(1 - sig(s_pos))[:, None] * context + (sig(s_neg)[..., None] * noise).sum(1)) / B
    d_context = -(1 - sig(s_pos))[:, None] * centre / B
    d_noise = sig(s_neg)[..., None] * centre[:, None, :] / B
    return d_centre, d_context, d_noise


def test_sgns_loss_value_and_gradient_against_loops_closed_form_and_finite_differences(lab):
    """Is sgns_loss the paper's loss (a loop oracle), with autograd = closed form = finite differences?"""
    g = torch.Generator().manual_seed(4)
    centre = torch.randn(7, 5, generator=g, dtype=torch.float64, requires_grad=True)
    context = torch.randn(7, 5, generator=g, dtype=torch.float64, requires_grad=True)
    noise = torch.randn(7, 3, 5, generator=g, dtype=torch.float64, requires_grad=True)
    loss = lab["sgns_loss"](centre, context, noise)
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(loop_loss(centre.detach(), context.detach(), noise.detach()), rel=1e-12)
    loss.backward()
    for got, want in zip((centre.grad, context.grad, noise.grad), analytic_gradients(centre, context, noise)):
        torch.testing.assert_close(got, want.detach(), rtol=1e-10, atol=1e-12)
    assert torch.autograd.gradcheck(lab["sgns_loss"], (centre.detach().requires_grad_(),
                                                       context.detach().requires_grad_(),
                                                       noise.detach().requires_grad_()))
    huge = lab["sgns_loss"](300 * centre.detach(), 300 * context.detach(), 300 * noise.detach())
    assert torch.isfinite(huge)


def shared_loop_loss(centre, context, noise):
    """The mean loss with noise [K, E] shared by the batch, one pair and one noise word at a time."""
    return loop_loss(centre, context, noise.unsqueeze(0).expand(len(centre), -1, -1))


def test_shared_loss_and_hand_gradient_against_loops_autograd_closed_form_and_finite_differences(lab):
    """Is the shared-noise loss the per-pair loss with every pair given the same K noise words, and is the
    hand gradient autograd's, the closed form's and finite differences'?"""
    g = torch.Generator().manual_seed(8)
    centre = torch.randn(6, 5, generator=g, dtype=torch.float64)
    context = torch.randn(6, 5, generator=g, dtype=torch.float64)
    noise = torch.randn(4, 5, generator=g, dtype=torch.float64)
    loss, d_centre, d_context, d_noise = lab["shared_sgns_loss_and_grad"](centre, context, noise)
    assert float(loss) == pytest.approx(shared_loop_loss(centre, context, noise), rel=1e-12)
    inputs = [x.clone().requires_grad_() for x in (centre, context, noise)]
    auto = torch.autograd.grad(lab["shared_sgns_loss_and_grad"](*inputs)[0], inputs)
    per_pair = analytic_gradients(centre, context, noise.unsqueeze(0).expand(6, -1, -1))
    closed = (per_pair[0], per_pair[1], per_pair[2].sum(0))  # each shared noise row collects every pair's term
    for hand, a, c in zip((d_centre, d_context, d_noise), auto, closed):
        torch.testing.assert_close(hand, a, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(hand, c, rtol=1e-10, atol=1e-12)
    assert torch.autograd.gradcheck(lambda *x: lab["shared_sgns_loss_and_grad"](*x)[0],
                                    tuple(x.clone().requires_grad_() for x in (centre, context, noise)))
    huge = lab["shared_sgns_loss_and_grad"](300 * centre, 300 * context, 300 * noise)
    assert all(torch.isfinite(torch.as_tensor(x)).all() for x in huge)


def test_shared_noise_expected_gradient_is_the_per_pair_one(lab):
    """Over every draw of the noise, is the expected gradient of the tables under shared noise (one draw
    of K words per batch) the one under word2vec's independent per-pair draws (enumerated separately)?"""
    import itertools

    g = torch.Generator().manual_seed(9)
    V, E, K = 3, 2, 2
    probs = torch.tensor([0.6, 0.3, 0.1], dtype=torch.float64)
    w_in, w_out = torch.randn(V, E, generator=g, dtype=torch.float64), torch.randn(V, E, generator=g, dtype=torch.float64)
    c, o = torch.tensor([0, 2, 1]), torch.tensor([1, 0, 1])  # B = 3 pairs

    def per_pair_expectation():  # each pair's K words independent of the other pairs': V^(B*K) draws
        total_in, total_out = torch.zeros(V, E, dtype=torch.float64), torch.zeros(V, E, dtype=torch.float64)
        for draw in itertools.product(range(V), repeat=len(c) * K):
            ids = torch.tensor(draw).view(len(c), K)  # [B, K]
            d_c, d_o, d_n = analytic_gradients(w_in[c], w_out[o], w_out[ids])  # closed form, checked above
            weight = probs[list(draw)].prod()
            total_in.index_add_(0, c, weight * d_c)
            total_out.index_add_(0, o, weight * d_o).index_add_(0, ids.reshape(-1), weight * d_n.reshape(-1, E))
        return total_in, total_out

    shared_in, shared_out = torch.zeros(V, E, dtype=torch.float64), torch.zeros(V, E, dtype=torch.float64)
    for draw in itertools.product(range(V), repeat=K):
        ids, weight = torch.tensor(draw), probs[list(draw)].prod()
        _, d_c, d_o, d_n = lab["shared_sgns_loss_and_grad"](w_in[c], w_out[o], w_out[ids])
        shared_in.index_add_(0, c, weight * d_c)
        shared_out.index_add_(0, o, weight * d_o).index_add_(0, ids, weight * d_n)
    want_in, want_out = per_pair_expectation()
    torch.testing.assert_close(shared_in, want_in, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(shared_out, want_out, rtol=1e-10, atol=1e-12)
    # the shared estimator is not the per-pair one draw by draw: only in expectation
    _, d_c, _, _ = lab["shared_sgns_loss_and_grad"](w_in[c], w_out[o], w_out[torch.tensor([0, 0])])
    assert not torch.allclose(torch.zeros(V, E, dtype=torch.float64).index_add_(0, c, d_c), want_in)


class _Recorder:
    """Stands in for ``autograder`` in a test cell: judges every check against the committed key."""

    def __init__(self):
        self.failed = []

    def marks(self, *args, **kwargs):
        import contextlib

        return contextlib.nullcontext()

    def check(self, check_id, value, **kwargs):
        if not accepted(check_id, value):
            self.failed.append(check_id)


def run_shared_block(lab, loss_and_grad):
    """The ids of the checks of the master's `shared_negatives_tests` cell that `loss_and_grad` fails."""
    nb = nbformat.read(SOURCE, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "shared_negatives_tests")
    recorder = _Recorder()
    namespace = {**lab, "autograder": recorder, "shared_sgns_loss_and_grad": loss_and_grad}
    exec(compile(cell.source, "shared_negatives_tests", "exec"), namespace)
    return recorder.failed


def hand_gradient_mistakes(lab):
    """Broken hand gradients a student writes, each a full (loss, d_centre, d_context, d_noise)."""
    right = lab["shared_sgns_loss_and_grad"]

    def positive_without_minus_one(c, o, n):  # d log s(x)/dx taken as s(x) instead of s(x) - 1
        loss, d_c, d_o, d_n = right(c, o, n)
        g_pos = torch.sigmoid((c * o).sum(-1)) / len(c)
        g_neg = torch.sigmoid(c @ n.T) / len(c)
        return loss, g_pos[:, None] * o + g_neg @ n, g_pos[:, None] * c, d_n

    def noise_gradient_from_contexts(c, o, n):  # d_noise built from the context vectors
        loss, d_c, d_o, _ = right(c, o, n)
        return loss, d_c, d_o, (torch.sigmoid(c @ n.T) / len(c)).T @ o

    def no_mean(c, o, n):  # the gradient of the summed loss returned with the mean loss
        loss, d_c, d_o, d_n = right(c, o, n)
        return loss, len(c) * d_c, len(c) * d_o, len(c) * d_n

    def mean_over_noise(c, o, n):  # the noise terms averaged instead of summed (loss and gradient agree)
        batch, k = len(c), len(n)
        pos, neg = (c * o).sum(-1), c @ n.T
        loss = -(F.logsigmoid(pos).sum() + F.logsigmoid(-neg).sum() / k) / batch
        g_pos, g_neg = (torch.sigmoid(pos) - 1) / batch, torch.sigmoid(neg) / (batch * k)
        return loss, g_pos[:, None] * o + g_neg @ n, g_pos[:, None] * c, g_neg.T @ c

    return [positive_without_minus_one, noise_gradient_from_contexts, no_mean, mean_over_noise]


def test_shared_block_passes_the_reference_and_fails_each_hand_gradient_mistake(lab):
    """Does the graded block pass the master's function and fail each broken gradient (the key judging)?"""
    assert run_shared_block(lab, lab["shared_sgns_loss_and_grad"]) == []
    for mistake in hand_gradient_mistakes(lab):
        assert run_shared_block(lab, mistake), f"{mistake.__name__} passes every check of the block"


def test_noise_distribution_is_unigram_to_the_three_quarters(lab):
    """Is P_n(w) = c_w^0.75 / sum c^0.75 (and another power when asked)?"""
    counts = np.array([1000, 250, 40, 7, 1])
    for power in (0.75, 0.5, 1.0):
        expected = np.array([c ** power for c in counts]) / sum(c ** power for c in counts)
        np.testing.assert_allclose(lab["noise_distribution"](counts, power=power), expected, rtol=1e-12)
    assert np.isclose(lab["noise_distribution"](counts).sum(), 1.0)


def test_keep_probabilities_equal_gensims_own_subsampling_table(lab):
    """Do the keep probabilities equal gensim's per-word sample_int / 2^32 on a real vocabulary?"""
    from gensim.models import Word2Vec

    from seqlabs.word2vec import prepare_corpus
    from seqlabs.word2vec_corpora import load_texts

    data = prepare_corpus(load_texts("embedded").train, min_count=5, window=2)
    for t in (1e-3, 1e-4):
        model = Word2Vec(vector_size=4, min_count=1, sample=t, sg=1, workers=1)
        model.build_vocab(data.tokens)
        gensim_keep = np.array([model.wv.get_vecattr(w, "sample_int") / 2**32 for w in data.idx_to_word])
        ours = lab["keep_probabilities"](data.counts, t)
        np.testing.assert_allclose(ours, gensim_keep, rtol=1e-6, atol=1e-9)
        assert ours.min() < 1.0  # the check is not vacuous: some words are subsampled


def test_trainer_noise_table_draws_the_given_distribution():
    """Does seqlabs' unigram table hold each word's share of the noise distribution to within 1/size?"""
    from seqlabs.sgns import draw_noise, noise_table

    probs = torch.tensor([0.5, 0.3, 0.15, 0.04, 0.01], dtype=torch.float64)
    table = noise_table(probs, size=100_000)
    shares = torch.bincount(table, minlength=5).double() / len(table)
    torch.testing.assert_close(shares, probs, rtol=0, atol=2e-5)
    draws = draw_noise(table, 200_000, torch.Generator().manual_seed(0))
    assert (torch.bincount(draws, minlength=5).double() / 200_000 - probs).abs().max() < 5e-3


# ------------------------------------------------------------------ part 5: top-k

def test_top_k_equals_brute_force_sort(lab):
    """Are the top-k ids those of a full sort of cosine similarities, query excluded, most similar first?"""
    g = torch.Generator().manual_seed(6)
    vectors = torch.randn(40, 6, generator=g, dtype=torch.float64) * torch.rand(40, 1, generator=g) * 3
    queries = torch.tensor([0, 5, 39, 5])
    got = lab["top_k_neighbours"](vectors, queries, 7).tolist()
    for q, row in zip(queries.tolist(), got):
        sims = [(float(vectors[q] @ vectors[j] / (vectors[q].norm() * vectors[j].norm())), j)
                for j in range(40) if j != q]
        assert row == [j for _, j in sorted(sims, reverse=True)[:7]]


def test_top_k_key_rejects_the_query_itself_and_dot_products(lab):
    """Does the key reject neighbours that keep the query, or rank by dot product instead of cosine?"""
    generator = torch.Generator().manual_seed(5)
    vectors = torch.randn(30, 6, generator=generator) * torch.rand(30, 1, generator=generator) * 5
    queries = torch.tensor([0, 7, 29])
    assert accepted("top_k.ids", lab["top_k_neighbours"](vectors, queries, 4).tolist())
    unit = vectors / vectors.norm(dim=1, keepdim=True)
    with_self = (unit[queries] @ unit.T).topk(4, dim=1).indices.tolist()
    dots = vectors[queries] @ vectors.T
    dots[torch.arange(3), queries] = -float("inf")
    assert not accepted("top_k.ids", with_self)
    assert not accepted("top_k.ids", dots.topk(4, dim=1).indices.tolist())


def test_loss_key_rejects_the_usual_mistakes(lab):
    """Does the key reject a wrong sign on the noise term, a sum instead of a mean, and a missing minus?"""
    generator = torch.Generator().manual_seed(3)
    centre = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    context = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    noise = torch.randn(6, 3, 4, generator=generator, dtype=torch.float64)
    right = lab["sgns_loss"](centre, context, noise).item()
    assert accepted("sgns_loss.value", right)
    pos = F.logsigmoid((centre * context).sum(-1))
    scores = torch.einsum("bke,be->bk", noise, centre)
    assert not accepted("sgns_loss.value", -(pos + F.logsigmoid(scores).sum(-1)).mean().item())
    assert not accepted("sgns_loss.value", 6 * right)
    assert not accepted("sgns_loss.value", -right)
    counts = np.array([5000, 1200, 300, 40, 5, 1])
    assert not accepted("noise_distribution.values", counts / counts.sum())
    f = counts / counts.sum()
    assert not accepted("keep_probabilities.values", np.minimum(1.0, np.sqrt(1e-2 / f)))  # the paper's form


# ------------------------------------------------------------------ trained results: the broken-model catalogue

@pytest.fixture(scope="module")
def fast_run():
    """The fast profile's data, probe groups and a trainer with the reference pieces (trained once here)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import word2vec_catalogue

    return word2vec_catalogue.run_catalogue("fast")


@pytest.mark.slow
def test_reference_passes_and_every_broken_model_fails_the_fast_bounds(fast_run):
    """Does the reference pass both trained checks, and does each broken model fail at least one by a margin?"""
    bounds = {"auc": KEY["checks"]["sgns_auc.heldout"]["bound"]["fast"],
              "margin": KEY["checks"]["sgns_groups.margin"]["bound"]["fast"]}
    print("\n" + "\n".join(f"{name:18} AUC {s['auc']:.3f}  margin {s['margin']:.3f}" for name, s in fast_run.items()))
    ref = fast_run["reference"]
    assert ref["auc"] > bounds["auc"] + 0.03 and ref["margin"] > bounds["margin"] + 0.1
    for name, scores in fast_run.items():
        if name == "reference":
            continue
        fails_auc = not (scores["auc"] > bounds["auc"] - 0.05)  # nan fails too
        fails_margin = not (scores["margin"] > bounds["margin"] - 0.05)
        assert fails_auc and fails_margin, f"{name} is not rejected by a margin: {scores}"
