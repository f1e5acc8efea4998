"""Fig. 7's shape (thermolearn.paper_a.fig7_shape): each fit is exact on the S~ it is made for,
and only on that.

Analytic systems: S~ built from the van der Waals entropy of made-up states (N, U, V;
thermolearn.testsystems.vdw) as a line, a concave bend, a line plus per-process offsets, and a
mix with the volume term weighted twice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thermolearn.paper_a.fig7_shape import run_shape, shape_rows
from thermolearn.testsystems.vdw import random_states


def made_up_states() -> pd.DataFrame:
    """12 processes of 20 states of N = 1000 whose u and v vary independently (T0 = 1: u from 1
    to 8; L = 300 and Lx from 150 to 300: v = 300 Lx / N from 45 to 90)."""
    return random_states([1000], n_proc=12, n_states=20, u_range=(1.0, 8.0),
                         v_range=(45.0, 90.0), seed=7).assign(fit="all")


def rows_for(states: pd.DataFrame, s_tilde: np.ndarray) -> pd.Series:
    scored = states.assign(S=s_tilde)[["fit", "process", "state", "N", "S", "S_vdW"]]
    table = shape_rows(scored, states[["process", "state", "U"]])
    assert len(table) == 1
    return table.iloc[0]


def test_a_line_is_fitted_exactly_by_every_model():
    states = made_up_states()
    row = rows_for(states, 3.0 + 0.02 * states["S_vdW"].to_numpy())
    for col in ("linear", "quadratic", "offsets", "free_uv"):
        assert row[col] == pytest.approx(1.0, abs=1e-9), col
    assert row["v_over_u"] == pytest.approx(1.0, abs=1e-6)


def test_a_concave_bend_is_caught_by_the_quadratic_only():
    states = made_up_states()
    x = states["S_vdW"].to_numpy()
    z = (x - x.min()) / (x.max() - x.min())
    row = rows_for(states, 2 * z - z**2)  # concave, flat at the top, as measured
    assert row["linear"] < 0.97
    assert row["quadratic"] == pytest.approx(1.0, abs=1e-9)
    assert row["quadratic"] - row["linear"] > 0.02
    assert row["free_uv"] < row["quadratic"]


def test_offsets_per_process_are_caught_by_the_offset_fit_only():
    states = made_up_states()
    offset = states["process"].str[1:].astype(int).to_numpy() * 0.7
    row = rows_for(states, 0.01 * states["S_vdW"].to_numpy() + offset)
    assert row["offsets"] == pytest.approx(1.0, abs=1e-9)
    assert row["linear"] < 0.99


def test_a_volume_term_weighted_twice_is_caught_by_the_free_fit():
    states = made_up_states()
    n = states["N"].to_numpy(float)
    n_ln_u = n * np.log(states["U"].to_numpy() / n)
    n_ln_vb = states["S_vdW"].to_numpy() - n_ln_u
    row = rows_for(states, 1e-3 * (n_ln_u + 2.0 * n_ln_vb))
    assert row["free_uv"] == pytest.approx(1.0, abs=1e-9)
    assert row["v_over_u"] == pytest.approx(2.0, rel=1e-6)
    assert row["linear"] < 0.999


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError) as exc:
        run_shape(tmp_path)
    assert "entropy_states.csv not found" in str(exc.value)
    assert str(tmp_path) in str(exc.value)
