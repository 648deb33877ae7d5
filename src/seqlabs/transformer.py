"""Given (ungraded) tools for Lab 6's Transformer: a test loss no position can cheat, per-head attention, BLEU.

Lab 6's model has the interface (time-major, masks True where allowed)::

    src_mask = model.make_src_mask(src)          # [B, S], True at real source tokens
    memory = model.encode(src, src_mask)         # [S, B, d]
    logits = model.decode(trg_in, memory, src_mask)   # trg_in [t, B] -> [t, B, V]

``prefix_loss`` is the test loss of a trained model measured so that no
position can see a later target: the logits for position ``t`` come from a
decoder run on ``trg[:t]`` alone, so the tokens after it are not there to be
looked at. With a correct causal mask it equals the ordinary teacher-forced
loss (one decoder run on the whole target); a decoder that peeks (no causal
mask) learnt to copy the next token, which is missing here, and its loss
shows it.

``head_attention`` records, while a model runs, the per-head weights of the
``nn.MultiheadAttention`` modules it is given (for the heatmaps), whatever
the calling code asked those modules for.

Letters: S source length, T target length, B batch, V target vocabulary, h heads.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Sequence

import torch
from torch import nn

from seqlabs.text.vocab import Vocab
from seqlabs.translate import _translate_batches

__all__ = ["prefix_loss", "head_attention", "translate_loader_with"]


@torch.no_grad()
def prefix_loss(model, loader, criterion, *, device="cpu") -> float:
    """Mean per-batch loss of ``model`` on ``loader``, each position predicted from the targets before it only.

    For each batch: ``memory = model.encode(src, src_mask)`` once; then for
    ``t = 1 .. T-1`` the logits of position ``t`` are the last row of
    ``model.decode(trg[:t], memory, src_mask)``; ``criterion`` compares the
    stacked predictions [(T-1)*B, V] with ``trg[1:]``. A loss that is NaN,
    infinite or negative is refused (``ValueError``): no cross-entropy can be.
    """
    model.eval()
    total, batches = 0.0, 0
    for batch in loader:
        src, trg = batch.src.to(device), batch.trg.to(device)  # [S, B], [T, B]
        src_mask = model.make_src_mask(src)  # [B, S]
        memory = model.encode(src, src_mask)  # [S, B, d]
        steps = [model.decode(trg[:t], memory, src_mask)[-1] for t in range(1, trg.shape[0])]  # T-1 x [B, V]
        predictions = torch.stack(steps)  # [T - 1, B, V]
        total += criterion(predictions.reshape(-1, predictions.shape[-1]), trg[1:].reshape(-1)).item()
        batches += 1
    if batches == 0:
        raise ValueError("prefix_loss got no batches; check the data loader (empty data set?)")
    mean = total / batches
    if not (0.0 <= mean < float("inf")):
        raise ValueError(f"a cross-entropy cannot be {mean}: the model's predictions are not finite")
    return mean


@contextlib.contextmanager
def head_attention(modules: Sequence[nn.MultiheadAttention]) -> Iterator[list[list[torch.Tensor]]]:
    """Record the per-head weights of each module in ``modules`` while the block runs.

    Yields one list per module; each call of a module appends its weights
    [B, h, Lq, Lk] (CPU, detached), recomputed from the call's own arguments
    with ``need_weights=True, average_attn_weights=False`` so that the code
    that called the module may have asked for no weights at all.
    """
    records: list[list[torch.Tensor]] = [[] for _ in modules]

    def recorder(store: list[torch.Tensor]) -> Callable:
        def hook(module, args, kwargs, output):
            kwargs = {**kwargs, "need_weights": True, "average_attn_weights": False}
            with torch.no_grad():
                _, weights = module.forward(*args, **kwargs)  # forward itself: no hook runs again
            store.append(weights.detach().cpu())
        return hook

    handles = [m.register_forward_hook(recorder(store), with_kwargs=True) for m, store in zip(modules, records)]
    try:
        yield records
    finally:
        for handle in handles:
            handle.remove()


def translate_loader_with(decode_batch: Callable[[torch.Tensor], list[list[int]]], loader, trg_vocab: Vocab
                          ) -> tuple[list[list[str]], list[list[str]]]:
    """``(hypotheses, references)`` of every batch of ``loader`` decoded by ``decode_batch(src [S, B])``.

    ``decode_batch`` returns B id lists (no ``<sos>``, cut before ``<eos>``);
    both outputs are token lists in the data set's order, ready for ``corpus_bleu``.
    """
    hypotheses, references, _ = _translate_batches(
        loader, trg_vocab, lambda batch: (decode_batch(batch.src), [None] * batch.src.shape[1]))
    return hypotheses, references
