"""Training data of the siamese network: states, pairs, labels and augmentation.

A *pair* is two distinct states of one process; its label ``y = 1`` when the second state
(X1) is the later one, else 0. Training pairs are drawn afresh every epoch, a fixed number per
training process, with exactly balanced labels; validation and test use *every* pair of states
of each process (no draw, so they are fixed), evaluated from one score per state.

The images of all states are loaded once into one uint8 tensor on the training device; pair
sampling, gathering and augmentation all run there (on the GPU when there is one).

Augmentation is the group D4 x Z2 acting on a state video ``(F, H, W)``: the 8 symmetries of
the square (rotations by multiples of pi/2, optionally after a mirror in x) times time reversal
of the F frames. Element ``g`` in 0..15 is ``rot90^(g % 4) o flip_x^((g // 4) % 2) o
reverse^(g // 8)``; both states of a pair get the same element, labels are unchanged.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from ...io import ArtifactError
from ..render.artifacts import load_images

N_GROUP = 16  # |D4 x Z2|


@dataclass
class StateSet:
    """The states of some processes, images on one device.

    Attributes
    ----------
    img_sfhw : torch.Tensor, uint8, shape (S, F, H, W)
        All states, process after process, each process in time order.
    proc_s : np.ndarray, int, shape (S,)
        Index of each state's process in ``processes``.
    offsets : np.ndarray, int, shape (P + 1,)
        States of process p are ``offsets[p]:offsets[p + 1]``.
    processes : list of str
        Process ids.
    fingerprint : int
        CRC32 of the image bytes (identifies the data a checkpoint was trained on).
    """

    img_sfhw: torch.Tensor
    proc_s: np.ndarray
    offsets: np.ndarray
    processes: list[str]
    fingerprint: int

    @property
    def n_states_p(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def order_s(self) -> np.ndarray:
        """Time index of each state within its process, shape (S,)."""
        return np.arange(len(self.proc_s)) - self.offsets[self.proc_s]


def load_states(states: pd.DataFrame, image_paths: Mapping[str, str | Path],
                processes: Sequence[str], device: torch.device | str = "cpu",
                n_frames: int | None = None, size: int | None = None) -> StateSet:
    """Load the images of ``processes`` once into a :class:`StateSet` on ``device``.

    Parameters
    ----------
    states : DataFrame
        ``states.csv`` (columns ``process``, ``state``, ...); its row count per process must
        match the image stack.
    image_paths : mapping process -> path of its ``.npy`` images.
    processes : the processes to load, in this order.
    """
    counts = states.groupby("process").size()
    arrays, fp = [], 0
    for proc in processes:
        if proc not in image_paths:
            raise ArtifactError(f"no image file for process {proc}")
        img = load_images(image_paths[proc], size=size, n_frames=n_frames,
                          n_states=int(counts.get(proc, 0)))
        arr = np.ascontiguousarray(img)
        fp = zlib.crc32(arr.data, fp)
        arrays.append(arr)
    if not arrays:
        raise ValueError("no processes to load")
    n_p = np.array([len(a) for a in arrays])
    offsets = np.concatenate([[0], np.cumsum(n_p)])
    stacked = torch.from_numpy(np.concatenate(arrays)).to(device)
    return StateSet(stacked, np.repeat(np.arange(len(arrays)), n_p), offsets, list(processes),
                    int(fp))


def near_pair_counts(n_states: int, max_gap: int) -> np.ndarray:
    """Unordered pairs of ``n_states`` states in time order at each gap ``d = 1 .. max_gap``.

    Returns
    -------
    numpy.ndarray int64 (min(max_gap, n_states - 1),)
        ``n_states - d`` for each gap ``d`` (states ``i`` and ``i + d``).
    """
    d = np.arange(1, min(int(max_gap), int(n_states) - 1) + 1)
    return (int(n_states) - d).astype(np.int64)


def sample_pairs(n_states_p: np.ndarray, offsets: np.ndarray, n_per_process: int,
                 gen: torch.Generator, device: torch.device | str = "cpu",
                 near_share: float = 0.0, near_gap: int = 2
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random pairs of distinct states of one process, labels exactly balanced.

    Every process with at least two states contributes ``n_per_process`` pairs. The first
    ``round(near_share * n_per_process)`` of them are near pairs, each drawn uniformly from the
    process's pairs at most ``near_gap`` states apart (state indices ``i < j`` with
    ``j - i <= near_gap``); the others are drawn uniformly from all its distinct unordered pairs.
    A random half (exactly ``M // 2`` of the ``M`` pairs) is presented later-state-second
    (``y = 1``), the rest later-state-first. With ``near_share = 0`` (the default) the draws are
    those of the uniform sampler alone.

    Parameters
    ----------
    n_states_p : numpy.ndarray int (P,)
        States per process (in time order).
    offsets : numpy.ndarray int (P + 1,)
        Global index of each process's first state.
    n_per_process : int
        Pairs per process.
    gen : torch.Generator
        The stream every draw comes from.
    near_share : float in [0, 1]
        Share of each process's pairs drawn among near states.
    near_gap : int >= 1
        Largest gap, in states, of a near pair.

    Returns
    -------
    i0, i1 : tensor int64 (M,)
        Global state indices of X0 and X1.
    y : tensor float32 (M,)
        1 where X1 is the later state.
    """
    device = torch.device(device)
    ok = np.flatnonzero(n_states_p >= 2)
    if len(ok) == 0:
        raise ValueError("no process has two states to pair")
    if not 0.0 <= near_share <= 1.0 or near_gap < 1:
        raise ValueError(f"near_share {near_share} must lie in [0, 1] and near_gap {near_gap} >= 1")
    n = torch.as_tensor(np.repeat(n_states_p[ok], n_per_process), device=device)
    base = torch.as_tensor(np.repeat(offsets[ok], n_per_process), device=device)
    m = len(n)
    u = torch.rand(m, generator=gen, device=device, dtype=torch.float64)
    a = (u * n).long().clamp_max(n - 1)
    u = torch.rand(m, generator=gen, device=device, dtype=torch.float64)
    b = (u * (n - 1)).long().clamp_max(n - 2)
    b = b + (b >= a).long()  # uniform over states != a
    early, late = torch.minimum(a, b), torch.maximum(a, b)
    m_near = int(round(near_share * n_per_process))
    if m_near:
        near = torch.as_tensor(np.tile(np.arange(n_per_process) < m_near, len(ok)), device=device)
        k = n.clamp_max(int(near_gap) + 1) - 1  # gaps 1..k exist: k = min(near_gap, n - 1)
        below = lambda j: j * n - j * (j + 1) // 2  # noqa: E731 - pairs with gap < j + 1
        u = torch.rand(m, generator=gen, device=device, dtype=torch.float64)
        r = (u * below(k)).long().clamp_max(below(k) - 1)  # uniform over the near pairs
        d = torch.ones_like(n)
        for j in range(1, int(near_gap)):
            d += ((j < k) & (r >= below(j))).long()
        e_near = r - below(d - 1)
        early = torch.where(near, e_near, early)
        late = torch.where(near, e_near + d, late)
    early, late = early + base, late + base
    y = (torch.randperm(m, generator=gen, device=device) < m // 2)
    i0 = torch.where(y, early, late)
    i1 = torch.where(y, late, early)
    return i0, i1, y.float()


def all_pairs(n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair ``(i, j)``, ``i < j``, of ``n_states`` time-ordered states."""
    i, j = np.triu_indices(n_states, k=1)
    return i, j


def transform(x: torch.Tensor, g: int) -> torch.Tensor:
    """Apply group element ``g`` (0..15) to videos ``x`` of shape (..., F, H, W)."""
    if not 0 <= g < N_GROUP:
        raise ValueError(f"group element {g} not in 0..{N_GROUP - 1}")
    k, flip, rev = g % 4, (g // 4) % 2, g // 8
    if rev:
        x = x.flip(-3)
    if flip:
        x = x.flip(-1)
    if k:
        x = torch.rot90(x, k, dims=(-2, -1))
    return x


def augment(x_bfhw: torch.Tensor, g_b: torch.Tensor) -> torch.Tensor:
    """Apply group element ``g_b[i]`` to video ``x_bfhw[i]``.

    To augment pairs identically, stack them as ``(2B, F, H, W)`` (all X0, then all X1) and
    pass ``g_b = cat([g, g])`` (see :func:`gather_pairs`).

    Parameters
    ----------
    x_bfhw : tensor (B, F, H, W), any dtype; H must equal W.
    g_b : tensor int (B,), values in 0..15.

    Returns
    -------
    tensor of the same shape (a new tensor).
    """
    if x_bfhw.shape[-1] != x_bfhw.shape[-2]:
        raise ValueError(f"augmentation needs square images, got {tuple(x_bfhw.shape[-2:])}")
    if x_bfhw.device.type == "cpu":
        return torch.from_numpy(_augment_numpy(x_bfhw.numpy(), g_b.numpy()))
    return _augment_torch(x_bfhw, g_b)


def _augment_torch(x_bfhw: torch.Tensor, g_b: torch.Tensor) -> torch.Tensor:
    """Device path of :func:`augment`: one batched transform per group element present."""
    out = torch.empty_like(x_bfhw)
    for g in range(N_GROUP):
        idx = (g_b == g).nonzero().squeeze(-1)
        if idx.numel():
            out.index_copy_(0, idx, transform(x_bfhw.index_select(0, idx), g))
    return out


def _augment_numpy(x_bfhw: np.ndarray, g_b: np.ndarray) -> np.ndarray:
    """CPU path of :func:`augment`: numpy flips/rotations are views, so one copy per video
    (torch's CPU uint8 flip/rot90 copy at every step and cost ~30% of a training step)."""
    out = np.empty_like(x_bfhw)
    for i, g in enumerate(g_b):
        k, flip, rev = g % 4, (g // 4) % 2, g // 8
        v = x_bfhw[i]
        if rev:
            v = v[::-1]
        if flip:
            v = v[..., ::-1]
        out[i] = np.rot90(v, k, axes=(-2, -1))
    return out


def gather_pairs(img_sfhw: torch.Tensor, i0: torch.Tensor, i1: torch.Tensor,
                 g: torch.Tensor | None = None) -> torch.Tensor:
    """The states of B pairs stacked as ``(2B, F, H, W)``: rows ``:B`` are X0, ``B:`` are X1.

    With ``g`` (int (B,)), pair ``i`` gets group element ``g[i]`` on both of its states.
    The layout lets one subnetwork pass score both sides: ``s = S~(x)``, logit ``s[B:] - s[:B]``.
    """
    idx = torch.cat([i0, i1])
    if g is not None and img_sfhw.device.type == "cpu":
        return _gather_augment_numpy(img_sfhw.numpy(), idx.numpy(), torch.cat([g, g]).numpy())
    x = img_sfhw.index_select(0, idx)
    return x if g is None else augment(x, torch.cat([g, g]))


def _gather_augment_numpy(img_sfhw: np.ndarray, idx: np.ndarray, g_b: np.ndarray
                          ) -> torch.Tensor:
    """CPU path of :func:`gather_pairs` with augmentation: each video is read through numpy
    views (flips, rotation, frames last) and copied once into a channels-last batch, the
    layout :func:`~thermolearn.paper_a.siamese.model.to_input` hands to the convolutions."""
    _, n_frames, h, w = img_sfhw.shape
    out_bhwf = np.empty((len(idx), h, w, n_frames), dtype=img_sfhw.dtype)
    for i, (s, g) in enumerate(zip(idx, g_b)):
        k, flip, rev = g % 4, (g // 4) % 2, g // 8
        v = img_sfhw[s]
        if rev:
            v = v[::-1]
        if flip:
            v = v[..., ::-1]
        out_bhwf[i] = np.rot90(v, k, axes=(-2, -1)).transpose(1, 2, 0)
    return torch.from_numpy(out_bhwf).permute(0, 3, 1, 2)  # shape (B, F, H, W), NHWC strides


def pair_metrics(score_s: np.ndarray, offsets: np.ndarray) -> dict:
    """Loss and accuracy over every pair of states of each process, from one score per state.

    For the pair (earlier i, later j) the logit is ``d = S~_j - S~_i`` and the true label 1;
    presenting it in the other order gives the same loss and outcome, so this equals the
    metrics over all ordered pairs (balanced labels). A tie (``d = 0``) counts half.

    Parameters
    ----------
    score_s : array (S,) S~ of the states, process after process in time order.
    offsets : array (P + 1,) process boundaries.

    Returns
    -------
    dict with ``loss`` (mean binary cross-entropy, nats), ``accuracy``, ``n_pairs``.
    """
    score_s = np.asarray(score_s, dtype=np.float64)
    loss_sum, correct, n_pairs = 0.0, 0.0, 0
    for p in range(len(offsets) - 1):
        s = score_s[offsets[p]:offsets[p + 1]]
        i, j = all_pairs(len(s))
        d = s[j] - s[i]
        loss_sum += float(np.logaddexp(0.0, -d).sum())
        correct += float((d > 0).sum() + 0.5 * (d == 0).sum())
        n_pairs += len(d)
    if n_pairs == 0:
        return {"loss": float("nan"), "accuracy": float("nan"), "n_pairs": 0}
    return {"loss": loss_sum / n_pairs, "accuracy": correct / n_pairs, "n_pairs": n_pairs}
