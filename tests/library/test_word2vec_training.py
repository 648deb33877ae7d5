"""The Word2Vec lab's given pieces: corpora, the trainers' plumbing, the judges of word vectors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqlabs.embedding_eval import (analogy_accuracy, cosine_matrix, group_margin, heldout_pairs, map_word,
                                    pair_auc, similarity_score, word_groups)
from seqlabs.sgns import train_full_softmax, train_negative_sampling
from seqlabs.word2vec import pairs_of_flat, prepare_corpus, skipgram_pairs
from seqlabs.word2vec_corpora import TOPICS, generate_topic_texts, load_texts


def test_generated_topic_texts_are_deterministic_and_topical():
    """Same seed, same texts; and most words of a text come from one topic."""
    a, b = generate_topic_texts(50, 1), generate_topic_texts(50, 1)
    assert a == b and a != generate_topic_texts(50, 2)
    words = a[0].rstrip(".").split()
    best = max(sum(w in topic for w in words) for topic in TOPICS.values())
    assert 8 <= len(words) <= 14 and best >= len(words) // 3


def test_load_texts_names_sources_and_errors():
    """Are the embedded and Lee corpora there offline, and is an unknown source or missing Multi30k explained?"""
    emb = load_texts("embedded")
    assert len(emb.train) == 2000 and len(emb.heldout) == 300 and "embedded" in emb.describe()
    lee = load_texts("lee")
    assert len(lee.train) == 300 and len(lee.heldout) == 50
    with pytest.raises(ValueError, match="choose one of"):
        load_texts("wikipedia")


def test_multi30k_without_data_says_what_to_set(monkeypatch):
    monkeypatch.delenv("SEQLABS_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="SEQLABS_DATA"):
        load_texts("multi30k")


def test_pairs_of_flat_equals_skipgram_pairs():
    """Is the flat form the per-text form on texts laid end to end?"""
    lists = [[1, 2, 3], [], [4, 5, 6, 7]]
    flat = np.array([i for x in lists for i in x])
    text = np.repeat(np.arange(3), [len(x) for x in lists])
    for a, b in zip(pairs_of_flat(flat, text, 2), skipgram_pairs(lists, 2)):
        assert torch.equal(a, b)


def test_pair_auc_hand_cases():
    """Perfect scores give 1, reversed 0, constant 0.5 (ties count half), non-finite nan."""
    c = torch.arange(6)
    o = torch.arange(6)
    assert pair_auc(lambda a, b: (a == b).double(), c, o) == pytest.approx(1.0, abs=0.1)
    assert pair_auc(lambda a, b: -(a == b).double(), c, o) == pytest.approx(0.0, abs=0.1)
    assert pair_auc(lambda a, b: torch.zeros(len(a)), c, o) == 0.5
    assert np.isnan(pair_auc(lambda a, b: torch.full((len(a),), float("nan")), c, o))


def test_group_margin_and_cosine():
    """Two tight, opposite groups give a margin near 2; identical vectors 0."""
    v = torch.tensor([[1.0, 0.0], [0.9, 0.1], [-1.0, 0.0], [-0.9, -0.1]])
    assert group_margin(v, {"a": [0, 1], "b": [2, 3]}) > 1.9
    assert group_margin(torch.ones(4, 2), {"a": [0, 1], "b": [2, 3]}) == pytest.approx(0.0, abs=1e-12)
    torch.testing.assert_close(cosine_matrix(v, v).diagonal(), torch.ones(4))
    with pytest.raises(ValueError, match="two groups"):
        group_margin(v, {"a": [0, 1]})


def test_evaluation_sets_map_words_through_the_pipeline():
    """Are evaluation words stemmed like the corpus, and coverage counted against the whole set?"""
    w2i = {"tiger": 0, "cat": 1, "king": 2, "queen": 3, "man": 4, "woman": 5}
    assert map_word("Tigers", w2i) == 0 and map_word("the", w2i) is None
    vectors = torch.eye(6)
    score = similarity_score(vectors, w2i, "wordsim353")
    assert score.total == 353 and 0 < score.covered < 10
    acc, covered, total = analogy_accuracy(vectors, w2i)
    assert total == 19544 and covered >= 1


def per_pair_loss(c, o, n):
    """word2vec's loss with noise per pair: c, o [B, E], n [B, K, E]."""
    return -(F.logsigmoid((c * o).sum(-1)) + F.logsigmoid(-(n * c[:, None]).sum(-1)).sum(-1)).mean()


