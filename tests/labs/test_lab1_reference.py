"""Is the reference solution of Lab 1 (RNN and LSTM in NumPy) right?

The code of the master notebook's solution cells (the student regions with the
reference answers filled in) is executed into a namespace; the functions are
then compared with trusted oracles: `torch.nn.RNN` / `torch.nn.LSTM` with
copied weights for the forward passes, torch autograd and centred finite
differences (`seqlabs.gradcheck`) for the backward passes.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch

from seqlabs.gradcheck import check_gradients, relative_error

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "labs" / "source" / "lab1_rnn_lstm_numpy.ipynb"
GATES = ("f", "i", "g", "o")


@pytest.fixture(scope="module")
def lab():
    """The namespace of the master's solution cells (definitions only; nothing trains)."""
    nb = nbformat.read(SOURCE, as_version=4)
    namespace = {"np": np}
    cells = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    assert cells, "no solution cells found in the master notebook"
    for cell in cells:
        exec(compile(cell.source, f"{SOURCE.name}:{cell.metadata.nbgrader.grade_id}", "exec"), namespace)
    return namespace


def rnn_params(rng, D, H, V):
    return {"U": 0.5 * rng.standard_normal((H, D)), "V": 0.5 * rng.standard_normal((H, H)),
            "W": 0.5 * rng.standard_normal((V, H)), "b_hidden": 0.2 * rng.standard_normal(H),
            "b_out": 0.2 * rng.standard_normal(V)}


def lstm_params(rng, D, H, V):
    params = {f"W_{g}": 0.5 * rng.standard_normal((H, H + D)) for g in GATES}
    params.update({f"b_{g}": 0.2 * rng.standard_normal(H) for g in GATES})
    params.update({"W_v": 0.5 * rng.standard_normal((V, H)), "b_v": 0.2 * rng.standard_normal(V)})
    return params


def padded_batch(rng, T=6, N=3, V=4):
    """Random one-hot inputs and targets, sequences of lengths T, T-2 and 1, padded and masked."""
    x = np.zeros((T, N, V))
    x[np.arange(T)[:, None], np.arange(N)[None, :], rng.integers(0, V, size=(T, N))] = 1.0
    y = rng.integers(0, V, size=(T, N))
    lengths = np.array([T, T - 2, 1])[:N]
    mask = (np.arange(T)[:, None] < lengths[None, :]).astype(float)  # (T, N)
    x *= mask[..., None]
    return x, y, mask


def t(a):
    return torch.tensor(a, dtype=torch.float64)


# ------------------------------------------------------------------ forward vs torch

def test_rnn_forward_equals_torch_rnn(lab):
    """Do rnn_forward's hidden states and probabilities equal torch.nn.RNN's (tanh) with the same weights?"""
    rng = np.random.default_rng(0)
    T, N, D, H = 7, 3, 4, 5
    p = rnn_params(rng, D, H, D)
    x, h0 = rng.standard_normal((T, N, D)), rng.standard_normal((N, H))
    probs, hs, _ = lab["rnn_forward"](x, h0, p)

    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(t(p["U"]))
        rnn.weight_hh_l0.copy_(t(p["V"]))
        rnn.bias_ih_l0.copy_(t(p["b_hidden"]))
        rnn.bias_hh_l0.zero_()  # torch has two biases; ours is their sum
        out, _ = rnn(t(x), t(h0)[None])  # (T, N, H), time-major like ours
        ref_probs = torch.softmax(out @ t(p["W"]).T + t(p["b_out"]), dim=-1)
    diff_h = np.max(np.abs(hs - out.numpy()))
    diff_p = np.max(np.abs(probs - ref_probs.numpy()))
    print(f"\nRNN forward vs torch.nn.RNN: max |dh| = {diff_h:.1e}, max |dprobs| = {diff_p:.1e}")
    assert hs.shape == (T, N, H) and probs.shape == (T, N, D)
    assert diff_h < 1e-10 and diff_p < 1e-10


