"""Using a trained siamese network: load it, score states, tabulate S~ of every state.

``S~(X)`` is the subnetwork output for the state X (eval mode, no dropout); ``X <_DNN Y`` iff
``S~(X) <= S~(Y)``. Images are scaled by :func:`thermolearn.paper_a.siamese.model.to_input`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import torch

from ...io import ArtifactError, write_csv
from ...jobs import progress
from ..render import load_images
from .model import SiameseNet, resolve_device, score_tensor

log = logging.getLogger(__name__)


def load_model(path: str | Path, size: int, n_frames: int, device: str | torch.device = "cpu"
               ) -> SiameseNet:
    """A trained :class:`SiameseNet` in eval mode from its state_dict (``weights_only=True``).

    Parameters
    ----------
    path : ``results/paper_a/model/siamese.pt``
    size, n_frames : image side and frames per state the model was trained on.

    Raises
    ------
    ArtifactError
        Naming ``path`` when it is missing, unreadable or made for another size/frame count.
    """
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"{path}: model missing")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - re-raised naming the file
        raise ArtifactError(f"{path}: unreadable model ({type(exc).__name__}: {exc})") from None
    model = SiameseNet(size, n_frames)
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as exc:
        raise ArtifactError(f"{path}: not a SiameseNet for size {size}, {n_frames} frames "
                            f"({exc})") from None
    return model.to(device).eval()


def score_images(model: SiameseNet, img_sfhw_uint8: np.ndarray | torch.Tensor,
                 device: str | torch.device = "cpu", batch_size: int = 256) -> np.ndarray:
    """S~ of every state of a uint8 stack.

    Parameters
    ----------
    model : a trained network (moved to ``device``).
    img_sfhw_uint8 : uint8, shape (S, F, H, W) (a memory map is read batch by batch).
    device : where to run.
    batch_size : states per forward pass.

    Returns
    -------
    np.ndarray, float32, shape (S,)
    """
    model = model.to(device)
    return score_tensor(model, img_sfhw_uint8, batch_size=batch_size, device=device).numpy()


def score_processes(model: SiameseNet, states: pd.DataFrame, image_paths: Mapping[str, str | Path],
                    device: str | torch.device = "cpu", batch_size: int = 256,
                    show_progress: bool = True) -> pd.DataFrame:
    """``states`` (one row per state) with a column ``S`` = S~ of each state.

    Row order is kept; states of a process are matched to its image stack by ``state``.
    """
    out = states.copy()
    out["S"] = np.nan
    size, n_frames = model.size, model.n_frames
    procs = list(dict.fromkeys(states["process"]))
    with progress(len(procs), "score states", unit="process", disable=not show_progress) as bar:
        for proc in procs:
            rows = states.index[states["process"] == proc]
            order = states.loc[rows, "state"].to_numpy()
            if proc not in image_paths:
                raise ArtifactError(f"no image file for process {proc}")
            img = load_images(image_paths[proc], size=size, n_frames=n_frames, n_states=len(rows))
            if sorted(order) != list(range(len(rows))):
                raise ArtifactError(f"{image_paths[proc]}: states of {proc} in states.csv are "
                                    f"not 0..{len(rows) - 1}")
            out.loc[rows, "S"] = score_images(model, img, device, batch_size)[order]
            bar.update(1)
    return out


def run_scores_job(model_path: str | Path, states_csv: str | Path,
                   image_paths: Mapping[str, str | Path], size: int, n_frames: int,
                   device_name: str, batch_size: int, out: str | Path) -> pd.DataFrame:
    """The ``paper_a_scores`` rule: ``scores.csv`` = states.csv columns + ``S``."""
    device = resolve_device(device_name)
    model = load_model(model_path, size, n_frames, device)
    table = score_processes(model, pd.read_csv(states_csv), image_paths, device, batch_size)
    write_csv(out, table)
    log.info("scored %d states of %d processes; S~ in [%.3f, %.3f]", len(table),
             table["process"].nunique(), table["S"].min(), table["S"].max())
    return table


#: The network shipped with the package: a committed run's trained Paper A network, its
#: ``metrics.json`` (config hash, code version, test metrics) and a README naming the run.
SHIPPED_DIR = Path(__file__).with_name("shipped")


def score_file(images_path: str | Path, model_path: str | Path | None = None,
               batch_size: int = 256) -> np.ndarray:
    """S~ of every state in one image array, with a given or the shipped network.

    Parameters
    ----------
    images_path : a process's image array, uint8 (S, F, H, W) (``results/<preset>/paper_a/images/``).
    model_path : a ``siamese.pt`` state_dict; None takes the shipped network (``SHIPPED_DIR``).
    batch_size : states per forward pass.

    Returns
    -------
    np.ndarray, float32, shape (S,): S~ of each state, in the array's order.

    Raises
    ------
    ArtifactError
        Naming the file when the images or the model are missing or unreadable, or when the
        model was trained on another image size or frame count than the images have.
    """
    img_sfhw = load_images(images_path)
    path = Path(model_path) if model_path is not None else SHIPPED_DIR / "siamese.pt"
    n_frames, size = img_sfhw.shape[1], img_sfhw.shape[2]
    model = load_model(path, size, n_frames)
    return score_images(model, img_sfhw, batch_size=batch_size)
