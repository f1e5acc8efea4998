"""Paper A images: each MD snapshot drawn as white disks on a black canvas, Lanczos-resized.

Public API (other stages code against it)
-----------------------------------------
``render_frames(pos_fnd, L, R, canvas, size, method="fast")`` -> uint8 (F, size, size)
    ``method="pillow"`` is the reference (Pillow ``ImageDraw.ellipse`` + ``resize(LANCZOS)``),
    ``"fast"`` is bit-identical and several times faster.
``load_images(path)`` -> memory-mapped uint8 (S, F, H, W) of one process.

Pixel convention (see :mod:`.geometry`): ``img[..., h, w]`` with h along y (row 0 at y = 0) and
w along x (column 0 at x = 0, the piston on the right); ``x_px = x * canvas / L`` on the canvas;
disks are 255 on 0 before resizing. Show with ``imshow(img, origin="lower")``.
"""

from __future__ import annotations

from .artifacts import (KIND, load_images, load_images_meta, render_config, render_process,
                        states_table, write_images)
from .frames import METHODS, render_frames

__all__ = [
    "METHODS", "KIND", "render_frames", "load_images", "load_images_meta", "render_config",
    "render_process", "states_table", "write_images",
]
