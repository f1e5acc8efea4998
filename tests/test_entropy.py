"""The learned-entropy analysis of Paper A (Fig. 7): the van der Waals entropy, the per-N fit
and its affine inverse, and the accuracy against the true entropy gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thermolearn.paper_a.entropy import (accuracy_vs_gap, fit_entropy, linear_fit, pair_gaps,
                                         vdw_entropy)

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
    """States of 2 particle numbers with S~ an exact affine image of S_vdW plus small noise."""
    rng = np.random.default_rng(seed)
    true = {100: (0.02, -3.0), 200: (-0.005, 7.0)}  # S~ = a S_vdW + c (sign free: affine)
    rows = []
    for n_disks, (a, c) in true.items():
        for k in range(60):
            U = n_disks * rng.uniform(0.8, 3.0)
            V = n_disks * rng.uniform(30.0, 120.0)
            x = vdw_entropy(n_disks, U, V, R)
            rows.append(dict(process=f"p{n_disks}", state=k, split="test" if k % 2 else "train",
                             N=n_disks, U=U, V=V, S=a * x + c + rng.normal(0, 1e-4)))
    return pd.DataFrame(rows), true


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
