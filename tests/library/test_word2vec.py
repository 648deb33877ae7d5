"""The Word2Vec text pipeline."""
import random

import pytest
import torch
from nltk.stem.snowball import SnowballStemmer

from seqlabs.word2vec import (STOP_WORDS, build_vocab, filter_rare, normalize, prepare_corpus, skipgram_pairs,
                              tokenize)


def test_normalize_hand():
    """Are only a-z, @ and # kept, lower-cased, with apostrophes deleted?"""
    assert normalize("Don't STOP @User #DeepLearning 2024 rocks!!") == "dont stop @user #deeplearning rocks"
    assert normalize("  Zürich-based, e-mail: x@y.com ") == "z rich based e mail x@y com"
    with pytest.raises(TypeError):
        normalize(None)


def test_tokenize_stopwords_and_stems():
    """Are spaCy stop words removed and words Snowball-stemmed?"""
    assert {"the", "are", "and"} <= STOP_WORDS
    assert tokenize("The dogs are running and jumping! @bob #fun") == ["dog", "run", "jump", "@bob", "#fun"]
    st = SnowballStemmer("english")
    words = "generously connected happiness studies".split()
    assert tokenize(" ".join(words)) == [st.stem(w) for w in words]
    assert tokenize("The dogs", remove_stopwords=False, stem=False) == ["the", "dogs"]


def test_filter_rare_and_vocab():
    """Are tokens below min_count dropped, and ids by frequency then alphabet?"""
    lists = [["a", "b", "a"], ["c", "b", "a"], ["d"]]
    assert filter_rare(lists, 2) == [["a", "b", "a"], ["b", "a"], []]
    w2i, i2w, counts = build_vocab([["b", "a", "c", "a", "b", "d"]])
    assert i2w == ["a", "b", "c", "d"] and counts.tolist() == [2, 2, 1, 1] and w2i["c"] == 2


def _brute_pairs(id_lists, window):
    out = []
    for ids in id_lists:
        for i in range(len(ids)):
            for o in list(range(-window, 0)) + list(range(1, window + 1)):
                if 0 <= i + o < len(ids):
                    out.append((ids[i], ids[i + o]))
    return out


@pytest.mark.parametrize("window", [1, 2, 5])
def test_skipgram_pairs_match_double_loop(window):
    """Do the vectorised pairs equal the double loop, in the same order, never crossing texts?"""
    rng = random.Random(window)
    id_lists = [[rng.randrange(50) for _ in range(rng.randint(0, 12))] for _ in range(40)]
    c, x = skipgram_pairs(id_lists, window)
    assert c.dtype == torch.long and c.shape == x.shape
    assert list(zip(c.tolist(), x.tolist())) == _brute_pairs(id_lists, window)


def test_skipgram_hand_and_edges():
    """A hand example, and empty input / bad windows."""
    c, x = skipgram_pairs([[1, 2, 3], [4, 5]], 1)
    assert c.tolist() == [1, 2, 2, 3, 4, 5] and x.tolist() == [2, 1, 3, 2, 5, 4]
    c, x = skipgram_pairs([[], [7]], 2)
    assert c.numel() == 0 and x.numel() == 0
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs([[1, 2]], 0)


def test_prepare_corpus():
    """Does the whole pipeline give consistent tokens, vocabulary and pairs?"""
    texts = ["The cat sat on the mat.", "A cat and a dog!", "The dog sat.", "Cats sit; dogs sit."] * 3
    data = prepare_corpus(texts, min_count=3, window=1)
    assert set(data.idx_to_word) == {"cat", "sat", "dog", "sit", "mat"}
    assert data.vocab_size == 5 and data.counts.sum() == sum(len(t) for t in data.tokens)
    oracle = _brute_pairs([[data.word_to_idx[t] for t in toks] for toks in data.tokens], 1)
    assert list(zip(data.centres.tolist(), data.contexts.tolist())) == oracle
    with pytest.raises(ValueError, match="min_count"):
        prepare_corpus(["one text"], min_count=5)
    with pytest.raises(TypeError, match="list of texts"):
        prepare_corpus("just one string")
