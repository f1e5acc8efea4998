"""Throughput of the Paper A renderer: Pillow (the reference) vs the numba fast path.

Paper-size images: N = 2000 disks of radius R = 1 in a 300 x 300 container, drawn on a
1560 x 1560 canvas and Lanczos-resized to 256 x 256, on one core. Prints images/s of both paths
(and of Pillow's draw and resize separately), the ratio fast / Pillow measured in the same run,
and checks that the two paths give identical images.

    python benchmarks/render_throughput.py [--frames-pillow 40] [--frames-fast 400]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from thermolearn.paper_a.render import render_frames  # noqa: E402
from thermolearn.paper_a.render.reference import draw_canvas_pillow  # noqa: E402

L, R, CANVAS, SIZE, N = 300.0, 1.0, 1560, 256, 2000


def gas_positions(n_frames: int, Lx: float, seed: int = 0) -> np.ndarray:
    """(F, N, 2) float32 positions, uniform in the gas region [R, Lx - R] x [R, L - R]."""
    rng = np.random.default_rng(seed)
    lo, hi = np.array([R, R]), np.array([Lx - R, L - R])
    return (lo + (hi - lo) * rng.random((n_frames, N, 2))).astype(np.float32)


def timed(fn, repeats: int = 3) -> float:
    """Best wall time of ``repeats`` calls (s)."""
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames-pillow", type=int, default=40)
    ap.add_argument("--frames-fast", type=int, default=400)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    print(f"render {CANVAS} -> {SIZE} px, N = {N}, L = {L:g}, one core")
    for Lx in (L, L / 2):
        pos_p = gas_positions(args.frames_pillow, Lx)
        pos_f = gas_positions(args.frames_fast, Lx, seed=1)
        render_frames(pos_f[:1], L, R, CANVAS, SIZE)  # compile / load the numba cache

        canvases = []
        t_draw = timed(lambda: canvases.append([draw_canvas_pillow(p, L, R, CANVAS)
                                                for p in pos_p]), repeats=1)
        t_resize = timed(lambda: [c.resize((SIZE, SIZE), Image.LANCZOS) for c in canvases[0]])
        t_pillow = timed(lambda: render_frames(pos_p, L, R, CANVAS, SIZE, method="pillow"),
                         repeats=2)
        t_fast = timed(lambda: render_frames(pos_f, L, R, CANVAS, SIZE, method="fast"))
        same = np.array_equal(render_frames(pos_p, L, R, CANVAS, SIZE, method="pillow"),
                              render_frames(pos_p, L, R, CANVAS, SIZE, method="fast"))
        ips_pillow = args.frames_pillow / t_pillow
        ips_fast = args.frames_fast / t_fast
        print(f"Lx = {Lx:g} (packing {N * np.pi * R**2 / (L * Lx):.3f}):")
        print(f"  pillow (baseline): {ips_pillow:8.1f} images/s   "
              f"(draw {args.frames_pillow / t_draw:.0f}/s, resize "
              f"{args.frames_pillow / t_resize:.0f}/s: resize is "
              f"{t_resize / (t_draw + t_resize):.0%} of the time)")
        print(f"  fast (numba)     : {ips_fast:8.1f} images/s")
        print(f"  ratio fast / pillow: {ips_fast / ips_pillow:.2f}x   bit-identical: {same}")
        if not same:
            raise SystemExit("fast path differs from Pillow")


if __name__ == "__main__":
    main()
