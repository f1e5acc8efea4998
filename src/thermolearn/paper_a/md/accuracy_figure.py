"""Figure of the MD accuracy measurement (:mod:`.accuracy`): error vs time, vs dt, over the design."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...plotting import save_figure


def plot_accuracy(summary: pd.DataFrame, trace: pd.DataFrame, fidelity: pd.DataFrame,
                  out: str | Path) -> None:
    """Three panels: first-law error vs time per process and dt; worst error vs dt (log-log,
    labelled with the CPU cost relative to the first dt); the design's errors by N and v_push.

    Parameters
    ----------
    summary, trace : DataFrame
        ``accuracy.csv`` and ``trace.csv`` of the rule ``paper_a_md_accuracy``.
    fidelity : DataFrame
        ``fidelity.csv`` of the rule ``paper_a_md_fidelity``.
    out : path
        PNG written atomically.
    """
    procs = list(dict.fromkeys(summary["process"]))
    dts = sorted(summary["dt"].unique(), reverse=True)
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(dts)))
    styles = ["-", "--", ":", "-."]
    fig, (ax_t, ax_dt, ax_d) = plt.subplots(1, 3, figsize=(16, 4.8))
    for pi, proc in enumerate(procs):
        for c, dt in zip(colors, dts):
            tr = trace[(trace["process"] == proc) & (trace["dt"] == dt)]
            ax_t.plot(tr["t"], 100 * tr["err"], styles[pi % len(styles)], color=c, lw=1.2,
                      label=f"{proc}, dt={dt:g}")
    ax_t.axhline(0, color="k", lw=0.5)
    ax_t.set_xlabel(r"time [$R\sqrt{m/k_BT_0}$]")
    ax_t.set_ylabel(r"first-law error $(E-E_0-W)/E_0$ [%]")
    ax_t.set_title("first-law error along the process")
    ax_t.legend(fontsize=6.5, ncol=1, loc="upper left")

    for pi, proc in enumerate(procs):
        g = summary[summary["process"] == proc].sort_values("dt")
        err = g["worst_state_error"].to_numpy()
        ax_dt.loglog(g["dt"], err, "o" + styles[pi % len(styles)], label=proc)
        cost = g["cpu_s"].to_numpy() / g.sort_values("dt", ascending=False)["cpu_s"].iloc[0]
        for x, y, k in zip(g["dt"], err, cost):
            ax_dt.annotate(f"{k:.1f}x CPU", (x, y), textcoords="offset points", xytext=(4, 4),
                           fontsize=7)
    d = np.array(sorted(summary["dt"].unique()))
    top = summary.loc[summary["dt"] == d.max(), "worst_state_error"].max()
    ax_dt.loglog(d, top * (d / d.max()) ** 2, "k:", lw=1, label=r"$\propto dt^2$")
    ax_dt.set_xlabel("time step dt")
    ax_dt.set_ylabel(r"worst $|E-E_0-W|/E_0$ over states")
    ax_dt.set_title("error against dt (labels: CPU relative to the largest dt)")
    ax_dt.legend(fontsize=7)

    if len(fidelity):
        n_values = sorted(fidelity["N"].unique())
        for vi, (v, g) in enumerate(fidelity.groupby("v_push")):
            x = np.array([n_values.index(n) for n in g["N"]]) + (vi - 0.5) * 0.25
            ax_d.scatter(x, 100 * g["first_law_error"], s=12, alpha=0.7,
                         label=f"v_push = {v:g}")
        ax_d.set_xticks(range(len(n_values)), [str(n) for n in n_values])
        ax_d.set_yscale("log")
        ax_d.legend(fontsize=7)
    ax_d.set_xlabel("N")
    ax_d.set_ylabel(r"first-law error, worst state [%]")
    ax_d.set_title(f"every process of the run ({len(fidelity)})")
    fig.tight_layout()
    save_figure(fig, out, dpi=130)