def shared_loss(c, o, n):
    """The same loss with noise shared by the batch: n [K, E]."""
    return -(F.logsigmoid((c * o).sum(-1)).sum() + F.logsigmoid(-(c @ n.T)).sum()) / len(c)


def shared_loss_and_grad(c, o, n):
    """``shared_loss`` and its gradient, through autograd (the trainer's oracle for a hand gradient)."""
    inputs = [x.detach().requires_grad_() for x in (c, o, n)]
    with torch.enable_grad():
        loss = shared_loss(*inputs)
        return (loss.detach(), *torch.autograd.grad(loss, inputs))


def test_trainers_learn_the_embedded_topics():
    """Does a short negative-sampling run (per-pair, shared, hand gradient) separate the topics, seeded?"""
    texts = load_texts("embedded")
    data = prepare_corpus(texts.train[:600], min_count=3, window=2)
    ids = [[data.word_to_idx[t] for t in toks] for toks in data.tokens]
    V = data.vocab_size
    common = dict(noise_probs=data.counts ** 0.75, keep_probs=np.ones(V), dim=16, window=2, epochs=3,
                  batch_size=256, seed=0, progress_mode="off")
    runs = [train_negative_sampling(ids, V, loss_fn=per_pair_loss, shared_noise=False, negatives=5, **common)
            for _ in range(2)]
    runs.append(train_negative_sampling(ids, V, grad_fn=shared_loss_and_grad, negatives=8, **common))
    torch.testing.assert_close(runs[0].in_vectors, runs[1].in_vectors)
    hc, ho = heldout_pairs(texts.heldout, data.word_to_idx, 2)
    for run in (runs[0], runs[2]):
        assert group_margin(run.in_vectors, word_groups("embedded", data.word_to_idx)) > 0.2
        assert pair_auc(lambda c, o: (run.in_vectors[c] * run.out_vectors[o]).sum(-1), hc, ho) > 0.65
    with pytest.raises(ValueError, match="noise_probs"):
        train_negative_sampling(ids, V, loss_fn=per_pair_loss, noise_probs=np.ones(V + 1), keep_probs=np.ones(V))

    model = torch.nn.Sequential(torch.nn.Embedding(V, 8), torch.nn.Linear(8, V))
    losses = train_full_softmax(model, torch.nn.functional.cross_entropy, data.centres, data.contexts,
                                epochs=2, batch_size=512, progress_mode="off")
    assert losses[1] < losses[0] < np.log(V) + 0.5


