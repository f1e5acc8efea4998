"""Simulated runs: seeding, the split into training and held-out runs, and the run artifacts.

Run ``k`` (counted from 0) draws its initial state from ``SeedSequence([seed, STREAM, k])``;
runs ``0 .. n_train - 1`` are training runs and the next ``n_heldout`` are held out. The runs are
stored ``runs_per_file`` to a file, ``results/<preset>/paper_b/runs/bNNN.npz``:

``vel_rfnd`` (R, F + 1, N, 2) float32
    Velocities at t = 0, dt, ..., F dt (what the network sees).
``H_rf`` (R, F + 1) float64
    H-functional per frame, computed from the float64 velocities before the cast. H must be
    taken from here: recomputed from the float32 ``vel_rfnd`` it is wrong (4.62 instead of 5.31
    at t = 0; see :mod:`.hfunc`). The file's metadata says so (``thermolearn inspect``).
``coll_rf`` (R, F + 1) int64
    Collisions made in the step ending at each frame.
``run_r`` (R,) int64, ``heldout_r`` (R,) bool
    Global run index and split.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io import load_npz, save_npz
from ..jobs import progress
from ..provenance import config_hash, provenance
from .hard_disks import DiskParams, simulate
from .hfunc import h_functional

log = logging.getLogger(__name__)

KIND = "paper_b.runs"
STREAM = 0xB1  # stage constant of the run seeds
ARRAYS_NOTE = ("H_rf is H computed from the float64 velocities; vel_rfnd is float32 (the network's "
               "input): never recompute H from vel_rfnd (at t = 0 every speed sits on a bin "
               "edge; float32 moves 40% of them across it: H(0) 4.62 instead of 5.31)")


@dataclass(frozen=True)
class RunPlan:
    """Which runs exist and how they are grouped into files."""

    n_train: int
    n_heldout: int
    runs_per_file: int

    @classmethod
    def from_config(cls, paper_b: dict) -> "RunPlan":
        r = paper_b["runs"]
        return cls(int(r["n_train"]), int(r["n_heldout"]), int(r["runs_per_file"]))

    @property
    def n_runs(self) -> int:
        return self.n_train + self.n_heldout

    @property
    def n_files(self) -> int:
        return -(-self.n_runs // self.runs_per_file)

    def runs_of_file(self, block: int) -> np.ndarray:
        a = block * self.runs_per_file
        return np.arange(a, min(a + self.runs_per_file, self.n_runs))

    def is_heldout(self, run_r: np.ndarray) -> np.ndarray:
        return np.asarray(run_r) >= self.n_train


def run_rng(seed: int, run: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), STREAM, int(run)]))


def runs_config(seed: int, paper_b: dict) -> dict:
    """The config values a run file depends on (their hash identifies it)."""
    return {"seed": int(seed), "gas": paper_b["gas"], "n_frames": paper_b["runs"]["n_frames"],
            "n_train": paper_b["runs"]["n_train"], "hfunc": paper_b["hfunc"]}


def simulate_file(seed: int, paper_b: dict, block: int, out: str | Path,
                  show_progress: bool = True) -> None:
    """Simulate the runs of file ``block`` and write them (see the module docstring)."""
    params = DiskParams.from_config(paper_b["gas"])
    plan = RunPlan.from_config(paper_b)
    n_frames = int(paper_b["runs"]["n_frames"])
    hf = paper_b["hfunc"]
    run_r = plan.runs_of_file(block)
    if len(run_r) == 0:
        raise ValueError(f"run file {block} is empty: only {plan.n_runs} runs configured "
                         "(config keys 'paper_b.runs.*')")
    n = params.n_disks
    vel_rfnd = np.empty((len(run_r), n_frames + 1, n, 2), np.float32)
    H_rf = np.empty((len(run_r), n_frames + 1))
    coll_rf = np.empty((len(run_r), n_frames + 1), np.int64)
    log.info("runs %d..%d: %d disks, %d frames, dt = 1/%g, packing fraction %.4f",
             run_r[0], run_r[-1], n, n_frames, params.frame_rate, params.packing_fraction)
    with progress(len(run_r) * n_frames, f"hard disks file {block}",
                  disable=not show_progress) as bar:
        for k, run in enumerate(run_r):
            rec = simulate(params, n_frames, run_rng(seed, run))
            H_rf[k] = h_functional(rec.vel_fnd, params.speed, int(hf["n_bins"]),
                                   float(hf["v_max_over_speed"]))
            vel_rfnd[k] = rec.vel_fnd
            coll_rf[k] = rec.coll_f
            p0, pf = rec.vel_fnd[0].sum(0), rec.vel_fnd[-1].sum(0)
            e0, ef = (rec.vel_fnd[0] ** 2).sum(), (rec.vel_fnd[-1] ** 2).sum()
            log.info("run %d: %d collisions, H %.4f -> %.4f, |dP| = %.1e, |dE|/E = %.1e",
                     run, rec.coll_f.sum(), H_rf[k, 0], H_rf[k, -1],
                     np.abs(pf - p0).max(), abs(ef - e0) / e0)
            bar.update(n_frames)
    meta = provenance(KIND, runs_config(seed, paper_b), block=int(block), note=ARRAYS_NOTE)
    save_npz(out, meta, vel_rfnd=vel_rfnd, H_rf=H_rf, coll_rf=coll_rf, run_r=run_r,
             heldout_r=plan.is_heldout(run_r))


def load_runs(paths, seed: int, paper_b: dict, arrays=("vel_rfnd", "H_rf", "run_r", "heldout_r"),
              heldout: bool | None = None) -> dict[str, np.ndarray]:
    """Concatenate run files (checked against the config), optionally one split only.

    Parameters
    ----------
    heldout : bool, optional
        ``True``: held-out runs only, ``False``: training runs only, ``None``: all.
    """
    want = config_hash(runs_config(seed, paper_b))
    arrays = tuple(dict.fromkeys(tuple(arrays) + ("heldout_r", "run_r")))
    parts = []
    for path in paths:
        _, data = load_npz(path, kind=KIND, config_hash=want, arrays=arrays)
        if heldout is not None:
            keep = data["heldout_r"] == heldout
            data = {k: v[keep] for k, v in data.items()}
        parts.append(data)
    out = {k: np.concatenate([p[k] for p in parts]) for k in arrays}
    order = np.argsort(out["run_r"], kind="stable")
    return {k: v[order] for k, v in out.items()}
