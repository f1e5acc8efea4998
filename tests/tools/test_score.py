"""`thermolearn score`: S~ of every state of an image array, with the shipped network or a given one.

The shipped network (``thermolearn.paper_a.siamese.infer.SHIPPED_DIR``) comes with 8 states of
one test process of the run that trained it and the scores that run's scoring job gave them.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from thermolearn.io import ArtifactError
from thermolearn.paper_a.siamese.infer import SHIPPED_DIR, score_file

SAMPLE = SHIPPED_DIR / "sample.npy"
EXPECTED = pd.read_csv(SHIPPED_DIR / "sample.csv")


def test_shipped_network_reproduces_its_runs_scores():
    """The same weights on the same images give the run's S~ (float32 arithmetic: 1e-4)."""
    np.testing.assert_allclose(score_file(SAMPLE), EXPECTED.S.to_numpy(), rtol=1e-4, atol=1e-4)


def test_shipped_network_orders_a_process_as_s_vdw_does():
    """S~ rises with S_vdW over the process's states: Spearman 0.976 (one swap of 8, by hand)."""
    s = score_file(SAMPLE)
    rho = stats.spearmanr(s, EXPECTED.S_vdW).statistic
    assert rho > 0.9, rho
    assert s[np.argmin(EXPECTED.S_vdW)] < s[np.argmax(EXPECTED.S_vdW)]


def test_cli_prints_one_score_per_state():
    out = subprocess.run([sys.executable, "-m", "thermolearn", "score", str(SAMPLE)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "state\tS"
    got = np.array([float(line.split("\t")[1]) for line in out[1:]])
    np.testing.assert_allclose(got, EXPECTED.S.to_numpy(), rtol=1e-4, atol=1e-4)


def test_images_of_another_size_name_the_model(tmp_path):
    """32 px images against the 128 px network: an error naming the model, not a crash."""
    np.save(tmp_path / "small.npy", np.zeros((2, 5, 32, 32), np.uint8))
    with pytest.raises(ArtifactError, match="siamese.pt"):
        score_file(tmp_path / "small.npy")
    proc = subprocess.run([sys.executable, "-m", "thermolearn", "score", str(tmp_path / "small.npy")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "siamese.pt" in proc.stderr, proc.stderr
