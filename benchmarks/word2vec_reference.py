"""Reference negative-sampling pieces for the benchmark and the broken-model catalogue (not shipped).

The lab's students write these (``labs/source/lab3_word2vec.ipynb``); seqlabs
must not contain them, so the benchmark and the catalogue tests take them
from here. They follow Mikolov et al. (2013b) and word2vec.c / gensim:

* noise distribution: P_n(w) = count(w)^0.75 / sum_v count(v)^0.75;
* subsampling: keep w with probability min(1, (sqrt(f(w) / t) + 1) t / f(w)), f = count / total;
* loss per pair: -[log s(u_o . v_c) + sum_k log s(-u_k . v_c)], averaged over the batch;
* the same loss with the K noise vectors shared by the batch (HogBatch), and its hand-derived gradient.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def noise_distribution(counts, power: float = 0.75) -> np.ndarray:
    """Unigram counts raised to ``power``, normalised: [V]."""
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()


def keep_probabilities(counts, t: float = 1e-3) -> np.ndarray:
    """word2vec.c's probability of keeping each occurrence of each word: [V]."""
    if t <= 0:
        return np.ones(len(counts))
    f = np.asarray(counts, dtype=np.float64) / np.sum(counts)
    return np.minimum(1.0, (np.sqrt(f / t) + 1.0) * t / f)


def sgns_loss(centre: torch.Tensor, context: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mean negative-sampling loss of a batch: centre [B, E], context [B, E], noise [B, K, E]."""
    # As the lab's solution writes it (a broadcast product, not ``torch.bmm``: a batch of [K, E] x [E, 1]
    # products is 1.5x slower on a CPU, forward and backward).
    positive = F.logsigmoid((centre * context).sum(-1))  # [B]
    negative = F.logsigmoid(-(noise * centre.unsqueeze(1)).sum(-1)).sum(-1)  # [B]
    return -(positive + negative).mean()


def shared_sgns_loss(centre: torch.Tensor, context: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mean loss with noise shared by the batch: centre [B, E], context [B, E], noise [K, E] -> scalar."""
    positive = F.logsigmoid((centre * context).sum(-1))  # [B]
    negative = F.logsigmoid(-(centre @ noise.T))  # [B, K]
    return -(positive.sum() + negative.sum()) / len(centre)


def shared_sgns_loss_and_grad(centre: torch.Tensor, context: torch.Tensor, noise: torch.Tensor):
    """``shared_sgns_loss`` and its gradient by hand: (loss, d_centre [B, E], d_context [B, E], d_noise [K, E])."""
    batch = len(centre)
    positive = (centre * context).sum(-1)  # [B] u_o . v_c
    negative = centre @ noise.T  # [B, K] u_k . v_c
    loss = -(F.logsigmoid(positive).sum() + F.logsigmoid(-negative).sum()) / batch
    g_pos = (torch.sigmoid(positive) - 1) / batch  # [B] d loss / d positive
    g_neg = torch.sigmoid(negative) / batch  # [B, K] d loss / d negative
    d_centre = g_pos[:, None] * context + g_neg @ noise  # [B, E]
    d_context = g_pos[:, None] * centre  # [B, E]
    d_noise = g_neg.T @ centre  # [K, E]
    return loss, d_centre, d_context, d_noise
