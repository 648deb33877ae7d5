"""Lab 5's trained results for the reference attention model, broken variants and Lab 4's model, side by side.

    python benchmarks/bench_lab5_baselines.py --profile fast            # every model
    python benchmarks/bench_lab5_baselines.py --profile class reference lab4
    python benchmarks/bench_lab5_baselines.py --profile fast --set n_epochs=4 --set learning_rate=0.01 reference

Each model is trained exactly as the notebook trains it (same data, batches,
initialisation, `seqlabs.training.fit`, free-running test loss, greedy BLEU
and attention sharpness), on the embedded corpus unless SEQLABS_DATA is set.
`constant` is no training at all: the most frequent training target token at
every step. Prints one row per model with its CPU and wall seconds; the
thresholds in `seqlabs.settings.lab5.THRESHOLDS` are set between the rows.
"""
from __future__ import annotations

import argparse
import ast
import random
import resource
import time

import torch
from torch import nn

from lab5_models import broken_variants, reference_namespace
from seqlabs.corpora import load_parallel
from seqlabs.metrics import corpus_bleu, mean_max_attention
from seqlabs.seeding import seed_everything
from seqlabs.settings import for_profile
from seqlabs.settings.lab5 import THRESHOLDS, Lab5Settings
from seqlabs.text import Vocab, tokenize_pairs
from seqlabs.text.batching import PairDataset, make_loader
from seqlabs.training import evaluate, fit, lengths_forward
from seqlabs.translate import free_running_outputs, translate_loader, translate_loader_attention

MODELS = ("reference", "lab4", "uniform_attention", "no_mask", "no_context", "attention_not_softmaxed",
          "wrong_sign", "constant")


def data(settings):
    """Tokenised splits, vocabularies and the attention / reversed-source loaders, as the notebook builds them."""
    splits = {}
    for name, limit in (("train", settings.max_train_pairs), ("val", settings.max_eval_pairs),
                        ("test", settings.max_eval_pairs)):
        splits[name] = tokenize_pairs(load_parallel(name), limit)
    src_vocab = Vocab.build(splits["train"][0], min_freq=settings.min_freq)
    trg_vocab = Vocab.build(splits["train"][1], min_freq=settings.min_freq)

    def loaders(reverse):
        sets = {k: PairDataset(de, en, src_vocab, trg_vocab, reverse_source=reverse) for k, (de, en) in splits.items()}
        return (make_loader(sets["train"], settings.batch_size, shuffle=True, seed=settings.seed),
                make_loader(sets["val"], settings.batch_size, shuffle=False),
                make_loader(sets["test"], settings.batch_size, shuffle=False))

    return src_vocab, trg_vocab, loaders(False), loaders(True), splits


def init_weights(m):
    for name, param in m.named_parameters():
        if "weight" in name:
            nn.init.normal_(param.data, mean=0, std=0.01)
        else:
            nn.init.constant_(param.data, 0)


def attention_model(ns, settings, src_vocab, trg_vocab):
    enc = ns["Encoder"](len(src_vocab), settings.enc_emb_dim, settings.enc_hid_dim, settings.dec_hid_dim,
                        settings.enc_dropout)
    dec = ns["Decoder"](len(trg_vocab), settings.dec_emb_dim, settings.enc_hid_dim, settings.dec_hid_dim,
                        settings.dec_dropout, ns["Attention"](settings.enc_hid_dim, settings.dec_hid_dim))
    model = ns["Seq2Seq"](enc, dec, src_vocab.pad_index, "cpu")
    model.apply(init_weights)
    return model


def lab4_model(settings, src_vocab, trg_vocab):
    """Lab 4's LSTM encoder-decoder, Trevett's tutorial 1 (the oracle in trevett.py), Lab 4's initialisation."""
    from trevett import Decoder, Encoder, Seq2Seq

    dropout = settings.base_dropout
    model = Seq2Seq(Encoder(len(src_vocab), settings.base_emb_dim, settings.base_hid_dim, settings.base_n_layers,
                            dropout),
                    Decoder(len(trg_vocab), settings.base_emb_dim, settings.base_hid_dim, settings.base_n_layers,
                            dropout))
    for param in model.parameters():
        nn.init.uniform_(param.data, -0.08, 0.08)
    return model


class WrongSignAdam(torch.optim.Adam):
    """Adam that climbs the loss: every gradient negated (a sign error in the student's update)."""

    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad.neg_()
        return super().step(closure)


