"""Pillow's Lanczos resampling, reproduced in integer arithmetic.

Pillow (``Image.resize(size, Image.LANCZOS)`` on an 8-bit ``"L"`` image, no ``box``, no
``reducing_gap``) resamples separably: first every row horizontally into a ``(H_in, W_out)``
uint8 buffer, then every column of that buffer vertically. Each output pixel is

    clip8(2**21 + sum_i k_i * v_i)  with  clip8(s) = min(255, max(0, s >> 22)),

where ``k_i`` are the filter weights normalised to sum 1 and rounded to integers in units of
2**-22 (``PRECISION_BITS = 22`` in Pillow's ``Resample.c``). Because all of this is integer
arithmetic, reproducing the weights bit for bit (same double-precision formula, same rounding)
reproduces Pillow's output bit for bit, whatever order the sums are taken in. The weights are
computed here with :mod:`math` in exactly the order Pillow's ``precompute_coeffs`` uses.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

PRECISION_BITS = 22  # Pillow: 32 - 8 - 2
HALF = 1 << (PRECISION_BITS - 1)  # rounding offset added before the shift
LANCZOS_SUPPORT = 3.0


def lanczos(x: float) -> float:
    """Pillow's ``lanczos_filter``: sinc(x) sinc(x/3) on [-3, 3), else 0."""

    def sinc(v: float) -> float:
        if v == 0.0:
            return 1.0
        v = v * math.pi
        return math.sin(v) / v

    if -3.0 <= x < 3.0:
        return sinc(x) * sinc(x / 3)
    return 0.0


@dataclass(frozen=True)
class Coeffs:
    """Integer weights of a 1D resampling from ``n_in`` to ``n_out`` pixels.

    Output pixel ``o`` is ``clip8(HALF + sum_j k_oj[o, j] * v[start_o[o] + j])`` for
    ``j < count_o[o]``.

    Attributes
    ----------
    start_o, count_o : int64 arrays, shape (n_out,)
        First input pixel and number of input pixels of each output pixel's window.
    k_oj : int64 array, shape (n_out, ksize)
        Weights in units of 2**-22 (zero beyond ``count_o``).
    cum_oj : int64 array, shape (n_out, ksize + 1)
        ``cum_oj[o, j] = sum(k_oj[o, :j])``: the weight of a run of lit input pixels is a
        difference of two entries.
    first_out_i, last_out_i : int64 arrays, shape (n_in,)
        Window starts and ends are non-decreasing in ``o``, so the outputs whose windows
        overlap the input run ``s .. e`` are ``first_out_i[s] .. last_out_i[e]``:
        ``first_out_i[i]`` is the first output whose window ends after ``i``,
        ``last_out_i[i]`` the last whose window starts at or before ``i``.
    """

    n_in: int
    n_out: int
    start_o: np.ndarray
    count_o: np.ndarray
    k_oj: np.ndarray
    cum_oj: np.ndarray
    first_out_i: np.ndarray
    last_out_i: np.ndarray


@functools.lru_cache(maxsize=16)
def lanczos_coeffs(n_in: int, n_out: int) -> Coeffs:
    """Pillow's ``precompute_coeffs`` + ``normalize_coeffs_8bpc`` for the Lanczos filter.

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths in pixels (the box is the whole input, ``0 .. n_in``).
    """
    if n_in < 1 or n_out < 1:
        raise ValueError(f"resampling needs positive sizes, got {n_in} -> {n_out}")
    scale = float(n_in) / n_out  # in1 - in0 with in0 = 0 (floats in Pillow)
    filterscale = max(scale, 1.0)
    support = LANCZOS_SUPPORT * filterscale
    ksize = int(math.ceil(support)) * 2 + 1
    ss = 1.0 / filterscale
    start_o = np.zeros(n_out, np.int64)
    count_o = np.zeros(n_out, np.int64)
    k_oj = np.zeros((n_out, ksize), np.int64)
    for o in range(n_out):
        center = 0.0 + (o + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)  # int() truncates like C's cast
        xmax = min(int(center + support + 0.5), n_in) - xmin
        w = [lanczos((x + xmin - center + 0.5) * ss) for x in range(xmax)]
        ww = 0.0
        for v in w:
            ww += v
        if ww != 0.0:
            w = [v / ww for v in w]
        for j, v in enumerate(w):
            k_oj[o, j] = int(-0.5 + v * (1 << PRECISION_BITS)) if v < 0 else int(
                0.5 + v * (1 << PRECISION_BITS))
        start_o[o], count_o[o] = xmin, xmax
    cum_oj = np.zeros((n_out, ksize + 1), np.int64)
    np.cumsum(k_oj, axis=1, out=cum_oj[:, 1:])
    end_o = start_o + count_o
    if np.any(np.diff(start_o) < 0) or np.any(np.diff(end_o) < 0):
        raise AssertionError(f"Lanczos windows {n_in} -> {n_out} are not monotone")
    i = np.arange(n_in)
    first_out_i = np.searchsorted(end_o, i, side="right").astype(np.int64)
    last_out_i = (np.searchsorted(start_o, i, side="right") - 1).astype(np.int64)
    return Coeffs(n_in, n_out, start_o, count_o, k_oj, cum_oj, first_out_i, last_out_i)


def clip8(s_any: np.ndarray) -> np.ndarray:
    """Pillow's ``clip8``: fixed-point sums (units 2**-22, rounding offset included) to uint8."""
    return np.clip(np.right_shift(s_any, PRECISION_BITS), 0, 255).astype(np.uint8)


def resample_axis(img_any: np.ndarray, co: Coeffs, axis: int) -> np.ndarray:
    """Resample a uint8 image along one axis exactly as one Pillow pass does (dense, NumPy).

    A plain, unoptimised implementation: the independent check of the fast kernels.
    """
    img = np.moveaxis(np.asarray(img_any), axis, -1).astype(np.int64)
    if img.shape[-1] != co.n_in:
        raise ValueError(f"axis {axis} has {img.shape[-1]} pixels, coefficients expect {co.n_in}")
    acc = np.full(img.shape[:-1] + (co.n_out,), HALF, np.int64)
    for o in range(co.n_out):
        a, n = co.start_o[o], co.count_o[o]
        acc[..., o] += img[..., a:a + n] @ co.k_oj[o, :n]
    return np.moveaxis(clip8(acc), -1, axis)


def resize_dense(img_hw: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Pillow's ``Image.fromarray(img_hw).resize((w, h), Image.LANCZOS)`` in NumPy.

    Parameters
    ----------
    img_hw : uint8 array, shape (H, W)
    size : (h_out, w_out)
        Note the (rows, columns) order, unlike Pillow's (width, height).
    """
    h_out, w_out = size
    h, w = img_hw.shape
    if (h, w) == (h_out, w_out):
        return np.array(img_hw, np.uint8)  # Pillow returns a copy
    tmp = resample_axis(img_hw, lanczos_coeffs(w, w_out), axis=1) if w != w_out else img_hw
    return resample_axis(tmp, lanczos_coeffs(h, h_out), axis=0) if h != h_out else np.asarray(tmp, np.uint8)
