"""The labs' figures: loss curves, attention heatmaps, BLEU by sentence length, time-series forecasts,
word-vector groups.

Every function returns its `Figure` and never calls `plt.show()` unless
`show=True`, so it runs the same under Agg (CI, `autograder grade`) as in
Jupyter, where the returned figure is drawn inline. Pass `ax=` to draw into
an existing subplot.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from autograder.core.values import to_numpy

__all__ = ["plot_losses", "plot_attention", "plot_series", "plot_bleu_by_length", "plot_word_groups"]


def _to_numpy(values, name: str) -> np.ndarray:
    try:
        return np.asarray(to_numpy(values), dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers (a list, array or tensor), got {type(values).__name__}") from None


def _axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _finish(fig: Figure, show: bool) -> Figure:
    if show:
        plt.show()
    return fig


def plot_losses(history, *, ax=None, title: str = "Loss", ylabel: str = "loss", log_y: bool = False,
                show: bool = False) -> Figure:
    """Training and validation loss per epoch, one line each, epochs numbered from 1.

    history: a `seqlabs.training.History`, or a mapping label -> sequence of
        per-epoch losses (e.g. {"train": [...], "validation": [...]}); one line
        per entry, labelled with its key.
    """
    curves = history.as_dict() if hasattr(history, "as_dict") else history
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(
            "plot_losses needs a History or a non-empty mapping label -> losses, "
            "e.g. {'train': train_losses, 'validation': valid_losses}"
        )
    fig, ax = _axes(ax, (6, 4))
    for label, losses in curves.items():
        y = _to_numpy(losses, f"history[{label!r}]").reshape(-1)
        ax.plot(np.arange(1, len(y) + 1), y, marker="o", markersize=3, label=str(label))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log_y:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return _finish(fig, show)


def plot_attention(attention, src_tokens: Sequence[str], trg_tokens: Sequence[str], *, ax=None,
                   cmap: str = "bone", colorbar: bool = True, show: bool = False) -> Figure:
    """Heatmap of attention weights, source tokens across the top, target tokens down the side.

    attention: [T_trg, T_src] weights (array or tensor; a [T_trg, 1, T_src]
        single-sentence batch is squeezed), row t = where target token t looked.
    src_tokens: T_src labels for the columns (include <sos>/<eos> if the
        attention covers them). trg_tokens: T_trg labels for the rows.
    """
    weights = _to_numpy(attention, "attention")
    if weights.ndim == 3 and weights.shape[1] == 1:
        weights = weights[:, 0, :]  # [T_trg, T_src]
    if weights.ndim != 2:
        raise ValueError(f"attention must be [T_trg, T_src], got shape {weights.shape}")
    t_trg, t_src = weights.shape
    if len(src_tokens) != t_src or len(trg_tokens) != t_trg:
        raise ValueError(
            f"attention is [T_trg={t_trg}, T_src={t_src}] but got {len(trg_tokens)} target and "
            f"{len(src_tokens)} source tokens; label every row and column (did you leave out <sos>/<eos>?)"
        )
    fig, ax = _axes(ax, (max(4, 0.5 * t_src + 2), max(3, 0.5 * t_trg + 1)))
    image = ax.matshow(weights, cmap=cmap, vmin=0.0)
    ax.set_xticks(np.arange(t_src))
    ax.set_xticklabels([str(t) for t in src_tokens], rotation=45, ha="left")
    ax.set_yticks(np.arange(t_trg))
    ax.set_yticklabels([str(t) for t in trg_tokens])
    ax.set_xlabel("source")
    ax.set_ylabel("target")
    ax.xaxis.set_label_position("top")
    if colorbar:
        fig.colorbar(image, ax=ax)
    return _finish(fig, show)


def plot_series(actual, predicted_train, predicted_test, *, train_start: int = 0, test_start: int | None = None,
                x=None, ax=None, title: str = "", xlabel: str = "time step", ylabel: str = "value",
                show: bool = False) -> Figure:
    """The series, with train and test predictions overlaid where they belong in time.

    actual: [N] observed values. predicted_train: [N_train] predictions of
    actual[train_start : train_start + N_train]. predicted_test: [N_test]
    predictions of actual[test_start : test_start + N_test]; test_start
    defaults to right after the training predictions. (For a window of
    `look_back` inputs the first prediction is of step look_back, so pass
    train_start=look_back.) x: [N] positions (e.g. dates); default 0..N-1.
    """
    y = _to_numpy(actual, "actual").reshape(-1)
    train = _to_numpy(predicted_train, "predicted_train").reshape(-1)
    test = _to_numpy(predicted_test, "predicted_test").reshape(-1)
    n = len(y)
    if test_start is None:
        test_start = train_start + len(train)
    for name, start, pred in (("predicted_train", train_start, train), ("predicted_test", test_start, test)):
        if start < 0 or start + len(pred) > n:
            raise ValueError(
                f"{name} has {len(pred)} values starting at step {start}, past the end of the "
                f"{n}-step series; check train_start/test_start (the look-back offset)"
            )
    positions = np.arange(n) if x is None else np.asarray(x)
    if len(positions) != n:
        raise ValueError(f"x has {len(positions)} positions but actual has {n} values")
    fig, ax = _axes(ax, (8, 4))
    ax.plot(positions, y, color="0.3", label="actual")
    ax.plot(positions[train_start:train_start + len(train)], train, label="predicted (train)")
    ax.plot(positions[test_start:test_start + len(test)], test, label="predicted (test)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return _finish(fig, show)


def plot_bleu_by_length(buckets_by_model: Mapping[str, Sequence], *, ax=None, title: str = "BLEU by source length",
                        show: bool = False) -> Figure:
    """Grouped bars of BLEU per source-length bucket, one colour per model.

    buckets_by_model: model name -> the ``seqlabs.metrics.bleu_by_length``
    result (the same edges for every model). Each bucket's label gives its
    length range; the number of sentences in it is written under the label.
    """
    if not isinstance(buckets_by_model, Mapping) or not buckets_by_model:
        raise TypeError("plot_bleu_by_length needs a non-empty mapping model name -> bleu_by_length(...) result")
    names = list(buckets_by_model)
    first = list(buckets_by_model[names[0]])
    for name in names[1:]:
        if [b.label for b in buckets_by_model[name]] != [b.label for b in first]:
            raise ValueError(f"model {name!r} has other length buckets than {names[0]!r}; use the same edges for all")
    fig, ax = _axes(ax, (7, 4))
    positions = np.arange(len(first))
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        heights = [0.0 if math.isnan(b.bleu) else b.bleu for b in buckets_by_model[name]]
        ax.bar(positions + (k - (len(names) - 1) / 2) * width, heights, width, label=str(name))
    ax.set_xticks(positions)
    ax.set_xticklabels([f"{b.label}\n(n={b.count})" for b in first])
    ax.set_xlabel("source length (tokens)")
    ax.set_ylabel("BLEU")
    ax.set_title(title)
    ax.legend()
    return _finish(fig, show)


def plot_word_groups(vectors, groups: Mapping[str, Sequence[str]], word_to_idx: Mapping[str, int], *, ax=None,
                     title: str = "Word vectors (PCA)", figsize=(6, 5), show: bool = False) -> Figure:
    """The words of each group at their first two principal components, one colour per group.

    ``vectors [V, E]``; ``groups``: name -> words (unknown words are skipped).
    The components are those of the plotted words only, centred.
    """
    table = _to_numpy(vectors, "vectors")
    if table.ndim != 2:
        raise ValueError(f"vectors must be [V, E], got shape {list(table.shape)}")
    words = [(name, w) for name, ws in groups.items() for w in ws if w in word_to_idx]
    if len(words) < 2:
        raise ValueError("plot_word_groups needs at least two known words; check the groups and the vocabulary")
    points = table[[word_to_idx[w] for _, w in words]]  # [W, E]
    points = points - points.mean(axis=0)
    if not np.isfinite(points).all():
        raise ValueError("the vectors are not finite (NaN or inf): training diverged")
    _, _, vt = np.linalg.svd(points, full_matrices=False)
    xy = points @ vt[:2].T  # [W, 2]
    fig, ax = _axes(ax, figsize)
    for k, name in enumerate(groups):
        rows = [i for i, (g, _) in enumerate(words) if g == name]
        ax.scatter(xy[rows, 0], xy[rows, 1], color=f"C{k % 10}", label=name)
        for i in rows:
            ax.annotate(words[i][1], xy[i], fontsize=8, xytext=(2, 2), textcoords="offset points")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _finish(fig, show)
