"""Soft-disk molecular dynamics: pure numba kernels plus a thin stateful driver.

Model (Paper A, Eq. 3): disks of radius R and mass m interact through
``phi(r) = C/2 (2R - r)^2`` for ``r <= 2R``; each wall through ``C/2 (R - d)^2`` for ``d <= R``
with ``d`` the centre's distance to the wall. The container is ``[0, Lx] x [0, L]``: fixed walls
at ``x = 0``, ``y = 0``, ``y = L`` and the piston at ``x = Lx(t)``. Optional internal walls are
two-sided planes ``x = c`` or ``y = c``. Integration is velocity Verlet in float64.

Performance notes (see ``benchmarks/md_throughput.py``): pairs come from a half Verlet list built
with a cell list and rebuilt only when some disk has moved more than ``skin / 2``. Each step is
one fused per-particle loop (kick, drift, wall forces, displacement and bounds checks counted as
integers so the loop vectorises) plus a short loop over listed pairs. The second half-kick of a
step is merged into the first half-kick of the next; velocities are synchronised on return.
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
# Kernels
# -------------------------------------------------------------------------------------------


@njit(cache=True)
def build_pair_list(pos_nd, L, rlist, pairs_i, pairs_j):
    """Half neighbour list of all pairs closer than ``rlist`` (cell list, O(N)).

    Returns the number of pairs, or ``-needed`` if the buffers are too small.
    """
    n = pos_nd.shape[0]
    nc = max(1, int(L / rlist))
    cell = L / nc
    cell_of = np.empty(n, np.int64)
    count = np.zeros(nc * nc + 1, np.int64)
    for i in range(n):
        cx = min(max(int(pos_nd[i, 0] / cell), 0), nc - 1)
        cy = min(max(int(pos_nd[i, 1] / cell), 0), nc - 1)
        c = cy * nc + cx
        cell_of[i] = c
        count[c + 1] += 1
    for c in range(nc * nc):
        count[c + 1] += count[c]
    start = count.copy()
    order = np.empty(n, np.int64)
    for i in range(n):
        c = cell_of[i]
        order[start[c]] = i
        start[c] += 1
    rl2 = rlist * rlist
    npairs = 0
    cap = pairs_i.shape[0]
    for cy in range(nc):
        for cx in range(nc):
            c = cy * nc + cx
            for a in range(count[c], count[c + 1]):
                i = order[a]
                xi = pos_nd[i, 0]
                yi = pos_nd[i, 1]
                # half stencil: same cell (j after i), right, and the three cells above
                for k in range(5):
                    if k == 0:
                        ox, oy = 0, 0
                    elif k == 1:
                        ox, oy = 1, 0
                    elif k == 2:
                        ox, oy = -1, 1
                    elif k == 3:
                        ox, oy = 0, 1
                    else:
                        ox, oy = 1, 1
                    nx = cx + ox
                    ny = cy + oy
                    if nx < 0 or nx >= nc or ny >= nc:
                        continue
                    c2 = ny * nc + nx
                    b0 = a + 1 if k == 0 else count[c2]
                    for b in range(b0, count[c2 + 1]):
                        j = order[b]
                        dx = xi - pos_nd[j, 0]
                        dy = yi - pos_nd[j, 1]
                        if dx * dx + dy * dy < rl2:
                            if npairs < cap:
                                pairs_i[npairs] = i
                                pairs_j[npairs] = j
                            npairs += 1
    if npairs > cap:
        return -npairs
    return npairs


@njit(cache=True)
def _wall_force(pos_nd, force_nd, Lx, L, R, C, walls_axis, walls_pos):
    """Set ``force_nd`` to the wall forces; return the force of the gas on the piston (+x)."""
    fp = 0.0
    for i in range(pos_nd.shape[0]):
        x = pos_nd[i, 0]
        y = pos_nd[i, 1]
        op = max(R - (Lx - x), 0.0)
        force_nd[i, 0] = C * (max(R - x, 0.0) - op)
        force_nd[i, 1] = C * (max(R - y, 0.0) - max(R - (L - y), 0.0))
        fp += C * op
    _internal_walls(pos_nd, force_nd, R, C, walls_axis, walls_pos)
    return fp


@njit(cache=True)
def _internal_walls(pos_nd, force_nd, R, C, walls_axis, walls_pos):
    for w in range(walls_axis.shape[0]):
        ax = walls_axis[w]
        c = walls_pos[w]
        for i in range(pos_nd.shape[0]):
            s = pos_nd[i, ax] - c
            d = abs(s)
            if d < R:
                force_nd[i, ax] += C * (R - d) * (1.0 if s >= 0.0 else -1.0)


@njit(cache=True)
def _pair_forces(pos_nd, force_nd, pairs_i, pairs_j, npairs, R, C):
    d2max = 4.0 * R * R
    for p in range(npairs):
        i = pairs_i[p]
        j = pairs_j[p]
        dx = pos_nd[i, 0] - pos_nd[j, 0]
        dy = pos_nd[i, 1] - pos_nd[j, 1]
        r2 = dx * dx + dy * dy
        if r2 < d2max:
            r = np.sqrt(r2)
            f = C * (2.0 * R - r) / r
            force_nd[i, 0] += f * dx
            force_nd[i, 1] += f * dy
            force_nd[j, 0] -= f * dx
            force_nd[j, 1] -= f * dy


@njit(cache=True)
def compute_forces(pos_nd, Lx, L, R, C, walls_axis, walls_pos):
    """All forces by direct O(N^2) summation (reference for tests and for the first step)."""
    n = pos_nd.shape[0]
    force_nd = np.empty((n, 2))
    fp = _wall_force(pos_nd, force_nd, Lx, L, R, C, walls_axis, walls_pos)
    d2max = 4.0 * R * R
    for i in range(n):
        for j in range(i + 1, n):
            dx = pos_nd[i, 0] - pos_nd[j, 0]
            dy = pos_nd[i, 1] - pos_nd[j, 1]
            r2 = dx * dx + dy * dy
            if r2 < d2max:
                r = np.sqrt(r2)
                f = C * (2.0 * R - r) / r
                force_nd[i, 0] += f * dx
                force_nd[i, 1] += f * dy
                force_nd[j, 0] -= f * dx
                force_nd[j, 1] -= f * dy
    return force_nd, fp


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
                u += 0.5 * C * o * o
        for w in range(walls_axis.shape[0]):
            o = R - abs(pos_nd[i, walls_axis[w]] - walls_pos[w])
            if o > 0.0:
                u += 0.5 * C * o * o
    d2max = 4.0 * R * R
    for p in range(npairs):
        i = pairs_i[p]
        j = pairs_j[p]
        dx = pos_nd[i, 0] - pos_nd[j, 0]
        dy = pos_nd[i, 1] - pos_nd[j, 1]
        r2 = dx * dx + dy * dy
        if r2 < d2max:
            o = 2.0 * R - np.sqrt(r2)
            u += 0.5 * C * o * o
    return u


@njit(cache=True)
def run_steps(pos_nd, vel_nd, force_nd, ref_nd, pairs_i, pairs_j, npairs, fp,
              Lx_a, Lx_b, k0, k1, n_seg, L, R, C, mass, dt, skin, walls_axis, walls_pos):
    """Advance ``k1 - k0`` velocity-Verlet steps of a piston segment.

    The piston moves linearly from ``Lx_a`` (segment step 0) to ``Lx_b`` (step ``n_seg``);
    ``Lx_a == Lx_b`` is a hold. On entry ``force_nd`` holds the forces at the current positions
    and piston position and ``fp`` the gas's force on the piston; on return positions,
    velocities and forces are synchronised.

    The piston's work on the gas is the trapezoid sum ``-sum (fp_n + fp_n+1) / 2 (Lx_n+1 - Lx_n)``,
    second order in dt like the integrator (the one-sided ``U(x_n+1, Lx_n+1) - U(x_n+1, Lx_n)``
    is only first order and misses the energy change by ~2% at dt = 0.001, v = 0.5).

    Returns
    -------
    tuple
        ``(status, pairs_i, pairs_j, npairs, fp, work, impulse, n_rebuilds, steps_done)`` where
        ``status`` is 0 on success or 1 if a disk left the container (or became NaN);
        ``work`` is the work done on the gas by the piston and ``impulse`` the time integral of the
        force of the gas on the piston.
    """
    n = pos_nd.shape[0]
    hdt_m = 0.5 * dt / mass
    half_skin2 = 0.25 * skin * skin
    rlist = 2.0 * R + skin
    work = 0.0
    impulse = 0.0
    n_rebuilds = 0
    kick = hdt_m
    status = 0
    k = k0
    while k < k1:
        Lx_old = Lx_a + (Lx_b - Lx_a) * (k / n_seg)
        Lx_new = Lx_a + (Lx_b - Lx_a) * ((k + 1) / n_seg)
        n_far = 0
        n_out = 0
        fp_new = 0.0
        for i in range(n):
            vx = vel_nd[i, 0] + kick * force_nd[i, 0]
            vy = vel_nd[i, 1] + kick * force_nd[i, 1]
            x = pos_nd[i, 0] + dt * vx
            y = pos_nd[i, 1] + dt * vy
            vel_nd[i, 0] = vx
            vel_nd[i, 1] = vy
            pos_nd[i, 0] = x
            pos_nd[i, 1] = y
            ddx = x - ref_nd[i, 0]
            ddy = y - ref_nd[i, 1]
            n_far += ddx * ddx + ddy * ddy > half_skin2
            n_out += not (x >= 0.0 and x <= Lx_new and y >= 0.0 and y <= L)
            op = max(R - (Lx_new - x), 0.0)
            force_nd[i, 0] = C * (max(R - x, 0.0) - op)
            force_nd[i, 1] = C * (max(R - y, 0.0) - max(R - (L - y), 0.0))
            fp_new += op
        fp_new *= C
        if walls_axis.shape[0] > 0:
            _internal_walls(pos_nd, force_nd, R, C, walls_axis, walls_pos)
        work -= 0.5 * (fp + fp_new) * (Lx_new - Lx_old)
        impulse += 0.5 * (fp + fp_new) * dt
        fp = fp_new
        if n_out > 0:
            status = 1
            k += 1
            break
        if n_far > 0:
            npairs = build_pair_list(pos_nd, L, rlist, pairs_i, pairs_j)
            while npairs < 0:
                pairs_i = np.empty(2 * (-npairs), np.int64)
                pairs_j = np.empty(2 * (-npairs), np.int64)
                npairs = build_pair_list(pos_nd, L, rlist, pairs_i, pairs_j)
            ref_nd[:, :] = pos_nd
            n_rebuilds += 1
        _pair_forces(pos_nd, force_nd, pairs_i, pairs_j, npairs, R, C)
        kick = 2.0 * hdt_m
        k += 1
    # final half kick: synchronise velocities with positions
    for i in range(n):
        vel_nd[i, 0] += hdt_m * force_nd[i, 0]
        vel_nd[i, 1] += hdt_m * force_nd[i, 1]
    return status, pairs_i, pairs_j, npairs, fp, work, impulse, n_rebuilds, k - k0


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
        self._force = np.zeros_like(st.pos_nd)
        self._fp = _wall_force(st.pos_nd, self._force, st.Lx, p.L, p.R, p.C, st.walls_axis,
                               st.walls_pos)
        _pair_forces(st.pos_nd, self._force, self._pi, self._pj, npairs, p.R, p.C)

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
