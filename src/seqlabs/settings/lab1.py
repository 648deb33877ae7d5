"""Lab 1 settings: RNN and LSTM from scratch in NumPy on a^n b^n EOS (DTU 02456).

``Lab1Settings`` defaults are the ``class`` profile; ``PROFILES`` overrides
them for ``full`` (longer sequences, longer training). ``fast`` (CI) is the
``class`` workload itself: the whole class notebook takes about 20 s on two
idle cores, well under fast's minute, and the smaller fast of before (200
sequences, n <= 11, 30 epochs) could not tell a broken model from the
reference: its RNN predicted the end of only 9 of 11 sequences, an RNN
trained without backpropagation through time 8, and an LSTM with a wrong
cell-state gradient 7 (issue 12; docs/benchmarks.md, "Checks that judge").

Why ``class`` uses longer sequences than the course (n up to 20, not 11): with
n uniform on K values, the best possible loss is ln K per sequence (the model
can never know when the a's stop; everything after the first b is
deterministic). With n <= 11 both the RNN and the LSTM get close to ln 11 ~ 2.40
within a few dozen epochs, and which one ends lower depends on the seed. With n
up to 20 the dependency spans up to 40 steps and, on the class budget, the
plain RNN falls behind (measured: 3.69 against 3.32), which is the point of the
comparison the lab asks students to explain. The ``full`` profile trains 8x
longer on n up to 30; there both end near ln 30, so its comparison bound only
asks that the LSTM be no worse.

``THRESHOLDS`` holds the per-profile bounds of the graded trained results; the
notebook passes each dict whole to ``autograder.check_below`` so the answer
key carries every profile's bound. They were set from measured runs of the
solution notebook with a margin (see the lab's commit messages).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Lab1Settings:
    seed: int = 42                # seeds the data set, the initialisation and the batch order
    num_sequences: int = 400      # a^n b^n EOS samples, split 80/10/10 into train/val/test
    min_n: int = 1                # shortest sample: a^min_n b^min_n EOS
    max_n: int = 20               # longest sample (the course uses 11; see the module docstring)
    hidden_size: int = 50         # H, for both the RNN and the LSTM (as in the course)
    epochs: int = 60              # passes over the training set, for each model
    batch_size: int = 8           # sequences per SGD step (padded and masked to the longest)
    learning_rate: float = 0.1    # plain SGD step size in the first epoch
    lr_decay: float = 0.9         # the step size falls linearly to (1 - lr_decay) * learning_rate by the last epoch
    max_norm: float = 1.0         # clip the global gradient norm to this before each step

    PROFILES: ClassVar[dict] = {
        "fast": {},  # the class workload: see the module docstring
        "full": {"num_sequences": 800, "max_n": 30, "epochs": 150},
    }


# Bounds of the graded trained results, per profile (fast = class workload), set from the reference
# over seeds measured side by side with the broken-model catalogue (tests/labs/lab1_broken.py;
# benchmarks/bench_broken_models.py, benchmarks/bench_seeds.py --broken; docs/benchmarks.md, "Checks that
# judge"). The nearest broken models, fast = class: the RNN without backpropagation through time 3.810 and
# 13/20 ends; the RNN whose tanh derivative is taken at h 4.6-7.6 and 1-16/20 (seeds 42, 1-3); the LSTM
# without the cell-state gradient through time 3.44-3.66 and 12-16/20 (seeds 42, 1-3). Far beyond every
# bound: no recurrence 13.56 and 0/20, the transposed recurrent weight 8.21 and 1/20, `fit` never keeping
# its update 26.71 and 0/20; the wrong-sign and forget-gate-less gradients fail every block they should
# (test_lab1_broken_models.py; their values were measured in the old, smaller fast only).
# full (n up to 30, not re-measured since the switch to test loss): the validation losses were RNN 3.416,
# LSTM 3.408, so there the LSTM need only not be worse.
THRESHOLDS: dict = {
    # per-sequence loss on the held-out test set (check_below: value < bound)
    # fast = class, the reference over seeds 42, 1-6: RNN 3.24-3.61, ends 15-20 of 20; LSTM 3.07-3.24,
    # ends 20/20; LSTM - RNN -0.03..-0.48. The nearest broken model, the RNN without BPTT: 3.810, 13/20
    # (docs/benchmarks.md, "Checks that judge"). The bounds of before (3.65, 15/20) had seed 2 at 3.605
    # and exactly 15/20.
    "rnn_test_loss": {"fast": 3.72, "class": 3.72, "full": 3.8},
    # LSTM: the reference 3.07-3.24 (seeds 42, 1-6), the LSTM without the cell gradient through time 3.44 and
    # more (3.6 until issue 26, which it passed at 3.546)
    "lstm_test_loss": {"fast": 3.34, "class": 3.34, "full": 3.7},
    # LSTM test loss minus the RNN's: negative where the LSTM must win. fast = class: the reference -0.03 (seed 4,
    # where the RNN reached 3.27) to -0.48, so the LSTM need only end lower (-0.1 until issue 26 failed seed 4);
    # the LSTM without the cell gradient through time -0.16 (seed 2, whose RNN is poor) to +0.29.
    "lstm_minus_rnn": {"fast": 0.0, "class": 0.0, "full": 0.05},
    # share of n in min_n..max_n whose determined end (n - 1 b's, then EOS) the model predicts exactly.
    # RNN (ends_agreement): the reference 15-20 of 20 over seeds, so the RNN whose tanh derivative is taken at
    # h (1-16 of 20) cannot be told from it here; its test loss tells it. LSTM: the reference 20/20 over
    # seeds, the LSTM without the cell gradient through time 12-16/20 (it passed the shared 0.7 at 15/20).
    "ends_agreement": {"fast": 0.7, "class": 0.7, "full": 0.5},
    "lstm_ends_agreement": {"fast": 0.9, "class": 0.9, "full": 0.5},
}
