"""Soft-disk molecular dynamics: pure numba kernels plus a thin stateful driver.

Model (Paper A, Eq. 3): disks of radius R and mass m interact through
``phi(r) = C/2 (2R - r)^2`` for ``r <= 2R``; each wall through ``C/2 (R - d)^2`` for ``d <= R``
with ``d`` the centre's distance to the wall. The container is ``[0, Lx] x [0, L]``: fixed walls
at ``x = 0``, ``y = 0``, ``y = L`` and the piston at ``x = Lx(t)``. Optional internal walls are
two-sided planes ``x = c`` or ``y = c``. Integration is velocity Verlet in float64.

Performance notes (see ``benchmarks/md_throughput.py``): the time-stepping loop works on
contiguous per-axis arrays (``x_n``, ``y_n``, ``vx_n``, ...; the (N, 2) state arrays are copied in
and out once per call). Each step is one fused, branch-free pass over the disks (drift, wall
kick, bounds check and the largest speed, reduced as integers so the loop vectorises) plus a
short loop over pairs that kicks velocities directly: the second half kick of a step is merged
with the first half kick of the next, so no force array is touched between steps; velocities
and forces are synchronised on return. Pairs come from a half Verlet list (radius
``2R + skin``, disks radix-sorted by cell), rebuilt when a bound on the largest displacement
since its build (exact on entry, then ``dt max|v|`` per step) exceeds ``skin / 2``; the force
loop runs over an inner list filtered from it with a fifth of the skin, refiltered likewise.
No ``prange``: at N ~ 2000 a step takes under 2 us, less than the per-step threading overhead.

The interaction is written once (``_overlap_energy``, ``_wall_overlaps``, ``_kick_pair``) and
inlined into every loop that needs it; :func:`compile_kernels` compiles them all before a timed
or progress-reported run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

# -------------------------------------------------------------------------------------------
# Parameters and state
# -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GasParams:
    """Physical and numerical constants (reduced units: energy kB*T0, length R, time R sqrt(m/kB T0))."""

    L: float = 300.0
    R: float = 1.0
    mass: float = 1.0
    C: float = 10000.0
    dt: float = 0.001
    skin: float = 0.5

    @classmethod
    def from_config(cls, paper_a: dict) -> "GasParams":
        g, i = paper_a["gas"], paper_a["integrator"]
        return cls(L=float(g["L"]), R=float(g["R"]), mass=float(g["mass"]), C=float(g["C"]),
                   dt=float(i["dt"]), skin=float(i["skin"]))


@dataclass
class MDState:
    """A phase point of the gas.

    Attributes
    ----------
    pos_nd, vel_nd : ndarray, shape (N, 2), float64
        Positions (units of R) and velocities.
    Lx : float
        Piston position.
    t : float
        Time.
    walls_axis : ndarray of int64, shape (W,)
        Internal walls: 0 for a plane ``x = c``, 1 for ``y = c``.
    walls_pos : ndarray of float64, shape (W,)
        Their coordinates ``c``.
    """

    pos_nd: np.ndarray
    vel_nd: np.ndarray
    Lx: float
    t: float = 0.0
    walls_axis: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    walls_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float64))

    @property
    def N(self) -> int:
        return self.pos_nd.shape[0]

    def copy(self) -> "MDState":
        return MDState(self.pos_nd.copy(), self.vel_nd.copy(), float(self.Lx), float(self.t),
                       self.walls_axis.copy(), self.walls_pos.copy())


# -------------------------------------------------------------------------------------------
# The interaction (Eq. 3), written once
# -------------------------------------------------------------------------------------------
# Disks repel each other and the walls by their overlap o = (contact distance - distance)_+
# (contact at 2R between two centres, at R between a centre and a wall): energy C/2 o^2, force
# C o along the separation. The kernels below call these (inlined into their loops).


@njit(cache=True)
def _pos(a):
    """``max(a, 0)`` as a plain select (vectorises; NaN gives 0, caught by the bounds check)."""
    return a if a > 0.0 else 0.0


@njit(cache=True, inline="always")
def _overlap_energy(o, C):
    """Energy ``C/2 o^2`` of an overlap ``o >= 0`` (units of kB T0)."""
    return 0.5 * C * o * o


@njit(cache=True, inline="always")
def _piston_overlap_of(x, Lx, R):
    """Overlap ``(R - (Lx - x))_+`` of a disk centred at ``x`` with the piston at ``Lx``."""
    return _pos(R - (Lx - x))


@njit(cache=True, inline="always")
def _wall_overlaps(x, y, Lx, L, R):
    """Overlaps of a disk centred at ``(x, y)`` with the container's walls.

    Returns
    -------
    ox, oy, op : float
        The walls (``x = 0``, piston ``x = Lx``, ``y = 0``, ``y = L``) push the disk with the
        force ``C (ox, oy)``; ``op >= 0`` is its overlap with the piston, which it pushes with
        ``C op`` along +x.
    """
    op = _piston_overlap_of(x, Lx, R)
    return _pos(R - x) - op, _pos(R - y) - _pos(R - (L - y)), op


# not inline="always": numba's IR inlining of array arguments costs ~15% of the step (LLVM
# inlines it anyway, without that cost; benchmarks/md_throughput.py)
@njit(cache=True)
def _kick_pair(i, j, dx, dy, d2max, two_r, ck, vx_n, vy_n):
    """``v_i += ck (2R - r) / r (dx, dy)`` and ``v_j -=`` the same if ``r^2 < d2max = (2R)^2``.

    ``(dx, dy) = r_i - r_j``; ``two_r = 2R``. With ``ck = C`` this adds the pair force to force
    arrays ``vx_n, vy_n``; with ``ck = C dt / m`` it is a velocity kick.
    """
    r2 = dx * dx + dy * dy
    if r2 < d2max:
        r = np.sqrt(r2)
        f = ck * (two_r - r) / r
        vx_n[i] += f * dx
        vy_n[i] += f * dy
        vx_n[j] -= f * dx
        vy_n[j] -= f * dy


# -------------------------------------------------------------------------------------------
# Kernels
# -------------------------------------------------------------------------------------------


@njit(cache=True)
def _sort_by_cell(x_n, y_n, nc, inv_cell, order_n, key_n):
    """Stable LSD radix sort (8-bit digits) of the disks by cell ``cy * nc + cx``.

    Parameters
    ----------
    x_n, y_n : ndarray, shape (N,)
        Positions (units of R).
    nc : int
        Cells per side; ``inv_cell`` is ``nc / L``. Out-of-box disks are clamped to edge cells.
    order_n : ndarray of int, shape (N,)
        Output: disk indices in cell order (ties keep index order, so the result is unique).
    key_n : ndarray of int64, shape (>= N,)
        Output: the cell of each entry of ``order_n``.
    """
    n = x_n.shape[0]
    key = np.empty(n, np.int64)
    for i in range(n):
        cx = min(max(int(x_n[i] * inv_cell), 0), nc - 1)
        cy = min(max(int(y_n[i] * inv_cell), 0), nc - 1)
        key[i] = cy * nc + cx
    nbits = 1
    while (1 << nbits) < nc * nc:
        nbits += 1
    src = np.arange(n)
    dst = np.empty(n, np.int64)
    hist = np.empty(257, np.int64)
    shift = 0
    while shift < nbits:
        hist[:] = 0
        for a in range(n):
            hist[((key[src[a]] >> shift) & 255) + 1] += 1
        for b in range(256):
            hist[b + 1] += hist[b]
        for a in range(n):
            d = (key[src[a]] >> shift) & 255
            dst[hist[d]] = src[a]
            hist[d] += 1
        src, dst = dst, src
        shift += 8
    for a in range(n):
        order_n[a] = src[a]
        key_n[a] = key[src[a]]


@njit(cache=True, inline="always")
def _scan_run(b, hi, xa, ya, oa, sx, sy, skey, order, rl2, pairs_i, pairs_j, npairs, w, last):
    """Append disk ``oa``'s pairs with the sorted disks ``b, b+1, ...`` while their cell key is
    ``<= hi``; returns the updated ``(npairs, w)`` (see :func:`_build_pairs_xy`)."""
    while skey[b] <= hi:
        dx = xa - sx[b]
        dy = ya - sy[b]
        pairs_i[w] = oa
        pairs_j[w] = order[b]
        npairs += dx * dx + dy * dy < rl2
        w = min(npairs, last)
        b += 1
    return npairs, w


@njit(cache=True)
def _build_pairs_xy(x_n, y_n, L, rlist, pairs_i, pairs_j):
    """Half neighbour list of all pairs closer than ``rlist`` (sorted cell list, O(N)).

    Disks are sorted by cell (cells of side >= ``rlist`` on ``[0, L]^2``); the half stencil of
    a cell (rest of its own cell, the cell to the right, the three cells above) is then two
    contiguous runs of the sorted order, found with a pointer that only moves forward. Cells
    wrapped around a row end are never within ``rlist`` and fail the distance test.

    Parameters
    ----------
    x_n, y_n : ndarray, shape (N,)
        Positions (units of R).
    L : float
        Container side.
    rlist : float
        List radius (``2R + skin``).
    pairs_i, pairs_j : ndarray of int, shape (cap,)
        Output buffers.

    Returns
    -------
    int
        Number of pairs, or ``-needed`` if the buffers are too small.
    """
    n = x_n.shape[0]
    nc = int(L / rlist)
    if nc < 3:  # the stencil would alias: one cell, all pairs
        nc = 1
    order = np.empty(n, np.int64)
    skey = np.empty(n + 1, np.int64)
    _sort_by_cell(x_n, y_n, nc, nc / L, order, skey)
    skey[n] = nc * nc + 2 * nc + 2  # sentinel beyond every stencil
    sx = np.empty(n)
    sy = np.empty(n)
    for a in range(n):
        sx[a] = x_n[order[a]]
        sy[a] = y_n[order[a]]
    rl2 = rlist * rlist
    # appends are branch-free: write at slot w, then advance if inside; once the buffers are
    # full, w stays on the last slot (scratch), so success needs npairs < capacity
    last = pairs_i.shape[0] - 1
    if last < 0:
        return -1
    npairs = 0
    w = 0
    q = 0
    for a in range(n):
        c = skey[a]
        xa = sx[a]
        ya = sy[a]
        oa = order[a]
        # run 1: the rest of the own cell and the cell to the right
        npairs, w = _scan_run(a + 1, c + 1 if nc > 1 else c, xa, ya, oa, sx, sy, skey, order,
                              rl2, pairs_i, pairs_j, npairs, w, last)
        if nc == 1:
            continue
        # run 2: the three cells of the row above
        lo = c + nc - 1
        while skey[q] < lo:
            q += 1
        npairs, w = _scan_run(q, c + nc + 1, xa, ya, oa, sx, sy, skey, order, rl2, pairs_i,
                              pairs_j, npairs, w, last)
    if npairs > last:
        return -(npairs + 1)
    return npairs


@njit(cache=True)
def build_pair_list(pos_nd, L, rlist, pairs_i, pairs_j):
    """Half neighbour list of all pairs closer than ``rlist`` (cell list, O(N)).

    Returns the number of pairs, or ``-needed`` if the buffers are too small.
    """
    return _build_pairs_xy(pos_nd[:, 0].copy(), pos_nd[:, 1].copy(), L, rlist, pairs_i, pairs_j)


@njit(cache=True)
def compute_forces(pos_nd, Lx, L, R, C, walls_axis, walls_pos):
    """All forces by direct O(N^2) summation over pairs (the reference for the pair lists).

    Returns
    -------
    force_nd : ndarray, shape (N, 2)
        Force on every disk (units of kB T0 / R).
    fp : float
        Force of the gas on the piston (+x).
    """
    n = pos_nd.shape[0]
    x_n = pos_nd[:, 0].copy()
    y_n = pos_nd[:, 1].copy()
    fx_n = np.empty(n)
    fy_n = np.empty(n)
    fp = _wall_forces(x_n, y_n, fx_n, fy_n, Lx, L, R, C, walls_axis, walls_pos)
    d2max = 4.0 * R * R
    for i in range(n):
        for j in range(i + 1, n):
            _kick_pair(i, j, x_n[i] - x_n[j], y_n[i] - y_n[j], d2max, 2.0 * R, C, fx_n, fy_n)
    return _stack_xy(fx_n, fy_n), fp


@njit(cache=True)
def listed_forces(pos_nd, Lx, L, R, C, walls_axis, walls_pos, pairs_i, pairs_j, npairs):
    """All forces with the pair sum over a pair list (which must cover all r < 2R).

    Returns ``(force_nd, fp)`` as :func:`compute_forces`.
    """
    n = pos_nd.shape[0]
    x_n = pos_nd[:, 0].copy()
    y_n = pos_nd[:, 1].copy()
    fx_n = np.empty(n)
    fy_n = np.empty(n)
    fp = _forces_xy(x_n, y_n, fx_n, fy_n, pairs_i, pairs_j, npairs, Lx, L, R, C, walls_axis,
                    walls_pos)
    return _stack_xy(fx_n, fy_n), fp


@njit(cache=True)
def _stack_xy(x_n, y_n):
    """The (N, 2) array of two per-axis arrays."""
    out_nd = np.empty((x_n.shape[0], 2))
    out_nd[:, 0] = x_n
    out_nd[:, 1] = y_n
    return out_nd


@njit(cache=True)
def potential_energy_kernel(pos_nd, Lx, L, R, C, walls_axis, walls_pos, pairs_i, pairs_j, npairs):
    """Total potential energy (walls + listed pairs); pairs must cover all r < 2R."""
    u = 0.0
    for i in range(pos_nd.shape[0]):
        x = pos_nd[i, 0]
        y = pos_nd[i, 1]
        for d in (x, Lx - x, y, L - y):
            o = R - d
            if o > 0.0:
                u += _overlap_energy(o, C)
        for w in range(walls_axis.shape[0]):
            o = R - abs(pos_nd[i, walls_axis[w]] - walls_pos[w])
            if o > 0.0:
                u += _overlap_energy(o, C)
    d2max = 4.0 * R * R
    for p in range(npairs):
        i = pairs_i[p]
        j = pairs_j[p]
        dx = pos_nd[i, 0] - pos_nd[j, 0]
        dy = pos_nd[i, 1] - pos_nd[j, 1]
        r2 = dx * dx + dy * dy
        if r2 < d2max:
            u += _overlap_energy(2.0 * R - np.sqrt(r2), C)
    return u


# --- the time-stepping loop, on contiguous x / y arrays (structure of arrays) -------------


V2_SCALE = 1048576.0  # 2^20: squared speeds are reduced as integers v^2 * V2_SCALE


@njit(cache=True)
def _drift_walls(x_n, y_n, vx_n, vy_n, kick, dt, Lx, L, R, C):
    """One fused, branch-free pass over the disks: drift, wall kick and the checks.

    ``x += dt v``; then ``v += kick * F_wall(x)`` for the walls at ``x = 0``, ``y = 0``,
    ``y = L`` and the piston at ``x = Lx``. Reductions are over integers so the loop vectorises.

    Returns
    -------
    tuple of int
        ``(q_max, n_out, lo, hi)``: ``floor(V2_SCALE max v^2)`` of the drift velocities (the
        largest displacement of the step is at most ``dt sqrt((q_max + 1) / V2_SCALE)``); disks
        outside ``[0, Lx] x [0, L]`` or NaN; first and last index of the disks touching the
        piston (``lo > hi`` if none).
    """
    n = x_n.shape[0]
    q_max = 0
    n_out = 0
    lo = n
    hi = -1
    ck = C * kick
    for i in range(n):
        vx = vx_n[i]
        vy = vy_n[i]
        v2 = vx * vx + vy * vy
        v2 = v2 if v2 < 1e12 else 1e12  # NaN and huge speeds: a finite bound (blow-up anyway)
        q_max = max(q_max, np.int64(v2 * V2_SCALE))
        x = x_n[i] + dt * vx
        y = y_n[i] + dt * vy
        x_n[i] = x
        y_n[i] = y
        n_out += not ((x >= 0.0) & (x <= Lx) & (y >= 0.0) & (y <= L))
        ox, oy, op = _wall_overlaps(x, y, Lx, L, R)
        touch = op > 0.0
        lo = min(lo, i if touch else n)
        hi = max(hi, i if touch else -1)
        vx_n[i] = vx + ck * ox
        vy_n[i] = vy + ck * oy
    return q_max, n_out, lo, hi


@njit(cache=True)
def _max_displacement(x_n, y_n, rx_n, ry_n):
    """``max_i |r_i - ref_i|``."""
    d2 = 0.0
    for i in range(x_n.shape[0]):
        dx = x_n[i] - rx_n[i]
        dy = y_n[i] - ry_n[i]
        d2 = max(d2, dx * dx + dy * dy)
    return np.sqrt(d2)


@njit(cache=True)
def _filter_pairs(x_n, y_n, pairs_i, pairs_j, npairs, r_in, in_i, in_j):
    """Copy the listed pairs closer than ``r_in`` into ``in_i, in_j``; return their number."""
    r2 = r_in * r_in
    m = 0
    for p in range(npairs):  # branch-free append (in_i, in_j hold at least npairs entries)
        i = pairs_i[p]
        j = pairs_j[p]
        dx = x_n[i] - x_n[j]
        dy = y_n[i] - y_n[j]
        in_i[m] = i
        in_j[m] = j
        m += dx * dx + dy * dy < r2
    return m


@njit(cache=True)
def _piston_overlap(x_n, Lx, R, lo, hi):
    """``sum_i max(R - (Lx - x_i), 0)`` over disks ``lo..hi`` (in index order)."""
    s = 0.0
    for i in range(lo, hi + 1):
        s += _piston_overlap_of(x_n[i], Lx, R)
    return s


@njit(cache=True)
def _pair_kick(x_n, y_n, vx_n, vy_n, pairs_i, pairs_j, npairs, kick, R, C):
    """``v += kick * F_pair`` over the listed pairs (``kick = 1`` accumulates forces)."""
    d2max = 4.0 * R * R
    two_r = 2.0 * R
    ck = kick * C
    for p in range(npairs):
        i = pairs_i[p]
        j = pairs_j[p]
        _kick_pair(i, j, x_n[i] - x_n[j], y_n[i] - y_n[j], d2max, two_r, ck, vx_n, vy_n)


@njit(cache=True)
def _internal_walls_kick(x_n, y_n, vx_n, vy_n, kick, R, C, walls_axis, walls_pos):
    """``v += kick * F`` of the two-sided internal walls."""
    ck = kick * C
    for w in range(walls_axis.shape[0]):
        c = walls_pos[w]
        q_n = x_n if walls_axis[w] == 0 else y_n
        v_n = vx_n if walls_axis[w] == 0 else vy_n
        for i in range(q_n.shape[0]):
            s = q_n[i] - c
            d = abs(s)
            if d < R:
                v_n[i] += ck * (R - d) * (1.0 if s >= 0.0 else -1.0)


@njit(cache=True)
def _wall_forces(x_n, y_n, fx_n, fy_n, Lx, L, R, C, walls_axis, walls_pos):
    """Set ``fx_n, fy_n`` to the forces of all walls; return the gas's force on the piston."""
    fp = 0.0
    for i in range(x_n.shape[0]):
        ox, oy, op = _wall_overlaps(x_n[i], y_n[i], Lx, L, R)
        fx_n[i] = C * ox
        fy_n[i] = C * oy
        fp += op
    _internal_walls_kick(x_n, y_n, fx_n, fy_n, 1.0, R, C, walls_axis, walls_pos)
    return C * fp


