"""The learned entropy of Paper A (Fig. 7) and how the network fails (accuracy vs entropy gap).

For a 2D gas of soft disks without attraction the van der Waals entropy is (Eq. 4, kB = 1,
a = 0, c = 1, b = 2 pi R^2)::

    S_vdW(U, V, N) = N log[u (v - b)] + N s0,    u = U / N,  v = V / N.

Paper A finds, for each N, ``S~ = a_N * N log[u (v - b)] + c_N`` (Fig. 7a); the affine map
``S^ = alpha_N S~ + beta_N`` with ``alpha_N = 1 / a_N``, ``beta_N = -c_N / a_N`` puts S~ onto
S_vdW with s0 = 0 (Fig. 7b).

This module computes the tables (``entropy_fit.csv``, ``entropy_states.csv``,
``accuracy_vs_entropy_gap.csv``); :mod:`.entropy_figures` draws them. It imports no plotting
library: the axiom analyses use :func:`vdw_entropy` and :func:`linear_fit`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import write_csv

log = logging.getLogger(__name__)


def excluded_area(R: float) -> float:
    """The van der Waals b of a disk of radius R: 2 pi R^2 (half the area two disks exclude)."""
    return 2.0 * np.pi * R**2


def vdw_entropy(N, U, V, R: float, s0: float = 0.0):
    """S_vdW = N log[(U/N) (V/N - 2 pi R^2)] + N s0 (units of kB; arrays broadcast)."""
    N, U, V = (np.asarray(a, dtype=np.float64) for a in (N, U, V))
    free = V / N - excluded_area(R)
    if np.any(free <= 0) or np.any(U <= 0):
        raise ValueError("S_vdW needs U > 0 and V/N > 2 pi R^2 (a state denser than close "
                         "packing or with non-positive energy)")
    return N * np.log(U / N * free) + N * s0


def linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares ``y = slope x + intercept``; returns (slope, intercept, R^2)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan"), float("nan"), float("nan")
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    return float(slope), float(intercept), r2


def fit_entropy(scores: pd.DataFrame, R: float, splits: tuple[str, ...] = ("test", "all")
                ) -> pd.DataFrame:
    """Per N (and per split), the fit ``S~ = slope * S_vdW + intercept`` and its affine inverse.

    Parameters
    ----------
    scores : DataFrame with columns ``N, U, V, S, split`` (scores.csv).
    R : disk radius.
    splits : which states to fit: a split name or ``"all"``.

    Returns
    -------
    DataFrame with columns ``split, N, n_states, slope, intercept, r2, alpha, beta,
    rmse_hat`` where ``S^ = alpha S~ + beta`` maps onto S_vdW (s0 = 0) and ``rmse_hat`` is the
    rms of ``S^ - S_vdW`` (kB).
    """
    x_all = vdw_entropy(scores["N"], scores["U"], scores["V"], R)
    rows = []
    for split in splits:
        sel = np.ones(len(scores), bool) if split == "all" else (scores["split"] == split).to_numpy()
        for n_disks in sorted(scores.loc[sel, "N"].unique()):
            m = sel & (scores["N"] == n_disks).to_numpy()
            x, s = x_all[m], scores["S"].to_numpy()[m]
            slope, intercept, r2 = linear_fit(x, s)
            alpha, beta = 1.0 / slope, -intercept / slope
            rmse = float(np.sqrt(np.mean((alpha * s + beta - x) ** 2)))
            rows.append(dict(split=split, N=int(n_disks), n_states=int(m.sum()), slope=slope,
                             intercept=intercept, r2=r2, alpha=alpha, beta=beta, rmse_hat=rmse))
    return pd.DataFrame(rows)


def entropy_states(scores: pd.DataFrame, fits: pd.DataFrame, R: float) -> pd.DataFrame:
    """Every state's learned and van der Waals entropy, mapped by each split's fits (Fig. 7).

    Parameters
    ----------
    scores : DataFrame with columns ``process, state, split, N, U, V, S`` (scores.csv).
    fits : :func:`fit_entropy`'s table.
    R : disk radius.

    Returns
    -------
    DataFrame with one row per (fit split, state of that split): ``fit`` (the split whose fits
    map the state: ``"all"`` or a split name), ``process, state, split, N``, ``S`` (S~, the
    network's output), ``S_vdW`` and ``S_hat = alpha_N S~ + beta_N`` (kB).
    """
    x_all = vdw_entropy(scores["N"], scores["U"], scores["V"], R)
    parts = []
    for fit_split in fits["split"].unique():
        sel = (np.ones(len(scores), bool) if fit_split == "all"
               else (scores["split"] == fit_split).to_numpy())
        f = fits[fits["split"] == fit_split].set_index("N")
        part = scores.loc[sel, ["process", "state", "split", "N", "S"]].copy()
        part.insert(0, "fit", fit_split)
        part["S_vdW"] = x_all[sel]
        part["S_hat"] = (f.loc[part["N"], "alpha"].to_numpy() * part["S"].to_numpy()
                         + f.loc[part["N"], "beta"].to_numpy())
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def pair_gaps(scores: pd.DataFrame, R: float, split: str = "test") -> pd.DataFrame:
    """Every pair of states of one process: the true entropy gap and the network's verdict.

    Returns
    -------
    DataFrame with ``process, N, gap`` (S_vdW(later) - S_vdW(earlier), kB) and ``correct``
    (1 if S~(later) > S~(earlier), 1/2 on a tie, else 0).
    """
    sel = scores if split == "all" else scores[scores["split"] == split]
    out = []
    for proc, grp in sel.groupby("process", sort=True):
        grp = grp.sort_values("state")
        x = vdw_entropy(grp["N"], grp["U"], grp["V"], R)
        s = grp["S"].to_numpy(np.float64)
        i, j = np.triu_indices(len(grp), k=1)
        d = s[j] - s[i]
        out.append(pd.DataFrame({"process": proc, "N": int(grp["N"].iloc[0]), "gap": x[j] - x[i],
                                 "correct": (d > 0) + 0.5 * (d == 0)}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["process", "N", "gap", "correct"])


def accuracy_vs_gap(pairs: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
    """Pair accuracy in bins of the true entropy gap, per N and pooled (``N = 0``).

    Positive gaps are split into ``n_bins`` bins of equal pair count (quantiles of the pooled
    gaps, shared by all N); pairs whose later state has the lower S_vdW (``gap <= 0``: S_vdW
    is only an approximation, and U fluctuates little) form one bin of their own.

    Returns
    -------
    DataFrame with ``N, gap_lo, gap_hi, gap_median, n_pairs, accuracy, stderr`` (binomial).
    """
    gap_all = pairs["gap"].to_numpy()
    pos = gap_all[gap_all > 0]
    if len(pos):
        edges = np.unique(np.quantile(pos, np.linspace(0.0, 1.0, n_bins + 1)))
        edges[0] = 0.0
    else:
        edges = np.array([0.0, 1.0])
    bins = [(-np.inf, 0.0)] + list(zip(edges[:-1], edges[1:]))
    rows = []
    groups = [(0, pairs)] + [(int(n), grp) for n, grp in pairs.groupby("N")]
    for n_disks, grp in groups:
        gap, ok = grp["gap"].to_numpy(), grp["correct"].to_numpy(np.float64)
        for k, (a, b) in enumerate(bins):
            m = (gap <= 0) if k == 0 else (gap > a) & (gap <= b)
            if not m.any():
                continue
            acc = ok[m].mean()
            rows.append(dict(N=n_disks, gap_lo=a, gap_hi=b, gap_median=float(np.median(gap[m])),
                             n_pairs=int(m.sum()), accuracy=float(acc),
                             stderr=float(np.sqrt(acc * (1 - acc) / m.sum()))))
    return pd.DataFrame(rows)


def run_fit_job(scores_csv: str | Path, R: float, out_fits: str | Path,
                out_states: str | Path) -> pd.DataFrame:
    """The ``paper_a_entropy_fit`` rule: fits per N (``entropy_fit.csv``) and every state's
    entropies under them (``entropy_states.csv``), the tables of Fig. 7."""
    scores = pd.read_csv(scores_csv)
    fits = fit_entropy(scores, R)
    log.info("entropy fits:\n%s", fits.to_string(index=False))
    write_csv(out_fits, fits)
    write_csv(out_states, entropy_states(scores, fits, R))
    return fits


def run_gap_job(scores_csv: str | Path, R: float, out_table: str | Path) -> pd.DataFrame:
    """The ``paper_a_entropy_gap`` rule: test accuracy vs true entropy gap
    (``accuracy_vs_entropy_gap.csv``)."""
    pairs = pair_gaps(pd.read_csv(scores_csv), R)
    table = accuracy_vs_gap(pairs)
    log.info("accuracy vs entropy gap:\n%s", table.to_string(index=False))
    log.info("test pairs: %d; network accuracy %.4f; S_vdW orders %.4f of them (its own "
             "'accuracy', a reference for the network)", len(pairs), pairs["correct"].mean(),
             (pairs["gap"] > 0).mean())
    write_csv(out_table, table)
    return table
