"""Benchmark of the hashed tolerance tokens: false rejects, false accepts, cost per verify.

    python benchmarks/bench_tokens.py            # the figures in docs/benchmarks.md
    python benchmarks/bench_tokens.py --seed 7   # another catalogue

Builds ~1000 answers within tolerance and ~2000 wrong answers of the kinds
students give (shapes () to (200, 300), rtol=1e-5, atol=1e-8), judges each
with verify(answer, make_token(reference)), and times verify on a scalar and
on a 10**6-element array (median over repeats).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

from autograder.core.tokens import make_token, reject_factor, verify

RTOL, ATOL = 1e-5, 1e-8
SHAPES = [(), (4,), (16,), (7, 3), (32, 32), (2, 5, 6), (64, 80), (200, 300)]


def tol(e):
    return ATOL + RTOL * np.abs(e)


def reference(rng, shape):
    """Magnitudes over 24 decades, both signs, exact zeros, values straddling zero."""
    e = np.sign(rng.standard_normal(shape)) * 10.0 ** rng.uniform(-12, 12, shape)
    e = np.where(rng.random(shape) < 0.05, 0.0, e)
    return np.where(rng.random(shape) < 0.05, rng.uniform(-3, 3, shape) * ATOL, e)


def at_most_tol(v, e):
    """Step elements that float rounding pushed past the exact edge back inside, one ulp at a time."""
    for _ in range(4):
        v = np.where(np.abs(v - e) > tol(e), np.nextafter(v, e), v)
    return v


def correct_answers(rng, e):
    """Answers every element of which is within atol + rtol|e| (the exact edge included)."""
    yield "edge +-1", at_most_tol(e + rng.choice([-1.0, 1.0], e.shape) * tol(e), e)
    yield "uniform", at_most_tol(e + rng.uniform(-1, 1, e.shape) * tol(e), e)
    small = np.clip(e, -1e30, 1e30)  # float32 range
    yield "float32 cast", (small.astype(np.float32), small)
    yield "torch float32", (torch.tensor(small, dtype=torch.float32), small)


def softmax(x, axis):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def wrong_answers(rng, e):
    """The mistakes students really make (see tests/test_tokens.py)."""
    if e.ndim == 0:
        f = reject_factor(RTOL) * 1.01
        yield from [("beyond band +", e + f * tol(e)), ("beyond band -", e - f * tol(e)),
                    ("scale x1.001", e * 1.001 + ATOL * 2), ("sign flip", -e - 2 * ATOL)]
        return
    yield "sign flip", -e
    yield "scale x1.001", e * 1.001
    yield "roll by one", np.roll(e, 1, axis=0)
    yield "permuted", rng.permutation(e.ravel()).reshape(e.shape)
    yield "sorted", np.sort(e.ravel()).reshape(e.shape)
    yield "same mean and std", rng.standard_normal(e.shape) * e.std() + e.mean()
    noise = rng.standard_normal(e.shape)
    yield "1% noise, mean kept", e + 0.01 * np.abs(e) * (noise - noise.mean())
    one = e.ravel().copy()
    i = int(np.argmax(np.abs(one)))
    one[i] *= 1.1
    yield "one element x1.1", one.reshape(e.shape)
    if e.ndim >= 2:
        i, j = rng.choice(e.shape[0], 2, replace=False)
        v = e.copy()
        v[i] = 0.0
        yield "row zeroed", v
        v = e.copy()
        v[[i, j]] = e[[j, i]]
        yield "two rows swapped", v
        c, d = rng.choice(e.shape[1], 2, replace=False)
        v = e.copy()
        v[:, [c, d]] = e[:, [d, c]]
        yield "two columns swapped", v
        p = softmax(np.clip(e, -50, 50), -1)
        yield "softmax over the wrong axis", (softmax(np.clip(e, -50, 50), 0), p)
        if e.shape[0] == e.shape[1]:
            yield "transpose", np.swapaxes(e, 0, 1)


def beyond_band(v, e) -> bool:
    """The oracle: some element is beyond reject_factor * tolerance, so it must be rejected."""
    v = np.asarray(v.numpy() if isinstance(v, torch.Tensor) else v, dtype=np.float64)
    return bool(np.any(~(np.abs(v - e) < reject_factor(RTOL) * tol(e))))


def within_band(v, e) -> bool:
    v = np.asarray(v.numpy() if isinstance(v, torch.Tensor) else v, dtype=np.float64)
    return bool(np.all(np.abs(v - e) <= tol(e)))


def judge_catalogue(seed: int, n_refs: int):
    rng = np.random.default_rng(seed)
    right = wrong = false_rejects = false_accepts = skipped = 0
    by_kind: dict[str, list[int]] = {}
    for r in range(n_refs):
        e = reference(rng, SHAPES[r % len(SHAPES)])
        token = make_token(e, rtol=RTOL, atol=ATOL, salt=f"bench:{r}")
        for name, answer in correct_answers(rng, e):
            if isinstance(answer, tuple):  # (answer, the reference it answers)
                answer, ref = answer
                token_ref = make_token(ref, rtol=RTOL, atol=ATOL, salt=f"bench:{r}")
            else:
                ref, token_ref = e, token
            if not within_band(answer, ref):
                skipped += 1
                continue
            right += 1
            false_rejects += not verify(answer, token_ref)
        for name, answer in wrong_answers(rng, e):
            if isinstance(answer, tuple):
                answer, ref = answer
                token_ref = make_token(ref, rtol=RTOL, atol=ATOL, salt=f"bench:{r}")
            else:
                ref, token_ref = e, token
            if not beyond_band(answer, ref):  # e.g. the roll of a constant row: not a mistake
                skipped += 1
                continue
            wrong += 1
            accepted = verify(answer, token_ref)
            false_accepts += accepted
            by_kind.setdefault(name, [0, 0])
            by_kind[name][0] += 1
            by_kind[name][1] += accepted
    return right, false_rejects, wrong, false_accepts, skipped, by_kind


def median_ms(fn, repeats: int) -> str:
    """Median wall-clock and CPU (this process) milliseconds per call.

    On a shared machine the wall clock includes waiting for a core; CPU time is
    what the call itself costs.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return f"{1e3 * statistics.median(wall):8.3f} ms wall, {1e3 * statistics.median(cpu):8.3f} ms CPU"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--refs", type=int, default=250, help="references; each gives 4 right and up to 12 wrong answers")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    right, fr, wrong, fa, skipped, by_kind = judge_catalogue(args.seed, args.refs)
    print(f"catalogue (seed {args.seed}, rtol={RTOL}, atol={ATOL}): {time.perf_counter() - t0:.1f} s")
    print(f"  within tolerance: {right:5d} answers, false rejects: {fr}")
    print(f"  wrong:            {wrong:5d} answers, false accepts: {fa}")
    print(f"  (left out, neither inside the band nor beyond the reject band: {skipped})")
    for name, (n, acc) in sorted(by_kind.items()):
        print(f"    {name:28s} {n:5d} judged, {acc} accepted")

    rng = np.random.default_rng(args.seed)
    x = 0.123456789
    tx = make_token(x, salt="bench")
    big = rng.standard_normal((1000, 1000))
    tb = make_token(big, salt="bench")
    verify(big, tb)  # warm up
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cost per call (median; {os.cpu_count()} CPU cores, load average {load}):")
    print(f"  verify, scalar:             {median_ms(lambda: verify(x, tx), 2000)}")
    print(f"  make_token, scalar:         {median_ms(lambda: make_token(x, salt='bench'), 500)}")
    print(f"  verify, 10^6 float64:       {median_ms(lambda: verify(big, tb), 30)}  (token {len(tb) / 1e6:.2f} MB)")
    t32 = torch.tensor(big, dtype=torch.float32)
    print(f"  verify, 10^6 torch float32: {median_ms(lambda: verify(t32, tb), 30)}")
    print(f"  make_token, 10^6 float64:   {median_ms(lambda: make_token(big, salt='bench'), 10)}")


if __name__ == "__main__":
    main()
