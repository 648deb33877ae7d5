"""One call to make a lab run repeatable: seed Python, NumPy and torch."""
from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, *, deterministic: bool = True) -> int:
    """Seed ``random``, NumPy's global generator and torch (CPU and CUDA); return ``seed``.

    With ``deterministic=True`` (default) torch is also asked for deterministic
    algorithms (``torch.use_deterministic_algorithms(True, warn_only=True)``,
    cuDNN deterministic, no cuDNN benchmark), so that two runs of a lab cell
    with the same seed give the same numbers on the same machine.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses; this process's hash seed is fixed at start
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return seed