@njit(cache=True)
def _forces_xy(x_n, y_n, fx_n, fy_n, pairs_i, pairs_j, npairs, Lx, L, R, C, walls_axis,
               walls_pos):
    """Set ``fx_n, fy_n`` to all forces (listed pairs); return the gas's force on the piston."""
    fp = _wall_forces(x_n, y_n, fx_n, fy_n, Lx, L, R, C, walls_axis, walls_pos)
    _pair_kick(x_n, y_n, fx_n, fy_n, pairs_i, pairs_j, npairs, 1.0, R, C)
    return fp


INNER_SKIN_FRACTION = 0.2  # skin of the inner pair list, as a fraction of the outer skin


@njit(cache=True)
def _run_xy(x_n, y_n, vx_n, vy_n, fx_n, fy_n, rx_n, ry_n, pairs_i, pairs_j, npairs, fp,
            Lx_a, Lx_b, k0, k1, n_seg, L, R, C, mass, dt, skin, walls_axis, walls_pos):
    """:func:`run_steps` on contiguous per-axis arrays (all shape (N,), modified in place).

    Leapfrog form of velocity Verlet: after the first half kick with the entry forces, every
    step is a drift followed by a full kick with the new forces (walls inside the drift pass,
    then pairs), the last step by a half kick; no force array is touched in between. The entry
    forces ``fx_n, fy_n`` are overwritten with the forces at the final positions.

    Pair lists: the outer list (``pairs_i, pairs_j``: all pairs within ``2R + skin`` of the
    positions ``rx_n, ry_n`` at its build) is rebuilt from cells when a bound on the largest
    displacement since its build exceeds ``skin / 2``: the exact displacement on entry plus
    ``dt max|v|`` per step. The pair forces loop over an inner list filtered from it with the
    smaller skin ``s = INNER_SKIN_FRACTION * skin``, refiltered when the displacement bound since
    its filtering exceeds ``s / 2``. Every pair closer than 2R at a force evaluation is in both.
    """
    n = x_n.shape[0]
    hdt_m = 0.5 * dt / mass
    rlist = 2.0 * R + skin
    skin_in = INNER_SKIN_FRACTION * skin
    work = 0.0
    impulse = 0.0
    n_rebuilds = 0
    status = 0
    if k1 <= k0:
        return status, pairs_i, pairs_j, npairs, fp, work, impulse, n_rebuilds, 0
    for i in range(n):
        vx_n[i] += hdt_m * fx_n[i]
        vy_n[i] += hdt_m * fy_n[i]
    has_walls = walls_axis.shape[0] > 0
    disp = _max_displacement(x_n, y_n, rx_n, ry_n)  # since the outer build (exact)
    in_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
    in_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
    n_in = _filter_pairs(x_n, y_n, pairs_i, pairs_j, npairs, 2.0 * R + skin_in, in_i, in_j)
    disp_in = 0.0  # since the inner filtering
    k = k0
    while k < k1:
        kick = 2.0 * hdt_m if k + 1 < k1 else hdt_m  # the last kick is a half kick
        Lx_old = Lx_a + (Lx_b - Lx_a) * (k / n_seg)
        Lx_new = Lx_a + (Lx_b - Lx_a) * ((k + 1) / n_seg)
        q_max, n_out, lo, hi = _drift_walls(x_n, y_n, vx_n, vy_n, kick, dt, Lx_new, L, R, C)
        fp_new = C * _piston_overlap(x_n, Lx_new, R, lo, hi) if hi >= lo else 0.0
        if has_walls:
            _internal_walls_kick(x_n, y_n, vx_n, vy_n, kick, R, C, walls_axis, walls_pos)
        work -= 0.5 * (fp + fp_new) * (Lx_new - Lx_old)
        impulse += 0.5 * (fp + fp_new) * dt
        fp = fp_new
        k += 1
        if n_out > 0:
            status = 1
            break
        step = dt * np.sqrt((q_max + 1) / V2_SCALE)
        disp += step
        disp_in += step
        if disp > 0.5 * skin:
            npairs = _build_pairs_xy(x_n, y_n, L, rlist, pairs_i, pairs_j)
            while npairs < 0:
                pairs_i = np.empty(2 * (-npairs), pairs_i.dtype)
                pairs_j = np.empty(2 * (-npairs), pairs_j.dtype)
                npairs = _build_pairs_xy(x_n, y_n, L, rlist, pairs_i, pairs_j)
            if in_i.shape[0] < npairs:
                in_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
                in_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
            rx_n[:] = x_n
            ry_n[:] = y_n
            disp = 0.0
            disp_in = skin_in  # force a refiltering
            n_rebuilds += 1
        if disp_in > 0.5 * skin_in:
            n_in = _filter_pairs(x_n, y_n, pairs_i, pairs_j, npairs, 2.0 * R + skin_in, in_i, in_j)
            disp_in = 0.0
        _pair_kick(x_n, y_n, vx_n, vy_n, in_i, in_j, n_in, kick, R, C)
    Lx_end = Lx_a + (Lx_b - Lx_a) * (k / n_seg)
    fp_end = _forces_xy(x_n, y_n, fx_n, fy_n, pairs_i, pairs_j, npairs, Lx_end, L, R, C,
                        walls_axis, walls_pos)
    if status == 0:
        fp = fp_end
    return status, pairs_i, pairs_j, npairs, fp, work, impulse, n_rebuilds, k - k0


