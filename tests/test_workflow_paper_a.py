"""Paper A end to end on the smoke preset: MD -> images -> training -> scores -> Fig. 7.

Runs Snakemake in a scratch copy of the repo and checks the numbers of the training and entropy
artifacts, and that an edit of plotting code reruns only the plot.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import clone_run, job_counts, snakemake
from thermolearn.config import load_config
from thermolearn.paper_a.siamese.infer import load_model, score_images

pytestmark = pytest.mark.workflow

SMOKE = ["--configfile", "presets/smoke.yaml"]
TARGETS = [
    "results/paper_a/model/metrics.json",
    "results/paper_a/model/scores.csv",
    "results/paper_a/figures/training_curve.png",
    "results/paper_a/figures/fig7.png",
    "results/paper_a/entropy_fit.csv",
    "results/paper_a/figures/accuracy_vs_entropy_gap.png",
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
    m = json.loads((wd / "results/paper_a/model/metrics.json").read_text())
    states = pd.read_csv(wd / "results/paper_a/states.csv")
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
    assert not (wd / "results/paper_a/model/checkpoint.pt").exists()
    assert "train siamese" in (wd / "results/logs/paper_a/train.log").read_text()


def test_scores_cover_every_state_and_match_the_model(trained):
    wd, config = trained
    states = pd.read_csv(wd / "results/paper_a/states.csv")
    scores = pd.read_csv(wd / "results/paper_a/model/scores.csv")
    assert list(scores.columns) == list(states.columns) + ["S"]
    pd.testing.assert_frame_equal(scores[states.columns], states)
    assert np.isfinite(scores.S).all()
    # independent recomputation for one process through the public interface
    pa = config["paper_a"]
    model = load_model(wd / "results/paper_a/model/siamese.pt", pa["render"]["size"],
                       pa["protocol"]["n_frames"])
    proc = scores.process.iloc[-1]
    img = np.load(wd / f"results/paper_a/images/{proc}.npy", mmap_mode="r")
    mine = scores[scores.process == proc].sort_values("state").S.to_numpy()
    np.testing.assert_allclose(score_images(model, img), mine, rtol=1e-4, atol=1e-5)


def test_entropy_fit_table(trained):
    wd, config = trained
    fits = pd.read_csv(wd / "results/paper_a/entropy_fit.csv")
    test = fits[fits.split == "test"]
    assert sorted(test.N) == sorted(config["paper_a"]["design"]["N"])
    ok = test.r2.notna()
    assert ((test.r2[ok] >= 0) & (test.r2[ok] <= 1)).all()
    np.testing.assert_allclose(test.alpha[ok] * test.slope[ok], 1.0)


def own_sources(wd):
    """Make the copy's ``src`` (by default a symlink to the checkout, see ``copy_repo``) a real
    copy, so that editing it leaves the checkout alone (mtimes kept: nothing else changes)."""
    src = wd / "src"
    if src.is_symlink():
        target = src.resolve()
        src.unlink()
        shutil.copytree(target, src, ignore=shutil.ignore_patterns("__pycache__"))


def edit(path):
    """A real source edit (Snakemake compares checksums: a bare touch is not a change)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n# edited by a test\n")
    later = time.time() + 5
    os.utime(path, (later, later))


def test_plot_edit_reruns_only_the_plot(trained):
    wd, _ = trained
    assert job_counts(snakemake(wd, "-n", *TARGETS, *SMOKE).stdout) == {}
    own_sources(wd)
    assert job_counts(snakemake(wd, "-n", *TARGETS, *SMOKE).stdout) == {}
    edit(wd / "src/thermolearn/paper_a/entropy.py")
    counts = job_counts(snakemake(wd, "-n", *TARGETS, *SMOKE).stdout)
    counts.pop("total", None)
    assert counts == {"paper_a_fig7": 1, "paper_a_fig7_gap": 1}
    edit(wd / "src/thermolearn/paper_a/siamese/plots.py")
    counts = job_counts(snakemake(wd, "-n", "results/paper_a/figures/training_curve.png",
                                  *SMOKE).stdout)
    counts.pop("total", None)
    assert counts == {"paper_a_train_curve": 1}
