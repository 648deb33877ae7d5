"""Lab 1's catalogue of broken-but-running models: realistic one-line bugs, each with the blocks it must fail.

Shared by ``test_lab1_broken_models.py`` and ``benchmarks/bench_broken_models.py``.
Each entry is ``(bugs, fails)`` or ``(bugs, fails, may_fail)``: ``fails`` lists
every block the bug must cost; every other block must keep its marks (a bug
costs only its part), except those in ``may_fail`` (both networks broken alike:
which one is worse is a coin toss).
"""
from __future__ import annotations

from labrun import Bug, expected_blocks

LAB = "lab1_rnn_lstm_numpy"
RNN_TRAINED = {"rnn_trained", "rnn_predicted"}
LSTM_TRAINED = {"lstm_trained", "lstm_predicted", "lstm_vs_rnn"}

BROKEN = {
    # h_t = tanh(U x_t + b): the recurrence is dropped, the network sees only the current token
    # and can only copy it forward ("b follows b"): it never counts.
    "rnn_copies_its_input": (
        (Bug("rnn_step_forward_code", "h = tanh(x @ U.T + h_prev @ V.T + b_hidden)",
             "h = tanh(x @ U.T + b_hidden)"),),
        {"rnn_step_forward", "rnn_forward", "rnn_gradcheck"} | RNN_TRAINED),
    # the recurrent weight transposed in the forward step (the "a a a a a b b b b b")
    "rnn_transposed_recurrent_weight": (
        (Bug("rnn_step_forward_code", "h = tanh(x @ U.T + h_prev @ V.T + b_hidden)",
             "h = tanh(x @ U.T + h_prev @ V + b_hidden)"),),
        {"rnn_step_forward", "rnn_forward", "rnn_gradcheck"} | RNN_TRAINED),
    # no backpropagation through time: each step gets only its own output's gradient
    "rnn_without_bptt": (
        (Bug("rnn_backward_code", "rnn_step_backward(dhs[t] + dh_next, step_caches[t])",
             "rnn_step_backward(dhs[t], step_caches[t])"),),
        {"rnn_backward", "rnn_gradcheck"} | RNN_TRAINED),
    # gradient ascent: both networks are trained uphill
    "sgd_wrong_sign": (
        (Bug("optim_code", "value - lr * grads[name]", "value + lr * grads[name]"),),
        {"rnn_optim"} | RNN_TRAINED | LSTM_TRAINED - {"lstm_vs_rnn"}, {"lstm_vs_rnn"}),
    # the update is computed but never kept: both networks stay at their initialisation
    "fit_never_updates": (
        (Bug("fit_code", "params = sgd_update(params, grads, lr)", "sgd_update(params, grads, lr)"),),
        RNN_TRAINED | LSTM_TRAINED - {"lstm_vs_rnn"}, {"lstm_vs_rnn"}),
    # the LSTM's cell-state gradient forgets the forget gate: a wrong gradient, worse than the RNN
    # (measured in class = fast: it still predicts the end of 15 or more of the 20 sequences, so the
    # prediction check may pass; its test loss and the comparison with the RNN fail)
    "lstm_wrong_cell_gradient": (
        (Bug("lstm_backward_code", "dc_prev = dc_total * f", "dc_prev = dc_total"),),
        {"lstm_step_backward", "lstm_backward", "lstm_gradcheck"} | LSTM_TRAINED - {"lstm_predicted"},
        {"lstm_predicted"}),
    # the tanh derivative taken at the already-squashed h, 1 - tanh(h)^2, instead of at the
    # pre-activation, 1 - h^2 (the course's tanh(hidden_state, derivative=True); issue 26). Its test
    # loss is far off (4.6-7.6 over seeds 42, 1-3), but it still predicts the end of 1 to 16 of the
    # 20 sequences, as many as the reference's worst seed (15): the prediction check may pass.
    "rnn_tanh_derivative_at_h": (
        (Bug("rnn_step_backward_code", "da = dh * (1.0 - h**2)", "da = dh * (1.0 - np.tanh(h)**2)"),),
        {"rnn_step_backward", "rnn_backward", "rnn_gradcheck"} | RNN_TRAINED - {"rnn_predicted"},
        {"rnn_predicted"}),
    # the cell-state gradient is not carried back through time: each step's dc starts at zero, so
    # the cell is trained only by what its own step's h loses (issue 26). Its comparison with the
    # RNN may pass where the RNN itself is poor (seed 2: LSTM 3.441, RNN 3.605).
    "lstm_no_cell_gradient_through_time": (
        (Bug("lstm_backward_code", "lstm_step_backward(dhs[t] + dh_next, dc_next, step_caches[t])",
             "lstm_step_backward(dhs[t] + dh_next, np.zeros_like(dc_next), step_caches[t])"),),
        {"lstm_backward", "lstm_gradcheck"} | LSTM_TRAINED),
    # the LSTM's output-gate gradient with the wrong sign
    "lstm_output_gate_sign": (
        (Bug("lstm_backward_code", '"o": do * o * (1.0 - o)}', '"o": -do * o * (1.0 - o)}'),),
        {"lstm_step_backward", "lstm_backward", "lstm_gradcheck"} | LSTM_TRAINED),
}
TRAINED_VALUES = ("rnn_trained.test_loss", "lstm_trained.test_loss", "lstm_vs_rnn.test_loss_difference",
                  "rnn_predicted.ends", "lstm_predicted.ends")