@njit(cache=True)
def run_steps(pos_nd, vel_nd, force_nd, ref_nd, pairs_i, pairs_j, npairs, fp,
              Lx_a, Lx_b, k0, k1, n_seg, L, R, C, mass, dt, skin, walls_axis, walls_pos):
    """Advance ``k1 - k0`` velocity-Verlet steps of a piston segment.

    The piston moves linearly from ``Lx_a`` (segment step 0) to ``Lx_b`` (step ``n_seg``);
    ``Lx_a == Lx_b`` is a hold. On entry ``force_nd`` holds the forces at the current positions
    and piston position and ``fp`` the gas's force on the piston; on return positions,
    velocities and forces are synchronised. ``ref_nd`` holds the positions at the last
    pair-list build; the list is rebuilt when a disk has moved more than ``skin / 2``.

    The piston's work on the gas is the trapezoid sum ``-sum (fp_n + fp_n+1) / 2 (Lx_n+1 - Lx_n)``,
    second order in dt like the integrator (the one-sided ``U(x_n+1, Lx_n+1) - U(x_n+1, Lx_n)``
    is only first order and misses the energy change by ~2% at dt = 0.001, v = 0.5).

    The (N, 2) arrays are copied into per-axis arrays for the loop (:func:`_run_xy`) and back.

    Returns
    -------
    tuple
        ``(status, pairs_i, pairs_j, npairs, fp, work, impulse, n_rebuilds, steps_done)`` where
        ``status`` is 0 on success or 1 if a disk left the container (or became NaN);
        ``work`` is the work done on the gas by the piston and ``impulse`` the time integral of the
        force of the gas on the piston.
    """
    buf_kn = np.empty((8, pos_nd.shape[0]))
    for a in range(2):
        buf_kn[a] = pos_nd[:, a]
        buf_kn[2 + a] = vel_nd[:, a]
        buf_kn[4 + a] = force_nd[:, a]
        buf_kn[6 + a] = ref_nd[:, a]
    out = _run_xy(buf_kn[0], buf_kn[1], buf_kn[2], buf_kn[3], buf_kn[4], buf_kn[5], buf_kn[6],
                  buf_kn[7], pairs_i, pairs_j, npairs, fp, Lx_a, Lx_b, k0, k1, n_seg, L, R, C,
                  mass, dt, skin, walls_axis, walls_pos)
    for a in range(2):
        pos_nd[:, a] = buf_kn[a]
        vel_nd[:, a] = buf_kn[2 + a]
        force_nd[:, a] = buf_kn[4 + a]
        ref_nd[:, a] = buf_kn[6 + a]
    return out


