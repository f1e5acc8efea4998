"""Hard disks in the periodic unit square, stepped at a fixed frame rate (Paper B, Sec. III).

The dynamics is the one of the paper's code: every step moves each disk by ``v dt``, wraps it into
the unit square, finds every pair closer than ``2 r`` (minimum image) and, for each pair whose
relative velocity points along the line of centres towards each other
(``(v_i - v_j) . n_ij < 0``), performs the equal-mass elastic collision

    v_i' = v_i - ((v_i - v_j) . n) n,    v_j' = v_j + ((v_i - v_j) . n) n,

with ``n`` the unit vector from ``j`` to ``i``. Positions are not corrected. Pairs are processed
in the order of the original (sorted by ``(i, j)``, each using the velocities already updated by
earlier pairs of the same step), so the cell-list kernel here and the O(N^2) numpy reference
:func:`step_numpy` make the same collisions.

Units: unit box side, unit mass; time in the units where the disks' speed is ``speed``.
The only difference to the original is the overlap search: a cell list (O(N) per step) instead of
the full distance matrix (O(N^2)). See ``benchmarks/hard_disk_throughput.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

PAIR_CAPACITY_PER_DISK = 8


@dataclass(frozen=True)
class DiskParams:
    """The gas and the time step.

    Attributes
    ----------
    n_disks : int
    radius : float
        Disk radius (box side 1).
    speed : float
        Common initial speed ``s`` of every disk.
    frame_rate : float
        Steps per unit time; ``dt = 1 / frame_rate``.
    """

    n_disks: int = 1000
    radius: float = 0.003
    speed: float = 35 * 0.005 / math.sqrt(2)
    frame_rate: float = 60.0

    @property
    def dt(self) -> float:
        return 1.0 / self.frame_rate

    @property
    def packing_fraction(self) -> float:
        return self.n_disks * math.pi * self.radius**2

    @classmethod
    def from_config(cls, gas: dict, frame_rate: float | None = None) -> "DiskParams":
        """From the ``paper_b.gas`` config section (optionally another frame rate)."""
        return cls(n_disks=int(gas["n_disks"]), radius=float(gas["radius"]),
                   speed=float(gas["speed"]),
                   frame_rate=float(gas["frame_rate"] if frame_rate is None else frame_rate))


def cells_per_side(n_disks: int, radius: float) -> int:
    """Cells per box side of the cell list: side >= 2r, about one disk per cell.

    Fewer than 3 cells per side would make a cell its own periodic neighbour; then one cell is
    used (all pairs).
    """
    m = min(int(1.0 / (2.0 * radius)), max(1, int(math.sqrt(n_disks))))
    return m if m >= 3 else 1


def initial_state(params: DiskParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random positions (overlaps allowed, as in the original), equal speeds, random
    directions.

    Returns
    -------
    pos_nd : ndarray, shape (N, 2), float64
        Positions in [0, 1).
    vel_nd : ndarray, shape (N, 2), float64
        ``speed * (cos theta, sin theta)`` with theta uniform in [0, 2 pi).
    """
    pos_nd = rng.random((params.n_disks, 2))
    theta_n = rng.random(params.n_disks) * 2.0 * np.pi
    vel_nd = params.speed * np.stack([np.cos(theta_n), np.sin(theta_n)], axis=1)
    return pos_nd, vel_nd


# -------------------------------------------------------------------------------------------
# numba kernels
# -------------------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _min_image(d: float) -> float:
    """d - rint(d) for |d| <= 1 (a difference of two coordinates in [0, 1])."""
    if d > 0.5:
        return d - 1.0
    if d < -0.5:
        return d + 1.0
    return d


@njit(cache=True)
def _bin_disks(pos_nd, m, cell_n, start_c, order_n, x_n, y_n):
    """Counting sort of the disks by cell: disks of cell c are ``order_n[start_c[c]:start_c[c+1]]``
    with coordinates ``x_n, y_n`` in that order."""
    n = pos_nd.shape[0]
    start_c[:] = 0
    for i in range(n):
        c = min(int(pos_nd[i, 0] * m), m - 1) * m + min(int(pos_nd[i, 1] * m), m - 1)
        cell_n[i] = c
        start_c[c + 1] += 1
    for c in range(m * m):
        start_c[c + 1] += start_c[c]
    for i in range(n):
        c = cell_n[i]
        k = start_c[c]
        order_n[k] = i
        x_n[k] = pos_nd[i, 0]
        y_n[k] = pos_nd[i, 1]
        start_c[c] = k + 1
    for c in range(m * m, 0, -1):  # restore the starts shifted by the fill
        start_c[c] = start_c[c - 1]
    start_c[0] = 0


