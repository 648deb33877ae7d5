"""Greedy decoding with a student's seq2seq model: given (ungraded) code for Labs 4 and 5.

Works with any model that has ``model.encoder(src) -> state`` and a one-step
``model.decoder(token, *state) -> (prediction, *state)``: the LSTM seq2seq
(state = hidden, cell) and the GRU one (state = hidden) alike. Time-major::

    hyps = greedy_decode(model, batch.src, sos_index=..., eos_index=...)   # B id lists
    tokens = translate_sentence(model, "Ein Mann läuft.", tokenize_de, SRC, TRG, device=device)

Lab 5's attention models (Trevett's tutorial 4 interface) are decoded by the
``*_attention`` functions, which also return where each step looked:
``model.encoder(src, src_lengths) -> (encoder_outputs [S, B, 2H], hidden [B, H])``,
``model.create_mask(src) -> mask [B, S]`` and the one-step
``model.decoder(token, hidden, encoder_outputs, mask) -> (prediction [B, V], hidden, attention [B, S])``::

    hyps, attentions = greedy_decode_attention(model, batch.src, batch.src_lengths, sos_index=..., eos_index=...)
    tokens, attention = translate_sentence_attention(model, "Ein Mann läuft.", tokenize_de, SRC, TRG)

Letters: S source length, B batch, V target vocabulary, L decoded length.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

from seqlabs.text.batching import numericalize
from seqlabs.text.vocab import Vocab

__all__ = ["greedy_decode", "translate_sentence", "translate_loader", "free_running_loss",
           "greedy_decode_attention", "translate_sentence_attention", "translate_loader_attention",
           "free_running_outputs"]


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
    return [_cut_at_eos(ids, eos_index) for ids in decoded]


def _cut_at_eos(ids: list[int], eos_index: int) -> list[int]:
    return ids[:ids.index(eos_index)] if eos_index in ids else ids


def _run_attention_decoder(model, src, src_lengths, *, sos_index: int, steps: int, eos_index: int | None = None):
    """Feed an attention model's decoder its own argmax for up to ``steps`` steps (stop early when all wrote <eos>).

    Returns ``(logits [L, B, V], tokens [L, B], attention [L, B, S])``.
    """
    encoder_outputs, hidden = model.encoder(src, src_lengths)  # [S, B, 2H], [B, H]
    mask = model.create_mask(src)  # [B, S]
    batch_size = src.shape[1]
    token = torch.full((batch_size,), sos_index, dtype=torch.long, device=src.device)  # [B]
    logits, tokens, weights = [], [], []
    done = torch.zeros(batch_size, dtype=torch.bool, device=src.device)  # [B]
    for _ in range(steps):
        prediction, hidden, attention = model.decoder(token, hidden, encoder_outputs, mask)  # [B, V], [B, H], [B, S]
        token = prediction.argmax(1)  # [B]
        logits.append(prediction)
        tokens.append(token)
        weights.append(attention)
        if eos_index is not None:
            done |= token == eos_index
            if bool(done.all()):
                break
    return torch.stack(logits), torch.stack(tokens), torch.stack(weights)


def free_running_outputs(model, src: torch.Tensor, src_lengths: torch.Tensor, trg_len: int, *,
                         sos_index: int) -> torch.Tensor:
    """An attention model's outputs [T, B, V] without teacher forcing, row 0 zero (as ``Seq2Seq(..., 0)``).

    Each step is fed the previous step's argmax; it never sees the targets, so
    a loss on these outputs is the free-running loss that Trevett's
    ``evaluate`` reports, whatever the model's own ``forward`` does with them.
    """
    logits, _, _ = _run_attention_decoder(model, src, src_lengths, sos_index=sos_index, steps=trg_len - 1)
    return torch.cat([torch.zeros_like(logits[:1]), logits])  # [T, B, V]


@torch.no_grad()
def greedy_decode_attention(model, src: torch.Tensor, src_lengths: torch.Tensor, *, sos_index: int,
                            eos_index: int, max_len: int = 50) -> tuple[list[list[int]], list[torch.Tensor]]:
    """Decode an attention model greedily; return B id lists and B attention matrices.

    src: [S, B] ids; src_lengths: [B] real lengths (with <sos>/<eos>). The
    attention matrix of sentence b is [L_b, S_b] (CPU float): row t holds the
    weights over its S_b real source positions when the decoder wrote token t
    (the <eos> step included when one was written, so rows = ids + 1 then).
    """
    model.eval()
    _, tokens, weights = _run_attention_decoder(model, src, src_lengths, sos_index=sos_index, steps=max_len,
                                                eos_index=eos_index)
    decoded = tokens.T.tolist()  # [B, L]
    stacked = weights.permute(1, 0, 2).cpu()  # [B, L, S]
    hyps, attentions = [], []
    for b, ids in enumerate(decoded):
        hyp = _cut_at_eos(ids, eos_index)
        rows = min(len(hyp) + 1, len(ids))  # the <eos> step too, when there was one
        hyps.append(hyp)
        attentions.append(stacked[b, :rows, :int(src_lengths[b])])  # [L_b, S_b]
    return hyps, attentions


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


def translate_sentence_attention(model, sentence: str | Sequence[str], tokenize: Callable[[str], list[str]],
                                 src_vocab: Vocab, trg_vocab: Vocab, *, device="cpu",
                                 max_len: int = 50) -> tuple[list[str], torch.Tensor]:
    """Translate one sentence with an attention model; return its tokens and attention [L, S].

    The source is numericalised as in Lab 5's training (``<sos>`` tokens
    ``<eos>``, not reversed); the columns of the attention are those S source
    ids, the rows the L decoded tokens and, when written, ``<eos>``.
    """
    tokens = tokenize(sentence) if isinstance(sentence, str) else list(sentence)
    ids = numericalize(tokens, src_vocab)
    src = torch.tensor(ids, dtype=torch.long, device=device).unsqueeze(1)  # [S, 1]
    hyps, attentions = greedy_decode_attention(model, src, torch.tensor([len(ids)]), sos_index=trg_vocab.sos_index,
                                               eos_index=trg_vocab.eos_index, max_len=max_len)
    return trg_vocab.decode(hyps[0]), attentions[0]


def _translate_batches(loader, trg_vocab: Vocab, decode_batch) -> tuple[list, list, list]:
    """(hypotheses, references, extras) in the data set's order; ``decode_batch(batch) -> (B id lists, B extras)``."""
    by_index = {}
    for batch in loader:
        hyps, extras = decode_batch(batch)
        refs = batch.trg.T if not batch.batch_first else batch.trg  # [B, T]
        for i, hyp, ref, extra in zip(batch.indices.tolist(), hyps, refs, extras):
            by_index[i] = (trg_vocab.decode(hyp), trg_vocab.decode(ref, strip_specials=True), extra)
    order = sorted(by_index)
    return tuple([by_index[i][k] for i in order] for k in range(3))


