"""Fig. 7 diagnostics D1 and D2 (thermolearn.paper_a.fig7_diagnostics) on analytic inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.special import ndtr

from thermolearn.paper_a.entropy import vdw_entropy
from thermolearn.paper_a.fig7_diagnostics import (CALIBRATION, local_slopes, near_pairs,
                                                  penultimate, probe_cv, probe_errors,
                                                  probit_sigma, residual_by_lx,
                                                  slope_through_origin, u_edges)
from thermolearn.testsystems.vdw import states_with_entropy

R = 1.0


def synthetic_scores(n_proc: int, n_states: int, a: float, sigma: float, seed: int,
                     n_disks: int = 400) -> pd.DataFrame:
    """Processes whose S_vdW rises by 30 kB per state; S~ = a (S_vdW + sigma * noise)."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_proc):
        x = 2000.0 + 30.0 * np.arange(n_states) + rng.uniform(0, 30)
        s = a * (x + sigma * rng.standard_normal(n_states))
        uv = states_with_entropy(x, n_disks)
        rows.append(pd.DataFrame({"process": f"p{p:03d}", "state": np.arange(n_states),
                                  "split": "train" if p % 2 else "test", "N": n_disks,
                                  "Lx": np.linspace(200, 100, n_states), **uv, "S": s}))
    return pd.concat(rows, ignore_index=True)


def test_probit_sigma_recovers_sigma_from_exact_probabilities():
    g = np.linspace(-120.0, 120.0, 241)
    for sigma in (5.0, 30.0, 80.0):
        p = ndtr(g / (np.sqrt(2.0) * sigma))  # the expected verdicts: the likelihood's optimum
        assert probit_sigma(g, p) == pytest.approx(sigma, rel=1e-4)
    assert np.isnan(probit_sigma(np.zeros(3), np.ones(3)))


def test_the_calibration_constant_is_the_probit_logit_factor_over_sqrt2():
    assert CALIBRATION == pytest.approx(1.702 / np.sqrt(2.0), rel=1e-12)
    assert CALIBRATION == pytest.approx(1.2, abs=0.01)


def test_near_pairs_are_the_pairs_at_most_k_apart():
    sc = synthetic_scores(2, 6, a=1.0, sigma=0.0, seed=0)
    pairs = near_pairs(sc, R, max_gap=2)
    assert len(pairs) == 2 * (5 + 4)
    assert sorted(pairs["gap"].unique()) == [1, 2]
    one = pairs[(pairs.process == "p000") & (pairs.gap == 2)]
    x = vdw_entropy(sc.N[:6], sc.U[:6], sc.V[:6], R)
    np.testing.assert_allclose(one["dS_vdW"], x[2:] - x[:-2], rtol=1e-12)
    np.testing.assert_allclose(one["dS"], one["dS_vdW"], rtol=1e-9)  # S~ = S_vdW here
    assert (pairs["correct"] == 1).all()
    np.testing.assert_allclose(pairs["u"], pairs["u"].clip(lower=0))  # a temperature
    assert slope_through_origin(np.array([1.0, 2.0]), np.array([3.0, 6.0])) == 3.0


@pytest.mark.parametrize("factor", [1.0, 2.0])
def test_local_slope_against_calibration_on_a_network_with_known_noise(factor):
    """S~ = a (S_vdW + sigma eps): the local slope is a, the orderings give sigma, so the ratio
    slope / (1.20 / sigma) is a sigma / 1.20, here ``factor``."""
    sigma = 25.0
    a = factor * CALIBRATION / sigma
    sc = synthetic_scores(300, 40, a=a, sigma=sigma, seed=1)
    pairs = near_pairs(sc, R, max_gap=2)
    table = local_slopes(pairs, ["split"])
    assert set(table["split"]) == {"train", "test"}
    for row in table.itertuples():
        assert row.sigma_S == pytest.approx(sigma, rel=0.05)
        assert row.slope == pytest.approx(a, rel=0.05)
        assert row.ratio == pytest.approx(factor, rel=0.07)
        assert row.predicted == pytest.approx(CALIBRATION / row.sigma_S, rel=1e-12)
    # a bootstrap over processes brackets the estimates
    boot = local_slopes(pairs, ["split"], n_boot=50, seed=0)
    assert (boot["sigma_lo"] < boot["sigma_S"]).all() and (boot["sigma_S"] < boot["sigma_hi"]).all()
    assert (boot["slope_lo"] < boot["slope"]).all() and (boot["slope"] < boot["slope_hi"]).all()
    assert (boot["sigma_hi"] - boot["sigma_lo"] < 0.2 * sigma).all()
    # binned by u: every bin present, each with its median u
    edges = u_edges((sc["U"] / sc["N"]).to_numpy(), 4)
    by_u = local_slopes(pairs, ["u"], {"u": edges})
    assert len(by_u) == 4 and by_u["u_median"].is_monotonic_increasing


def test_residual_at_fixed_svdw_splits_an_lx_offset():
    """S~ = S_vdW + d at large Lx, each S_vdW value once at large and once at small Lx: the fit
    has slope 1, and the residual differs by exactly d between the Lx groups in every bin."""
    x = np.repeat(np.linspace(2000.0, 2600.0, 60), 2)
    high = np.tile([0, 1], 60)
    d = 4.0
    uv = states_with_entropy(x, 400)
    sc = pd.DataFrame({"process": "p000", "state": np.arange(120), "split": "test", "N": 400,
                       "Lx": np.where(high, 190.0, 110.0), **uv, "S": x + d * high})
    table = residual_by_lx(sc, R, "test", n_svdw=5, lx_edges=np.array([100.0, 150.0, 200.0]))
    assert len(table) == 10
    wide = table.pivot(index="svdw_bin", columns="lx_bin", values="residual")
    np.testing.assert_allclose(wide[1] - wide[0], d, rtol=1e-9)
    np.testing.assert_allclose(table.groupby("lx_bin")["residual"].mean(), [-d / 2, d / 2],
                               atol=1e-9)


