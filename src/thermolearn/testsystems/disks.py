"""Two-disk collisions with known outcomes, for both engines.

Paper A's soft disks (``V(r) = C/2 (2R - r)^2`` for ``r < 2R``) deflect as the classical
scattering integral says (:func:`soft_disk_deflection`); Paper B's hard disks reflect on the
contact normal (:func:`hard_disk_deflection`), which is also the soft disks' limit for
``C -> infinity``. A head-on collision of equal masses exchanges the velocities in both.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize

from ..paper_a.md.engine import GasParams, MDState, Simulator
from ..paper_b.hard_disks import DiskParams, RunRecord, simulate_from


def soft_disk_pair(pos, vel, L: float = 100.0) -> tuple[Simulator, GasParams]:
    """Two soft disks (or any few) in an ``L x L`` box, piston at ``Lx = L``.

    Parameters
    ----------
    pos, vel : array_like, shape (N, 2)
        Positions and velocities.
    L : float
        Box side.

    Returns
    -------
    sim : Simulator
        The engine on that state.
    params : GasParams
        The gas parameters (``R``, ``C``, ``dt`` at their defaults).
    """
    params = GasParams(L=L)
    state = MDState(pos_nd=np.array(pos, float), vel_nd=np.array(vel, float), Lx=L)
    return Simulator(state, params), params


def soft_disk_deflection(b: float, e_cm: float, R: float, C: float) -> float:
    """Classical deflection angle for V(r) = C/2 (2R - r)^2 (r < 2R), impact parameter b.

    chi = pi - 2 b int_{r_min}^inf dr / (r^2 sqrt(g(r))), g = 1 - b^2/r^2 - V(r)/E with E the
    centre-of-mass energy (Goldstein, Classical Mechanics, Eq. 3.96). Outside r = 2R the integral
    is arcsin(b / 2R); inside, r = r_min + t^2 removes the turning-point singularity.

    Parameters
    ----------
    b : float
        Impact parameter (0 < b < 2R).
    e_cm : float
        Centre-of-mass kinetic energy (reduced mass times half the squared relative speed).
    R, C : float
        Disk radius and contact stiffness.

    Returns
    -------
    float
        The angle by which the relative velocity turns, in radians.
    """
    g = lambda r: 1 - b**2 / r**2 - 0.5 * C * (2 * R - r) ** 2 / e_cm  # noqa: E731
    r_min = optimize.brentq(g, 1e-3, 2 * R)
    inner, _ = integrate.quad(
        lambda t: 2 * t * b / ((r_min + t * t) ** 2 * np.sqrt(g(r_min + t * t))),
        0, np.sqrt(2 * R - r_min), limit=200,
    )
    return float(np.pi - 2 * (np.arcsin(b / (2 * R)) + inner))


def hard_disk_deflection(b: float, d: float) -> float:
    """Deflection angle of two hard disks of diameter ``d`` at impact parameter ``b``:
    ``chi = pi - 2 arcsin(b / d)`` (reflection of the relative velocity on the contact normal)."""
    return math.pi - 2 * math.asin(b / d)


def hard_disk_pair(b: float, g: float, dt: float,
                   d: float = 0.02) -> tuple[DiskParams, RunRecord]:
    """Paper B's engine on two disks: disk 0 at rest at the centre of the unit box, disk 1
    coming from the left at speed ``g`` with impact parameter ``b``, run ``6 d / g`` (long
    enough to collide once and separate).

    Parameters
    ----------
    b : float
        Impact parameter.
    g : float
        Speed of disk 1 (the relative speed).
    dt : float
        Time step (the engine's frame rate is ``1 / dt``).
    d : float
        Disk diameter.

    Returns
    -------
    params : DiskParams
    rec : RunRecord
        The run, one frame per step.
    """
    params = DiskParams(n_disks=2, radius=d / 2, speed=g, frame_rate=1.0 / dt)
    pos_nd = np.array([[0.5, 0.5], [0.5 - 3 * d, 0.5 + b]])
    vel_nd = np.array([[0.0, 0.0], [g, 0.0]])
    n_steps = int(math.ceil(6 * d / (g * dt)))
    return params, simulate_from(params, pos_nd, vel_nd, n_steps)
