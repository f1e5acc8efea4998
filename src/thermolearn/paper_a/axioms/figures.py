"""Figures of the axioms (Paper A, Figs. 3, 5, 6, 8, and A3, A4, Eq. 1), one rule each.

Each ``figure_*`` function is one figure rule (``paper_a_axiom_<name>_figure``): it reads only
cached artifacts -- the axiom's per-sample table and, where the figure shows a constructed
state, the example its compute rule saved (:mod:`.artifacts`) -- and prints the numbers of the
axioms table, computed from the same table by the same functions (:mod:`.analyses`). Nothing is
scored or constructed here. Images are shown as the container looks: ``imshow(img,
origin="lower")``, x to the right (piston on the right), y up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...io import ArtifactError
from ...plotting import save_figure, style
from .. import published
from . import analyses
from .artifacts import load_example, read_samples

ALONG = {"right": r"along $x$", "bottom": r"along $y$"}  # compounds (Fig. 8, Eq. 1)
MASKED = {"right": "right part masked", "bottom": "bottom part masked"}  # A4
DIR_MARKER = {"right": "o", "bottom": "s"}
WALL = {0: r"wall at $x = \lambda L_x$", 1: r"wall at $y = \lambda L$"}  # A5, by a5.csv "axis"


def _identity(ax, x, y) -> None:
    """The dashed line y = x over the range of ``x`` and ``y``, equal axes."""
    lo = float(min(np.min(x), np.min(y)))
    hi = float(max(np.max(x), np.max(y)))
    pad = 0.04 * (hi - lo or 1.0)
    ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], "--", color="k", lw=1, zorder=0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(axis="both", nbins=5)


def _by_n(ax, df, x, y, ms: float = 4) -> None:
    for k, (n_disks, g) in enumerate(df.groupby("N")):
        ax.plot(g[x], g[y], "o", ms=ms, alpha=0.7, color=f"C{k}", label=f"N = {n_disks}")


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


def _lambda_colours(lams) -> dict[float, tuple]:
    """One discrete colour per lam, ordered along viridis (its pale yellow end left out)."""
    lams = sorted(lams)
    cmap = plt.get_cmap("viridis")
    return {lam: cmap(v) for lam, v in zip(lams, np.linspace(0.0, 0.85, len(lams)))}


# ---------------------------------------------------------------------------------------------
# The plots: tables and examples in, a figure file out
# ---------------------------------------------------------------------------------------------


def plot_a1(df: pd.DataFrame, row: dict, out: str | Path) -> None:
    """Fig. 3: S~(X') of the reruns against S~(X) (a1.csv; ``row``: its table row)."""
    style()
    fig, ax = plt.subplots(figsize=(5.4, 5.2))
    _by_n(ax, df, "S", "S_rerun")
    _identity(ax, df["S"], df["S_rerun"])
    ax.set(xlabel=r"$\tilde S(X)$", ylabel=r"$\tilde S(X')$  (rerun, new microstate)",
           title=f"(A1) reflexivity: $R^2$ = {_value(row)}")
    ax.legend(fontsize="small", loc="upper left")
    save_figure(fig, out)


def plot_a3(df: pd.DataFrame, rows: list[dict], example: Mapping[str, np.ndarray],
            out: str | Path) -> None:
    """A3: an example compound (``example``, see :data:`.artifacts.EXAMPLES`) and
    S~(X, X') against S~(X) + S~(X') (a3.csv)."""
    style()
    fig = plt.figure(figsize=(11, 4.4))
    gs = fig.add_gridspec(2, 3, width_ratios=[1, 1, 2.2])
    _show(fig.add_subplot(gs[0, 0]), example["x_fhw"][0], r"$X$  ($L_x = L/2$)")
    _show(fig.add_subplot(gs[0, 1]), example["x2_fhw"][0], r"$X'$  ($L_x = L/2$)")
    _show(fig.add_subplot(gs[1, :2]), example["compound_fhw"][0],
          r"$(X, X')$: the gas halves side by side")
    ax = fig.add_subplot(gs[:, 2])
    ax.plot(df["S_a"] + df["S_b"], df["S_compound"], "o", ms=3, alpha=0.5)
    ax.locator_params(axis="x", nbins=6)
    ax.set(xlabel=r"$\tilde S(X) + \tilde S(X')$", ylabel=r"$\tilde S(X, X')$",
           title="(A3) consistency, agreement over quadruples\n" + "; ".join(
               f"{r['claim'].split('(')[1].rstrip(')')}: {_value(r)}" for r in rows))
    ax.title.set_fontsize("small")
    save_figure(fig, out)


def plot_a4(rates: pd.DataFrame, summary: list[dict], example: Mapping[str, np.ndarray],
            out: str | Path) -> None:
    """A4: agreement against lam per direction and mask variant (``rates``:
    :func:`.analyses.a4_rates`), with the masked example states."""
    style()
    fig = plt.figure(figsize=(11, 4.4))
    gs = fig.add_gridspec(2, 2, width_ratios=[1, 2.4])
    lam = float(example["lam"])
    for k, d in enumerate(example["directions"]):
        _show(fig.add_subplot(gs[k, 0]), example["scaled_dfhw"][k][0],
              rf"${lam:g}\,X$: {MASKED[str(d)]}")
    ax = fig.add_subplot(gs[:, 1])
    variants = {"pixel": ("-", "pixel mask"),
                "count": (":", r"exactly round($\lambda N$) disks")}
    for variant, (ls, what) in variants.items():
        for k, d in enumerate(MASKED):
            r = rates[(rates["variant"] == variant) & (rates["direction"] == d)]
            if len(r):
                ax.plot(r["lam"], r["rate"], ls, marker=DIR_MARKER[d], color=f"C{k}",
                        label=f"{what}, {MASKED[d]}")
    ax.axhline(published.AXIOMS["A4"], color="gray", ls="--", lw=1,
               label=f"paper (mean) {published.AXIOMS['A4']:.4f}")
    ax.set(xlabel=r"scale factor $\lambda$",
           ylabel=r"P($\lambda X \prec \lambda Y$ | $X \prec Y$)",
           title="(A4) scaling, mean agreement: " + "; ".join(
               f"{'pixel mask' if 'paper' in r['claim'] else 'count-exact'} {_value(r)}"
               for r in summary))
    ax.title.set_fontsize("small")
    ax.legend(fontsize="small")
    save_figure(fig, out)


def plot_a5(df: pd.DataFrame, rows: list[dict], out: str | Path) -> None:
    """Fig. 5: S~(X_split) against S~(X) (a) and against S~(X_recomb) (b) (a5.csv)."""
    style()
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 5.0))
    for ax, xcol, xlabel, row, tag in (
            (axes[0], "S", r"$\tilde S(X)$", rows[0], "(a)"),
            (axes[1], "S_recomb", r"$\tilde S(X_{\rm recomb})$", rows[1], "(b)")):
        for axis, g in df.groupby("axis"):
            ax.plot(g[xcol], g["S_split"], "o", ms=4, alpha=0.7, color=f"C{int(axis)}",
                    label=WALL.get(int(axis), f"wall axis {axis}"))
        _identity(ax, df[xcol], df["S_split"])
        ax.set(xlabel=xlabel, ylabel=r"$\tilde S(X_{\rm split})$",
               title=f"{tag} $R^2$ = {_value(row)}")
        ax.legend(fontsize="small", loc="upper left")
    fig.suptitle("(A5) splitting and recombination")
    save_figure(fig, out)


