"""The torch device a training or inference job runs on."""

from __future__ import annotations

import torch


def resolve_device(name: str, key: str) -> torch.device:
    """``auto`` -> cuda when available, else cpu; ``cpu``/``cuda`` as given.

    Asking for ``cuda`` without a GPU is an error naming the config key ``key``.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"config key '{key}': 'cuda' requested but no CUDA device is "
                           "available (use 'auto' to fall back to the CPU, or 'cpu')")
    return torch.device(name)
