"""The learned-entropy analysis of Paper A (Fig. 7): the van der Waals entropy, the per-N fit
and its affine inverse, and the accuracy against the true entropy gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thermolearn.paper_a.entropy import (accuracy_vs_gap, entropy_states, fit_entropy,
                                         linear_fit, pair_gaps, run_fit_job, run_gap_job,
                                         vdw_entropy)
from thermolearn.testsystems.vdw import random_states

R = 1.0
B = 2 * np.pi * R**2


def test_vdw_entropy_value_and_reversible_adiabat():
    # S = N log[u (v - b)]: N = 100, U = 250, V = 10^4 -> 100 log(2.5 (100 - 2 pi))
    assert vdw_entropy(100, 250.0, 1e4, R) == pytest.approx(100 * np.log(2.5 * (100 - B)))
    # 2D monatomic (c = 1): a quasi-static adiabat keeps u (v - b) fixed, so S is constant
    v = np.linspace(20.0, 200.0, 7)
    u = 3.0 * (50.0 - B) / (v - B)
    s = vdw_entropy(200, 200 * u, 200 * v, R)
    np.testing.assert_allclose(s, s[0], rtol=1e-12)
    # ... and an irreversible compression (extra heating) raises it
    assert vdw_entropy(200, 200 * u[0] * 1.1, 200 * v[0], R) > s[0]
    with pytest.raises(ValueError, match="2 pi R"):
        vdw_entropy(10, 10.0, 10 * B * 0.9, R)


def synthetic_scores(seed=0):
    """States of 2 particle numbers, one process of 60 each (thermolearn.testsystems.vdw), with
    S~ an exact affine image of S_vdW plus small noise."""
    true = {100: (0.02, -3.0), 200: (-0.005, 7.0)}  # S~ = a S_vdW + c (sign free: affine)
    states = random_states(list(true), n_proc=1, n_states=60, u_range=(0.8, 3.0),
                           v_range=(30.0, 120.0), seed=seed)
    a, c = (states["N"].map({n: ac[i] for n, ac in true.items()}) for i in (0, 1))
    noise = np.random.default_rng([seed, 1]).normal(0, 1e-4, len(states))
    scores = states.assign(split=np.where(states["state"] % 2, "test", "train"),
                           S=a * states["S_vdW"] + c + noise)
    return scores[["process", "state", "split", "N", "U", "V", "S"]], true


def test_fit_recovers_a_known_affine_map():
    scores, true = synthetic_scores()
    fits = fit_entropy(scores, R)
    assert set(fits["split"]) == {"test", "all"}
    for n_disks, (a, c) in true.items():
        f = fits[(fits.split == "all") & (fits.N == n_disks)].iloc[0]
        assert f.n_states == 60
        assert f.slope == pytest.approx(a, rel=1e-3)
        assert f.intercept == pytest.approx(c, abs=1e-2 * abs(c) + 1e-2)
        assert f.r2 > 0.9999
        # S^ = alpha S~ + beta inverts the map onto S_vdW
        assert f.alpha == pytest.approx(1 / a, rel=1e-3)
        assert f.beta == pytest.approx(-c / a, rel=1e-2)
        assert f.rmse_hat < 0.05
    assert fits[fits.split == "test"].n_states.sum() == 60


def test_linear_fit_r2_of_noise_is_small():
    rng = np.random.default_rng(1)
    slope, _, r2 = linear_fit(np.arange(200.0), rng.normal(size=200))
    assert abs(slope) < 0.01 and r2 < 0.05


def test_accuracy_vs_gap_counts_and_limits():
    scores, _ = synthetic_scores()
    scores["split"] = "test"
    # let the state index (time order) follow S_vdW, as along a real adiabatic process
    scores["x"] = vdw_entropy(scores.N, scores.U, scores.V, R)
    scores = scores.sort_values(["process", "x"]).reset_index(drop=True)
    scores["state"] = scores.groupby("process").cumcount()
    x = scores.pop("x").to_numpy()
    pairs = pair_gaps(scores.assign(S=x), R)
    assert len(pairs) == 2 * 60 * 59 // 2
    assert np.all(pairs.gap > 0)
    table = accuracy_vs_gap(pair_gaps(scores.assign(S=x), R), n_bins=5)
    pooled = table[table.N == 0]
    assert pooled.n_pairs.sum() == len(pairs)
    assert np.all(pooled.accuracy == 1.0)  # S~ = S_vdW orders every pair with a positive gap
    reversed_ = accuracy_vs_gap(pair_gaps(scores.assign(S=-x), R), n_bins=5)
    assert np.all(reversed_[reversed_.N == 0].accuracy == 0.0)
    # a network blind to small gaps: right only when the gap exceeds a threshold
    g = pairs.gap.to_numpy()
    thr = np.median(g)
    blind = pairs.assign(correct=np.where(g > thr, 1.0, 0.5))
    t = accuracy_vs_gap(blind, n_bins=8)
    t = t[t.N == 0]
    assert t.accuracy.iloc[0] == pytest.approx(0.5) and t.accuracy.iloc[-1] == 1.0
    assert np.all(np.diff(t.accuracy.to_numpy()) >= 0)


def test_entropy_states_map_the_scores_onto_s_vdw():
    """Every state's S^ = alpha_N S~ + beta_N of its split's fit recovers S_vdW (the synthetic S~
    is an affine image of it), for the test fits on test states and the all-state fits on all."""
    scores, _ = synthetic_scores()
    fits = fit_entropy(scores, R)
    states = entropy_states(scores, fits, R)
    assert (states.fit == "test").sum() == (scores.split == "test").sum()
    assert (states.fit == "all").sum() == len(scores)
    assert set(states.loc[states.fit == "test", "split"]) == {"test"}
    m = states.merge(scores[["process", "state", "U", "V"]], on=["process", "state"])
    np.testing.assert_allclose(m.S_vdW, vdw_entropy(m.N, m.U, m.V, R))
    np.testing.assert_allclose(states.S_hat, states.S_vdW, atol=0.2)
    assert np.abs(states.S_hat - states.S_vdW).max() > 0  # the noise is there: not a copy


def test_the_entropy_computation_loads_no_plotting_library():
    """The axiom analyses import vdw_entropy: the module must import without matplotlib."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    src = REPO / "src"
    code = ("import sys, thermolearn.paper_a.entropy\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'seaborn') or m.startswith('thermolearn') and m.endswith("
            "('.plotting', '_figures'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(src)})
    assert out.stdout.strip() == "[]"


def test_figures_are_drawn_from_the_tables_alone(tmp_path):
    """The compute jobs write the tables; the figure jobs read only them and write PNGs."""
    from PIL import Image

    from thermolearn.paper_a.entropy_figures import run_fig7_figure_job, run_gap_figure_job

    scores, _ = synthetic_scores()
    scores.to_csv(tmp_path / "scores.csv", index=False)
    fits = run_fit_job(tmp_path / "scores.csv", R, tmp_path / "fit.csv", tmp_path / "states.csv")
    table = run_gap_job(tmp_path / "scores.csv", R, tmp_path / "gaps.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "fit.csv"), fits, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "gaps.csv"), table, check_dtype=False)
    (tmp_path / "scores.csv").unlink()  # the figures must not need it
    run_fig7_figure_job(tmp_path / "states.csv", tmp_path / "fit.csv", tmp_path / "fig7.png")
    run_gap_figure_job(tmp_path / "gaps.csv", tmp_path / "gap.png")
    for png in ("fig7.png", "gap.png"):
        with Image.open(tmp_path / png) as im:
            assert im.format == "PNG" and min(im.size) > 300
