"""Figures: lines, labels and tick labels, under the non-interactive Agg backend."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from seqlabs.plots import plot_attention, plot_losses, plot_series  # noqa: E402
from seqlabs.training import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_losses_from_history():
    """Does a History give two labelled lines over epochs 1..n, without showing anything?"""
    history = History(train_loss=[3.0, 2.0, 1.5], valid_loss=[3.2, 2.5, 2.4])
    fig = plot_losses(history)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train", "validation"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [3.2, 2.5, 2.4])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    assert ax.get_xlabel() == "epoch"


def test_plot_losses_from_mapping_into_given_axes():
    """Does a mapping draw one line per key into the axes passed, with a log scale if asked?"""
    fig, (left, right) = plt.subplots(1, 2)
    out = plot_losses({"a": [1.0, 0.5], "b": torch.tensor([2.0, 1.0]), "c": np.array([3.0, 2.0])},
                      ax=right, log_y=True)
    assert out is fig
    assert len(right.get_lines()) == 3 and len(left.get_lines()) == 0
    assert right.get_yscale() == "log"
    with pytest.raises(TypeError, match="History or a non-empty mapping"):
        plot_losses([1.0, 2.0])


def test_plot_attention_ticks_and_values():
    """Are the source tokens the x tick labels, the target tokens the y tick labels, and the image the weights?"""
    attention = torch.softmax(torch.randn(3, 1, 5), dim=-1)  # [T_trg, 1, T_src], as a decoder returns it
    src = ["<sos>", "ein", "mann", "läuft", "<eos>"]
    trg = ["a", "man", "<eos>"]
    fig = plot_attention(attention, src, trg)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the heatmap and its colorbar
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == src
    assert [t.get_text() for t in ax.get_yticklabels()] == trg
    np.testing.assert_allclose(ax.get_images()[0].get_array(), attention[:, 0, :].numpy(), rtol=1e-6)


def test_plot_attention_rejects_mismatched_tokens():
    """Does a token count that does not match the matrix say which and hint at <sos>/<eos>?"""
    with pytest.raises(ValueError, match="T_src=4.*3 source tokens.*<sos>/<eos>"):
        plot_attention(np.ones((2, 4)) / 4, ["a", "b", "c"], ["x", "y"])
    with pytest.raises(ValueError, match="T_trg, T_src"):
        plot_attention(np.ones(4), ["a"], ["x"])


def test_plot_series_places_predictions():
    """Are there three lines (actual, train, test), with predictions at their time steps?"""
    actual = np.arange(20.0)
    fig = plot_series(actual, actual[2:12] + 0.5, actual[14:19] - 0.5, train_start=2, test_start=14,
                      title="passengers")
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["actual", "predicted (train)", "predicted (test)"]
    np.testing.assert_array_equal(lines[1].get_xdata(), np.arange(2, 12))
    np.testing.assert_array_equal(lines[2].get_xdata(), np.arange(14, 19))
    assert ax.get_title() == "passengers"
    # test_start defaults to right after the training predictions
    lines = plot_series(actual, np.zeros(5), np.zeros(3), train_start=1).axes[0].get_lines()
    np.testing.assert_array_equal(lines[2].get_xdata(), [6, 7, 8])


def test_plot_series_rejects_overhang():
    """Do predictions running past the series name the offsets to check?"""
    with pytest.raises(ValueError, match="predicted_test has 5 values starting at step 18.*look-back"):
        plot_series(np.zeros(20), np.zeros(10), np.zeros(5), test_start=18)


def test_show_calls_plt_show_only_when_asked(monkeypatch):
    """Is plt.show() called only with show=True?"""
    calls = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: calls.append(1))
    plot_losses({"train": [1.0]})
    plot_series(np.zeros(3), np.zeros(1), np.zeros(1))
    plot_attention(np.eye(2), ["a", "b"], ["c", "d"])
    assert calls == []
    plot_losses({"train": [1.0]}, show=True)
    assert calls == [1]