def torch_lstm_from(p, D, H):
    """A torch.nn.LSTM with our gates copied in torch's order (i, f, g, o); z = [h, x] splits into hh | ih."""
    lstm = torch.nn.LSTM(D, H, dtype=torch.float64)
    order = ("i", "f", "g", "o")
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(t(np.concatenate([p[f"W_{g}"][:, H:] for g in order])))  # (4H, D)
        lstm.weight_hh_l0.copy_(t(np.concatenate([p[f"W_{g}"][:, :H] for g in order])))  # (4H, H)
        lstm.bias_ih_l0.copy_(t(np.concatenate([p[f"b_{g}"] for g in order])))
        lstm.bias_hh_l0.zero_()
    return lstm


def test_lstm_forward_equals_torch_lstm(lab):
    """Do lstm_forward's hidden states and probabilities equal torch.nn.LSTM's with the gates reordered?"""
    rng = np.random.default_rng(1)
    T, N, D, H = 7, 3, 4, 5
    p = lstm_params(rng, D, H, D)
    x = rng.standard_normal((T, N, D))
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    probs, hs, cache = lab["lstm_forward"](x, h0, c0, p)

    lstm = torch_lstm_from(p, D, H)
    with torch.no_grad():
        out, (hn, cn) = lstm(t(x), (t(h0)[None], t(c0)[None]))
        ref_probs = torch.softmax(out @ t(p["W_v"]).T + t(p["b_v"]), dim=-1)
    # the last step's cache holds tanh(c_{T-1}); compare it with torch's final cell state
    tanh_c_last = cache[0][-1][6]
    diff_h = np.max(np.abs(hs - out.numpy()))
    diff_p = np.max(np.abs(probs - ref_probs.numpy()))
    diff_c = np.max(np.abs(tanh_c_last - np.tanh(cn[0].numpy())))
    print(f"\nLSTM forward vs torch.nn.LSTM: max |dh| = {diff_h:.1e}, max |dprobs| = {diff_p:.1e}, "
          f"max |dtanh(c_T)| = {diff_c:.1e}")
    assert hs.shape == (T, N, H) and probs.shape == (T, N, D)
    assert diff_h < 1e-10 and diff_p < 1e-10 and diff_c < 1e-10


# ------------------------------------------------------------------ backward vs oracles

@pytest.mark.parametrize("model", ["rnn", "lstm"])
def test_loss_gradients_match_finite_differences(lab, model):
    """Does every entry of every gradient of the masked loss agree with centred finite differences?"""
    rng = np.random.default_rng(2)
    x, y, mask = padded_batch(rng)
    p = (rnn_params if model == "rnn" else lstm_params)(rng, 4, 5, 4)
    loss_and_grads = lab[f"{model}_loss_and_grads"]
    loss, grads = loss_and_grads(p, x, y, mask)
    errors = check_gradients(lambda q: loss_and_grads(q, x, y, mask)[0], p, grads)
    worst = max(errors.values())
    print(f"\n{model.upper()} loss gradients vs finite differences: max relative error {worst:.1e} "
          f"({', '.join(f'{k} {v:.0e}' for k, v in errors.items())})")
    assert worst < 1e-6


def torch_rnn_loss(p, x, y, mask, h0):
    """The lab's loss written in torch (explicit loop) for autograd."""
    h, loss = h0, 0.0
    for step in range(x.shape[0]):
        h = torch.tanh(x[step] @ p["U"].T + h @ p["V"].T + p["b_hidden"])
        logp = torch.log_softmax(h @ p["W"].T + p["b_out"], dim=-1)
        loss = loss - (mask[step] * logp.gather(1, y[step][:, None])[:, 0]).sum()
    return loss / x.shape[1]


