"""Is Lab 4's reference seq2seq (the master notebook's solution regions) the model of Sutskever et al. / Trevett?

The model cells are read from ``labs/source/lab4_seq2seq.ipynb`` (solution
regions included) and executed on their own, with PyTorch as the oracle.
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from labrun import CheckRecorder  # noqa: E402

SOURCE = ROOT / "labs" / "source" / "lab4_seq2seq.ipynb"
MODEL_CELLS = ("encoder", "decoder", "seq2seq", "init_count", "gru_model")


@pytest.fixture(scope="module")
def lab():
    """The namespace defined by the notebook's model cells (Encoder, Decoder, Seq2Seq, ...)."""
    nb = nbformat.read(SOURCE, as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    missing = [gid for gid in MODEL_CELLS if gid not in cells]
    assert not missing, f"model cells {missing} not found in {SOURCE.name}"
    namespace = {"torch": torch, "nn": nn, "random": random}
    for gid in MODEL_CELLS:
        exec(compile(cells[gid].source, f"{SOURCE.name}:{gid}", "exec"), namespace)
    return namespace


def tiny_model(lab, *, kind="", n_layers=2, dropout=0.5):
    enc = lab[f"{kind}Encoder"](11, 6, 8, n_layers, dropout)
    dec = lab[f"{kind}Decoder"](13, 5, 8, n_layers, dropout)
    return lab[f"{kind}Seq2Seq"](enc, dec, torch.device("cpu"))


def test_parameter_count_with_the_papers_hyper_parameters(lab):
    """Does the paper-size model (Multi30k vocabularies) have Trevett's 13,898,501 parameters?"""
    enc = lab["Encoder"](7853, 256, 512, 2, 0.5)
    dec = lab["Decoder"](5893, 256, 512, 2, 0.5)
    model = lab["Seq2Seq"](enc, dec, torch.device("cpu"))
    assert lab["count_parameters"](model) == 13_898_501
    assert lab["count_parameters"](model) == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("kind", ["", "GRU"])
@pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0])
def test_output_shape_is_time_major_trg_len_batch_vocab(lab, kind, ratio):
    """Are the outputs [trg len, batch, trg vocab], with outputs[0] left zero, for any teacher forcing ratio?"""
    torch.manual_seed(0)
    model = tiny_model(lab, kind=kind)
    src, trg = torch.randint(0, 11, (7, 4)), torch.randint(0, 13, (5, 4))
    out = model(src, trg, ratio)
    assert out.shape == (5, 4, 13)
    assert torch.all(out[0] == 0)


def test_teacher_forcing_one_equals_a_hand_unrolled_loop_on_gold_tokens(lab):
    """With ratio 1, is Seq2Seq the decoder fed the gold tokens trg[0..T-2], starting from the encoder's states?"""
    torch.manual_seed(1)
    model = tiny_model(lab).eval()
    src, trg = torch.randint(0, 11, (6, 3)), torch.randint(0, 13, (5, 3))
    out = model(src, trg, teacher_forcing_ratio=1.0)
    hidden, cell = model.encoder(src)
    for t in range(1, trg.shape[0]):
        pred, hidden, cell = model.decoder(trg[t - 1], hidden, cell)  # [batch, vocab]
        torch.testing.assert_close(out[t], pred)


def test_teacher_forcing_zero_feeds_back_the_argmax(lab):
    """With ratio 0, is each step's input the previous step's argmax (gold tokens after <sos> ignored)?"""
    torch.manual_seed(2)
    model = tiny_model(lab).eval()
    src, trg = torch.randint(0, 11, (6, 3)), torch.randint(0, 13, (5, 3))
    out = model(src, trg, teacher_forcing_ratio=0.0)
    hidden, cell = model.encoder(src)
    inp = trg[0]
    for t in range(1, trg.shape[0]):
        pred, hidden, cell = model.decoder(inp, hidden, cell)
        torch.testing.assert_close(out[t], pred)
        inp = pred.argmax(1)
    scrambled = trg.clone()
    scrambled[1:] = (trg[1:] + 1) % 13
    torch.testing.assert_close(model(src, scrambled, 0.0), out)


