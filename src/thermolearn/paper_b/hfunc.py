"""The Boltzmann H-functional of the speed distribution, exactly as the paper's code computes it.

For one frame: the speeds ``|v|`` of all disks are histogrammed into ``n_bins`` equal bins on
``[0, v_max]`` (``v_max = 2 s``) and normalised as a density over the speeds in range (numpy's
``density=True``: ``f_k = c_k / (sum c * width_k)``); then

    H = sum over non-empty bins of f_k ln f_k * dv,

with ``dv`` the spacing of the bin centres. The speeds are ``np.hypot(vx, vy)``, as in the
public code (``loadmodel.ipynb``, the cell behind Fig. 5: ``speeds = np.hypot(vel[:, 0],
vel[:, 1])``, ``np.histogram(speeds, bins=bins, density=True)``, ``np.nansum(hist *
np.log(hist)) * dv``); H here equals it bit for bit (tested).

The rounding of ``|v|`` matters. At t = 0 every speed equals ``s``, which is the edge of bin
``n_bins / 2``, up to one ulp; which disks land below the edge depends on how ``|v|`` is rounded
(``sqrt(vx**2 + vy**2)`` differs from ``hypot`` by one ulp for some of them and moves H(t=0) by
up to ~1e-2), and the disks that have not collided yet keep that speed in later frames. Always
evaluated in float64: float32 velocities (what the runs store for the network,
``vel_rfnd``) scatter 40% of the speeds across the edge, and H recomputed from them is ~0.7
lower at t = 0 (4.62 instead of 5.31). **Take H from the runs' ``H_rf`` (computed from the
float64 velocities before the cast); never recompute it from ``vel_rfnd``.** For a delta peak
inside one bin, ``H = -ln(dv)``.
"""

from __future__ import annotations

import math

import numpy as np


def bin_edges(speed: float, n_bins: int = 50, v_max_over_speed: float = 2.0) -> np.ndarray:
    """Edges of the speed histogram, shape (n_bins + 1,): ``linspace(0, v_max, n_bins + 1)``."""
    return np.linspace(0.0, v_max_over_speed * speed, n_bins + 1)


def bin_width(edges: np.ndarray) -> float:
    """The ``dv`` of the paper's code: spacing of the bin centres."""
    centres = 0.5 * (edges[1:] + edges[:-1])
    return float(centres[1] - centres[0])


def speed_histogram(vel_fnd: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Speed counts per frame, exactly as ``np.histogram(speeds, bins=edges)``.

    Parameters
    ----------
    vel_fnd : ndarray, shape (F, N, 2), float64
    edges : ndarray, shape (B + 1,)

    Returns
    -------
    counts_fb : ndarray, shape (F, B), int64
        Bins are ``[e_k, e_k+1)``, the last one closed; speeds outside ``[e_0, e_B]`` are
        dropped.
    """
    if vel_fnd.dtype != np.float64:
        raise TypeError(f"H is defined on float64 velocities, got {vel_fnd.dtype} (stored "
                        "velocities are float32: take H from the runs' H_rf instead)")
    speed_fn = np.hypot(vel_fnd[..., 0], vel_fnd[..., 1])
    n_bins = len(edges) - 1
    idx_fn = np.searchsorted(edges, speed_fn, side="right") - 1
    idx_fn[speed_fn == edges[-1]] = n_bins - 1
    valid_fn = (speed_fn >= edges[0]) & (speed_fn <= edges[-1])
    frame_fn = np.broadcast_to(np.arange(len(speed_fn))[:, None], speed_fn.shape)
    flat = frame_fn[valid_fn] * n_bins + idx_fn[valid_fn]
    return np.bincount(flat, minlength=len(speed_fn) * n_bins).reshape(len(speed_fn), n_bins)


def h_from_counts(counts_fb: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """H per frame from histogram counts (see the module docstring), shape (F,), float64."""
    counts_fb = np.asarray(counts_fb, dtype=np.float64)
    widths_b = np.diff(edges)
    total_f = counts_fb.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        dens_fb = counts_fb / widths_b / total_f
        terms_fb = np.where(counts_fb > 0, dens_fb * np.log(dens_fb), 0.0)
    return terms_fb.sum(axis=1) * bin_width(edges)


def h_functional(vel_fnd: np.ndarray, speed: float, n_bins: int = 50,
                 v_max_over_speed: float = 2.0) -> np.ndarray:
    """H per frame of float64 velocities ``vel_fnd`` (F, N, 2); returns shape (F,)."""
    edges = bin_edges(speed, n_bins, v_max_over_speed)
    return h_from_counts(speed_histogram(vel_fnd, edges), edges)


# -------------------------------------------------------------------------------------------
# analytic values
# -------------------------------------------------------------------------------------------


def rayleigh_pdf(v: np.ndarray, speed: float) -> np.ndarray:
    """2D Maxwell-Boltzmann speed law with <v^2> = speed^2: ``(2 v / s^2) exp(-v^2 / s^2)``."""
    v = np.asarray(v, dtype=np.float64)
    return 2.0 * v / speed**2 * np.exp(-(v**2) / speed**2)


def rayleigh_cdf(v: np.ndarray, speed: float) -> np.ndarray:
    return -np.expm1(-(np.asarray(v, dtype=np.float64) ** 2) / speed**2)


def h_rayleigh_continuum(speed: float) -> float:
    """∫ f ln f dv of the Rayleigh law: ``ln 2 - ln s - gamma / 2 - 1``."""
    return math.log(2.0) - math.log(speed) - 0.5 * float(np.euler_gamma) - 1.0


def h_rayleigh_binned(speed: float, n_bins: int = 50, v_max_over_speed: float = 2.0) -> float:
    """The large-sample limit of :func:`h_functional` for speeds drawn from the Rayleigh law:
    exact bin probabilities, renormalised over ``[0, v_max]`` (histogram and truncation
    included, sampling noise excluded)."""
    edges = bin_edges(speed, n_bins, v_max_over_speed)
    p_b = np.diff(rayleigh_cdf(edges, speed))
    return float(h_from_counts(p_b[None, :], edges)[0])


def h_delta_peak(speed: float, n_bins: int = 50, v_max_over_speed: float = 2.0) -> float:
    """H of all speeds in one bin: ``-ln(dv)``."""
    return -math.log(bin_width(bin_edges(speed, n_bins, v_max_over_speed)))

