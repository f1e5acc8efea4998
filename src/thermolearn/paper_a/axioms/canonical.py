"""The canonical entropy of Lieb and Yngvason (Paper A, Eq. 1), computed with the network.

    S(X | X*, X**) = sup{ lam : ((1 - lam) X*, lam X**) <_DNN X }

With F_DNN the order is ``S~(C(lam)) <= S~(X)`` for the compound ``C(lam) = ((1 - lam) X*,
lam X**)`` (:func:`thermolearn.paper_a.axioms.constructions.scaled_compound` with fraction
``1 - lam`` of X*); ``C(0) = X*`` and ``C(1) = X**`` (the reference states themselves), so
every state between them in S~ has a canonical entropy in [0, 1]. The curve ``g(lam) =
S~(C(lam))`` does not depend on X: it is scored once per (N, direction) on a fine grid, and the
canonical entropy of every state X is where ``g`` last lies below ``S~(X)``
(:func:`flip_lambda`, linear interpolation inside the grid cell).

For a gas whose entropy is S_vdW, the axioms give ``S_vdW(C(lam)) = (1 - lam) S_vdW(X*) +
lam S_vdW(X**)`` and hence the prediction :func:`ly_prediction`.
"""

from __future__ import annotations

import numpy as np


def reference_states(S: np.ndarray) -> tuple[int, int]:
    """Indices of X* (lowest S~) and X** (highest S~), so that ``X* <<_DNN X**``.

    Raises
    ------
    ValueError
        When all S~ are equal (no strict order).
    """
    S = np.asarray(S, np.float64)
    lo, hi = int(np.argmin(S)), int(np.argmax(S))
    if not S[lo] < S[hi]:
        raise ValueError("reference states need X* <<_DNN X** but all S~ are equal")
    return lo, hi


def flip_lambda(lam_k: np.ndarray, g_k: np.ndarray, s: float) -> float:
    """``sup{lam : g(lam) <= s}`` on the grid, refined linearly in the last crossing cell.

    Parameters
    ----------
    lam_k : (K,) increasing grid in [0, 1].
    g_k : (K,) S~ of the compound at each grid point.
    s : S~(X).

    Returns
    -------
    float: ``lam_k[-1]`` when ``g <= s`` at the end of the grid, NaN when ``g > s`` everywhere
    (X below X*, outside the range Eq. 1 covers), else the interpolated flip point.
    """
    ok = np.asarray(g_k) <= s
    if not ok.any():
        return float("nan")
    k = int(np.flatnonzero(ok)[-1])
    if k == len(lam_k) - 1:
        return float(lam_k[-1])
    g0, g1 = float(g_k[k]), float(g_k[k + 1])
    frac = (s - g0) / (g1 - g0) if g1 != g0 else 0.0
    return float(lam_k[k] + np.clip(frac, 0.0, 1.0) * (lam_k[k + 1] - lam_k[k]))


def canonical_entropy(lam_k: np.ndarray, g_k: np.ndarray, S: np.ndarray) -> np.ndarray:
    """:func:`flip_lambda` for every S~ in ``S``, shape ``S.shape``."""
    return np.array([flip_lambda(lam_k, g_k, s) for s in np.ravel(S)]).reshape(np.shape(S))


def ly_prediction(s_vdw: np.ndarray, s_star: float, s_2star: float) -> np.ndarray:
    """The canonical entropy of a gas with entropy S_vdW: ``(S - S*) / (S** - S*)``."""
    return (np.asarray(s_vdw, np.float64) - s_star) / (s_2star - s_star)
