"""Image constructions of Paper A, Sec. IV: compound, scaled (masked), embedded states.

Every function is pure: it takes uint8 image arrays ``img_...hw`` with any leading axes
(``(F, H, W)`` for one state, ``(S, F, H, W)`` for a stack) and returns a new array of the same
dtype; the inputs are never modified. The pixel convention is the renderer's
(:mod:`thermolearn.paper_a.render.geometry`): ``img[..., h, w]`` with rows h along y (row 0 at
y = 0) and columns w along x (column 0 at the fixed wall x = 0, the piston on the right); the
canvas covers the whole L x L container, so a state's *gas region* is the columns
``[0, w_gas)`` with ``w_gas = round(Lx * W / L)`` (:func:`gas_width_px`).

Directions (Paper A, Fig. 4b: "the bottom or right region"):

``"right"``
    The scaled state keeps the left ``lam`` fraction of the gas region, columns
    ``[0, round(lam * w_gas))``; the rest of the gas region is set to zero.
``"bottom"``
    The scaled state keeps the top ``lam`` fraction of the rows, ``[H - round(lam * H), H)``
    (large y); the bottom rows (small y; the bottom of ``imshow(img, origin="lower")``) are set to
    zero.

Compounds put two (scaled) states into one image the same way: side by side along x
(:func:`compound_x`: the gas regions concatenated, Fig. 4a) or stacked along y
(:func:`compound_y`). The dust of axiom A6 is a square at the corner x = y = 0 (:func:`embed`).

The *disk-count variants* work on disk positions ``pos_fnd`` (frames, disks, xy; units of R):
how many disk centres a masked region keeps (:func:`count_kept`), and the count-exact scaled
state that keeps exactly ``round(lam N)`` disks (:func:`keep_count_exact`, rendered afterwards).
"""

from __future__ import annotations

import numpy as np

DIRECTIONS = ("right", "bottom")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")


def _check_lam(lam: float) -> None:
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"scale factor lambda = {lam} outside [0, 1]")


def gas_width_px(Lx: float | np.ndarray, L: float, size: int) -> np.ndarray | int:
    """Width of the gas region in pixels: ``round(Lx * size / L)``, clipped to ``[0, size]``.

    Parameters
    ----------
    Lx : float or array
        Piston position(s) (units of R).
    L : float
        Container side (units of R).
    size : int
        Image side W in pixels.
    """
    w = np.clip(np.rint(np.asarray(Lx, np.float64) * size / L), 0, size).astype(np.int64)
    return int(w) if w.ndim == 0 else w


def kept_px(lam: float, extent_px: int) -> int:
    """Pixels kept of an extent when scaling by ``lam``: ``round(lam * extent_px)``."""
    _check_lam(lam)
    return int(np.rint(lam * extent_px))


def scale(img_hw: np.ndarray, w_gas: int, lam: float, direction: str) -> np.ndarray:
    """The scaled state ``lam X`` (Paper A, Fig. 4b): a ``1 - lam`` fraction set to zero.

    Parameters
    ----------
    img_hw : uint8 array, shape (..., H, W)
        State(s) X, all with the same gas width.
    w_gas : int
        Gas-region width of X in pixels (:func:`gas_width_px`).
    lam : float in [0, 1]
        Fraction kept.
    direction : {"right", "bottom"}
        Which part is set to zero (module docstring).

    Returns
    -------
    uint8 array, same shape. ``lam = 1`` returns a copy of X, ``lam = 0`` all zeros.
    """
    _check_direction(direction)
    out = np.array(img_hw, copy=True)
    if direction == "right":
        out[..., kept_px(lam, w_gas):] = 0
    else:
        height = out.shape[-2]
        out[..., : height - kept_px(lam, height), :] = 0
    return out


def compound_x(img_a: np.ndarray, w_a: int, img_b: np.ndarray, w_b: int) -> np.ndarray:
    """Two gas regions side by side (Paper A, Fig. 4a): columns ``[0, w_a)`` of A, then
    columns ``[0, w_b)`` of B at ``[w_a, w_a + w_b)``, zero beyond.

    Parameters
    ----------
    img_a, img_b : uint8 arrays, shape (..., H, W) (broadcastable leading axes)
    w_a, w_b : int
        Pixel widths taken from A and B; ``w_a + w_b <= W``.

    Returns
    -------
    uint8 array, shape (..., H, W).
    """
    width = img_a.shape[-1]
    if w_a < 0 or w_b < 0 or w_a + w_b > width:
        raise ValueError(f"compound of widths {w_a} + {w_b} px does not fit in {width} px")
    shape = np.broadcast_shapes(img_a.shape, img_b.shape)
    out = np.zeros(shape, np.uint8)
    out[..., :w_a] = img_a[..., :w_a]
    out[..., w_a:w_a + w_b] = img_b[..., :w_b]
    return out


