"""How fast the gas relaxes after a piston move: the measurement behind ``t_eq`` and ``t_hold``.

For the slowest case (lowest density: the smallest N at Lx = L) we move the piston by the largest
stroke at the fastest speed, in both directions, then hold and record, in time bins after the move:

- ``p_ratio``: pressure on the piston (time-averaged force / L) over the equation of state
  ``N T / (V - N b)``, ``b = 2 pi R^2``, ``T = K / N`` (1 in equilibrium);
- ``k_ratio``: kinetic energy in x over that in y (1 in equilibrium: the piston heats or cools
  only the x motion);
- ``kurtosis``: excess kurtosis of v_x (0 for a Maxwell distribution);
- ``density``: fraction of disks in the half of the box next to the piston (1/2).

Averaged over independent repeats. The relaxation time of an observable is the first time after
which its mean stays within a band of 3 standard errors around its late-time value (the last
third of the observation); ``t_relax`` is the largest of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...jobs import progress
from .engine import GasParams, Simulator
from .initial import random_state

OBSERVABLES = ("p_ratio", "k_ratio", "kurtosis", "density")


def _observe(sim: Simulator, p: GasParams, impulse_prev: float, dt_bin: float) -> dict:
    st = sim.state
    n = st.N
    vx, vy = st.vel_nd[:, 0], st.vel_nd[:, 1]
    kx, ky = 0.5 * p.mass * np.sum(vx * vx), 0.5 * p.mass * np.sum(vy * vy)
    T = (kx + ky) / n
    area = p.L * st.Lx
    p_eos = n * T / (area - n * 2 * np.pi * p.R**2)
    pressure = (sim.impulse - impulse_prev) / (dt_bin * p.L)
    vxc = vx - vx.mean()
    kurt = np.mean(vxc**4) / np.mean(vxc**2) ** 2 - 3.0
    return dict(p_ratio=pressure / p_eos, k_ratio=kx / ky, kurtosis=kurt,
                density=float(np.mean(st.pos_nd[:, 0] > 0.5 * st.Lx)))


def measure(paper_a: dict, seed: int, show_progress: bool = True) -> pd.DataFrame:
    """Run the relaxation experiment.

    Returns
    -------
    pandas.DataFrame
        One row per (case, repeat, time bin): ``case`` (push/pull), ``repeat``, ``t`` (time
        since the move ended, bin centre), and the observables.
    """
    rx = paper_a["relaxation"]
    p = GasParams.from_config(paper_a)
    L = p.L
    dl = max(paper_a["design"]["dL"])
    cases = {"push": (L, L - dl), "pull": (L - dl, L)}
    bin_steps = int(round(rx["bin_width"] / p.dt))
    n_bins = int(round(rx["t_obs"] / rx["bin_width"]))
    move_steps = int(round(dl / rx["v"] / p.dt))
    pre_steps = int(round(rx["t_pre"] / p.dt))
    total = len(cases) * rx["n_repeats"] * (pre_steps + move_steps + n_bins * bin_steps)
    rows = []
    ss = np.random.SeedSequence([int(seed), 0x5E1A])
    with progress(total, "relaxation", disable=not show_progress) as bar:
        for ci, (case, (lx0, lx1)) in enumerate(cases.items()):
            for rep, child in enumerate(ss.spawn(rx["n_repeats"] * 2)[ci::2]):
                rng = np.random.default_rng(child)
                st = random_state(int(rx["N"]), p, float(paper_a["gas"]["T0"]), rng, Lx=lx0)
                sim = Simulator(st, p)
                sim.hold(pre_steps)
                sim.move(lx1, move_steps)
                bar.update(pre_steps + move_steps)
                for b in range(n_bins):
                    imp = sim.impulse
                    sim.hold(bin_steps)
                    obs = _observe(sim, p, imp, rx["bin_width"])
                    rows.append(dict(case=case, repeat=rep, t=(b + 0.5) * rx["bin_width"], **obs))
                    bar.update(bin_steps)
    return pd.DataFrame(rows)


def relaxation_times(df: pd.DataFrame, n_sigma: float = 3.0) -> pd.DataFrame:
    """Relaxation time per (case, observable) from :func:`measure`'s table."""
    out = []
    for case, g in df.groupby("case"):
        t = np.sort(g["t"].unique())
        late = t >= t[0] + 2.0 * (t[-1] - t[0]) / 3.0
        for obs in OBSERVABLES:
            piv = g.pivot(index="t", columns="repeat", values=obs).loc[t]
            mean = piv.mean(axis=1).to_numpy()
            sem_late = piv.to_numpy()[late].std() / np.sqrt(piv.shape[1])
            target = mean[late].mean()
            band = n_sigma * sem_late
            outside = np.flatnonzero(np.abs(mean - target) > band)
            # first time after which the mean never leaves the band again
            t_relax = 0.0 if len(outside) == 0 else float(t[outside[-1]] + 0.5 * (t[1] - t[0]))
            out.append(dict(case=case, observable=obs, t_relax=t_relax, late_value=target,
                            band=band))
    return pd.DataFrame(out)


def plot(df: pd.DataFrame, times: pd.DataFrame, paper_a: dict, path) -> None:
    """Observables vs time after the move, with the chosen t_hold marked."""
    import matplotlib.pyplot as plt

    from ...plotting import save_figure, style

    style()
    labels = {"p_ratio": r"$P_\mathrm{piston}\,/\,P_\mathrm{vdW}$",
              "k_ratio": r"$K_x / K_y$", "kurtosis": r"excess kurtosis of $v_x$",
              "density": "fraction of disks near piston"}
    refs = {"p_ratio": 1.0, "k_ratio": 1.0, "kurtosis": 0.0, "density": 0.5}
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    t_hold = paper_a["protocol"]["t_hold"]
    for ax, obs in zip(axes.flat, OBSERVABLES):
        for case, g in df.groupby("case"):
            m = g.groupby("t")[obs].agg(["mean", "sem"])
            ax.plot(m.index, m["mean"], label=case)
            ax.fill_between(m.index, m["mean"] - m["sem"], m["mean"] + m["sem"], alpha=0.25)
            tr = times.query("case == @case and observable == @obs")["t_relax"].iloc[0]
            ax.axvline(tr, ls=":", lw=1, color=ax.lines[-1].get_color())
        ax.axhline(refs[obs], color="k", lw=0.8)
        ax.axvline(t_hold, color="crimson", lw=1.5, ls="--", label=f"t_hold = {t_hold:g}")
        ax.set_ylabel(labels[obs])
    for ax in axes[1]:
        ax.set_xlabel("time since the piston stopped")
    axes[0, 0].legend(fontsize=8)
    rx = paper_a["relaxation"]
    fig.suptitle(f"Relaxation after a piston move of {max(paper_a['design']['dL']):g} at "
                 f"v = {rx['v']:g}, N = {rx['N']}, L = {paper_a['gas']['L']:g}\n"
                 f"mean of {rx['n_repeats']} runs (band: standard error); "
                 "dotted: relaxation time of each curve")
    save_figure(fig, path)
