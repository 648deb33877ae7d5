"""Judging word vectors: held-out pair AUC, probe-group margin, word similarity, analogies.

Every function takes the vectors as a ``[V, E]`` tensor (row ``i`` is word
``idx_to_word[i]``) and the lab's ``word_to_idx``. Words of the evaluation
sets go through the same pipeline as the corpus (``seqlabs.word2vec.tokenize``:
lower-case, stop words out, Snowball stems), so ``"tigers"`` is looked up as
``tigr``-style stems exactly as the training text was; a word that the pipeline
drops or splits, or that is not in the vocabulary, is *not covered*, and every
score says what share of its set it covered.

Sets shipped in gensim's wheel (``gensim.test.utils.datapath``, no download):
WordSim-353 (``wordsim353.tsv``, Finkelstein et al. 2002), SimLex-999
(``simlex999.txt``, Hill et al. 2015) and the Google analogy questions
(``questions-words.txt``, Mikolov et al. 2013a).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from seqlabs.word2vec import tokenize
from seqlabs.word2vec_corpora import TOPICS, gensim_datapath

__all__ = ["pair_auc", "heldout_pairs", "group_margin", "WORD_GROUPS", "word_groups", "map_word",
           "similarity_score", "SimilarityScore", "analogy_accuracy", "SIMILARITY_SETS", "cosine_matrix"]

SIMILARITY_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}

# Probe groups per corpus: words of one kind that a useful embedding puts closer to each
# other than to the other groups' words (raw words; mapped through the pipeline before use).
WORD_GROUPS: dict[str, dict[str, list[str]]] = {
    "embedded": {name: words[:6] for name, words in TOPICS.items()},
    "lee": {
        "conflict": ["palestinian", "israeli", "arafat", "sharon", "gaza", "hamas", "jerusalem", "west"],
        "afghanistan": ["afghanistan", "taliban", "bin", "laden", "qaeda", "kandahar", "pakistan"],
        "fire": ["fire", "bushfire", "firefighter", "blaze", "burn", "wind", "crew"],
        "cricket": ["cricket", "test", "wicket", "run", "bowler", "innings", "waugh"],
        "economy": ["market", "share", "rate", "bank", "dollar", "economy", "interest"],
    },
    "wikitext-2": {  # words frequent in Wikipedia's Good and Featured articles
        "family": ["father", "mother", "son", "daughter", "brother", "sister", "wife", "husband"],
        "months": ["january", "february", "march", "april", "june", "july", "august", "september"],
        "war": ["army", "battle", "troops", "soldiers", "forces", "attack", "war", "regiment"],
        "music": ["album", "song", "band", "singer", "guitar", "chart", "single", "records"],
        "nature": ["river", "island", "forest", "mountain", "lake", "coast", "sea", "valley"],
    },
    "multi30k": {
        "people": ["man", "woman", "boy", "girl", "child", "lady", "guy", "person"],
        "animals": ["dog", "cat", "horse", "bird", "cow", "sheep", "puppy"],
        "colours": ["red", "blue", "green", "black", "white", "yellow", "orange", "pink"],
        "water": ["water", "ocean", "beach", "lake", "river", "pool", "wave", "sea"],
        "music": ["guitar", "drum", "music", "band", "sing", "play", "stage", "microphone"],
    },
}


def map_word(word: str, word_to_idx: Mapping[str, int]) -> int | None:
    """The id of ``word`` after the corpus pipeline, or ``None`` if the pipeline drops it or it is unknown."""
    tokens = tokenize(word)
    return word_to_idx.get(tokens[0]) if len(tokens) == 1 else None


def _finite(vectors: torch.Tensor) -> bool:
    return bool(torch.isfinite(vectors).all())


def cosine_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarities ``[A, B]`` between the rows of ``a [A, E]`` and ``b [B, E]`` (zero rows give 0)."""
    a = a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)
    b = b / b.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return a @ b.T  # [A, B]