def zpair_label(rate_row: Mapping) -> str:
    """Legend text of one (Z1, Z2) dust pair: which states they are, by their own S~."""
    s1, s2 = float(rate_row["z1_S"]), float(rate_row["z2_S"])
    role = rate_row["zpair_role"]
    if role == "max_min":
        return rf"$Z_1$: highest $\tilde S$ ({s1:.3g}), $Z_2$: lowest ({s2:.3g})"
    if role == "min_max":
        return rf"$Z_1$: lowest $\tilde S$ ({s1:.3g}), $Z_2$: highest ({s2:.3g})"
    return rf"random: $\tilde S(Z_1)$ = {s1:.3g}, $\tilde S(Z_2)$ = {s2:.3g}"


def plot_a6(rates: pd.DataFrame, rows: list[dict], example: Mapping[str, np.ndarray],
            out: str | Path) -> None:
    """Fig. 6: agreement against the dust size eps for each (Z1, Z2) (``rates``:
    :func:`.analyses.a6_rates`), inset: the example (X, eps Z1)."""
    style()
    fig, (ax, ins) = plt.subplots(1, 2, figsize=(11, 4.8), width_ratios=[2.6, 1])
    for k, (_, r) in enumerate(rates.groupby("zpair")):
        ax.plot(r["eps"], r["rate"], "o-", ms=4, color=f"C{k}", label=zpair_label(r.iloc[0]))
    ax.axhline(1.0, color="gray", ls=":", lw=1)
    ax.set_xscale("log")
    eps_k = np.unique(rates["eps"])
    ax.set_xticks(eps_k, [f"{e:g}" for e in eps_k])
    ax.set_xticks([], minor=True)
    ax.set(xlabel=r"dust size $\varepsilon$ (fraction of the gas region of $Z$)",
           ylabel=r"P($(X, \varepsilon Z_1) \prec (Y, \varepsilon Z_2)$ | $X \prec Y$)",
           title=rf"(A6) stability: worst pair at $\varepsilon$ = {rates['eps'].min():g}: "
           f"{rows[0]['ours']:.4f}")
    ax.legend(fontsize="x-small", loc="lower left", title=r"dust states $(Z_1, Z_2)$",
              title_fontsize="x-small")
    eps, side = float(example["eps"]), int(example["side_px"])
    _show(ins, example["embedded_fhw"][0],
          rf"$(X, \varepsilon Z_1)$, $\varepsilon$ = {eps:g}" "\n"
          r"red: the corner square of $Z_1$ in $X$")
    ins.add_patch(plt.Rectangle((-0.5, -0.5), side, side, fill=False, edgecolor="red", lw=1.5))
    save_figure(fig, out)


