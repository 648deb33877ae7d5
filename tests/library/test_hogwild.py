"""Hogwild workers as forked processes (seqlabs.hogwild), and the skip-gram trainer run with them."""
import os
import time

import numpy as np
import pytest
import torch

from seqlabs.embedding_eval import group_margin, heldout_pairs, pair_auc, word_groups
from seqlabs.hogwild import ForkedWorkers, WorkerFailed, can_fork, shared_tensor
from seqlabs.sgns import train_negative_sampling
from seqlabs.word2vec import prepare_corpus
from seqlabs.word2vec_corpora import load_texts
from test_word2vec_training import shared_loss_and_grad  # the trainer's oracle gradient, one home

pytestmark = pytest.mark.skipif(not can_fork(), reason="forked workers need Linux")


def run_once(work, workers, **poll):
    """Fork ``workers`` processes, run ``work(k)`` in each once, stop them."""
    with ForkedWorkers(work, workers) as pool:
        pool.run(**poll)


def test_forked_workers_write_the_parents_shared_tensor():
    """Each worker fills its own row; the parent reads every row back, and polls while they run."""
    rows = shared_tensor(torch.zeros(3, 4))  # [workers, 4]
    polls = []

    def work(k):
        time.sleep(0.3)
        rows[k] = k + 1

    run_once(work, 3, poll=lambda: polls.append(rows.sum().item()), interval=0.05)
    assert rows.tolist() == [[1.0] * 4, [2.0] * 4, [3.0] * 4]
    assert len(polls) >= 2 and polls[-1] == 24.0  # polled meanwhile, and once at the end
    plain = torch.zeros(2)
    run_once(lambda k: plain.fill_(1.0), 2)
    assert plain.tolist() == [0.0, 0.0]  # an ordinary tensor is the child's own copy: the oracle of "shared"


def test_workers_are_forked_once_and_read_each_runs_work_from_shared_tensors():
    """The same processes run every epoch, each reading the work the parent put in shared memory since."""
    task = shared_tensor(torch.zeros(1, dtype=torch.int64))
    out = shared_tensor(torch.zeros(2, dtype=torch.int64))
    pids = shared_tensor(torch.zeros(2, 2, dtype=torch.int64))  # [run, worker]

    def work(k):
        out[k] = 10 * task[0] + k
        pids[task[0], k] = os.getpid()

    with ForkedWorkers(work, 2) as pool:
        results = []
        for run in (0, 1):
            task[0] = run
            pool.run()
            results.append(out.tolist())
    assert results == [[0, 1], [10, 11]]
    assert pids[0].tolist() == pids[1].tolist() and os.getpid() not in pids[0].tolist()
    for pid in pids[0].tolist():  # told to quit when the block ended
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_failing_worker_is_reported_with_its_traceback_after_the_others_finish():
    done = shared_tensor(torch.zeros(3))

    def work(k):
        if k == 1:
            raise ValueError("grad_fn's d_noise must have the shape of its input")
        time.sleep(0.2)
        done[k] = 1.0

    with pytest.raises(WorkerFailed, match=r"worker 1: Traceback[\s\S]*ValueError: grad_fn's d_noise"):
        run_once(work, 3)
    assert done.tolist() == [1.0, 0.0, 1.0]


def test_an_interrupt_kills_the_workers():
    """Ctrl-C (here from the poll) stops the run at once and leaves no worker behind."""
    pids = shared_tensor(torch.zeros(2, dtype=torch.int64))

    def work(k):
        pids[k] = os.getpid()
        time.sleep(60)

    def poll():
        if (pids > 0).all():
            raise KeyboardInterrupt

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        run_once(work, 2, poll=poll, interval=0.01)
    assert time.perf_counter() - start < 10
    for pid in pids.tolist():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_trainer_learns_the_same_in_processes_as_in_threads():
    """Two forked workers learn the embedded topics as well as two threads (Hogwild: not bit for bit)."""
    texts = load_texts("embedded")
    data = prepare_corpus(texts.train[:600], min_count=3, window=2)
    ids = [[data.word_to_idx[t] for t in toks] for toks in data.tokens]
    V = data.vocab_size
    common = dict(grad_fn=shared_loss_and_grad, noise_probs=data.counts ** 0.75, keep_probs=np.ones(V), dim=16,
                  window=2, epochs=3, batch_size=256, negatives=8, workers=2, seed=0, progress_mode="off")
    hc, ho = heldout_pairs(texts.heldout, data.word_to_idx, 2)
    one = train_negative_sampling(ids, V, **dict(common, workers=1))  # deterministic: the oracle
    runs = {mode: train_negative_sampling(ids, V, hogwild=mode, **common) for mode in ("threads", "processes")}
    for mode, run in runs.items():
        assert not run.in_vectors.is_shared() and run.in_vectors.shape == (V, 16)
        assert group_margin(run.in_vectors, word_groups("embedded", data.word_to_idx)) > 0.2, mode
        assert pair_auc(lambda c, o: (run.in_vectors[c] * run.out_vectors[o]).sum(-1), hc, ho) > 0.65, mode
        assert run.pairs == one.pairs  # every batch trained once
        # the workers' order of updates is the scheduler's: the first epoch's loss varies by a few percent
        # between runs (4.19-4.38 here, under load), the last one's ends where one worker's does
        assert run.epoch_losses[-1] == pytest.approx(one.epoch_losses[-1], rel=0.05), mode
        assert run.epoch_losses[-1] < run.epoch_losses[0], mode


def test_the_trainer_names_a_wrong_hogwild_choice_and_keeps_the_students_traceback():
    ids, V = [[0, 1, 2, 1, 0] * 50], 3
    common = dict(noise_probs=np.ones(V), keep_probs=np.ones(V), dim=4, window=1, epochs=1, batch_size=8,
                  workers=2, progress_mode="off")
    with pytest.raises(ValueError, match="hogwild must be 'auto', 'threads' or 'processes'"):
        train_negative_sampling(ids, V, grad_fn=shared_loss_and_grad, hogwild="fork", **common)
    with pytest.raises(ValueError, match="needs Linux .* and grad_fn"):
        train_negative_sampling(ids, V, loss_fn=lambda c, o, n: (c * o).sum(), hogwild="processes", **common)

    def broken(centre, context, noise):
        raise ZeroDivisionError("the student's own error")

    # the first step runs in this process: the error is the student's, with its own traceback, not a worker's;
    # in threads the error is raised here too (a thread's exception is otherwise only printed, and training goes on)
    for mode in ("processes", "threads"):
        with pytest.raises(ZeroDivisionError, match="the student's own error"):
            train_negative_sampling(ids, V, grad_fn=broken, hogwild=mode, **common)


def test_a_worker_that_dies_without_a_word_is_reported():
    """A worker killed from outside (the out-of-memory killer, say) is named, not waited for."""
    with pytest.raises(WorkerFailed, match=r"worker 0: ended without a word"):
        run_once(lambda k: os.kill(os.getpid(), 9) if k == 0 else None, 2)
