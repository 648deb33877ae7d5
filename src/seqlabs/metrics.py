"""Metrics the labs report: perplexity, corpus BLEU, sequence agreement.

BLEU is NLTK's corpus BLEU (Papineni et al. 2002: clipped n-gram counts summed
over the corpus, then one brevity penalty), reported on the 0-100 scale of
published tables (Multi30k seq2seq models: ~30-35). Sentences are token lists,
never strings: NLTK would silently score a string character by character.

`bleu_by_length` scores the same corpus BLEU within buckets of source length
(Bahdanau et al.'s figure 2: the fixed-context model falls off on long
sentences); `mean_max_attention` says how sharply attention weights focus
(1 / S for weights spread uniformly over S source tokens, 1 for one-hot).

`sequence_agreement(predicted, target) -> float in [0, 1]` is
`autograder.core.values.agreement`: the fraction of positions (flattened, C order)
where the two agree, the shorter one's missing positions counting as misses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from nltk.translate.bleu_score import SmoothingFunction
from nltk.translate.bleu_score import corpus_bleu as _nltk_corpus_bleu

# The grader judges `check_agreement` with exactly this function; re-exported, never re-implemented,
# so a lab's printed agreement and the grade agree by construction.
from autograder.core.values import agreement as sequence_agreement
from autograder.core.values import to_numpy

__all__ = ["perplexity", "corpus_bleu", "sequence_agreement", "bleu_by_length", "LengthBucket",
           "mean_max_attention"]


def perplexity(loss):
    """exp(loss): the perplexity of a mean per-token cross-entropy `loss` (nats).

    loss: a float, 0-d tensor, or an array of losses (any shape S; returns shape S).
    A loss too large for exp (> ~709.78) gives inf rather than OverflowError,
    so an untrained model early in a run prints `inf` instead of crashing.
    Raises ValueError for NaN (training diverged) and for a negative loss
    (not a cross-entropy).
    """
    arr = np.asarray(to_numpy(loss), dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError(
            "perplexity of a NaN loss: training diverged (or a batch had no non-pad tokens); "
            "lower the learning rate, clip gradients, and check the criterion's ignore_index"
        )
    if (arr < 0).any():
        raise ValueError(
            f"perplexity needs a cross-entropy loss (>= 0), got {arr.min()!r}; "
            "pass the mean negative log-likelihood per token, not a log-probability"
        )
    with np.errstate(over="ignore"):
        ppl = np.exp(arr)  # overflows to inf, never raises
    return float(ppl) if ppl.ndim == 0 else ppl


def _check_sentence(sentence, what: str) -> list[str]:
    if isinstance(sentence, str):
        raise TypeError(
            f"{what} is a string; BLEU needs a list of tokens (NLTK would score characters). "
            "Tokenise it first, e.g. sentence.split()"
        )
    try:
        return list(sentence)
    except TypeError:
        raise TypeError(f"{what} must be a list of tokens, got {type(sentence).__name__}") from None


def corpus_bleu(
    hypotheses: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]] | Sequence[Sequence[Sequence[str]]],
    *,
    max_n: int = 4,
    smoothing: bool = True,
) -> float:
    """Corpus BLEU of tokenised `hypotheses` against `references`, on a 0-100 scale.

    hypotheses: N token lists (the model's translations, without <sos>/<eos>).
    references: N entries, each one reference token list, or a list of
        reference token lists for that sentence (note the order: hypotheses
        first, unlike nltk's corpus_bleu(list_of_references, hypotheses)).
    max_n: uniform weights 1/max_n over 1..max_n-grams (BLEU-4 by default).
    smoothing: NLTK's SmoothingFunction().method1 (Chen & Cherry 2014,
        method 1): an n-gram order with zero matches over the whole corpus
        gets epsilon = 0.1 matches instead of zeroing the score. It changes
        nothing when every order has a match (any realistic test set), and
        keeps small corpora of short sentences from scoring exactly 0.
        False: plain Papineni BLEU (where an order has no match NLTK warns and
        returns a tiny positive number, ~1e-76 on this scale, in place of 0).

    Returns 100 * nltk.translate.bleu_score.corpus_bleu(...).
    """
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise TypeError("hypotheses and references must be lists of token lists, not strings")
    hypotheses, references = list(hypotheses), list(references)
    if not hypotheses:
        raise ValueError("corpus_bleu of an empty hypothesis list is undefined; translate at least one sentence")
    if len(hypotheses) != len(references):
        raise ValueError(
            f"corpus_bleu got {len(hypotheses)} hypotheses but {len(references)} references; "
            "pass one reference (or one list of references) per hypothesis, in the same order"
        )
    if max_n < 1:
        raise ValueError(f"max_n must be at least 1 (got {max_n})")
    hyps = [_check_sentence(h, f"hypothesis {i}") for i, h in enumerate(hypotheses)]
    refs = []
    for i, ref in enumerate(references):
        ref = _check_sentence(ref, f"reference {i}")
        if not ref:
            raise ValueError(f"reference {i} is empty; every hypothesis needs at least one non-empty reference")
        if all(isinstance(tok, str) for tok in ref):
            refs.append([ref])  # one reference
        else:
            refs.append([_check_sentence(r, f"reference {i}[{j}]") for j, r in enumerate(ref)])
    weights = (1.0 / max_n,) * max_n
    smoothing_function = SmoothingFunction().method1 if smoothing else None
    score = _nltk_corpus_bleu(refs, hyps, weights=weights, smoothing_function=smoothing_function)
    return 100.0 * float(score)


@dataclass(frozen=True)
class LengthBucket:
    """Corpus BLEU of the sentences whose source length is in [low, high)."""
    low: int
    high: float  # math.inf for the last bucket
    count: int   # sentences in the bucket
    bleu: float  # corpus BLEU (0-100) of those sentences; NaN when the bucket is empty

    @property
    def label(self) -> str:
        return f"{self.low}+" if math.isinf(self.high) else f"{self.low}-{int(self.high) - 1}"


def bleu_by_length(hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[str]],
                   source_lengths: Sequence[int], edges: Sequence[int]) -> list[LengthBucket]:
    """Corpus BLEU within source-length buckets ``[edges[0], edges[1]), ..., [edges[-1], inf)``.

    hypotheses, references: N token lists (as for ``corpus_bleu``);
    source_lengths: N source lengths (tokens, e.g. without <sos>/<eos>);
    edges: increasing bucket starts; sentences shorter than ``edges[0]`` are
    left out. Returns one ``LengthBucket`` per edge, in order.
    """
    if len(hypotheses) != len(references) or len(hypotheses) != len(source_lengths):
        raise ValueError(f"bleu_by_length got {len(hypotheses)} hypotheses, {len(references)} references and "
                         f"{len(source_lengths)} source lengths; pass one of each per sentence, in the same order")
    edges = [int(e) for e in edges]
    if not edges or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"edges must be a non-empty increasing list of lengths, got {edges}")
    buckets = []
    for low, high in zip(edges, edges[1:] + [math.inf]):
        members = [i for i, n in enumerate(source_lengths) if low <= n < high]
        bleu = corpus_bleu([hypotheses[i] for i in members], [references[i] for i in members]) if members else math.nan
        buckets.append(LengthBucket(low, high, len(members), bleu))
    return buckets


def mean_max_attention(attentions) -> float:
    """Mean over decoder steps of the largest attention weight: 1 / S if uniform, 1 if one-hot.

    attentions: attention matrices [L_i, S_i] (arrays or tensors, one per
    sentence, rows summing to one), or one such matrix. Every decoder step of
    every sentence counts once.
    """
    if hasattr(attentions, "shape"):
        attentions = [attentions]
    maxima = []
    for i, weights in enumerate(attentions):
        weights = np.asarray(to_numpy(weights), dtype=np.float64)
        if weights.ndim != 2 or weights.shape[1] == 0:
            raise ValueError(f"attention {i} must be a non-empty [L, S] matrix, got shape {weights.shape}")
        maxima.append(weights.max(axis=1))
    if not maxima or sum(len(m) for m in maxima) == 0:
        raise ValueError("mean_max_attention needs at least one decoder step")
    return float(np.concatenate(maxima).mean())
