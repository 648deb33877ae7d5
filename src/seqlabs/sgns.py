"""Skip-gram training loops for the Word2Vec lab: negative sampling (fast, batched) and the full softmax.

The loss, its gradient, the noise distribution and the subsampling
probabilities are the student's (passed in); this module gives only the loops
around them::

    vecs = train_negative_sampling(id_lists, V, grad_fn=shared_sgns_loss_and_grad, noise_probs=noise,
                                   keep_probs=keep, dim=100, window=5, negatives=16, epochs=5)
    vecs.in_vectors   # [V, E] the word embeddings (centre vectors)
    vecs.out_vectors  # [V, E] the context vectors

Each epoch, as word2vec and gensim do: every token is kept with probability
``keep_probs[id]`` (subsampling), the (centre, context) pairs of the kept
tokens are built with ``seqlabs.word2vec.skipgram_pairs``' array code and
shuffled. One SGD step per batch of ``B`` pairs on the *summed* loss, the step
size falling linearly from ``lr`` to ``min_lr`` (word2vec's schedule), so a
pair moves the vectors as much as in word2vec's one-pair-at-a-time updates.

The noise words are **shared by the batch** (HogBatch, Ji et al. 2016;
BlazingText, Gupta and Khare 2017): one draw of ``K`` noise ids per batch, so
the noise scores are one matrix product ``centre [B, E] @ noise.T [E, K]``
and only ``K`` noise rows are gathered and scattered back, where per-pair
noise moves a ``[B, K, E]`` tensor through memory twice. Each pair still sees
``K`` words drawn from the noise distribution, so the expected gradient is
word2vec's; the pairs of one batch see the same ones.

With ``grad_fn`` (the student's hand-derived loss and gradient) no autograd
graph is built; ``loss_fn`` runs autograd over the same loss (and, with
``shared_noise=False``, over word2vec's per-pair form with noise ``[B, K, E]``,
the slow comparison). Either way the updates are scattered back with
``index_add_`` (no dense ``[V, E]`` gradient, no Python loop per pair).
"""
from __future__ import annotations

import contextlib
import threading
import time
from functools import partial
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from seqlabs.hogwild import ForkedWorkers, can_fork, shared_tensor
from seqlabs.progress import progress
from seqlabs.word2vec import pairs_of_flat

__all__ = ["SkipGramVectors", "train_negative_sampling", "train_full_softmax", "noise_table", "draw_noise",
           "softmax_step_seconds"]


@dataclass
class SkipGramVectors:
    """The result of ``train_negative_sampling``."""
    in_vectors: torch.Tensor      # [V, E] centre vectors: the embeddings
    out_vectors: torch.Tensor     # [V, E] context vectors
    epoch_losses: list[float] = field(default_factory=list)  # mean loss per pair, per epoch
    seconds: float = 0.0          # wall time of the training loop
    words: int = 0                # tokens read over all epochs (before subsampling)
    pairs: int = 0                # (centre, context) pairs trained on over all epochs

    @property
    def words_per_second(self) -> float:
        """Tokens of the corpus read per second of training (word2vec's and gensim's figure)."""
        return self.words / self.seconds if self.seconds > 0 else float("nan")


NOISE_TABLE_SIZE = 1 << 22  # word2vec.c uses 1e8; 4M entries put every word within 2.4e-7 of its probability


def noise_table(probs: torch.Tensor, size: int = NOISE_TABLE_SIZE) -> torch.Tensor:
    """word2vec's unigram table: ``size`` ids, word ``w`` filling a share ``probs[w] / sum(probs)`` of it.

    Entry ``i`` is the word whose cumulative-probability interval holds
    ``(i + 0.5) / size``, so a uniform draw from the table has each word's
    probability to within ``1 / size``.
    """
    cdf = torch.cumsum(probs.double(), 0)  # [V]
    grid = (torch.arange(size, dtype=torch.float64) + 0.5) / size * cdf[-1]  # [size]
    return torch.searchsorted(cdf, grid, right=True).clamp_(max=len(cdf) - 1)  # [size]


