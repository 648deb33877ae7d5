"""Lab 4's catalogue of broken-but-running models: realistic one-line bugs, each with the blocks it must fail.

Shared by ``test_lab4_broken_models.py`` and ``benchmarks/bench_broken_models.py``.
``fails`` lists every block the bug must cost; every other block that ran
must keep its marks. LSTM bugs stop after the LSTM's trained checks
(``STOP_LSTM``): the GRU part does not use the LSTM classes.
"""
from __future__ import annotations

from labrun import Bug, expected_blocks

LAB = "lab4_seq2seq"
LSTM_TRAINED = {"lstm_loss", "lstm_bleu", "lstm_examples"}
STOP_LSTM = "lstm_bleu_tests"

BROKEN = {
    # the decoder's new state is thrown away: every step starts again from the encoder's context
    "decoder_state_never_passed_on": (
        (Bug("seq2seq", "output, hidden, cell = self.decoder(input, hidden, cell)",
             "output, _, _ = self.decoder(input, hidden, cell)"),),
        {"seq2seq"} | LSTM_TRAINED),
    # the encoder's context is replaced by zeros: a language model of English that ignores the German
    "ignores_the_context": (
        (Bug("encoder", "outputs, (hidden, cell) = self.rnn(embedded)",
             "outputs, (hidden, cell) = self.rnn(embedded)\n        hidden, cell = hidden * 0, cell * 0"),),
        {"encoder", "seq2seq"} | LSTM_TRAINED),
    # the prediction ignores the LSTM's output: only the bias speaks, the most frequent words every time
    "predicts_the_most_frequent_words": (
        (Bug("decoder", "prediction = self.fc_out(output.squeeze(0))",
             "prediction = self.fc_out(torch.zeros_like(output.squeeze(0)))"),),
        {"decoder", "seq2seq"} | LSTM_TRAINED),
    # predictions stored one step early: trained to repeat the token it was fed (copies its input)
    "copies_its_input": (
        (Bug("seq2seq", "outputs[t] = output\n", "outputs[t - 1] = output\n"),),
        {"seq2seq"} | LSTM_TRAINED),
    # a wrong gradient: the output layer's input is detached, so only fc_out ever learns
    "only_the_output_layer_learns": (
        (Bug("decoder", "prediction = self.fc_out(output.squeeze(0))",
             "prediction = self.fc_out(output.squeeze(0).detach())"),),
        LSTM_TRAINED),
}
STOPS = {name: STOP_LSTM for name in BROKEN}


def expected(name: str, profile: str) -> tuple[set[str], set[str]]:
    """``(fails, may_fail)`` of catalogue entry ``name``: the same in every profile."""
    return expected_blocks(BROKEN[name])

BROKEN_GRU = {
    # the GRU decoder's state thrown away, as above
    "gru_decoder_state_never_passed_on": (
        (Bug("gru_model", "output, hidden = self.decoder(input, hidden)", "output, _ = self.decoder(input, hidden)"),),
        {"gru_model", "gru_loss"}),
}
BROKEN.update(BROKEN_GRU)
TRAINED_VALUES = ("lstm_loss.test", "lstm_bleu.test", "lstm_examples.tokens", "gru_loss.test")


def trained_values(run) -> dict[str, float]:
    """The trained results of a run as numbers (the example tokens as their agreement)."""
    from autograder.core import values

    ns = run.values["__namespace__"]
    out = {k: float(run.values[k]) for k in ("lstm_loss.test", "lstm_bleu.test", "gru_loss.test") if k in run.values}
    if "lstm_examples.tokens" in run.values:
        out["lstm_examples.tokens"] = values.agreement(run.values["lstm_examples.tokens"], ns["example_references"])
    return out

MODELS_START = "encoder"  # every entry reruns from the model cells, on a namespace where the data cells ran
SHARED_UNTIL = "check_helpers"  # data, vocabularies and loaders: shared by every run of a profile
# The answer blocks a failed trained block names as the one to fix first, and those trained blocks.
FIRST_PARTS = {"encoder", "decoder", "seq2seq", "gru_model"}
TRAINED = {"lstm_loss", "lstm_bleu", "gru_loss"}


def plan(name: str) -> dict:
    """How to run catalogue entry ``name`` cheaply (see lab1_broken.plan); LSTM bugs skip the GRU part."""
    if name in STOPS:
        return {"start_at": MODELS_START, "stop_after": STOPS[name], "skip": ("init_count_tests",)}
    return {"start_at": MODELS_START}
