"""Soft-disk molecular dynamics: pure numba kernels plus a thin stateful driver.

Model (Paper A, Eq. 3): disks of radius R and mass m interact through
``phi(r) = C/2 (2R - r)^2`` for ``r <= 2R``; each wall through ``C/2 (R - d)^2`` for ``d <= R``
with ``d`` the centre's distance to the wall. The container is ``[0, Lx] x [0, L]``: fixed walls
at ``x = 0``, ``y = 0``, ``y = L`` and the piston at ``x = Lx(t)``. Optional internal walls are
two-sided planes ``x = c`` or ``y = c``. Integration is velocity Verlet in float64.

Performance notes (see ``benchmarks/md_throughput.py``): the time-stepping loop works on
contiguous per-axis arrays (``x_n``, ``y_n``, ``vx_n``, ...; the (N, 2) state arrays are copied in
and out once per call). In this gas most disks touch nothing at any moment, and for them a
velocity-Verlet step is the straight drift ``x += dt v``. So only the *active* disks (those in
the inner pair list or near a wall: the only ones a force can reach before the next list
refresh) are copied into short arrays and drifted and kicked every step; every other disk keeps
its position at the step it was last moved, and is brought forward by :func:`_fly` when a list
is refreshed, when it becomes active and on return. :func:`_fly` gives, bit for bit, what the
per-step drift ``x <- fl(x + fl(dt v))`` gives (in O(1) per disk), so free flight adds no
rounding of its own. The second half kick of a step is merged with the first half kick of the
next, so no force array is touched between steps; velocities and forces are synchronised on
return. Pairs come from a half Verlet list (radius ``2R + skin``), rebuilt when a bound on the
largest displacement since its build (exact on entry, then ``dt max|v|`` per step) exceeds
``skin / 2``: filtered, in its order, from a superset list of twice its radius, itself built
from cells of that radius about every fifth rebuild. The order of the pairs is the only thing
the lists decide besides which pairs are looked at: a disk in two contacts at once sums its
kicks in that order, so it sets the floating-point rounding, not the physics
(docs/md_accuracy.md). The active disks are those of an inner list filtered from it with half
the skin, and the pair kicks run over a shorter list filtered from that one with a tenth, each
refiltered likewise (see :func:`_run_xy`). No ``prange``: at N ~ 2000 a step takes under
1 us, less than the per-step threading overhead.

The interaction is written once (``_overlap_energy``, ``_wall_overlaps``, ``_kick_pair``) and
inlined into every loop that needs it; :func:`compile_kernels` compiles them all before a timed
or progress-reported run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

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


@njit(cache=True, inline="always")
def _cell_of(x, y, nc, inv_cell):
    """Cell ``cy * nc + cx`` of the centre ``(x, y)`` in ``nc x nc`` cells of side ``1 / inv_cell``
    (out-of-box centres clamped to edge cells)."""
    cx = min(max(int(x * inv_cell), 0), nc - 1)
    cy = min(max(int(y * inv_cell), 0), nc - 1)
    return cy * nc + cx


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
        key[i] = _cell_of(x_n[i], y_n[i], nc, inv_cell)
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


_U1 = np.uint64(1)


@njit(cache=True, inline="always")
def _scan_run(b, hi, xa, ya, oa, sx, sy, skey, order, rl2, pairs_i, pairs_j, npairs, w, last):
    """Append disk ``oa``'s pairs with the sorted disks ``b, b+1, ...`` while their cell key is
    ``<= hi``; returns the updated ``(npairs, w)`` (see :func:`_build_pairs_xy`). Indices and
    counts are unsigned (``_U1``), which spares numba's negative-index wraparound."""
    while skey[b] <= hi:
        dx = xa - sx[b]
        dy = ya - sy[b]
        pairs_i[w] = oa
        pairs_j[w] = order[b]
        npairs += np.uint64(dx * dx + dy * dy < rl2)
        w = min(npairs, last)
        b += _U1
    return npairs, w


@njit(cache=True)
def _insertion_sort(ck, m):
    """Sort ``ck[:m]`` in place (fast when nearly sorted: the keys of a recent sort)."""
    for a in range(1, m):
        v = ck[a]
        b = a - 1
        while b >= 0 and ck[b] > v:
            ck[b + 1] = ck[b]
            b -= 1
        ck[b + 1] = v


