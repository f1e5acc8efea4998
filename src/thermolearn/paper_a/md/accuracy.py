"""How well the MD keeps the first law at the paper's time step: the measurement behind the bound.

Velocity Verlet does not conserve energy exactly. With the soft-disk force of Eq. 3, whose
derivative jumps at contact (r = 2R), every contact leaves a small energy error, systematically
positive (integrator heating), so ``E - W`` drifts upwards at a rate proportional to the rate of
contacts. The potential energy U is proportional to the number of disks in contact at any time,
so the heating rate is proportional to U: over an interval, ``Delta(E - W) ~ kappa(dt) int U dt``
(the bound, :mod:`.fidelity`).

:func:`measure_sweep` runs a few representative processes (``paper_a.md_accuracy.processes``)
through the paper's protocol (``n_cycles`` of it) at every time step of ``paper_a.md_accuracy.dt``
from the same seeded initial state and records:

- a trace (every ``chunk_time``): ``E``, ``W``, ``U``, the first-law error ``(E - E0 - W)/E0``;
- per segment (push, hold, pull): the increment of ``E - W``, ``int U dt`` over the segment
  and their ratio (a heating rate relative to U, units of 1/time), and the increment per unit
  time and disk;
- per process and time step: the worst first-law error over the recorded states (the ends of the
  holds, as :func:`.job.run_md_job` measures it), the CPU seconds of the integration, and the
  share of the S_vdW production that integrator heating makes (:func:`heating_share`).

:func:`design_fidelity` reads the first-law error every MD artifact of the run recorded
(``meta["first_law_error"]``) without loading its arrays. Times are in units of
``R sqrt(m / (kB T0))``, energies in kB T0. This module draws nothing (:mod:`.accuracy_figure`).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..entropy import vdw_entropy
from .artifact import load_md
from .engine import GasParams, Simulator, compile_kernels
from .fidelity import contact_rate, first_law_bound
from .initial import random_state
from .protocol import process_segments, steps_for


def heating_share(N: int, E0: float, E1: float, V0: float, V1: float, dE_int: float,
                  R: float) -> float:
    """Share of a process's S_vdW production made by integrator heating.

    ``S_vdW(E, V) = N ln[(E/N)(V/N - 2 pi R^2)]`` (Eq. 4 with the total energy E for U). Of the
    production ``Delta S = S_vdW(E1, V1) - S_vdW(E0, V0)`` the integrator's excess energy
    ``dE_int = E1 - E0 - W`` contributes ``S_vdW(E1, V1) - S_vdW(E1 - dE_int, V1) =
    N ln[E1 / (E1 - dE_int)]`` (about ``N dE_int / E1``): the entropy the end state would lack
    if the integrator were exact. The share is that over ``Delta S``.

    Parameters
    ----------
    N : int
        Number of disks.
    E0, E1 : float
        Total energy at the start and end (kB T0).
    V0, V1 : float
        Volume (area) at the start and end (R^2).
    dE_int : float
        Integrator heating ``E1 - E0 - W`` (kB T0).
    R : float
        Disk radius.

    Returns
    -------
    float
        ``N ln[E1 / (E1 - dE_int)] / Delta S`` (dimensionless; NaN when ``Delta S = 0``).
    """
    s0 = float(vdw_entropy(N, E0, V0, R))
    s1 = float(vdw_entropy(N, E1, V1, R))
    ds_int = N * np.log(E1 / (E1 - dE_int))
    return float(ds_int / (s1 - s0)) if s1 != s0 else float("nan")


def _rates(sample: dict, N: int, p: GasParams) -> list[float]:
    """Contact rate and its T- and T^2-weighted values at a trace sample (``T = (E - U)/N``)."""
    temp = (sample["E"] - sample["U"]) / N
    r = contact_rate(N, sample["Lx"], p.L, p.R, temp, p.mass)
    return [r, temp * r, temp * temp * r]


def _kind(Lx_a: float, Lx_b: float) -> str:
    return "hold" if Lx_a == Lx_b else ("push" if Lx_b < Lx_a else "pull")


def run_one(paper_a: dict, proc: dict, dt: float, n_cycles: int, seed: int,
            chunk_time: float, t_eq: float | None = None,
            t_hold: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One process at one time step, from the state seeded by ``seed`` (the same for every dt).

    Parameters
    ----------
    paper_a : dict
        The ``paper_a`` config (``gas``, ``protocol``, ``integrator.skin``).
    proc : dict
        ``N``, ``v_push``, ``v_pull``, ``dL_push``, ``dL_pull``.
    dt : float
        Time step.
    n_cycles : int
        Push/pull cycles of the protocol.
    seed : int
        Seed of the initial state.
    chunk_time : float
        Time between trace samples (and U samples for ``int U dt``).
    t_eq, t_hold : float, optional
        Initial and later holds (default: ``paper_a.protocol``'s).

    Returns
    -------
    trace : DataFrame
        One row per sample: ``t``, ``Lx``, ``E``, ``W``, ``U``, ``err`` = ``(E - E0 - W)/E0``.
    segments : DataFrame
        One row per segment: ``segment`` (index), ``kind`` (push/hold/pull), ``t0``, ``t1``,
        ``Lx_a``, ``Lx_b``, ``dEW`` (increment of E - W), ``intU`` (int U dt, trapezoid over
        the samples), ``U_mean``, ``rate_U`` = ``dEW / intU`` (1/time), ``rate_N`` =
        ``dEW / (N (t1 - t0))``, ``contacts`` (expected, :func:`.fidelity.contact_rate`),
        ``t_dx`` and ``t2_dx`` (``int T dX``, ``int T^2 dX``), ``per_contact`` =
        ``dEW / t_dx`` (mean error per contact in units of kB T), ``bound`` (:func:`.fidelity.first_law_bound` of the segment),
        ``record``.
    summary : dict
        ``N``, ``v_push``, ``v_pull``, ``dL_push``, ``dL_pull``, ``dt``, ``steps``, ``cpu_s``,
        ``E0``, ``E1``, ``W``, ``dE_int``, ``worst_state_error`` (max over recorded states of
        ``|E - E0 - W| / E0``), ``final_error`` (signed), ``dS_vdW``, ``heating_share``.
    """
    g = paper_a["gas"]
    p = GasParams(L=float(g["L"]), R=float(g["R"]), mass=float(g["mass"]), C=float(g["C"]),
                  dt=float(dt), skin=float(paper_a["integrator"]["skin"]))
    N = int(proc["N"])
    rng = np.random.default_rng(int(seed))
    state = random_state(N, p, float(g["T0"]), rng)
    segs = process_segments(paper_a, proc, n_cycles=n_cycles, t_eq=t_eq, t_hold=t_hold,
                            dt=p.dt)
    compile_kernels()
    chunk = max(1, steps_for(chunk_time, p.dt))
    sim = Simulator(state, p)
    e0 = sim.energy()
    u = sim.potential()
    trace = [dict(t=state.t, Lx=state.Lx, E=e0, W=0.0, U=u, err=0.0)]
    seg_rows, state_err = [], [0.0]
    cpu = 0.0
    steps = 0
    for si, seg in enumerate(segs):
        t0, ew0 = state.t, trace[-1]["E"] - trace[-1]["W"]
        ts, us = [state.t], [trace[-1]["U"]]
        xs = [_rates(trace[-1], N, p)]
        k = 0
        while k < seg.n_steps:
            kk = min(seg.n_steps, k + chunk)
            c0 = time.process_time()
            sim.advance(seg.Lx_a, seg.Lx_b, k, kk, max(seg.n_steps, 1))
            cpu += time.process_time() - c0
            steps += kk - k
            k = kk
            e, u = sim.energy(), sim.potential()
            trace.append(dict(t=state.t, Lx=state.Lx, E=e, W=sim.work, U=u,
                              err=(e - e0 - sim.work) / e0))
            ts.append(state.t)
            us.append(u)
            xs.append(_rates(trace[-1], N, p))
        dew = (trace[-1]["E"] - trace[-1]["W"]) - ew0
        int_u = float(np.trapezoid(us, ts)) if len(ts) > 1 else 0.0
        x_3 = np.trapezoid(np.array(xs), ts, axis=0) if len(ts) > 1 else np.zeros(3)
        dur = state.t - t0
        seg_rows.append(dict(
            segment=si, kind=_kind(seg.Lx_a, seg.Lx_b), t0=t0, t1=state.t, Lx_a=seg.Lx_a,
            Lx_b=seg.Lx_b, dEW=dew, intU=int_u, U_mean=int_u / dur if dur > 0 else us[-1],
            rate_U=dew / int_u if int_u > 0 else np.nan,
            rate_N=dew / (N * dur) if dur > 0 else np.nan,
            contacts=x_3[0], t_dx=x_3[1], t2_dx=x_3[2],
            per_contact=dew / x_3[1] if x_3[1] > 0 else np.nan,
            bound=first_law_bound(x_3[1], x_3[2], p.dt), record=seg.record))
        if seg.record:
            state_err.append(abs(trace[-1]["err"]))
    e1, w = trace[-1]["E"], trace[-1]["W"]
    d_int = e1 - e0 - w
    V0, V1 = p.L * trace[0]["Lx"], p.L * trace[-1]["Lx"]
    ds = float(vdw_entropy(N, e1, V1, p.R) - vdw_entropy(N, e0, V0, p.R))
    summary = dict(N=N, v_push=float(proc["v_push"]), v_pull=float(proc["v_pull"]),
                   dL_push=float(proc["dL_push"]), dL_pull=float(proc["dL_pull"]), dt=float(dt),
                   n_cycles=int(n_cycles), t_hold=float(segs[-1].n_steps * p.dt), steps=int(steps), cpu_s=cpu, E0=e0, E1=e1, W=w,
                   dE_int=d_int, worst_state_error=float(max(state_err)),
                   final_error=d_int / e0, dS_vdW=ds,
                   heating_share=heating_share(N, e0, e1, V0, V1, d_int, p.R))
    return pd.DataFrame(trace), pd.DataFrame(seg_rows), summary


