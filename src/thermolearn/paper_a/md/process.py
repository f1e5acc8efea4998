"""Running the piston protocol: one process integrated through its schedule, states recorded."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .engine import BlowUpError, GasParams, MDState, Simulator
from .fidelity import contact_rate, first_law_bound, is_blow_up
from .initial import random_state
from .protocol import Segment, steps_for


@dataclass
class ProcessRecord:
    """Everything recorded along one process (see :func:`run_process` for shapes)."""

    pos_sfnd: np.ndarray
    pos_snd: np.ndarray
    vel_snd: np.ndarray
    time_sf: np.ndarray
    ekin_sf: np.ndarray
    epot_sf: np.ndarray
    Lx_s: np.ndarray
    work_s: np.ndarray
    t_dx_s: np.ndarray
    t2_dx_s: np.ndarray
    piston_t: np.ndarray
    piston_Lx: np.ndarray
    piston_work: np.ndarray


def run_process(state: MDState, params: GasParams, segments: list[Segment], n_frames: int,
                dt_rec: float, chunk_steps: int = 20000, max_energy_error: float = 1e-2,
                progress: Callable[[int], None] | None = None,
                walls_fixed: bool = False) -> ProcessRecord:
    """Integrate ``state`` through ``segments`` and record the states.

    Parameters
    ----------
    state : MDState
        Initial phase point (modified in place).
    params : GasParams
    segments : list of Segment
    n_frames, dt_rec
        Snapshots per recorded hold and their spacing; the last is at the end of the hold.
    chunk_steps : int
        Steps between bookkeeping points (piston trajectory samples, energy checks, progress).
    max_energy_error : float
        Abort with :class:`BlowUpError` when the first law jumps: when ``E - W`` changes between
        two checks (every ``chunk_steps``) by more than this fraction of E0 and by more than
        :data:`.fidelity.BLOWUP_MARGIN` first-law bounds of the interval
        (:func:`.fidelity.is_blow_up`). Verlet's error is a slow heating proportional to the
        contacts (``int U dt``) plus a random walk; a blow-up is a jump.
    progress : callable, optional
        Called with the number of steps just done.

    Returns
    -------
    ProcessRecord
        With S recorded states, F = n_frames, N disks: ``pos_sfnd`` (S, F, N, 2) float32
        snapshot positions; ``pos_snd``, ``vel_snd`` (S, N, 2) float64 exact phase point at each
        state's last frame (restart point); ``time_sf``, ``ekin_sf``, ``epot_sf`` (S, F);
        ``Lx_s`` (S,) piston position; ``work_s`` (S,) cumulative piston work at the state;
        ``t_dx_s``, ``t2_dx_s`` (S,) ``int T dX`` and ``int T^2 dX`` from the start to the
        state, X the expected contacts (:func:`.fidelity.contact_rate`, T = K / N; trapezoid
        over the checks): the arguments of :func:`.fidelity.first_law_bound`;
        ``piston_t``, ``piston_Lx``, ``piston_work`` the piston trajectory sampled at segment
        ends and every ``chunk_steps``.
    """
    sim = Simulator(state, params)
    e0 = sim.energy()
    rec_steps = steps_for(dt_rec, params.dt)
    frames: list = []
    pos_s, vel_s, time_s, ekin_s, epot_s, Lx_s, work_s = [], [], [], [], [], [], []
    traj_t, traj_Lx, traj_W = [state.t], [state.Lx], [0.0]

    n = max(state.N, 1)

    def rates():
        """``(T rate, T^2 rate)`` of the contacts at the current state."""
        temp = sim.kinetic() / n
        r = contact_rate(state.N, state.Lx, params.L, params.R, temp, params.mass)
        return temp * r, temp * temp * r

    last = {"t": state.t, "e_minus_w": e0, "rates": rates(), "t_dx": 0.0, "t2_dx": 0.0}
    t_dx_s, t2_dx_s = [], []

    def check_energy():
        e_minus_w = sim.energy() - sim.work
        now = rates()
        span = state.t - last["t"]
        d1 = 0.5 * (now[0] + last["rates"][0]) * span
        d2 = 0.5 * (now[1] + last["rates"][1]) * span
        jump = abs(e_minus_w - last["e_minus_w"])
        if not math.isfinite(d1) or is_blow_up(jump, d1, d2, params.dt, e0, max_energy_error):
            raise BlowUpError(
                f"blow-up at t = {state.t:.3f}: the first-law balance E - W changed by "
                f"{jump / abs(e0):.3g} E0 since t = {last['t']:.3f} (max_energy_error = "
                f"{max_energy_error}; first-law bound of the interval "
                f"{first_law_bound(d1, d2, params.dt) / abs(e0):.3g} E0); total "
                f"first-law error |E - E0 - W| / E0 = {abs(e_minus_w - e0) / abs(e0):.3g}"
            )
        last.update(t=state.t, e_minus_w=e_minus_w, rates=now, t_dx=last["t_dx"] + d1,
                    t2_dx=last["t2_dx"] + d2)

    def advance(seg: Segment, k0: int, k1: int):
        k = k0
        while k < k1:
            kk = min(k1, k + chunk_steps)
            sim.advance(seg.Lx_a, seg.Lx_b, k, kk, max(seg.n_steps, 1))
            if progress is not None:
                progress(kk - k)
            k = kk
            check_energy()
            if k % chunk_steps == 0 or k == k1:
                traj_t.append(state.t)
                traj_Lx.append(state.Lx)
                traj_W.append(sim.work)

    for seg in segments:
        if not seg.record:
            advance(seg, 0, seg.n_steps)
            continue
        first = seg.n_steps - (n_frames - 1) * rec_steps
        advance(seg, 0, first)
        fr_pos, fr_t, fr_k, fr_u = [], [], [], []
        for f in range(n_frames):
            if f > 0:
                advance(seg, first + (f - 1) * rec_steps, first + f * rec_steps)
            fr_pos.append(state.pos_nd.astype(np.float32))
            fr_t.append(state.t)
            fr_k.append(sim.kinetic())
            fr_u.append(sim.potential())
        frames.append(np.stack(fr_pos))
        time_s.append(fr_t)
        ekin_s.append(fr_k)
        epot_s.append(fr_u)
        pos_s.append(state.pos_nd.copy())
        vel_s.append(state.vel_nd.copy())
        Lx_s.append(state.Lx)
        work_s.append(sim.work)
        t_dx_s.append(last["t_dx"])
        t2_dx_s.append(last["t2_dx"])
    return ProcessRecord(
        pos_sfnd=np.stack(frames), pos_snd=np.stack(pos_s), vel_snd=np.stack(vel_s),
        time_sf=np.array(time_s), ekin_sf=np.array(ekin_s), epot_sf=np.array(epot_s),
        Lx_s=np.array(Lx_s), work_s=np.array(work_s), t_dx_s=np.array(t_dx_s),
        t2_dx_s=np.array(t2_dx_s), piston_t=np.array(traj_t),
        piston_Lx=np.array(traj_Lx), piston_work=np.array(traj_W),
    )


def initial_state(paper_a: dict, row: dict, energy: float | None = None) -> MDState:
    """The seeded initial state of a design row (``energy`` rescales it, see random_state)."""
    params = GasParams.from_config(paper_a)
    rng = np.random.default_rng(int(row["seed"]))
    return random_state(int(row["N"]), params, float(paper_a["gas"]["T0"]), rng, energy=energy)
