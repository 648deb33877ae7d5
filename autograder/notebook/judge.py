"""Judging reported values against the answer key: the one function the grader and the tests use.

Rules (docs/architecture.md, "Judging"):

* ``close``/``equal`` -> ``verify(reported, make_token(key value, rtol, atol, salt))``;
* ``below``/``above`` -> the key's bound for the grading profile (and, for a
  bound by data, the data of the grading conditions' folder), strict;
* ``agreement``       -> ``values.agreement(reported, key target) >= at_least``;
* a block earns its points iff its block event has no error and every check
  the key lists for it was reported and judged correct.

Each rule is the ``autograder.notebook.checks.verdict_*`` function the student's kernel
runs, fed from the key instead of the token table, so the notebook tally and
the CI grade agree by construction (docs/design.md, rule 2).

Typical use in the grader::

    events = autograder.core.events.events_in_notebook(executed_nb, cells=restored)
    results = judge_events(key, events, profile="fast")
    score = sum(r.earned for r in results.values())
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from autograder.core import tokens, values
from autograder.notebook.checks import ATOL, RTOL, verdict_agreement, verdict_bound, verdict_token
from autograder.core.mode import resolve_bound
from autograder.notebook.parts import and_list
from autograder.core.messages import _

NOT_REPORTED = "not reported: the check did not run (an earlier error in its cell?)"
BLOCK_NOT_RUN = "the block did not run"


@dataclass
class BlockJudgement:
    """The grader's verdict on one block."""

    block: str
    points: float  # from the key: what the block is worth
    earned: float  # points or 0
    error: str | None  # the block event's error, or BLOCK_NOT_RUN
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # check id -> {"ok": bool, "message": str}
    note: str | None = None  # "uses your X, which failed above: fix it first" (from the block event's `uses`)

    @property
    def ok(self) -> bool:
        return self.earned == self.points

    def messages(self) -> list[str]:
        """What went wrong, one line each (empty for a block earned in full)."""
        out = [self.note] if self.note else []
        out += [self.error] if self.error else []
        out += [f"{cid}: {c['message']}" for cid, c in self.checks.items() if not c["ok"]]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "messages": self.messages()}


def key_token(key_entry: Mapping[str, Any]) -> str:
    """The token of a hashed (``close``/``equal``) key entry: its reference value, tolerance and salt.

    The build writes these tokens into the notebooks and the judge compares
    reported values with them, so the notebook tally and the CI grade are one
    computation (docs/design.md, rule 2).
    """
    return tokens.make_token(values.decode(key_entry["value"]), rtol=float(key_entry.get("rtol", RTOL)),
                             atol=float(key_entry.get("atol", ATOL)), salt=key_entry.get("salt", ""))


def judge_check(key_entry: Mapping[str, Any], reported_value: Any, *, profile: str,
                data_dir: Path | str | None = None) -> tuple[bool, str]:
    """Judge one decoded reported value against its key entry: ``(ok, message)``.

    ``key_entry`` is ``key["checks"][check_id]``; ``reported_value`` is the
    student's value already decoded (``values.decode(report["value"])``);
    ``profile`` is the grading profile and ``data_dir`` the grading conditions'
    data folder (``None``: embedded data), used by ``below``/``above`` and
    ``agreement`` only. The data come from the grader's conditions (whose
    folder the key's fingerprint fixes), never from the notebook.
    """
    kind = key_entry["kind"]
    if kind in ("close", "equal"):
        message = verdict_token(reported_value, key_token(key_entry))
    elif kind in ("below", "above"):
        bound = resolve_bound(key_entry["bound"], profile=profile, data_dir=data_dir)
        message = verdict_bound(reported_value, bound, kind=kind,
                                possible=key_entry.get("possible"))
    elif kind == "agreement":
        message = verdict_agreement(reported_value, values.decode(key_entry["target"]),
                                    at_least=resolve_bound(key_entry["at_least"], profile=profile, data_dir=data_dir))
    else:
        raise ValueError(f"unknown check kind {kind!r} in the key")
    return (message is None, message or "ok")


