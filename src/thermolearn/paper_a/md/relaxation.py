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
which its mean over the repeats stays within a noise band around its equilibrium value
(:data:`EQUILIBRIUM`, see :func:`relaxation_times`). Times are in units of R sqrt(m / (kB T0)),
counted from the end of the move.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from ...jobs import progress
from .engine import GasParams, Simulator, compile_kernels
from .initial import random_state

OBSERVABLES = ("p_ratio", "k_ratio", "kurtosis", "density")
# Equilibrium values: K_x / K_y = 1 (equipartition) and density 1/2 (the two halves are mirror
# images) exactly; the kurtosis of the Maxwell distribution is 0 up to O(1/N); the pressure
# obeys the van der Waals law to ~2% at the paper's densities (late values in
# docs/relaxation.md), well inside the bands of the measurement.
EQUILIBRIUM = {"p_ratio": 1.0, "k_ratio": 1.0, "kurtosis": 0.0, "density": 0.5}


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

    Parameters
    ----------
    paper_a : dict
        The ``paper_a`` config (``gas``, ``integrator``, ``relaxation``, ``design.dL``).
    seed : int
        Master seed (a stream of its own is derived for this measurement).

    Returns
    -------
    pandas.DataFrame
        One row per (case, repeat, time bin): ``case`` (push/pull), ``repeat``, ``t`` (time
        since the move ended, bin centre, units of ``R sqrt(m / (kB T0))``), and the
        observables (dimensionless).
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
    compile_kernels()  # before the bar: its rate and ETA must not count the JIT
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


def relaxation_times(df: pd.DataFrame, false_alarm: float = 0.05) -> pd.DataFrame:
    """Relaxation time per (case, observable) from :func:`measure`'s table.

    The mean over the repeats is compared, bin by bin, with the observable's equilibrium value
    (:data:`EQUILIBRIUM`). The band around it is ``n_sigma`` standard errors of a bin's mean,
    with ``n_sigma`` such that equilibrium noise leaves it in any of the ``n_bins`` bins with
    probability at most ``false_alarm`` (two-sided, Bonferroni: 3.1 for 30 bins, 3.5 for 100).
    The standard error is that of equilibrium fluctuations: the spread across repeats within
    each bin of the last third of the observation, pooled (so a drift of the mean there does
    not widen the band; with a single repeat, its spread over those bins). The relaxation time
    is the end of the last bin outside the band. When the last bin is outside, the observable
    has not relaxed within the observation: ``relaxed`` is False and ``t_relax`` (the end of
    the observation) only a lower bound.

    Parameters
    ----------
    df : DataFrame
        :func:`measure`'s table.
    false_alarm : float
        Probability that a fully relaxed observable is read as relaxing anywhere.

    Returns
    -------
    DataFrame
        One row per (case, observable): ``t_relax`` (units of ``R sqrt(m / (kB T0))``),
        ``relaxed``, ``equilibrium`` (the reference value), ``band`` (its half-width),
        ``n_sigma``, ``late_value`` (mean over the last third of the observation) and
        ``final_value`` (mean of the last bin).
    """
    out = []
    for case, g in df.groupby("case"):
        t = np.sort(g["t"].unique())
        half_bin = 0.5 * (t[1] - t[0]) if len(t) > 1 else 0.0
        late = t >= t[0] + 2.0 * (t[-1] - t[0]) / 3.0
        n_sigma = NormalDist().inv_cdf(1.0 - false_alarm / (2 * len(t)))
        for obs in OBSERVABLES:
            x_tr = g.pivot(index="t", columns="repeat", values=obs).loc[t].to_numpy()
            n_rep = x_tr.shape[1]
            mean_t = x_tr.mean(axis=1)
            var = (x_tr[late].var(axis=1, ddof=1).mean() if n_rep > 1
                   else x_tr[late].var(ddof=1))
            band = n_sigma * np.sqrt(var / n_rep)
            outside = np.flatnonzero(~(np.abs(mean_t - EQUILIBRIUM[obs]) <= band))
            t_relax = 0.0 if len(outside) == 0 else float(t[outside[-1]] + half_bin)
            out.append(dict(case=case, observable=obs, t_relax=t_relax,
                            relaxed=bool(len(outside) == 0 or outside[-1] < len(t) - 1),
                            equilibrium=EQUILIBRIUM[obs], band=band, n_sigma=n_sigma,
                            late_value=float(mean_t[late].mean()), final_value=float(mean_t[-1])))
    return pd.DataFrame(out)
