"""Perplexity and BLEU against exp, NLTK directly, NLTK's published example and hand computations."""
import math

import numpy as np
import pytest
import torch
from nltk.translate.bleu_score import SmoothingFunction
from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu

from seqlabs.metrics import corpus_bleu, perplexity

# NLTK's own corpus_bleu docstring example (nltk.translate.bleu_score), published value 0.5920...
HYP1 = "It is a guide to action which ensures that the military always obeys the commands of the party".split()
REF1A = "It is a guide to action that ensures that the military will forever heed Party commands".split()
REF1B = "It is the guiding principle which guarantees the military forces always being under the command of the Party".split()
REF1C = "It is the practical guide for the army always to heed the directions of the party".split()
HYP2 = "he read the book because he was interested in world history".split()
REF2A = "he was interested in world history because he read the book".split()


@pytest.mark.parametrize("loss", [0.0, 1.0, 4.951, 20.0, 700.0])
def test_perplexity_is_exp_of_loss(loss):
    """Is perplexity(loss) exactly math.exp(loss)?"""
    assert perplexity(loss) == math.exp(loss)


def test_perplexity_accepts_tensors_and_arrays():
    """Do 0-d tensors give a float and arrays give an array of the same shape?"""
    assert perplexity(torch.tensor(2.0)) == pytest.approx(math.exp(2.0))
    out = perplexity(np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, np.exp([[0.0, 1.0], [2.0, 3.0]]))


def test_perplexity_overflows_to_inf():
    """Does a loss too large for exp give inf instead of OverflowError?"""
    with pytest.raises(OverflowError):
        math.exp(1000.0)  # what a bare math.exp does
    assert perplexity(1000.0) == math.inf
    assert perplexity(math.inf) == math.inf
    assert np.isinf(perplexity(np.array([1.0, 1e4]))[1])


def test_perplexity_rejects_nan_and_negative():
    """Do a NaN loss and a negative loss name the problem and the fix?"""
    with pytest.raises(ValueError, match="NaN loss.*learning rate"):
        perplexity(float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        perplexity(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="cross-entropy"):
        perplexity(-0.5)


def test_bleu_published_nltk_example():
    """Does the NLTK docstring example give its published 59.20 (with or without smoothing)?"""
    hyps, refs = [HYP1, HYP2], [[REF1A, REF1B, REF1C], [REF2A]]
    assert corpus_bleu(hyps, refs) == pytest.approx(59.20778868801042, abs=1e-9)
    assert corpus_bleu(hyps, refs, smoothing=False) == pytest.approx(59.20778868801042, abs=1e-9)


def test_bleu_matches_nltk_directly_with_method1():
    """Is the score 100 x nltk corpus_bleu with SmoothingFunction().method1, single references wrapped?"""
    rng = np.random.default_rng(0)
    words = "a man in a red shirt is riding a bike down the street with two dogs".split()
    hyps = [list(rng.choice(words, size=rng.integers(1, 9))) for _ in range(20)]
    refs = [list(rng.choice(words, size=rng.integers(3, 9))) for _ in range(20)]
    expected = nltk_corpus_bleu([[r] for r in refs], hyps, smoothing_function=SmoothingFunction().method1)
    assert corpus_bleu(hyps, refs) == pytest.approx(100 * expected, rel=1e-12)
    assert corpus_bleu(hyps, [[r] for r in refs]) == corpus_bleu(hyps, refs)


def test_bleu_hand_computed_with_brevity_penalty():
    """Unsmoothed: p = 6/6, 4/5, 3/4, 2/3, BP = exp(1 - 7/6)."""
    hyp = "the cat sat on the mat".split()
    ref = "the cat sat on the red mat".split()
    expected = math.exp(1 - 7 / 6) * (1 * 4 / 5 * 3 / 4 * 2 / 3) ** 0.25
    assert corpus_bleu([hyp], [ref], smoothing=False) == pytest.approx(100 * expected, rel=1e-12)


def test_bleu_hand_computed_smoothing_method1():
    """No 4-gram matches: method1 puts 0.1/3 in place of 0/3; p = 5/6, 3/5, 1/4; BP = 1."""
    hyp = "the cat sat on the mat".split()
    ref = "the cat is on the mat".split()
    expected = (5 / 6 * 3 / 5 * 1 / 4 * 0.1 / 3) ** 0.25
    assert corpus_bleu([hyp], [ref]) == pytest.approx(100 * expected, rel=1e-12)
    with pytest.warns(UserWarning, match="0 counts of 4-gram"):  # plain BLEU: an empty order zeroes it
        assert corpus_bleu([hyp], [ref], smoothing=False) < 1e-50  # NLTK's stand-in for 0


def test_bleu_identical_is_100_and_max_n():
    """Is an exact match 100, and does max_n=2 use uniform bigram weights?"""
    s = "a dog runs across the grass".split()
    assert corpus_bleu([s], [s]) == pytest.approx(100.0)
    hyp, ref = "the cat sat on the mat".split(), "the cat is on the mat".split()
    assert corpus_bleu([hyp], [ref], max_n=2) == pytest.approx(100 * (5 / 6 * 3 / 5) ** 0.5)


def test_bleu_rejects_bad_input():
    """Do mismatched lengths, empty lists, strings and empty references name the problem and fix?"""
    s = ["a", "b"]
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        corpus_bleu([s, s], [s])
    with pytest.raises(ValueError, match="empty hypothesis list"):
        corpus_bleu([], [])
    with pytest.raises(TypeError, match="hypothesis 0 is a string.*split"):
        corpus_bleu(["a b c"], [s])
    with pytest.raises(TypeError, match="reference 0 is a string"):
        corpus_bleu([s], ["a b"])
    with pytest.raises(ValueError, match="reference 0 is empty"):
        corpus_bleu([s], [[]])
    with pytest.raises(ValueError, match="max_n"):
        corpus_bleu([s], [s], max_n=0)


def test_sequence_agreement_is_the_graders_function():
    """Is sequence_agreement autograder.core.values.agreement itself, and does it count matching positions?"""
    from autograder.core.values import agreement

    from seqlabs.metrics import sequence_agreement

    assert sequence_agreement is agreement
    assert sequence_agreement([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    assert sequence_agreement(torch.tensor([[1, 2], [3, 4]]), np.array([[1, 2], [3, 5]])) == 0.75
