"""spaCy tokenisers and Vocab."""
from collections import Counter

import pytest
import torch

from seqlabs.text import (SPECIALS, Vocab, get_tokenizer, tokenize, tokenize_de, tokenize_en, tokenize_many,
                          tokenize_pairs)


def test_tokenize_hand_examples():
    """Do the blank spaCy tokenisers split punctuation and clitics as the sm models do?"""
    assert tokenize_de("Zwei Männer stehen am Herd.") == ["Zwei", "Männer", "stehen", "am", "Herd", "."]
    assert tokenize_en("A man's dog isn't here.") == ["A", "man", "'s", "dog", "is", "n't", "here", "."]
    assert tokenize_en("Two Men.", lower=True) == ["two", "men", "."]
    assert tokenize_de("Hallo, Welt!", lower=True) == ["hallo", ",", "welt", "!"]


def test_whitespace_tokens_legacy():
    """Are runs of spaces kept as tokens (legacy torchtext) unless drop_space=True?"""
    assert tokenize_en("a  b") == ["a", " ", "b"]
    assert tokenize_en("a  b", drop_space=True) == ["a", "b"]
    assert tokenize_en("") == []


def test_tokenize_many_matches_single():
    """Does the piped tokeniser give the same tokens as one call per sentence?"""
    sents = ["Ein Mann fährt Fahrrad.", "Zwei Hunde  spielen im Schnee!", ""]
    assert tokenize_many(sents, "de", lower=True) == [tokenize(s, "de", lower=True) for s in sents]
    tok = get_tokenizer("en", lower=True)
    assert tok("The Cat.") == ["the", "cat", "."]


def test_tokenize_pairs_is_each_side_sentence_by_sentence():
    """Are tokenize_pairs' German and English lists one tokenize(..., lower=True) per sentence, the first
    `limit` pairs only (all for None), and the case kept on request?"""
    class Pairs:  # a Multi30k split's shape: parallel .de and .en lists
        de = ["Ein Mann fährt Fahrrad.", "Zwei Hunde spielen.", "Ein Kind."]
        en = ["A man rides a bike.", "Two dogs play.", "A child."]
    de, en = tokenize_pairs(Pairs, 2)
    assert de == [tokenize(s, "de", lower=True) for s in Pairs.de[:2]] and en[1] == ["two", "dogs", "play", "."]
    assert [len(side) for side in tokenize_pairs(Pairs)] == [3, 3]
    assert tokenize_pairs(Pairs, 1, lower=False)[1] == [["A", "man", "rides", "a", "bike", "."]]


def test_tokenize_errors():
    """Are unknown languages and non-strings refused with clear messages?"""
    with pytest.raises(ValueError, match="'fr'.*de, en"):
        tokenize("bonjour", "fr")
    with pytest.raises(TypeError, match="str"):
        tokenize(["a"], "en")
    with pytest.raises(TypeError, match="list of sentences"):
        tokenize_many("one sentence", "en")


def test_vocab_order_hand_computed():
    """Are specials first, then tokens by frequency desc with alphabetical ties, min_freq applied?"""
    lists = [["b", "a", "c", "a"], ["b", "d", "a"], ["e"]]   # a:3, b:2, c:1, d:1, e:1
    v = Vocab.build(lists, min_freq=1)
    assert v.itos == list(SPECIALS) + ["a", "b", "c", "d", "e"]
    assert v.stoi["<unk>"] == 0 and v.pad_index == 1 and v.sos_index == 2 and v.eos_index == 3
    v2 = Vocab.build(lists, min_freq=2)
    assert v2.itos == list(SPECIALS) + ["a", "b"] and len(v2) == 6
    assert Vocab(Counter(a=5, b=5, c=5), max_size=2).itos[4:] == ["a", "b"]


def test_vocab_matches_brute_force_count():
    """Is len(vocab) = 4 + #distinct tokens with count >= min_freq (brute force)?"""
    import random
    rng = random.Random(0)
    lists = [[rng.choice("abcdefghij") * rng.randint(1, 3) for _ in range(rng.randint(0, 8))]
             for _ in range(200)]
    flat = [t for l in lists for t in l]
    for k in (1, 2, 5, 20):
        brute = len({t for t in flat if flat.count(t) >= k})
        assert len(Vocab.build(lists, min_freq=k)) == 4 + brute


def test_encode_decode_roundtrip_and_unk():
    """Do encode/decode invert each other, with unknown tokens mapped to <unk>?"""
    v = Vocab.build([["ein", "mann", "ein"]])
    ids = v.encode(["ein", "mann", "zebra"])
    assert ids == [4, 5, 0]
    assert v.decode(ids) == ["ein", "mann", "<unk>"]
    assert v.decode(torch.tensor([2, 4, 5, 3, 1, 1]), strip_specials=True) == ["ein", "mann"]
    assert v["never"] == v.unk_index == 0 and "ein" in v and "never" not in v


def test_vocab_errors():
    """Do unknown ids, strings and odd specials give errors naming the problem?"""
    v = Vocab.build([["x"]])
    with pytest.raises(IndexError, match=r"token id 99 .*0\.\.4"):
        v.decode([99])
    with pytest.raises(IndexError, match="token id -1"):
        v.lookup_token(-1)
    with pytest.raises(TypeError, match="tokenise"):
        v.encode("a sentence")
    with pytest.raises(TypeError, match="tokenise"):
        Vocab.build(["a sentence"])
    with pytest.raises(ValueError, match="distinct"):
        Vocab(Counter(), specials=("<unk>", "<unk>"))
    no_unk = Vocab(Counter(a=1), specials=("<pad>",), unk_token=None)
    with pytest.raises(KeyError, match="no unk_token"):
        no_unk["b"]
    with pytest.raises(KeyError, match="no special '<sos>'"):
        no_unk.sos_index