@njit(cache=True)
def _resort_by_cell(x_n, y_n, nc, inv_cell, order_n, key_n):
    """:func:`_sort_by_cell` starting from the previous order ``order_n`` (a permutation):
    insertion sort by (cell, index), fast when few disks changed cell; same result."""
    n = x_n.shape[0]
    bits = _index_bits(n)
    ck = np.empty(n, np.int64)  # cell << bits | index: unique, so the order is the stable one
    for i in range(n):  # in index order (vectorises)
        key_n[i] = (_cell_of(x_n[i], y_n[i], nc, inv_cell) << bits) | i
    for a in range(n):
        ck[a] = key_n[order_n[a]]
    _insertion_sort(ck, n)
    mask = (1 << bits) - 1
    for a in range(n):
        order_n[a] = ck[a] & mask
        key_n[a] = ck[a] >> bits


@njit(cache=True)
def _build_pairs_xy(x_n, y_n, L, cell, r, pairs_i, pairs_j, order, warm):
    """Half neighbour list of all pairs closer than ``r`` (sorted cell list, O(N)).

    Disks are sorted by cell (``nc = int(L / cell)`` cells per side, of side ``L / nc >= cell``;
    ``r`` must not exceed ``cell``); the half stencil of a cell (the rest of its own cell and the
    cell to its right, the 3 cells of the row above) is then 2 contiguous runs of the sorted
    order, each found with a pointer that only moves forward. Cells wrapped around a row end are
    never within ``r`` and fail the distance test.

    The pairs come out in cell-scan order: by the cell of the first disk, then its index, then
    the run.

    Parameters
    ----------
    x_n, y_n : ndarray, shape (N,)
        Positions (units of R).
    L : float
        Container side.
    cell, r : float
        Smallest cell side, list radius (``r <= cell``).
    pairs_i, pairs_j : ndarray of int, shape (cap,)
        Output buffers.
    order : ndarray of int64, shape (N,)
        Output: the disks in cell order. With ``warm``, it holds a permutation (best: the order
        of a previous call with the same ``L, cell``) and is re-sorted from there
        (:func:`_resort_by_cell`).

    Returns
    -------
    int
        Number of pairs, or ``-needed`` if the buffers are too small.
    """
    n = x_n.shape[0]
    nc = _cells_per_side(L, cell)
    skey = np.empty(n + 1, np.int64)
    if warm:
        _resort_by_cell(x_n, y_n, nc, nc / L, order, skey)
    else:
        _sort_by_cell(x_n, y_n, nc, nc / L, order, skey)
    skey[n] = nc * nc + 2 * (nc + 1)  # sentinel beyond every stencil
    sx = np.empty(n)
    sy = np.empty(n)
    for a in range(n):
        sx[a] = x_n[order[a]]
        sy[a] = y_n[order[a]]
    rl2 = r * r
    # appends are branch-free: write at slot w, then advance if inside; once the buffers are
    # full, w stays on the last slot (scratch), so success needs npairs < capacity
    if pairs_i.shape[0] == 0:
        return -1
    last = np.uint64(pairs_i.shape[0] - 1)
    npairs = np.uint64(0)
    w = np.uint64(0)
    q1 = np.uint64(0)
    for a in range(n):
        a = np.uint64(a)
        c = skey[a]
        xa = sx[a]
        ya = sy[a]
        oa = order[a]
        # run 0: the rest of the own cell and the cell to the right
        npairs, w = _scan_run(a + _U1, c + 1 if nc > 1 else c, xa, ya, oa, sx, sy, skey,
                              order, rl2, pairs_i, pairs_j, npairs, w, last)
        if nc == 1:
            continue
        # run 1: the 3 cells of the row above
        lo = c + nc - 1
        while skey[q1] < lo:
            q1 += _U1
        npairs, w = _scan_run(q1, c + nc + 1, xa, ya, oa, sx, sy, skey, order, rl2, pairs_i,
                              pairs_j, npairs, w, last)
    if npairs > last:
        return -(np.int64(npairs) + 1)
    return np.int64(npairs)


@njit(cache=True)
def _cells_per_side(L, cell):
    """Cells per side of :func:`_build_pairs_xy` (1 where its stencil would alias)."""
    nc = int(L / cell)
    return nc if nc >= 3 else 1


@njit(cache=True)
def _index_bits(n):
    """Bits of a disk index in a cell key (:func:`_resort_by_cell`)."""
    bits = 1
    while (1 << bits) < n:
        bits += 1
    return bits