def plot_additivity(df: pd.DataFrame, summary: list[dict], r2_by_direction: Mapping[str, float],
                    out: str | Path) -> None:
    """Fig. 8: S~(lam X, (1 - lam) Y) against lam S~(X) + (1 - lam) S~(Y) (additivity.csv).

    One column per direction of the compound, one colour per lam. Top: the compounds against
    the prediction (points in a seeded random order, so that no lam hides the others); bottom:
    the residual (compound - prediction) per lam as box plots, which the crowded scatter cannot
    show.
    """
    style()
    pred = analyses.additivity_prediction(df).to_numpy()
    s_c, lam_k = df["S_compound"].to_numpy(), df["lam"].to_numpy()
    direction = df["direction"].to_numpy()
    dirs = [d for d in ALONG if d in set(direction)]
    colours = _lambda_colours(np.unique(lam_k))
    order = np.random.default_rng(0).permutation(len(df))
    fig, axes = plt.subplots(2, len(dirs), figsize=(5.0 * len(dirs) + 1.6, 7.6), squeeze=False,
                             height_ratios=[3, 1.2], sharey="row")
    for k, d in enumerate(dirs):
        ax, res = axes[0, k], axes[1, k]
        m = order[direction[order] == d]
        ax.scatter(pred[m], s_c[m], c=[colours[v] for v in lam_k[m]], s=10, alpha=0.5,
                   linewidths=0)
        _identity(ax, pred, s_c)  # the same range in every panel
        ax.set(xlabel=r"$\lambda \tilde S(X) + (1-\lambda) \tilde S(Y)$",
               title=f"compound {ALONG[d]}: $R^2$ = {r2_by_direction[d]:.4f}")
        resid = [s_c[(direction == d) & (lam_k == v)] - pred[(direction == d) & (lam_k == v)]
                 for v in colours]
        boxes = res.boxplot(resid, positions=np.arange(len(colours)), widths=0.6,
                            patch_artist=True, flierprops=dict(ms=2, alpha=0.5),
                            medianprops=dict(color="k"))
        for patch, colour in zip(boxes["boxes"], colours.values()):
            patch.set_facecolor(colour)
        res.axhline(0.0, color="k", ls="--", lw=1, zorder=0)
        res.set_xticks(np.arange(len(colours)), [f"{v:g}" for v in colours])
        res.set(xlabel=r"$\lambda$")
    axes[0, 0].set_ylabel(r"$\tilde S(\lambda X, (1-\lambda) Y)$")
    axes[1, 0].set_ylabel(r"residual $\Delta \tilde S$")
    handles = [plt.Line2D([], [], ls="none", marker="o", ms=6, color=c,
                          label=rf"$\lambda$ = {v:g}") for v, c in colours.items()]
    axes[0, -1].legend(handles=handles, fontsize="small", loc="center left",
                       bbox_to_anchor=(1.02, 0.5), frameon=False)
    fig.suptitle(f"Extensivity and additivity: $R^2$ = {_value(summary[0])}")
    save_figure(fig, out)


