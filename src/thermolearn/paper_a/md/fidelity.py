"""The first-law bound of the MD: how far ``E - E0 - W`` may drift, and what counts as a blow-up.

Velocity Verlet heats the soft-disk gas: the force of Eq. 3 has a kink at contact (r = 2R for a
pair, d = R at a wall), so each contact leaves an energy error of order ``(omega dt)^2 kB T``,
mostly positive (``omega = sqrt(2 C / m)``). The error of a process grows with the number of
contacts, not with N or E: at the paper's density and dt it reaches a few per cent of E0 over
the longest processes (docs/md_accuracy.md). We count contacts with kinetic theory (smooth in
the sampled state, unlike U, which is zero between contacts in a small gas):
:func:`contact_rate` is the expected number of pair and wall contacts per unit time at (N, Lx,
T). With ``dX = rate dt`` (integrated by the trapezoid rule over the checks), the bound on the
drift of ``E - W`` over an interval is

    |Delta(E - W)| <= (dt / DT_REF)^1.5 [PER_CONTACT int T dX + SCATTER sqrt(int T^2 dX)]

The first term is the systematic heating (the measured worst mean error per contact, in units of
kB T, with a margin), the second the random walk of the per-contact errors (their measured
spread, with a margin), which dominates when few contacts have happened (a gas of 20 disks).
Verlet's error is of order dt^2; the measured error falls by 3-8x per halving of dt
(docs/md_accuracy.md), so the bound scales by the more cautious ``dt^1.5`` (2.8x per halving).

One function, :func:`first_law_bound`, is used by the blow-up detector
(:func:`.process.run_process`), the MD artifact's ``first_law_excess``, the tests and the
reproduction table's fidelity row.
"""

from __future__ import annotations

import math

import numpy as np

DT_REF = 1e-3  # the paper's time step
DT_EXPONENT = 1.5  # the bound scales as (dt / DT_REF)^DT_EXPONENT (measured error: dt^1.6-3)
# mean first-law error per contact, units of kB T, at DT_REF: the paper-physics measurement
# gives 6-9e-6 over long segments at N = 2000 (the heating) and up to 3e-5 over short segments
# at N = 500 (where the random walk dominates); 3e-5 is 3-4x the heating (docs/md_accuracy.md)
PER_CONTACT = 3.0e-5
# spread of the per-contact error, units of kB T, at DT_REF: |dev| / sqrt(int T^2 dX) reached
# 4.9e-3 over 32 processes of 20-30 disks and 6.9e-3 over 48 segments of 150 disks at area
# fraction 0.3 (docs/md_accuracy.md); 1.5e-2 is 2x the worst
SCATTER = 1.5e-2
# a jump of E - W between two checks larger than this many bounds is a blow-up
BLOWUP_MARGIN = 20.0


def henderson_contact(phi: float) -> float:
    """Contact value of the hard-disk pair correlation, ``(1 - 7 phi / 16) / (1 - phi)^2``.

    Henderson's equation of state (Mol. Phys. 30, 971 (1975)); ``phi`` is the area fraction.
    """
    return (1.0 - 7.0 * phi / 16.0) / (1.0 - phi) ** 2


def contact_rate(N: int, Lx: float, L: float, R: float, T: float, mass: float = 1.0) -> float:
    """Expected contacts per unit time of N disks at temperature T in ``Lx x L`` (kinetic theory).

    Pair contacts: ``N n 2R g sqrt(pi T / m)`` (``n = N / (Lx L)``; each disk meets others at
    ``n (4R) <v_rel> g`` with ``<v_rel> = sqrt(pi T / m)`` and ``g`` :func:`henderson_contact`;
    halved as each contact has two disks). Wall contacts: ``n P sqrt(T / (2 pi m))`` over the
    perimeter ``P = 2 (Lx + L)``.

    Parameters
    ----------
    N : int
    Lx, L : float
        Container sides (units of R).
    R, T, mass : float
        Disk radius, kinetic temperature ``K / N`` (kB T0) and mass.

    Returns
    -------
    float
        Contacts per unit time ``R sqrt(m / (kB T0))``.
    """
    area = Lx * L
    n = N / area
    phi = min(N * math.pi * R * R / area, 0.9)
    T = max(float(T), 0.0)
    pair = N * n * 2.0 * R * henderson_contact(phi) * math.sqrt(math.pi * T / mass)
    wall = n * 2.0 * (Lx + L) * math.sqrt(T / (2.0 * math.pi * mass))
    return pair + wall


def first_law_bound(t_dx: float, t2_dx: float, dt: float) -> float:
    """The largest first-law drift ``|Delta(E - W)|`` the integrator makes over an interval.

    Parameters
    ----------
    t_dx : float
        ``int T dX`` over the interval: contacts (:func:`contact_rate`) weighted by the
        temperature (kB T0).
    t2_dx : float
        ``int T^2 dX`` (kB T0 squared).
    dt : float
        Time step.

    Returns
    -------
    float
        ``(dt / DT_REF)^DT_EXPONENT [PER_CONTACT t_dx + SCATTER sqrt(t2_dx)]``, in kB T0.
    """
    scale = (float(dt) / DT_REF) ** DT_EXPONENT
    return scale * (PER_CONTACT * max(float(t_dx), 0.0)
                    + SCATTER * math.sqrt(max(float(t2_dx), 0.0)))


def is_blow_up(jump: float, t_dx: float, t2_dx: float, dt: float, e0: float,
               max_energy_error: float) -> bool:
    """Whether a jump ``|Delta(E - W)|`` between two checks is a blow-up, not Verlet's error.

    A blow-up when the jump is not finite, or exceeds both ``max_energy_error * |e0|`` and
    ``BLOWUP_MARGIN`` times :func:`first_law_bound` of the interval: the fixed fraction catches
    jumps early where few contacts happen, the bound keeps a long, dense interval at a large dt
    from being taken for one.

    Parameters
    ----------
    jump : float
        ``|Delta(E - W)|`` since the last check (kB T0).
    t_dx, t2_dx, dt
        As :func:`first_law_bound`, over the interval since the last check.
    e0 : float
        Initial energy (kB T0).
    max_energy_error : float
        The config's ``integrator.max_energy_error``.
    """
    if not math.isfinite(jump):
        return True
    return jump > max(max_energy_error * abs(e0),
                      BLOWUP_MARGIN * first_law_bound(t_dx, t2_dx, dt))


def first_law_excess(dev_s, t_dx_s, t2_dx_s, dt: float) -> np.ndarray:
    """Each state's first-law deviation over its bound (<= 1: within the bound).

    Parameters
    ----------
    dev_s : array_like, shape (S,)
        ``|E - E0 - W|`` at each state (kB T0).
    t_dx_s, t2_dx_s : array_like, shape (S,)
        ``int T dX`` and ``int T^2 dX`` from the start to each state (``ProcessRecord``).
    dt : float
        Time step.

    Returns
    -------
    ndarray, shape (S,)
        ``dev_s / first_law_bound(...)``; 0 where the deviation is 0, inf where only the bound is.
    """
    dev_s = np.abs(np.asarray(dev_s, np.float64))
    bound_s = np.array([first_law_bound(a, b, dt) for a, b in zip(t_dx_s, t2_dx_s)])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dev_s == 0, 0.0, dev_s / bound_s)