def test_encoder_final_states_equal_torch_lstm_on_the_same_embedded_input(lab):
    """Are the Encoder's (hidden, cell) those of a fresh nn.LSTM, with copied weights, run on its embeddings?"""
    torch.manual_seed(3)
    enc = lab["Encoder"](11, 6, 8, 2, 0.5).eval()
    src = torch.randint(0, 11, (7, 4))
    hidden, cell = enc(src)
    assert hidden.shape == cell.shape == (2, 4, 8)
    oracle = nn.LSTM(6, 8, 2)
    oracle.load_state_dict(enc.rnn.state_dict())
    _, (h_ref, c_ref) = oracle(enc.embedding(src))  # eval: no dropout
    torch.testing.assert_close(hidden, h_ref)
    torch.testing.assert_close(cell, c_ref)


def test_gru_encoder_final_state_equals_torch_gru(lab):
    """Is the GRUEncoder's hidden state that of nn.GRU with copied weights on its embeddings?"""
    torch.manual_seed(4)
    enc = lab["GRUEncoder"](11, 6, 8, 2, 0.5).eval()
    src = torch.randint(0, 11, (7, 4))
    oracle = nn.GRU(6, 8, 2)
    oracle.load_state_dict(enc.rnn.state_dict())
    torch.testing.assert_close(enc(src), oracle(enc.embedding(src))[1])


def test_dropout_is_active_in_training_only(lab):
    """Does dropout change the encoder's states in train mode and not in eval mode?"""
    enc = lab["Encoder"](11, 6, 8, 2, 0.5)
    src = torch.randint(0, 11, (7, 4))
    enc.eval()
    h1, _ = enc(src)
    h2, _ = enc(src)
    torch.testing.assert_close(h1, h2)
    enc.train()
    torch.manual_seed(5)
    h3, _ = enc(src)
    assert not torch.allclose(h1, h3)


def test_init_weights_is_uniform_in_plus_minus_0_08(lab):
    """Does model.apply(init_weights) put every parameter in [-0.08, 0.08] with a uniform's spread?"""
    torch.manual_seed(6)
    model = tiny_model(lab)
    model.apply(lab["init_weights"])
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert flat.abs().max() <= 0.08
    assert abs(flat.std().item() - 0.08 / 3**0.5) < 0.005  # U(-a, a) has std a / sqrt(3)


@pytest.mark.parametrize("kind", ["", "GRU"])
def test_mismatched_encoder_and_decoder_are_refused_with_trevetts_messages(lab, kind):
    """Does Seq2Seq assert equal hidden sizes and layer counts, saying which?"""
    Enc, Dec, S2S = lab[f"{kind}Encoder"], lab[f"{kind}Decoder"], lab[f"{kind}Seq2Seq"]
    with pytest.raises(AssertionError, match="Hidden dimensions of encoder and decoder must be equal"):
        S2S(Enc(11, 6, 8, 2, 0.0), Dec(13, 5, 9, 2, 0.0), "cpu")
    with pytest.raises(AssertionError, match="equal number of layers"):
        S2S(Enc(11, 6, 8, 2, 0.0), Dec(13, 5, 8, 1, 0.0), "cpu")


@pytest.mark.parametrize("kind", ["", "GRU"])
def test_greedy_decode_matches_seq2seq_without_teacher_forcing(lab, kind):
    """Does seqlabs.translate.greedy_decode pick the same tokens as Seq2Seq's argmax feedback (ratio 0)?"""
    from seqlabs.translate import greedy_decode

    torch.manual_seed(7)
    model = tiny_model(lab, kind=kind).eval()
    src = torch.randint(4, 11, (6, 5))  # [S, B]
    sos, eos, steps = 2, 3, 9
    trg = torch.full((steps + 1, 5), sos)  # only trg[0] (<sos>) is read when the ratio is 0
    argmax = model(src, trg, 0.0)[1:].argmax(-1).T.tolist()  # [B, steps]
    expected = [ids[:ids.index(eos)] if eos in ids else ids for ids in argmax]
    assert greedy_decode(model, src, sos_index=sos, eos_index=eos, max_len=steps) == expected


# ---------------------------------------------------------------- the lab's checks against mistakes

