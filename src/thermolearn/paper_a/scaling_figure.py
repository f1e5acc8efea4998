"""The scaling-study figure (docs/scaling.md) from the collected table and learning curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..plotting import save_figure, style


def plot_scaling(table: pd.DataFrame, curves: pd.DataFrame, out: str | Path,
                 process_points: list[str], paper_accuracy: float = 0.9534) -> None:
    """Three panels: test accuracy (with its S_vdW ceiling) and the R^2 of A1 and Fig. 7
    against training processes; the validation accuracy against pairs seen for every point.

    Parameters
    ----------
    table, curves : from :func:`thermolearn.paper_a.scaling.collect`.
    process_points : names of the points that differ only in training processes.
    """
    style()
    fig, (ax_p, ax_r, ax_c) = plt.subplots(1, 3, figsize=(15, 4.5))
    t = table.set_index("name").loc[process_points].sort_values("train_processes")
    acc_cols = sorted((c for c in t if c.startswith("acc_N")), key=lambda c: int(c[5:]))
    ax_p.plot(t["train_processes"], t["test_accuracy"], "o-", color="k", label="all test pairs")
    for i, c in enumerate(acc_cols):
        ax_p.plot(t["train_processes"], t[c], "s--", ms=4, color=f"C{i}", label=f"N = {c[5:]}")
        ax_p.plot(t["train_processes"], t["ceiling_N" + c[5:]], ":", color=f"C{i}",
                  label=f"S$_{{\\rm vdW}}$ ceiling, N = {c[5:]}")
    ax_p.axhline(paper_accuracy, color="gray", lw=1, label=f"paper {paper_accuracy}")
    ax_p.set(xlabel="training processes", ylabel="test pair accuracy",
             title="accuracy vs training processes")
    ax_p.legend(fontsize="x-small")
    r2_cols = [c for c in t if c.startswith("fig7_r2_N")] + (["a1_r2"] if "a1_r2" in t else [])
    for c in r2_cols:
        label = "A1: S~(X') vs S~(X)" if c == "a1_r2" else f"Fig. 7, N = {c[9:]}"
        ax_r.plot(t["train_processes"], t[c], "o-", ms=4, label=label)
    ax_r.axhline(0.98, color="gray", ls=":", lw=1, label="Fig. 7 bar 0.98")
    ax_r.set(xlabel="training processes", ylabel="$R^2$ (test states)", title="$R^2$")
    ax_r.legend(fontsize="x-small")
    for name, grp in curves.groupby("name", sort=False):
        ax_c.plot(grp["pairs_seen"], grp["val_accuracy"], "-", lw=1.2, label=name)
    ax_c.set(xscale="log", xlabel="training pairs seen", ylabel="validation pair accuracy",
             title="learning curves")
    ax_c.legend(fontsize="x-small", ncol=2)
    save_figure(fig, out)
