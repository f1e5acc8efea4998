"""The learned arrow of time: r = N / P from our logs and from the published log, the paper's
Adam steps per epoch at any number of runs, and seeds that differ across scan points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import REPO
from thermolearn.paper_b import arrow, reference
from thermolearn.paper_b.deepsets import DeepSets, tilted_loss
from thermolearn.paper_b.train import PairData, TrainSettings, init_seed, run_epoch

REF_DIR = REPO / "data" / "reference" / "lier2025"  # shipped with the repo: never skipped

#: Issue 24's table: the published trainings' r at 1,948 / 3,409 / 10,227 / 29,707 Adam steps
#: (epochs 4, 7, 21, 61 of 487 steps), two decimals.
ISSUE_R = {16: [0.35, 0.37, 0.37, 0.37], 32: [0.38, 0.36, 0.34, 0.32],
           64: [0.35, 0.34, 0.32, 0.29]}
ISSUE_STEPS = [1948, 3409, 10227, 29707]
ISSUE_CROSSING = {16: (95, 0.368), 32: (105, 0.301), 64: (111, 0.261)}


def test_published_r_from_the_log_matches_the_issue_table():
    curves = arrow.paper_ratio_curve(reference.parse_training_log(REF_DIR / reference.LOG_FILE))
    for h, want in ISSUE_R.items():
        cv = curves[curves.hidden == h]
        assert cv["steps"].iloc[3] == 1948 and math.isnan(cv["r"].iloc[0])  # alpha = 1
        got = [arrow.ratio_at_steps(cv, s) for s in ISSUE_STEPS]
        assert np.abs(np.array(got) - want).max() <= 0.005, (h, got)


def test_published_crossings_and_their_tilts():
    log = reference.parse_training_log(REF_DIR / reference.LOG_FILE)
    for h, (epoch, alpha) in ISSUE_CROSSING.items():
        c = arrow.crossing(log[log.hidden == h]["tilted_loss"])
        assert c["critical_epoch"] == epoch and abs(c["critical_alpha"] - alpha) < 5e-4
        assert c["critical_steps"] == epoch * 487
        assert not arrow.collapsed(c["critical_alpha"])  # the collapse test passes them


def test_collapse_test_fails_the_earlier_repro_h16():
    """The repro run before issue 24 (docs/results/repro, 9b21d58..c206170): h = 16 crossed at
    epoch 57 of 120, alpha 0.623, with mean a +1818 (train) and +1679 (held-out)."""
    c = arrow.crossing(np.r_[-np.ones(56), 0.0, np.zeros(63)], n_epochs=120)
    assert c["critical_epoch"] == 57 and abs(c["critical_alpha"] - 0.6235) < 1e-3
    assert arrow.collapsed(c["critical_alpha"])
    assert arrow.collapsed(float("nan"))           # never crossed
    # its h = 32 and h = 64 crossed at epochs 95 and 96: not collapsed
    assert not arrow.collapsed(arrow.crossing(np.r_[-np.ones(94), 0.0], 120)["critical_alpha"])


def test_ratio_at_steps_interpolates_and_refuses_to_extrapolate():
    cv = pd.DataFrame({"steps": [10, 20, 30], "r": [np.nan, 0.4, 0.2]})
    assert arrow.ratio_at_steps(cv, 25) == pytest.approx(0.3)
    assert math.isnan(arrow.ratio_at_steps(cv, 15)) and math.isnan(arrow.ratio_at_steps(cv, 31))


def _data(n_runs=3, n_frames=12, n_disks=20, seed=0):
    vel = np.random.default_rng(seed).normal(size=(n_runs, n_frames, n_disks, 2))
    return PairData(torch.as_tensor(vel, dtype=torch.float32))


def _recording_grads(seen):
    """A grads function that trains the model like the fused pass but records the batch."""
    from thermolearn.paper_b.deepsets import autograd_pair_grads

    def grads(model, v0, v1, alpha, lam):
        seen.append(v0[:, 0, 0].clone())
        return autograd_pair_grads(model, v0, v1, alpha, lam)
    return grads


@pytest.mark.parametrize("steps", [2, 5, 12])
def test_an_epoch_takes_its_steps_from_successive_reshuffles(steps):
    """3 runs x 11 pairs in batches of 8: 4 batches a pass. 2 steps: the first two batches of
    one shuffle; 5 and 12: every pass uses each pair at most once, and the passes differ."""
    data = _data()
    s = TrainSettings(hidden=4, epochs=3, batch_size=8, steps_per_epoch=steps)
    torch.manual_seed(0)
    model = DeepSets(4)
    seen = []
    run_epoch(model, torch.optim.Adam(model.parameters()), data, s, 0,
              torch.Generator().manual_seed(1), grads=_recording_grads(seen))
    assert len(seen) == steps and all(len(b) == 8 for b in seen)
    passes = [torch.cat(seen[k:k + 4]) for k in range(0, steps, 4)]
    for p in passes:
        assert len(torch.unique(p)) == len(p)             # no pair twice within a pass
    if steps > 4:
        assert not torch.equal(passes[0][:len(passes[1])], passes[1])


def test_epoch_log_satisfies_the_loss_identities():
    """L_alpha - L_1 = (1 - alpha) P, L_alpha = -(alpha P - N) + lambda Q, <dh> = P - N."""
    data = _data(n_frames=30)
    s = TrainSettings(hidden=8, epochs=4, batch_size=16, steps_per_epoch=9)
    torch.manual_seed(3)
    model = DeepSets(8)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    for e in range(3):
        row = run_epoch(model, opt, data, s, e, torch.Generator().manual_seed(e))
        a, p, n, q = row["alpha"], row["mean_dh_pos"], row["mean_dh_neg"], row["mean_dh_sq"]
        assert p > 0 and n > 0 and q > 0
        assert row["tilted_loss"] - row["untilted_loss"] == pytest.approx((1 - a) * p, abs=1e-6)
        assert row["tilted_loss"] == pytest.approx(-(a * p - n) + s.lambda_reg * q, abs=1e-6)
        assert row["mean_dh"] == pytest.approx(p - n, abs=1e-6)
    dh = torch.tensor([0.5, -0.25, 1.0])
    assert float(tilted_loss(dh, 0.4, 0.2)) == pytest.approx(-(0.4 * 0.5 - 0.25 / 3)
                                                             + 0.2 * (0.25 + 0.0625 + 1) / 3)


def test_initialisation_seed_differs_across_runs_and_replicas():
    seeds = {init_seed(7, 16, n, k) for n in (8, 16, 32) for k in (0, 1)}
    assert len(seeds) == 6
    assert init_seed(7, 16, 32, 0) == init_seed(7, 16, 32, 0)
    assert init_seed(7, 32, 32, 0) != init_seed(7, 16, 32, 0)


def test_the_config_gives_the_papers_487_steps(paper_config):
    t = paper_config["paper_b"]["train"]
    assert t["steps_per_epoch"] == 487 == 500 * 499 // t["batch_size"]
    assert TrainSettings.from_config(paper_config["paper_b"], 16).steps(10_000) == 487


def test_table2_puts_our_crossing_beside_the_published_r_at_the_same_steps(tmp_path):
    from thermolearn.paper_b.deepsets import alpha_schedule
    from thermolearn.paper_b.evaluate import table2

    e = np.arange(1, 121)
    loss = np.where(e < 95, -1e-3, 1e-5)                       # crosses at epoch 95
    log = pd.DataFrame({"epoch": e, "steps": 31 * e,
                        "alpha": [alpha_schedule(k - 1, 120) for k in e],
                        "tilted_loss": loss, "untilted_loss": loss - 1e-3,
                        "mean_dh_pos": 1.0, "mean_dh_neg": 0.4})
    log.to_csv(tmp_path / "h16_log.csv", index=False)
    t = table2([tmp_path / "h16_log.csv"], [16], [REF_DIR / reference.LOG_FILE],
               tmp_path / "t2.csv").set_index(["source", "hidden"])
    ours = t.loc[("ours", 16)]
    assert ours.steps_per_epoch == 31 and ours.critical_steps == 95 * 31
    assert ours.critical_alpha == pytest.approx(0.368, abs=5e-4) and ours.r_at_crossing == 0.4
    curves = arrow.paper_ratio_curve(reference.parse_training_log(REF_DIR / reference.LOG_FILE))
    assert ours.paper_r_at_steps == arrow.ratio_at_steps(curves[curves.hidden == 16], 2945)
    assert 0.36 < ours.paper_r_at_steps < 0.38               # the paper's h = 16 at ~6 epochs
    for h, (epoch, alpha) in ISSUE_CROSSING.items():
        ref = t.loc[("ref_log", h)]
        assert ref.critical_epoch == epoch and ref.steps_per_epoch == 487
        assert abs(ref.r_at_crossing - alpha) < 0.006       # r there, from the losses
        assert t.loc[("paper", h)].critical_alpha == pytest.approx(alpha, abs=5e-4)