def compound_y(img_a: np.ndarray, img_b: np.ndarray, lam: float) -> np.ndarray:
    """``(lam A, (1 - lam) B)`` stacked along y: the top ``lam`` rows of A over the bottom
    ``1 - lam`` rows of B (each in place, so ``compound_y(X, X, lam) == X``).

    Parameters
    ----------
    img_a, img_b : uint8 arrays, shape (..., H, W) (broadcastable leading axes)
    lam : float in [0, 1]
        Fraction of the rows taken from A.
    """
    height = img_a.shape[-2]
    cut = height - kept_px(lam, height)
    shape = np.broadcast_shapes(img_a.shape, img_b.shape)
    out = np.empty(shape, np.uint8)
    out[..., :cut, :] = img_b[..., :cut, :]
    out[..., cut:, :] = img_a[..., cut:, :]
    return out


def scaled_compound(img_x: np.ndarray, w_x: int, img_y: np.ndarray, w_y: int, lam: float,
                    direction: str) -> np.ndarray:
    """The compound ``(lam X, (1 - lam) Y)`` of Paper A, Fig. 8.

    ``"right"``: the left ``lam`` fraction of X's gas region followed by the left ``1 - lam``
    fraction of Y's (:func:`compound_x`); ``"bottom"``: :func:`compound_y`.

    Parameters
    ----------
    img_x, img_y : uint8 arrays, shape (..., H, W)
    w_x, w_y : int
        Gas widths of X and Y in pixels.
    lam : float in [0, 1]
    direction : {"right", "bottom"}
    """
    _check_direction(direction)
    if direction == "right":
        return compound_x(img_x, kept_px(lam, w_x), img_y, kept_px(1.0 - lam, w_y))
    return compound_y(img_x, img_y, lam)


def dust_side_px(eps: float, w_z: int, height: int) -> int:
    """Side of the square dust ``eps Z``: ``round(sqrt(eps * w_z * H))`` pixels, so that its
    area is the fraction ``eps`` of Z's gas region (clipped to the region)."""
    if eps < 0:
        raise ValueError(f"dust fraction eps = {eps} must be >= 0")
    return int(min(np.rint(np.sqrt(eps * w_z * height)), w_z, height))


def embed(img_x: np.ndarray, img_z: np.ndarray, side: int) -> np.ndarray:
    """``(X, eps Z)`` of Paper A, Fig. 6: X with the ``side`` x ``side`` square at the corner
    x = y = 0 replaced by the same square of Z.

    Parameters
    ----------
    img_x, img_z : uint8 arrays, shape (..., H, W) (broadcastable leading axes)
    side : int
        Square side in pixels (:func:`dust_side_px`).
    """
    shape = np.broadcast_shapes(img_x.shape, img_z.shape)
    if side < 0 or side > min(shape[-2:]):
        raise ValueError(f"dust side {side} px outside [0, {min(shape[-2:])}]")
    out = np.array(np.broadcast_to(img_x, shape), copy=True)
    out[..., :side, :side] = np.broadcast_to(img_z, shape)[..., :side, :side]
    return out


# ---------------------------------------------------------------------------------------------
# Disk-count variants (positions, units of R)
# ---------------------------------------------------------------------------------------------


def count_kept(pos_fnd: np.ndarray, w_gas: int, lam: float, direction: str, L: float,
               size: int) -> np.ndarray:
    """Disk centres inside the region that :func:`scale` keeps, per frame.

    Parameters
    ----------
    pos_fnd : float array, shape (..., F, N, 2)
        Disk centres (x, y), units of R.
    w_gas, lam, direction : as in :func:`scale`.
    L : float
        Container side (units of R).
    size : int
        Image side in pixels.

    Returns
    -------
    int array, shape (..., F): ``N(lam X)`` frame by frame.
    """
    _check_direction(direction)
    px = L / size  # length of one pixel
    if direction == "right":
        return np.sum(pos_fnd[..., 0] < kept_px(lam, w_gas) * px, axis=-1)
    return np.sum(pos_fnd[..., 1] >= (size - kept_px(lam, size)) * px, axis=-1)


def keep_count_exact(pos_fnd: np.ndarray, lam: float, direction: str) -> np.ndarray:
    """The count-exact scaled state: in every frame the ``round(lam N)`` disks furthest on the
    kept side (smallest x for ``"right"``, largest y for ``"bottom"``).

    Parameters
    ----------
    pos_fnd : float array, shape (F, N, 2)
    lam : float in [0, 1]
    direction : {"right", "bottom"}

    Returns
    -------
    float array, shape (F, k, 2), ``k = round(lam N)``: positions to render.
    """
    _check_direction(direction)
    n = pos_fnd.shape[-2]
    k = kept_px(lam, n)
    key = pos_fnd[..., 0] if direction == "right" else -pos_fnd[..., 1]
    order = np.argsort(key, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(pos_fnd, order[..., None], axis=-2)
