"""What the translation labs (4 and 5) share: the corpus cut, the vocabulary and the training loop.

Each lab's settings extend ``TranslationSettings`` with its models' sizes and
may give a field another default (lab 5 trains 6 epochs at 5e-3 in ``class``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class TranslationSettings:
    seed: int = 1234                    # seeds data order, init, dropout and teacher forcing
    max_train_pairs: Optional[int] = None  # keep only the first N training pairs (None: all)
    max_eval_pairs: Optional[int] = None   # keep only the first N validation / test pairs (None: all)
    min_freq: int = 2                   # a token enters the vocabulary if seen at least this often
    batch_size: int = 32                # sentence pairs per batch (length-bucketed)
    n_epochs: int = 10                  # training epochs for each model
    learning_rate: float = 4e-3         # Adam (the tutorial-size full profiles use Adam's default 1e-3)
    clip: float = 1.0                   # gradient-norm clipping
    teacher_forcing_ratio: float = 0.5  # probability of feeding the gold token during training
    max_decode_len: int = 50            # greedy decoding stops here if <eos> never comes
    torch_threads: Optional[int] = 1    # torch.set_num_threads; small models run fastest on one
                                        # thread (and 10-25x slower on a busy 2-core machine with two)
