"""The project's wheel, built offline from a copy of the tracked files (one home for the tests that need it)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT


def tracked_copy(dest: Path) -> Path:
    """Copy every file git tracks (plus what is staged or new and not ignored) to ``dest``: a clean tree."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                           capture_output=True, text=True, check=True).stdout
    for name in files.splitlines():
        if (REPO_ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, dest / name)
    return dest


def build_wheel(tmp: Path) -> Path:
    """Build the wheel from a tracked copy of the repository under ``tmp``; its path."""
    tree, dist = tracked_copy(tmp / "tree"), tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-q", "-w", str(dist), str(tree)], check=True, env={**os.environ, "PIP_NO_INPUT": "1"})
    (path,) = dist.glob("seqlabs-*.whl")
    return path
