"""Fig. 7 and the accuracy against the entropy gap, drawn from the tables of :mod:`.entropy`.

Only reads ``entropy_states.csv``, ``entropy_fit.csv`` and ``accuracy_vs_entropy_gap.csv``, so
an edit here reruns the figures alone.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import save_figure, style


def plot_fig7(states: pd.DataFrame, fits: pd.DataFrame, out: str | Path,
              split: str = "test") -> None:
    """Fig. 7: (a) S~ vs N log[u (v - 2 pi R^2)] per N with fits; (b) the affine-mapped S^.

    Parameters
    ----------
    states : DataFrame
        ``entropy_states.csv``: per (fit split, state) ``N``, ``S`` (S~), ``S_vdW`` and
        ``S_hat`` (kB).
    fits : DataFrame
        ``entropy_fit.csv``: per (split, N) ``slope``, ``intercept``, ``r2``.
    out : path
        The PNG.
    split : str
        The states shown and the fits used: a split name or ``"all"``.
    """
    style()
    sel = states[states["fit"] == split]
    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 4.6))
    for k, (n_disks, grp) in enumerate(sel.groupby("N")):
        f = fits[(fits["split"] == split) & (fits["N"] == n_disks)].iloc[0]
        xs = grp["S_vdW"].to_numpy()
        color = f"C{k}"
        ax_a.plot(xs, grp["S"], "o", ms=3, alpha=0.6, color=color,
                  label=f"N = {n_disks}: $R^2$ = {f.r2:.4f}")
        xl = np.array([xs.min(), xs.max()])
        ax_a.plot(xl, f.slope * xl + f.intercept, "--", color="k", lw=1)
        ax_b.plot(xs, grp["S_hat"], "o", ms=3, alpha=0.6, color=color, label=f"N = {n_disks}")
        ax_b.plot(xl, xl, "--", color="k", lw=1)
    xlabel = r"$N \log[u\,(v - 2\pi R^2)]$  ($k_B$)"
    ax_a.set(xlabel=xlabel, ylabel=r"learned $\tilde S$", title="(a) network output")
    ax_b.set(xlabel=xlabel, ylabel=r"$\hat S = \alpha_N \tilde S + \beta_N$  ($k_B$)",
             title=r"(b) affine map onto $S_{\rm vdW}$ ($s_0 = 0$)")
    ax_a.legend(fontsize="small")
    ax_b.legend(fontsize="small")
    fig.suptitle(f"Learned entropy vs. 2D van der Waals entropy ({split} states)")
    save_figure(fig, out)


def plot_accuracy_vs_gap(table: pd.DataFrame, out: str | Path) -> None:
    """Test accuracy against the true entropy gap of a pair (log axis, positive gaps).

    Parameters
    ----------
    table : DataFrame
        ``accuracy_vs_entropy_gap.csv``: per (N, gap bin; ``N = 0`` pooled) ``gap_lo``,
        ``gap_hi``, ``gap_median`` (kB), ``n_pairs``, ``accuracy``, ``stderr``.
    out : path
        The PNG.
    """
    style()
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    pos = table[table["gap_lo"] >= 0]
    for k, (n_disks, grp) in enumerate(pos.groupby("N")):
        label = "all N" if n_disks == 0 else f"N = {n_disks}"
        style_kw = dict(color="k", lw=2, zorder=3) if n_disks == 0 else dict(color=f"C{k - 1}")
        ax.errorbar(grp["gap_median"], grp["accuracy"], yerr=grp["stderr"], fmt="o-", ms=4,
                    capsize=2, label=label, **style_kw)
    neg = table[(table["gap_lo"] < 0) & (table["N"] == 0)]
    note = ""
    if len(neg):
        r = neg.iloc[0]
        total = table.loc[table["N"] == 0, "n_pairs"].sum()
        note = (f"\n$S_{{\\rm vdW}}$ itself orders {1 - r.n_pairs / total:.3f} of the pairs; "
                f"on the other {int(r.n_pairs)}: accuracy {r.accuracy:.3f}")
    ax.axhline(0.5, color="gray", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set(xlabel=r"true entropy gap $\Delta S_{\rm vdW}$ of the pair ($k_B$)",
           ylabel="test pair accuracy",
           ylim=(min(0.4, float((pos["accuracy"] - pos["stderr"]).min()) - 0.03), 1.02),
           title="Where the network errs: near-equal-entropy pairs" + note)
    ax.legend(fontsize="small", loc="lower right")
    save_figure(fig, out)


def run_fig7_figure_job(states_csv: str | Path, fits_csv: str | Path, out: str | Path) -> None:
    """The ``paper_a_fig7`` rule: Fig. 7 from ``entropy_states.csv`` and ``entropy_fit.csv``."""
    plot_fig7(pd.read_csv(states_csv), pd.read_csv(fits_csv), out)


def run_gap_figure_job(table_csv: str | Path, out: str | Path) -> None:
    """The ``paper_a_fig7_gap`` rule: the figure of ``accuracy_vs_entropy_gap.csv``."""
    plot_accuracy_vs_gap(pd.read_csv(table_csv), out)
