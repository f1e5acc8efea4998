"""Pixel convention of the Paper A images and the disks' pixel footprints.

Convention (fixed here, relied on by every later stage)
-------------------------------------------------------
* The canvas (``canvas`` x ``canvas`` pixels) covers the whole L x L container, the empty part
  behind the piston included: ``x_px = x * canvas / L``, ``y_px = y * canvas / L``, continuous
  pixel coordinates with pixel ``i`` covering ``[i, i + 1)``.
* Arrays are indexed ``img_hw[h, w]`` with ``h`` (row) along y and ``w`` (column) along x:
  row 0 is the wall at y = 0, column 0 the fixed wall at x = 0, the piston (x = Lx) is at column
  ``Lx * size / L`` on the right. Shown with ``imshow(img, origin="lower")`` an image looks like
  the container with y up. (In Pillow's terms the image is the container mirrored in y; Pillow
  is only the reference rasteriser.)
* White disks on black: background 0, disks 255 on the canvas; after the Lanczos resize a disk
  (about 1.7 px across at paper scale) is a blob of intermediate grey values, kept as Pillow
  produces them (uint8, no rescaling).

Each disk is drawn as Pillow's filled ellipse on the box ``(cx - r, cy - r, cx + r, cy + r)``
with ``r = R * canvas / L``. Pillow truncates the four box coordinates to integers (C casts:
towards zero, so -0.7 -> 0 but -1.3 -> -1) and draws a shape that depends only on the integer
extents ``a = x1 - x0``, ``b = y1 - y0``, translated to ``(x0, y0)`` and clipped to the canvas.
:func:`footprints` takes those shapes from Pillow itself (one small drawing per ``(a, b)``) as
horizontal runs, so the fast rasteriser follows Pillow's pixel rules by construction.

Consequences of Pillow's rule (measured in tests/unit/test_render.py): the box includes both end
pixels, so a drawn disk covers about pi (r + 1/2)^2 canvas pixels (r = 5.2 px at paper scale:
15% more than pi r^2), and its centre sits within 1/2 canvas pixel of ``x * canvas / L`` (0.1 R at
paper scale; a fraction of a pixel after resizing).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Footprints:
    """Pillow's filled-ellipse shapes for every box extent ``0 <= a, b <= n - 1``, as runs.

    The shape with extents ``(a, b)`` is the runs ``j`` in ``start_ab[a, b] .. start_ab[a, b] +
    count_ab[a, b] - 1``: row ``y0 + dy_j[j]``, columns ``x0 + xl_j[j] .. x0 + xr_j[j]``
    (inclusive).
    """

    n: int
    start_ab: np.ndarray  # int64 (n, n)
    count_ab: np.ndarray  # int64 (n, n)
    dy_j: np.ndarray      # int64 (runs,)
    xl_j: np.ndarray      # int64 (runs,)
    xr_j: np.ndarray      # int64 (runs,)


def pillow_ellipse_mask(a: int, b: int) -> np.ndarray:
    """Pillow's filled ellipse on the integer box (0, 0, a, b): bool, shape (b + 1, a + 1).

    Drawn with a margin and checked to stay inside its box (so clipping never changes it).
    """
    from PIL import Image, ImageDraw

    m = 2
    im = Image.new("L", (a + 1 + 2 * m, b + 1 + 2 * m), 0)
    ImageDraw.Draw(im).ellipse((m, m, m + a, m + b), fill=255)
    arr = np.asarray(im)
    inner = arr[m:m + b + 1, m:m + a + 1]
    if int(arr.sum()) != int(inner.sum(dtype=np.int64)):
        raise RuntimeError(f"Pillow's ellipse with extents ({a}, {b}) leaves its box")
    return inner == 255


@functools.lru_cache(maxsize=8)
def footprints(n: int) -> Footprints:
    """Runs of Pillow's filled ellipses for all extents below ``n`` (cached per ``n``)."""
    start = np.zeros((n, n), np.int64)
    count = np.zeros((n, n), np.int64)
    dy, xl, xr = [], [], []
    for a in range(n):
        for b in range(n):
            mask_yx = pillow_ellipse_mask(a, b)
            start[a, b] = len(dy)
            for row, line in enumerate(mask_yx):
                cols = np.flatnonzero(line)
                if cols.size == 0:
                    continue
                if cols[-1] - cols[0] + 1 != cols.size:
                    raise RuntimeError(f"Pillow's ellipse ({a}, {b}) has a gap in row {row}")
                dy.append(row)
                xl.append(cols[0])
                xr.append(cols[-1])
            count[a, b] = len(dy) - start[a, b]
    as_i8 = lambda v: np.asarray(v, np.int64)  # noqa: E731
    return Footprints(n, start, count, as_i8(dy), as_i8(xl), as_i8(xr))


def pixel_scale(L: float, canvas: int) -> float:
    """Canvas pixels per unit length (units of R): ``canvas / L``."""
    return canvas / L


def disk_boxes(pos_nd: np.ndarray, L: float, R: float, canvas: int) -> np.ndarray:
    """Integer Pillow boxes of the disks: int64, shape (N, 4) = (x0, y0, x1, y1) in pixels.

    Parameters
    ----------
    pos_nd : array, shape (N, 2)
        Disk centres (x, y) in units of R (any float dtype; converted to float64 first, as
        Python floats are when passed to Pillow).
    L, R : float
        Container side and disk radius (units of R).
    canvas : int
        Canvas side in pixels.
    """
    s = pixel_scale(L, canvas)
    r = R * s
    c_nd = np.asarray(pos_nd, np.float64) * s
    box = np.concatenate([c_nd - r, c_nd + r], axis=1)
    if not np.isfinite(box).all():
        raise ValueError("disk positions must be finite")
    if np.abs(box).max(initial=0.0) > 2**30:
        raise ValueError(f"disk positions lie far outside the container (|x| * canvas / L > 2^30)")
    return np.trunc(box).astype(np.int64)  # C's (int) cast: towards zero
