"""New molecular dynamics for the axioms: A1 reruns and A5 splitting/recombination.

A1 (Paper A, Fig. 3): every test process is simulated again from a microscopically different but
macroscopically equal initial state: same N, same volume (Lx = L), the same total energy (the
new Maxwell velocities are rescaled to the original initial energy), a new seed derived from the
master seed. Same protocol, so state ``k`` of the rerun corresponds to state ``k`` of the original.

A5 (Fig. 5): from the exact phase point of a test state (``pos_snd``, ``vel_snd`` of the MD
artifact) a fixed two-sided wall is inserted, parallel to x at ``y = lam L`` (``axis = 1``) or
parallel to y at ``x = lam Lx`` (``axis = 0``); disks whose centre lies within R of the wall
(inside its range of force) are removed; MD runs ``t_split`` with the wall and piston fixed and
records ``n_frames`` snapshots -> ``X_split``; the wall is removed, MD runs ``t_recomb`` and
records -> ``X_recomb``. Both are rendered like every other state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from ...io import load_npz, save_npz
from ...jobs import progress
from ...provenance import provenance
from ..md.engine import GasParams, MDState, Simulator
from ..md.job import load_md, run_md_job
from ..md.process import initial_state, run_process
from ..md.protocol import Segment
from ..render import render_frames, write_images
from .checks import a5_durations

log = logging.getLogger(__name__)

A1_STREAM = 0xA1A1  # seed stream of the A1 reruns
A5_STREAM = 0xA5A5  # seed stream of the A5 plans
A5_KIND = "paper_a.axiom_a5"
WALL_AXES = {0: "x = lam Lx (parallel to y)", 1: "y = lam L (parallel to x)"}


# ---------------------------------------------------------------------------------------------
# A1: reruns
# ---------------------------------------------------------------------------------------------


def rerun_row(seed: int, row: Mapping) -> dict:
    """The design row of the A1 rerun of ``row``: the same process with a new seed.

    The new seed is drawn from ``SeedSequence([seed, A1_STREAM, row["seed"]])``.
    """
    ss = np.random.SeedSequence([int(seed), A1_STREAM, int(row["seed"])])
    new = {k: (v.item() if hasattr(v, "item") else v) for k, v in dict(row).items()}
    new["seed"] = int(ss.generate_state(1, np.uint32)[0])
    if new["seed"] == int(row["seed"]):  # pragma: no cover - 2^-32
        new["seed"] += 1
    return new


def initial_energy(paper_a: Mapping, row: Mapping) -> float:
    """Total energy (kinetic + potential) of the original initial state of ``row``."""
    state = initial_state(paper_a, row)
    return float(Simulator(state, GasParams.from_config(paper_a)).energy())


def run_a1_md(paper_a: Mapping, seed: int, row: Mapping, out: str | Path) -> None:
    """The ``paper_a_axiom_a1_md`` job: rerun ``row`` from a new seed at its initial energy."""
    energy = initial_energy(paper_a, row)
    new = rerun_row(seed, row)
    log.info("A1 rerun of %s: seed %d -> %d, N = %d, E0 = %.6g", row["process"], row["seed"],
             new["seed"], row["N"], energy)
    run_md_job(dict(paper_a), new, out, energy=energy)


def render_a1(md_path: str | Path, out: str | Path, paper_a: Mapping, seed: int,
              row: Mapping) -> None:
    """The ``paper_a_axiom_a1_images`` job: render the rerun like every other process."""
    energy = initial_energy(paper_a, row)
    new = rerun_row(seed, row)
    meta, data = load_md(md_path, dict(paper_a), new, arrays=("pos_sfnd",), energy=energy)
    write_images(out, data["pos_sfnd"], paper_a,
                 {"process": row["process"], "md_config_hash": meta["config_hash"],
                  "md_artifact": Path(md_path).name, "axiom": "A1 rerun"})


# ---------------------------------------------------------------------------------------------
# A5: splitting and recombination
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One A5 experiment: split ``state`` with a wall on ``axis`` at fraction ``lam``."""

    state: int
    axis: int
    lam: float


def plan_splits(n_states: int, n_max: int, lambdas, seed: int, process_seed: int) -> list[Split]:
    """Which states of a process are split, and how.

    ``min(n_states, n_max)`` states evenly spaced over the process (first and last included);
    each gets a wall axis and a ``lam`` from ``lambdas`` drawn from the seed stream
    ``SeedSequence([seed, A5_STREAM, process_seed])``.
    """
    k = min(int(n_states), int(n_max))
    states = np.unique(np.rint(np.linspace(0, n_states - 1, k)).astype(int)) if k else []
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), A5_STREAM, int(process_seed)]))
    axes = rng.integers(0, 2, size=len(states))
    lams = rng.choice(np.asarray(lambdas, np.float64), size=len(states))
    return [Split(int(s), int(a), float(lam)) for s, a, lam in zip(states, axes, lams)]


def insert_wall(pos_nd: np.ndarray, vel_nd: np.ndarray, Lx: float, L: float, R: float,
                axis: int, lam: float) -> tuple[MDState, np.ndarray]:
    """A state with a fixed wall at ``lam L`` (``axis = 1``) or ``lam Lx`` (``axis = 0``).

    Disks whose centre is closer than R to the wall (those it would push) are removed.

    Returns
    -------
    state : MDState with one internal wall
    keep_n : bool (N,), the disks kept
    """
    if axis not in (0, 1):
        raise ValueError(f"wall axis must be 0 (x = c) or 1 (y = c), got {axis}")
    c = lam * (Lx if axis == 0 else L)
    keep = np.abs(pos_nd[:, axis] - c) >= R
    state = MDState(pos_nd[keep].copy(), vel_nd[keep].copy(), float(Lx), 0.0,
                    np.array([axis], np.int64), np.array([c], np.float64))
    return state, keep