def test_probe_recovers_a_linear_target_and_does_not_leak_across_processes():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(40), 10)
    x = rng.standard_normal((400, 8))
    w = rng.standard_normal(8)
    pred, lam = probe_cv(x, x @ w + 0.5, groups, n_folds=5, seed=0)
    assert lam == 1e-3 and np.sqrt(((pred - (x @ w + 0.5)) ** 2).mean()) < 1e-3
    # a target that is a per-process constant, and features that name the process: a split by
    # state would predict it exactly, a split by process cannot
    y = rng.standard_normal(40)[groups]
    onehot = np.eye(40)[groups] + 1e-3 * rng.standard_normal((400, 40))
    pred, _ = probe_cv(onehot, y, groups, n_folds=5, seed=0)
    assert np.sqrt(((pred - y) ** 2).mean()) > 0.8 * y.std()


def test_probe_errors_per_bin_and_split():
    table = pd.DataFrame({"split": ["train"] * 4 + ["test"] * 4,
                          "u": [1.0, 1.5, 5.0, 6.0] * 2,
                          "ln_u": np.log([1.0, 1.5, 5.0, 6.0] * 2),
                          "pred": np.log([1.0, 1.5, 5.0, 6.0] * 2) + [0, 0, 0.1, -0.1, 0.2, 0.2,
                                                                      0.3, 0.3]})
    out = probe_errors(table, np.array([-np.inf, 3.0, np.inf])).set_index(["split", "u_bin"])
    assert out.loc[("train", 0), "rmse"] == pytest.approx(0.0)
    assert out.loc[("train", 1), "rmse"] == pytest.approx(0.1)
    assert out.loc[("train", 1), "bias"] == pytest.approx(0.0)
    assert out.loc[("test", 1), "rmse"] == pytest.approx(0.3)
    assert out.loc[("test", 0), "n_states"] == 2


def test_penultimate_activations_map_to_the_score_by_the_output_layer():
    from thermolearn.paper_a.siamese.model import SiameseNet, score_tensor

    torch.manual_seed(0)
    net = SiameseNet(32, 5).eval()
    img = np.random.default_rng(0).integers(0, 256, (7, 5, 32, 32), dtype=np.uint8)
    h = penultimate(net, img, batch_size=3)
    assert h.shape == (7, net.head[-1].in_features) and (h >= 0).all()  # after a ReLU
    with torch.no_grad():
        s = net.head[-1](torch.from_numpy(h)).squeeze(-1).numpy()
    np.testing.assert_allclose(s, score_tensor(net, torch.from_numpy(img)).numpy(), rtol=1e-5,
                               atol=1e-6)


def test_run_diagnostics_and_figure_on_a_synthetic_run(tmp_path):
    """The whole job on a run folder of the workflow's layout: tables, summary and figure."""
    import json

    import yaml

    from thermolearn.paper_a.fig7_diagnostics import run_diagnostics
    from thermolearn.paper_a.fig7_diagnostics_figure import plot_diagnostics
    from thermolearn.paper_a.siamese.model import SiameseNet

    run = tmp_path / "results" / "syn"
    (run / "paper_a" / "model").mkdir(parents=True)
    (run / "paper_a" / "images").mkdir()
    cfg = {"seed": 5, "paper_a": {"gas": {"R": R}, "render": {"size": 32},
                                  "protocol": {"n_frames": 5}}}
    (run / "config_used.yaml").write_text(yaml.safe_dump(cfg))
    sc = synthetic_scores(10, 12, a=0.05, sigma=20.0, seed=2)
    torch.manual_seed(1)
    torch.save(SiameseNet(32, 5).state_dict(), run / "paper_a" / "model" / "siamese.pt")
    rng = np.random.default_rng(0)
    for proc in sc["process"].unique():
        np.save(run / "paper_a" / "images" / f"{proc}.npy",
                rng.integers(0, 256, (12, 5, 32, 32), dtype=np.uint8))
    sc.to_csv(run / "paper_a" / "model" / "scores.csv", index=False)
    out = tmp_path / "out"
    summary = run_diagnostics(run, out, d2=True, n_u_bins=3, n_folds=5)
    for name in ("near_pairs.csv", "d1_slopes.csv", "d1_slopes_lx.csv", "d1_residual_lx.csv",
                 "d2_probe_states.csv", "d2_probe.csv", "summary.json"):
        assert (out / name).exists(), name
    assert json.loads((out / "summary.json").read_text())["d2"]["n_features"] == 64
    probe = pd.read_csv(out / "d2_probe_states.csv")
    assert len(probe) == len(sc) and probe["pred"].notna().all()
    d1 = pd.DataFrame(summary["d1_by_split_n"]).set_index("split")
    assert d1.loc["train", "sigma_S"] == pytest.approx(20.0, rel=0.3)
    plot_diagnostics(out, out / "fig.png")
    assert (out / "fig.png").stat().st_size > 10_000