def _checked_values(lab, test_cell, **overrides):
    """Run the notebook's `test_cell` with the model classes (optionally replaced) and return its checked values."""
    import json

    from autograder.core import tokens, values

    nb = nbformat.read(SOURCE, as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    recorder = CheckRecorder()
    namespace = {**lab, **overrides, "autograder": recorder}
    exec(compile(cells["check_helpers"].source, "check_helpers", "exec"), namespace)
    exec(compile(cells[test_cell].source, test_cell, "exec"), namespace)
    if recorder.errors:  # these tests compare values: a block that raised is the test's error, not a verdict
        raise next(iter(recorder.errors.values()))
    key = json.loads((ROOT / "labs" / "keys" / "lab4_seq2seq.json").read_text())["checks"]
    verdicts = {}
    for check_id, value in recorder.values.items():
        entry = key[check_id]
        token = tokens.make_token(values.decode(entry["value"]), rtol=entry["rtol"], atol=entry["atol"],
                                  salt=entry["salt"])
        verdicts[check_id] = tokens.verify(value, token)
    return verdicts


def test_the_reference_passes_every_exact_check_of_the_key():
    """Do the solution's classes pass every model check the committed key holds (shapes, values, asserts)?"""
    namespace = {"torch": torch, "nn": nn, "random": random}
    nb = nbformat.read(SOURCE, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in MODEL_CELLS:
            exec(compile(cell.source, "model", "exec"), namespace)
    for test_cell in ("encoder_tests", "decoder_tests", "seq2seq_tests", "gru_model_tests"):
        verdicts = _checked_values(namespace, test_cell)
        assert verdicts and all(verdicts.values()), (test_cell, verdicts)


def test_seq2seq_checks_reject_the_usual_mistakes(lab):
    """Are 'always teacher forcing', 'outputs shifted by one step' and 'never teacher forcing' caught?"""
    Seq2Seq = lab["Seq2Seq"]

    class AlwaysForced(Seq2Seq):
        def forward(self, src, trg, teacher_forcing_ratio=0.5):
            return super().forward(src, trg, 1.0)

    class NeverForced(Seq2Seq):
        def forward(self, src, trg, teacher_forcing_ratio=0.5):
            return super().forward(src, trg, 0.0)

    class Shifted(Seq2Seq):
        def forward(self, src, trg, teacher_forcing_ratio=0.5):
            out = super().forward(src, trg, teacher_forcing_ratio)
            return torch.cat([out[1:], torch.zeros_like(out[:1])])  # predictions one step early

    assert _checked_values(lab, "seq2seq_tests", Seq2Seq=AlwaysForced)["seq2seq.free_running"] is False
    assert _checked_values(lab, "seq2seq_tests", Seq2Seq=NeverForced)["seq2seq.teacher_forced"] is False
    shifted = _checked_values(lab, "seq2seq_tests", Seq2Seq=Shifted)
    assert shifted["seq2seq.teacher_forced"] is False and shifted["seq2seq.free_running"] is False


def test_encoder_checks_reject_top_layer_only_and_no_dropout(lab):
    """Is an encoder that returns only the top layer's state, or forgets either dropout, caught by the check named?"""
    Encoder = lab["Encoder"]

    class TopLayerOnly(Encoder):
        def forward(self, src):
            hidden, cell = super().forward(src)
            return hidden[-1:], cell[-1:]  # [1, B, H]

    class NoEmbeddingDropout(Encoder):  # the LSTM's between-layer dropout is still there
        def __init__(self, *args):
            super().__init__(*args)
            self.dropout = nn.Identity()

    class NoLSTMDropout(Encoder):  # the embedding dropout is still there
        def __init__(self, input_dim, emb_dim, hid_dim, n_layers, dropout):
            super().__init__(input_dim, emb_dim, hid_dim, n_layers, dropout)
            self.rnn = nn.LSTM(emb_dim, hid_dim, n_layers)

    class DropoutOnTheStates(Encoder):  # dropout in the wrong place: on the returned states
        def forward(self, src):
            hidden, cell = self.rnn(self.embedding(src))[1]
            return self.dropout(hidden), cell

    top = _checked_values(lab, "encoder_tests", Encoder=TopLayerOnly)
    assert top["encoder.hidden_shape"] is False and top["encoder.hidden"] is False
    no_embedding = _checked_values(lab, "encoder_tests", Encoder=NoEmbeddingDropout)
    assert no_embedding["encoder.dropout_in_training"] is False and no_embedding["encoder.embedding_dropout"] is False
    assert no_embedding["encoder.hidden"] and no_embedding["encoder.lstm_dropout"]  # nothing else is blamed
    no_lstm = _checked_values(lab, "encoder_tests", Encoder=NoLSTMDropout)
    assert no_lstm["encoder.lstm_dropout"] is False and no_lstm["encoder.embedding_dropout"]
    wrong_place = _checked_values(lab, "encoder_tests", Encoder=DropoutOnTheStates)
    assert wrong_place["encoder.embedding_dropout"] is False


def test_decoder_checks_reject_missing_or_misplaced_dropout(lab):
    """Is a decoder without the embedding dropout, without the LSTM's dropout, or with dropout on the output, caught?"""
    Decoder = lab["Decoder"]

    class NoEmbeddingDropout(Decoder):
        def __init__(self, *args):
            super().__init__(*args)
            self.dropout = nn.Identity()

    class NoLSTMDropout(Decoder):
        def __init__(self, output_dim, emb_dim, hid_dim, n_layers, dropout):
            super().__init__(output_dim, emb_dim, hid_dim, n_layers, dropout)
            self.rnn = nn.LSTM(emb_dim, hid_dim, n_layers)

    class DropoutOnTheOutput(Decoder):
        def forward(self, input, hidden, cell):
            output, (hidden, cell) = self.rnn(self.embedding(input.unsqueeze(0)), (hidden, cell))
            return self.fc_out(self.dropout(output.squeeze(0))), hidden, cell

    no_embedding = _checked_values(lab, "decoder_tests", Decoder=NoEmbeddingDropout)
    assert no_embedding["decoder.dropout_in_training"] is False and no_embedding["decoder.embedding_dropout"] is False
    assert no_embedding["decoder.prediction"] and no_embedding["decoder.lstm_dropout"]
    no_lstm = _checked_values(lab, "decoder_tests", Decoder=NoLSTMDropout)
    assert no_lstm["decoder.lstm_dropout"] is False and no_lstm["decoder.embedding_dropout"]
    wrong_place = _checked_values(lab, "decoder_tests", Decoder=DropoutOnTheOutput)
    assert wrong_place["decoder.embedding_dropout"] is False


def test_free_running_loss_ignores_teacher_forcing_in_forward(lab):
    """Is the graded test loss the same for a Seq2Seq whose forward always teacher-forces (it never calls forward)?"""
    from seqlabs.translate import free_running_loss

    class AlwaysForced(lab["Seq2Seq"]):
        def forward(self, src, trg, teacher_forcing_ratio=0.5):
            return super().forward(src, trg, 1.0)

    class Batch:
        def __init__(self, src, trg):
            self.src, self.trg = src, trg

    torch.manual_seed(8)
    model = tiny_model(lab).eval()
    forced = AlwaysForced(model.encoder, model.decoder, "cpu")
    batches = [Batch(torch.randint(4, 11, (6, 3)), torch.randint(4, 13, (5, 3))) for _ in range(2)]
    criterion = nn.CrossEntropyLoss(ignore_index=1)
    loss = free_running_loss(model, batches, criterion, sos_index=2)
    assert loss == pytest.approx(free_running_loss(forced, batches, criterion, sos_index=2))
    # and it equals the reference forward without teacher forcing, step for step
    by_forward = sum(criterion(model(b.src, torch.cat([torch.full((1, 3), 2), b.trg[1:]]), 0.0)[1:].reshape(-1, 13),
                               b.trg[1:].reshape(-1)).item() for b in batches) / 2
    assert loss == pytest.approx(by_forward, rel=1e-5)
    with pytest.raises(ValueError, match="no batches"):
        free_running_loss(model, [], criterion, sos_index=2)


def test_the_agreement_sentences_are_the_same_in_every_profile():
    """The answer key records ``lstm_examples``' references from the default profile, so the sentences the
    agreement compares must not depend on the profile (fast tests on short sentences only). The notebook's
    own selection lines, run on each profile's data cell."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from labrun import code_cells, run_master

    cell = dict(code_cells("lab4_seq2seq"))["translate_lstm"]
    lines = [line for line in cell.splitlines() if line.startswith(("N_AGREE", "agree_at ="))]
    assert len(lines) == 2, f"translate_lstm's selection lines changed: {lines}; update this test"
    chosen = {}
    for profile in ("fast", "class", "full"):
        ns = run_master("lab4_seq2seq", profile=profile, stop_after="data").values["__namespace__"]
        exec("\n".join(lines), ns)
        chosen[profile] = [ns["test_en"][k] for k in ns["agree_at"]]
    assert len(chosen["fast"]) == 32
    assert chosen["class"] == chosen["fast"] == chosen["full"], "the agreement compares other sentences per profile"
