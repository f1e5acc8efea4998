"""The relaxation figure: the measured observables against time after the piston move.

Reads only the tables of :mod:`.relaxation` (``relaxation.csv``, ``relaxation_times.csv``): the
equilibrium values, bands and relaxation times are drawn as the measurement wrote them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ...plotting import save_figure, style

LABELS = {"p_ratio": r"$P_\mathrm{piston}\,/\,P_\mathrm{vdW}$",
          "k_ratio": r"$K_x / K_y$", "kurtosis": r"excess kurtosis of $v_x$",
          "density": "fraction of disks near piston"}
TIME_UNIT = r"$R\sqrt{m / k_B T_0}$"


def plot_relaxation(df: pd.DataFrame, times: pd.DataFrame, paper_a: dict,
                    path: str | Path) -> None:
    """Observables vs time after the move, with the relaxation times and ``t_hold`` marked.

    Parameters
    ----------
    df : DataFrame
        ``relaxation.csv``: one row per (case, repeat, time bin) with ``t`` and the observables.
    times : DataFrame
        ``relaxation_times.csv``: per (case, observable) ``t_relax``, ``relaxed``,
        ``equilibrium`` and ``band``.
    paper_a : dict
        ``gas.L``, ``protocol.t_hold``, ``relaxation`` (``v``, ``N``) and ``design.dL`` (titles
        and the hold marked).
    path : path
        The PNG.
    """
    style()
    observables = list(dict.fromkeys(times["observable"]))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    t_hold = paper_a["protocol"]["t_hold"]
    for ax, obs in zip(axes.flat, observables):
        notes = []
        for case, g in df.groupby("case"):
            m = g.groupby("t")[obs].agg(["mean", "sem"])
            (line,) = ax.plot(m.index, m["mean"], label=case)
            color = line.get_color()
            ax.fill_between(m.index, m["mean"] - m["sem"], m["mean"] + m["sem"], color=color,
                            alpha=0.25)
            r = times[(times["case"] == case) & (times["observable"] == obs)].iloc[0]
            for edge in (r.equilibrium - r.band, r.equilibrium + r.band):
                ax.axhline(edge, ls=(0, (1, 3)), lw=0.8, color=color)
            if bool(r.relaxed):
                ax.axvline(r.t_relax, ls=":", lw=1.2, color=color)
            else:
                notes.append(f"{case}: not relaxed by t = {r.t_relax:g}")
        eq = times.loc[times["observable"] == obs, "equilibrium"].iloc[0]
        ax.axhline(eq, color="k", lw=0.8)
        ax.axvline(t_hold, color="crimson", lw=1.5, ls="--", label=f"t_hold = {t_hold:g}")
        if notes:
            ax.text(0.98, 0.04, "\n".join(notes), transform=ax.transAxes, ha="right",
                    va="bottom", fontsize=8)
        ax.set_ylabel(LABELS.get(obs, obs))
    for ax in axes[1]:
        ax.set_xlabel(f"time since the piston stopped ({TIME_UNIT})")
    axes[0, 0].legend(fontsize=8)
    rx = paper_a["relaxation"]
    n_repeats = df["repeat"].nunique()
    fig.suptitle(f"Relaxation after a piston move of {max(paper_a['design']['dL']):g} R at "
                 f"v = {rx['v']:g}, N = {rx['N']}, L = {paper_a['gas']['L']:g} R\n"
                 f"mean of {n_repeats} runs \u00b1 standard error; black: equilibrium, "
                 "dotted: noise band and relaxation time")
    save_figure(fig, path)
