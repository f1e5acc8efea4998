"""Runs that survive faults: a hard kill mid-run, then a rerun, gives the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_repo, snakemake
from thermolearn.checks import load_config
from thermolearn.io import artifact_checksum
from thermolearn.paper_a.design import make_design

pytestmark = pytest.mark.workflow


def md_targets(wd: Path) -> list[str]:
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    return [f"results/smoke/paper_a/md/{p}.npz" for p in make_design(config).process]


def kill_when(wd: Path, args: list[str], ready, timeout: float = 600) -> None:
    """Start Snakemake in its own process group; SIGKILL the whole tree once ``ready()``."""
    proc = subprocess.Popen([sys.executable, "-m", "snakemake", *args], cwd=wd, env=os.environ,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    t0 = time.time()
    try:
        while not ready():
            if proc.poll() is not None:
                pytest.fail("the run finished before it could be interrupted")
            if time.time() - t0 > timeout:
                pytest.fail("the run never reached the point of interruption")
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(autouse=True)
def fixed_code_version(monkeypatch):
    """Both runs record the same code version even if the checkout changes in between."""
    monkeypatch.setenv("THERMOLEARN_CODE_VERSION", "fault-test")


def test_md_killed_mid_run_resumes_to_identical_artifacts(tmp_path):
    ref = copy_repo(tmp_path / "ref", link_src=True)
    wd = copy_repo(tmp_path / "killed", link_src=True)
    targets = md_targets(wd)
    # longer holds than the smoke preset's, so the kill lands inside a running MD job
    slow = tmp_path / "slow.yaml"
    slow.write_text("paper_a:\n  protocol:\n    t_hold: 60.0\n")
    presets = ["--configfile", "presets/smoke.yaml", str(slow)]
    md_dir = wd / "results" / "smoke" / "paper_a" / "md"
    logs = wd / "results" / "smoke" / "logs" / "paper_a" / "md"

    def mid_md():
        done = list(md_dir.glob("p*.npz")) if md_dir.exists() else []
        started = list(logs.glob("*.log")) if logs.exists() else []
        return len(done) >= 2 and len(started) > len(done)

    kill_when(wd, ["--cores", "1", *targets, *presets], mid_md)
    finished = {p.name for p in md_dir.glob("p*.npz")}
    assert 2 <= len(finished) < len(targets)
    # a killed Snakemake leaves its lock: the user's documented step is --unlock, then rerun
    snakemake(wd, "--unlock", *targets, *presets)
    snakemake(wd, *targets, *presets)
    snakemake(ref, *targets, *presets)
    for t in targets:
        assert artifact_checksum(wd / t) == artifact_checksum(ref / t), t
    assert not list(md_dir.glob(".*")), "temporary files left behind"


def test_training_killed_mid_run_resumes_from_its_checkpoint(smoke_clone, tmp_path):
    """SIGKILL during training after the first epoch's checkpoint; the rerun resumes from it and
    ends with the weights of an uninterrupted training."""
    import json

    import torch

    wd = smoke_clone  # MD and images are done; the changed training settings rerun training
    longer = tmp_path / "longer.yaml"  # a few epochs of a second or more, so a kill lands mid-run
    longer.write_text("paper_a:\n  train:\n    max_epochs: 4\n    patience: 4\n"
                      "    pairs_per_process: 128\n")
    presets = ["--configfile", "presets/smoke.yaml", str(longer)]
    model_dir = wd / "results" / "smoke" / "paper_a" / "model"
    target = "results/smoke/paper_a/model/metrics.json"
    kill_when(wd, ["--cores", "2", target, *presets], (model_dir / "checkpoint.pt").exists)
    assert not (model_dir / "siamese.pt").exists()
    snakemake(wd, "--unlock", target, *presets)
    snakemake(wd, target, *presets)
    resumed = json.loads((model_dir / "metrics.json").read_text())
    assert resumed["resumed_from_epoch"] >= 1
    assert "resuming from" in (wd / "results" / "smoke" / "logs" / "paper_a" / "train.log").read_text()
    w_resumed = torch.load(model_dir / "siamese.pt", weights_only=True)

    # the same training uninterrupted, in the same copy
    for f in model_dir.iterdir():
        f.unlink()
    snakemake(wd, target, *presets)
    fresh = json.loads((model_dir / "metrics.json").read_text())
    assert fresh["resumed_from_epoch"] == 0
    w_fresh = torch.load(model_dir / "siamese.pt", weights_only=True)
    assert w_fresh.keys() == w_resumed.keys()
    for k in w_fresh:
        assert torch.equal(w_fresh[k], w_resumed[k]), k
    for key in ("test_loss", "test_accuracy", "best_epoch", "epochs", "val_loss"):
        assert fresh[key] == resumed[key], key