@njit(cache=True)
def _find_pairs(pos_nd, diameter2, m, cell_n, start_c, order_n, x_n, y_n, pairs_p):
    """Overlapping pairs (keys ``i * N + j`` with i < j, unordered) into ``pairs_p``; returns
    their count. Half-shell cell list: each cell against itself and 4 of its 8 neighbours."""
    n = pos_nd.shape[0]
    _bin_disks(pos_nd, m, cell_n, start_c, order_n, x_n, y_n)
    n_off = 5 if m >= 3 else 1
    n_pairs = 0
    for cx in range(m):
        for cy in range(m):
            c = cx * m + cy
            a0 = start_c[c]
            a1 = start_c[c + 1]
            if a0 == a1:
                continue
            for off in range(n_off):
                if off == 0:
                    d = c
                else:
                    ox = 0 if off == 1 else 1
                    oy = 1 if off == 1 else off - 3  # offsets (0,1), (1,-1), (1,0), (1,1)
                    nx = cx + ox
                    if nx == m:
                        nx = 0
                    ny = cy + oy
                    if ny == m:
                        ny = 0
                    elif ny < 0:
                        ny = m - 1
                    d = nx * m + ny
                b1 = start_c[d + 1]
                for a in range(a0, a1):
                    xa = x_n[a]
                    ya = y_n[a]
                    b = a + 1 if off == 0 else start_c[d]
                    while b < b1:
                        dx = xa - x_n[b]
                        dy = ya - y_n[b]
                        dx = _min_image(dx)
                        dy = _min_image(dy)
                        if dx * dx + dy * dy < diameter2:
                            if n_pairs == pairs_p.shape[0]:
                                raise ValueError("hard disks: overlap buffer full (gas too dense)")
                            i = order_n[a]
                            j = order_n[b]
                            pairs_p[n_pairs] = min(i, j) * n + max(i, j)
                            n_pairs += 1
                        b += 1
    return n_pairs


@njit(cache=True)
def _collide(pos_nd, vel_nd, pairs_p, n_pairs):
    """Elastic collisions of the approaching overlapping pairs, in (i, j) order."""
    n = pos_nd.shape[0]
    keys = np.sort(pairs_p[:n_pairs])
    n_coll = 0
    for k in range(n_pairs):
        i = keys[k] // n
        j = keys[k] % n
        rx = _min_image(pos_nd[i, 0] - pos_nd[j, 0])
        ry = _min_image(pos_nd[i, 1] - pos_nd[j, 1])
        r = math.sqrt(rx * rx + ry * ry)
        nx = rx / r
        ny = ry / r
        vn = (vel_nd[i, 0] - vel_nd[j, 0]) * nx + (vel_nd[i, 1] - vel_nd[j, 1]) * ny
        if vn >= 0.0:
            continue  # receding (or grazing): no collision
        n_coll += 1
        vel_nd[i, 0] -= vn * nx
        vel_nd[i, 1] -= vn * ny
        vel_nd[j, 0] += vn * nx
        vel_nd[j, 1] += vn * ny
    return n_coll


@njit(cache=True)
def run_steps(pos_nd, vel_nd, radius, dt, m, n_steps, vel_out_fnd, coll_out_f):
    """Advance ``n_steps`` steps in place.

    Parameters
    ----------
    pos_nd, vel_nd : ndarray, shape (N, 2), float64
        Phase point, updated in place.
    radius, dt : float
    m : int
        Cells per side (:func:`cells_per_side`).
    n_steps : int
    vel_out_fnd : ndarray, shape (n_steps, N, 2) or (0, N, 2), float64
        Velocities after each step (not recorded when empty).
    coll_out_f : ndarray, shape (n_steps,), int64
        Collisions made in each step.

    Returns
    -------
    int
        Total collisions.
    """
    n = pos_nd.shape[0]
    cell_n = np.empty(n, np.int64)
    start_c = np.empty(m * m + 1, np.int64)
    order_n = np.empty(n, np.int64)
    x_n = np.empty(n)
    y_n = np.empty(n)
    pairs_p = np.empty(PAIR_CAPACITY_PER_DISK * n + 16, np.int64)
    diameter2 = (2.0 * radius) ** 2
    record = vel_out_fnd.shape[0] > 0
    total = 0
    for step in range(n_steps):
        for i in range(n):
            for k in range(2):
                x = pos_nd[i, k] + vel_nd[i, k] * dt
                # x % 1.0 for |x| < 2 (a disk moves less than a box side per step)
                if x >= 1.0:
                    x -= 1.0
                elif x < 0.0:
                    x += 1.0
                pos_nd[i, k] = x
        n_pairs = _find_pairs(pos_nd, diameter2, m, cell_n, start_c, order_n, x_n, y_n, pairs_p)
        n_coll = _collide(pos_nd, vel_nd, pairs_p, n_pairs)
        coll_out_f[step] = n_coll
        total += n_coll
        if record:
            vel_out_fnd[step] = vel_nd
    return total


# -------------------------------------------------------------------------------------------
# drivers
# -------------------------------------------------------------------------------------------


