"""Training and evaluation loops for seq2seq models (Trevett's), and a generic `fit`.

`train_epoch` and `evaluate` compute exactly what the loops of Trevett's
pytorch-seq2seq tutorials compute, batch for batch: the model maps time-major
`src` [S, B] and `trg` [T, B] to `output` [T, B, V]; step 0 (`<sos>`, never
predicted) is dropped from both; the criterion the caller built (usually
`nn.CrossEntropyLoss(ignore_index=pad)`) sees `output[1:]` as [(T-1)*B, V]
and `trg[1:]` as [(T-1)*B]; gradients are clipped by their global norm. The
mean over batches of the per-batch losses is returned, as in the tutorials.
The one host sync per batch is the `loss.item()` that the mean needs.

`fit` runs epochs with early stopping, keeps the best model in memory (by
validation loss) and restores it at the end, and records a `History`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Iterable

import torch
from torch import nn

from seqlabs.metrics import perplexity
from seqlabs.progress import epoch_time, progress

__all__ = ["train_epoch", "evaluate", "fit", "History", "default_forward", "lengths_forward"]

# forward(model, batch, teacher_forcing_ratio) -> (output [T, B, V], trg [T, B])
Forward = Callable[[nn.Module, object, float], "tuple[torch.Tensor, torch.Tensor]"]


def _src_trg(batch) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch's (src [S, B], trg [T, B]): a `Batch`-like object with .src/.trg, a (src, trg) pair, or a dict."""
    if isinstance(batch, dict):
        return batch["src"], batch["trg"]
    if isinstance(batch, (tuple, list)):
        if len(batch) != 2:
            raise ValueError(
                f"a tuple batch must be (src, trg), got {len(batch)} items; for more inputs "
                "(e.g. source lengths) pass forward=... to say how to call the model"
            )
        return batch[0], batch[1]
    if getattr(batch, "batch_first", False):
        raise ValueError(
            "train_epoch/evaluate need time-major batches ([T, B]); this batch is batch_first. "
            "Build the loader with batch_first=False"
        )
    return batch.src, batch.trg


def default_forward(model: nn.Module, batch, teacher_forcing_ratio: float):
    """Trevett's call: `output = model(src, trg, teacher_forcing_ratio)`; returns (output [T, B, V], trg [T, B]).

    For a model that also takes the source lengths (for packing), pass `forward=lengths_forward(device)`;
    for any other call, your own `forward(model, batch, teacher_forcing_ratio) -> (output, trg)`.
    """
    src, trg = _src_trg(batch)
    return model(src, trg, teacher_forcing_ratio), trg


def lengths_forward(device: torch.device | str | None = None) -> Forward:
    """The call of a model that packs its source (labs 5 and 6's attention GRU), for ``fit`` and ``evaluate``:
    ``output = model(src, src_lengths, trg, teacher_forcing_ratio)``, with ``src`` and ``trg`` moved to
    ``device`` and the lengths left on the CPU (where packing wants them); returns (output [T, B, V], trg [T, B]).
    """
    def forward(model: nn.Module, batch, teacher_forcing_ratio: float):
        src, trg = batch.src.to(device), batch.trg.to(device)  # [S, B], [T, B]
        return model(src, batch.src_lengths, trg, teacher_forcing_ratio), trg  # [T, B, V], [T, B]

    return forward


def _step_loss(output: torch.Tensor, trg: torch.Tensor, criterion) -> torch.Tensor:
    # output = [T, B, V], trg = [T, B]
    output_dim = output.shape[-1]
    output = output[1:].view(-1, output_dim)  # [(T-1)*B, V]: drop the <sos> step
    trg = trg[1:].view(-1)  # [(T-1)*B]
    return criterion(output, trg)


def _check_finite(value: float, index: int) -> None:
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the loss is {value} at batch {index}: training diverged. Lower the learning rate, "
            "clip gradients (clip=1.0), and check that the criterion ignores <pad> (ignore_index)"
        )


def train_epoch(
    model: nn.Module,
    batches: Iterable,
    optimizer: torch.optim.Optimizer,
    criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    clip: float | None = 1.0,
    teacher_forcing_ratio: float = 0.5,
    forward: Forward = default_forward,
) -> float:
    """One pass of training over `batches`; returns the mean of the per-batch losses.

    batches: iterable of batches with time-major src [S, B] and trg [T, B]
        (see `default_forward` for the accepted forms).
    criterion: (logits [N, V], targets [N]) -> scalar loss, N = (T-1)*B.
    clip: max global gradient norm (`clip_grad_norm_`); None: no clipping.
    teacher_forcing_ratio: passed to the model (probability of feeding the
        ground truth as the next decoder input).
    """
    model.train()
    epoch_loss = 0.0
    n = 0
    for n, batch in enumerate(batches, start=1):
        optimizer.zero_grad()
        output, trg = forward(model, batch, teacher_forcing_ratio)  # [T, B, V], [T, B]
        loss = _step_loss(output, trg, criterion)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        value = loss.item()  # the one sync per batch
        _check_finite(value, n - 1)
        epoch_loss += value
    if n == 0:
        raise ValueError("train_epoch got no batches; check the data loader (empty data set or drop_last?)")
    return epoch_loss / n