@njit(cache=True)
def build_pair_list(pos_nd, L, rlist, pairs_i, pairs_j):
    """Half neighbour list of all pairs closer than ``rlist`` (cell list, O(N)).

    Returns the number of pairs, or ``-needed`` if the buffers are too small.
    """
    return _build_pairs_xy(pos_nd[:, 0].copy(), pos_nd[:, 1].copy(), L, rlist, rlist, pairs_i,
                           pairs_j, np.empty(pos_nd.shape[0], np.int64), False)


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
# Lazy free flight: a disk that nothing can act on moves in a straight line, which velocity
# Verlet integrates exactly; its position is kept as x_n[i] at step s0_n[i] and brought to step
# k as x_n[i] + ((k - s0_n[i]) dt) v_i only when something needs it (a list refresh, a contact,
# a wall, the end of the run). The disks that can feel a force before the next refresh (the
# "active" disks: in the inner pair list or near a wall) are moved every step.


V2_SCALE = 1048576.0  # 2^20: squared speeds are reduced as integers v^2 * V2_SCALE


@njit(cache=True, inline="always")
def _speed_key(vx, vy):
    """``floor(V2_SCALE v^2)``, capped (NaN and huge speeds give a finite bound: blow-up anyway)."""
    v2 = vx * vx + vy * vy
    v2 = v2 if v2 < 1e12 else 1e12
    return np.int64(v2 * V2_SCALE)


@njit(cache=True, inline="always")
def _outside(x, y, Lx, L):
    """1 if the centre ``(x, y)`` is outside ``[0, Lx] x [0, L]`` or NaN, else 0."""
    return not ((x >= 0.0) & (x <= Lx) & (y >= 0.0) & (y <= L))


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE 754 bit pattern of a float64, as an int64 (a bit cast)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


_MANTISSA = (1 << 52) - 1


@njit(cache=True, inline="always")
def _fly_fast(x, d, m):
    """``x`` after ``m`` steps ``x <- fl(x + d)`` (``m`` a whole float), bit for bit what the
    loop gives, in O(1), and whether that holds.

    In a binade ``[2^e, 2^(e+1))`` the floats are the multiples of one ulp ``u``, so each step
    adds ``d`` rounded to a multiple of ``u``: the same amount every step (after a tie, rounded
    to even, from the second step on). Hence ``x_m = x_1 + (m - 1)(x_2 - x_1)``, all exact while
    ``x_0`` and ``x_m`` are positive and strictly inside one binade. Branch-free.

    Returns
    -------
    x_m : float
    ok : bool
        False where a power of two was crossed (rare); then :func:`_fly` loops.
    """
    x1 = x + d
    x2 = x1 + d
    xm = x1 + (m - 1.0) * (x2 - x1)
    b0 = _float_bits(x)
    bm = _float_bits(xm)
    ok = (b0 > 0) & (bm > 0) & ((b0 >> 52) == (bm >> 52)) & ((min(b0, bm) & _MANTISSA) != 0)
    stay = m == 0.0
    return (x if stay else xm), ok | stay


@njit(cache=True, inline="always")
def _fly(x, d, m):
    """``x`` after ``m`` steps ``x <- fl(x + d)``, bit for bit (see :func:`_fly_fast`)."""
    xm, ok = _fly_fast(x, d, m)
    if ok:
        return xm
    for _ in range(int(m)):
        x = x + d
    return x


@njit(cache=True)
def _catch_up_all(k, x_n, y_n, vx_n, vy_n, s0_n, dt, Lx, L):
    """Bring every disk from step ``s0_n[i]`` to step ``k`` along its free flight (steps are
    whole floats).

    Returns
    -------
    n_out : int
        Disks outside ``[0, Lx] x [0, L]`` or NaN.
    """
    k = float(k)
    n_slow = 0
    for i in range(x_n.shape[0]):  # branch-free (vectorises); s0 stays where _fly_fast fails
        m = k - s0_n[i]
        x, okx = _fly_fast(x_n[i], dt * vx_n[i], m)
        y, oky = _fly_fast(y_n[i], dt * vy_n[i], m)
        ok = okx & oky
        x_n[i] = x if ok else x_n[i]
        y_n[i] = y if ok else y_n[i]
        s0_n[i] = k if ok else s0_n[i]
        n_slow += not ok
    if n_slow > 0:
        for i in range(x_n.shape[0]):
            if s0_n[i] != k:
                m = k - s0_n[i]
                x_n[i] = _fly(x_n[i], dt * vx_n[i], m)
                y_n[i] = _fly(y_n[i], dt * vy_n[i], m)
                s0_n[i] = k
    n_out = 0
    for i in range(x_n.shape[0]):
        n_out += _outside(x_n[i], y_n[i], Lx, L)
    return n_out


