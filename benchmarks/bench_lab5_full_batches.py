"""Time a few full-profile training batches of Lab 5's two models on this machine, and estimate a full run.

    SEQLABS_DATA=/work/shared/data python benchmarks/bench_lab5_full_batches.py --batches 3
    SEQLABS_DATA=/work/shared/data python benchmarks/bench_lab5_full_batches.py --profile class --batches 20

Builds both models at the full profile's sizes on the real Multi30k (the
attention model of Trevett's tutorial 3, 20,518,405 parameters, and Lab 4's
LSTM, 13,898,501), runs `--batches` training steps of each (batch 128,
`seqlabs.training.train_epoch`, after one warm-up batch) and prints the wall
and CPU seconds per batch, then the estimate of the notebook's full run: 10
epochs x (train batches + validation and test evaluation, counted as one
third of a training batch each) for each model, plus greedy BLEU on the test
set. The estimate scales the measured wall time; on a busy machine it is an
upper bound (the CPU figure says how busy), so it is given from CPU time too.
``--profile class`` does the same for the class profile's sizes on Multi30k
(issue 28: can `class` run on the real data within its 10-minute budget?).
"""
from __future__ import annotations

import argparse
import itertools
import os
import time

import torch
from torch import nn

from bench_lab5_baselines import attention_model, data, lab4_model
from lab5_models import reference_namespace
from measure import cpu_seconds
from seqlabs.settings import for_profile
from seqlabs.settings.lab5 import Lab5Settings
from seqlabs.training import train_epoch


def time_batches(model, loader, forward, n_batches, trg_pad):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss(ignore_index=trg_pad)
    batches = list(itertools.islice(iter(loader), n_batches + 1))
    train_epoch(model, batches[:1], optimizer, criterion, forward=forward)  # warm-up
    wall, cpu = time.perf_counter(), cpu_seconds()
    train_epoch(model, batches[1:], optimizer, criterion, forward=forward)
    return (time.perf_counter() - wall) / n_batches, (cpu_seconds() - cpu) / n_batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--profile", default="full", choices=("class", "full"))
    args = parser.parse_args()
    if not os.environ.get("SEQLABS_DATA"):
        raise SystemExit("set SEQLABS_DATA to the folder holding multi30k/ (the full profile's data)")
    settings = for_profile(Lab5Settings, args.profile)
    src_vocab, trg_vocab, attn_loaders, lab4_loaders, splits = data(settings)
    n_train = len(attn_loaders[0])
    n_eval = len(attn_loaders[1]) + len(attn_loaders[2])
    print(f"Multi30k train {len(splits['train'][0])} pairs, {n_train} batches of {settings.batch_size}; "
          f"vocabularies {len(src_vocab)} / {len(trg_vocab)}; torch threads {torch.get_num_threads()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    ns = reference_namespace()
    torch.manual_seed(settings.seed)
    models = {
        "attention": (attention_model(ns, settings, src_vocab, trg_vocab), attn_loaders[0],
                      lambda m, b, tf: (m(b.src, b.src_lengths, b.trg, tf), b.trg)),
        "lab4": (lab4_model(settings, src_vocab, trg_vocab), lab4_loaders[0], None),
    }
    total = total_cpu = 0.0
    for name, (model, loader, forward) in models.items():
        params = sum(p.numel() for p in model.parameters())
        kwargs = {} if forward is None else {"forward": forward}
        wall, cpu = time_batches(model, loader, kwargs.get("forward", None) or
                                 (lambda m, b, tf: (m(b.src, b.trg, tf), b.trg)), args.batches, trg_vocab.pad_index)
        epoch = wall * (n_train + n_eval / 3)
        total += settings.n_epochs * epoch
        total_cpu += settings.n_epochs * cpu * (n_train + n_eval / 3)
        print(f"{name:10} {params:>11,} parameters: {wall:6.2f} s wall, {cpu:6.2f} s CPU per training batch; "
              f"epoch ~{epoch / 60:5.1f} min, {settings.n_epochs} epochs ~{settings.n_epochs * epoch / 60:6.1f} min")
    print(f"estimated {args.profile} notebook on this CPU: ~{total / 3600:.2f} h wall, ~{total_cpu / 60:.0f} min of "
          "CPU (training and evaluation of both models; greedy BLEU not counted)")


if __name__ == "__main__":
    main()
