"""Overhead of seqlabs.training.train_epoch over a bare PyTorch loop doing the same work.

    python benchmarks/bench_training_overhead.py                      # embedded corpus, small model
    SEQLABS_DATA=/work/shared/data python benchmarks/bench_training_overhead.py --paper   # Multi30k, paper sizes
    python benchmarks/bench_training_overhead.py --synthetic          # random token batches, no tokenising

One pass over the same batches, from the same initial weights and the same
seeds, once with `train_epoch` and once with the loop of Trevett's tutorial 1
(`benchmarks/trevett.py`), in alternating order over `--repeats` rounds. Both must give
the same loss (checked); the script prints the median time of each and their
ratio (seqlabs / bare; 1.00 = no overhead).

The model is a minimal Trevett-style LSTM encoder-decoder defined here (the
real one is what students write in lab 4). Default sizes are small (emb 64,
hid 128, 2 layers, dropout 0.5, batch 64); `--paper` uses Sutskever et al.'s
as in the tutorial (emb 256, hid 512, 2 layers, dropout 0.5, batch 128);
`--tiny` (emb 8, hid 8, 1 layer, batch 8) does so little arithmetic per batch
that any per-batch Python overhead of `train_epoch` would show.
On a shared CPU pass `--threads 1` and read the CPU-time ratio: wall time
carries everyone else's load.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

import torch
from torch import nn

from seqlabs.training import train_epoch

from trevett import Decoder, Encoder, Seq2Seq
from trevett import train as bare_train


def load_batches(args, device):
    """([(src [S, B], trg [T, B]), ...] on `device`, src vocab size, trg vocab size, pad index, description)."""
    if args.synthetic:
        g = torch.Generator().manual_seed(args.seed)
        v_src, v_trg, pad = 6000, 5000, 1
        batches = []
        for _ in range(args.max_batches or 50):
            s, t = (int(x) for x in torch.randint(10, 30, (2,), generator=g))
            batches.append((torch.randint(2, v_src, (s, args.batch_size), generator=g),
                            torch.randint(2, v_trg, (t, args.batch_size), generator=g)))
        what = f"synthetic random tokens ({len(batches)} batches of {args.batch_size})"
    else:
        from seqlabs.corpora import load_parallel
        from seqlabs.text import Vocab, tokenize_pairs
        from seqlabs.text.batching import PairDataset, make_loader

        corpus = load_parallel("train")
        src, trg = tokenize_pairs(corpus)
        data = PairDataset(src, trg, Vocab.build(src, min_freq=2), Vocab.build(trg, min_freq=2), reverse_source=True)
        loader = make_loader(data, args.batch_size, shuffle=True, seed=args.seed)
        batches = [(b.src, b.trg) for b in loader][: args.max_batches]
        v_src, v_trg, pad = len(data.src_vocab), len(data.trg_vocab), data.trg_vocab.pad_index
        what = f"{corpus.describe()}, {len(batches)} bucketed batches of {args.batch_size}"
    return [(s.to(device), t.to(device)) for s, t in batches], v_src, v_trg, pad, what


def one_pass(runner, sizes, batches, pad, device, seed):
    """Fresh model and optimizer from `seed`, then time one pass; returns (wall s, process CPU s, loss)."""
    v_src, v_trg, emb, hid, layers, dropout = sizes
    torch.manual_seed(seed)
    model = Seq2Seq(Encoder(v_src, emb, hid, layers, dropout), Decoder(v_trg, emb, hid, layers, dropout), device)
    for p in model.parameters():
        nn.init.uniform_(p.data, -0.08, 0.08)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters())
    criterion = nn.CrossEntropyLoss(ignore_index=pad)
    torch.manual_seed(seed + 1)  # dropout
    random.seed(seed + 1)  # teacher forcing
    if device.type == "cuda":
        torch.cuda.synchronize()
    start, cpu_start = time.perf_counter(), time.process_time()
    loss = runner(model, batches, optimizer, criterion)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, time.process_time() - cpu_start, loss


class Constant(nn.Module):
    """A near-empty "model" (one parameter broadcast to [T, B, V]) so that the loop itself is what is timed."""

    def __init__(self, vocab):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(vocab))

    def forward(self, src, trg, teacher_forcing_ratio=0.5):
        return self.logits.expand(trg.shape[0], trg.shape[1], -1)  # [T, B, V]


def loop_cost(runners, rounds=7, n_batches=2000):
    """Median CPU microseconds per batch of each loop around a near-empty model."""
    batches = [(torch.zeros(3, 2, dtype=torch.long), torch.ones(3, 2, dtype=torch.long))] * n_batches
    cost = {name: [] for name in runners}
    for r in range(rounds):
        for name in list(runners) if r % 2 == 0 else list(runners)[::-1]:
            model = Constant(4)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            start = time.process_time()
            runners[name](model, batches, optimizer, nn.CrossEntropyLoss())
            cost[name].append(1e6 * (time.process_time() - start) / n_batches)
    return {name: statistics.median(c) for name, c in cost.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paper", action="store_true", help="emb 256, hid 512, 2 layers, dropout 0.5, batch 128")
    ap.add_argument("--tiny", action="store_true",
                    help="emb 8, hid 8, 1 layer, batch 8: so little compute that Python overhead shows")
    ap.add_argument("--synthetic", action="store_true", help="random token batches instead of a corpus")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--max-batches", type=int, default=None, help="use only the first N batches of the epoch")
    ap.add_argument("--repeats", type=int, default=5, help="rounds, alternating which loop runs first")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.paper and args.tiny:
        ap.error("choose --paper or --tiny, not both")
    if args.batch_size is None:
        args.batch_size = 128 if args.paper else 8 if args.tiny else 64
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.paper:
        emb, hid, layers, dropout = 256, 512, 2, 0.5
    elif args.tiny:
        emb, hid, layers, dropout = 8, 8, 1, 0.0
    else:
        emb, hid, layers, dropout = 64, 128, 2, 0.5

    batches, v_src, v_trg, pad, what = load_batches(args, device)
    sizes = (v_src, v_trg, emb, hid, layers, dropout)
    print(f"data: {what}; vocab {v_src}/{v_trg}")
    print(f"model: emb {emb}, hid {hid}, {layers} layers, dropout {dropout}; device {device}, "
          f"{torch.get_num_threads()} threads; torch {torch.__version__}")

    runners = {
        "bare": lambda m, b, o, c: bare_train(m, b, o, c, 1.0),
        "seqlabs": lambda m, b, o, c: train_epoch(m, b, o, c, clip=1.0, teacher_forcing_ratio=0.5),
    }
    wall = {name: [] for name in runners}
    cpu = {name: [] for name in runners}
    for r in range(args.repeats):
        order = list(runners) if r % 2 == 0 else list(runners)[::-1]
        losses = {}
        for name in order:
            w, c, losses[name] = one_pass(runners[name], sizes, batches, pad, device, args.seed)
            wall[name].append(w)
            cpu[name].append(c)
        diff = abs(losses["bare"] - losses["seqlabs"])
        same = "identical" if diff == 0 else f"DIFFER by {diff:.3g}"
        print(f"round {r + 1}: wall bare {wall['bare'][-1]:.3f} s, seqlabs {wall['seqlabs'][-1]:.3f} s "
              f"(ratio {wall['seqlabs'][-1] / wall['bare'][-1]:.3f}); CPU bare {cpu['bare'][-1]:.3f} s, "
              f"seqlabs {cpu['seqlabs'][-1]:.3f} s (ratio {cpu['seqlabs'][-1] / cpu['bare'][-1]:.3f}); "
              f"loss {losses['bare']:.6f} ({same})")
    # On a shared machine wall time carries other people's load; process CPU time much less so.
    for label, t in (("wall", wall), ("CPU", cpu)):
        bare, ours = statistics.median(t["bare"]), statistics.median(t["seqlabs"])
        paired = statistics.median(o / b for o, b in zip(t["seqlabs"], t["bare"]))
        print(f"median {label} time of {args.repeats} rounds: bare {bare:.3f} s/pass, seqlabs {ours:.3f} s/pass, "
              f"ratio seqlabs/bare = {ours / bare:.3f} (median of per-round ratios {paired:.3f})")
    # The loops' own cost, apart from the model: an upper bound on what train_epoch can add per batch.
    cost = loop_cost(runners)
    per_batch = 1e6 * statistics.median(cpu["bare"]) / len(batches)
    print(f"loop cost per batch around a near-empty model (CPU): bare {cost['bare']:.1f} us, "
          f"seqlabs {cost['seqlabs']:.1f} us; difference {cost['seqlabs'] - cost['bare']:+.1f} us/batch "
          f"= {100 * (cost['seqlabs'] - cost['bare']) / per_batch:+.3f}% of this model's {per_batch / 1e3:.1f} ms/batch")


if __name__ == "__main__":
    main()
