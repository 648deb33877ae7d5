"""Finite differences and relative errors against analytic gradients and torch.autograd."""
import numpy as np
import pytest
import torch

from seqlabs.gradcheck import check_gradients, numerical_gradient, relative_error, sample_indices


def test_numerical_gradient_of_quadratic_matches_analytic():
    """Does the finite-difference gradient of sum(x**2 * c) equal 2 c x?"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    c = rng.standard_normal((3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**2 * c), x)
    assert grad.shape == x.shape
    assert relative_error(grad, 2 * c * x) < 1e-8
    np.testing.assert_array_equal(x, before)  # restored exactly


def test_numerical_gradient_reads_array_through_closure():
    """Does the in-place perturbation reach an f that ignores its argument (cs231n style)?"""
    w = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda _: float(np.sum(np.sin(w))), w)
    assert relative_error(grad, np.cos(w)) < 1e-8


def test_numerical_gradient_with_upstream_df_matches_torch_vjp():
    """With df, is the result the vector-Jacobian product torch.autograd computes (an RNN step)?"""
    rng = np.random.default_rng(1)
    N, D, H = 3, 4, 5
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
    dnext = rng.standard_normal((N, H))

    def step(x_, Wx_):
        return np.tanh(x_ @ Wx_ + h @ Wh + b)  # (N, H)

    dx_num = numerical_gradient(lambda v: step(v, Wx), x, df=dnext)
    dWx_num = numerical_gradient(lambda v: step(x, v), Wx, df=dnext)

    xt = torch.tensor(x, requires_grad=True)
    Wxt = torch.tensor(Wx, requires_grad=True)
    out = torch.tanh(xt @ Wxt + torch.tensor(h @ Wh + b))
    out.backward(torch.tensor(dnext))
    assert relative_error(dx_num, xt.grad) < 1e-8
    assert relative_error(dWx_num, Wxt.grad) < 1e-8


def test_sampled_entries_match_full_gradient_and_are_seeded():
    """Do sampled entries equal the same entries of the full gradient, and does the seed fix them?"""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 7))
    f = lambda v: np.sum(np.exp(v) * v)  # noqa: E731
    full = numerical_gradient(f, x)
    idx = sample_indices(x.shape, 10, seed=3)
    assert len(idx) == 2 and idx[0].shape == (10,)
    assert len(set(zip(*map(tuple, idx)))) == 10  # distinct entries
    np.testing.assert_array_equal(numerical_gradient(f, x, indices=idx), full[idx])
    for a, b in zip(idx, sample_indices(x.shape, 10, seed=3)):
        np.testing.assert_array_equal(a, b)
    assert any((a != b).any() for a, b in zip(idx, sample_indices(x.shape, 10, seed=4)))
    # asking for more entries than exist gives every entry once
    assert sample_indices((2, 2), 99)[0].shape == (4,)


def test_relative_error_is_cs231n_formula():
    """Is the relative error max |a-b| / max(|a|+|b|, 1e-8), entry by entry?"""
    a = np.array([1.0, 2.0, 0.0])
    b = np.array([1.0, 2.2, 0.0])
    assert relative_error(a, b) == pytest.approx(0.2 / 4.2)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([0.0]), np.array([1e-9])) == pytest.approx(0.1)  # the 1e-8 floor
    assert relative_error(3.0, 3.0) == 0.0


def test_relative_error_rejects_bad_input():
    """Do mismatched shapes, empty arrays and NaN give errors that name the problem?"""
    with pytest.raises(ValueError, match="same shape.*transposed"):
        relative_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="empty"):
        relative_error(np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="NaN"):
        relative_error(np.array([np.nan]), np.array([1.0]))


def test_numerical_gradient_rejects_bad_input():
    """Are float32 arrays, non-scalar f without df, and mismatched df refused with a fix?"""
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(np.sum, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="df="):
        numerical_gradient(lambda v: v * 2, np.zeros(3))
    with pytest.raises(ValueError, match="df has shape"):
        numerical_gradient(lambda v: v * 2, np.zeros(3), df=np.ones(4))
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(np.sum, np.zeros((3, 4)).T)


def _two_layer_loss_and_grads(params, X, y):
    """A small softmax classifier with a tanh hidden layer, analytic backward by hand."""
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    N = X.shape[0]
    hidden = np.tanh(X @ W1 + b1)  # (N, H)
    scores = hidden @ W2 + b2  # (N, C)
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean()
    dscores = probs.copy()
    dscores[np.arange(N), y] -= 1
    dscores /= N
    dhidden = dscores @ W2.T * (1 - hidden**2)
    grads = {"W1": X.T @ dhidden, "b1": dhidden.sum(0), "W2": hidden.T @ dscores, "b2": dscores.sum(0)}
    return loss, grads


def test_check_gradients_on_correct_and_broken_backward():
    """Does check_gradients report tiny errors for a right backward and flag the wrong parameter?"""
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((4, 3)), np.array([0, 1, 2, 1])
    params = {"W1": rng.standard_normal((3, 5)), "b1": rng.standard_normal(5),
              "W2": rng.standard_normal((5, 3)), "b2": rng.standard_normal(3)}
    loss = lambda p: _two_layer_loss_and_grads(p, X, y)[0]  # noqa: E731
    _, grads = _two_layer_loss_and_grads(params, X, y)

    errors = check_gradients(loss, params, grads)
    assert list(errors) == ["W1", "b1", "W2", "b2"]
    assert max(errors.values()) < 1e-7

    broken = dict(grads, W2=grads["W2"] * 1.1)  # a scale error in one gradient
    errors = check_gradients(loss, params, broken, num_samples=5, seed=0)
    assert errors["W2"] > 1e-2
    assert max(errors[k] for k in ("W1", "b1", "b2")) < 1e-7


def test_check_gradients_agrees_with_torch_autograd():
    """Are torch.autograd's gradients of the same loss accepted?"""
    rng = np.random.default_rng(6)
    params = {"W": rng.standard_normal((4, 3)), "v": rng.standard_normal(3)}
    X = rng.standard_normal((5, 4))

    def loss_np(p):
        return float(np.sum(np.log1p(np.exp(X @ p["W"])) @ p["v"]))

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    torch.sum(torch.nn.functional.softplus(torch.tensor(X) @ tp["W"]) @ tp["v"]).backward()
    errors = check_gradients(loss_np, params, {k: t.grad for k, t in tp.items()})
    assert max(errors.values()) < 1e-8


def test_check_gradients_rejects_mismatched_dicts():
    """Do missing gradients and wrong shapes name the parameter?"""
    params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with pytest.raises(KeyError, match="missing gradients: \\['b'\\]"):
        check_gradients(lambda p: 0.0, params, {"W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="grads\\['b'\\] has shape"):
        check_gradients(lambda p: 0.0, params, {"W": np.zeros((2, 2)), "b": np.zeros(3)})
