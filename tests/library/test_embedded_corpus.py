"""The embedded German-English corpus: sizes, determinism, and the grammar it teaches."""
import re

import pytest

from seqlabs.corpora import load_parallel, translation_datasets
from seqlabs.corpora.embedded import (EMBEDDED_SIZES, NOUNS, VERBS, generate_pairs, load_embedded,
                                      noun_phrase_de, noun_phrase_en)
from seqlabs.text import Vocab, tokenize_many


@pytest.fixture(scope="module")
def splits():
    return {s: load_embedded(s) for s in EMBEDDED_SIZES}


def test_sizes_and_disjoint(splits):
    """Are there 6000/500/500 distinct pairs with no German sentence in two splits?"""
    assert {s: len(c) for s, c in splits.items()} == {"train": 6000, "val": 500, "test": 500}
    all_de = [d for c in splits.values() for d in c.de]
    assert len(set(all_de)) == 7000
    assert load_embedded("test_2016_flickr").de == splits["test"].de


def test_deterministic(splits):
    """Is the corpus the same on every call and for every process (fixed seed, pinned first pairs)?"""
    assert generate_pairs(5) == list(zip(splits["train"].de[:5], splits["train"].en[:5]))
    assert generate_pairs(5, seed=1) != generate_pairs(5)
    assert splits["train"].de[2] == "Ein Vater lacht." and splits["train"].en[2] == "A father laughs."


def test_load_parallel_says_embedded(monkeypatch):
    """Without SEQLABS_DATA, does load_parallel return the embedded corpus and say so?"""
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    c = load_parallel("val")
    assert c.name == "embedded" and "generated in seqlabs" in c.describe()
    assert load_parallel("train", source="embedded").name == "embedded"


@pytest.mark.parametrize("args, de", [
    (("Mann", "nom"), "der Mann"), (("Mann", "acc"), "den Mann"), (("Mann", "dat"), "dem Mann"),
    (("Frau", "dat"), "der Frau"), (("Kind", "acc"), "das Kind"),
    (("Mann", "acc", False, False, "alt"), "einen alten Mann"),
    (("Mann", "nom", False, False, "alt"), "ein alter Mann"),
    (("Kind", "nom", False, False, "klein"), "ein kleines Kind"),
    (("Frau", "dat", False, False, "müde"), "einer müden Frau"),
    (("Mann", "nom", True, True, "alt"), "die alten Männer"),
    (("Mann", "dat", True, True), "den Männern"), (("Frau", "dat", True, True), "den Frauen"),
    (("Auto", "dat", True, True), "den Autos"),
    (("Hund", "nom", False, True, "groß"), "große Hunde"), (("Hund", "dat", False, True, "groß"), "großen Hunden"),
    (("Haus", "dat", True, False, "neu"), "dem neuen Haus"),
])
def test_german_noun_phrases(args, de):
    """Are articles and adjective endings right for gender, number, case and article type (grammar tables)?"""
    noun, case, *rest = args
    kw = dict(zip(("definite", "plural", "adj"), rest))
    assert noun_phrase_de(noun, case, **kw) == de


def test_english_noun_phrases():
    """Do English phrases use the/a/an and plurals?"""
    assert noun_phrase_en("Mann", adj="alt", definite=False) == "an old man"
    assert noun_phrase_en("Apfel", definite=False) == "an apple"
    assert noun_phrase_en("Hund", definite=False, plural=True, adj="groß") == "big dogs"
    assert noun_phrase_en("Kind", plural=True) == "the children"


def test_agreement_in_corpus(splits):
    """Does every finite verb agree with its subject (singular verb form after singular article)?"""
    sg_subject = re.compile(r"^(Der|Die|Das|Ein|Eine) (\w+ )?(\w+) (schläft|lacht|liest|sieht|kauft|isst|hat)\b")
    checked = 0
    for de in splits["train"].de:
        m = sg_subject.match(de)
        if m and m.group(1) != "Die":
            checked += 1
            noun = m.group(3)
            assert noun in {n.de for n in NOUNS}, de
    assert checked > 200


def test_verb_final_and_verb_second(splits):
    """Do subordinate clauses end in a finite verb, and fronted phrases put the verb before the subject?"""
    finite = {v.de3 for v in VERBS} | {v.de_pl for v in VERBS} | {"hat", "haben", "ist", "sind"}
    subs = [d for d in splits["train"].de if re.search(r", (weil|wenn|obwohl|dass) ", d)]
    assert len(subs) > 1000
    for d in subs:
        assert d.rstrip(".").split()[-1] in finite, d
    fronted = [(d, e) for d, e in zip(splits["train"].de, splits["train"].en)
               if re.match(r"^(Im|Am|In|Auf|Neben|Vor|Hinter|An|Mit) ", d)]
    assert len(fronted) > 300
    for d, e in fronted:
        assert ", " in e and not e.startswith("The "), (d, e)  # English: "In the park, the man reads ..."
        words = d.rstrip(".").split()
        noun_at = next(i for i in range(1, len(words)) if words[i][0].isupper())  # the PP's noun
        assert words[noun_at + 1] in finite, d  # verb second: the finite verb right after the fronted phrase


def test_vocabulary_small_and_closed(splits):
    """Is the vocabulary small (hundreds) and do val/test contain no word unseen in train?"""
    tr_de = tokenize_many(splits["train"].de, "de", lower=True)
    tr_en = tokenize_many(splits["train"].en, "en", lower=True)
    vde, ven = Vocab.build(tr_de), Vocab.build(tr_en)
    assert 100 < len(vde) < 400 and 80 < len(ven) < 300
    for split in ("val", "test"):
        for toks in tokenize_many(splits[split].de, "de", lower=True):
            assert all(t in vde for t in toks)
    lengths = [len(t) for t in tr_de]
    assert 6 < sum(lengths) / len(lengths) < 16


def test_translation_datasets_embedded(monkeypatch):
    """Does translation_datasets build train-side vocabularies and three PairDatasets, reversing on request?"""
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    data = translation_datasets(reverse_source=True)
    assert data.source.startswith("embedded train: 6000")
    assert (len(data.train), len(data.val), len(data.test)) == (6000, 500, 500)
    src, trg = data.train[2]  # "Ein Vater lacht." / "A father laughs."
    assert data.src_vocab.decode(src) == ["<sos>", ".", "lacht", "vater", "ein", "<eos>"]
    assert data.trg_vocab.decode(trg) == ["<sos>", "a", "father", "laughs", ".", "<eos>"]
    with pytest.raises(ValueError, match="src_lang"):
        translation_datasets(src_lang="fr")


@pytest.mark.parametrize("limit, max_words", [(None, None), (50, None), (None, 6), (30, 8), (0, 8), (10, 1)])
def test_first_keeps_the_first_short_pairs_in_order(limit, max_words):
    """``ParallelCorpus.first``: the first ``limit`` pairs whose German side has at most ``max_words`` words,
    against a plain loop over the pairs."""
    corpus = load_embedded("train")
    expected = []
    for de, en in zip(corpus.de, corpus.en):
        if limit is not None and len(expected) == limit:
            break
        if max_words is None or len(de.split()) <= max_words:
            expected.append((de, en))
    part = corpus.first(limit, max_words=max_words)
    assert list(zip(part.de, part.en)) == expected
    assert (part.name, part.split, part.origin) == (corpus.name, corpus.split, corpus.origin)
    if max_words == 6 and limit is None:
        assert 0 < len(part) < len(corpus)
