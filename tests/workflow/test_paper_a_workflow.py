"""Paper A end to end on the smoke preset: MD -> images -> training -> scores -> Fig. 7.

Runs Snakemake in a scratch copy of the repo and checks the numbers of the training and entropy
artifacts (reruns after edits: tests/workflow/test_reruns.py).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from conftest import clone_run, snakemake
from thermolearn.checks import load_config
from thermolearn.paper_a.siamese.infer import load_model, score_images

pytestmark = pytest.mark.workflow

SMOKE = ["--configfile", "presets/smoke.yaml"]
TARGETS = [
    "results/smoke/paper_a/model/metrics.json",
    "results/smoke/paper_a/model/scores.csv",
    "results/smoke/paper_a/figures/training_curve.png",
    "results/smoke/paper_a/figures/fig7.png",
    "results/smoke/paper_a/entropy_fit.csv",
    "results/smoke/paper_a/figures/accuracy_vs_entropy_gap.png",
]


@pytest.fixture(scope="module")
def trained(smoke_run, tmp_path_factory):
    """A private copy of the session's smoke run (the tests below edit its sources)."""
    wd = clone_run(smoke_run, tmp_path_factory.mktemp("repo"))
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    snakemake(wd, *TARGETS, *SMOKE, timeout=1500)  # up to date: nothing to do
    return wd, config


def test_metrics_are_sane(trained):
    wd, config = trained
    m = json.loads((wd / "results/smoke/paper_a/model/metrics.json").read_text())
    states = pd.read_csv(wd / "results/smoke/paper_a/states.csv")
    assert math.isfinite(m["test_loss"]) and m["test_loss"] > 0
    assert 0.0 <= m["test_accuracy"] <= 1.0
    assert m["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    assert 1 <= m["epochs"] <= config["paper_a"]["train"]["max_epochs"]
    assert len(m["history"]) == m["epochs"]
    assert all(math.isfinite(h["val_loss"]) for h in m["history"])
    # the test metrics cover every pair of states of every test process
    n_test = states[states.split == "test"].groupby("process").size()
    assert m["test_pairs"] == int((n_test * (n_test - 1) // 2).sum())
    assert m["meta"]["config"]["train"] == config["paper_a"]["train"]
    # the checkpoint is removed once the outputs exist (a later rerun starts afresh)
    assert not (wd / "results/smoke/paper_a/model/checkpoint.pt").exists()
    assert "train siamese" in (wd / "results/smoke/logs/paper_a/train.log").read_text()


def test_scores_cover_every_state_and_match_the_model(trained):
    wd, config = trained
    states = pd.read_csv(wd / "results/smoke/paper_a/states.csv")
    scores = pd.read_csv(wd / "results/smoke/paper_a/model/scores.csv")
    assert list(scores.columns) == list(states.columns) + ["S"]
    pd.testing.assert_frame_equal(scores[states.columns], states)
    assert np.isfinite(scores.S).all()
    # independent recomputation for one process through the public interface
    pa = config["paper_a"]
    model = load_model(wd / "results/smoke/paper_a/model/siamese.pt", pa["render"]["size"],
                       pa["protocol"]["n_frames"])
    proc = scores.process.iloc[-1]
    img = np.load(wd / f"results/smoke/paper_a/images/{proc}.npy", mmap_mode="r")
    mine = scores[scores.process == proc].sort_values("state").S.to_numpy()
    np.testing.assert_allclose(score_images(model, img), mine, rtol=1e-4, atol=1e-5)


def test_entropy_fit_table(trained):
    """entropy_fit.csv against a fit computed here from scores.csv: S_vdW written out from its
    formula, the line from scipy's linregress, R^2 as the squared Pearson correlation."""
    wd, config = trained
    fits = pd.read_csv(wd / "results/smoke/paper_a/entropy_fit.csv")
    scores = pd.read_csv(wd / "results/smoke/paper_a/model/scores.csv")
    R = config["paper_a"]["gas"]["R"]
    test = fits[fits.split == "test"]
    assert sorted(test.N) == sorted(config["paper_a"]["design"]["N"])
    for row in test.itertuples():
        s = scores[(scores.split == "test") & (scores.N == row.N)]
        N, U, V = (s[c].to_numpy(float) for c in ("N", "U", "V"))
        s_vdw = N * np.log(U / N * (V / N - 2 * np.pi * R**2))
        assert row.n_states == len(s)
        if np.ptp(s_vdw) == 0:
            continue
        lr = stats.linregress(s_vdw, s["S"].to_numpy(float))
        np.testing.assert_allclose([row.slope, row.intercept], [lr.slope, lr.intercept],
                                   rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(row.r2, lr.rvalue**2, rtol=1e-6, atol=1e-12)
        # S^ = alpha S~ + beta inverts the line: it maps the fitted line onto S_vdW
        np.testing.assert_allclose(row.alpha * (lr.slope * s_vdw + lr.intercept) + row.beta,
                                   s_vdw, rtol=1e-9, atol=1e-6)
        rmse = np.sqrt(np.mean((row.alpha * s["S"].to_numpy(float) + row.beta - s_vdw) ** 2))
        np.testing.assert_allclose(row.rmse_hat, rmse, rtol=1e-6)




def test_score_command_on_the_smoke_run(trained):
    """`thermolearn score IMAGES.npy --model siamese.pt` gives the scoring job's S~ of a test
    process, state by state."""
    import subprocess
    import sys

    wd, _ = trained
    scores = pd.read_csv(wd / "results/smoke/paper_a/model/scores.csv")
    proc = scores[scores.split == "test"].process.iloc[0]
    out = subprocess.run(
        [sys.executable, "-m", "thermolearn", "score", f"results/smoke/paper_a/images/{proc}.npy",
         "--model", "results/smoke/paper_a/model/siamese.pt"],
        cwd=wd, capture_output=True, text=True, check=True).stdout.splitlines()
    got = np.array([float(line.split("\t")[1]) for line in out[1:]])
    mine = scores[scores.process == proc].sort_values("state").S.to_numpy()
    np.testing.assert_allclose(got, mine, rtol=1e-4, atol=1e-5)
