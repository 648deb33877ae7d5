"""Lab 1 settings: RNN and LSTM from scratch in NumPy on a^n b^n EOS (DTU 02456).

``Lab1Settings`` defaults are the ``class`` profile; ``PROFILES`` overrides
them for ``fast`` (CI: the whole notebook in well under a minute on two CPU
cores) and ``full`` (longer sequences, longer training).

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
        "fast": {"num_sequences": 200, "max_n": 11, "epochs": 30},
        "full": {"num_sequences": 800, "max_n": 30, "epochs": 150},
    }


# Bounds of the graded trained results, per profile (check_below: value < bound).
# Measured with the solution notebook (seed 42), then given a margin:
#   fast:  RNN 3.19, LSTM 2.99 (best possible ln 11 = 2.40)
#   class: RNN 3.69, LSTM 3.32 (best possible ln 20 = 3.00)
#   full:  RNN 3.416, LSTM 3.408 (best possible ln 30 = 3.40): with 8x the training of
#          `class` even the RNN learns to count to 30, so there the LSTM need only not be worse.
THRESHOLDS: dict = {
    "rnn_val_loss": {"fast": 3.8, "class": 4.5, "full": 3.8},     # per-sequence validation loss
    "lstm_val_loss": {"fast": 3.6, "class": 3.8, "full": 3.7},
    # LSTM validation loss minus the RNN's: negative where the LSTM must win (class: long sequences)
    "lstm_minus_rnn": {"fast": 0.5, "class": 0.0, "full": 0.05},
    # share of next-token predictions right on the four probe sequences (check_agreement at_least);
    # a counting model gets 0.90-0.94 (the token after the last `a` is unknowable), one that
    # does not count about 0.85. Measured: fast RNN 0.885, LSTM 0.923; class and full 0.923 both.
    "probe_agreement": {"fast": 0.8, "class": 0.85, "full": 0.85},
}
