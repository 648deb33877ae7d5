"""seqlabs' negative-sampling skip-gram against gensim's, side by side on the same data and settings.

    python benchmarks/bench_word2vec.py                          # Lee corpus (gensim's wheel), class settings
    python benchmarks/bench_word2vec.py --corpus gensim-wiki --repeats 3    # 301k words of Wikipedia, 3 seeds
    python benchmarks/bench_word2vec.py --batch-size 256,512,1024 --negatives 5,8,16 --threads 1,2

Both train on the lab pipeline's tokens (stop words out, Snowball stems, rare
tokens removed), with the same vocabulary, window (no random shrinking),
dimensions, noise words per pair ``K``, noise exponent 0.75, subsampling t,
epochs and learning-rate schedule. seqlabs trains as the lab does: ``K``
noise words shared by each batch of ``B`` pairs, the reference's hand-derived
gradient (``benchmarks/word2vec_reference.py``), ``--threads`` Hogwild
workers of one torch thread each: forked processes (``--hogwild processes``,
the trainer's default on Linux: each has its own GIL) or Python threads
(``--hogwild threads``; ``--hogwild processes,threads`` runs both); gensim runs
as many workers, ``K`` noise words per pair. Speed is corpus words read per
second of training (the same count for both); each seqlabs row's ratio is
against the gensim run of the same seed, ``K`` and threads, trained right
after it (on a loaded machine the ratio survives, the absolute numbers do
not). Quality: Spearman correlation
with WordSim-353 and SimLex-999 (pairs the vocabulary covers), accuracy on
gensim's ``questions-words.txt`` analogies (questions it covers) and the
held-out AUC; the last lines give their means over the seeds.

Prints, last, one line:
``word2vec: ratio R (K, workers, B); wordsim353 S vs T; analogies A vs B``
for the first batch size, ``K``, thread count and kind of worker (goal: R >= 0.8, S >= T - 0.02, A >= B - 0.02).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import cpu_seconds  # noqa: E402
from word2vec_reference import keep_probabilities, noise_distribution, shared_sgns_loss_and_grad  # noqa: E402

from seqlabs.embedding_eval import analogy_accuracy, heldout_pairs, pair_auc, similarity_score  # noqa: E402
from seqlabs.gensim_reference import train_gensim  # noqa: E402
from seqlabs.sgns import train_negative_sampling  # noqa: E402
from seqlabs.word2vec import prepare_corpus  # noqa: E402
from seqlabs.word2vec_corpora import SOURCES, load_texts  # noqa: E402


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="lee", choices=SOURCES)
    parser.add_argument("--threads", type=ints, default=[2], help="seqlabs worker threads = gensim workers (list)")
    parser.add_argument("--epochs", type=int, default=15, help="15: the lab's class profile")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=ints, default=[8], help="K, noise words per pair (list)")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--subsample", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=ints, default=[512], help="seqlabs pairs per step (list; 512: class)")
    parser.add_argument("--hogwild", type=lambda t: t.split(","), default=["processes"],
                        help="seqlabs workers as 'processes' (forked, Linux) or 'threads' (list: both side by side)")
    parser.add_argument("--repeats", type=int, default=1, help="seeds seed, seed + 1, ...: means over them")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(1)  # each seqlabs worker runs its kernels on one core, as a gensim worker
    texts = load_texts(args.corpus)
    data = prepare_corpus(texts.train, min_count=args.min_count, window=args.window)
    ids = [[data.word_to_idx[t] for t in toks] for toks in data.tokens]
    hc, ho = heldout_pairs(texts.heldout, data.word_to_idx, args.window)
    noise_probs, keep_probs = noise_distribution(data.counts), keep_probabilities(data.counts, args.subsample)
    print(texts.describe())
    print(f"V {data.vocab_size}, {int(data.counts.sum()):,} tokens; dim {args.dim}, window {args.window}, "
          f"t {args.subsample}, epochs {args.epochs}, load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    def judge(vin, vout):
        ws = similarity_score(vin, data.word_to_idx, "wordsim353")
        sl = similarity_score(vin, data.word_to_idx, "simlex999")
        analogies, covered, _ = analogy_accuracy(vin, data.word_to_idx)
        auc = pair_auc(lambda c, o: (vin[c] * vout[o]).sum(-1), hc, ho)
        return {"ws": ws.spearman, "sl": sl.spearman, "an": analogies, "auc": auc, "n_ws": ws.covered,
                "n_an": covered}

    speed, quality = {}, {}  # (name, K, threads, B, workers' kind) -> list over seeds
    print(f"{'run':>3} {'trainer':8} {'K':>3} {'thr':>3} {'B':>5} {'workers':>9} {'s wall':>7} {'s CPU':>7} "
          f"{'words/s':>9} "
          f"{'ratio':>5} {'WS-353':>7} {'SimLex':>7} {'analogy':>7} {'AUC':>6}")
    for rep in range(args.repeats):
        seed = args.seed + rep
        for k in args.negatives:
            for threads in args.threads:
                rows = []
                for batch in args.batch_size:
                    for hogwild in args.hogwild if threads > 1 else ["-"]:
                        cpu = cpu_seconds()
                        ours = train_negative_sampling(ids, data.vocab_size, grad_fn=shared_sgns_loss_and_grad,
                                                       noise_probs=noise_probs, keep_probs=keep_probs,
                                                       dim=args.dim, window=args.window, negatives=k,
                                                       epochs=args.epochs, batch_size=batch, workers=threads,
                                                       hogwild="auto" if hogwild == "-" else hogwild, seed=seed,
                                                       progress_mode="off")
                        rows.append((("seqlabs", k, threads, batch, hogwild), ours, ours.in_vectors,
                                     ours.out_vectors, cpu_seconds() - cpu))
                cpu = cpu_seconds()
                ref = train_gensim(data.tokens, data.idx_to_word, dim=args.dim, window=args.window, negatives=k,
                                   subsample=args.subsample, epochs=args.epochs, workers=threads, seed=seed)
                rows.append((("gensim", k, threads, 0, "-"), ref, ref.vectors, ref.out_vectors, cpu_seconds() - cpu))
                for key, run, vin, vout, used in rows:
                    q = judge(vin, vout)
                    ratio = run.words_per_second / ref.words_per_second
                    speed.setdefault(key, []).append(ratio)
                    quality.setdefault(key, []).append(q)
                    print(f"{rep + 1:>3} {key[0]:8} {k:>3} {threads:>3} {key[3] or '-':>5} {key[4]:>9} "
                          f"{run.seconds:7.1f} "
                          f"{used:7.1f} {run.words_per_second:>9,.0f} {ratio:5.2f} {q['ws']:+7.3f} {q['sl']:+7.3f} "
                          f"{q['an']:7.3f} {q['auc']:6.3f}", flush=True)
    print(f"quality over {args.repeats} seed(s) (WordSim-353 on {quality[key][0]['n_ws']} pairs, "
          f"{quality[key][0]['n_an']} analogy questions covered); ratio = seqlabs / gensim words per second:")
    for key, runs in quality.items():
        means = {m: float(np.mean([r[m] for r in runs])) for m in ("ws", "sl", "an", "auc")}
        print(f"  {key[0]:8} K {key[1]:>2} threads {key[2]} B {key[3] or '-':>5} {key[4]:>9}: "
              f"ratio {np.mean(speed[key]):.2f} "
              f"(min {min(speed[key]):.2f})  WS {means['ws']:+.3f}  SimLex {means['sl']:+.3f}  "
              f"analogy {means['an']:.3f}  AUC {means['auc']:.3f}")
    k, threads, batch = args.negatives[0], args.threads[0], args.batch_size[0]
    ours = ("seqlabs", k, threads, batch, args.hogwild[0] if threads > 1 else "-")
    ref = ("gensim", k, threads, 0, "-")
    mean = {(name, m): float(np.mean([r[m] for r in quality[name]])) for name in (ours, ref) for m in ("ws", "an")}
    print(f"word2vec: ratio {np.mean(speed[ours]):.2f} (K {k}, {threads} workers as {ours[4]}, B {batch}); "
          f"wordsim353 {mean[ours, 'ws']:.3f} vs {mean[ref, 'ws']:.3f}; analogies {mean[ours, 'an']:.3f} vs "
          f"{mean[ref, 'an']:.3f}")


if __name__ == "__main__":
    main()
