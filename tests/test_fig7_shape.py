"""benchmarks/fig7_shape.py: each of its fits is exact on the S~ it is made for, and only on that.

Analytic systems: S~ built from the van der Waals entropy of made-up states (N, U, V) as a line,
a concave bend, a line plus per-process offsets, and a mix with the volume term weighted twice.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thermolearn.paper_a.entropy import vdw_entropy

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "fig7_shape.py"
R = 1.0


@pytest.fixture(scope="module")
def shape():
    spec = importlib.util.spec_from_file_location("fig7_shape", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def made_up_states(n_disks: int = 1000, n_proc: int = 12, n_states: int = 20) -> pd.DataFrame:
    """States of ``n_proc`` processes whose u and v vary independently (T0 = 1, L = 300)."""
    rng = np.random.default_rng(7)
    rows = []
    for p in range(n_proc):
        for s in range(n_states):
            rows.append(dict(process=f"p{p:03d}", state=s, N=n_disks,
                             U=n_disks * rng.uniform(1.0, 8.0), V=300.0 * rng.uniform(150, 300)))
    states = pd.DataFrame(rows)
    states["S_vdW"] = vdw_entropy(states["N"], states["U"], states["V"], R)
    states["fit"] = "all"
    return states


def rows_for(shape, states: pd.DataFrame, s_tilde: np.ndarray) -> pd.Series:
    scored = states.assign(S=s_tilde)[["fit", "process", "state", "N", "S", "S_vdW"]]
    table = shape.shape_rows(scored, states[["process", "state", "U"]])
    assert len(table) == 1
    return table.iloc[0]


def test_a_line_is_fitted_exactly_by_every_model(shape):
    states = made_up_states()
    row = rows_for(shape, states, 3.0 + 0.02 * states["S_vdW"].to_numpy())
    for col in ("linear", "quadratic", "offsets", "free_uv"):
        assert row[col] == pytest.approx(1.0, abs=1e-9), col
    assert row["v_over_u"] == pytest.approx(1.0, abs=1e-6)


def test_a_concave_bend_is_caught_by_the_quadratic_only(shape):
    states = made_up_states()
    x = states["S_vdW"].to_numpy()
    z = (x - x.min()) / (x.max() - x.min())
    row = rows_for(shape, states, 2 * z - z**2)  # concave, flat at the top, as measured
    assert row["linear"] < 0.97
    assert row["quadratic"] == pytest.approx(1.0, abs=1e-9)
    assert row["quadratic"] - row["linear"] > 0.02
    assert row["free_uv"] < row["quadratic"]


def test_offsets_per_process_are_caught_by_the_offset_fit_only(shape):
    states = made_up_states()
    offset = states["process"].str[1:].astype(int).to_numpy() * 0.7
    row = rows_for(shape, states, 0.01 * states["S_vdW"].to_numpy() + offset)
    assert row["offsets"] == pytest.approx(1.0, abs=1e-9)
    assert row["linear"] < 0.99


def test_a_volume_term_weighted_twice_is_caught_by_the_free_fit(shape):
    states = made_up_states()
    n = states["N"].to_numpy(float)
    n_ln_u = n * np.log(states["U"].to_numpy() / n)
    n_ln_vb = states["S_vdW"].to_numpy() - n_ln_u
    row = rows_for(shape, states, 1e-3 * (n_ln_u + 2.0 * n_ln_vb))
    assert row["free_uv"] == pytest.approx(1.0, abs=1e-9)
    assert row["v_over_u"] == pytest.approx(2.0, rel=1e-6)
    assert row["linear"] < 0.999


def test_a_missing_file_is_named(shape, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["fig7_shape.py", str(tmp_path)])
    with pytest.raises(SystemExit) as exc:
        shape.main()
    assert "entropy_states.csv not found" in str(exc.value)
    assert str(tmp_path) in str(exc.value)
