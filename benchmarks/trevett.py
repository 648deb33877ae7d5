"""Ben Trevett's seq2seq tutorial 1, as the oracle for `seqlabs.training`.

The model (time-major LSTM encoder-decoder with random teacher forcing) and
the `train`/`evaluate` loops, verbatim apart from iterating over
`(src, trg)` pairs instead of torchtext batches. `tests/library/test_training.py`
checks that `train_epoch`/`evaluate` compute exactly what these do, and
`bench_training_overhead.py` times them side by side. It is not the lab-4
answer: students write their own `Encoder`/`Decoder`/`Seq2Seq` there.
"""
from __future__ import annotations

import random

import torch
from torch import nn


class Encoder(nn.Module):
    def __init__(self, input_dim, emb_dim, hid_dim, n_layers, dropout):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, emb_dim)
        self.rnn = nn.LSTM(emb_dim, hid_dim, n_layers, dropout=dropout)
        self.dropout = nn.Dropout(dropout)

    def forward(self, src):  # src = [S, B]
        embedded = self.dropout(self.embedding(src))  # [S, B, E]
        outputs, (hidden, cell) = self.rnn(embedded)
        return hidden, cell  # [L, B, H] each


class Decoder(nn.Module):
    def __init__(self, output_dim, emb_dim, hid_dim, n_layers, dropout):
        super().__init__()
        self.output_dim = output_dim
        self.embedding = nn.Embedding(output_dim, emb_dim)
        self.rnn = nn.LSTM(emb_dim, hid_dim, n_layers, dropout=dropout)
        self.fc_out = nn.Linear(hid_dim, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, token, hidden, cell):  # token = [B]
        embedded = self.dropout(self.embedding(token.unsqueeze(0)))  # [1, B, E]
        output, (hidden, cell) = self.rnn(embedded, (hidden, cell))  # [1, B, H]
        return self.fc_out(output.squeeze(0)), hidden, cell  # [B, V]


class Seq2Seq(nn.Module):
    def __init__(self, encoder, decoder, device=None):
        super().__init__()
        self.encoder, self.decoder, self.device = encoder, decoder, device

    def forward(self, src, trg, teacher_forcing_ratio=0.5):
        trg_len, batch_size = trg.shape
        outputs = torch.zeros(trg_len, batch_size, self.decoder.output_dim, device=self.device)  # [T, B, V]
        hidden, cell = self.encoder(src)
        token = trg[0, :]
        for t in range(1, trg_len):
            output, hidden, cell = self.decoder(token, hidden, cell)
            outputs[t] = output
            token = trg[t] if random.random() < teacher_forcing_ratio else output.argmax(1)
        return outputs


def train(model, iterator, optimizer, criterion, clip):
    model.train()
    epoch_loss = 0
    for i, (src, trg) in enumerate(iterator):
        optimizer.zero_grad()
        output = model(src, trg)
        output_dim = output.shape[-1]
        output = output[1:].view(-1, output_dim)
        trg = trg[1:].view(-1)
        loss = criterion(output, trg)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(iterator)


def evaluate(model, iterator, criterion):
    model.eval()
    epoch_loss = 0
    with torch.no_grad():
        for i, (src, trg) in enumerate(iterator):
            output = model(src, trg, 0)
            output_dim = output.shape[-1]
            output = output[1:].view(-1, output_dim)
            trg = trg[1:].view(-1)
            loss = criterion(output, trg)
            epoch_loss += loss.item()
    return epoch_loss / len(iterator)
