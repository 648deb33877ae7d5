"""Lab 5's model, given whole to Lab 6 as its baseline: a bidirectional GRU encoder and an attention GRU decoder.

Bahdanau et al. (2015) as in Trevett's tutorial 4 (the model Lab 5's students
write), with the same parameters (20,518,405 at the tutorial's sizes), written
here in the equivalent split form of the additive score,
``v . tanh(W_k h_j + W_s s)`` instead of ``v . tanh(W [s; h_j] + b)``, and a
``GRUCell`` for the one-step decoder. Lab 6 trains it beside its Transformer on
the same batches for the same wall-clock time.

It has the interface that ``seqlabs.translate``'s ``*_attention`` functions
and ``seqlabs.training.fit`` expect (time-major)::

    model = AttentionGRU(src_vocab, trg_vocab, emb_dim=64, enc_hid_dim=128, dec_hid_dim=128, dropout=0.1,
                         src_pad_idx=1)
    outputs = model(src, src_lengths, trg, teacher_forcing_ratio)   # [T, B, V], outputs[0] zero

Letters: S source length, T target length, B batch, E embedding, H sizes, V vocabulary.
"""
from __future__ import annotations

import random

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = ["AttentionGRU", "trevett_init"]


class _BidirectionalEncoder(nn.Module):
    """Packed bidirectional GRU: every position's two states, and the decoder's first state from the last ones."""

    def __init__(self, vocab: int, emb_dim: int, enc_hid_dim: int, dec_hid_dim: int, dropout: float):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb_dim)
        self.gru = nn.GRU(emb_dim, enc_hid_dim, bidirectional=True)
        self.bridge = nn.Linear(2 * enc_hid_dim, dec_hid_dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor):
        # src = [S, B]; src_lengths = [B]
        packed = pack_padded_sequence(self.drop(self.embed(src)), src_lengths.cpu(), enforce_sorted=False)
        states, last = self.gru(packed)  # last = [2, B, H_enc]: forward after the last word, backward after the first
        states, _ = pad_packed_sequence(states, total_length=src.shape[0])  # [S, B, 2 H_enc], zeros at <pad>
        return states, torch.tanh(self.bridge(torch.cat([last[0], last[1]], dim=-1)))  # ..., [B, H_dec]


class _AttentionStep(nn.Module):
    """One decoder step: additive attention over the source, a GRU cell, the prediction."""

    def __init__(self, vocab: int, emb_dim: int, enc_hid_dim: int, dec_hid_dim: int, dropout: float):
        super().__init__()
        self.output_dim = vocab
        self.embed = nn.Embedding(vocab, emb_dim)
        self.score_keys = nn.Linear(2 * enc_hid_dim, dec_hid_dim, bias=False)
        self.score_state = nn.Linear(dec_hid_dim, dec_hid_dim)
        self.score_v = nn.Linear(dec_hid_dim, 1, bias=False)
        self.cell = nn.GRUCell(2 * enc_hid_dim + emb_dim, dec_hid_dim)
        self.out = nn.Linear(2 * enc_hid_dim + dec_hid_dim + emb_dim, vocab)
        self.drop = nn.Dropout(dropout)

    def forward(self, token, hidden, states, mask):
        # token = [B]; hidden = [B, H_dec]; states = [S, B, 2 H_enc]; mask = [B, S] True at real tokens
        emb = self.drop(self.embed(token))  # [B, E]
        energy = self.score_v(torch.tanh(self.score_keys(states) + self.score_state(hidden))).squeeze(-1).T  # [B, S]
        weights = torch.softmax(energy.masked_fill(~mask, -1e10), dim=1)  # [B, S]
        context = torch.einsum("bs,sbh->bh", weights, states)  # [B, 2 H_enc]
        hidden = self.cell(torch.cat([emb, context], dim=1), hidden)  # [B, H_dec]
        return self.out(torch.cat([hidden, context, emb], dim=1)), hidden, weights  # [B, V], [B, H_dec], [B, S]


class AttentionGRU(nn.Module):
    """Encoder, attention decoder and the source mask (Trevett's tutorial 4 model); teacher forcing in training."""

    def __init__(self, src_vocab: int, trg_vocab: int, *, emb_dim: int, enc_hid_dim: int, dec_hid_dim: int,
                 dropout: float, src_pad_idx: int):
        super().__init__()
        self.encoder = _BidirectionalEncoder(src_vocab, emb_dim, enc_hid_dim, dec_hid_dim, dropout)
        self.decoder = _AttentionStep(trg_vocab, emb_dim, enc_hid_dim, dec_hid_dim, dropout)
        self.src_pad_idx = src_pad_idx

    def create_mask(self, src: torch.Tensor) -> torch.Tensor:
        return (src != self.src_pad_idx).T  # [B, S]

    def forward(self, src, src_lengths, trg, teacher_forcing_ratio: float = 0.5):
        # src = [S, B]; src_lengths = [B]; trg = [T, B] -> [T, B, V], row 0 zero
        states, hidden = self.encoder(src, src_lengths)
        source_mask = self.create_mask(src)  # [B, S]
        outputs = torch.zeros(trg.shape[0], trg.shape[1], self.decoder.output_dim, device=trg.device)
        token = trg[0]
        for t in range(1, trg.shape[0]):
            outputs[t], hidden, _ = self.decoder(token, hidden, states, source_mask)
            token = trg[t] if random.random() < teacher_forcing_ratio else outputs[t].argmax(1)
        return outputs


def trevett_init(model: nn.Module) -> nn.Module:
    """Trevett's initialisation of the attention models: weights from N(0, 0.01^2), biases 0."""
    for name, param in model.named_parameters():
        if "weight" in name:
            nn.init.normal_(param.data, mean=0, std=0.01)
        else:
            nn.init.constant_(param.data, 0)
    return model