def process_label(proc: dict) -> str:
    """``N2000_v0.5-0.5_dL150-150``: a short name of an accuracy process."""
    return (f"N{int(proc['N'])}_v{float(proc['v_push']):g}-{float(proc['v_pull']):g}"
            f"_dL{float(proc['dL_push']):g}-{float(proc['dL_pull']):g}")


def measure_sweep(paper_a: dict, seed: int, log=None) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                pd.DataFrame]:
    """The dt sweep of ``paper_a.md_accuracy``.

    Parameters
    ----------
    paper_a : dict
        The ``paper_a`` config; ``md_accuracy`` holds ``processes`` (list of dicts with ``N``,
        ``v_push``, ``v_pull``, ``dL_push``, ``dL_pull``), ``dt`` (list), ``n_cycles``,
        ``chunk_time`` and ``t_eq``, ``t_hold`` (null: the protocol's).
    seed : int
        Master seed; process i starts from the state seeded by ``[seed, 0xACC, i]`` at every dt.

    Returns
    -------
    summary, segments, trace : DataFrame
        :func:`run_one`'s outputs stacked, with columns ``process`` (label) and ``dt`` added
        to ``segments`` and ``trace``.
    """
    acc = paper_a["md_accuracy"]
    sums, segs, traces = [], [], []
    for i, proc in enumerate(acc["processes"]):
        pseed = int(np.random.SeedSequence([int(seed), 0xACC, i]).generate_state(1)[0])
        label = process_label(proc)
        for dt in acc["dt"]:
            tr, sg, sm = run_one(paper_a, proc, float(dt), int(acc["n_cycles"]), pseed,
                                 float(acc["chunk_time"]), acc.get("t_eq"), acc.get("t_hold"))
            if log is not None:
                log.info("%s dt=%g: worst first-law error %.3e, final %.3e, CPU %.1f s, "
                         "heating share %.3f", label, dt, sm["worst_state_error"],
                         sm["final_error"], sm["cpu_s"], sm["heating_share"])
            sums.append(dict(process=label, **sm))
            for df in (tr, sg):
                df.insert(0, "dt", float(dt))
                df.insert(0, "process", label)
            traces.append(tr)
            segs.append(sg)
    return pd.DataFrame(sums), pd.concat(segs, ignore_index=True), pd.concat(traces,
                                                                             ignore_index=True)