def plot_canonical(df: pd.DataFrame, curve: pd.DataFrame, fits: pd.DataFrame,
                   out: str | Path) -> None:
    """Eq. (1): the compound curves (canonical_curve.csv), and the canonical entropy against
    S~ and S_vdW (canonical.csv; ``fits``: :func:`.analyses.canonical_fits`)."""
    style()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    fill = {"right": "full", "bottom": "none"}
    for k, (n_disks, c) in enumerate(curve.groupby("N")):
        for d in ALONG:
            cd = c[c["direction"] == d]
            if cd.empty:
                continue
            axes[0].plot(cd["lam"], cd["S_compound"], "-" if d == "right" else ":",
                         color=f"C{k}", label=f"N = {n_disks}, {ALONG[d]}")
    axes[0].set(xlabel=r"$\lambda$", ylabel=r"$\tilde S(((1-\lambda) X_*, \lambda X_{**}))$",
                title="(a) compounds of the reference states")
    axes[0].legend(fontsize="x-small")
    for k, (n_disks, g) in enumerate(df.groupby("N")):
        for d in ALONG:
            gd = g[g["direction"] == d]
            if gd.empty:
                continue
            kw = dict(ms=4, alpha=0.7, color=f"C{k}", fillstyle=fill[d], ls="none")
            f = fits[(fits["N"] == n_disks) & (fits["direction"] == d)].iloc[0]
            axes[1].plot(gd["S"], gd["lam_canon"], "o", **kw,
                         label=f"N = {n_disks}, {ALONG[d]}: $R^2$ = {f.r2_S:.3f}")
            axes[2].plot(gd["S_vdW"], gd["lam_canon"], "o", **kw,
                         label=f"N = {n_disks}, {ALONG[d]}: $R^2$ = {f.r2_vdw:.3f}")
        order = np.argsort(g["S_vdW"].to_numpy())
        axes[2].plot(g["S_vdW"].to_numpy()[order], g["lam_vdw"].to_numpy()[order], "--",
                     color=f"C{k}", lw=1)
    axes[1].set(xlabel=r"$\tilde S(X)$", ylabel=r"$S(X \mid X_*, X_{**})$",
                title="(b) canonical entropy vs network output")
    axes[2].set(xlabel=r"$S_{\rm vdW}(X)$  ($k_B$)", ylabel=r"$S(X \mid X_*, X_{**})$",
                title=r"(c) vs $S_{\rm vdW}$; dashed: $(S - S_*) / (S_{**} - S_*)$")
    for ax in axes[1:]:
        ax.legend(fontsize="x-small")
    fig.suptitle(r"Canonical entropy of Eq. (1) from the trained network (filled: compounds "
                 r"along $x$, open: along $y$)")
    save_figure(fig, out)