# -------------------------------------------------------------------------------------------
# Pure helpers
# -------------------------------------------------------------------------------------------


def kinetic_energy(vel_nd: np.ndarray, mass: float = 1.0) -> float:
    """Total kinetic energy ``sum m v^2 / 2`` of velocities ``vel_nd`` (N, 2)."""
    return 0.5 * mass * float(np.einsum("nd,nd->", vel_nd, vel_nd))


def forces(state: MDState, p: GasParams) -> tuple[np.ndarray, float]:
    """Forces on every disk (N, 2) and the gas's force on the piston, by direct summation."""
    return compute_forces(np.ascontiguousarray(state.pos_nd, np.float64), state.Lx, p.L, p.R,
                          p.C, state.walls_axis, state.walls_pos)


def potential_energy(state: MDState, p: GasParams) -> float:
    """Total potential energy of ``state`` (walls, piston, internal walls, pairs)."""
    pos = np.ascontiguousarray(state.pos_nd, np.float64)
    n = pos.shape[0]
    cap = max(16, 4 * n)
    while True:
        pi = np.empty(cap, np.int64)
        pj = np.empty(cap, np.int64)
        npairs = build_pair_list(pos, p.L, 2.0 * p.R, pi, pj)
        if npairs >= 0:
            break
        cap = 2 * (-npairs)
    return potential_energy_kernel(pos, state.Lx, p.L, p.R, p.C, state.walls_axis,
                                   state.walls_pos, pi, pj, npairs)


