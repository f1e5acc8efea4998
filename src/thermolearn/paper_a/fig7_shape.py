"""What the Fig. 7 deviation of a run is made of: curvature, per-process offsets or the u / v mix.

For a finished run's ``paper_a/entropy_states.csv`` (S~ and S_vdW of every scored state) and
``paper_a/states.csv`` (U, V), :func:`shape_rows` gives per fit set (``test``, ``all``) and N
the R^2 of S~ against:

- ``linear``: a + b S_vdW, the Fig. 7 fit (``entropy.linear_fit``, the number in
  ``entropy_fit.csv``);
- ``quadratic``: a + b S_vdW + c S_vdW^2, a smooth monotone bend of S_vdW;
- ``offsets``: the linear fit plus one free offset per process (noise shared by a process);
- ``free_uv``: a + b N ln u + c N ln(v - 2 pi R^2), the van der Waals form with its two terms
  weighted freely (b = c is S_vdW), and the ratio ``v_over_u`` = c / b.

If the quadratic closes most of the gap to 1 and the other two do not, S~ is a function of
S_vdW alone, bent. ``analysis/fig7_shape.py`` prints the table for runs on disk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .entropy import linear_fit


def least_squares(y: np.ndarray, columns: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """R^2 and coefficients (constant first) of the least-squares fit of ``y`` on ``columns``."""
    design = np.column_stack([np.ones_like(y), *columns])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return 1.0 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum()), coef


def shape_rows(entropy_states: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """One row per (fit set, N) with the four R^2 values and the u / v weight ratio."""
    merged = entropy_states.merge(states[["process", "state", "U"]], on=["process", "state"])
    rows = []
    for (fit, n_disks), group in merged.groupby(["fit", "N"], sort=False):
        s_tilde = group["S"].to_numpy(float)
        s_vdw = group["S_vdW"].to_numpy(float)
        n_ln_u = n_disks * np.log(group["U"].to_numpy(float) / n_disks)
        n_ln_vb = s_vdw - n_ln_u
        offsets = pd.get_dummies(group["process"], drop_first=True, dtype=float).to_numpy()
        free_uv, coef = least_squares(s_tilde, [n_ln_u, n_ln_vb])
        rows.append(dict(
            fit=fit, N=int(n_disks), n_states=len(group),
            linear=linear_fit(s_vdw, s_tilde)[2],
            quadratic=least_squares(s_tilde, [s_vdw, s_vdw**2])[0],
            offsets=least_squares(s_tilde, [s_vdw, *offsets.T])[0],
            free_uv=free_uv,
            v_over_u=float(coef[2] / coef[1]),
        ))
    return pd.DataFrame(rows)


def run_shape(run: str | Path) -> pd.DataFrame:
    """:func:`shape_rows` of a finished run's results folder (``results/<preset>``).

    Raises
    ------
    FileNotFoundError
        Naming the missing table when ``run`` is no finished run's results folder.
    """
    run = Path(run)
    paths = [run / "paper_a" / "entropy_states.csv", run / "paper_a" / "states.csv"]
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found (is {run} a finished run's results "
                                    "folder?)")
    return shape_rows(*(pd.read_csv(path) for path in paths))
