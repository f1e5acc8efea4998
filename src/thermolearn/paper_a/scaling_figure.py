"""The scaling-study figure (docs/scaling.md) from the collected table and learning curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plotting import save_figure, style
from . import published

FIG7_BAR = 0.98  # the reproduction table's bar for the Fig. 7 R^2 (report.reproduction)


def plot_scaling(table: pd.DataFrame, curves: pd.DataFrame | None, out: str | Path,
                 series: dict[str, list[str]], paper_accuracy: float = published.TEST["accuracy"],
                 recheck: pd.DataFrame | None = None) -> None:
    """Three panels against training processes, one line per series (points that differ only in
    training processes, e.g. one system size): test accuracy with the S_vdW ceiling of the same
    pairs; the R^2 of Fig. 7 (worst N) and of A1; and either the balanced recheck (``recheck``,
    :func:`plot_recheck`) or the validation accuracy of every point against training pairs seen.

    Parameters
    ----------
    table, curves : from :func:`thermolearn.paper_a.scaling.collect` (or the table alone,
        :func:`thermolearn.paper_a.scaling.read_table_md`).
    series : label -> names of its points (each a row of ``table``).
    recheck : rows of :func:`thermolearn.paper_a.scaling.recheck_point`, optional.
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
    if recheck is not None:
        plot_recheck(ax_c, recheck)
    else:
        colors = plt.get_cmap("tab20").colors  # more points than the default 10-colour cycle
        for k, (name, grp) in enumerate(curves.groupby("name", sort=False)):
            ax_c.plot(grp["pairs_seen"], grp["val_accuracy"], "-", lw=1.2, color=colors[k % 20],
                      label=name)
        ax_c.set(xscale="log", xlabel="training pairs seen", ylabel="validation pair accuracy",
                 title="learning curves")
        ax_c.legend(fontsize="x-small", ncol=2)
    save_figure(fig, out)


def plot_recheck(ax, recheck: pd.DataFrame) -> None:
    """The balanced recheck on one axis: test accuracy and the Fig. 7 R^2 of each N (mean +- sd
    over seeds) against training processes; filled markers for the points with the fewest pairs
    per process and epoch, open ones (to their right) for the others; the Fig. 7 bar as a line."""
    fig7 = [c[:-5] for c in recheck if c.startswith("Fig. 7") and c.endswith(" mean")]
    quantities = [("test accuracy", "o")] + [(c, m) for c, m in zip(fig7, "s^v")]
    least = recheck["pairs_per_process"].min()
    for k, (q, marker) in enumerate(quantities):
        for j, (_, r) in enumerate(recheck.sort_values(["pairs_per_process",
                                                        "train_processes"]).iterrows()):
            filled = r["pairs_per_process"] == least
            # side by side: one slot per quantity, the open (same-cost) points to the right
            x = r["train_processes"] * (1.0 + 0.035 * (k - 1) + (0.0 if filled else 0.16))
            ax.errorbar(x, r[f"{q} mean"], yerr=r[f"{q} sd"], fmt=marker, color=f"C{k}",
                        mfc=f"C{k}" if filled else "white", ms=7, capsize=3,
                        label=q if j == 0 else None)
    ax.axhline(FIG7_BAR, color="gray", ls=":", lw=1, label=f"Fig. 7 bar {FIG7_BAR}")
    ticks = sorted(recheck["train_processes"].unique())
    ax.set(xscale="log", xlabel="training processes (balanced by cell)", ylabel="test value",
           title=f"balanced subsets, repro design, mean +- sd of seeds\n"
                 f"filled: {least:.0f} pairs per process; open: more (same cost)")
    ax.set_xticks(ticks, [str(int(n)) for n in ticks])
    ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlim(min(ticks) / 1.4, max(ticks) * 1.5)
    ax.legend(fontsize="x-small", loc="center right")