@dataclass
class RunRecord:
    """One simulated run.

    Attributes
    ----------
    vel_fnd : ndarray, shape (F + 1, N, 2), float64
        Velocities at t = 0, dt, ..., F dt.
    coll_f : ndarray, shape (F + 1,), int64
        Collisions made in the step ending at each frame (0 at t = 0).
    pos_nd : ndarray, shape (N, 2), float64
        Final positions.
    """

    vel_fnd: np.ndarray
    coll_f: np.ndarray
    pos_nd: np.ndarray


def simulate(params: DiskParams, n_steps: int, rng: np.random.Generator,
             record: bool = True) -> RunRecord:
    """Draw an initial state and run ``n_steps`` steps (frames), keeping t = 0."""
    pos_nd, vel_nd = initial_state(params, rng)
    return simulate_from(params, pos_nd, vel_nd, n_steps, record=record)


def simulate_from(params: DiskParams, pos_nd: np.ndarray, vel_nd: np.ndarray, n_steps: int,
                  record: bool = True) -> RunRecord:
    """Run ``n_steps`` steps from a given phase point (copied, not modified)."""
    pos_nd = np.ascontiguousarray(pos_nd, dtype=np.float64).copy()
    vel_nd = np.ascontiguousarray(vel_nd, dtype=np.float64).copy()
    n = len(pos_nd)
    vel_fnd = np.empty((n_steps + 1 if record else 0, n, 2))
    if record:
        vel_fnd[0] = vel_nd
    coll_f = np.zeros(n_steps + 1, np.int64)
    m = cells_per_side(n, params.radius)
    run_steps(pos_nd, vel_nd, params.radius, params.dt, m, n_steps,
              vel_fnd[1:] if record else vel_fnd, coll_f[1:])
    if not record:
        vel_fnd = vel_nd[None].copy()
    return RunRecord(vel_fnd=vel_fnd, coll_f=coll_f, pos_nd=pos_nd)


def step_numpy(pos_nd: np.ndarray, vel_nd: np.ndarray, radius: float, dt: float) -> int:
    """One step of the same dynamics, the straightforward O(N^2) numpy way (in place).

    The baseline of ``benchmarks/hard_disk_throughput.py`` and the independent check of the
    cell-list kernel in the tests. Returns the number of collisions.
    """
    pos_nd += vel_nd * dt
    pos_nd %= 1.0
    delta_nnd = pos_nd[:, None, :] - pos_nd[None, :, :]
    delta_nnd -= np.rint(delta_nnd)
    dist2_nn = delta_nnd[..., 0] ** 2 + delta_nnd[..., 1] ** 2
    i_p, j_p = np.nonzero(np.triu(dist2_nn < (2.0 * radius) ** 2, k=1))
    n_coll = 0
    for i, j in zip(i_p, j_p):
        rx = pos_nd[i, 0] - pos_nd[j, 0]
        ry = pos_nd[i, 1] - pos_nd[j, 1]
        rx -= np.rint(rx)
        ry -= np.rint(ry)
        r = math.sqrt(rx * rx + ry * ry)
        nx, ny = rx / r, ry / r
        vn = (vel_nd[i, 0] - vel_nd[j, 0]) * nx + (vel_nd[i, 1] - vel_nd[j, 1]) * ny
        if vn >= 0.0:
            continue
        n_coll += 1
        vel_nd[i, 0] -= vn * nx
        vel_nd[i, 1] -= vn * ny
        vel_nd[j, 0] += vn * nx
        vel_nd[j, 1] += vn * ny
    return n_coll


# -------------------------------------------------------------------------------------------
# kinetic theory
# -------------------------------------------------------------------------------------------


def enskog_factor(packing_fraction: float) -> float:
    """Contact value g(2r) of the hard-disk pair correlation (Henderson 1975):
    ``(1 - 7 eta / 16) / (1 - eta)^2``."""
    eta = packing_fraction
    return (1.0 - 7.0 * eta / 16.0) / (1.0 - eta) ** 2


def mean_relative_speed_equilibrium(speed: float) -> float:
    """<|v_i - v_j|> for two disks drawn from the 2D Maxwell law with <v^2> = speed^2.

    The relative velocity is Gaussian with per-component variance speed^2, so |v_rel| is
    Rayleigh with scale ``speed``: mean ``speed * sqrt(pi / 2)``.
    """
    return speed * math.sqrt(math.pi / 2.0)


def collision_rate_per_disk(params: DiskParams, mean_rel_speed: float,
                            enskog: bool = False) -> float:
    """Kinetic-theory collision rate of one disk: ``n * 2d * <|v_rel|>`` (d = 2r the diameter,
    n = N / 1 the number density), times g(2r) when ``enskog``.
    """
    rate = params.n_disks * 2.0 * (2.0 * params.radius) * mean_rel_speed
    return rate * (enskog_factor(params.packing_fraction) if enskog else 1.0)