# ---------------------------------------------------------------------------------------------
# The figure rules: cached artifacts in, one figure out
# ---------------------------------------------------------------------------------------------


def _summary(fn, path, *args):
    """``fn(*args)``, a table's inconsistency (ValueError) reported against its file."""
    try:
        return fn(*args)
    except ValueError as exc:
        raise ArtifactError(f"{path}: {exc}") from None


def figure_a1(a1_csv: str | Path, out: str | Path) -> None:
    """The ``paper_a_axiom_a1_figure`` rule: Fig. 3 from a1.csv."""
    df = read_samples(a1_csv, "a1")
    plot_a1(df, _summary(analyses.summary_a1, a1_csv, df)[0], out)


def figure_a3(a3_csv: str | Path, example_npz: str | Path, a3: Mapping, seed: int,
              out: str | Path) -> None:
    """The ``paper_a_axiom_a3_figure`` rule, from a3.csv and a3_example.npz; ``a3``
    (``paper_a.axioms.a3``: ``max_quadruples``) and ``seed`` fix the quadruples counted, as in
    the axioms table."""
    df = read_samples(a3_csv, "a3")
    rows = _summary(analyses.summary_a3, a3_csv, df, int(a3["max_quadruples"]),
                    analyses.sample_seed(seed, "a3"))
    plot_a3(df, rows, load_example(example_npz, "a3"), out)


def _rates_figure(kind: str, plot, rates, summary, csv: str | Path, example_npz: str | Path,
                  out: str | Path) -> None:
    """A4 and A6: ``plot(rates, summary rows, example, out)`` from the samples and example."""
    df = read_samples(csv, kind)
    plot(_summary(rates, csv, df), _summary(summary, csv, df), load_example(example_npz, kind),
         out)


def figure_a4(a4_csv: str | Path, example_npz: str | Path, out: str | Path) -> None:
    """The ``paper_a_axiom_a4_figure`` rule, from a4.csv and a4_example.npz."""
    _rates_figure("a4", plot_a4, analyses.a4_rates, analyses.summary_a4, a4_csv, example_npz, out)


def figure_a5(a5_csv: str | Path, out: str | Path) -> None:
    """The ``paper_a_axiom_a5_figure`` rule: Fig. 5 from a5.csv."""
    df = read_samples(a5_csv, "a5")
    plot_a5(df, _summary(analyses.summary_a5, a5_csv, df), out)


def figure_a6(a6_csv: str | Path, example_npz: str | Path, out: str | Path) -> None:
    """The ``paper_a_axiom_a6_figure`` rule: Fig. 6 from a6.csv and a6_example.npz."""
    _rates_figure("a6", plot_a6, analyses.a6_rates, analyses.summary_a6, a6_csv, example_npz, out)


def figure_additivity(csv: str | Path, out: str | Path) -> None:
    """The ``paper_a_axiom_additivity_figure`` rule: Fig. 8 from additivity.csv."""
    df = read_samples(csv, "additivity")
    plot_additivity(df, _summary(analyses.summary_additivity, csv, df),
                    _summary(analyses.additivity_r2_by_direction, csv, df), out)


def figure_canonical(csv: str | Path, curve_csv: str | Path, out: str | Path) -> None:
    """The ``paper_a_axiom_canonical_figure`` rule, from canonical.csv and
    canonical_curve.csv."""
    df = read_samples(csv, "canonical")
    curve = read_samples(curve_csv, "canonical_curve")
    plot_canonical(df, curve, _summary(analyses.canonical_fits, csv, df), out)
