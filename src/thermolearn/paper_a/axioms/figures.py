"""Figures of the axioms (Paper A, Figs. 3, 5, 6, 8, and A3, A4, Eq. 1).

Every figure takes the per-sample table of its axiom and the table rows of :mod:`.analyses`
(so the numbers printed on it are the table's). Images are shown as the container looks:
``imshow(img, origin="lower")``, x to the right (piston on the right), y up.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...plotting import save_figure, style
from . import constructions as cons

DIR_LABEL = {"right": "right part masked", "bottom": "bottom part masked"}
DIR_MARKER = {"right": "o", "bottom": "s"}


def _identity(ax, x, y) -> None:
    lo = float(min(np.min(x), np.min(y)))
    hi = float(max(np.max(x), np.max(y)))
    pad = 0.04 * (hi - lo or 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "--", color="k", lw=1, zorder=0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(axis="both", nbins=6)


def _by_n(ax, df, x, y, **kw) -> None:
    for k, (n_disks, g) in enumerate(df.groupby("N")):
        ax.plot(g[x], g[y], "o", ms=kw.get("ms", 4), alpha=0.7, color=f"C{k}",
                label=f"N = {n_disks}")


def _value(row: dict) -> str:
    paper = "" if not np.isfinite(row["paper"]) else f" (paper {row['paper']:.4f})"
    ours = f"{row['ours']:.4f}" if np.isfinite(row["ours"]) else "n/a (no samples)"
    return ours + paper


def _show(ax, img_hw, title) -> None:
    ax.imshow(img_hw, origin="lower", cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(title, fontsize="small")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def plot_a1(df: pd.DataFrame, row: dict, out: str | Path) -> None:
    """Fig. 3: S~(X') of the reruns against S~(X)."""
    style()
    fig, ax = plt.subplots(figsize=(5.4, 5.2))
    _by_n(ax, df, "S", "S_rerun")
    _identity(ax, df["S"], df["S_rerun"])
    ax.set(xlabel=r"$\tilde S(X)$", ylabel=r"$\tilde S(X')$  (rerun, new microstate)",
           title=f"(A1) reflexivity: $R^2$ = {_value(row)}")
    ax.legend(fontsize="small", loc="upper left")
    save_figure(fig, out)


def plot_a3(df: pd.DataFrame, rows: list[dict], img_a, w_a, img_b, w_b, out: str | Path) -> None:
    """A3: an example compound and S~(X, X') against S~(X) + S~(X')."""
    style()
    fig = plt.figure(figsize=(11, 4.4))
    gs = fig.add_gridspec(2, 3, width_ratios=[1, 1, 2.2])
    _show(fig.add_subplot(gs[0, 0]), img_a[0], "X (Lx = L/2)")
    _show(fig.add_subplot(gs[0, 1]), img_b[0], "X'")
    _show(fig.add_subplot(gs[1, :2]), cons.compound_x(img_a, w_a, img_b, w_b)[0],
          "(X, X'): the gas halves side by side")
    ax = fig.add_subplot(gs[:, 2])
    x = df["S_a"] + df["S_b"]
    ax.plot(x, df["S_compound"], "o", ms=3, alpha=0.5)
    ax.locator_params(axis="x", nbins=6)
    ax.set(xlabel=r"$\tilde S(X) + \tilde S(X')$", ylabel=r"$\tilde S(X, X')$",
           title="(A3) consistency: " + "; ".join(
               f"{r['claim'].split('(')[1].rstrip(')')} {_value(r)}" for r in rows))
    ax.title.set_fontsize("small")
    save_figure(fig, out)


def plot_a4(rates: pd.DataFrame, summary: list[dict], img, w_gas, out: str | Path) -> None:
    """A4: agreement against lam per direction and mask variant, with example masks."""
    style()
    fig = plt.figure(figsize=(11, 4.4))
    gs = fig.add_gridspec(2, 2, width_ratios=[1, 2.4])
    for k, d in enumerate(cons.DIRECTIONS):
        _show(fig.add_subplot(gs[k, 0]), cons.scale(img, w_gas, 0.7, d)[0],
              f"0.7 X, {DIR_LABEL[d]}")
    ax = fig.add_subplot(gs[:, 1])
    for variant, ls in (("pixel", "-"), ("count", ":")):
        for k, d in enumerate(cons.DIRECTIONS):
            r = rates[(rates["variant"] == variant) & (rates["direction"] == d)]
            if len(r):
                ax.plot(r["lam"], r["rate"], ls, marker=DIR_MARKER[d], color=f"C{k}",
                        label=f"{'pixel mask' if variant == 'pixel' else 'exactly round(lam N) disks'}"
                        f", {d}")
    ax.axhline(0.9417, color="gray", ls="--", lw=1, label="paper (mean) 0.9417")
    ax.set(xlabel=r"scale factor $\lambda$",
           ylabel=r"P($\lambda X \prec \lambda Y$ | $X \prec Y$)",
           title="(A4) scaling, mean agreement: " + "; ".join(
               f"{'pixel mask' if 'paper' in r['claim'] else 'count-exact'} {_value(r)}"
               for r in summary))
    ax.title.set_fontsize("small")
    ax.legend(fontsize="small")
    save_figure(fig, out)


def plot_a5(df: pd.DataFrame, rows: list[dict], out: str | Path) -> None:
    """Fig. 5: S~(X_split) against S~(X) (a) and against S~(X_recomb) (b)."""
    style()
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 5.0))
    for ax, xcol, xlabel, row, tag in (
            (axes[0], "S", r"$\tilde S(X)$", rows[0], "(a)"),
            (axes[1], "S_recomb", r"$\tilde S(X_{\rm recomb})$", rows[1], "(b)")):
        for k, (orient, g) in enumerate(df.groupby("wall_orientation")):
            ax.plot(g[xcol], g["S_split"], "o", ms=4, alpha=0.7, color=f"C{k}",
                    label=f"wall at {orient}")
        _identity(ax, df[xcol], df["S_split"])
        ax.set(xlabel=xlabel, ylabel=r"$\tilde S(X_{\rm split})$",
               title=f"{tag} $R^2$ = {_value(row)}")
        ax.legend(fontsize="small", loc="upper left")
    fig.suptitle("(A5) splitting and recombination")
    save_figure(fig, out)