def design_fidelity(md_paths: list[str | Path], design: pd.DataFrame) -> pd.DataFrame:
    """The first-law error every MD artifact of the run recorded.

    Parameters
    ----------
    md_paths : list of path
        ``results/.../paper_a/md/<process>.npz``; only their metadata is read.
    design : DataFrame
        The process design (``process``, ``N``, ``v_push``, ``v_pull``, ``dL_push``,
        ``dL_pull``).

    Returns
    -------
    DataFrame
        One row per artifact: ``process``, ``N``, ``v_push``, ``v_pull``, ``dL_push``,
        ``dL_pull``, ``first_law_error`` (max over the process's states of
        ``|E - E0 - W| / E0``), ``first_law_bound`` (the bound at the last state over E0),
        ``first_law_excess`` (max over states of the error over its bound), ``steps``.
    """
    by_name = design.set_index("process")
    rows = []
    for path in md_paths:
        meta, _ = load_md(path, arrays=False)
        name = meta["config"]["process"]["process"]
        d = by_name.loc[name]
        rows.append(dict(process=name, N=int(d["N"]), v_push=float(d["v_push"]),
                         v_pull=float(d["v_pull"]), dL_push=float(d["dL_push"]),
                         dL_pull=float(d["dL_pull"]),
                         first_law_error=float(meta["first_law_error"]),
                         first_law_bound=float(meta.get("first_law_bound", np.nan)),
                         first_law_excess=float(meta.get("first_law_excess", np.nan)),
                         steps=int(meta.get("steps", 0))))
    return pd.DataFrame(rows)


def sweep_summary(summary: pd.DataFrame, segments: pd.DataFrame) -> dict:
    """The numbers of the dt sweep that ``docs/md_accuracy.md`` quotes (a JSON-able dict).

    Parameters
    ----------
    summary, segments : DataFrame
        :func:`measure_sweep`'s first two tables.

    Returns
    -------
    dict
        ``by_dt``: per dt, the worst state error over the processes, the CPU seconds relative to
        the first dt, the largest heating share and the largest ``|dEW| / bound`` of a segment;
        ``worst_per_contact``: the largest mean error per contact (kB T) of a segment at each dt.
    """
    ref = summary.groupby("process")["cpu_s"].transform("first")
    s = summary.assign(cost=summary["cpu_s"] / ref)
    seg = segments.assign(excess=segments["dEW"].abs() / segments["bound"])
    by_dt = {}
    for dt, g in s.groupby("dt", sort=False):
        gs = seg[seg["dt"] == dt]
        by_dt[f"{dt:g}"] = dict(
            worst_state_error=float(g["worst_state_error"].max()),
            cpu_cost=float(g["cost"].mean()), heating_share_max=float(g["heating_share"].max()),
            segment_excess_max=float(gs["excess"].max()),
            worst_per_contact=float(gs["per_contact"].max()))
    return {"by_dt": by_dt}