@njit(cache=True, inline="always")
def _wall_gap(x, y, Lx, L, walls_axis, walls_pos):
    """Distance from the centre ``(x, y)`` to the nearest wall, piston or internal wall."""
    g = min(min(x, Lx - x), min(y, L - y))
    for w in range(walls_axis.shape[0]):
        g = min(g, abs((x if walls_axis[w] == 0 else y) - walls_pos[w]))
    return g


@njit(cache=True, inline="always")
def _near_wall(x, y, Lx, L, reach, walls_axis, walls_pos):
    """Whether the centre ``(x, y)`` is within ``reach`` of a wall, outside the container or NaN."""
    return ((not (_wall_gap(x, y, Lx, L, walls_axis, walls_pos) >= reach))
            | _outside(x, y, Lx, L))


@njit(cache=True)
def _scan_walls(x_n, y_n, Lx, L, reach, walls_axis, walls_pos, wc_n):
    """Write into ``wc_n`` (in index order) the disks within ``reach`` of a wall (see
    :func:`_near_wall`); return their number. Positions must be current."""
    n = x_n.shape[0]
    near_n = np.empty(n, np.bool_)
    if walls_axis.shape[0] == 0:  # the container's walls only (_near_wall's test): vectorises
        for i in range(n):
            x = x_n[i]
            y = y_n[i]
            g = min(min(x, Lx - x), min(y, L - y))
            near_n[i] = (not (g >= reach)) | _outside(x, y, Lx, L)
    else:
        for i in range(n):
            near_n[i] = _near_wall(x_n[i], y_n[i], Lx, L, reach, walls_axis, walls_pos)
    m = 0
    for i in range(n):
        wc_n[m] = i
        m += near_n[i]
    return m


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
def _put_back(k, act_a, n_act, ax_a, ay_a, avx_a, avy_a, x_n, y_n, vx_n, vy_n, s0_n, loc_n):
    """Copy the active disks (at step ``k``) back into the full arrays and unmark them."""
    for a in range(n_act):
        i = act_a[a]
        x_n[i] = ax_a[a]
        y_n[i] = ay_a[a]
        vx_n[i] = avx_a[a]
        vy_n[i] = avy_a[a]
        s0_n[i] = k
        loc_n[i] = -1


@njit(cache=True)
def _mark_new(idx_a, n_idx, loc_n, act_a, n_act):
    """Append to ``act_a`` the disks of ``idx_a[:n_idx]`` not yet marked in ``loc_n`` (marking
    them with their slot); return the new count. Branch-free."""
    for a in range(n_idx):
        i = idx_a[a]
        new = loc_n[i] < 0
        act_a[n_act] = i
        loc_n[i] = n_act if new else loc_n[i]
        n_act += new
    return n_act


@njit(cache=True)
def _refresh_active(k, x_n, y_n, vx_n, vy_n, s0_n, dt, slack, pairs_i, pairs_j, npairs, r_in,
                    wc_n, n_wc, Lx, L, reach, walls_axis, walls_pos, in_i, in_j, wa_a, act_a,
                    ax_a, ay_a, avx_a, avy_a, loc_n, pxy_2n):
    """Filter the inner lists at step ``k`` from the outer ones and gather their disks.

    All disks must be in the full arrays (:func:`_put_back`; ``loc_n`` all -1). Inner pairs
    (``in_i, in_j``, in the outer list's order) are the listed pairs closer than ``r_in``; inner
    wall disks (``wa_a``, in index order) the outer candidates within ``reach`` of a wall. Their
    disks, each once, become the active ones: brought to step ``k`` exactly (:func:`_fly`) into
    ``ax_a, ay_a, avx_a, avy_a`` (global index ``act_a``, local index ``loc_n``); ``in_i, in_j``
    and ``wa_a`` are returned in local indices.

    The filter itself takes the positions as ``x + (k - s0) dt v``, within ``slack`` of the exact
    ones, and widens ``r_in`` and ``reach`` by ``slack``.

    Returns
    -------
    n_in, n_wa, n_act : int
    q_free : int
        ``floor(V2_SCALE max v^2)`` over the disks that are not active (their speeds do not
        change before the next refresh).
    """
    px_n, py_n = pxy_2n[0], pxy_2n[1]
    for i in range(x_n.shape[0]):  # vectorises
        t = (k - s0_n[i]) * dt
        px_n[i] = x_n[i] + t * vx_n[i]
        py_n[i] = y_n[i] + t * vy_n[i]
    # (in_i, in_j hold at least npairs entries)
    n_in = _near_pairs(px_n, py_n, pairs_i, pairs_j, npairs, (r_in + slack) * (r_in + slack),
                       in_i, in_j)
    n_wa = 0
    for a in range(n_wc):
        i = wc_n[a]
        wa_a[n_wa] = i
        n_wa += _near_wall(px_n[i], py_n[i], Lx, L, reach + slack, walls_axis, walls_pos)
    n_act = _mark_new(in_i, n_in, loc_n, act_a, 0)  # each disk once, in order of appearance
    n_act = _mark_new(in_j, n_in, loc_n, act_a, n_act)
    n_act = _mark_new(wa_a, n_wa, loc_n, act_a, n_act)
    for a in range(n_act):
        i = act_a[a]
        m = k - s0_n[i]
        vx = vx_n[i]
        vy = vy_n[i]
        ax_a[a] = _fly(x_n[i], dt * vx, m)
        ay_a[a] = _fly(y_n[i], dt * vy, m)
        avx_a[a] = vx
        avy_a[a] = vy
    for p in range(n_in):
        in_i[p] = loc_n[in_i[p]]
        in_j[p] = loc_n[in_j[p]]
    for a in range(n_wa):
        wa_a[a] = loc_n[wa_a[a]]
    q_free = 0
    for i in range(vx_n.shape[0]):  # branch-free (vectorises)
        q = _speed_key(vx_n[i], vy_n[i])
        q_free = max(q_free, q if loc_n[i] < 0 else 0)
    return n_in, n_wa, n_act, q_free