def evaluate(
    model: nn.Module,
    batches: Iterable,
    criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    forward: Forward = default_forward,
) -> float:
    """Mean per-batch loss over `batches` in eval mode, without gradients or teacher forcing.

    Shapes as in `train_epoch`; the model is called with teacher_forcing_ratio 0.
    """
    model.eval()
    epoch_loss = 0.0
    n = 0
    with torch.no_grad():
        for n, batch in enumerate(batches, start=1):
            output, trg = forward(model, batch, 0)  # [T, B, V], [T, B]
            epoch_loss += _step_loss(output, trg, criterion).item()
    if n == 0:
        raise ValueError("evaluate got no batches; check the data loader (empty data set?)")
    return epoch_loss / n


@dataclass
class History:
    """What `fit` saw, one entry per epoch run."""

    train_loss: list[float] = field(default_factory=list)  # mean training loss per epoch
    valid_loss: list[float] = field(default_factory=list)  # validation loss per epoch
    epoch_seconds: list[float] = field(default_factory=list)  # wall time per epoch (train + validate)
    best_epoch: int | None = None  # epoch number (from 1) of the lowest validation loss
    best_valid_loss: float = math.inf
    stopped_early: bool = False  # True when patience ran out before `epochs`

    def as_dict(self) -> dict[str, list[float]]:
        """{"train": [...], "validation": [...]}: the curves `plots.plot_losses` draws."""
        return {"train": list(self.train_loss), "validation": list(self.valid_loss)}


def _reiterable(batches, name: str, epochs: int):
    if epochs > 1 and iter(batches) is batches:
        raise TypeError(
            f"{name} is a one-shot iterator (a generator?) and would be empty after the first epoch; "
            "pass a list or a DataLoader"
        )


def fit(
    model: nn.Module,
    train_batches: Iterable,
    valid_batches: Iterable,
    optimizer: torch.optim.Optimizer,
    criterion,
    *,
    epochs: int,
    clip: float | None = 1.0,
    teacher_forcing_ratio: float = 0.5,
    patience: int | None = None,
    min_delta: float = 0.0,
    forward: Forward = default_forward,
    train_fn: Callable | None = None,
    eval_fn: Callable | None = None,
    restore_best: bool = True,
    checkpoint_path=None,
    progress_mode: str = "auto",
    stream=None,
) -> History:
    """Train for up to `epochs` epochs, keeping the model with the lowest validation loss.

    Each epoch: `train_fn(model, train_batches, optimizer, criterion)` then
    `eval_fn(model, valid_batches, criterion)`, both returning a float loss
    (default: `train_epoch` with `clip`, `teacher_forcing_ratio`, `forward`,
    and `evaluate` with `forward`; pass your own for other kinds of model).
    An epoch improves when its validation loss is below the best so far by
    more than `min_delta`; then a copy of `model.state_dict()` is kept in
    memory (and saved to `checkpoint_path` if given, as in the tutorials).
    patience: stop after this many epochs in a row without improvement; None: never.
    restore_best: load the best state into `model` at the end.
    progress_mode: as `seqlabs.progress.progress` ("auto", "bar", "log", "off").
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1 (got {epochs})")
    if patience is not None and patience < 1:
        raise ValueError(f"patience must be at least 1 or None (got {patience})")
    _reiterable(train_batches, "train_batches", epochs)
    _reiterable(valid_batches, "valid_batches", epochs)
    show_ppl = train_fn is None  # perplexity means something for the seq2seq cross-entropy only
    train_fn = train_fn or partial(train_epoch, clip=clip, teacher_forcing_ratio=teacher_forcing_ratio, forward=forward)
    eval_fn = eval_fn or partial(evaluate, forward=forward)

    history = History()
    best_state = None
    waited = 0
    bar = progress(range(1, epochs + 1), desc="epoch", mode=progress_mode, stream=stream)
    try:
        for epoch in bar:
            start = time.time()
            train_loss = float(train_fn(model, train_batches, optimizer, criterion))
            valid_loss = float(eval_fn(model, valid_batches, criterion))
            end = time.time()
            if math.isnan(valid_loss):
                raise FloatingPointError(f"the validation loss is NaN at epoch {epoch}: training diverged")
            history.train_loss.append(train_loss)
            history.valid_loss.append(valid_loss)
            history.epoch_seconds.append(end - start)
            if valid_loss < history.best_valid_loss - min_delta:
                history.best_valid_loss, history.best_epoch, waited = valid_loss, epoch, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                if checkpoint_path is not None:
                    torch.save(best_state, checkpoint_path)
            else:
                waited += 1
            mins, secs = epoch_time(start, end)
            shown = {"train": train_loss, "valid": valid_loss}
            if show_ppl:
                shown["valid_ppl"] = perplexity(valid_loss)
            bar.set_postfix(shown, time=f"{mins}m{secs:02d}s")
            if patience is not None and waited >= patience:
                history.stopped_early = epoch < epochs
                break
    except FloatingPointError as err:
        if restore_best and best_state is not None:
            model.load_state_dict(best_state)
            raise FloatingPointError(f"{err} (the model was restored to its best epoch, {history.best_epoch})") from err
        raise
    finally:
        bar.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return history