def train_attention(model, settings, loaders, trg_vocab, optimizer_class=torch.optim.Adam):
    train, valid, test = loaders
    sos = trg_vocab.sos_index

    def without_targets(m, batch, tf=0):
        return free_running_outputs(m, batch.src, batch.src_lengths, batch.trg.shape[0], sos_index=sos), batch.trg

    criterion = nn.CrossEntropyLoss(ignore_index=trg_vocab.pad_index)
    optimizer = optimizer_class(model.parameters(), lr=settings.learning_rate)
    try:
        fit(model, train, valid, optimizer, criterion, epochs=settings.n_epochs, clip=settings.clip,
            teacher_forcing_ratio=settings.teacher_forcing_ratio, forward=lengths_forward(),
            eval_fn=lambda m, b, c: evaluate(m, b, c, forward=without_targets), progress_mode="off")
    except FloatingPointError:
        pass
    loss = evaluate(model, test, criterion, forward=without_targets)
    hyps, refs, attentions = translate_loader_attention(model, test, trg_vocab, max_len=settings.max_decode_len)
    return loss, corpus_bleu(hyps, refs), mean_max_attention(attentions)


def train_lab4(model, settings, loaders, trg_vocab):
    train, valid, test = loaders
    criterion = nn.CrossEntropyLoss(ignore_index=trg_vocab.pad_index)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    fit(model, train, valid, optimizer, criterion, epochs=settings.n_epochs, clip=settings.clip,
        teacher_forcing_ratio=settings.teacher_forcing_ratio, progress_mode="off")
    loss = evaluate(model, test, criterion)
    hyps, refs = translate_loader(model, test, trg_vocab, max_len=settings.max_decode_len)
    return loss, corpus_bleu(hyps, refs), float("nan")


def constant_baseline(splits, trg_vocab, loaders):
    """The most frequent training target token at every step: its test loss (as a one-hot-ish model) and BLEU."""
    counts = torch.zeros(len(trg_vocab))
    for sentence in splits["train"][1]:
        for token_id in trg_vocab.encode(sentence) + [trg_vocab.eos_index]:
            counts[token_id] += 1
    log_probs = torch.log(counts / counts.sum()).clamp_min(-30)  # [V]: the unigram distribution
    criterion = nn.CrossEntropyLoss(ignore_index=trg_vocab.pad_index)
    losses = [criterion(log_probs.expand(b.trg[1:].numel(), -1), b.trg[1:].reshape(-1)).item() for b in loaders[2]]
    top = trg_vocab.decode([int(counts.argmax())])
    hyps = [top * max(1, len(en)) for en in splits["test"][1]]
    return sum(losses) / len(losses), corpus_bleu(hyps, splits["test"][1]), float("nan")


def parse_overrides(items):
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key] = ast.literal_eval(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="*", default=list(MODELS), help=f"any of {', '.join(MODELS)}")
    parser.add_argument("--profile", default="fast", choices=("fast", "class", "full"))
    parser.add_argument("--set", action="append", default=[], help="a settings override, e.g. n_epochs=4")
    args = parser.parse_args()
    settings = for_profile(Lab5Settings, args.profile, **parse_overrides(args.set))
    if settings.torch_threads:
        torch.set_num_threads(settings.torch_threads)
    print(settings)
    print("bounds:", {k: v[args.profile] for k, v in THRESHOLDS.items()})
    src_vocab, trg_vocab, attn_loaders, lab4_loaders, splits = data(settings)
    ns = reference_namespace()
    variants = broken_variants(ns)
    print(f"{'model':26}{'test loss':>10}{'BLEU':>8}{'sharpness':>11}{'CPU s':>8}{'wall s':>8}", flush=True)
    for name in args.models:
        cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime, time.perf_counter()
        seed_everything(settings.seed)
        random.seed(settings.seed)
        if name == "constant":
            loss, bleu, sharp = constant_baseline(splits, trg_vocab, attn_loaders)
        elif name == "lab4":
            loss, bleu, sharp = train_lab4(lab4_model(settings, src_vocab, trg_vocab), settings, lab4_loaders,
                                           trg_vocab)
        else:
            scope = {**ns, **variants.get(name, {})}
            model = attention_model(scope, settings, src_vocab, trg_vocab)
            opt = WrongSignAdam if name == "wrong_sign" else torch.optim.Adam
            loss, bleu, sharp = train_attention(model, settings, attn_loaders, trg_vocab, opt)
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
        print(f"{name:26}{loss:>10.3f}{bleu:>8.2f}{sharp:>11.3f}{cpu:>8.1f}{time.perf_counter() - wall0:>8.1f}",
              flush=True)


if __name__ == "__main__":
    main()