def split_and_recombine(state: MDState, params: GasParams, t_split: float, t_recomb: float,
                        n_frames: int, dt_rec: float, max_energy_error: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``t_split`` with the state's walls, record; remove them, run ``t_recomb``, record.

    Returns
    -------
    pos_split_fnd, pos_recomb_fnd : float32 (F, N, 2)
    energy_2f : float64 (2, F), total energy at the recorded frames.
    """
    steps = [int(round(t / params.dt)) for t in (t_split, t_recomb)]
    rec = run_process(state, params, [Segment(state.Lx, state.Lx, steps[0], True)], n_frames,
                      dt_rec, max_energy_error=max_energy_error)
    state.walls_axis = np.zeros(0, np.int64)
    state.walls_pos = np.zeros(0, np.float64)
    rec2 = run_process(state, params, [Segment(state.Lx, state.Lx, steps[1], True)], n_frames,
                       dt_rec, max_energy_error=max_energy_error)
    energy = np.stack([rec.ekin_sf[0] + rec.epot_sf[0], rec2.ekin_sf[0] + rec2.epot_sf[0]])
    return rec.pos_sfnd[0], rec2.pos_sfnd[0], energy


def run_a5_job(paper_a: Mapping, seed: int, row: Mapping, md_path: str | Path,
               out: str | Path) -> None:
    """The ``paper_a_axiom_a5_md`` job: split and recombine planned states of one process.

    ``paper_a`` needs ``gas``, ``integrator``, ``protocol``, ``render`` and ``axioms.a5``.

    Writes ``out`` (.npz): ``img_split_sfhw``, ``img_recomb_sfhw`` uint8 (S, F, H, W) rendered
    like all states; ``state_s``, ``axis_s``, ``lam_s``, ``wall_s`` (wall coordinate),
    ``n_removed_s``, ``N_s`` (disks after the split), ``energy_s2f`` (S, 2, F).
    """
    paper_a = dict(paper_a)
    a5 = paper_a["axioms"]["a5"]
    _, md = load_md(md_path, paper_a, row, arrays=("pos_snd", "vel_snd", "Lx_s"))
    params = GasParams.from_config(paper_a)
    proto, gas, rnd = paper_a["protocol"], paper_a["gas"], paper_a["render"]
    plan = plan_splits(len(md["Lx_s"]), a5["states_per_process"], a5["lambdas"], seed,
                       row["seed"])
    n_f = int(proto["n_frames"])
    t_split, t_recomb = a5_durations(paper_a)
    imgs = {"split": [], "recomb": []}
    cols = {k: [] for k in ("state", "axis", "lam", "wall", "n_removed", "N", "energy")}
    with progress(len(plan), f"A5 {row['process']}", unit="state") as bar:
        for sp in plan:
            Lx = float(md["Lx_s"][sp.state])
            state, keep = insert_wall(md["pos_snd"][sp.state], md["vel_snd"][sp.state], Lx,
                                      float(gas["L"]), float(gas["R"]), sp.axis, sp.lam)
            wall = float(state.walls_pos[0])
            pos_split, pos_recomb, energy = split_and_recombine(
                state, params, t_split, t_recomb, n_f,
                float(proto["dt_rec"]), float(paper_a["integrator"]["max_energy_error"]))
            for name, pos in (("split", pos_split), ("recomb", pos_recomb)):
                imgs[name].append(render_frames(pos, float(gas["L"]), float(gas["R"]),
                                                rnd["canvas"], rnd["size"], rnd["method"]))
            for k, v in (("state", sp.state), ("axis", sp.axis), ("lam", sp.lam), ("wall", wall),
                         ("n_removed", int((~keep).sum())), ("N", int(keep.sum())),
                         ("energy", energy)):
                cols[k].append(v)
            bar.update(1)
    cfg = {"md": {k: paper_a[k] for k in ("gas", "integrator", "protocol", "render")},
           "a5": dict(a5, t_split=t_split, t_recomb=t_recomb), "seed": int(seed), "process": row["process"]}
    size = int(rnd["size"])
    empty = np.zeros((0, n_f, size, size), np.uint8)
    save_npz(out, provenance(A5_KIND, cfg),
             img_split_sfhw=np.stack(imgs["split"]) if plan else empty,
             img_recomb_sfhw=np.stack(imgs["recomb"]) if plan else empty,
             state_s=np.array(cols["state"], np.int64), axis_s=np.array(cols["axis"], np.int64),
             lam_s=np.array(cols["lam"]), wall_s=np.array(cols["wall"]),
             n_removed_s=np.array(cols["n_removed"], np.int64), N_s=np.array(cols["N"], np.int64),
             energy_s2f=np.array(cols["energy"]).reshape(len(plan), 2, n_f))
    log.info("A5 %s: %d states split; %d disks removed in all", row["process"], len(plan),
             sum(cols["n_removed"]))


def load_a5(path: str | Path) -> dict:
    """Arrays of an A5 artifact (see :func:`run_a5_job`)."""
    return load_npz(path, kind=A5_KIND)[1]