def judge_report(key_entry: Mapping[str, Any], report: Mapping[str, Any] | None, *, profile: str,
                 data_dir: Path | str | None = None) -> tuple[bool, str]:
    """Judge one report event (or ``None`` when the check never reported): ``(ok, message)``."""
    if report is None:
        return False, _(NOT_REPORTED)
    if report.get("error"):
        return False, _("the value could not be read: {error}").format(error=report["error"])
    try:
        value = values.decode(report["value"])
    except Exception as exc:  # a malformed report is wrong, not a grader crash
        return False, _("the value could not be read: {error}").format(error=f"{type(exc).__name__}: {exc}")
    return judge_check(key_entry, value, profile=profile, data_dir=data_dir)


def judge_block(key: Mapping[str, Any], block_id: str, *, block_event: Mapping[str, Any] | None,
                reports: Mapping[str, list[Mapping[str, Any]]], profile: str,
                data_dir: Path | str | None = None) -> BlockJudgement:
    """Judge one block of ``key``.

    ``block_event`` is the block's (last) block event or ``None``; ``reports``
    maps check id -> its report events. A check reported more than once (in a
    loop) must be right every time, as in the student's kernel, where the
    first failure fails the block.
    """
    spec = key["blocks"][block_id]
    points = float(spec["points"])
    error = _(BLOCK_NOT_RUN) if block_event is None else block_event.get("error")
    checks = {}
    for cid in spec.get("checks", []):
        entry = key["checks"][cid]
        verdicts = [judge_report(entry, r, profile=profile, data_dir=data_dir) for r in reports.get(cid, [])] or [
            judge_report(entry, None, profile=profile, data_dir=data_dir)]
        bad = [m for ok, m in verdicts if not ok]
        checks[cid] = {"ok": not bad, "message": bad[0] if bad else "ok"}
    earned = points if error is None and all(c["ok"] for c in checks.values()) else 0.0
    return BlockJudgement(block=block_id, points=points, earned=earned, error=error, checks=checks)


def judge_events(key: Mapping[str, Any], events: Iterable[Mapping[str, Any]], *,
                 profile: str, data_dir: Path | str | None = None) -> dict[str, BlockJudgement]:
    """Judge every block of ``key`` from a notebook's events: ``{block id: BlockJudgement}`` in key order.

    ``events`` are the events of the cells the grader trusts (see
    ``autograder.core.events.events_in_notebook``); ``record`` and ``summary``
    events are ignored. A block re-run keeps its last block event.
    """
    block_events: dict[str, Mapping[str, Any]] = {}
    reports: dict[str, list[Mapping[str, Any]]] = {}
    for e in events:
        if e.get("event") == "block":
            block_events[e["block"]] = e
        elif e.get("event") == "report":
            reports.setdefault(e["check"], []).append(e)
    judged = {b: judge_block(key, b, block_event=block_events.get(b), reports=reports, profile=profile,
                                 data_dir=data_dir)
              for b in key["blocks"]}
    for block_id, judgement in judged.items():
        uses = (block_events.get(block_id) or {}).get("uses") or []
        if not judgement.ok and isinstance(uses, list):
            failed = [u for u in uses if isinstance(u, str) and u in judged and not judged[u].ok]
            not_run = [u for u in failed if judged[u].error == _(BLOCK_NOT_RUN)]
            ran = [u for u in failed if u not in not_run]
            notes = []
            if ran:
                notes.append((_("uses your {blocks}, which failed above: fix it first") if len(ran) == 1
                              else _("uses your {blocks}, which failed above: fix them first"))
                             .format(blocks=and_list(ran)))
            if not_run:
                notes.append((_("uses your {blocks}, which did not run: run its cell first") if len(not_run) == 1
                              else _("uses your {blocks}, which did not run: run their cells first"))
                             .format(blocks=and_list(not_run)))
            judgement.note = "; ".join(notes) or None
    return judged
