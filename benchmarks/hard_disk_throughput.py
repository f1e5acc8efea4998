"""Hard-disk step throughput (Paper B, issue 5): numba cell list vs the numpy O(N^2) step.

Both advance the paper's gas (1000 disks, r = 0.003, frame rate 60, equal initial speeds) by the
same dynamics, from the same initial state; the baseline is the straightforward numpy version of
the original code's step (full distance matrix, then a Python loop over overlapping pairs:
``thermolearn.paper_b.hard_disks.step_numpy``). Before timing, both run the same 50 steps and
must end in the bit-identical phase point. The bar is >= 100x the baseline's steps per second.

Usage::

    python benchmarks/hard_disk_throughput.py              # ~20 s
    python benchmarks/hard_disk_throughput.py --n-disks 4000 --seconds 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn.paper_b.hard_disks import (DiskParams, cells_per_side, initial_state,  # noqa: E402
                                            run_steps, simulate_from, step_numpy)

BAR = 100.0


def steps_per_second(step_block, seconds: float, repeats: int) -> float:
    """Best of ``repeats`` timings, each running blocks of steps for about ``seconds``."""
    best = 0.0
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            n += step_block()
        best = max(best, n / (time.perf_counter() - t0))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-disks", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=2.0, help="per timing")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    params = DiskParams(n_disks=args.n_disks)
    pos_nd, vel_nd = initial_state(params, np.random.default_rng(0))

    # identical trajectories first (also compiles the kernel)
    rec = simulate_from(params, pos_nd, vel_nd, 50)
    p, v = pos_nd.copy(), vel_nd.copy()
    n_coll = sum(step_numpy(p, v, params.radius, params.dt) for _ in range(50))
    same = np.array_equal(rec.pos_nd, p) and np.array_equal(rec.vel_fnd[-1], v)
    print(f"N = {params.n_disks}, r = {params.radius}, dt = 1/{params.frame_rate:g}, "
          f"packing {params.packing_fraction:.4f}; 50 steps, {n_coll} collisions: "
          f"trajectories {'bit-identical' if same else 'DIFFER'}")
    if not same:
        return 1

    # numpy O(N^2) baseline, one step per block
    p, v = pos_nd.copy(), vel_nd.copy()
    base = steps_per_second(lambda: (step_numpy(p, v, params.radius, params.dt), 1)[1],
                            args.seconds, args.repeats)

    # numba cell list, blocks of 1000 steps without recording velocities
    m = cells_per_side(params.n_disks, params.radius)
    p, v = pos_nd.copy(), vel_nd.copy()
    empty = np.empty((0, params.n_disks, 2))
    coll = np.zeros(1000, np.int64)

    def block():
        run_steps(p, v, params.radius, params.dt, m, 1000, empty, coll)
        return 1000

    fast = steps_per_second(block, args.seconds, args.repeats)

    # with the velocities of every step recorded, as the run files need
    p, v = pos_nd.copy(), vel_nd.copy()
    out = np.empty((1000, params.n_disks, 2))

    def block_rec():
        run_steps(p, v, params.radius, params.dt, m, 1000, out, coll)
        return 1000

    fast_rec = steps_per_second(block_rec, args.seconds, args.repeats)
    ratio = fast / base
    print(f"baseline numpy O(N^2) step : {base:12,.0f} steps/s")
    print(f"numba cell list ({m}x{m} cells): {fast:12,.0f} steps/s   ratio {ratio:8.1f}x baseline")
    print(f"  recording every frame     : {fast_rec:12,.0f} steps/s   ratio "
          f"{fast_rec / base:8.1f}x baseline")
    print(f"bar >= {BAR:.0f}x: {'PASS' if ratio >= BAR else 'FAIL'}")
    return 0 if ratio >= BAR else 2


if __name__ == "__main__":
    sys.exit(main())
