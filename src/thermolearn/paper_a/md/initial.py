"""Initial states: random non-overlapping disks with Maxwell velocities."""

from __future__ import annotations

import numpy as np
from numba import njit

from .engine import GasParams, MDState


@njit(cache=True)
def _accept_non_overlapping(cand_kd, n_want, R, L, pos_out, n_have):
    """Random sequential addition: accept candidates that overlap no accepted disk.

    Uses a grid of cell size 2R so each check looks at 9 cells.
    """
    nc = max(1, int(L / (2.0 * R)))
    cell = L / nc
    head = -np.ones(nc * nc, np.int64)
    nxt = -np.ones(pos_out.shape[0], np.int64)
    d2min = 4.0 * R * R
    for a in range(n_have):
        cx = min(int(pos_out[a, 0] / cell), nc - 1)
        cy = min(int(pos_out[a, 1] / cell), nc - 1)
        nxt[a] = head[cy * nc + cx]
        head[cy * nc + cx] = a
    for k in range(cand_kd.shape[0]):
        if n_have >= n_want:
            break
        x = cand_kd[k, 0]
        y = cand_kd[k, 1]
        cx = min(int(x / cell), nc - 1)
        cy = min(int(y / cell), nc - 1)
        ok = True
        for oy in range(-1, 2):
            for ox in range(-1, 2):
                gx = cx + ox
                gy = cy + oy
                if gx < 0 or gy < 0 or gx >= nc or gy >= nc:
                    continue
                b = head[gy * nc + gx]
                while b >= 0:
                    dx = x - pos_out[b, 0]
                    dy = y - pos_out[b, 1]
                    if dx * dx + dy * dy < d2min:
                        ok = False
                        break
                    b = nxt[b]
                if not ok:
                    break
            if not ok:
                break
        if ok:
            pos_out[n_have, 0] = x
            pos_out[n_have, 1] = y
            nxt[n_have] = head[cy * nc + cx]
            head[cy * nc + cx] = n_have
            n_have += 1
    return n_have


def random_positions(N: int, L: float, Lx: float, R: float, rng: np.random.Generator) -> np.ndarray:
    """``N`` non-overlapping disk centres in ``[R, Lx - R] x [R, L - R]``, shape (N, 2).

    Disks touch neither each other nor the walls (all potential energies are zero).
    """
    pos = np.zeros((N, 2))
    n_have = 0
    for _attempt in range(200):
        cand = np.column_stack([
            rng.uniform(R, Lx - R, size=4 * N + 64),
            rng.uniform(R, L - R, size=4 * N + 64),
        ])
        n_have = _accept_non_overlapping(cand, N, R, L, pos, n_have)
        if n_have == N:
            return pos
    raise ValueError(
        f"could not place {N} non-overlapping disks of radius {R} in {Lx} x {L} "
        "(packing too dense for random sequential addition)"
    )


def maxwell_velocities(N: int, T: float, mass: float, rng: np.random.Generator) -> np.ndarray:
    """Velocities from the 2D Maxwell distribution at temperature ``T`` (kB = 1), shape (N, 2)."""
    return rng.normal(0.0, np.sqrt(T / mass), size=(N, 2))


def random_state(N: int, params: GasParams, T0: float, rng: np.random.Generator,
                 Lx: float | None = None, energy: float | None = None) -> MDState:
    """A fresh equilibrium-like initial state.

    Parameters
    ----------
    N : int
        Number of disks.
    params : GasParams
    T0 : float
        Temperature of the Maxwell velocities.
    rng : numpy.random.Generator
        The only source of randomness (positions first, then velocities).
    Lx : float, optional
        Piston position (default: ``params.L``).
    energy : float, optional
        If given, velocities are rescaled so the total energy (all kinetic, as no disk overlaps)
        equals it exactly: a microscopically new state of the same (N, E, V).
    """
    Lx = params.L if Lx is None else float(Lx)
    pos = random_positions(N, params.L, Lx, params.R, rng)
    vel = maxwell_velocities(N, T0, params.mass, rng)
    if energy is not None:
        k = 0.5 * params.mass * float(np.sum(vel * vel))
        vel *= np.sqrt(energy / k)
    return MDState(pos_nd=pos, vel_nd=vel, Lx=Lx, t=0.0)
