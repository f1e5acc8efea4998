"""The scaling-study figure (docs/scaling.md) from the collected table and learning curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import save_figure, style
from . import published

FIG7_BAR = 0.98  # the reproduction table's bar for the Fig. 7 R^2 (report.reproduction)


def plot_scaling(table: pd.DataFrame, curves: pd.DataFrame, out: str | Path,
                 series: dict[str, list[str]], paper_accuracy: float = published.TEST["accuracy"]) -> None:
    """Three panels against training processes, one line per series (points that differ only in
    training processes, e.g. one system size): test accuracy with the S_vdW ceiling of the same
    pairs; the R^2 of Fig. 7 (worst N) and of A1; and the validation accuracy of every point
    against training pairs seen.

    Parameters
    ----------
    table, curves : from :func:`thermolearn.paper_a.scaling.collect`.
    series : label -> names of its points (each a row of ``table``).
    """
    style()
    fig, (ax_p, ax_r, ax_c) = plt.subplots(1, 3, figsize=(16, 4.8))
    rows = table.set_index("name")
    for i, (label, names) in enumerate(series.items()):
        t = rows.loc[names].sort_values("train_processes")
        x = t["train_processes"]
        ax_p.plot(x, t["test_accuracy"], "o-", color=f"C{i}", label=label)
        ax_p.plot(x, t["ceiling"], ":", marker="_", ms=14, mew=2, color=f"C{i}", label=f"S$_{{\\rm vdW}}$ ceiling, {label}")
        fig7 = t[[c for c in t if c.startswith("fig7_r2_N")]].dropna(axis=1, how="all")
        ax_r.plot(x, fig7.min(axis=1), "o-", color=f"C{i}", label=f"Fig. 7 (worst N), {label}")
        if "a1_r2" in t:
            ax_r.plot(x, t["a1_r2"], "s--", ms=4, color=f"C{i}", label=f"A1, {label}")
    ax_p.axhline(paper_accuracy, color="gray", lw=1, label=f"paper {paper_accuracy}")
    ax_p.set(xscale="log", xlabel="training processes", ylabel="test pair accuracy",
             title="accuracy vs training processes")
    ax_r.axhline(FIG7_BAR, color="gray", ls=":", lw=1, label=f"Fig. 7 bar {FIG7_BAR}")
    ax_r.set(xscale="log", xlabel="training processes", ylabel="$R^2$ (test states)",
             title="Fig. 7 and A1 $R^2$", ylim=(max(-0.1, np.nanmin(ax_r.get_ylim())), 1.0))
    ticks = [n for n in (4, 8, 16, 32, 64, 128, 256, 512) if n <= 2 * table["train_processes"].max()]
    for ax in (ax_p, ax_r):
        ax.set_xticks(ticks, [str(n) for n in ticks])
        ax.xaxis.set_minor_locator(plt.NullLocator())
        ax.legend(fontsize="x-small")
    colors = plt.get_cmap("tab20").colors  # more points than the default 10-colour cycle
    for k, (name, grp) in enumerate(curves.groupby("name", sort=False)):
        ax_c.plot(grp["pairs_seen"], grp["val_accuracy"], "-", lw=1.2, color=colors[k % 20],
                  label=name)
    ax_c.set(xscale="log", xlabel="training pairs seen", ylabel="validation pair accuracy",
             title="learning curves")
    ax_c.legend(fontsize="x-small", ncol=2)
    save_figure(fig, out)