def draw_noise(table: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` noise ids, drawn uniformly from a ``noise_table``: [n]."""
    return table[torch.randint(0, len(table), (n,), generator=generator)]


def _probabilities(values, size: int, name: str) -> torch.Tensor:
    p = torch.as_tensor(np.asarray(values, dtype=np.float64))
    if p.shape != (size,):
        raise ValueError(f"{name} must have one entry per vocabulary word, shape [{size}], got {list(p.shape)}")
    if not torch.isfinite(p).all() or (p < 0).any():
        raise ValueError(f"{name} must be finite and non-negative; fix the function that computed it")
    return p


LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
GradFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], tuple]


def train_negative_sampling(id_lists: Sequence[Sequence[int]], vocab_size: int, *,
                            grad_fn: GradFn | None = None, loss_fn: LossFn | None = None,
                            shared_noise: bool = True, noise_probs, keep_probs, dim: int = 100, window: int = 5,
                            negatives: int = 16, epochs: int = 5, batch_size: int = 1024, lr: float = 0.025,
                            min_lr: float = 1e-4, workers: int = 1, hogwild: str = "auto", seed: int = 0,
                            progress_mode: str = "auto", desc: str = "sgns") -> SkipGramVectors:
    """Train skip-gram with negative sampling on ``id_lists`` (token ids per text).

    Give exactly one of:

    * ``grad_fn(centre [B, E], context [B, E], noise [K, E]) -> (loss, d_centre [B, E],
      d_context [B, E], d_noise [K, E])``: the batch's mean loss with ``K`` noise
      vectors shared by its pairs, and its gradient with respect to each input
      (hand-derived: no autograd graph, the fast path);
    * ``loss_fn(centre, context, noise) -> scalar``, the mean loss, differentiated
      by autograd: ``noise`` is ``[K, E]`` (shared) or, with
      ``shared_noise=False``, ``[B, K, E]`` (word2vec's fresh noise per pair).

    ``noise_probs`` [V]: the noise distribution (need not sum to 1);
    ``keep_probs`` [V]: each token's probability to be kept. ``workers > 1``
    trains with that many Hogwild workers on the shared vectors, no locks, as
    word2vec and gensim do: ``hogwild="auto"`` makes them forked processes with
    ``grad_fn`` on Linux (``seqlabs.hogwild``: each has its own GIL, so the
    per-batch Python runs in parallel) and threads otherwise (torch releases the
    GIL inside its kernels only); ``"threads"`` or ``"processes"`` chooses. Each
    worker runs one torch thread (give threads ``torch.set_num_threads(1)``).
    One worker is deterministic for a seed.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if hogwild not in ("auto", "threads", "processes"):
        raise ValueError(f"hogwild must be 'auto', 'threads' or 'processes', got {hogwild!r}")
    if (grad_fn is None) == (loss_fn is None):
        raise ValueError("give exactly one of grad_fn (loss and hand-derived gradient) and loss_fn (autograd)")
    if grad_fn is not None and not shared_noise:
        raise ValueError("grad_fn takes noise shared by the batch, [K, E]; per-pair noise needs loss_fn")
    noise = _probabilities(noise_probs, vocab_size, "noise_probs")
    if noise.sum() <= 0:
        raise ValueError("noise_probs sums to 0: no word can be drawn as noise")
    keep = _probabilities(keep_probs, vocab_size, "keep_probs").numpy()
    table = noise_table(noise)  # [NOISE_TABLE_SIZE]
    lengths = np.array([len(x) for x in id_lists], dtype=np.int64)  # [S]
    ids = np.fromiter((i for x in id_lists for i in x), dtype=np.int64, count=int(lengths.sum()))  # [N]
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"token ids must lie in [0, {vocab_size}); got {ids.min()}..{ids.max()}")
    text = np.repeat(np.arange(len(lengths)), lengths)  # [N] text of each token
    step = _hand_step if grad_fn is not None else partial(_autograd_step, shared=shared_noise)

    forked = workers > 1 and grad_fn is not None and hogwild != "threads" and can_fork()
    if hogwild == "processes" and not forked:
        raise ValueError("hogwild='processes' needs Linux (os.fork) and grad_fn; use 'threads' or 'auto'")
    generator = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    w_in = (torch.rand(vocab_size, dim, generator=generator) - 0.5) / dim  # [V, E] word2vec's init
    w_out = torch.zeros(vocab_size, dim)  # [V, E]
    generators = [generator] + [torch.Generator().manual_seed(seed + 1 + k) for k in range(workers - 1)]
    share = shared_tensor if forked else (lambda t: t)  # forked workers write the caller's memory, as threads do
    w_in, w_out = share(w_in), share(w_out)
    result = SkipGramVectors(w_in, w_out)
    tally = share(torch.zeros(workers, 2, dtype=torch.float64)).numpy()  # per worker: [batches done, summed loss]

    def train_batches(k: int, centres: torch.Tensor, contexts: torch.Tensor, noise_rows, n_batches: int,
                      steps_before: int, total_steps: int, skip: int, show: Callable | None) -> None:
        """Worker k's batches of an epoch (every workers-th one), after its first ``skip``; the step size falls
        linearly over ``total_steps``."""
        for j, b in enumerate(range(k, n_batches, workers)):
            if j < skip:
                continue
            lo, hi = b * batch_size, min((b + 1) * batch_size, len(centres))
            c, o = centres[lo:hi], contexts[lo:hi]  # [B] each
            step_lr = max(min_lr, lr - (lr - min_lr) * min((steps_before + b) / total_steps, 1.0))
            n = noise_rows[j] if shared_noise else draw_noise(table, negatives * (hi - lo), generators[k])
            loss = step(w_in, w_out, c, o, n, grad_fn or loss_fn, negatives, step_lr)  # n: [K] or [B*K]
            tally[k, 0] += 1
            tally[k, 1] += loss * (hi - lo)
            if show is not None:
                show(b, loss, step_lr)

    pool_context = contextlib.nullcontext()  # gives None: threads, or one worker
    if forked:
        # a forked worker sees this process as it was when forked: each epoch's pairs, noise rows and numbers
        # reach it through shared tensors, sized for the longest epoch (every token kept: 2 * window pairs each)
        most_pairs = ids.size * 2 * window
        pair_rows = share(torch.zeros(2, most_pairs, dtype=torch.int64))  # [centres; contexts]
        noise_rows = share(torch.zeros(workers, -(-most_pairs // batch_size) // workers + 1, negatives,
                                       dtype=torch.int64))  # [worker, its batches, K]
        epoch_numbers = share(torch.zeros(5, dtype=torch.int64)).numpy()  # P, batches, steps before, all steps, skip

        def forked_work(k: int) -> None:
            pairs, n_batches, steps_before, total_steps, skip = (int(x) for x in epoch_numbers)
            train_batches(k, pair_rows[0, :pairs], pair_rows[1, :pairs], noise_rows[k], n_batches, steps_before,
                          total_steps, skip if k == 0 else 0, None)

        pool_context = ForkedWorkers(forked_work, workers)  # stopped when the loop ends, killed if it raises
    steps_before, total_steps = 0, None
    start = time.perf_counter()
    with pool_context as pool:
        for epoch in range(epochs):
            kept = rng.random(ids.size) < keep[ids]  # [N] subsampling
            centres, contexts = pairs_of_flat(ids[kept], text[kept], window)  # [P] each
            order = torch.from_numpy(rng.permutation(len(centres)))
            centres, contexts = centres[order], contexts[order]
            n_batches = -(-len(centres) // batch_size)
            if total_steps is None:  # the schedule assumes every epoch is about as long as the first
                total_steps = max(1, n_batches * epochs)
                # one display for the whole run (log lines: about ten in all, however many epochs)
                bar = progress(total=total_steps, desc=desc, mode=progress_mode)
            tally[:] = 0.0
            # shared noise: each worker's draws for the epoch in one call, here (a forked worker's generator would
            # start from the same state every epoch), a row of K ids per batch; per-pair noise ([B*K] ids a batch:
            # an epoch's worth would be K times the pairs) is drawn batch by batch
            drawn = [draw_noise(table, len(range(k, n_batches, workers)) * negatives, generators[k])
                     .view(-1, negatives) if shared_noise else None for k in range(workers)]  # [its batches, K]

            def show(b: int, loss: float, step_lr: float) -> None:
                bar.update(1)
                if b % 20 == 0:
                    bar.set_postfix(epoch=f"{epoch + 1}/{epochs}", loss=loss, lr=step_lr)

            if pool is not None:  # Hogwild in processes: each has its own GIL, as gensim's C threads hold none
                skip = 0
                if epoch == 0 and n_batches:  # the first step here: an error in the student's function keeps its cell
                    train_batches(0, centres, contexts, drawn[0], min(n_batches, 1), 0, total_steps, 0, None)
                    skip = 1
                pair_rows[0, :len(centres)], pair_rows[1, :len(centres)] = centres, contexts
                for k in range(workers):
                    noise_rows[k, :len(drawn[k])] = drawn[k]
                epoch_numbers[:] = (len(centres), n_batches, steps_before, total_steps, skip)

                def poll() -> None:
                    bar.set_postfix(epoch=f"{epoch + 1}/{epochs}")  # first: a log line is written by update
                    bar.update(steps_before + int(tally[:, 0].sum()) - bar.n)

                pool.run(poll=poll)
            elif workers == 1:
                train_batches(0, centres, contexts, drawn[0], n_batches, steps_before, total_steps, 0, show)
            else:  # Hogwild (as word2vec and gensim) in threads: torch releases the GIL inside its kernels only
                errors: list[BaseException] = []

                def guarded(k: int) -> None:  # a thread's exception would only be printed: raise it here instead
                    try:
                        train_batches(k, centres, contexts, drawn[k], n_batches, steps_before, total_steps, 0, show)
                    except BaseException as err:
                        errors.append(err)

                threads = [threading.Thread(target=guarded, args=(k,)) for k in range(workers)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                if errors:
                    raise errors[0]
            result.epoch_losses.append(float(tally[:, 1].sum()) / max(len(centres), 1))
            result.pairs += len(centres)
            result.words += int(ids.size)
            steps_before += n_batches
    if epochs:
        bar.total = bar.n  # the epochs after the first were as long as subsampling made them
        bar.close()
    if forked:  # ordinary tensors again (the shared mappings are freed with their last user)
        result.in_vectors, result.out_vectors = w_in.clone(), w_out.clone()
    result.seconds = time.perf_counter() - start
    return result


def _hand_step(w_in: torch.Tensor, w_out: torch.Tensor, c: torch.Tensor, o: torch.Tensor, n: torch.Tensor,
               grad_fn: GradFn, negatives: int, lr: float) -> float:
    """One SGD step with the hand-derived gradient of pairs ``(c [B], o [B])``, shared noise ``n [K]``; the mean loss."""
    vc, vo, vn = w_in.index_select(0, c), w_out.index_select(0, o), w_out.index_select(0, n)  # [B, E] [B, E] [K, E]
    out = grad_fn(vc, vo, vn)
    if not isinstance(out, tuple) or len(out) != 4:
        raise ValueError("grad_fn must return (loss, d_centre, d_context, d_noise); "
                         f"got {type(out).__name__} of length {len(out) if isinstance(out, tuple) else '-'}")
    loss, gc, go, gn = out
    if not (isinstance(gc, torch.Tensor) and isinstance(go, torch.Tensor) and isinstance(gn, torch.Tensor)
            and gc.shape == vc.shape and go.shape == vo.shape and gn.shape == vn.shape):  # one test a step
        for name, grad, like in (("d_centre", gc, vc), ("d_context", go, vo), ("d_noise", gn, vn)):
            if not isinstance(grad, torch.Tensor) or grad.shape != like.shape:
                raise ValueError(f"grad_fn's {name} must have the shape of its input, {list(like.shape)}; "
                                 f"got {list(getattr(grad, 'shape', []))}")
    step = -lr * vc.shape[0]  # the gradient of the summed loss is B times that of the mean
    w_in.index_add_(0, c, gc, alpha=step)
    w_out.index_add_(0, o, go, alpha=step)
    w_out.index_add_(0, n, gn, alpha=step)
    return float(loss)


def _autograd_step(w_in: torch.Tensor, w_out: torch.Tensor, c: torch.Tensor, o: torch.Tensor, n: torch.Tensor,
                   loss_fn: LossFn, negatives: int, lr: float, *, shared: bool) -> float:
    """One SGD step by autograd on the summed loss of pairs ``(c [B], o [B])``; noise ``n`` [K] or [B*K]."""
    dim = w_in.shape[1]
    vc = w_in.index_select(0, c).requires_grad_()  # [B, E]
    vo = w_out.index_select(0, o).requires_grad_()  # [B, E]
    vn = w_out.index_select(0, n)  # [K, E] shared, or [B*K, E] per pair
    vn = (vn if shared else vn.view(len(c), negatives, dim)).requires_grad_()  # [K, E] / [B, K, E]
    loss = loss_fn(vc, vo, vn)
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        raise ValueError("loss_fn must return a scalar tensor (the batch's mean loss); "
                         f"got {type(loss).__name__} {list(getattr(loss, 'shape', []))}")
    (loss * len(c)).backward()  # the summed loss: each pair moves the vectors as in word2vec
    with torch.no_grad():  # a loss that ignores an input leaves its grad None: no update there
        for table, rows, vectors in ((w_in, c, vc), (w_out, o, vo), (w_out, n, vn)):
            if vectors.grad is not None:
                table.index_add_(0, rows, vectors.grad.view(-1, dim), alpha=-lr)
    return loss.item()


def train_full_softmax(model: torch.nn.Module, loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                       centres: torch.Tensor, contexts: torch.Tensor, *, epochs: int = 1, batch_size: int = 1024,
                       lr: float = 1e-2, seed: int = 0, progress_mode: str = "auto",
                       desc: str = "softmax") -> list[float]:
    """Train a full-softmax skip-gram ``model(centres [B]) -> logits [B, V]`` with Adam; mean loss per epoch.

    ``loss_fn(logits [B, V], contexts [B]) -> scalar`` is the mean loss of a batch.
    Batches are the shuffled pairs, ``batch_size`` at a time (one step each).
    """
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    n_batches = -(-len(centres) // batch_size)
    bar = progress(total=n_batches * epochs, desc=desc, mode=progress_mode)  # one display for the whole run
    for epoch in range(epochs):
        order = torch.randperm(len(centres), generator=generator)
        total = 0.0
        for b in range(n_batches):
            idx = order[b * batch_size:(b + 1) * batch_size]  # [B]
            optimizer.zero_grad()
            loss = loss_fn(model(centres[idx]), contexts[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            bar.update(1)
            if b % 20 == 0:
                bar.set_postfix(epoch=f"{epoch + 1}/{epochs}", loss=loss.item())
        losses.append(total / max(len(order), 1))
    bar.close()
    return losses


def softmax_step_seconds(make_model: Callable[[int], torch.nn.Module],
                         loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                         vocab_sizes: Sequence[int], *, batch_size: int = 256, repeats: int = 3,
                         seed: int = 0) -> list[float]:
    """Seconds of one forward + backward step of ``make_model(V)`` on a random batch, for each ``V``.

    The best of ``repeats`` timed steps (after one warm-up), so a busy machine
    disturbs the curve less. Shows how the full softmax's cost grows with V.
    """
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for size in vocab_sizes:
        model = make_model(size)
        centres = torch.randint(0, size, (batch_size,), generator=generator)  # [B]
        contexts = torch.randint(0, size, (batch_size,), generator=generator)  # [B]
        best = float("inf")
        for rep in range(repeats + 1):
            start = time.perf_counter()
            model.zero_grad()
            loss_fn(model(centres), contexts).backward()
            if rep:
                best = min(best, time.perf_counter() - start)
        seconds.append(best)
    return seconds
