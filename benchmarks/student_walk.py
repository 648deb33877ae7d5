"""A lab read as a student would, with honest mistakes planted: what does the notebook's feedback say?

Each lab has two runs (``--run 0`` and ``--run 1``), each planting one mistake in
every part (a wrong shape, a wrong sign, a missing term, a crashing cell), in the
built solution notebook (the release's token table, the answers filled in), run
top to bottom in a fresh kernel in student mode. It prints, cell by cell, every
✘ block with its message and traceback, and every cell that stopped with an
error: the material of ``docs/student-walkthrough.md``. From the repository root::

    SEQLABS_PROFILE=fast nice -n 10 .venv/bin/python benchmarks/student_walk.py lab4_seq2seq --run 0
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from autograder.assign.execute import execute_notebook

ROOT = Path(__file__).resolve().parents[1]

# lab -> two runs, each a list of (grade_id of an answer cell, correct text, mistaken text, what the mistake is)
MISTAKES = {
    "lab0_example": [
        [("q1_code", "x.sum(axis=0) / x.shape[0]", "x.sum(axis=1) / x.shape[0]", "q1: the wrong axis (shape)"),
         ("q2_code", "np.sqrt(np.mean(np.square(x)))", "np.mean(np.square(x))", "q2: the square root missing"),
         ("q3_code", 'gate = "forget"', 'gate = "Forget gate"', "q3: not one lowercase word"),
         ("q4_code", "X.T @ (p - y) / len(y)", "X.T @ (y - p) / len(y)", "q4: the gradient's sign")],
        [("q1_code", "x.sum(axis=0) / x.shape[0]", "x.sum(axis=0) / x.shape[1]", "q1: divided by D, not N"),
         ("q2_code", "np.sqrt(np.mean(np.square(x)))", "np.sqrt(np.mean(np.square(xs)))", "q2: a crash (NameError)"),
         ("student_info", 'STUDENT_IDS = ["s000000"]', "STUDENT_IDS = []", "identity: no id"),
         ("q4_code", "p = 1.0 / (1.0 + np.exp(-X @ w))", "p = 1.0 / (1.0 + np.exp(-X @ w[:, None]))",
          "q4: a crash (shape)")],
    ],
    "lab1_rnn_lstm_numpy": [
        [("rnn_step_backward_code", "da = dh * (1.0 - h**2)", "da = dh * (1.0 - h_prev**2)",
          "RNN: tanh' taken at h_prev"),
         ("lstm_backward_code", "dc_prev = dc_total * f", "dc_prev = dc * f",
          "LSTM: the cell gradient not carried back")],
        [("rnn_forward_code", "hs = np.stack(hs)  # (T, N, H)", "hs = np.concatenate(hs)  # (T, N, H)",
          "RNN: a crash (states concatenated, not stacked)"),
         ("lstm_step_forward_code", "c = f * c_prev + i * g", "c = f * c_prev - i * g", "LSTM: a wrong sign")],
    ],
    "lab2_pytorch_lstm": [
        [("lstm_cell_code", "a_i, a_f, a_g, a_o = gates.chunk(4, dim=1)", "a_f, a_i, a_g, a_o = gates.chunk(4, dim=1)",
          "1: gate order"),
         ("windows_code", "series[i + 1:i + lookback + 1]", "series[i:i + lookback]", "2: targets not shifted"),
         ("adding_model_code", "self.head(output[-1]).squeeze(-1)", "self.head(output[-1])",
          "3: the prediction's shape [B, 1]")],
        [("lstm_cell_code", "h_next = torch.sigmoid(a_o) * torch.tanh(c_next)", "h_next = torch.sigmoid(a_o) * c_next",
          "1: a missing tanh"),
         ("air_model_code", "out = self.linear(hs)  # [N, L, 1]", "out = self.linear(hs[:, -1])  # [N, L, 1]",
          "2: the last step only (shape)"),
         ("adding_model_code", "(dx,) = torch.autograd.grad(loss, x)", "(dx,) = torch.autograd.grad(loss, model)",
          "3: a crash in the gradient norm")],
    ],
    "lab3_word2vec": [
        [("text_to_pairs", 'r"[^a-z@# ]"', 'r"[^a-z ]"', "1: @ and # deleted too"),
         ("one_hot", "out[torch.arange(len(ids)), ids] = 1.0", "out[ids, torch.arange(len(ids))] = 1.0",
          "2: a crash (indices swapped)"),
         ("softmax_model", "return -log_probs.gather(1, contexts[:, None]).mean()",
          "return -log_probs.gather(1, contexts[:, None]).sum()", "3: a sum, not a mean"),
         ("negative_sampling", "negative = F.logsigmoid(-(noise", "negative = F.logsigmoid((noise",
          "4: the noise term's sign"),
         ("top_k", "sims.topk(k, dim=1).indices", "sims.topk(k, dim=1, largest=False).indices",
          "5: the least similar words")],
        [("text_to_pairs", "if offset != 0 and 0 <= j < len(ids):", "if 0 <= j < len(ids):",
          "1: the centre paired with itself"),
         ("one_hot", "embedding.weight.copy_(linear.weight.T)", "embedding.weight.copy_(linear.weight)",
          "2: not transposed (shape)"),
         ("softmax_model", "log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)",
          "log_probs = logits - torch.logsumexp(logits, dim=0, keepdim=True)", "3: normalised over the batch"),
         ("negative_sampling", "return weights / weights.sum()", "return weights", "4: not normalised"),
         ("top_k", 'sims[torch.arange(len(query_ids)), query_ids] = float("-inf")', "",
          "5: the query itself not excluded")],
    ],
    "lab4_seq2seq": [
        [("encoder", "outputs, (hidden, cell) = self.rnn(embedded)", "outputs, (cell, hidden) = self.rnn(embedded)",
          "1: hidden and cell swapped"),
         ("decoder", "prediction = self.fc_out(output.squeeze(0))", "prediction = self.fc_out(output)",
          "2: squeeze(0) missing (shape)"),
         ("seq2seq", "input = trg[t] if teacher_force else top1", "input = top1 if teacher_force else trg[t]",
          "3: teacher forcing inverted"),
         ("init_count", "nn.init.uniform_(param.data, -0.08, 0.08)", "nn.init.uniform_(param.data, 0, 0.08)",
          "4: a one-sided range"),
         ("gru_model", "output, hidden = self.rnn(embedded, hidden)", "output, hidden = self.rnn(embedded)",
          "6: the GRU decoder ignores its state")],
        [("encoder", "embedded = self.dropout(self.embedding(src))", "embedded = self.dropout(self.embedding(src.T))",
          "1: a crash (batch-first)"),
         ("decoder", "input = input.unsqueeze(0)", "input = input.unsqueeze(1)", "2: a crash (wrong unsqueeze)"),
         ("seq2seq", "outputs[t] = output", "outputs[t - 1] = output", "3: outputs shifted by one"),
         ("init_count", "return sum(p.numel() for p in model.parameters() if p.requires_grad)",
          "return sum(p.numel() for p in model.parameters())", "4: frozen parameters counted"),
         ("gru_model", "outputs, hidden = self.rnn(embedded)", "outputs, hidden = self.rnn(embedded.flip(0))",
          "6: the source read backwards again")],
    ],
    "lab5_attention": [
        [("attention", "attention.masked_fill(mask == 0, -1e10)", "attention.masked_fill(mask == 1, -1e10)",
          "1: the mask inverted"),
         ("encoder", "torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)",
          "torch.cat((hidden[-1, :, :], hidden[-1, :, :]), dim=1)", "2: the backward direction dropped"),
         ("decoder", "a = a.unsqueeze(1)", "a = a.unsqueeze(2)", "3: a crash (bmm shapes)"),
         ("seq2seq", "mask = (src != self.src_pad_idx).permute(1, 0)", "mask = (src != self.src_pad_idx)",
          "4: the mask not transposed"),
         ("sdpa", "/ math.sqrt(query.shape[-1])", "/ query.shape[-1]", "8: scaled by d, not sqrt(d)")],
        [("attention", "return F.softmax(attention, dim=1)", "return F.softmax(attention, dim=0)",
          "1: softmax over the batch"),
         ("encoder", "src_len.to(\"cpu\"), enforce_sorted=False", "src_len.to(\"cpu\")",
          "2: a crash (unsorted lengths)"),
         ("decoder", "weighted = weighted.permute(1, 0, 2)", "weighted = weighted.permute(0, 1, 2)",
          "3: a crash (the context not time-major)"),
         ("seq2seq", "input = trg[t] if teacher_force else top1", "input = trg[t]", "4: always teacher forced"),
         ("sdpa", "return torch.tril(torch.ones(size, size, dtype=torch.bool))",
          "return torch.triu(torch.ones(size, size, dtype=torch.bool))", "8: the causal mask upside down")],
    ],
    "lab6_transformer": [
        [("positions", "table[:, 1::2] = torch.cos(position * rates)", "table[:, 1::2] = torch.sin(position * rates)",
          "1: sin where cos belongs"),
         ("training_parts", "loss = (1 - smoothing) * nll + smoothing * uniform", "loss = nll + smoothing * uniform",
          "4: the (1 - eps) missing"),
         ("decoding", "next_token = model.decode(ys, memory, src_mask)[-1].argmax(-1)",
          "next_token = model.decode(ys, memory, src_mask)[0].argmax(-1)", "5: the first position, not the last")],
        [("positions", "table.float()", "table.float()[None]", "1: an extra dimension (shape)"),
         ("training_parts", "return d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)",
          "return d_model ** -0.5 * max(step ** -0.5, step * warmup ** -1.5)", "4: max for min in the schedule"),
         ("decoding", "done |= next_token == eos_index", "done = next_token == eos_index",
          "5: a sentence that ended starts again")],
    ],
}


def planted(lab: str, run: int) -> nbformat.NotebookNode:
    """The built solution of ``lab`` with run ``run``'s mistakes planted (each must match exactly once)."""
    nb = nbformat.read(ROOT / "labs" / "solution" / f"{lab}.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for grade_id, correct, mistaken, _ in MISTAKES[lab][run]:
        cell = cells[grade_id]
        if cell.source.count(correct) != 1:
            raise SystemExit(f"{lab} run {run}: {correct!r} is in cell {grade_id} {cell.source.count(correct)} times")
        cell.source = cell.source.replace(correct, mistaken)
    return nb


def feedback(nb: nbformat.NotebookNode) -> list[str]:
    """Every ✘ block (its text) and every error a cell stopped with, in order, with its cell's grade id."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "(unnamed cell)")
        for out in cell.outputs:
            text = out.get("data", {}).get("text/plain", "") if out.output_type == "display_data" else ""
            if text.startswith("✘") or "\ntotal " in text:
                lines.append(f"[{gid}] {text}")
            elif out.output_type == "error":
                lines.append(f"[{gid}] the cell stopped: {out.ename}: {out.evalue}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lab", choices=sorted(MISTAKES))
    parser.add_argument("--run", type=int, choices=(0, 1), default=0)
    parser.add_argument("--profile", default="fast")
    args = parser.parse_args(argv)
    print(f"{args.lab}, run {args.run}, profile {args.profile}; mistakes:")
    for grade_id, _, _, what in MISTAKES[args.lab][args.run]:
        print(f"  - {what} (cell {grade_id})")
    result = execute_notebook(planted(args.lab, args.run), mode="student", profile=args.profile, timeout=1200)
    print(f"ran in {result.seconds:.0f} s")
    print("\n".join(feedback(result.nb)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
