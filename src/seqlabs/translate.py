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

__all__ = ["greedy_decode", "translate_sentence", "translate_loader"]


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
