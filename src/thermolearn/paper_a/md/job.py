"""The per-process MD job: run one design row, write ``results/paper_a/md/<process>.npz``.

The artifact's identity and reader are in :mod:`.artifact` (re-exported here), which the readers
import without the engine.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ...io import save_npz
from ...jobs import progress
from ...provenance import provenance
from .artifact import KIND, ROW_KEYS, load_md, md_config
from .engine import GasParams, compile_kernels
from .fidelity import first_law_bound, first_law_excess
from .process import initial_state, run_process
from .protocol import process_segments

log = logging.getLogger(__name__)

__all__ = ["KIND", "ROW_KEYS", "load_md", "md_config", "run_md_job"]

def run_md_job(paper_a: dict, row: dict, out: str | Path, energy: float | None = None,
               show_progress: bool = True) -> None:
    """Simulate one process and write its artifact atomically.

    Parameters
    ----------
    paper_a : dict
        The ``paper_a`` config section.
    row : dict
        The process's design row (``N``, ``v_push``, ``v_pull``, ``dL_push``, ``dL_pull``,
        ``seed``, ``process``).
    out : path
        The ``.npz`` artifact. Arrays (S states, F frames, N disks): ``pos_sfnd`` (S, F, N, 2)
        float32; ``pos_snd``, ``vel_snd`` (S, N, 2) float64 (phase point at each state's last
        frame); ``time_sf``, ``ekin_sf``, ``epot_sf``, ``energy_sf`` (S, F); ``Lx_s``, ``V_s``,
        ``work_s``, ``t_dx_s``, ``t2_dx_s``, ``state_s`` (S,); ``N`` scalar; ``piston_t``,
        ``piston_Lx``, ``piston_work``.
        Metadata: ``first_law_error`` (max over states of ``|E - E0 - W| / E0``),
        ``first_law_bound`` (:func:`.fidelity.first_law_bound` at the last state, over E0) and
        ``first_law_excess`` (max over states of the deviation over its bound; <= 1 passes).
    energy : float, optional
        Rescale the initial velocities to this total energy (a new microstate of the same
        macrostate, Paper A's A1 test).
    """
    params = GasParams.from_config(paper_a)
    integ, proto = paper_a["integrator"], paper_a["protocol"]
    state = initial_state(paper_a, row, energy=energy)
    segs = process_segments(paper_a, row)
    total = sum(s.n_steps for s in segs)
    log.info("process %s: N=%d, %d segments, %d states, %d steps", row["process"], row["N"],
             len(segs), sum(s.record for s in segs), total)
    compile_kernels()  # before the bar: its rate and ETA must not count the JIT
    bar = progress(total, f"MD {row['process']}", disable=not show_progress)
    with bar:
        rec = run_process(state, params, segs, int(proto["n_frames"]), float(proto["dt_rec"]),
                          chunk_steps=int(integ["chunk_steps"]),
                          max_energy_error=float(integ["max_energy_error"]),
                          progress=bar.update)
    energy_sf = rec.ekin_sf + rec.epot_sf
    e0 = energy_sf[0, 0]
    dev_s = np.abs(energy_sf[:, -1] - e0 - rec.work_s)
    err = dev_s / abs(e0)
    excess_s = first_law_excess(dev_s, rec.t_dx_s, rec.t2_dx_s, params.dt)
    bound_end = first_law_bound(rec.t_dx_s[-1], rec.t2_dx_s[-1], params.dt) / abs(e0)
    log.info("first-law error max |E - E0 - W| / E0 over states: %.2e (bound at the end "
             "%.2e; worst error / bound %.2f)", err.max(), bound_end, excess_s.max())
    L = float(paper_a["gas"]["L"])
    meta = provenance(KIND, md_config(paper_a, row, energy),
                      first_law_error=float(err.max()), first_law_bound=float(bound_end),
                      first_law_excess=float(excess_s.max()), steps=int(total))
    save_npz(
        out, meta,
        pos_sfnd=rec.pos_sfnd, pos_snd=rec.pos_snd, vel_snd=rec.vel_snd,
        time_sf=rec.time_sf, ekin_sf=rec.ekin_sf, epot_sf=rec.epot_sf, energy_sf=energy_sf,
        Lx_s=rec.Lx_s, V_s=L * rec.Lx_s, work_s=rec.work_s,
        t_dx_s=rec.t_dx_s, t2_dx_s=rec.t2_dx_s, state_s=np.arange(len(rec.Lx_s)), N=np.array(int(row["N"])),
        piston_t=rec.piston_t, piston_Lx=rec.piston_Lx, piston_work=rec.piston_work,
    )