def plot_a6(rates: pd.DataFrame, rows: list[dict], example, eps, out: str | Path,
            side: int = 0) -> None:
    """Fig. 6: agreement against the dust size eps for several (Z1, Z2), inset (X, eps Z)."""
    style()
    fig, (ax, ins) = plt.subplots(1, 2, figsize=(10.5, 4.8), width_ratios=[2.6, 1])
    for k, (zpair, r) in enumerate(rates.groupby("zpair")):
        label = f"Z1 = {r['z1'].iloc[0]}, Z2 = {r['z2'].iloc[0]}"
        if zpair == 0:
            label += " (max, min S~)"
        ax.plot(r["eps"], r["rate"], "o-", ms=4, color=f"C{k}", label=label)
    ax.axhline(1.0, color="gray", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set(xlabel=r"dust size $\varepsilon$ (fraction of Z's gas region)",
           ylabel=r"P($(X, \varepsilon Z_1) \prec (Y, \varepsilon Z_2)$ | $X \prec Y$)",
           title=f"(A6) stability: worst pair at eps = {rates['eps'].min():g}: "
           f"{rows[0]['ours']:.4f}")
    ax.legend(fontsize="x-small", loc="lower left")
    _show(ins, example[0], f"(X, {eps:g} Z): Z's corner square (red) in X")
    ins.add_patch(plt.Rectangle((-0.5, -0.5), side, side, fill=False, edgecolor="red", lw=1.5))
    save_figure(fig, out)


def plot_additivity(df: pd.DataFrame, summary: list[dict], out: str | Path) -> None:
    """Fig. 8: S~(lam X, (1 - lam) Y) against lam S~(X) + (1 - lam) S~(Y)."""
    style()
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    pred = df["lam"] * df["S_x"] + (1 - df["lam"]) * df["S_y"]
    for d in cons.DIRECTIONS:
        m = (df["direction"] == d).to_numpy()
        sc = ax.scatter(pred[m], df["S_compound"][m], c=df["lam"][m], cmap="viridis", s=12,
                        alpha=0.7, marker=DIR_MARKER[d], vmin=0, vmax=1,
                        label=f"compound along {'x' if d == 'right' else 'y'}")
    _identity(ax, pred, df["S_compound"])
    fig.colorbar(sc, ax=ax, label=r"$\lambda$")
    ax.set(xlabel=r"$\lambda \tilde S(X) + (1-\lambda) \tilde S(Y)$",
           ylabel=r"$\tilde S(\lambda X, (1-\lambda) Y)$",
           title=f"Extensivity and additivity: $R^2$ = {_value(summary[0])}")
    ax.title.set_fontsize("small")
    ax.legend(fontsize="small", loc="upper left")
    save_figure(fig, out)


def plot_canonical(df: pd.DataFrame, curve: pd.DataFrame, fits: pd.DataFrame,
                   out: str | Path) -> None:
    """Eq. (1): the compound curves, and the canonical entropy against S~ and S_vdW."""
    style()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    fill = {"right": "full", "bottom": "none"}
    for k, (n_disks, c) in enumerate(curve.groupby("N")):
        for d, cd in c.groupby("direction"):
            axes[0].plot(cd["lam"], cd["S_compound"], "-" if d == "right" else ":",
                         color=f"C{k}", label=f"N = {n_disks}, {'x' if d == 'right' else 'y'}")
    axes[0].set(xlabel=r"$\lambda$", ylabel=r"$\tilde S(((1-\lambda) X_*, \lambda X_{**}))$",
                title="(a) compounds of the reference states")
    axes[0].legend(fontsize="x-small")
    for k, (n_disks, g) in enumerate(df.groupby("N")):
        for d, gd in g.groupby("direction"):
            kw = dict(ms=4, alpha=0.7, color=f"C{k}", fillstyle=fill[d], ls="none")
            f = fits[(fits["N"] == n_disks) & (fits["direction"] == d)].iloc[0]
            along = "x" if d == "right" else "y"
            axes[1].plot(gd["S"], gd["lam_canon"], "o", **kw,
                         label=f"N = {n_disks}, {along}: $R^2$ = {f.r2_S:.3f}")
            axes[2].plot(gd["S_vdW"], gd["lam_canon"], "o", **kw,
                         label=f"N = {n_disks}, {along}: $R^2$ = {f.r2_vdw:.3f}")
        order = np.argsort(g["S_vdW"].to_numpy())
        axes[2].plot(g["S_vdW"].to_numpy()[order], g["lam_vdw"].to_numpy()[order], "--",
                     color=f"C{k}", lw=1)
    axes[1].set(xlabel=r"$\tilde S(X)$", ylabel=r"$S(X \mid X_*, X_{**})$",
                title="(b) canonical entropy vs network output")
    axes[2].set(xlabel=r"$S_{\rm vdW}(X)$  ($k_B$)", ylabel=r"$S(X \mid X_*, X_{**})$",
                title=r"(c) vs $S_{\rm vdW}$; dashed: $(S - S_*) / (S_{**} - S_*)$")
    for ax in axes[1:]:
        ax.legend(fontsize="x-small")
    fig.suptitle("Canonical entropy of Eq. (1) from the trained network (filled: compounds "
                 "along x, open: along y)")
    save_figure(fig, out)
