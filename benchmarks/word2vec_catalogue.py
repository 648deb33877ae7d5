"""The lab 3 reference and a catalogue of broken-but-running models, scored by the lab's trained checks.

    python benchmarks/word2vec_catalogue.py --profile class      # prints one row per model

Each model is scored as the notebook's locked test cell scores the student's:
held-out AUC of ``in[c] . out[o]`` and the probe-group margin of the input
vectors. The catalogue (each one "learned nothing useful" in its own way):

* ``random``: Gaussian vectors, never trained;
* ``untrained``: word2vec's initialisation, zero context vectors;
* ``frequency only``: every word on one direction, scaled by its log count;
* ``shuffled pairs``: trained on the corpus with its tokens shuffled across all texts;
* ``wrong sign``: trained on the negated loss and gradient (gradient ascent);
* ``no negatives``: the noise term missing from loss and gradient (everything collapses together);
* ``wrong axis``: the positive scores as a ``[B, B]`` product averaged over its last axis, not its diagonal (autograd);
* ``wrong hand gradient``: the right loss, the positive term's derivative taken as s(x) instead of s(x) - 1.

All train as the lab does: noise shared by the batch, the gradient by hand
(``grad_fn``) except ``wrong axis``, whose loss only autograd differentiates.

``tests/labs/test_lab3_reference.py`` asserts that the fast-profile bounds in
the key reject each of them and pass the reference; docs/benchmarks.md
records the figures for every profile.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from word2vec_reference import keep_probabilities, noise_distribution, shared_sgns_loss_and_grad  # noqa: E402

from seqlabs.embedding_eval import group_margin, heldout_pairs, pair_auc, word_groups  # noqa: E402
from seqlabs.settings import for_profile  # noqa: E402
from seqlabs.settings.lab3 import Lab3Settings  # noqa: E402
from seqlabs.sgns import train_negative_sampling  # noqa: E402
from seqlabs.word2vec import prepare_corpus  # noqa: E402
from seqlabs.word2vec_corpora import load_texts  # noqa: E402


def wrong_sign(centre, context, noise):
    loss, d_centre, d_context, d_noise = shared_sgns_loss_and_grad(centre, context, noise)
    return -loss, -d_centre, -d_context, -d_noise


def no_negatives(centre, context, noise):
    positive = (centre * context).sum(-1)  # [B]
    g_pos = (torch.sigmoid(positive) - 1) / len(centre)  # [B]
    return (-F.logsigmoid(positive).mean(), g_pos[:, None] * context, g_pos[:, None] * centre,
            torch.zeros_like(noise))


def wrong_axis(centre, context, noise):
    # the positive score as a matrix product like the noise scores: [B, B], every centre against every context
    # of the batch, averaged over the contexts (axis -1) where the pair's own score is the diagonal
    positive = F.logsigmoid(centre @ context.T).mean(-1)  # [B]
    return -(positive.sum() + F.logsigmoid(-(centre @ noise.T)).sum()) / len(centre)


def wrong_hand_gradient(centre, context, noise):
    loss, _, _, d_noise = shared_sgns_loss_and_grad(centre, context, noise)
    g_pos = torch.sigmoid((centre * context).sum(-1)) / len(centre)  # [B] should be s(x) - 1
    g_neg = torch.sigmoid(centre @ noise.T) / len(centre)  # [B, K]
    return loss, g_pos[:, None] * context + g_neg @ noise, g_pos[:, None] * centre, d_noise


BROKEN = {"wrong sign": dict(grad_fn=wrong_sign), "no negatives": dict(grad_fn=no_negatives),
          "wrong axis": dict(loss_fn=wrong_axis), "wrong hand gradient": dict(grad_fn=wrong_hand_gradient)}


def run_catalogue(profile: str, *, progress_mode: str = "off", show: bool = False,
                  reference_seeds: int = 1) -> dict[str, dict[str, float]]:
    """``{model name: {"auc": ..., "margin": ...}}`` for the reference and every broken model.

    ``reference_seeds > 1`` adds rows ``reference seed 1`` ... for the reference trained with other seeds
    (the spread the bounds must leave room for).
    """
    s = for_profile(Lab3Settings, profile)
    torch.set_num_threads(s.torch_threads)
    texts = load_texts(s.corpus)
    data = prepare_corpus(texts.train, min_count=s.min_count, window=s.window)
    ids = [[data.word_to_idx[t] for t in toks] for toks in data.tokens]
    hc, ho = heldout_pairs(texts.heldout, data.word_to_idx, s.window)
    groups = word_groups(s.corpus, data.word_to_idx)
    V = data.vocab_size

    def train(id_lists, step, seed=s.seed):
        keep = keep_probabilities(data.counts, s.subsample) if s.subsample else np.ones(V)
        return train_negative_sampling(id_lists, V, **step, noise_probs=noise_distribution(data.counts),
                                       keep_probs=keep, dim=s.embedding_dim, window=s.window,
                                       negatives=s.negatives, epochs=s.epochs, batch_size=s.batch_size,
                                       lr=s.learning_rate, seed=seed, progress_mode=progress_mode)

    def score(vin, vout):
        auc = pair_auc(lambda c, o: (vin[c] * vout[o]).sum(-1), hc, ho, seed=s.seed)
        result = {"auc": auc, "margin": group_margin(vin, groups)}
        if show:  # as it goes: a class-profile catalogue takes minutes per trained model
            print(f"{profile:6} model {len(rows) + 1}: held-out AUC {auc:.3f}   group margin {result['margin']:+.3f}",
                  flush=True)
        return result

    rows = {}
    ref = train(ids, dict(grad_fn=shared_sgns_loss_and_grad))
    rows["reference"] = score(ref.in_vectors, ref.out_vectors)
    for extra in range(1, reference_seeds):
        other = train(ids, dict(grad_fn=shared_sgns_loss_and_grad), seed=s.seed + extra)
        rows[f"reference seed {s.seed + extra}"] = score(other.in_vectors, other.out_vectors)
    g = torch.Generator().manual_seed(1)
    rows["random"] = score(torch.randn(V, s.embedding_dim, generator=g), torch.randn(V, s.embedding_dim, generator=g))
    init = (torch.rand(V, s.embedding_dim, generator=g) - 0.5) / s.embedding_dim
    rows["untrained"] = score(init, torch.zeros(V, s.embedding_dim))
    direction = torch.randn(s.embedding_dim, generator=g)
    freq = torch.log(torch.as_tensor(data.counts, dtype=torch.float32))[:, None] * direction  # [V, E]
    rows["frequency only"] = score(freq + 1e-3 * torch.randn(V, s.embedding_dim, generator=g), freq)
    flat = [t for toks in ids for t in toks]
    random.Random(s.seed).shuffle(flat)
    shuffled, pos = [], 0
    for toks in ids:
        shuffled.append(flat[pos:pos + len(toks)])
        pos += len(toks)
    bad = train(shuffled, dict(grad_fn=shared_sgns_loss_and_grad))
    rows["shuffled pairs"] = score(bad.in_vectors, bad.out_vectors)
    for name, step in BROKEN.items():
        bad = train(ids, step)
        rows[name] = score(bad.in_vectors, bad.out_vectors)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="fast", choices=["fast", "class", "full"])
    parser.add_argument("--reference-seeds", type=int, default=1, help="train the reference with this many seeds")
    args = parser.parse_args()
    for name, scores in run_catalogue(args.profile, show=True, reference_seeds=args.reference_seeds).items():
        print(f"{args.profile:6} {name:16} held-out AUC {scores['auc']:.3f}   group margin {scores['margin']:+.3f}")


if __name__ == "__main__":
    main()
