"""The grader side of the sealed event channel (kernel side: ``autograder.kernel.seal``).

``Channel.open(cells, restored)`` makes two pipes: the kernel reads its
configuration (a fresh MAC key, every cell's source, which cells are restored)
from one at start, and writes its records to the other, which a thread here
drains. ``Channel.verdict(kernel_alive)`` checks every record (MAC, sequence,
a single final ``end``) and returns the trusted events and the evidence of
tampering, each with its position in the record order.
"""
from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from autograder.kernel import seal

MAX_BYTES = 256 << 20  # of records kept from one kernel; a kernel that floods the channel is not trusted


@dataclass
class Verdict:
    """What the channel says about one run."""

    events: list[dict[str, Any]] = field(default_factory=list)  # trusted, with "_cell", "_seq", "_taint"
    tampering: list[dict[str, Any]] = field(default_factory=list)  # {"seq", "cell", "what", "detail"}
    broken: str = ""  # why the whole record cannot be trusted ("" when it can)


class Channel:
    """Two pipes to one kernel; see the module docstring."""

    def __init__(self, cells: dict[int, str], restored: set[int]) -> None:
        self._key = secrets.token_bytes(32)
        config = json.dumps({"key": self._key.hex(), "cells": {str(i): s for i, s in cells.items()},
                             "restored": sorted(restored)}).encode()
        self.config_r, config_w = os.pipe()
        self.channel_r, self.channel_w = os.pipe()
        self._config, self._config_w = config, config_w
        self._lines: list[bytes] = []
        self._flooded = False
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._writer = threading.Thread(target=self._feed, daemon=True)

    def env(self) -> dict[str, str]:
        return {seal.CONFIG_FD_ENV: str(self.config_r), seal.CHANNEL_FD_ENV: str(self.channel_w)}

    def fds(self) -> tuple[int, int]:
        return (self.config_r, self.channel_w)

    def started(self) -> None:
        """Call once the kernel process exists: close our copies of its ends, start feeding and draining."""
        os.close(self.config_r)
        os.close(self.channel_w)
        self._writer.start()
        self._reader.start()

    def _feed(self) -> None:
        try:
            data = self._config
            while data:
                data = data[os.write(self._config_w, data):]
        except OSError:
            pass
        finally:
            os.close(self._config_w)

    def _drain(self) -> None:
        buf, kept = b"", 0
        try:
            while True:
                chunk = os.read(self.channel_r, 1 << 16)
                if not chunk:
                    break
                kept += len(chunk)
                if kept > MAX_BYTES:  # keep draining (the kernel must not block), keep nothing
                    self._flooded, buf = True, b""
                    continue
                buf += chunk
                *lines, buf = buf.split(b"\n")
                self._lines.extend(lines)
        except OSError:
            pass
        if buf:
            self._lines.append(buf)

    def close(self, timeout: float = 5.0) -> None:
        """Wait for the kernel's end of the channel to close (the kernel is dead), then close ours."""
        if self._reader.is_alive():
            self._reader.join(timeout)
        if self._reader.is_alive() or self.channel_r < 0:
            return  # still reading (a kernel that would not die): the daemon thread keeps its fd
        fd, self.channel_r = self.channel_r, -1  # closed once: a reused fd number is someone else's
        try:
            os.close(fd)
        except OSError:
            pass

    def verdict(self, *, kernel_alive: bool) -> Verdict:
        """Check every record; ``kernel_alive``: the kernel ran to the end (so ``end`` must be there)."""
        out = Verdict()
        if self._flooded:
            out.broken = f"the kernel wrote more than {MAX_BYTES >> 20} MiB to the grader's channel"
        expected, ended = 1, False
        for raw in list(self._lines):
            mac, _, body = raw.decode("utf-8", "replace").partition(" ")
            good = hmac.compare_digest(hmac.new(self._key, body.encode(), "sha256").hexdigest(), mac)
            if not good:
                out.broken = out.broken or f"a record on the grader's channel failed its check (forged): {body[:80]!r}"
                continue
            record = json.loads(body)
            if record.get("seq") != expected:
                out.broken = out.broken or "records on the grader's channel are missing or out of order"
            expected = record.get("seq", expected) + 1
            if ended:
                out.broken = out.broken or "records arrived after the end of the run"
            kind = record.get("kind")
            if kind == "end":
                ended = True
            elif kind == "tamper":
                out.tampering.append({k: record.get(k) for k in ("seq", "cell", "what", "detail")})
            elif kind == "event":
                try:
                    payload = json.loads(record["event"])
                except (TypeError, ValueError):
                    continue
                if isinstance(payload, dict):
                    out.events.append({**payload, "_cell": record.get("cell"), "_seq": record["seq"],
                                       "_taint": list(record.get("taint") or [])})
        if kernel_alive and not ended and not out.broken:
            out.broken = ("the grader's channel closed before the end of the run "
                          "(its file descriptor was closed or replaced, or the kernel's machinery patched)")
        return out