@njit(cache=True)
def _near_pairs(x_a, y_a, pairs_i, pairs_j, npairs, r2, near_i, near_j):
    """Write into ``near_i, near_j`` the listed pairs closer than ``sqrt(r2)``, in list order;
    return their number."""
    m = 0
    for p in range(npairs):  # branch-free append
        i = pairs_i[p]
        j = pairs_j[p]
        dx = x_a[i] - x_a[j]
        dy = y_a[i] - y_a[j]
        near_i[m] = i
        near_j[m] = j
        m += dx * dx + dy * dy < r2
    return m


@njit(cache=True)
def _drift(x_a, y_a, vx_a, vy_a, n_act, dt):
    """``x += dt v`` for the first ``n_act`` disks; return ``floor(V2_SCALE max v^2)`` of their
    drift velocities."""
    q_max = 0
    for a in range(n_act):
        vx = vx_a[a]
        vy = vy_a[a]
        q_max = max(q_max, _speed_key(vx, vy))
        x_a[a] += dt * vx
        y_a[a] += dt * vy
    return q_max


@njit(cache=True)
def _wall_kick(idx_n, n_idx, x_n, y_n, vx_n, vy_n, kick, Lx, L, R, C, walls_axis, walls_pos):
    """``v += kick * F_wall(x)`` for the disks ``idx_n[:n_idx]`` (all walls and the piston).

    Returns
    -------
    n_out : int
        Listed disks outside ``[0, Lx] x [0, L]`` or NaN.
    op_sum : float
        Their summed overlap with the piston (in list order): the gas pushes it with
        ``C op_sum``.
    """
    ck = C * kick
    n_out = 0
    op_sum = 0.0
    for a in range(n_idx):
        i = idx_n[a]
        x = x_n[i]
        y = y_n[i]
        n_out += _outside(x, y, Lx, L)
        ox, oy, op = _wall_overlaps(x, y, Lx, L, R)
        vx_n[i] += ck * ox
        vy_n[i] += ck * oy
        op_sum += op
    for w in range(walls_axis.shape[0]):
        c = walls_pos[w]
        q_n = x_n if walls_axis[w] == 0 else y_n
        v_n = vx_n if walls_axis[w] == 0 else vy_n
        for a in range(n_idx):
            i = idx_n[a]
            s = q_n[i] - c
            d = abs(s)
            if d < R:
                v_n[i] += ck * (R - d) * (1.0 if s >= 0.0 else -1.0)
    return n_out, op_sum


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
def _contact_kick(x_n, y_n, vx_n, vy_n, pairs_i, pairs_j, npairs, kick, R, C, touch_p):
    """:func:`_pair_kick` in two passes: find the pairs in contact (branch-free, into the scratch
    ``touch_p``), then kick those, in list order (the same sums in the same order)."""
    d2max = 4.0 * R * R
    m = 0
    for p in range(npairs):
        i = pairs_i[p]
        j = pairs_j[p]
        dx = x_n[i] - x_n[j]
        dy = y_n[i] - y_n[j]
        touch_p[m] = p
        m += dx * dx + dy * dy < d2max
    two_r = 2.0 * R
    ck = kick * C
    for a in range(m):
        p = touch_p[a]
        i = pairs_i[p]
        j = pairs_j[p]
        _kick_pair(i, j, x_n[i] - x_n[j], y_n[i] - y_n[j], d2max, two_r, ck, vx_n, vy_n)