def heldout_pairs(texts: Sequence[str], word_to_idx: Mapping[str, int], window: int,
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(centre, context) pairs of held-out ``texts`` through the pipeline, unknown tokens dropped."""
    from seqlabs.word2vec import skipgram_pairs

    ids = [[word_to_idx[t] for t in tokenize(text) if t in word_to_idx] for text in texts]
    return skipgram_pairs(ids, window)


def pair_auc(score: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], centres: torch.Tensor,
             contexts: torch.Tensor, *, seed: int = 0) -> float:
    """AUC of ``score(centres, contexts)`` for real pairs against the same centres with shuffled contexts.

    The negatives keep every centre and take the context of another random
    pair, so the contexts' word frequencies are the same on both sides: a
    model that only knows how frequent a word is scores 0.5. Ties count half.
    ``nan`` when a score is not finite.
    """
    if len(centres) < 2:
        raise ValueError("pair_auc needs at least two held-out pairs; the held-out text is too short")
    generator = torch.Generator().manual_seed(seed)
    shuffled = contexts[torch.randperm(len(contexts), generator=generator)]  # [P]
    with torch.no_grad():
        pos = score(centres, contexts).double().flatten()  # [P]
        neg = score(centres, shuffled).double().flatten()  # [P]
    if not (torch.isfinite(pos).all() and torch.isfinite(neg).all()):
        return float("nan")
    both = torch.cat([pos, neg]).numpy()
    order = both.argsort(kind="stable")
    ranks = np.empty(len(both))
    ranks[order] = np.arange(1, len(both) + 1)
    # average ranks over ties
    sorted_vals = both[order]
    _, first, counts = np.unique(sorted_vals, return_index=True, return_counts=True)
    for start, count in zip(first[counts > 1], counts[counts > 1]):
        ranks[order[start:start + count]] = start + (count + 1) / 2
    n = len(pos)
    return float((ranks[:n].sum() - n * (n + 1) / 2) / (n * n))


def word_groups(corpus: str, word_to_idx: Mapping[str, int]) -> dict[str, list[int]]:
    """The probe groups of ``corpus`` as vocabulary ids (unknown words dropped, groups of < 2 words dropped)."""
    if corpus in WORD_GROUPS:
        raw = WORD_GROUPS[corpus]
    else:
        raise ValueError(f"no probe groups for corpus {corpus!r}; choose one of {', '.join(WORD_GROUPS)}")
    groups = {}
    for name, words in raw.items():
        ids = list(dict.fromkeys(i for i in (map_word(w, word_to_idx) for w in words) if i is not None))
        if len(ids) >= 2:
            groups[name] = ids
    return groups


def group_margin(vectors: torch.Tensor, groups: Mapping[str, Sequence[int]]) -> float:
    """Mean cosine of two words of one group minus the mean cosine of two words of different groups.

    ``groups``: name -> vocabulary ids (``word_groups``). About 0 for vectors
    that know nothing of meaning; up to 2. ``nan`` for non-finite vectors.
    """
    if len(groups) < 2:
        raise ValueError("group_margin needs at least two groups of at least two known words each")
    if not _finite(vectors):
        return float("nan")
    ids = torch.tensor([i for g in groups.values() for i in g])  # [W]
    label = torch.tensor([k for k, g in enumerate(groups.values()) for _ in g])  # [W]
    sims = cosine_matrix(vectors[ids].double(), vectors[ids].double())  # [W, W]
    same = label[:, None] == label[None, :]
    off_diagonal = ~torch.eye(len(ids), dtype=torch.bool)
    return float(sims[same & off_diagonal].mean() - sims[~same].mean())


@dataclass
class SimilarityScore:
    """Spearman correlation of cosine similarities with human ratings, over the covered pairs."""
    name: str
    spearman: float
    covered: int
    total: int

    @property
    def coverage(self) -> float:
        """Share of the set's pairs whose two words are both in the vocabulary."""
        return self.covered / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.name}: Spearman {self.spearman:+.3f} on {self.covered}/{self.total} pairs ({self.coverage:.0%})"


def _read_pairs(name: str) -> list[tuple[str, str, float]]:
    if name not in SIMILARITY_SETS:
        raise ValueError(f"unknown similarity set {name!r}; choose one of {', '.join(SIMILARITY_SETS)}")
    pairs = []
    for line in gensim_datapath(SIMILARITY_SETS[name]).read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if line.startswith("#") or len(parts) < 3:
            continue
        try:
            pairs.append((parts[0].lower(), parts[1].lower(), float(parts[2])))
        except ValueError:  # a header line
            continue
    return pairs


def similarity_score(vectors: torch.Tensor, word_to_idx: Mapping[str, int], name: str = "wordsim353",
                     ) -> SimilarityScore:
    """Spearman rank correlation between cosine similarity and the human scores of set ``name``."""
    from scipy.stats import spearmanr

    pairs = _read_pairs(name)
    a, b, human = [], [], []
    for w1, w2, s in pairs:
        i, j = map_word(w1, word_to_idx), map_word(w2, word_to_idx)
        if i is not None and j is not None and i != j:
            a.append(i), b.append(j), human.append(s)
    if len(a) < 3 or not _finite(vectors):
        return SimilarityScore(name, float("nan"), len(a), len(pairs))
    va, vb = vectors[torch.tensor(a)].double(), vectors[torch.tensor(b)].double()
    cos = (cosine_matrix(va, vb).diagonal()).numpy()
    return SimilarityScore(name, float(spearmanr(cos, human).statistic), len(a), len(pairs))


def analogy_accuracy(vectors: torch.Tensor, word_to_idx: Mapping[str, int]) -> tuple[float, int, int]:
    """3CosAdd on the Google analogy questions ``a : b :: c : ?`` covered by the vocabulary.

    The answer is the word whose vector is closest (cosine) to ``b - a + c``,
    the three question words excluded. Returns ``(accuracy, covered, total)``.
    """
    questions, total = [], 0
    for line in gensim_datapath("questions-words.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(":") or not line.strip():
            continue
        total += 1
        ids = [map_word(w, word_to_idx) for w in line.split()]
        if None not in ids and len(set(ids)) == 4:
            questions.append(ids)
    if not questions or not _finite(vectors):
        return float("nan"), len(questions), total
    q = torch.tensor(questions)  # [Q, 4]
    unit = vectors.double() / vectors.double().norm(dim=1, keepdim=True).clamp_min(1e-12)  # [V, E]
    target = unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]  # [Q, E]
    sims = target @ unit.T  # [Q, V]
    sims.scatter_(1, q[:, :3], float("-inf"))
    return float((sims.argmax(1) == q[:, 3]).double().mean()), len(questions), total