def test_hand_gradient_steps_are_the_autograd_steps():
    """Does the trainer apply grad_fn's gradient exactly as autograd's of the same shared loss (one worker)?"""
    texts = load_texts("embedded")
    data = prepare_corpus(texts.train[:200], min_count=3, window=2)
    ids = [[data.word_to_idx[t] for t in toks] for toks in data.tokens]
    V = data.vocab_size
    common = dict(noise_probs=data.counts ** 0.75, keep_probs=np.ones(V), dim=8, window=2, epochs=1,
                  batch_size=64, negatives=4, seed=3, progress_mode="off")
    hand = train_negative_sampling(ids, V, grad_fn=shared_loss_and_grad, **common)
    auto = train_negative_sampling(ids, V, loss_fn=shared_loss, **common)
    torch.testing.assert_close(hand.in_vectors, auto.in_vectors, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(hand.out_vectors, auto.out_vectors, rtol=1e-4, atol=1e-6)
    assert hand.epoch_losses == pytest.approx(auto.epoch_losses, rel=1e-5)
    assert (hand.out_vectors != 0).any()  # the steps moved something


def test_trainer_names_what_is_wrong_with_the_functions_it_is_given():
    """Clear errors: both or neither of grad_fn / loss_fn, per-pair noise with grad_fn, a wrong return."""
    ids, V = [[0, 1, 2, 1, 0]], 3
    common = dict(noise_probs=np.ones(V), keep_probs=np.ones(V), dim=4, window=1, epochs=1, progress_mode="off")
    with pytest.raises(ValueError, match="exactly one of grad_fn"):
        train_negative_sampling(ids, V, **common)
    with pytest.raises(ValueError, match="exactly one of grad_fn"):
        train_negative_sampling(ids, V, grad_fn=shared_loss_and_grad, loss_fn=shared_loss, **common)
    with pytest.raises(ValueError, match="per-pair noise needs loss_fn"):
        train_negative_sampling(ids, V, grad_fn=shared_loss_and_grad, shared_noise=False, **common)
    with pytest.raises(ValueError, match=r"\(loss, d_centre, d_context, d_noise\)"):
        train_negative_sampling(ids, V, grad_fn=lambda c, o, n: shared_loss(c, o, n), **common)
    with pytest.raises(ValueError, match=r"d_noise must have the shape of its input, \[5, 4\]"):
        train_negative_sampling(ids, V, grad_fn=lambda c, o, n: (*shared_loss_and_grad(c, o, n)[:3], n.T),
                                negatives=5, **common)


def test_wikitext_read_from_the_zip_as_published(tmp_path, monkeypatch):
    """Are WikiText-2's paragraphs (headings and blank lines dropped) read from the zip in $SEQLABS_DATA, and a
    missing or damaged zip explained with the fetch command?"""
    import zipfile

    monkeypatch.setenv("SEQLABS_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="wikitext-2-raw-v1.zip is missing.*fetch wikitext-2"):
        load_texts("wikitext-2")
    folder = tmp_path / "wikitext-2"
    folder.mkdir()
    with zipfile.ZipFile(folder / "wikitext-2-raw-v1.zip", "w") as z:
        z.writestr("wikitext-2-raw/wiki.train.raw", " \n = Valkyria Chronicles III = \n \n Senjō no Valkyria 3 is a "
                   "game . \n \n = = Gameplay = = \n The game began development in 2010 . \n")
        z.writestr("wikitext-2-raw/wiki.valid.raw", " \n = Homarus gammarus = \n Homarus gammarus is a lobster . \n")
        z.writestr("wikitext-2-raw/wiki.test.raw", " = Robert Boulter = \n")
    texts = load_texts("wikitext-2")
    assert texts.train == ["Senjō no Valkyria 3 is a game .", "The game began development in 2010 ."]
    assert texts.heldout == ["Homarus gammarus is a lobster ."]
    assert texts.ran_on().startswith("This run uses WikiText-2") and "2 training texts, 15 words" in texts.ran_on()
    (folder / "wikitext-2-raw-v1.zip").write_bytes(b"PK\x03\x04 cut")
    with pytest.raises(ValueError, match="corrupt or truncated.*fetch wikitext-2"):
        load_texts("wikitext-2")


def test_every_source_says_what_it_is():
    """Does the data cell's line say synthetic for the embedded corpus and real for gensim's Lee corpus?"""
    assert "synthetic; results are not comparable" in load_texts("embedded").ran_on()
    assert "Lee news corpus" in load_texts("lee").ran_on() and "real" in load_texts("lee").ran_on()
    wiki = load_texts("gensim-wiki")
    assert "Wikipedia" in wiki.ran_on() and "real" in wiki.ran_on()
    assert (len(wiki.train), len(wiki.heldout)) == (225, 25) and not set(wiki.train) & set(wiki.heldout)
