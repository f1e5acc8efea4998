"""The reference renderer: Pillow's ``ImageDraw.ellipse`` + ``Image.resize(LANCZOS)``.

This is the definition of a Paper A image; the fast path (:mod:`.fast`) must match it bit for
bit. See :mod:`.geometry` for the pixel convention.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .geometry import pixel_scale


def draw_canvas_pillow(pos_nd: np.ndarray, L: float, R: float, canvas: int):
    """The full-resolution canvas as a Pillow ``"L"`` image (white disks on black)."""

    s = pixel_scale(L, canvas)
    r = R * s
    img = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(img)
    for x, y in np.asarray(pos_nd, np.float64):
        cx, cy = float(x) * s, float(y) * s
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    return img


def render_frame_pillow(pos_nd: np.ndarray, L: float, R: float, canvas: int,
                        size: int) -> np.ndarray:
    """One snapshot, reference path: uint8, shape (size, size), ``img_hw[h, w]`` (h ~ y, w ~ x).

    Parameters
    ----------
    pos_nd : array, shape (N, 2)
        Disk centres in units of R.
    L, R : float
        Container side and disk radius.
    canvas, size : int
        Canvas and output side in pixels.
    """

    img = draw_canvas_pillow(pos_nd, L, R, canvas)
    return np.asarray(img.resize((size, size), Image.LANCZOS), dtype=np.uint8)