def translate_loader(model, loader, trg_vocab: Vocab, *, device="cpu",
                     max_len: int = 50) -> tuple[list[list[str]], list[list[str]]]:
    """Translate every batch of ``loader`` (``make_loader(..., shuffle=False)``).

    Returns ``(hypotheses, references)``: token lists in the data set's order,
    references without ``<sos>``/``<eos>``/``<pad>``, ready for ``corpus_bleu``.
    """
    def decode_batch(batch):
        hyps = greedy_decode(model, batch.src.to(device), sos_index=trg_vocab.sos_index,
                             eos_index=trg_vocab.eos_index, max_len=max_len)
        return hyps, [None] * len(hyps)

    hypotheses, references, _ = _translate_batches(loader, trg_vocab, decode_batch)
    return hypotheses, references


def translate_loader_attention(model, loader, trg_vocab: Vocab, *, device="cpu", max_len: int = 50
                               ) -> tuple[list[list[str]], list[list[str]], list[torch.Tensor]]:
    """``translate_loader`` for an attention model: ``(hypotheses, references, attentions)``.

    ``attentions[i]`` is sentence i's [L_i, S_i] matrix (``greedy_decode_attention``).
    The loader must be time-major (``batch_first=False``).
    """
    def decode_batch(batch):
        return greedy_decode_attention(model, batch.src.to(device), batch.src_lengths,
                                       sos_index=trg_vocab.sos_index, eos_index=trg_vocab.eos_index,
                                       max_len=max_len)

    return _translate_batches(loader, trg_vocab, decode_batch)


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