@pytest.mark.parametrize("T", [1, 4])
def test_rnn_backward_at_t0_uses_initial_state(lab, T):
    """With a non-zero h0 (and T = 1: step 0 only), does rnn_backward equal torch autograd, dV included?

    The course's version read hidden_states[t-1] at t = 0, i.e. the *last* state.
    """
    rng = np.random.default_rng(3)
    N, D, H = 2, 4, 3
    p = rnn_params(rng, D, H, D)
    x = rng.standard_normal((T, N, D))
    y = rng.integers(0, D, size=(T, N))
    mask = np.ones((T, N))
    h0 = rng.standard_normal((N, H))
    probs, _, cache = lab["rnn_forward"](x, h0, p)
    _, dscores = lab["cross_entropy"](probs, y, mask)
    grads = lab["rnn_backward"](dscores, cache)

    tp = {k: t(v).requires_grad_() for k, v in p.items()}
    torch_rnn_loss(tp, t(x), torch.tensor(y), t(mask), t(h0)).backward()
    errors = {k: relative_error(grads[k], tp[k].grad) for k in p}
    print(f"\nRNN backward (T={T}, h0 != 0) vs torch autograd: max relative error {max(errors.values()):.1e}")
    assert max(errors.values()) < 1e-10
    assert np.abs(grads["V"]).max() > 0  # h0 != 0, so V gets a gradient even at T = 1


def test_lstm_backward_with_initial_states_matches_torch(lab):
    """With non-zero h0 and c0, do lstm_backward's gradients equal torch autograd through nn.LSTM?"""
    rng = np.random.default_rng(4)
    T, N, D, H = 5, 2, 4, 3
    p = lstm_params(rng, D, H, D)
    x, y = rng.standard_normal((T, N, D)), rng.integers(0, D, size=(T, N))
    mask = np.ones((T, N))
    mask[3:, 1] = 0.0
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    probs, _, cache = lab["lstm_forward"](x, h0, c0, p)
    _, dscores = lab["cross_entropy"](probs, y, mask)
    grads = lab["lstm_backward"](dscores, cache)

    lstm = torch_lstm_from(p, D, H)
    W_v, b_v = t(p["W_v"]).requires_grad_(), t(p["b_v"]).requires_grad_()
    out, _ = lstm(t(x), (t(h0)[None], t(c0)[None]))
    logp = torch.log_softmax(out @ W_v.T + b_v, dim=-1)  # (T, N, V)
    loss = -(t(mask) * logp.gather(2, torch.tensor(y)[..., None])[..., 0]).sum() / N
    loss.backward()
    order = ("i", "f", "g", "o")
    ih, hh = lstm.weight_ih_l0.grad.numpy(), lstm.weight_hh_l0.grad.numpy()
    bias = lstm.bias_ih_l0.grad.numpy()
    errors = {"W_v": relative_error(grads["W_v"], W_v.grad), "b_v": relative_error(grads["b_v"], b_v.grad)}
    for k, g in enumerate(order):
        rows = slice(k * H, (k + 1) * H)
        errors[f"W_{g}"] = relative_error(grads[f"W_{g}"], np.concatenate([hh[rows], ih[rows]], axis=1))
        errors[f"b_{g}"] = relative_error(grads[f"b_{g}"], bias[rows])
    print(f"\nLSTM backward (h0, c0 != 0, masked) vs torch autograd: max relative error {max(errors.values()):.1e}")
    assert max(errors.values()) < 1e-10


@pytest.mark.parametrize("name", ["rnn_step_backward", "lstm_step_backward"])
def test_step_backward_matches_finite_differences(lab, name):
    """Do the single-step backward functions give every input's gradient (vector-Jacobian products)?"""
    from seqlabs.gradcheck import numerical_gradient

    rng = np.random.default_rng(5)
    N, D, H = 3, 4, 5
    x, h_prev, c_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    errors = {}
    if name == "rnn_step_backward":
        p = rnn_params(rng, D, H, D)
        args = [x, h_prev, p["U"], p["V"], p["b_hidden"]]
        dh = rng.standard_normal((N, H))
        _, cache = lab["rnn_step_forward"](*args)
        analytic = lab["rnn_step_backward"](dh, cache)
        for k, (arg, grad) in enumerate(zip(args, analytic)):
            numeric = numerical_gradient(lambda _: lab["rnn_step_forward"](*args)[0], arg, df=dh)
            errors[k] = relative_error(numeric, grad)
    else:
        p = lstm_params(rng, D, H, D)
        dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
        up = np.concatenate([dh, dc], axis=1)

        def out(_):
            h, c, _ = lab["lstm_step_forward"](x, h_prev, c_prev, p)
            return np.concatenate([h, c], axis=1)

        _, _, cache = lab["lstm_step_forward"](x, h_prev, c_prev, p)
        dx, dh_prev, dc_prev, grads = lab["lstm_step_backward"](dh, dc, cache)
        for key, arg, grad in [("x", x, dx), ("h_prev", h_prev, dh_prev), ("c_prev", c_prev, dc_prev)] + \
                [(k, p[k], grads[k]) for k in grads]:
            errors[key] = relative_error(numerical_gradient(out, arg, df=up), grad)
    print(f"\n{name} vs finite differences: max relative error {max(errors.values()):.1e}")
    assert max(errors.values()) < 1e-7


