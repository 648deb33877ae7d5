"""train_epoch/evaluate against Trevett's bare loops; fit's early stopping and best-checkpoint restore."""
import io
import math
import random

import pytest
import torch
from torch import nn

from benchmarks.trevett import Decoder, Encoder, Seq2Seq
from benchmarks.trevett import evaluate as trevett_evaluate
from benchmarks.trevett import train as trevett_train
from seqlabs.training import History, evaluate, fit, lengths_forward, train_epoch

V_SRC, V_TRG, PAD = 13, 11, 1


def make_model(seed=0):
    torch.manual_seed(seed)
    model = Seq2Seq(Encoder(V_SRC, 8, 16, 2, 0.5), Decoder(V_TRG, 8, 16, 2, 0.5))
    for p in model.parameters():
        nn.init.uniform_(p.data, -0.08, 0.08)
    return model


def make_batches(n=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(n):
        src = torch.randint(2, V_SRC, (7, 5), generator=g)  # [S, B]
        trg = torch.randint(2, V_TRG, (6, 5), generator=g)  # [T, B]
        trg[4:, :2] = PAD  # some padding for ignore_index to skip
        batches.append((src, trg))
    return batches


def run_two_epochs(train, evaluate_fn):
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters())
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    batches = make_batches()
    torch.manual_seed(123)  # dropout
    random.seed(123)  # teacher forcing
    losses = [train(model, batches, optimizer, criterion) for _ in range(2)]
    losses.append(evaluate_fn(model, batches, criterion))
    return losses, model.state_dict()


def test_train_epoch_and_evaluate_match_trevett_exactly():
    """With the same seed, are the losses and the trained weights bit-for-bit Trevett's?"""
    ours, ours_state = run_two_epochs(
        lambda m, b, o, c: train_epoch(m, b, o, c, clip=1.0, teacher_forcing_ratio=0.5), evaluate)
    bare, bare_state = run_two_epochs(lambda m, b, o, c: trevett_train(m, b, o, c, 1.0), trevett_evaluate)
    assert ours == bare
    for name in bare_state:
        assert torch.equal(ours_state[name], bare_state[name]), name
    assert ours[1] < ours[0]  # and it does learn


def test_batch_objects_and_dicts_are_accepted():
    """Do .src/.trg objects (seqlabs.text Batch) and dicts give the same loss as pairs?"""
    from seqlabs.text.batching import Batch

    model = make_model()
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    pairs = make_batches(2)
    expected = evaluate(model, pairs, criterion)
    dicts = [{"src": s, "trg": t} for s, t in pairs]
    assert evaluate(model, dicts, criterion) == expected
    objs = []
    for s, t in pairs:
        lengths = torch.full((s.shape[1],), s.shape[0])
        objs.append(Batch(s, t, lengths, lengths, s != PAD, t != PAD, torch.arange(s.shape[1])))
    assert evaluate(model, objs, criterion) == expected
    with pytest.raises(ValueError, match="must be \\(src, trg\\), got 3 items.*forward="):
        evaluate(model, [(*pairs[0], None)], criterion)
    flipped = Batch(**{**vars(objs[0]), "batch_first": True})
    with pytest.raises(ValueError, match="time-major"):
        evaluate(model, [flipped], criterion)


def test_custom_forward_and_no_clip():
    """Is a custom forward used (e.g. to pass lengths), and does clip=None skip clipping?"""
    model = make_model()
    calls = []

    def forward(m, batch, tf):
        calls.append(tf)
        src, trg = batch
        return m(src, trg, tf), trg

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    train_epoch(model, make_batches(3), optimizer, criterion, clip=None, teacher_forcing_ratio=0.7, forward=forward)
    evaluate(model, make_batches(2), criterion, forward=forward)
    assert calls == [0.7, 0.7, 0.7, 0, 0]


def test_empty_batches_and_nan_loss_are_named():
    """Do an empty loader and a diverged (NaN) loss give errors naming the fix?"""
    model = make_model()
    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="no batches"):
        train_epoch(model, [], optimizer, criterion)
    with pytest.raises(ValueError, match="no batches"):
        evaluate(model, [], criterion)
    with pytest.raises(FloatingPointError, match="batch 0.*learning rate"):
        train_epoch(model, make_batches(1), optimizer, lambda out, trg: out.sum() * math.nan)


# --- fit, on a scripted model: each "epoch" sets a weight to the epoch number ---
class Scripted:
    """train_fn/eval_fn replaying given validation losses; the model's weight records the epoch."""

    def __init__(self, valid_losses):
        self.valid_losses = list(valid_losses)
        self.epoch = 0

    def train_fn(self, model, batches, optimizer, criterion):
        self.epoch += 1
        with torch.no_grad():
            model.weight.fill_(self.epoch)
        return 10.0 - self.epoch

    def eval_fn(self, model, batches, criterion):
        return self.valid_losses[self.epoch - 1]


