"""Airline passengers: published facts, windowing, splitting, scaling."""
import numpy as np
import pytest
import torch

from seqlabs.airline import (MinMaxScaler, forecasts_from_changes, load_airline, log_changes, make_windows,
                             split_series, windows_to_tensors)


def test_published_facts():
    """Does the series have Box & Jenkins' 144 values: first 112, last 432, max 622, sum 40363?"""
    months, s = load_airline()
    assert len(s) == len(months) == 144 and s.dtype == np.float32
    assert (s[0], s[-1], s.max(), s.sum()) == (112, 432, 622, 40363)
    assert months[0] == "1949-01" and months[-1] == "1960-12" and months[int(s.argmax())] == "1960-07"
    assert s[:14].tolist() == [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126]
    annual = s.reshape(12, 12).sum(1)
    assert annual[0] == 1520 and annual[-1] == 5714  # published yearly totals 1949 and 1960


def test_log_changes_brute_force():
    """Is log_changes(s)[t] = log(s[t + 1] / s[t]) (loop oracle), float32, refusing zero and 2-D input?"""
    _, s = load_airline()
    d = log_changes(s)
    assert d.shape == (143,) and d.dtype == np.float32
    for t in range(143):
        assert abs(d[t] - np.log(float(s[t + 1]) / float(s[t]))) < 1e-6
    assert abs(112 * float(np.exp(d[:11].astype(np.float64).sum())) - s[11]) < 1e-3  # the changes compose
    for bad in (np.array([1.0, 0.0, 2.0]), np.ones((2, 3)), np.array([5.0])):
        with pytest.raises(ValueError):
            log_changes(bad)


def test_forecasts_from_changes_brute_force():
    """Does a change predicted after window i forecast month i + k + 1 from month i + k (loop oracle), the true
    changes giving the series back, and a wrong number of changes a clear error?"""
    _, s = load_airline()
    part, k = s[:40], 5
    changes = np.random.default_rng(0).normal(0, 0.1, 40 - 1 - k)
    forecast, actual, persistence = forecasts_from_changes(part, changes, k)
    for i in range(len(changes)):
        assert forecast[i] == pytest.approx(float(part[i + k]) * np.exp(changes[i]), rel=1e-12)
        assert (actual[i], persistence[i]) == (part[i + k + 1], part[i + k])
    true = np.log(part[k + 1:].astype(np.float64) / part[k:-1])  # the changes that happened
    assert np.allclose(forecasts_from_changes(part, true, k)[0], part[k + 1:], rtol=1e-12)
    with pytest.raises(ValueError, match="expected 34 changes"):
        forecasts_from_changes(part, changes[:-1], k)


def test_windows_brute_force():
    """Are windows X[i] = s[i:i+k], y[i] = s[i+k], N = len - k (loop oracle)?"""
    s = np.arange(10.0) ** 2
    for k in (1, 3, 9):
        X, y = make_windows(s, k)
        assert X.shape == (10 - k, k) and y.shape == (10 - k,)
        for i in range(10 - k):
            assert X[i].tolist() == s[i:i + k].tolist() and y[i] == s[i + k]
    with pytest.raises(ValueError, match="look_back"):
        make_windows(s, 10)
    with pytest.raises(ValueError, match="1-D"):
        make_windows(s.reshape(2, 5), 1)


def test_split_in_order():
    """Is the split in time order with int(144 * 0.67) = 96 training months?"""
    _, s = load_airline()
    train, test = split_series(s, 0.67)
    assert len(train) == 96 and len(test) == 48
    assert np.array_equal(np.concatenate([train, test]), s)
    with pytest.raises(ValueError):
        split_series(s, 1.0)


def test_tensors_and_scaler():
    """Are tensors time-major [L, N, 1], and the scaler fitted on train only and invertible?"""
    _, s = load_airline()
    train, test = split_series(s)
    sc = MinMaxScaler().fit(train)
    t = sc.transform(train)
    assert t.min() == 0 and t.max() == 1 and sc.transform(test).max() > 1  # test exceeds the train range
    np.testing.assert_allclose(sc.inverse_transform(t), train, rtol=1e-6)
    X, y = make_windows(t, 4)
    x_t, y_t = windows_to_tensors(X, y)
    assert x_t.shape == (4, len(y), 1) and y_t.shape == (len(y), 1)
    assert torch.equal(windows_to_tensors(X, y, batch_first=True)[0], x_t.transpose(0, 1))
    with pytest.raises(RuntimeError, match="fit"):
        MinMaxScaler().transform(train)
