"""The fast renderer: run-length rasterisation fused with Pillow's integer Lanczos (numba).

Bit-identical to :func:`.reference.render_frame_pillow` (tests/unit/test_render.py), several times
faster (benchmarks/render_throughput.py). Three observations make it fast:

1. The canvas is binary (0 or 255) and every disk is a short stack of horizontal runs
   (:mod:`.geometry`), so the canvas is never materialised: the disks' runs are bucketed by row
   and overlapping runs merged (overlapping disks are a union, as Pillow's fill is).
2. Pillow's horizontal pass sums ``255 * k`` over the lit pixels of a window. With the
   cumulative weights of each window, a run contributes a difference of two integers to each of
   the few (about 8) output pixels whose windows it overlaps: O(runs) instead of
   O(canvas * size * taps) per frame. Integer sums do not depend on their order, so this is
   exact.
3. The vertical pass is Pillow's, dense over the (canvas, size) buffer, with the sum over taps
   outermost so the innermost loop runs over contiguous columns (vectorised), skipping rows with
   no disk.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .geometry import disk_boxes, footprints
from .lanczos import HALF, PRECISION_BITS, lanczos_coeffs


@nb.njit(cache=True, nogil=True)
def _bucket_runs(box_n4, fp_start_ab, fp_count_ab, fp_dy_j, fp_xl_j, fp_xr_j, canvas,
                 row_ptr_h, xl_r, xr_r):
    """Clip every disk's runs to the canvas and sort them by row (counting sort).

    Fills ``row_ptr_h`` (canvas + 1,) with the offsets of each row's runs in ``xl_r``/``xr_r``
    (inclusive column ranges); returns the number of runs.
    """
    n_rows = canvas
    for h in range(n_rows + 1):
        row_ptr_h[h] = 0
    for pass_ in range(2):
        for i in range(box_n4.shape[0]):
            x0, y0 = box_n4[i, 0], box_n4[i, 1]
            a, b = box_n4[i, 2] - x0, box_n4[i, 3] - y0
            j0 = fp_start_ab[a, b]
            for j in range(j0, j0 + fp_count_ab[a, b]):
                h = y0 + fp_dy_j[j]
                if h < 0 or h >= n_rows:
                    continue
                lo = max(x0 + fp_xl_j[j], 0)
                hi = min(x0 + fp_xr_j[j], canvas - 1)
                if lo > hi:
                    continue
                if pass_ == 0:
                    row_ptr_h[h + 1] += 1
                else:
                    k = row_ptr_h[h]
                    xl_r[k] = lo
                    xr_r[k] = hi
                    row_ptr_h[h] = k + 1
        if pass_ == 0:
            for h in range(n_rows):
                row_ptr_h[h + 1] += row_ptr_h[h]
        else:  # the fill advanced every row's offset to the next row's start: shift back
            for h in range(n_rows, 0, -1):
                row_ptr_h[h] = row_ptr_h[h - 1]
            row_ptr_h[0] = 0
    return row_ptr_h[n_rows]


@nb.njit(cache=True, nogil=True)
def _merge_runs(xl_r, xr_r, lo, hi):
    """Sort the runs ``lo .. hi - 1`` by start (insertion sort: a row has a few dozen) and
    merge overlapping or touching ones in place; returns the end of the merged runs."""
    for k in range(lo + 1, hi):
        a, b = xl_r[k], xr_r[k]
        m = k - 1
        while m >= lo and xl_r[m] > a:
            xl_r[m + 1] = xl_r[m]
            xr_r[m + 1] = xr_r[m]
            m -= 1
        xl_r[m + 1] = a
        xr_r[m + 1] = b
    out = lo
    for k in range(lo, hi):
        if out > lo and xl_r[k] <= xr_r[out - 1] + 1:
            if xr_r[k] > xr_r[out - 1]:
                xr_r[out - 1] = xr_r[k]
        else:
            xl_r[out] = xl_r[k]
            xr_r[out] = xr_r[k]
            out += 1
    return out


@nb.njit(cache=True, nogil=True)
def _clip8(s):
    v = s >> PRECISION_BITS
    return 0 if v < 0 else (255 if v > 255 else v)


@nb.njit(cache=True, nogil=True)
def _horizontal_pass(row_ptr_h, xl_r, xr_r, h_start_o, h_count_o, h_cum_oj, h_first_i,
                     h_last_i, acc_o, tmp_hw, lit_h):
    """Pillow's horizontal pass over the binary canvas given as runs: ``tmp_hw`` (canvas, size).

    Each row's runs are merged (a union, like Pillow's fill), then every run adds
    ``cum[o, q] - cum[o, p]`` (its pixels' weights in window ``o``) to the few outputs it
    touches; ``lit_h[h]`` marks the rows that have runs.
    """
    canvas, size_w = tmp_hw.shape
    for h in range(canvas):
        lo, hi = row_ptr_h[h], row_ptr_h[h + 1]
        lit_h[h] = lo < hi
        if lo == hi:
            tmp_hw[h, :] = 0
            continue
        end = _merge_runs(xl_r, xr_r, lo, hi)
        for k in range(lo, end):
            s, e = xl_r[k], xr_r[k]
            for o in range(h_first_i[s], h_last_i[e] + 1):
                a0 = h_start_o[o]
                p = max(s, a0) - a0
                q = min(e + 1, a0 + h_count_o[o]) - a0
                acc_o[o] += h_cum_oj[o, q] - h_cum_oj[o, p]
        for o in range(size_w):  # clip8(HALF + 255 * acc): values fit int32 as in Pillow
            v = (HALF + 255 * acc_o[o]) >> PRECISION_BITS
            tmp_hw[h, o] = min(max(v, 0), 255)
            acc_o[o] = 0


@nb.njit(cache=True, nogil=True)
def _vertical_pass(tmp_hw, lit_h, v_start_o, v_count_o, v_k_oj, vacc_w, out_hw):
    """Pillow's vertical pass over the buffer ``tmp_hw`` (canvas, size) into ``out_hw``.

    The tap loop is outermost so the innermost loop runs over contiguous columns (SIMD); rows
    without disks (all zero) are skipped. int32 throughout, as in Pillow.
    """
    size_h, size_w = out_hw.shape
    for o in range(size_h):
        vacc_w[:] = HALF
        a0 = v_start_o[o]
        for j in range(v_count_o[o]):
            if not lit_h[a0 + j]:
                continue
            kv = v_k_oj[o, j]
            row = tmp_hw[a0 + j]
            for w in range(size_w):
                vacc_w[w] += row[w] * kv
        for w in range(size_w):
            out_hw[o, w] = min(max(vacc_w[w] >> PRECISION_BITS, 0), 255)


@nb.njit(cache=True, nogil=True)
def _render_batch(box_fn4, fp_start_ab, fp_count_ab, fp_dy_j, fp_xl_j, fp_xr_j, canvas,
                  h_start_o, h_count_o, h_cum_oj, h_first_i, h_last_i,
                  v_start_o, v_count_o, v_k_oj, out_fhw):
    """Render every frame of ``box_fn4`` (F, N, 4) into ``out_fhw`` (F, size, size).

    The boxes of each frame should be sorted by ``x0`` (then each row's runs arrive almost
    sorted and merging them is cheap); any order gives the same image.
    """
    n_f, n_disk = box_fn4.shape[0], box_fn4.shape[1]
    size_w = h_start_o.shape[0]
    n_runs_max = 0
    for a in range(fp_count_ab.shape[0]):
        for b in range(fp_count_ab.shape[1]):
            n_runs_max = max(n_runs_max, fp_count_ab[a, b])
    n_runs_max *= n_disk
    row_ptr_h = np.empty(canvas + 1, np.int64)
    xl_r = np.empty(n_runs_max, np.int64)
    xr_r = np.empty(n_runs_max, np.int64)
    acc_o = np.zeros(size_w, np.int32)
    tmp_hw = np.zeros((canvas, size_w), np.int32)
    lit_h = np.zeros(canvas, np.bool_)
    vacc_w = np.empty(size_w, np.int32)
    for f in range(n_f):
        _bucket_runs(box_fn4[f], fp_start_ab, fp_count_ab, fp_dy_j, fp_xl_j, fp_xr_j, canvas,
                     row_ptr_h, xl_r, xr_r)
        _horizontal_pass(row_ptr_h, xl_r, xr_r, h_start_o, h_count_o, h_cum_oj, h_first_i,
                         h_last_i, acc_o, tmp_hw, lit_h)
        _vertical_pass(tmp_hw, lit_h, v_start_o, v_count_o, v_k_oj, vacc_w, out_fhw[f])


@nb.njit(cache=True, nogil=True)
def _raster_batch(box_fn4, fp_start_ab, fp_count_ab, fp_dy_j, fp_xl_j, fp_xr_j, out_fhw):
    """Canvas only (no resampling, ``size == canvas``): set the disks' runs to 255."""
    canvas = out_fhw.shape[1]
    out_fhw[:] = 0
    for f in range(box_fn4.shape[0]):
        for i in range(box_fn4.shape[1]):
            x0, y0 = box_fn4[f, i, 0], box_fn4[f, i, 1]
            a, b = box_fn4[f, i, 2] - x0, box_fn4[f, i, 3] - y0
            j0 = fp_start_ab[a, b]
            for j in range(j0, j0 + fp_count_ab[a, b]):
                h = y0 + fp_dy_j[j]
                if h < 0 or h >= canvas:
                    continue
                for w in range(max(x0 + fp_xl_j[j], 0), min(x0 + fp_xr_j[j], canvas - 1) + 1):
                    out_fhw[f, h, w] = 255


def render_frames_fast(pos_fnd: np.ndarray, L: float, R: float, canvas: int,
                       size: int) -> np.ndarray:
    """Fast path of :func:`thermolearn.paper_a.render.render_frames` (same contract)."""
    pos_fnd = np.asarray(pos_fnd)
    n_f, n_d = pos_fnd.shape[:2]
    box_fn4 = disk_boxes(pos_fnd.reshape(n_f * n_d, 2), L, R, canvas).reshape(n_f, n_d, 4)
    # box extents are at most floor(2r) + 1: one footprint table per disk size
    ext = 1 + max(int((box_fn4[..., 2:] - box_fn4[..., :2]).max(initial=0)), 0)
    fp = footprints(max(ext, int(np.floor(2 * R * canvas / L)) + 2))
    fp_args = (fp.start_ab, fp.count_ab, fp.dy_j, fp.xl_j, fp.xr_j)
    out_fhw = np.zeros((n_f, size, size), np.uint8)
    if n_f == 0:
        return out_fhw
    if size == canvas:  # Pillow's resize returns the canvas unchanged
        _raster_batch(box_fn4, *fp_args, out_fhw)
        return out_fhw
    co = lanczos_coeffs(canvas, size)
    order_fn = np.argsort(box_fn4[..., 0], axis=1, kind="stable")
    box_fn4 = np.ascontiguousarray(np.take_along_axis(box_fn4, order_fn[..., None], axis=1))
    if HALF + 255 * int(np.abs(co.k_oj).sum(axis=1).max()) >= 2**31:  # Pillow's int32 sums
        raise OverflowError(f"Lanczos {canvas} -> {size}: weights overflow 32-bit sums")
    cum_oj, k_oj = co.cum_oj.astype(np.int32), co.k_oj.astype(np.int32)
    _render_batch(box_fn4, *fp_args, canvas, co.start_o, co.count_o, cum_oj,
                  co.first_out_i, co.last_out_i, co.start_o, co.count_o, k_oj, out_fhw)
    return out_fhw
