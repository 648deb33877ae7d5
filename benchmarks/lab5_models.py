"""Lab 5's reference attention model, read from the master, and a catalogue of broken variants of it.

`reference_namespace()` executes the master's model cells (solution regions
included) and returns what they define (`Attention`, `Encoder`, `Decoder`,
`Seq2Seq`, ...). `broken_variants(ns)` gives classes that run but are wrong in
the ways the trained-result checks must catch. Shared by
`tests/labs/test_lab5_reference.py` and `bench_lab5_baselines.py`; it is not
given to students.
"""
from __future__ import annotations

import math
import random
from pathlib import Path

import nbformat
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "labs" / "source" / "lab5_attention.ipynb"
MODEL_CELLS = ("attention", "encoder", "decoder", "seq2seq", "sdpa", "bridge")


def notebook_cells() -> dict[str, str]:
    """The master's code cells by grade_id."""
    nb = nbformat.read(SOURCE, as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells if c.cell_type == "code"}


def reference_namespace(cells=MODEL_CELLS) -> dict:
    """The names the master's model cells define, executed on their own."""
    sources = notebook_cells()
    missing = [gid for gid in cells if gid not in sources]
    if missing:
        raise LookupError(f"cells {missing} not found in {SOURCE.name}")
    namespace = {"torch": torch, "nn": nn, "F": F, "math": math, "random": random}
    for gid in cells:
        exec(compile(sources[gid], f"{SOURCE.name}:{gid}", "exec"), namespace)
    return namespace


def broken_variants(ns: dict) -> dict[str, dict]:
    """Name -> class overrides (for the namespace) of models that run but are wrong.

    uniform_attention: equal weights over the real tokens (attention ignored);
    no_mask: attention over <pad> too; no_context: the decoder never sees the
    source (its context and first state are zero: a language model);
    attention_not_softmaxed: raw energies used as weights.
    """
    Attention, Encoder = ns["Attention"], ns["Encoder"]

    class UniformAttention(Attention):
        def forward(self, hidden, encoder_outputs, mask):
            weights = mask.float()  # [B, S]
            return weights / weights.sum(1, keepdim=True)

    class NoMaskAttention(Attention):
        def forward(self, hidden, encoder_outputs, mask):
            return super().forward(hidden, encoder_outputs, torch.ones_like(mask))

    class RawEnergyAttention(Attention):
        def forward(self, hidden, encoder_outputs, mask):
            src_len = encoder_outputs.shape[0]
            repeated = hidden.unsqueeze(1).repeat(1, src_len, 1)  # [B, S, H]
            energy = torch.tanh(self.attn(torch.cat((repeated, encoder_outputs.permute(1, 0, 2)), dim=2)))
            return self.v(energy).squeeze(2) * mask  # [B, S], not a distribution

    class BlindEncoder(Encoder):
        def forward(self, src, src_len):
            outputs, hidden = super().forward(src, src_len)
            return torch.zeros_like(outputs), torch.zeros_like(hidden)

    return {
        "uniform_attention": {"Attention": UniformAttention},
        "no_mask": {"Attention": NoMaskAttention},
        "no_context": {"Encoder": BlindEncoder},
        "attention_not_softmaxed": {"Attention": RawEnergyAttention},
    }
