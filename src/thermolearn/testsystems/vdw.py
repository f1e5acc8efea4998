"""States of the 2D van der Waals gas whose entropy is known.

``S_vdW = N ln[u (v - b)]`` with ``u = U / N``, ``v = V / N`` and ``b = 2 pi R^2``
(:func:`thermolearn.paper_a.entropy.vdw_entropy`): Paper A's reference entropy. A test builds the
network's scores ``S~`` from these states by a map of its choosing (affine, bent, offset per
process) and checks that the analysis finds that map.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..paper_a.entropy import excluded_area, vdw_entropy


def random_states(n_disks: Sequence[int], n_proc: int, n_states: int,
                  u_range: tuple[float, float], v_range: tuple[float, float], seed: int,
                  R: float = 1.0) -> pd.DataFrame:
    """States drawn with u and v independent and uniform, with their exact S_vdW.

    Parameters
    ----------
    n_disks : sequence of int
        The particle numbers; each gets ``n_proc`` processes.
    n_proc, n_states : int
        Processes per particle number, states per process.
    u_range, v_range : (float, float)
        The ranges of the energy and the area per disk, ``U / N`` and ``V / N``.
    seed : int
        Seed of the draw (per state: u, then v).
    R : float
        Disk radius.

    Returns
    -------
    pandas.DataFrame
        One row per state: ``process`` (``p000``, ``p001``, ... over all particle numbers),
        ``state`` (0, 1, ... within its process), ``N``, ``U``, ``V``, ``S_vdW``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for n in n_disks:
        for _ in range(n_proc):
            process = f"p{len(rows) // n_states:03d}"
            for s in range(n_states):
                rows.append(dict(process=process, state=s, N=n, U=n * rng.uniform(*u_range),
                                 V=n * rng.uniform(*v_range)))
    states = pd.DataFrame(rows)
    states["S_vdW"] = vdw_entropy(states["N"], states["U"], states["V"], R)
    return states


def states_with_entropy(s_vdw, n_disks: int, v_free: float = 50.0,
                        R: float = 1.0) -> dict[str, np.ndarray]:
    """U and V of states whose S_vdW is ``s_vdw``, all at one area ``V / N - b = v_free``.

    Parameters
    ----------
    s_vdw : array_like
        The wanted entropies (units of kB).
    n_disks : int
        N.
    v_free : float
        The free area per disk, ``V / N - 2 pi R^2``.
    R : float
        Disk radius.

    Returns
    -------
    dict
        ``{"U": array, "V": array}``, with ``U = N exp(S / N) / v_free``.
    """
    V = n_disks * (v_free + excluded_area(R))
    U = n_disks * np.exp(np.asarray(s_vdw) / n_disks) / v_free
    return {"U": U, "V": np.full(len(U), V)}
