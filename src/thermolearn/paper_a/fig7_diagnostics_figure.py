"""The figure of the Fig. 7 diagnostics, drawn from the tables of :mod:`.fig7_diagnostics`.

Only reads ``d1_slopes.csv``, ``d1_residual_lx.csv`` and ``d2_probe.csv``: nothing is recomputed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..plotting import save_figure, style

SPLIT_STYLE = {"train": dict(ls="-", marker="o"), "val": dict(ls=":", marker="^"),
               "test": dict(ls="--", marker="s", mfc="none")}


def plot_diagnostics(tables: str | Path, out: str | Path) -> None:
    """Four panels: (a) local slope dS~/dS_vdW of near pairs against 1.20 / sigma_S per
    temperature bin, (b) sigma_S per bin, (c) Fig. 7's residual at fixed S_vdW by Lx (test fit),
    (d) the ln u probe's error per bin; training states solid, test states dashed.

    Parameters
    ----------
    tables : folder with the diagnostics' CSV tables (``run_diagnostics``'s ``out``).
    out : the PNG.
    """
    tables = Path(tables)
    style()
    slopes = pd.read_csv(tables / "d1_slopes.csv")
    resid = pd.read_csv(tables / "d1_residual_lx.csv")
    probe_path = tables / "d2_probe.csv"
    fig, ax = plt.subplots(2, 2, figsize=(10, 8), constrained_layout=True)
    colors = {n: f"C{i}" for i, n in enumerate(sorted(slopes["N"].unique()))}
    for (split, n_disks), g in slopes.groupby(["split", "N"]):
        if split not in ("train", "test"):
            continue
        kw = dict(color=colors[n_disks], **SPLIT_STYLE[split])
        ax[0, 0].plot(g["u_median"], g["slope"], label=f"N = {n_disks} {split}: slope", **kw)
        ax[0, 0].plot(g["u_median"], g["predicted"], color=colors[n_disks], lw=0.8,
                      ls=SPLIT_STYLE[split]["ls"], alpha=0.5)
        ax[0, 1].plot(g["u_median"], g["sigma_S"], label=f"N = {n_disks} {split}", **kw)
        if "sigma_lo" in g:
            ax[0, 1].fill_between(g["u_median"], g["sigma_lo"], g["sigma_hi"],
                                  color=colors[n_disks], alpha=0.12)
    ax[0, 0].set(xscale="log", xlabel="u = U/N (k_B T0)", ylabel="dS~ / dS_vdW (per k_B)",
                 title="(a) D1: local slope (markers) vs 1.20 / sigma_S (thin)")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].set(xscale="log", xlabel="u = U/N (k_B T0)", ylabel="sigma_S (k_B)",
                 title="(b) D1: per-state error from near-pair accuracy")
    ax[0, 1].legend(fontsize=7)
    r = resid[resid["fit"] == "test"]
    for (n_disks, lx_bin), g in r.groupby(["N", "lx_bin"]):
        lo, hi = g["lx_lo"].iloc[0], g["lx_hi"].iloc[0]
        ax[1, 0].errorbar(g["svdw_median"], g["residual"], yerr=g["stderr"],
                          color=colors.get(n_disks, "k"), marker="os^v"[lx_bin % 4],
                          ls=["-", "--", ":", "-."][lx_bin % 4], capsize=2,
                          label=f"N = {n_disks}, Lx in [{lo:.0f}, {hi:.0f}]")
    ax[1, 0].axhline(0, color="0.5", lw=0.6)
    ax[1, 0].set(xlabel="S_vdW (k_B)", ylabel="(S~ - fit) / slope (k_B)",
                 title="(c) D1: Fig. 7 residual at fixed S_vdW, by Lx (test states)")
    ax[1, 0].legend(fontsize=7)
    if probe_path.exists():
        probe = pd.read_csv(probe_path)
        for split, g in probe.groupby("split"):
            if split in SPLIT_STYLE:
                ax[1, 1].plot(g["u_median"], g["rmse"], color="k", label=split,
                              **SPLIT_STYLE[split])
        ax[1, 1].legend(fontsize=7)
    ax[1, 1].set(xscale="log", xlabel="u = U/N (k_B T0)", ylabel="rms error of ln u",
                 title="(d) D2: linear probe of ln u, CV by process")
    save_figure(fig, out)
