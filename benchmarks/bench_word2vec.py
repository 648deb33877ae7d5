"""seqlabs' negative-sampling skip-gram against gensim's, side by side on the same data and settings.

    python benchmarks/bench_word2vec.py                      # Lee corpus (gensim's wheel), class settings, 2 threads each
    python benchmarks/bench_word2vec.py --corpus multi30k    # needs SEQLABS_DATA
    python benchmarks/bench_word2vec.py --threads 1 --epochs 5

Both train on the lab pipeline's tokens (stop words out, Snowball stems, rare
tokens removed), with the same vocabulary, window (no random shrinking),
dimensions, negatives, noise exponent 0.75, subsampling t, epochs and
learning-rate schedule. seqlabs runs ``--threads`` Hogwild worker threads of
one torch thread each (``train_negative_sampling(workers=...)``); gensim runs
as many workers. Speed is corpus words read per second of training (the same
count for both). Quality is the Spearman correlation with WordSim-353 (pairs
covered by the vocabulary), plus SimLex-999 and the held-out AUC for context.
The two trainings alternate ``--repeats`` times (seed, seed + 1, ...); the best
speed of each is kept, and WordSim is the mean over the repeats. Words per
CPU second are printed too: on a loaded machine the wall-clock
ratio depends on how the scheduler shares the cores.

Prints, last, one line:
``word2vec: seqlabs W words/s, gensim G words/s, ratio R; wordsim353 S vs T``
(goal: R >= 0.5 and S >= T - 0.03).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from word2vec_reference import keep_probabilities, noise_distribution, sgns_loss  # noqa: E402

from seqlabs.embedding_eval import heldout_pairs, pair_auc, similarity_score  # noqa: E402
from seqlabs.gensim_reference import train_gensim  # noqa: E402
from seqlabs.sgns import train_negative_sampling  # noqa: E402
from seqlabs.word2vec import prepare_corpus  # noqa: E402
from seqlabs.word2vec_corpora import SOURCES, load_texts  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="lee", choices=SOURCES)
    parser.add_argument("--threads", type=int, default=2, help="seqlabs worker threads and gensim workers")
    parser.add_argument("--epochs", type=int, default=15, help="15: the lab's class profile")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--subsample", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=1, help="alternating runs of each (one seed each); best speed, mean WordSim")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(1)  # each seqlabs worker thread runs its kernels on one core, as a gensim worker
    texts = load_texts(args.corpus)
    data = prepare_corpus(texts.train, min_count=args.min_count, window=args.window)
    ids = [[data.word_to_idx[t] for t in toks] for toks in data.tokens]
    hc, ho = heldout_pairs(texts.heldout, data.word_to_idx, args.window)
    print(texts.describe())
    print(f"V {data.vocab_size}, {int(data.counts.sum()):,} tokens; dim {args.dim}, window {args.window}, "
          f"negatives {args.negatives}, t {args.subsample}, epochs {args.epochs}, threads {args.threads}, "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    best, quality = {}, {}
    for rep in range(args.repeats):
        cpu = cpu_seconds()
        ours = train_negative_sampling(ids, data.vocab_size, loss_fn=sgns_loss,
                                       noise_probs=noise_distribution(data.counts),
                                       keep_probs=keep_probabilities(data.counts, args.subsample),
                                       dim=args.dim, window=args.window, negatives=args.negatives,
                                       epochs=args.epochs, batch_size=args.batch_size, workers=args.threads,
                                       seed=args.seed + rep, progress_mode="off")
        ours_cpu = cpu_seconds() - cpu
        cpu = cpu_seconds()
        ref = train_gensim(data.tokens, data.idx_to_word, dim=args.dim, window=args.window,
                           negatives=args.negatives, subsample=args.subsample, epochs=args.epochs,
                           workers=args.threads, seed=args.seed + rep)
        ref_cpu = cpu_seconds() - cpu
        for name, run, vin, vout, used in (("seqlabs", ours, ours.in_vectors, ours.out_vectors, ours_cpu),
                                            ("gensim", ref, ref.vectors, ref.out_vectors, ref_cpu)):
            ws = similarity_score(vin, data.word_to_idx, "wordsim353")
            sl = similarity_score(vin, data.word_to_idx, "simlex999")
            auc = pair_auc(lambda c, o: (vin[c] * vout[o]).sum(-1), hc, ho)
            print(f"run {rep + 1} {name:8} {run.seconds:7.1f} s wall {used:7.1f} s CPU "
                  f"{run.words_per_second:>9,.0f} words/s   {ws}   SimLex {sl.spearman:+.3f}   AUC {auc:.3f}")
            quality.setdefault(name, []).append(ws.spearman)
            if name not in best or run.words_per_second > best[name][0]:
                best[name] = (run.words_per_second, run.words / max(used, 1e-9))
    (w, w_cpu), (g, g_cpu) = best["seqlabs"], best["gensim"]
    # WordSim-353 on the ~100 pairs a small corpus covers moves by a few hundredths from seed to seed:
    # the line gives each model's mean over the repeats (one seed each).
    s, t = (float(np.mean(quality[name])) for name in ("seqlabs", "gensim"))
    print(f"per CPU second (this process's user+system time): seqlabs {w_cpu:.0f}, gensim {g_cpu:.0f} words, "
          f"ratio {w_cpu / g_cpu:.2f}")
    if args.repeats > 1:
        print(f"wordsim353 over {args.repeats} seeds: seqlabs {[round(x, 3) for x in quality['seqlabs']]}, "
              f"gensim {[round(x, 3) for x in quality['gensim']]}")
    print(f"word2vec: seqlabs {w:.0f} words/s, gensim {g:.0f} words/s, ratio {w / g:.2f}; "
          f"wordsim353 {s:.3f} vs {t:.3f}")


if __name__ == "__main__":
    main()
