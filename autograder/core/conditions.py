"""Grading conditions: the profile and the data a key was recorded under (docs/architecture.md, "Conditions").

A key is valid only for the conditions it was recorded under: its bounds and
agreement targets were checked against the master's own results there. So the
conditions are data, written into the key by ``autograder build`` and applied
by ``autograder grade`` to every kernel it runs, whatever the grader's own
shell says (``SEQLABS_PROFILE`` and ``SEQLABS_DATA`` in the shell change
nothing).

* ``profile`` -- ``fast``, ``class`` or ``full``.
* ``data`` -- ``"embedded"`` (every lab's built-in data; no ``SEQLABS_DATA``
  in the kernel), or the *fingerprint* of a real-data folder: a SHA-256 over
  the relative path and the content of every file below it. The folder may
  live anywhere on the grading machine; its content must be the same.

The default conditions (``fast``, embedded) are those of the committed
``labs/keys/<lab>.json``; a key for other conditions lives beside it as
``labs/keys/<lab>.<profile>.json`` (embedded data) or
``labs/keys/<lab>.<profile>.data-<first 12 hex digits>.json``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from autograder.core.mode import check_profile

EMBEDDED = "embedded"
DEFAULT_PROFILE = "fast"  # the committed keys' profile: what CI grades
# How long one notebook may take, by profile: the build's limit per cell and the grader's per notebook.
# `fast` notebooks take under a minute and `class` ones minutes on two idle cores; a busy machine is
# several times slower, and `full` runs are hours on a CPU.
TIME_LIMIT_S = {"fast": 600.0, "class": 3600.0, "full": 12 * 3600.0}


@dataclass(frozen=True)
class Conditions:
    """The profile and the data of a key (``data_dir`` is where the data are on this machine)."""

    profile: str = DEFAULT_PROFILE
    data: str = EMBEDDED  # "embedded" or "sha256:<hex>" of the data folder
    data_dir: Path | None = None  # where that folder is here (None for embedded data)

    @classmethod
    def of(cls, *, profile: str | None = None, data_dir: Path | str | None = None) -> "Conditions":
        """The conditions for ``profile`` (default ``fast``) on the data in ``data_dir`` (default: embedded)."""
        profile = check_profile((profile or DEFAULT_PROFILE).strip().lower())
        if data_dir is None or str(data_dir) == "":
            return cls(profile=profile)
        folder = Path(data_dir).expanduser().resolve()
        return cls(profile=profile, data=fingerprint(folder), data_dir=folder)

    def as_key(self) -> dict[str, Any]:
        """What the key records (the folder's path only as a hint for the next reader)."""
        entry: dict[str, Any] = {"profile": self.profile, "data": self.data}
        if self.data_dir is not None:
            entry["data_dir_at_build"] = str(self.data_dir)
        return entry

    @property
    def is_default(self) -> bool:
        return self.profile == DEFAULT_PROFILE and self.data == EMBEDDED

    def describe(self) -> str:
        """``fast profile, embedded data`` / ``class profile, data sha256:1a2b3c4d5e6f (/path)``."""
        data = "embedded data" if self.data == EMBEDDED else f"data {self.data[:19]}"
        where = f" ({self.data_dir})" if self.data_dir else ""
        return f"{self.profile} profile, {data}{where}"

    def key_name(self, lab: str) -> str:
        """The file name of the key for these conditions."""
        if self.is_default:
            return f"{lab}.json"
        data = "" if self.data == EMBEDDED else f".data-{self.data.split(':', 1)[1][:12]}"
        return f"{lab}.{self.profile}{data}.json"

    def build_command(self, lab: str) -> str:
        """The command that builds a key for these conditions."""
        flags = "" if self.profile == DEFAULT_PROFILE else f" --profile {self.profile}"
        flags += f" --data {self.data_dir}" if self.data_dir else ""
        return f"autograder build {lab}{flags}"

    def same_as_key(self, recorded: Mapping[str, Any]) -> bool:
        return recorded.get("profile") == self.profile and recorded.get("data") == self.data

    @property
    def time_limit_s(self) -> float:
        """The default time limit for these conditions (``TIME_LIMIT_S``)."""
        return TIME_LIMIT_S[self.profile]

    def kernel_env(self) -> dict[str, str]:
        """What a kernel gets for the data: ``SEQLABS_DATA`` for a real-data folder, nothing for embedded."""
        return {"SEQLABS_DATA": str(self.data_dir)} if self.data_dir is not None else {}


def describe_recorded(recorded: Mapping[str, Any]) -> str:
    """``describe()`` for the conditions a key records."""
    data = recorded.get("data", "?")
    text = "embedded data" if data == EMBEDDED else f"data {str(data)[:19]}"
    where = recorded.get("data_dir_at_build")
    return f"{recorded.get('profile', '?')} profile, {text}" + (f" (built from {where})" if where else "")


def key_profile(key: Mapping[str, Any]) -> str:
    """The profile a key was recorded under (keys of format 1 recorded it at the top level)."""
    return key.get("conditions", {}).get("profile") or key.get("profile") or DEFAULT_PROFILE


def key_data_dir(key: Mapping[str, Any]) -> Path | None:
    """The data folder a key was built from (``None``: embedded data): for the build's own checks only.

    A bound by data is resolved on it while the build verifies the master and
    the release (``autograder.core.mode.resolve_bound``); the grader uses the folder
    of its grading conditions instead, which the fingerprint ties to the same content.
    """
    where = key.get("conditions", {}).get("data_dir_at_build")
    return Path(where) if where else None


def fingerprint(folder: Path) -> str:
    """``sha256:<hex>`` over every file below ``folder`` (relative path and content), in sorted order.

    Raises ``FileNotFoundError`` naming the folder when it is not a folder or holds no file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {folder} does not exist: point --data at the folder that holds "
                                "the real data sets (e.g. multi30k/train.de.gz)")
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise FileNotFoundError(f"data folder {folder} holds no file")
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.relative_to(folder).as_posix()}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()
