"""Siamese training data with a learnable arrow of time.

Each state's frames hold lit pixels (grey 200) at random places, ``10 + 8 s`` of them per frame
in state ``s`` of its process: a later state is always the brighter one, so a network that
learns to order states has something to learn, and a few epochs of training on 32 px images
order held-out states nearly perfectly.
"""

from __future__ import annotations

import zlib

import numpy as np
import torch

from ..paper_a.siamese.data import StateSet


def arrow_states(n_proc: int, seed: int, size: int = 32, n_frames: int = 5,
                 n_states: int | None = None, device: str | torch.device = "cpu") -> StateSet:
    """Processes whose later states hold more lit pixels.

    Parameters
    ----------
    n_proc : int
        Number of processes (``p000``, ``p001``, ...).
    seed : int
        Seed of the draw.
    size, n_frames : int
        Image side (px) and frames per state.
    n_states : int, optional
        States per process; by default each process draws its own number, 4 to 7.
    device : str or torch.device
        Where the images are held.

    Returns
    -------
    StateSet
        The images (uint8) and their process layout; the fingerprint is the CRC32 of the image
        bytes, as for a run's states.
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for _ in range(n_proc):
        n = int(rng.integers(4, 8)) if n_states is None else n_states
        img = np.zeros((n, n_frames, size, size), np.uint8)
        for s in range(n):
            xy = rng.integers(0, size, (n_frames, 10 + 8 * s, 2))
            for f in range(n_frames):
                img[s, f, xy[f, :, 0], xy[f, :, 1]] = 200
        arrays.append(img)
    img = np.concatenate(arrays)
    n_p = np.array([len(a) for a in arrays])
    return StateSet(torch.from_numpy(img).to(device), np.repeat(np.arange(n_proc), n_p),
                    np.concatenate([[0], np.cumsum(n_p)]),
                    [f"p{i:03d}" for i in range(n_proc)], int(zlib.crc32(img.data)))
