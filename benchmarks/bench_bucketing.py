"""Length bucketing vs random batching: mean padded target length per batch on Multi30k train.

    SEQLABS_DATA=/work/shared/data python benchmarks/bench_bucketing.py [--batch-size 128] [--epochs 3]

Tokenises train with the lab-4 pipeline (lower-cased spaCy tokens, min_freq=2,
<sos>/<eos>), then counts, for every batch of one epoch, the longest target
(the padded length T every batch tensor has), and the same for the source.
Prints both means and the cut.
Falls back to the embedded corpus (and says so) when SEQLABS_DATA has no Multi30k.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from seqlabs.corpora import load_parallel
from seqlabs.text import Vocab, tokenize_pairs
from seqlabs.text.batching import (BucketBatchSampler, PairDataset, RandomBatchSampler, pair_sort_keys,
                                   padded_lengths)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=3, help="epochs averaged over (different shuffles)")
    ap.add_argument("--pool-factor", type=int, default=100)
    args = ap.parse_args()

    t0 = time.perf_counter()
    corpus = load_parallel("train")
    src, trg = tokenize_pairs(corpus)
    data = PairDataset(src, trg, Vocab.build(src, min_freq=2), Vocab.build(trg, min_freq=2))
    print(f"{corpus.describe()}; tokenised in {time.perf_counter() - t0:.1f} s")
    keys = pair_sort_keys(data.src_lengths, data.trg_lengths)  # [N, 2], as make_loader uses

    results = {}
    for name, cls in (("random", RandomBatchSampler), ("bucketed", BucketBatchSampler)):
        sampler = cls(keys, args.batch_size, shuffle=True, seed=0, pool_factor=args.pool_factor)
        epochs = [list(sampler) for _ in range(args.epochs)]
        trg_pad = np.concatenate([padded_lengths(b, data.trg_lengths) for b in epochs])
        src_pad = np.concatenate([padded_lengths(b, data.src_lengths) for b in epochs])
        real = data.trg_lengths.mean()
        results[name] = trg_pad.mean()
        print(f"{name:9s} batches/epoch={len(epochs[0])}  mean padded target length={trg_pad.mean():.2f} "
              f"(real {real:.2f}; {100 * (1 - real / trg_pad.mean()):.1f}% padding)  "
              f"mean padded source length={src_pad.mean():.2f} (real {data.src_lengths.mean():.2f})")
    cut = 1 - results["bucketed"] / results["random"]
    print(f"bucketing cuts the mean padded target length by {100 * cut:.1f}% (batch {args.batch_size})")


if __name__ == "__main__":
    main()
