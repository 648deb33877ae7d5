"""seqlabs.probes: the seeded probes the translation labs' checks build on, against hand-computed oracles."""
from __future__ import annotations

import pytest
import torch

from seqlabs.probes import assertion_message, fill_parameters, fixed_tokens, padded_batch


def draws(seed, shapes):
    generator = torch.Generator().manual_seed(seed)
    return [torch.rand(shape, generator=generator) for shape in shapes]


@pytest.mark.parametrize("scale, as_the_labs_wrote_it", [
    (0.08, lambda r: r * 0.16 - 0.08),  # lab 4's checks, before this module
    (0.5, lambda r: (r * 2 - 1) * 0.5),  # labs 5 and 6
])
def test_fill_parameters_draws_in_name_order_bit_for_bit(scale, as_the_labs_wrote_it):
    """Are the parameters U(-scale, scale) draws in name order (bias before weight), equal to the labs' old
    formula bit for bit (so the answer keys did not move)?"""
    model = fill_parameters(torch.nn.Linear(3, 2), seed=5, scale=scale)
    bias, weight = draws(5, [(2,), (2, 3)])  # sorted names: "bias" < "weight"
    assert torch.equal(model.bias.detach(), as_the_labs_wrote_it(bias))
    assert torch.equal(model.weight.detach(), as_the_labs_wrote_it(weight))
    assert model.weight.abs().max() <= scale


def test_fixed_tokens_and_padded_batch():
    """Are the ids seeded and in [low, V), and is each column padded after its length?"""
    assert torch.equal(fixed_tokens(3, (4, 2), 9), fixed_tokens(3, (4, 2), 9))
    ids = fixed_tokens(3, (200,), 9, low=4)
    assert ids.dtype == torch.long and ids.min() >= 4 and ids.max() < 9
    src, lengths = padded_batch(1, [3, 1, 2], 11)
    assert src.shape == (3, 3) and lengths.tolist() == [3, 1, 2]
    assert src[1:, 1].tolist() == [1, 1] and src[2, 2].item() == 1
    assert (src[:1] >= 2).all() and (src[:3, 0] >= 2).all()


def test_assertion_message():
    """Is it the AssertionError's text, '' without one, and do other errors propagate?"""
    def fails():
        raise AssertionError("Hidden dimensions must be equal!")
    assert assertion_message(fails) == "Hidden dimensions must be equal!"
    assert assertion_message(lambda: None) == ""
    with pytest.raises(ZeroDivisionError):
        assertion_message(lambda: 1 / 0)
