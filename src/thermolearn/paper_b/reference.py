"""The published side of Paper B: its Tables 2 and 3, its training log and its trained weights.

The weights and the log are in ``data/reference/lier2025`` (``paper_b.reference_dir``; the
source and its MIT licence beside them) and are read, never written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import torch

from .deepsets import DeepSets

HIDDEN = (16, 32, 64)

#: Table 2 of the paper: final tilted loss, final untilted loss, critical epoch.
PAPER_TABLE2 = pd.DataFrame({
    "hidden": [16, 32, 64],
    "final_tilted_loss": [9.50e-6, 1.7283e-4, 3.145e-5],
    "final_untilted_loss": [-1.418e-5, -1.11001e-3, -3.8164e-4],
    "critical_epoch": [95, 105, 111],
})

#: Table 3 of the paper (on its training runs): mean MSE, mean a, mean b, CV of a and b.
PAPER_TABLE3 = pd.DataFrame({
    "hidden": [16, 32, 64],
    "mse_mean": [0.0429, 0.0155, 0.0171],
    "a_mean": [-448.216, -4.622, -14.885],
    "b_mean": [-9452.722, 1104.860, -380.249],
    "a_cv": [0.0430, 0.0487, 0.0215],
    "b_cv": [0.0433, 0.0462, 0.0221],
})

WEIGHT_FILE = "deepsets_h{hidden}.pt"
LOG_FILE = "training_log.txt"
#: The order of the three trainings in the published log (its "runs" 161z, 162z, 16z).
LOG_ORDER = (16, 32, 64)

_EPOCH_RE = re.compile(
    r"Epoch\s+(\d+):\s+Loss:\s+([-+0-9.eE]+),\s+⟨Δh⟩=([-+0-9.eE]+),\s+Loss0:\s+([-+0-9.eE]+)")


def weight_path(reference_dir: str | Path, hidden: int) -> Path:
    return Path(reference_dir) / WEIGHT_FILE.format(hidden=hidden)


def load_reference_model(reference_dir: str | Path, hidden: int) -> DeepSets:
    """The published weights for width ``hidden`` in our :class:`DeepSets` (on the CPU).

    Raises
    ------
    FileNotFoundError, RuntimeError
        Naming the file when it is missing or its keys/shapes do not fit the model.
    """
    return load_weights_file(weight_path(reference_dir, hidden), hidden)


def load_weights_file(path: str | Path, hidden: int) -> DeepSets:
    """A published state_dict file (keys phi.0, phi.2, rho.0, rho.2) in our model class."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: reference weights missing (config key "
                                "'paper_b.reference_dir')")
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = DeepSets(hidden)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise RuntimeError(f"{path}: does not fit DeepSets(hidden={hidden}): {exc}") from None
    return model


def parse_training_log(path: str | Path) -> pd.DataFrame:
    """The published training log as a table.

    Returns
    -------
    DataFrame
        Columns ``hidden``, ``epoch`` (from 1), ``tilted_loss``, ``untilted_loss``,
        ``mean_dh_last_batch``; the three trainings in :data:`LOG_ORDER`.
    """
    rows, block = [], -1
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = _EPOCH_RE.search(line)
        if not m:
            continue
        epoch = int(m.group(1))
        if epoch == 0:
            block += 1
        if not 0 <= block < len(LOG_ORDER):
            raise ValueError(f"{path}: more trainings than the expected {len(LOG_ORDER)}")
        rows.append({"hidden": LOG_ORDER[block], "epoch": epoch + 1,
                     "tilted_loss": float(m.group(2)), "untilted_loss": float(m.group(4)),
                     "mean_dh_last_batch": float(m.group(3))})
    if not rows:
        raise ValueError(f"{path}: no 'Epoch ...' lines")
    return pd.DataFrame(rows)
