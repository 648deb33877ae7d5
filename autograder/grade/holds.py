"""Blocks held for review: what the seal's evidence of tampering costs, until an instructor releases it.

A held block earns nothing and says why (``held``: the evidence, ``would_earn``:
what the grader judged it worth). Which blocks are held:

* every block, when the channel's record as a whole cannot be trusted
  (a forged or missing record, no ``end``: ``Execution.broken``);
* a block any of whose events was *tainted* (something the check relies on
  was replaced when it reported);
* every block that reported after the first *tamper* record (code that can
  forge or rewrite what follows ran at that point; blocks judged before it
  keep their marks).

``release(result)`` (``autograder grade --release STUDENT``) gives a held
block the marks it was judged to earn; the evidence stays in ``review``.
"""
from __future__ import annotations

from typing import Any, Mapping

HELD = "held for review: {why}"


def _where(t: Mapping[str, Any]) -> str:
    cell = t.get("cell")
    return (f"cell {cell}: " if isinstance(cell, int) and cell >= 0 else "") + f"{t['what']} ({t['detail']})"


def holds(key: Mapping[str, Any], run: Any) -> dict[str, list[str]]:
    """``{block id: evidence}`` for every block the run's evidence puts on hold."""
    if run.broken:
        return {b: [run.broken] for b in key["blocks"]}
    block_of = {cid: e.get("block") for cid, e in key["checks"].items()}
    held: dict[str, list[str]] = {}
    first = run.tampering[0] if run.tampering else None
    for e in run.events:
        block = e.get("block") if e.get("event") == "block" else block_of.get(e.get("check"))
        if block not in key["blocks"]:
            continue
        if e.get("_taint"):
            held.setdefault(block, []).extend(f"cell {e.get('_cell')}: {t}" for t in e["_taint"])
        if first is not None and e.get("_seq", 0) > first["seq"]:
            held.setdefault(block, []).append(_where(first))
    return {b: list(dict.fromkeys(v))[:5] for b, v in held.items()}


def apply(blocks: dict[str, dict[str, Any]], held: Mapping[str, list[str]]) -> None:
    """Put ``held`` blocks on hold in ``blocks`` (block id -> its result dict), in place."""
    for block_id, evidence in held.items():
        b = blocks.get(block_id)
        if b is None:
            continue
        b["would_earn"], b["earned"], b["ok"] = b["earned"], 0.0, False
        b["held"] = evidence
        b["messages"] = [HELD.format(why="; ".join(evidence)), *b.get("messages", [])]


def release(result: dict[str, Any]) -> dict[str, Any]:
    """The result with every held block given what it was judged to earn (an instructor's decision)."""
    out = {**result, "blocks": {k: dict(v) for k, v in result["blocks"].items()}}
    released = []
    for block_id, b in out["blocks"].items():
        if "held" in b:
            b["earned"] = b.pop("would_earn", 0.0)
            b["ok"] = b["earned"] == b["points"]
            b["messages"] = [m for m in b.get("messages", []) if not m.startswith("held for review")]
            b["released"] = b.pop("held")
            released.append(block_id)
    if released:
        out["score"] = float(sum(b["earned"] for b in out["blocks"].values()))
        out["status"] = "graded" if out["status"] == "held" else out["status"]
        out["detail"] = "; ".join(x for x in (out.get("detail", ""), f"released by the instructor: "
                                               f"{', '.join(released)}") if x)
    return out