class BlowUpError(RuntimeError):
    """The integration went wrong: a disk left the container, NaN, or energy not conserved."""


# -------------------------------------------------------------------------------------------
# Driver
# -------------------------------------------------------------------------------------------


class Simulator:
    """Integrates an :class:`MDState` in place and keeps the books (work, impulse, time).

    Parameters
    ----------
    state : MDState
        Modified in place.
    params : GasParams
    """

    def __init__(self, state: MDState, params: GasParams):
        self.state = state
        self.p = params
        st = state
        st.pos_nd = np.ascontiguousarray(st.pos_nd, np.float64)
        st.vel_nd = np.ascontiguousarray(st.vel_nd, np.float64)
        st.walls_axis = np.ascontiguousarray(st.walls_axis, np.int64)
        st.walls_pos = np.ascontiguousarray(st.walls_pos, np.float64)
        self.work = 0.0  # cumulative work done on the gas by the piston
        self.impulse = 0.0  # cumulative time integral of the gas's force on the piston
        self.n_rebuilds = 0
        self.step_count = 0
        cap = max(64, 8 * st.N)
        self._pi = np.empty(cap, np.int64)
        self._pj = np.empty(cap, np.int64)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the pair list and forces (call after editing the state by hand)."""
        st, p = self.state, self.p
        self.state.pos_nd = np.ascontiguousarray(st.pos_nd, np.float64)
        self.state.vel_nd = np.ascontiguousarray(st.vel_nd, np.float64)
        npairs = build_pair_list(st.pos_nd, p.L, 2 * p.R + p.skin, self._pi, self._pj)
        while npairs < 0:
            self._pi = np.empty(2 * (-npairs), np.int64)
            self._pj = np.empty(2 * (-npairs), np.int64)
            npairs = build_pair_list(st.pos_nd, p.L, 2 * p.R + p.skin, self._pi, self._pj)
        self._npairs = npairs
        self._ref = st.pos_nd.copy()
        self._force, self._fp = listed_forces(st.pos_nd, st.Lx, p.L, p.R, p.C, st.walls_axis,
                                              st.walls_pos, self._pi, self._pj, npairs)

    def advance(self, Lx_a: float, Lx_b: float, k0: int, k1: int, n_seg: int) -> None:
        """Steps ``k0..k1`` of a segment in which the piston goes linearly from Lx_a to Lx_b."""
        st, p = self.state, self.p
        (status, self._pi, self._pj, self._npairs, self._fp, work, impulse, n_reb,
         done) = run_steps(
            st.pos_nd, st.vel_nd, self._force, self._ref, self._pi, self._pj, self._npairs,
            self._fp,
            float(Lx_a), float(Lx_b), int(k0), int(k1), int(n_seg), p.L, p.R, p.C, p.mass,
            p.dt, p.skin, st.walls_axis, st.walls_pos,
        )
        self.work += work
        self.impulse += impulse
        self.n_rebuilds += n_reb
        self.step_count += done
        st.Lx = Lx_a + (Lx_b - Lx_a) * ((k0 + done) / n_seg)
        st.t += done * p.dt
        if status != 0:
            bad = ~((st.pos_nd[:, 0] >= 0) & (st.pos_nd[:, 0] <= st.Lx)
                    & (st.pos_nd[:, 1] >= 0) & (st.pos_nd[:, 1] <= p.L))
            i = int(np.flatnonzero(bad)[0])
            raise BlowUpError(
                f"blow-up at t = {st.t:.3f}: disk {i} at {st.pos_nd[i].tolist()} with velocity "
                f"{st.vel_nd[i].tolist()} is outside the container [0, {st.Lx:.3f}] x "
                f"[0, {p.L}] (or NaN); time step or stiffness may be inappropriate"
            )

    def hold(self, nsteps: int) -> None:
        """Integrate ``nsteps`` with the piston at rest."""
        self.advance(self.state.Lx, self.state.Lx, 0, nsteps, max(nsteps, 1))

    def move(self, Lx_target: float, nsteps: int) -> None:
        """Move the piston linearly to ``Lx_target`` in ``nsteps``."""
        self.advance(self.state.Lx, Lx_target, 0, nsteps, nsteps)

    @property
    def piston_force(self) -> float:
        """Current force of the gas on the piston (+x)."""
        return self._fp

    def kinetic(self) -> float:
        return kinetic_energy(self.state.vel_nd, self.p.mass)

    def potential(self) -> float:
        st, p = self.state, self.p
        return potential_energy_kernel(st.pos_nd, st.Lx, p.L, p.R, p.C, st.walls_axis,
                                       st.walls_pos, self._pi, self._pj, self._npairs)

    def energy(self) -> float:
        return self.kinetic() + self.potential()


_KERNELS_COMPILED = False


def compile_kernels() -> None:
    """Compile the kernels of a run, or load them from numba's on-disk cache, once per process.

    Numba compiles a kernel at its first call (up to a minute without a cache). Call this before
    a progress bar or a timer starts, so that neither counts the compilation as integration:
    a tqdm bar would otherwise take the first chunk's rate, compilation included, for the step
    rate and show an ETA of hours for a job of seconds. A few steps of two disks in a small box
    compile every kernel for the argument types of every run.
    """
    global _KERNELS_COMPILED
    if _KERNELS_COMPILED:
        return
    st = MDState(pos_nd=np.array([[3.0, 5.0], [7.0, 5.0]]), vel_nd=np.zeros((2, 2)), Lx=10.0)
    sim = Simulator(st, GasParams(L=10.0))
    sim.move(9.5, 4)
    sim.energy()
    _KERNELS_COMPILED = True