def trained_values(run) -> dict[str, float]:
    """The trained results of a run as numbers (the ends as the share predicted exactly)."""
    import numpy as np

    ns = run.values["__namespace__"]
    out = {k: float(run.values[k]) for k in TRAINED_VALUES[:3] if k in run.values}
    for k in TRAINED_VALUES[3:]:
        if k in run.values:
            out[k] = float(np.mean(np.asarray(run.values[k]) == ns["probe_ends"]))
    return out

# Which part of the notebook a bug can change: "rnn" bugs stop after the RNN's trained checks,
# "lstm" bugs rerun only the LSTM part, "both" bugs (the shared optimiser and loop) run everything.
SCOPE = {"rnn_copies_its_input": "rnn", "rnn_transposed_recurrent_weight": "rnn", "rnn_without_bptt": "rnn",
         "sgd_wrong_sign": "both", "fit_never_updates": "both",
         "lstm_wrong_cell_gradient": "lstm", "lstm_output_gate_sign": "lstm",
         "rnn_tanh_derivative_at_h": "rnn", "lstm_no_cell_gradient_through_time": "lstm"}

LSTM_START = "lstm_init_code"  # LSTM-only bugs rerun from here, on a namespace where the RNN part already ran
RNN_END = "rnn_trained_tests"  # RNN-only bugs stop here: the LSTM part does not use the RNN's answers
SHARED_UNTIL = RNN_END  # the reference's namespace after this cell is where LSTM-only bugs resume
# The answer blocks a failed trained block names as the one to fix first, and those trained blocks.
FIRST_PARTS = {"rnn_forward", "rnn_gradcheck", "rnn_optim", "lstm_forward", "lstm_gradcheck"}
TRAINED = {"rnn_trained", "rnn_predicted", "lstm_trained", "lstm_predicted"}


def expected(name: str, profile: str) -> tuple[set[str], set[str]]:
    """``(fails, may_fail)`` of catalogue entry ``name``: the same in every profile (fast runs class's workload)."""
    return expected_blocks(BROKEN[name])


def plan(name: str, *, cheap: bool = False) -> dict:
    """How to run catalogue entry ``name`` cheaply: run_master's start_at / stop_after for its scope.

    ``start_at`` needs a namespace in which the cells before it ran (the reference's).
    ``cheap`` also stops the "both" bugs after the RNN part (the test suite's
    budget; the benchmark runs them through the LSTM part too).
    """
    scope = SCOPE[name]
    if scope == "lstm":
        return {"start_at": LSTM_START}
    return {"stop_after": RNN_END} if scope == "rnn" or cheap else {}
