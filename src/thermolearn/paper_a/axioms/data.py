"""What every axiom analysis starts from: the test states, their images, and the trained network.

``X <_DNN Y`` iff ``S~(X) <= S~(Y)`` (Paper A, Sec. IV A); S~ of the test states comes from
``results/paper_a/model/scores.csv``, S~ of constructed images from :class:`Scorer` (the same
network, :func:`thermolearn.paper_a.siamese.infer.score_images`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ...io import ArtifactError
from ...jobs import progress
from ..render import load_images
from ..siamese.infer import load_model, score_images
from ..siamese.model import resolve_device
from .constructions import gas_width_px

log = logging.getLogger(__name__)

STATE_KEYS = ["process", "state", "N", "Lx", "V", "U", "S"]


@dataclass
class TestStates:
    """The test states in one table, their images memory-mapped per process.

    Attributes
    ----------
    table : DataFrame, one row per state (index 0..n-1)
        ``process, state, N, Lx, V, U, S`` (scores.csv) plus ``w_gas`` (gas width in pixels).
    images : dict process -> uint8 memmap (S, F, H, W)
    """

    table: pd.DataFrame
    images: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.table)

    @property
    def S(self) -> np.ndarray:
        return self.table["S"].to_numpy(np.float64)

    def img(self, idx: int) -> np.ndarray:
        """The state ``idx``'s images, uint8 (F, H, W)."""
        row = self.table.iloc[int(idx)]
        return np.asarray(self.images[row["process"]][int(row["state"])])

    def imgs(self, idx) -> np.ndarray:
        """Images of several states, uint8 (len(idx), F, H, W)."""
        return np.stack([self.img(i) for i in idx])


def load_test_states(scores_csv: str | Path, image_paths: Mapping[str, str | Path], L: float,
                     size: int, n_frames: int) -> TestStates:
    """Test states of ``scores.csv`` with their images.

    Parameters
    ----------
    scores_csv : path
        ``results/paper_a/model/scores.csv`` (states.csv columns + ``S``).
    image_paths : mapping process -> ``results/paper_a/images/<process>.npy``
        At least every test process.
    L, size, n_frames : container side, image side, frames per state.

    Raises
    ------
    ArtifactError
        Naming the file when a test process has no images, or states and images disagree.
    """
    scores = pd.read_csv(scores_csv)
    missing = {"split", *STATE_KEYS} - set(scores.columns)
    if missing:
        raise ArtifactError(f"{scores_csv}: lacks columns {sorted(missing)}")
    test = scores[scores["split"] == "test"].sort_values(["process", "state"])
    if test.empty:
        raise ArtifactError(f"{scores_csv}: no test states")
    table = test[STATE_KEYS].reset_index(drop=True)
    table["w_gas"] = gas_width_px(table["Lx"].to_numpy(), L, size)
    images = {}
    for proc, grp in table.groupby("process"):
        if proc not in image_paths:
            raise ArtifactError(f"no image file for test process {proc}")
        img = load_images(image_paths[proc], size=size, n_frames=n_frames)
        if img.shape[0] <= grp["state"].max():
            raise ArtifactError(f"{image_paths[proc]}: {img.shape[0]} states, but "
                                f"{scores_csv} has state {grp['state'].max()} of {proc}")
        images[proc] = img
    if not np.isfinite(table["S"]).all():
        raise ArtifactError(f"{scores_csv}: non-finite S~ among the test states")
    return TestStates(table, images)


def subsample(n: int, n_max: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of at most ``n_max`` of ``n`` items (all of them when ``n <= n_max``)."""
    if n <= n_max:
        return np.arange(n)
    return np.sort(rng.choice(n, size=n_max, replace=False))


class Scorer:
    """S~ of constructed images with the trained network.

    Parameters
    ----------
    model_path : ``results/paper_a/model/siamese.pt``
    size, n_frames : the images the model was trained on.
    device : ``auto`` | ``cpu`` | ``cuda`` (config ``paper_a.train.device``).
    batch_size : states per forward pass (config ``paper_a.train.eval_batch_size``).
    """

    def __init__(self, model_path: str | Path, size: int, n_frames: int, device: str = "auto",
                 batch_size: int = 256):
        self.device = resolve_device(device)
        self.model = load_model(model_path, size, n_frames, self.device)
        self.batch_size = int(batch_size)
        log.info("scoring on %s, %d states per pass", self.device, self.batch_size)

    def __call__(self, img_sfhw: np.ndarray) -> np.ndarray:
        """S~ of a uint8 stack (S, F, H, W) -> float64 (S,)."""
        if len(img_sfhw) == 0:
            return np.zeros(0)
        return score_images(self.model, img_sfhw, self.device, self.batch_size).astype(np.float64)

    def map(self, n: int, build: Callable[[np.ndarray], np.ndarray], desc: str) -> np.ndarray:
        """S~ of ``n`` constructed states, built ``batch_size`` at a time.

        Parameters
        ----------
        n : number of states.
        build : callable
            ``build(idx)`` -> uint8 (len(idx), F, H, W) for an index array ``idx``.
        desc : progress-bar label.
        """
        out = np.empty(n)
        with progress(n, desc, unit="img") as bar:
            for start in range(0, n, self.batch_size):
                idx = np.arange(start, min(n, start + self.batch_size))
                out[idx] = self(build(idx))
                bar.update(len(idx))
        return out
