"""Paper B's figures: Fig. 2 (collisions vs frame rate), Fig. 3 (speed distribution),
Fig. 5 (H(t) and the affinely mapped model outputs), and the training curves."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from scipy import stats

from ..plotting import save_figure, style
from .hfunc import h_delta_peak, rayleigh_pdf
from .runs import load_runs


def fig2_frame_rate(sweep: pd.DataFrame, frame_rate: float, out) -> None:
    """Collisions in a fixed time vs frame rate, with the kinetic-theory plateau."""

    style()
    g = sweep.groupby("frame_rate")["collisions"]
    mean, sem = g.mean(), g.std(ddof=1).fillna(0) / np.sqrt(g.count())
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.errorbar(mean.index, mean.values, yerr=sem.values, marker="o", ms=4, capsize=2,
                label="simulation (mean ± s.e.)")
    kt, kte = sweep["kinetic_theory"].iloc[0], sweep["kinetic_theory_enskog"].iloc[0]
    ax.axhline(kt, color="0.4", ls="--", lw=1, label=r"kinetic theory $\frac{N}{2}\,n\,2d\,"
               r"\langle|v_\mathrm{rel}|\rangle\,T$")
    ax.axhline(kte, color="0.4", ls=":", lw=1, label=r"$\times\ g(2r)$ (Enskog)")
    ax.axvline(frame_rate, color="C3", lw=1, alpha=0.7, label=f"frame rate used ({frame_rate:g})")
    ax.set_xscale("log")
    # 1-2-5 ticks as plain numbers (the default minor labels 2x10^1, 3x10^1, ... ran together)
    ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.set_xlabel("frame rate (steps per unit time)")
    ax.set_ylabel(f"collisions in T = {sweep['duration'].iloc[0]:.3g}")
    ax.set_title("Collisions missed at low frame rate")
    ax.legend(fontsize=8, loc="lower right")
    save_figure(fig, out)


def fig3_speed_distribution(vel_final_rnd: np.ndarray, speed: float, time: float,
                            n_bins: int, v_max_over_speed: float, out) -> None:
    """Speed histogram of the final frames against the 2D Maxwell-Boltzmann (Rayleigh) law."""

    style()
    v = np.hypot(vel_final_rnd[..., 0].astype(np.float64),
                 vel_final_rnd[..., 1].astype(np.float64)).ravel()
    edges = np.linspace(0.0, max(v.max(), 3.0 * speed), 41)
    counts, _ = np.histogram(v, bins=edges)
    p = np.diff(-np.expm1(-(edges**2) / speed**2))
    keep = p * len(v) >= 5
    chi2 = float((((counts - p * len(v)) ** 2) / (p * len(v)))[keep].sum())
    pval = float(stats.chi2.sf(chi2, keep.sum() - 1))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.hist(v, bins=edges, density=True, alpha=0.6, label=f"{len(v)} disks at t = {time:.3g}")
    grid = np.linspace(0, edges[-1], 400)
    ax.plot(grid, rayleigh_pdf(grid, speed), "k", lw=2,
            label=r"$f(v) = \frac{2v}{s^2} e^{-v^2/s^2}$")
    ax.axvline(speed, color="C3", ls="--", lw=1, label=f"initial speed s = {speed:.4g}")
    ax.set_xlabel("speed |v|")
    ax.set_ylabel("probability density")
    ax.set_title(f"Equilibrium speeds: χ² = {chi2:.1f} ({keep.sum() - 1} dof), p = {pval:.2g}")
    ax.legend(fontsize=8)
    save_figure(fig, out)


def fig5_h_vs_models(H_rf: np.ndarray, outs: dict[int, np.ndarray], run_r: np.ndarray,
                     heldout_r: np.ndarray, panels: np.ndarray, first_frame: int,
                     frame_rate: float, speed: float, n_bins: int, v_max_over_speed: float,
                     out, ref_outs: dict[int, np.ndarray] | None = None) -> None:
    """H(t) with the per-run affinely mapped outputs ``a h + b`` of each model width.

    ``outs`` maps width -> outputs (R, F) of our models, ``ref_outs`` (optional) those of the
    published weights on the same runs; ``panels`` indexes the runs to draw. Line styles are
    explained once, in a legend below the panels; each panel lists its fits' MSE.
    """

    from .evaluate import affine_fit  # here: loads torch (start-up time)

    style()
    sources = [("ours", outs, "--", 1.8)]
    if ref_outs:
        sources.append(("published", ref_outs, ":", 2.2))
    widths = sorted(set(outs) | set(ref_outs or {}))
    color = {h: f"C{c}" for c, h in enumerate(widths)}
    n = len(panels)
    cols = 2 if n > 1 else 1
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 4.0 * rows + 1.0), squeeze=False)
    t_f = np.arange(H_rf.shape[1]) / frame_rate
    h0 = h_delta_peak(speed, n_bins, v_max_over_speed)
    for ax, k in zip(axes.flat, panels):
        ax.plot(t_f, H_rf[k], color="k", lw=2.4)
        mse_lines = []
        for name, model_outs, ls, lw in sources:
            for h in sorted(model_outs):
                o = model_outs[h][k]
                a, b, mse = affine_fit(o[first_frame:], H_rf[k, first_frame:])
                ax.plot(t_f[first_frame:], a * o[first_frame:] + b, ls=ls, lw=lw,
                        color=color[h])
                mse_lines.append(f"{name} {h}".ljust(13) + f"{mse:.2g}")
        ax.axhline(h0, color="0.45", lw=1.0, ls="-.")
        ax.annotate(r"$H(0) = -\ln\,\Delta v$ (all speeds equal)", (t_f[-1], h0),
                    xytext=(0, -3), textcoords="offset points", ha="right", va="top",
                    fontsize=10, color="0.3")
        ax.text(0.98, 0.80, "MSE of a·h + b\n" + "\n".join(mse_lines), transform=ax.transAxes,
                ha="right", va="top", multialignment="left", fontsize=9, family="monospace",
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.8", "alpha": 0.85})
        split = "held-out" if heldout_r[k] else "training"
        ax.set_title(f"run {run_r[k]} ({split})")
        ax.set_xlabel("time")
        ax.set_ylabel("H")
        ax.set_ylim(top=h0 + 0.12 * (h0 - np.nanmin(H_rf[k])))
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    # one legend column per width (ours above published), filled column by column
    blank = Line2D([], [], alpha=0, label=" ")
    handles = [Line2D([], [], color="k", lw=2.4, label="H-functional H(t)")]
    handles += [blank] * (len(sources) - 1)
    for h in widths:
        handles += [Line2D([], [], color=color[h], ls=ls, lw=lw,
                           label=f"{name}, width {h}")
                    if h in model_outs else blank for name, model_outs, ls, lw in sources]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(widths) + 1, fontsize=11,
               frameon=False)
    fig.suptitle("H-functional and the affinely mapped DeepSets outputs a·h(t) + b"
                 + (" (ours and the published weights)" if ref_outs else ""))
    save_figure(fig, out)


def fig_training_curves(logs: dict[int, pd.DataFrame], ref_log: pd.DataFrame | None,
                        out) -> None:
    """Tilted and untilted epoch losses per width (ours solid, published log dotted)."""

    from .train import critical_epoch  # here: loads torch (start-up time)

    style()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0), sharex=True)
    for c, (h, lg) in enumerate(sorted(logs.items())):
        for ax, col in zip(axes, ("tilted_loss", "untilted_loss")):
            ax.plot(lg["epoch"], lg[col], color=f"C{c}", lw=1.8, label=f"ours h = {h}")
            if ref_log is not None and h in set(ref_log["hidden"]):
                r = ref_log[ref_log["hidden"] == h]
                ax.plot(r["epoch"], r[col], color=f"C{c}", lw=1.0, ls=":",
                        label=f"published h = {h}")
        ce = critical_epoch(lg["tilted_loss"])
        if not math.isnan(ce):
            axes[0].axvline(ce, color=f"C{c}", lw=0.8, alpha=0.6)
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set_title("tilted loss (vertical lines: critical epochs)")
    axes[1].set_title("untilted loss (α = 1)")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.set_yscale("symlog", linthresh=1e-4)
    axes[0].set_ylabel("epoch-mean loss")
    axes[1].legend(fontsize=7)
    save_figure(fig, out)





def fig_arrow_ratio(curves: pd.DataFrame, out) -> None:
    """r = N / P of the learned h against cumulative Adam steps, per width: ours solid, the
    published trainings (from their log) dotted; the two tilt schedules in grey (the tilted loss
    crosses zero where a curve meets its tilt).

    Parameters
    ----------
    curves : DataFrame
        :func:`thermolearn.paper_b.evaluate.arrow_ratio_table` (source, hidden, epoch, steps,
        alpha, P, r).
    """
    style()
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for c, h in enumerate(sorted(set(curves["hidden"]))):
        ours = curves[(curves.source == "ours") & (curves.hidden == h)]
        paper = curves[(curves.source == "paper") & (curves.hidden == h)]
        if len(ours):
            ax.plot(ours["steps"], ours["r"], color=f"C{c}", lw=1.8, label=f"ours h = {h}")
        if len(paper):
            ax.plot(paper["steps"], paper["r"], color=f"C{c}", lw=1.2, ls=":",
                    label=f"paper h = {h}")
    # the tilt is the same for every width of a training: drawn once per source
    for source, ls, label in (("ours", "--", "our tilt α"),
                              ("paper", "-.", "the paper's tilt α")):
        sub = curves[curves.source == source]
        if len(sub):
            first = sub[sub.hidden == sub["hidden"].min()]
            ax.plot(first["steps"], first["alpha"], color="0.4", lw=0.9, ls=ls, label=label)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.2)
    ax.set_xlabel("cumulative Adam steps")
    ax.set_ylabel("r = N / P  (backward / forward steps of h)")
    ax.set_title("the learned arrow: the tilted loss crosses zero where α = r")
    ax.legend(fontsize=7, ncol=2)
    save_figure(fig, out)


# -------------------------------------------------------------------------------------------
# from artifact files (the Snakemake jobs)
# -------------------------------------------------------------------------------------------


def fig3_from_runs(seed: int, paper_b: dict, run_files, out) -> None:
    """Fig. 3 from the final frames of all runs."""

    finals = [load_runs([p], seed, paper_b, arrays=("vel_rfnd",))["vel_rfnd"][:, -1]
              for p in run_files]
    gas, hf = paper_b["gas"], paper_b["hfunc"]
    fig3_speed_distribution(np.concatenate(finals), float(gas["speed"]),
                            paper_b["runs"]["n_frames"] / float(gas["frame_rate"]),
                            int(hf["n_bins"]), float(hf["v_max_over_speed"]), out)


def pick_panels(heldout_r: np.ndarray, n: int = 4) -> np.ndarray:
    """Indices of ``n`` runs to draw: half training, half held-out (evenly spaced in each)."""
    train_i, held_i = np.flatnonzero(~heldout_r), np.flatnonzero(heldout_r)
    n_held = min(len(held_i), n // 2)
    n_train = min(len(train_i), n - n_held)

    def spread(idx, k):
        return idx[np.linspace(0, len(idx) - 1, k).round().astype(int)] if k else idx[:0]

    return np.concatenate([spread(train_i, n_train), spread(held_i, n_held)])


def fig5_from_files(seed: int, paper_b: dict, run_files, output_files, out) -> None:
    """Fig. 5 from the run files and the outputs files (``ours`` and, if given, ``ref``)."""
    from .evaluate import load_outputs  # here: loads torch (start-up time)

    H = load_runs(run_files, seed, paper_b, arrays=("H_rf",))
    by_source: dict[str, dict[int, np.ndarray]] = {}
    for path in output_files:
        source, outs, _ = load_outputs(path, H["run_r"])
        by_source.setdefault(source, {}).update(outs)
    if "ours" not in by_source:
        raise ValueError(f"no outputs of our models among {list(map(str, output_files))}")
    gas, hf = paper_b["gas"], paper_b["hfunc"]
    fig5_h_vs_models(H["H_rf"], by_source["ours"], H["run_r"], H["heldout_r"],
                     pick_panels(H["heldout_r"]), int(paper_b["train"]["first_frame"]),
                     float(gas["frame_rate"]), float(gas["speed"]), int(hf["n_bins"]),
                     float(hf["v_max_over_speed"]), out, ref_outs=by_source.get("ref"))


def training_curves_from_files(log_files, hidden, ref_log_files, out) -> None:
    from .reference import parse_training_log  # here: loads torch (start-up time)

    logs = {int(h): pd.read_csv(p) for h, p in zip(hidden, log_files)}
    ref = parse_training_log(ref_log_files[0]) if len(ref_log_files) else None
    fig_training_curves(logs, ref, out)


def arrow_ratio_from_file(curves_csv, out) -> None:
    fig_arrow_ratio(pd.read_csv(curves_csv), out)