# ------------------------------------------------------------------ pieces

def test_softmax_is_stable_for_large_logits(lab):
    """Does softmax give finite, correct probabilities for logits of size 1000 without overflow warnings?"""
    softmax = lab["softmax"]
    logits = np.array([[1000.0, 999.0, 998.0, -1000.0], [0.0, 1.0, 2.0, 3.0]])
    with np.errstate(over="raise", invalid="raise"):
        s = softmax(logits)
        sig = lab["sigmoid"](np.array([-1000.0, 0.0, 1000.0]))
    shifted = np.exp([0.0, -1.0, -2.0, -2000.0])  # softmax is shift-invariant: logits - 1000
    assert np.all(np.isfinite(s)) and np.allclose(s.sum(axis=-1), 1.0)
    np.testing.assert_allclose(s[0], shifted / shifted.sum(), rtol=1e-12)
    np.testing.assert_allclose(s[1], np.exp(logits[1]) / np.exp(logits[1]).sum(), rtol=1e-12)
    np.testing.assert_allclose(sig, [0.0, 0.5, 1.0], atol=1e-300)


def test_activation_derivatives_match_finite_differences(lab):
    """Are sigmoid', tanh' and the softmax Jacobian the derivatives at the input?"""
    from seqlabs.gradcheck import numerical_gradient

    x = np.linspace(-4, 4, 9)
    for name in ("sigmoid", "tanh"):
        f = lab[name]
        numeric = numerical_gradient(lambda v: f(v), x, df=np.ones_like(x))
        assert relative_error(numeric, f(x, derivative=True)) < 1e-8, name
    v = np.array([0.3, -1.2, 2.0, 0.1])
    J = lab["softmax"](v, derivative=True)  # (V, V), J[i, j] = ds_i / dv_j
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        column = (lab["softmax"](v + e) - lab["softmax"](v - e)) / 2e-6
        np.testing.assert_allclose(J[:, j], column, atol=1e-9)


def test_init_orthogonal_shapes_and_orthonormality(lab):
    """Tall: orthonormal columns; wide: orthonormal rows; one draw from the generator; signs fixed by R."""
    for rows, cols in [(5, 3), (3, 5), (4, 4)]:
        q = lab["init_orthogonal"](rows, cols, np.random.default_rng(0))
        assert q.shape == (rows, cols)
        gram = q.T @ q if rows >= cols else q @ q.T
        np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)
    a = np.random.default_rng(0).standard_normal((5, 3))
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(lab["init_orthogonal"](5, 3, np.random.default_rng(0)), q * np.sign(np.diag(r)))


def test_clip_and_sgd_are_pure(lab):
    """Does clipping rescale to max_norm only above it, and do clip/SGD leave their arguments alone?"""
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([0.0])}
    clipped = lab["clip_gradient_norm"](grads, 1.0)
    assert np.isclose(np.sqrt(sum(np.sum(g**2) for g in clipped.values())), 1.0, atol=1e-6)
    assert grads["a"].tolist() == [3.0, 4.0]
    assert lab["clip_gradient_norm"](grads, 10.0)["a"].tolist() == [3.0, 4.0]
    params = {"a": np.array([1.0, 1.0]), "b": np.array([2.0])}
    new = lab["sgd_update"](params, grads, 0.5)
    assert new["a"].tolist() == [-0.5, -1.0] and params["a"].tolist() == [1.0, 1.0]


