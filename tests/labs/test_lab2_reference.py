"""Is Lab 2's reference (LSTMs in PyTorch) right, and do its trained-result checks judge?

The master notebook's solution cells are executed into a namespace and
compared with trusted oracles: ``torch.nn.LSTM`` with copied weights,
``torch.autograd.gradcheck`` and finite differences, ``seqlabs.airline`` and
PyTorch's own losses. Then the notebook's trained-result test cells are run,
as written, on a catalogue of broken-but-running models (and on hand-made
perfect ones) under the ``fast`` and ``class`` bounds: every broken model must
lose the blocks it should, and a perfect model must pass them.
"""
from __future__ import annotations

import contextlib
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from torch import nn

from autograder.notebook.checks import verdict_bound
from autograder.core.mode import resolve_bound
from seqlabs.settings import for_profile
from seqlabs.settings.lab2 import Lab2Settings

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "labs" / "source" / "lab2_pytorch_lstm.ipynb"
SOLUTION_CELLS = ("lstm_cell_code", "lm_model_code", "lm_train_code", "windows_code", "air_model_code",
                  "adding_model_code")


def _cells():
    nb = nbformat.read(SOURCE, as_version=4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


class _Grader:
    """Stands in for `autograder` in the lab's cells: judges each block as the grader would, for one profile."""

    def __init__(self, profile: str):
        self.profile, self.blocks, self.values, self._block = profile, {}, {}, None

    def init(self, *args, **kwargs):
        pass

    def outline(self, *args, **kwargs):
        pass

    def require(self, *names):
        pass  # the reference defines every name

    @contextlib.contextmanager
    def marks(self, block, points, **_):
        self._block, self.blocks[block] = block, None
        try:
            yield
        except Exception as error:  # as autograder.marks: the block earns nothing, the cell goes on
            self.blocks[block] = f"{type(error).__name__}: {error}"
        self._block = None

    def _fail(self, message):
        if message and self.blocks.get(self._block) is None:
            self.blocks[self._block] = message

    def check(self, check_id, value, **tolerance):  # exact checks are the key's business, not this file's
        pass

    def check_below(self, check_id, value, bound):
        self.values[check_id] = value
        self._fail(verdict_bound(value, resolve_bound(bound, profile=self.profile), kind="below"))

    def check_above(self, check_id, value, bound):
        self.values[check_id] = value
        self._fail(verdict_bound(value, resolve_bound(bound, profile=self.profile), kind="above"))

    def passed(self, block) -> bool:
        return block in self.blocks and self.blocks[block] is None


def _run(namespace, *grade_ids):
    cells = _cells()
    for gid in grade_ids:
        source = "\n".join(line for line in cells[gid].splitlines()
                           if not line.startswith(("import autograder", "autograder.init(")))
        exec(compile(source, f"{SOURCE.name}:{gid}", "exec"), namespace)


@pytest.fixture(scope="module")
def lab():
    """The setup and data cells and every solution cell (definitions only; nothing trains)."""
    namespace = {"autograder": _Grader("fast")}
    _run(namespace, "setup", "lm_data", *SOLUTION_CELLS)
    return namespace


def _rand(*shape, seed=0, scale=1.0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale


# ------------------------------------------------------------------ part 1: the cell against nn.LSTM

def test_lstm_cell_and_layer_equal_nn_lstm_with_copied_weights(lab, capsys):
    """Do lstm_cell and lstm_layer give nn.LSTM's outputs and states, to float64 rounding?"""
    T, B, D, H = 7, 3, 4, 5
    oracle = nn.LSTM(D, H, dtype=torch.float64)
    with torch.no_grad():
        for i, p in enumerate(oracle.parameters()):
            p.copy_(_rand(*p.shape, seed=10 + i, scale=0.7))
    weights = [oracle.weight_ih_l0.detach(), oracle.weight_hh_l0.detach(),
               oracle.bias_ih_l0.detach(), oracle.bias_hh_l0.detach()]
    x, h0, c0 = _rand(T, B, D, seed=1), _rand(B, H, seed=2), _rand(B, H, seed=3)
    with torch.no_grad():
        ref_out, (ref_h, ref_c) = oracle(x, (h0[None], c0[None]))
    out, (h_T, c_T) = lab["lstm_layer"](x, h0, c0, *weights)
    h1, c1 = lab["lstm_cell"](x[0], h0, c0, *weights)
    deltas = {"cell h": (h1 - ref_out[0]).abs().max().item(), "outputs": (out - ref_out).abs().max().item(),
              "h_T": (h_T - ref_h[0]).abs().max().item(), "c_T": (c_T - ref_c[0]).abs().max().item()}
    with capsys.disabled():
        print("\nlab 2 lstm_layer vs nn.LSTM, float64, max |delta|:", {k: f"{v:.1e}" for k, v in deltas.items()})
    assert max(deltas.values()) < 1e-12, deltas


def test_lstm_cell_float32_with_default_initialisation_matches_nn_lstm(lab):
    """With nn.LSTM's own float32 initialisation and no state given, is the layer nn.LSTM to float32 rounding?"""
    torch.manual_seed(0)
    oracle = nn.LSTM(3, 8)
    x = torch.randn(6, 2, 3)
    zeros = torch.zeros(2, 8)
    out, _ = lab["lstm_layer"](x, zeros, zeros, oracle.weight_ih_l0, oracle.weight_hh_l0,
                               oracle.bias_ih_l0, oracle.bias_hh_l0)
    torch.testing.assert_close(out, oracle(x)[0], rtol=1e-5, atol=1e-6)


def test_gradcheck_passes_for_the_cell_and_the_layer_in_float64(lab):
    """Does torch.autograd.gradcheck (finite differences) accept the cell's and the layer's autograd gradients?"""
    B, D, H = 2, 3, 4
    cell_inputs = [_rand(B, D, seed=4), _rand(B, H, seed=5), _rand(B, H, seed=6), _rand(4 * H, D, seed=7, scale=0.5),
                   _rand(4 * H, H, seed=8, scale=0.5), _rand(4 * H, seed=9, scale=0.5), _rand(4 * H, seed=10, scale=0.5)]
    cell_inputs = tuple(t.requires_grad_() for t in cell_inputs)
    assert torch.autograd.gradcheck(lambda *a: torch.cat(lab["lstm_cell"](*a), dim=1), cell_inputs)
    layer_inputs = (_rand(4, B, D, seed=11).requires_grad_(),) + cell_inputs[1:]
    assert torch.autograd.gradcheck(lambda *a: lab["lstm_layer"](*a)[0], layer_inputs)


def test_the_oracle_comparison_catches_a_swapped_gate_order(lab):
    """Would the nn.LSTM comparison see a cell that reads the gates as (f, i, g, o)? (a test that can fail)"""
    H = 5
    W_ih, W_hh, b_ih, b_hh = _rand(4 * H, 3, seed=1), _rand(4 * H, H, seed=2), _rand(4 * H, seed=3), _rand(4 * H, seed=4)
    swap = torch.cat([torch.arange(H, 2 * H), torch.arange(0, H), torch.arange(2 * H, 4 * H)])  # i <-> f
    x, h, c = _rand(2, 3, seed=5), _rand(2, H, seed=6), _rand(2, H, seed=7)
    right = lab["lstm_cell"](x, h, c, W_ih, W_hh, b_ih, b_hh)
    swapped = lab["lstm_cell"](x, h, c, W_ih[swap], W_hh[swap], b_ih[swap], b_hh[swap])
    assert (right[1] - swapped[1]).abs().max() > 1e-2


def test_next_token_lstm_is_one_hot_nn_lstm_and_linear_from_a_zero_state(lab):
    """Is NextTokenLSTM's forward linear(nn.LSTM(one_hot(x))), the same on every call?"""
    torch.manual_seed(1)
    model = lab["NextTokenLSTM"](4, 6).eval()
    x = torch.randint(0, 4, (9, 3))
    hs, _ = model.lstm(nn.functional.one_hot(x, 4).float())
    torch.testing.assert_close(model(x), model.linear(hs))
    torch.testing.assert_close(model(x), model(x))
    assert model(x).shape == (9, 3, 4)


# ------------------------------------------------------------------ part 2: windows and RMSE

@pytest.mark.parametrize("lookback", [1, 4, 12])
def test_create_dataset_agrees_with_seqlabs_make_windows_and_tams_loop(lab, lookback):
    """Are the windows seqlabs.airline.make_windows', with targets the same windows one month on (Tam's)?"""
    from seqlabs.airline import load_airline, make_windows

    _, series = load_airline()
    X, Y = lab["create_dataset"](series, lookback)
    N = len(series) - lookback
    assert X.shape == Y.shape == (N, lookback, 1) and X.dtype == Y.dtype == torch.float32
    windows, following = make_windows(series, lookback)
    np.testing.assert_array_equal(X[:, :, 0].numpy(), windows)
    np.testing.assert_array_equal(Y[:, -1, 0].numpy(), following)
    tam_y = np.stack([series[i + 1:i + lookback + 1] for i in range(N)])  # Tam's create_dataset
    np.testing.assert_array_equal(Y[:, :, 0].numpy(), tam_y)


def test_rmse_is_the_root_of_torchs_mse_and_refuses_mismatched_shapes(lab):
    """Is rmse sqrt(nn.functional.mse_loss), a float, and does a [N, 1] vs [N] pair raise ValueError?"""
    a, b = _rand(10, 3, seed=1), _rand(10, 3, seed=2)
    value = lab["rmse"](a, b)
    assert isinstance(value, float)
    assert value == pytest.approx(math.sqrt(nn.functional.mse_loss(a, b).item()), rel=1e-12)
    with pytest.raises(ValueError, match=r"\(3, 1\)"):
        lab["rmse"](torch.zeros(3, 1), torch.zeros(3))


# ------------------------------------------------------------------ part 3: the regressor and the gradient norm

@pytest.mark.parametrize("kind,layer", [("rnn", nn.RNN), ("lstm", nn.LSTM), ("gru", nn.GRU)])
def test_sequence_regressor_is_its_torch_layer_and_a_head_on_the_last_step(lab, kind, layer):
    """Is SequenceRegressor(kind) head(layer(x)[0][-1]) for the matching nn layer?"""
    torch.manual_seed(2)
    model = lab["SequenceRegressor"](kind, 5)
    assert type(model.rnn) is layer
    x = torch.rand(8, 4, 2)
    torch.testing.assert_close(model(x), model.head(model.rnn(x)[0][-1]).squeeze(-1))


def test_first_input_gradient_norm_equals_finite_differences(lab):
    """Is the gradient norm w.r.t. x[0] the one central finite differences give, in float64?"""
    from seqlabs.adding import make_adding_problem

    torch.manual_seed(3)
    model = lab["SequenceRegressor"]("lstm", 4).double()
    x, y = make_adding_problem(5, 7, seed=1)
    x, y = x.double(), y.double()
    eps, grad = 1e-6, torch.zeros(5, 2, dtype=torch.float64)
    for b in range(5):
        for f in range(2):
            up, down = x.clone(), x.clone()
            up[0, b, f] += eps
            down[0, b, f] -= eps
            grad[b, f] = (nn.functional.mse_loss(model(up), y) - nn.functional.mse_loss(model(down), y)) / (2 * eps)
    assert lab["first_input_gradient_norm"](model, x, y) == pytest.approx(grad.norm().item(), rel=1e-6)
    assert all(p.grad is None for p in model.parameters())


# ------------------------------------------------------------------ the catalogue of broken models

class PerfectCounter(nn.Module):
    """Hand-made a^n b^n model: the best possible next-token distribution; with reset=False it keeps its counts."""

    def __init__(self, max_n, reset=True):
        super().__init__()
        self.max_n, self.reset, self.carried = max_n, reset, None

    def forward(self, x):  # x [T, B]: a=0, b=1, EOS=2
        a_seen = (x == 0).long().cumsum(0)  # [T, B]
        b_seen = (x == 1).long().cumsum(0)
        if not self.reset:
            if self.carried is not None and self.carried.shape[1] == x.shape[1]:
                a_seen = a_seen + self.carried
            self.carried = a_seen[-1:].clone()
        probs = torch.full((*x.shape, 4), 1e-6)
        in_a = b_seen == 0
        k = a_seen.clamp(max=self.max_n).double()
        p_more_a = ((self.max_n - k) / (self.max_n - k + 1)).float()  # n uniform on 1..max_n, n >= k
        probs[..., 0] = torch.where(in_a, p_more_a, probs[..., 0])
        probs[..., 1] = torch.where(in_a, 1 - p_more_a, torch.where(b_seen < a_seen, 1.0, probs[..., 1]))
        probs[..., 2] = torch.where(~in_a & (b_seen >= a_seen), 1.0, probs[..., 2])
        return probs.clamp_min(1e-6).log()


class CopyInput(nn.Module):
    """Predicts that the next token is the one it reads ('b follows b')."""

    def forward(self, x):
        return nn.functional.one_hot(x, 4).float() * 5.0


class Frequencies(nn.Module):
    """Ignores its input: the training tokens' frequencies at every step (the 'most frequent token' model)."""

    def forward(self, x):
        return torch.tensor([0.45, 0.45, 0.1, 1e-6]).log().expand(*x.shape, 4)


class RepeatsItsInput(nn.Module):
    """Airline: predicts at every step the change it reads (last month's change again; needs no training)."""

    def forward(self, x):
        return x.clone()


class Constant(nn.Module):
    """Answers the same value whatever the input: the training mean (airline) or 1 (adding)."""

    def __init__(self, value, adding=False):
        super().__init__()
        self.value, self.adding = value, adding

    def forward(self, x):
        return torch.full((x.shape[1],) if self.adding else x.shape, self.value)


class PerfectAdder(nn.Module):
    """Adding problem: the exact sum; with reset=False it carries the first marked value across calls."""

    def __init__(self, reset=True, second_only=False):
        super().__init__()
        self.reset, self.second_only, self.carried = reset, second_only, None

    def forward(self, x):  # [T, B, 2]
        half = x.shape[0] // 2
        first = (x[:half, :, 0] * x[:half, :, 1]).sum(0)  # [B]
        second = (x[half:, :, 0] * x[half:, :, 1]).sum(0)
        if self.second_only:
            return second + 0.5  # remembers only the recent marker; the first value is replaced by its mean
        if not self.reset:
            carried, self.carried = self.carried, first
            first = first if carried is None else carried
        return first + second


def _wrong_sign(model, x, y, loss, steps=40, lr=1e-2):
    """`model` after `steps` of Adam on the negated loss (gradient ascent): trained with the wrong sign."""
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        (-loss(model(x), y)).backward()
        optimiser.step()
    return model.eval()


def _lm_models(lab, settings):
    torch.manual_seed(0)
    x, y = lab["encode_pairs"]([lab["train_set"][i] for i in range(40)])
    ce = lambda logits, y: nn.functional.cross_entropy(logits.reshape(-1, 4), y.reshape(-1), ignore_index=-100)
    return {
        "perfect counter": PerfectCounter(settings.max_n),
        "counter without a state reset": PerfectCounter(settings.max_n, reset=False),
        "copies its input": CopyInput(),
        "token frequencies": Frequencies(),
        "frozen untrained LSTM": lab["NextTokenLSTM"](4, settings.hidden_size).eval(),
        "wrong-sign loss": _wrong_sign(lab["NextTokenLSTM"](4, settings.hidden_size), x, y, ce),
    }


def _air_models(lab, ns):
    torch.manual_seed(0)
    X, Y = lab["create_dataset"](ns["train_scaled"], ns["LOOKBACK"])
    return {
        "persistence (a change of zero)": Constant(float(ns["scaler"].transform(np.zeros(1))[0])),
        "repeats last month's change": RepeatsItsInput(),
        "training mean": Constant(float(np.mean(ns["train_scaled"]))),
        "frozen untrained LSTM": lab["AirModel"](50).eval(),
        "wrong-sign loss": _wrong_sign(lab["AirModel"](50), X, Y, nn.functional.mse_loss),
    }


def _adding_models(lab, settings):
    from seqlabs.adding import make_adding_problem

    torch.manual_seed(0)
    x, y = make_adding_problem(256, max(settings.adding_lengths), seed=1)
    models = {
        "perfect adder": PerfectAdder(),
        "adder without a state reset": PerfectAdder(reset=False),
        "remembers the second marker only": PerfectAdder(second_only=True),
        "always 1": Constant(1.0, adding=True),
        "frozen untrained LSTM": lab["SequenceRegressor"]("lstm", settings.adding_hidden).eval(),
        "wrong-sign loss": _wrong_sign(lab["SequenceRegressor"]("lstm", settings.adding_hidden), x, y,
                                       nn.functional.mse_loss),
    }
    return {name: {(kind, max(settings.adding_lengths)): m for kind in ("rnn", "lstm", "gru")}
            for name, m in models.items()}


# name -> the blocks it must lose (every other block of its cell it may pass)
LM_EXPECTED = {
    "perfect counter": set(),
    "counter without a state reset": {"lm_heldout_loss", "lm_counted"},
    "copies its input": {"lm_heldout_loss", "lm_counted"},
    "token frequencies": {"lm_heldout_loss", "lm_counted"},
    "frozen untrained LSTM": {"lm_heldout_loss", "lm_counted"},
    "wrong-sign loss": {"lm_heldout_loss", "lm_counted"},
}
AIR_EXPECTED = {  # persistence is under the course's test bound: the train RMSE and the ratio (1.0 >= 0.9) tell it
    "persistence (a change of zero)": {"air_train_rmse", "air_vs_persistence"},
    "repeats last month's change": {"air_train_rmse", "air_vs_persistence"},
    "training mean": {"air_train_rmse", "air_vs_persistence"},  # the mean change: about persistence, under 70
    "frozen untrained LSTM": {"air_train_rmse", "air_test_rmse", "air_vs_persistence"},
    "wrong-sign loss": {"air_train_rmse", "air_test_rmse", "air_vs_persistence"},
}
ADDING_EXPECTED = {
    "perfect adder": set(),
    "adder without a state reset": {"adding_lstm", "adding_gru"},
    "remembers the second marker only": {"adding_lstm", "adding_gru"},
    "always 1": {"adding_lstm", "adding_gru"},
    "frozen untrained LSTM": {"adding_lstm", "adding_gru"},
    "wrong-sign loss": {"adding_lstm", "adding_gru"},
}


def _namespace(lab, profile):
    grader = _Grader(profile)
    ns = {**lab, "autograder": grader}
    with contextlib.redirect_stdout(None):
        _run(ns, "setup")  # fresh definitions, bound to this namespace
        ns["settings"] = for_profile(Lab2Settings, profile)
        _run(ns, "lm_data", "air_data")
    ns["LOOKBACK"] = ns["settings"].lookback  # the notebook's default choice
    return ns, grader


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["fast", "class"])
def test_the_trained_result_blocks_reject_the_broken_models(lab, profile, capsys):
    """Does every broken model lose exactly the trained-result blocks it should, under this profile's bounds?"""
    settings = for_profile(Lab2Settings, profile)
    ns, grader = _namespace(lab, profile)
    outcomes, wrong = {}, []
    cases = [("lm_trained_tests", "lm", _lm_models(lab, settings), LM_EXPECTED),
             ("air_trained_tests", "air_model", _air_models(lab, ns), AIR_EXPECTED),
             ("adding_trained_tests", "adding_models", _adding_models(lab, settings), ADDING_EXPECTED)]
    for cell, variable, models, expected in cases:
        assert set(models) == set(expected)
        for name, model in models.items():
            grader.blocks.clear()
            grader.values.clear()
            ns[variable] = model
            with contextlib.redirect_stdout(None):
                _run(ns, cell)
            failed = {block for block in grader.blocks if not grader.passed(block)}
            outcomes[cell, name] = sorted(failed), dict(grader.values)
            if failed != expected[name]:
                wrong.append(f"{cell} / {name}: lost {sorted(failed)}, should lose {sorted(expected[name])} "
                             f"({ {b: e for b, e in grader.blocks.items() if e} })")
    with capsys.disabled():
        print(f"\nlab 2 catalogue ({profile}):")
        for (cell, name), (failed, measured) in outcomes.items():
            shown = ", ".join(f"{check.split('.')[0]} {value:.4g}" for check, value in measured.items())
            print(f"  {cell:22} {name:34} loses {failed}: {shown}")
    assert not wrong, "\n".join(wrong)
