"""Fig. 2 of Paper B: collisions counted in a fixed time against the frame rate.

At a low frame rate disks step over each other and collisions are missed; the count rises with
the frame rate and plateaus once a step is short against the time two disks need to cross,
``2r / |v_rel|``. Every repeat starts all frame rates from the same initial state.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..jobs import progress
from .hard_disks import (DiskParams, collision_rate_per_disk, initial_state,
                         mean_relative_speed_equilibrium, simulate_from)

log = logging.getLogger(__name__)

STREAM = 0xB3


def frame_rate_sweep(seed: int, paper_b: dict, show_progress: bool = True) -> pd.DataFrame:
    """Collisions in ``duration`` for each frame rate and repeat.

    Returns
    -------
    DataFrame
        Columns ``frame_rate``, ``repeat``, ``n_steps``, ``duration``, ``collisions``,
        ``kinetic_theory`` (equilibrium count N/2 * n 2d <|v_rel|> * duration) and
        ``kinetic_theory_enskog`` (times the contact value g(2r)).
    """
    sw = paper_b["frame_rate_sweep"]
    rates = [float(f) for f in sw["frame_rates"]]
    duration = float(sw["duration"])
    base = DiskParams.from_config(paper_b["gas"])
    vrel = mean_relative_speed_equilibrium(base.speed)
    kt = 0.5 * base.n_disks * collision_rate_per_disk(base, vrel) * duration
    kt_e = 0.5 * base.n_disks * collision_rate_per_disk(base, vrel, enskog=True) * duration
    total = int(sw["n_repeats"]) * sum(round(duration * f) for f in rates)
    rows = []
    with progress(total, "frame-rate sweep", disable=not show_progress) as bar:
        for rep in range(int(sw["n_repeats"])):
            rng = np.random.default_rng(np.random.SeedSequence([int(seed), STREAM, rep]))
            pos_nd, vel_nd = initial_state(base, rng)
            for f in rates:
                params = DiskParams.from_config(paper_b["gas"], frame_rate=f)
                n_steps = int(round(duration * f))
                rec = simulate_from(params, pos_nd, vel_nd, n_steps, record=False)
                rows.append({"frame_rate": f, "repeat": rep, "n_steps": n_steps,
                             "duration": n_steps / f, "collisions": int(rec.coll_f.sum()),
                             "kinetic_theory": kt, "kinetic_theory_enskog": kt_e})
                bar.update(n_steps)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("frame_rate")["collisions"].mean()
    log.info("mean collisions per frame rate:\n%s\nkinetic theory %.1f (Enskog %.1f)",
             summary.to_string(), kt, kt_e)
    return frame
