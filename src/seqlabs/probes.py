"""What the checks of the translation labs (4, 5 and 6) build their probes from: given, never graded.

A check runs a student's class on a tiny model whose parameters are drawn here
from one seeded generator, on token ids drawn here, so that what it compares
depends on the parameters' names and shapes only, not on the order in which
an ``__init__`` creates its layers.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

__all__ = ["assertion_message", "fill_parameters", "fixed_tokens", "padded_batch"]


def fill_parameters(model: torch.nn.Module, seed: int, scale: float = 0.5) -> torch.nn.Module:
    """Overwrite every parameter of ``model`` with U(-scale, scale) draws, in parameter-name order; return it.

    One generator seeded with ``seed``; each draw r in [0, 1) becomes
    ``r * (2 * scale) - scale`` (for scale 0.5, exactly ``(2r - 1) * 0.5``).
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, param in sorted(model.named_parameters()):
            param.copy_(torch.rand(param.shape, generator=generator) * (2 * scale) - scale)
    return model


def fixed_tokens(seed: int, shape: Sequence[int], vocab_size: int, low: int = 0) -> torch.Tensor:
    """A seeded LongTensor of token ids in [low, vocab_size), of ``shape``."""
    return torch.randint(low, vocab_size, tuple(shape), generator=torch.Generator().manual_seed(seed))


def padded_batch(seed: int, lengths: Sequence[int], vocab_size: int, *, pad: int = 1,
                 low: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """A time-major batch [max(lengths), B] of ids in [low, vocab_size), each column padded with ``pad`` after
    its length, and the lengths [B]. ``seqlabs.text.Vocab`` numbers <unk> 0, <pad> 1, <sos> 2, <eos> 3: the
    defaults keep <unk> and <pad> out of the real tokens, ``low=4`` every special."""
    src = fixed_tokens(seed, (max(lengths), len(lengths)), vocab_size, low=low)  # [S, B]
    for b, n in enumerate(lengths):
        src[n:, b] = pad
    return src, torch.tensor(list(lengths))


def assertion_message(build: Callable[[], object]) -> str:
    """The message of the ``AssertionError`` that ``build()`` raises ('' if it raises none; other errors propagate)."""
    try:
        build()
    except AssertionError as error:
        return str(error)
    return ""