def scripted_fit(valid_losses, **kwargs):
    model = nn.Linear(1, 1, bias=False)
    script = Scripted(valid_losses)
    kwargs.setdefault("epochs", len(valid_losses))
    history = fit(model, [None], [None], None, None, train_fn=script.train_fn, eval_fn=script.eval_fn,
                  progress_mode="off", **kwargs)
    return model, history, script


def test_fit_early_stopping_and_best_restore():
    """Does fit stop after `patience` epochs without improvement and restore the best epoch's weights?"""
    model, history, script = scripted_fit([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 1.0], patience=3)
    assert script.epoch == 6  # epochs 4, 5, 6 did not beat 3.0
    assert history.valid_loss == [5.0, 4.0, 3.0, 3.5, 3.2, 3.1]
    assert history.train_loss == [9.0, 8.0, 7.0, 6.0, 5.0, 4.0]
    assert history.best_epoch == 3 and history.best_valid_loss == 3.0
    assert history.stopped_early
    assert model.weight.item() == 3.0  # the weights of epoch 3, not of the last epoch
    assert len(history.epoch_seconds) == 6 and all(s >= 0 for s in history.epoch_seconds)


def test_fit_without_patience_runs_all_epochs_and_min_delta():
    """Without patience, do all epochs run; with min_delta, does a tiny gain not count as improvement?"""
    model, history, _ = scripted_fit([3.0, 2.0, 2.5, 1.99])
    assert len(history.valid_loss) == 4 and not history.stopped_early
    assert history.best_epoch == 4 and model.weight.item() == 4.0
    model, history, _ = scripted_fit([3.0, 2.0, 2.5, 1.99], min_delta=0.05)
    assert history.best_epoch == 2 and model.weight.item() == 2.0


def test_fit_keep_last_and_checkpoint_file(tmp_path):
    """With restore_best=False, are the last weights kept, and is the best saved to checkpoint_path?"""
    path = tmp_path / "best.pt"
    model, history, _ = scripted_fit([2.0, 1.0, 3.0], restore_best=False, checkpoint_path=path)
    assert model.weight.item() == 3.0
    assert torch.load(path)["weight"].item() == 2.0


def test_fit_nan_validation_restores_best_and_says_so():
    """Does a NaN validation loss raise, naming the epoch, after restoring the best weights?"""
    model = nn.Linear(1, 1, bias=False)
    script = Scripted([2.0, 1.0, math.nan])
    with pytest.raises(FloatingPointError, match="NaN at epoch 3.*restored to its best epoch, 2"):
        fit(model, [None], [None], None, None, epochs=3, train_fn=script.train_fn, eval_fn=script.eval_fn,
            progress_mode="off")
    assert model.weight.item() == 2.0


def test_fit_rejects_generators_and_bad_settings():
    """Are a one-shot generator, epochs < 1 and patience 0 refused with the fix?"""
    model = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="one-shot iterator.*list or a DataLoader"):
        fit(model, (b for b in [1]), [1], None, None, epochs=2)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, [1], [1], None, None, epochs=0)
    with pytest.raises(ValueError, match="patience"):
        fit(model, [1], [1], None, None, epochs=2, patience=0)


def test_fit_trains_tiny_seq2seq_and_logs():
    """End to end: does fit with the default loops lower the loss and log one line per epoch?"""
    model = make_model()
    out = io.StringIO()
    torch.manual_seed(0)
    random.seed(0)
    history = fit(model, make_batches(4), make_batches(2, seed=9), torch.optim.Adam(model.parameters(), lr=1e-2),
                  nn.CrossEntropyLoss(ignore_index=PAD), epochs=3, progress_mode="log", stream=out)
    assert isinstance(history, History)
    assert history.train_loss[-1] < history.train_loss[0]
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and "valid_ppl=" in lines[-1] and lines[-1].startswith("epoch 3/3")
    assert history.as_dict() == {"train": history.train_loss, "validation": history.valid_loss}


def test_lengths_forward_calls_the_model_with_the_source_lengths():
    """Does lengths_forward call model(src, src_lengths, trg, tf) with src and trg on the device, the lengths
    as the batch gave them, and return (output, trg) as `fit` expects?"""
    from types import SimpleNamespace

    calls = []

    def model(src, lengths, trg, tf):
        calls.append((src, lengths, trg, tf))
        return torch.zeros(trg.shape[0], trg.shape[1], 5)  # [T, B, V]

    batch = SimpleNamespace(src=torch.ones(4, 2, dtype=torch.long), src_lengths=torch.tensor([4, 3]),
                            trg=torch.ones(3, 2, dtype=torch.long))
    output, trg = lengths_forward("cpu")(model, batch, 0.5)
    (src, lengths, trg_in, tf), = calls
    assert output.shape == (3, 2, 5) and torch.equal(trg, batch.trg) and trg_in is trg and tf == 0.5
    assert torch.equal(src, batch.src) and lengths is batch.src_lengths and lengths.device.type == "cpu"