@njit(cache=True)
def _wall_forces(x_n, y_n, fx_n, fy_n, Lx, L, R, C, walls_axis, walls_pos):
    """Set ``fx_n, fy_n`` to the forces of all walls; return the gas's force on the piston."""
    fx_n[:] = 0.0
    fy_n[:] = 0.0
    all_n = np.arange(x_n.shape[0])
    _, op_sum = _wall_kick(all_n, all_n.shape[0], x_n, y_n, fx_n, fy_n, 1.0, Lx, L, R, C,
                           walls_axis, walls_pos)
    return C * op_sum


@njit(cache=True)
def _forces_xy(x_n, y_n, fx_n, fy_n, pairs_i, pairs_j, npairs, Lx, L, R, C, walls_axis,
               walls_pos):
    """Set ``fx_n, fy_n`` to all forces (listed pairs); return the gas's force on the piston."""
    fp = _wall_forces(x_n, y_n, fx_n, fy_n, Lx, L, R, C, walls_axis, walls_pos)
    _pair_kick(x_n, y_n, fx_n, fy_n, pairs_i, pairs_j, npairs, 1.0, R, C)
    return fp


INNER_SKIN_FRACTION = 0.5  # skin of the inner pair list, as a fraction of the outer skin
KICK_SKIN_FRACTION = 0.1  # skin of the kicked pair list, as a fraction of the outer skin
SUPERSET_FACTOR = 2.0  # the superset list's radius is at least this times the outer list's


@njit(cache=True)
def _rebuild_outer(x_n, y_n, L, rlist, r_sup, fresh, pairs_i, pairs_j, sup_i, sup_j, n_sup,
                   order_n, warm):
    """The outer pair list at the current positions, filtered from the superset list (all pairs
    within ``r_sup`` at its build, in the order of its cell scan), which is rebuilt from cells
    first when ``fresh``.

    Returns ``(pairs_i, pairs_j, npairs, sup_i, sup_j, n_sup)``, the buffers reallocated as
    needed.
    """
    if fresh:
        n_sup = _build_pairs_xy(x_n, y_n, L, r_sup, r_sup, sup_i, sup_j, order_n, warm)
        while n_sup < 0:
            sup_i = np.empty(2 * (-n_sup), sup_i.dtype)
            sup_j = np.empty(2 * (-n_sup), sup_j.dtype)
            n_sup = _build_pairs_xy(x_n, y_n, L, r_sup, r_sup, sup_i, sup_j, order_n, True)
    if pairs_i.shape[0] <= n_sup:
        pairs_i = np.empty(2 * n_sup + 1, pairs_i.dtype)
        pairs_j = np.empty(2 * n_sup + 1, pairs_j.dtype)
    npairs = _near_pairs(x_n, y_n, sup_i, sup_j, n_sup, rlist * rlist, pairs_i, pairs_j)
    return pairs_i, pairs_j, npairs, sup_i, sup_j, n_sup


