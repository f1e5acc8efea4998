"""Rendering snapshots to Paper A images: the one entry point, dispatching to the numba
renderer or the Pillow reference."""

from __future__ import annotations

import numpy as np

METHODS = ("fast", "pillow")


def render_frames(pos_fnd: np.ndarray, L: float, R: float, canvas: int, size: int,
                  method: str = "fast") -> np.ndarray:
    """Render snapshots of disk positions as Paper A images.

    Parameters
    ----------
    pos_fnd : float array, shape (F, N, 2)
        Disk centres (x, y) of F frames in units of R; the container is [0, L] x [0, L].
        Disks may overlap each other and the canvas edges (clipped).
    L, R : float
        Container side and disk radius (units of R).
    canvas : int
        Side of the full-resolution canvas in pixels (paper: 1560 for L = 300).
    size : int
        Side of the output image in pixels (paper: 256).
    method : {"fast", "pillow"}
        ``"pillow"``: the reference; ``"fast"``: numba, bit-identical.

    Returns
    -------
    img_fhw : uint8 array, shape (F, size, size)
        ``img_fhw[f, h, w]``: h along y, w along x (see module docstring).
    """
    pos_fnd = np.asarray(pos_fnd)
    if pos_fnd.ndim != 3 or pos_fnd.shape[-1] != 2:
        raise ValueError(f"pos_fnd must have shape (frames, disks, 2), got {pos_fnd.shape}")
    if not np.issubdtype(pos_fnd.dtype, np.floating) and not np.issubdtype(pos_fnd.dtype,
                                                                            np.integer):
        raise ValueError(f"pos_fnd must be numeric, got dtype {pos_fnd.dtype}")
    for name, v in (("canvas", canvas), ("size", size)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if not (L > 0 and R > 0):
        raise ValueError(f"L and R must be positive, got L = {L}, R = {R}")
    canvas, size, L, R = int(canvas), int(size), float(L), float(R)
    if method == "fast":
        from .fast import render_frames_fast  # here: importing it loads numba (start-up time)

        return render_frames_fast(pos_fnd, L, R, canvas, size)
    if method == "pillow":
        from .reference import render_frame_pillow  # here: Pillow only for the reference

        out = np.empty((pos_fnd.shape[0], size, size), np.uint8)
        for f, pos_nd in enumerate(pos_fnd):
            out[f] = render_frame_pillow(pos_nd, L, R, canvas, size)
        return out
    raise ValueError(f"unknown render method {method!r} (expected one of {METHODS})")
