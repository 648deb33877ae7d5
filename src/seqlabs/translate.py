"""Greedy decoding with a student's seq2seq model: given (ungraded) code for Lab 4.

Works with any model that has ``model.encoder(src) -> state`` and a one-step
``model.decoder(token, *state) -> (prediction, *state)``: the LSTM seq2seq
(state = hidden, cell) and the GRU one (state = hidden) alike. Time-major::

    hyps = greedy_decode(model, batch.src, sos_index=..., eos_index=...)   # B id lists
    tokens = translate_sentence(model, "Ein Mann läuft.", tokenize_de, SRC, TRG, device=device)

Letters: S source length, B batch, V target vocabulary, L decoded length.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

from seqlabs.text.batching import numericalize
from seqlabs.text.vocab import Vocab

__all__ = ["greedy_decode", "translate_sentence", "translate_loader", "free_running_loss"]


@torch.no_grad()
def greedy_decode(model, src: torch.Tensor, *, sos_index: int, eos_index: int,
                  max_len: int = 50) -> list[list[int]]:
    """Decode a batch greedily: ``src`` [S, B] -> B lists of target ids (no ``<sos>``, cut before ``<eos>``).

    The model is put in eval mode (no dropout). Decoding stops when every
    sentence has produced ``<eos>`` or after ``max_len`` steps.
    """
    model.eval()
    state = model.encoder(src)
    state = tuple(state) if isinstance(state, (tuple, list)) else (state,)
    batch_size = src.shape[1]
    token = torch.full((batch_size,), sos_index, dtype=torch.long, device=src.device)  # [B]
    steps = []
    done = torch.zeros(batch_size, dtype=torch.bool, device=src.device)  # [B]
    for _ in range(max_len):
        prediction, *state = model.decoder(token, *state)  # [B, V]
        token = prediction.argmax(1)  # [B]
        steps.append(token)
        done |= token == eos_index
        if bool(done.all()):
            break
    decoded = torch.stack(steps).T.tolist() if steps else [[] for _ in range(batch_size)]  # [B, L]
    return [ids[:ids.index(eos_index)] if eos_index in ids else ids for ids in decoded]


def translate_sentence(model, sentence: str | Sequence[str], tokenize: Callable[[str], list[str]],
                       src_vocab: Vocab, trg_vocab: Vocab, *, device="cpu", reverse_source: bool = True,
                       max_len: int = 50) -> list[str]:
    """Translate one sentence (a string, or a token list) into target tokens, greedily.

    The source is numericalised as in training (``<sos>``, reversed tokens if
    ``reverse_source``, ``<eos>``).
    """
    tokens = tokenize(sentence) if isinstance(sentence, str) else list(sentence)
    ids = numericalize(tokens, src_vocab, reverse=reverse_source)
    src = torch.tensor(ids, dtype=torch.long, device=device).unsqueeze(1)  # [S, 1]
    out = greedy_decode(model, src, sos_index=trg_vocab.sos_index, eos_index=trg_vocab.eos_index,
                        max_len=max_len)[0]
    return trg_vocab.decode(out)


def translate_loader(model, loader, trg_vocab: Vocab, *, device="cpu",
                     max_len: int = 50) -> tuple[list[list[str]], list[list[str]]]:
    """Translate every batch of ``loader`` (``make_loader(..., shuffle=False)``).

    Returns ``(hypotheses, references)``: token lists in the data set's order,
    references without ``<sos>``/``<eos>``/``<pad>``, ready for ``corpus_bleu``.
    """
    by_index = {}
    for batch in loader:
        hyps = greedy_decode(model, batch.src.to(device), sos_index=trg_vocab.sos_index,
                             eos_index=trg_vocab.eos_index, max_len=max_len)
        refs = batch.trg.T if not batch.batch_first else batch.trg  # [B, T]
        for i, hyp, ref in zip(batch.indices.tolist(), hyps, refs):
            by_index[i] = (trg_vocab.decode(hyp), trg_vocab.decode(ref, strip_specials=True))
    order = sorted(by_index)
    return [by_index[i][0] for i in order], [by_index[i][1] for i in order]


@torch.no_grad()
def free_running_loss(model, loader, criterion, *, sos_index: int, device="cpu") -> float:
    """Mean per-batch loss of ``model`` decoding on its own: the test loss no forward pass can teacher-force.

    For each batch the encoder reads ``src`` [S, B]; the decoder starts from
    ``<sos>`` and is fed its own previous argmax at every step, exactly as in
    ``greedy_decode``, for ``T - 1`` steps; ``criterion`` compares the
    predictions [T - 1, B, V] with ``trg[1:]``. The model never sees ``trg``
    beyond its length. A loss that is NaN, infinite or negative is refused
    (``ValueError``): no cross-entropy can be.
    """
    model.eval()
    total, batches = 0.0, 0
    for batch in loader:
        src, trg = batch.src.to(device), batch.trg.to(device)  # [S, B], [T, B]
        state = model.encoder(src)
        state = tuple(state) if isinstance(state, (tuple, list)) else (state,)
        token = torch.full((trg.shape[1],), sos_index, dtype=torch.long, device=device)  # [B]
        steps = []
        for _ in range(1, trg.shape[0]):
            prediction, *state = model.decoder(token, *state)  # [B, V]
            steps.append(prediction)
            token = prediction.argmax(1)  # [B]
        predictions = torch.stack(steps)  # [T - 1, B, V]
        loss = criterion(predictions.reshape(-1, predictions.shape[-1]), trg[1:].reshape(-1)).item()
        total, batches = total + loss, batches + 1
    if batches == 0:
        raise ValueError("free_running_loss got no batches; check the data loader (empty data set?)")
    mean = total / batches
    if not (mean >= 0.0 and mean < float("inf")):
        raise ValueError(f"a cross-entropy cannot be {mean}: the model's predictions are not finite")
    return mean