@njit(cache=True)
def _run_xy(x_n, y_n, vx_n, vy_n, fx_n, fy_n, rx_n, ry_n, pairs_i, pairs_j, npairs, fp,
            Lx_a, Lx_b, k0, k1, n_seg, L, R, C, mass, dt, skin, walls_axis, walls_pos):
    """:func:`run_steps` on contiguous per-axis arrays (all shape (N,), modified in place).

    Leapfrog form of velocity Verlet: after the first half kick with the entry forces, every
    step is a drift followed by a full kick with the new forces (walls, then pairs), the last
    step by a half kick; no force array is touched in between. The entry forces ``fx_n, fy_n``
    are overwritten with the forces at the final positions.

    Only the active disks, copied into short arrays (``ax_a``, ...), are drifted and kicked each
    step; the others fly freely: disk ``i`` is at ``x_n[i]`` at step ``s0_n[i]``, brought
    forward by :func:`_fly` (bit for bit the per-step drift) when a list is rebuilt, when it
    becomes active and on return.

    Lists, each refreshed when a bound on the displacement since its refresh exceeds half its
    skin (the bound adds ``dt max|v|`` per step, ``max|v|`` over all disks' drift velocities as
    when every disk was moved every step: the active disks' of the step and the free disks',
    unchanged since the last refresh; the wall lists add the piston's travel):

    - superset list (``sup_i, sup_j``): all pairs within ``r_sup`` (the side of its cells, at
      least ``SUPERSET_FACTOR (2R + skin)``) at its build, from cells (:func:`_build_pairs_xy`);
      it serves every outer rebuild while ``2R + skin + 2 x (displacement bound since its
      build) < r_sup`` (about five), and is built afresh at the first rebuild of each call;
    - outer pair list (``pairs_i, pairs_j``: all pairs within ``2R + skin`` of the positions
      ``rx_n, ry_n`` at its build; the displacement since the build is exact on entry),
      filtered from the superset list in its order (:func:`_near_pairs`);
    - outer wall list ``wc_n``: the disks within ``R + skin / 2`` of a wall, rescanned with the
      outer pair list or alone;
    - inner pair and wall lists, filtered from the outer ones with the smaller skin
      ``s = INNER_SKIN_FRACTION * skin`` (pairs within ``2R + s``, disks within ``R + s / 2``
      of a wall). Their disks are the active ones;
    - kicked pair list (``kk_i, kk_j``): the inner pairs within ``2R + KICK_SKIN_FRACTION skin``,
      refiltered from the active disks' exact positions; the pair kick runs over it
      (:func:`_contact_kick`), in the outer list's order.

    Every pair closer than 2R and every disk closer than R to a wall at a force evaluation is
    in the kicked and inner wall lists, and the pairs in contact are kicked in the outer list's
    order, whatever the inner lists hold besides.
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
    Lx = Lx_a + (Lx_b - Lx_a) * (k0 / n_seg)
    # per step of free flight since the last full catch-up, x + (m dt) v is within
    # (m / 2 + 3) ulp(coordinate) of the exact sum; the slack bounds that for a distance
    ulp_len = 2.0 ** -52 * max(L, max(Lx_a, Lx_b))
    s0_n = np.full(n, float(k0))  # steps as whole floats
    k_full = k0  # every disk was at its position at step k_full or later
    _catch_up_all(k0, x_n, y_n, vx_n, vy_n, s0_n, dt, Lx, L)
    disp = _max_displacement(x_n, y_n, rx_n, ry_n)  # since the outer build (exact)
    wc_n = np.empty(n, np.int64)
    n_wc = _scan_walls(x_n, y_n, Lx, L, R + 0.5 * skin, walls_axis, walls_pos, wc_n)
    disp_w = 0.0  # since the outer wall scan, piston travel included
    in_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
    in_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
    kk_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
    kk_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
    touch_p = np.empty(pairs_j.shape[0], np.int64)
    skin_k = KICK_SKIN_FRACTION * skin
    r2_k = (2.0 * R + skin_k) * (2.0 * R + skin_k)
    n_k = 0
    disp_k = np.inf  # since the kicked list's filter (none yet)
    wa_a = np.empty(n, np.int64)
    act_a = np.empty(n, np.int64)
    buf_4a = np.empty((4, n))
    ax_a, ay_a, avx_a, avy_a = buf_4a[0], buf_4a[1], buf_4a[2], buf_4a[3]
    loc_n = np.full(n, -1, np.int64)
    pxy_2n = np.empty((2, n))  # scratch of the refresh
    order_n = np.empty(n, np.int64)  # cell order of the last rebuild
    warm = False
    nc_sup = _cells_per_side(L, SUPERSET_FACTOR * rlist)
    r_sup = L / nc_sup  # the side of the superset's cells
    use_sup = nc_sup > 1
    sup_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
    sup_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
    n_sup = -1  # no superset list yet
    disp_sup = 0.0  # since the superset's build
    n_in, n_wa, n_act, q_free = _refresh_active(
        k0, x_n, y_n, vx_n, vy_n, s0_n, dt, 0.0, pairs_i, pairs_j, npairs, 2.0 * R + skin_in, wc_n,
        n_wc, Lx, L, R + 0.5 * skin_in, walls_axis, walls_pos, in_i, in_j, wa_a, act_a, ax_a, ay_a,
        avx_a, avy_a, loc_n, pxy_2n)
    disp_in = 0.0  # since the inner refresh, piston travel included
    k = k0
    while k < k1:
        kick = 2.0 * hdt_m if k + 1 < k1 else hdt_m  # the last kick is a half kick
        Lx_old = Lx_a + (Lx_b - Lx_a) * (k / n_seg)
        Lx_new = Lx_a + (Lx_b - Lx_a) * ((k + 1) / n_seg)
        q_max = max(q_free, _drift(ax_a, ay_a, avx_a, avy_a, n_act, dt))  # over all disks
        step = dt * np.sqrt((q_max + 1) / V2_SCALE)
        travel = abs(Lx_new - Lx_old)
        disp += step
        disp_sup += step
        disp_w += step + travel
        disp_in += step + travel
        disp_k += step
        refresh = disp_in > 0.5 * skin_in
        if disp > 0.5 * skin or disp_w > 0.5 * skin:
            _put_back(k + 1, act_a, n_act, ax_a, ay_a, avx_a, avy_a, x_n, y_n, vx_n, vy_n, s0_n,
                      loc_n)
            n_act = 0
            n_out = _catch_up_all(k + 1, x_n, y_n, vx_n, vy_n, s0_n, dt, Lx_new, L)
            k_full = k + 1
            if n_out > 0:
                k += 1
                status = 1
                break
            if disp > 0.5 * skin:
                npairs = -1
                if use_sup:
                    # every pair within rlist now was within rlist + 2 disp_sup at its build
                    fresh = n_sup < 0 or not (rlist + 2.0 * disp_sup < r_sup * (1.0 - 1e-12))
                    (pairs_i, pairs_j, npairs, sup_i, sup_j, n_sup) = _rebuild_outer(
                        x_n, y_n, L, rlist, r_sup, fresh, pairs_i, pairs_j, sup_i, sup_j, n_sup,
                        order_n, warm)
                    warm = True
                    if fresh:
                        disp_sup = 0.0
                while npairs < 0:
                    npairs = _build_pairs_xy(x_n, y_n, L, rlist, rlist, pairs_i, pairs_j,
                                             order_n, warm)
                    warm = True
                    if npairs < 0:
                        pairs_i = np.empty(2 * (-npairs), pairs_i.dtype)
                        pairs_j = np.empty(2 * (-npairs), pairs_j.dtype)
                if in_i.shape[0] < npairs:
                    in_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
                    in_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
                    kk_i = np.empty(pairs_i.shape[0], pairs_i.dtype)
                    kk_j = np.empty(pairs_j.shape[0], pairs_j.dtype)
                    touch_p = np.empty(pairs_j.shape[0], np.int64)
                rx_n[:] = x_n
                ry_n[:] = y_n
                disp = 0.0
                n_rebuilds += 1
            n_wc = _scan_walls(x_n, y_n, Lx_new, L, R + 0.5 * skin, walls_axis, walls_pos, wc_n)
            disp_w = 0.0
            refresh = True
        if refresh:
            _put_back(k + 1, act_a, n_act, ax_a, ay_a, avx_a, avy_a, x_n, y_n, vx_n, vy_n, s0_n,
                      loc_n)
            slack = 4.0 * (k + 1 - k_full + 6) * ulp_len
            n_in, n_wa, n_act, q_free = _refresh_active(
                k + 1, x_n, y_n, vx_n, vy_n, s0_n, dt, slack, pairs_i, pairs_j, npairs,
                2.0 * R + skin_in, wc_n, n_wc, Lx_new, L, R + 0.5 * skin_in, walls_axis, walls_pos,
                in_i, in_j, wa_a, act_a, ax_a, ay_a, avx_a, avy_a, loc_n, pxy_2n)
            disp_in = 0.0
            disp_k = np.inf
        n_out, op_sum = _wall_kick(wa_a, n_wa, ax_a, ay_a, avx_a, avy_a, kick, Lx_new, L, R, C,
                                   walls_axis, walls_pos)
        fp_new = C * op_sum
        work -= 0.5 * (fp + fp_new) * (Lx_new - Lx_old)
        impulse += 0.5 * (fp + fp_new) * dt
        fp = fp_new
        k += 1
        if n_out > 0:
            status = 1
            break
        if disp_k > 0.5 * skin_k:
            n_k = _near_pairs(ax_a, ay_a, in_i, in_j, n_in, r2_k, kk_i, kk_j)
            disp_k = 0.0
        _contact_kick(ax_a, ay_a, avx_a, avy_a, kk_i, kk_j, n_k, kick, R, C, touch_p)
    Lx_end = Lx_a + (Lx_b - Lx_a) * (k / n_seg)
    _put_back(k, act_a, n_act, ax_a, ay_a, avx_a, avy_a, x_n, y_n, vx_n, vy_n, s0_n, loc_n)
    _catch_up_all(k, x_n, y_n, vx_n, vy_n, s0_n, dt, Lx_end, L)
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