def test_cross_entropy_ignores_padding(lab):
    """Do padded positions contribute neither loss nor gradient, whatever their probabilities?"""
    rng = np.random.default_rng(6)
    probs = lab["softmax"](rng.standard_normal((4, 2, 3)))
    y = rng.integers(0, 3, size=(4, 2))
    mask = np.array([[1, 1], [1, 1], [1, 0], [1, 0]], dtype=float)
    loss, dscores = lab["cross_entropy"](probs, y, mask)
    probs2 = probs.copy()
    probs2[2:, 1] = lab["softmax"](rng.standard_normal((2, 3)))
    loss2, _ = lab["cross_entropy"](probs2, y, mask)
    assert loss == pytest.approx(loss2, rel=1e-12)
    assert np.all(dscores[2:, 1] == 0)
    manual = -(np.log(probs[np.arange(4), 0, y[:, 0]]).sum() + np.log(probs[np.arange(2), 1, y[:2, 1]]).sum()) / 2
    assert loss == pytest.approx(manual, rel=1e-9)


# ------------------------------------------------------------------ the checks catch the course's bugs

COURSE_BUGS = {  # grade_id of the solution cell: (correct line, the course's buggy line), block that must fail
    "softmax without the max": ("activations_code", "e = np.exp(x - np.max(x, axis=-1, keepdims=True))",
                                "e = np.exp(x)", "rnn_softmax"),
    "softmax forget gate": ("lstm_step_forward_code", 'f = sigmoid(z @ params["W_f"].T + params["b_f"])',
                            'f = softmax(z @ params["W_f"].T + params["b_f"])', "lstm_step_forward"),
    "t = 0 reads the last state": (
        "rnn_backward_code",
        "_, dh_next, dU, dV, db_hidden = rnn_step_backward(dhs[t] + dh_next, step_caches[t])",
        "x_t, _, h_t, U_t, V_t = step_caches[t]\n"
        "        _, dh_next, dU, dV, db_hidden = rnn_step_backward(dhs[t] + dh_next, (x_t, hs[t - 1], h_t, U_t, V_t))",
        "rnn_backward"),
    "tanh' at the output": ("rnn_step_backward_code", "da = dh * (1.0 - h**2)", "da = dh * tanh(h, derivative=True)",
                            "rnn_step_backward"),
}

TRAINING_CELLS = ("rnn_train", "lstm_train")


@pytest.mark.slow
def test_checks_catch_the_course_bugs(monkeypatch):
    """With the course's four bugs put back into the built solution, does each one fail its block (student mode)?"""
    import re

    from nbclient import NotebookClient

    monkeypatch.setenv("AUTOGRADER_MODE", "student")
    monkeypatch.setenv("SEQLABS_PROFILE", "fast")
    nb = nbformat.read(ROOT / "labs" / "solution" / "lab1_rnn_lstm_numpy.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for gid, correct, buggy, _ in COURSE_BUGS.values():
        assert correct in cells[gid].source, f"{gid}: the reference line changed; update COURSE_BUGS"
        cells[gid].source = cells[gid].source.replace(correct, buggy)
    for gid in TRAINING_CELLS:  # none of the four blocks reads a trained model: the training is left out
        assert gid in cells, f"{gid}: no such cell in the lab 1 solution; update TRAINING_CELLS"
        cells[gid].source = "pass"
    NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    failed = {m for c in nb.cells for o in c.get("outputs", [])
              for m in re.findall(r"✘ (\w+)", o.get("data", {}).get("text/plain", ""))}
    for bug, (_, _, _, block) in COURSE_BUGS.items():
        assert block in failed, f"{bug}: block {block} still passes"
    assert "rnn_orthogonal" not in failed and "lstm_init" not in failed  # untouched blocks still pass
