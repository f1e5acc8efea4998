"""Paper B through Snakemake on the smoke preset, in a scratch copy of the repo.

Runs the branch's targets (Figs. 2, 3, 5, training curves, Tables 2 and 3) and checks the numbers
in what it produced: H(0) of every run, the logged losses against Table 2, finite Table 3 rows
for every width and split (and the published weights when present), and that a training
config change reruns exactly the training and what depends on it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, clone_run, dry_run, job_counts, snakemake
from thermolearn.checks import load_config
from thermolearn.paper_b.hfunc import h_delta_peak
from thermolearn.paper_b.runs import RunPlan, load_runs
from thermolearn.paper_b.train import critical_epoch

pytestmark = pytest.mark.workflow

REF_DIR = REPO / "data" / "reference" / "lier2025"
PB = "results/smoke/paper_b"
TARGETS = [f"{PB}/figures/fig2_frame_rate.png", f"{PB}/figures/fig3_speed_distribution.png",
           f"{PB}/figures/fig5_h_vs_models.png", f"{PB}/figures/training_curves.png",
           f"{PB}/tables/table2.csv", f"{PB}/tables/table3.csv"]


@pytest.fixture(scope="module")
def smoke(smoke_run, tmp_path_factory):
    """A private copy of the session's smoke run with the published weights (in the repo; the
    smoke preset leaves them out), which reruns only the jobs that read them."""
    wd = clone_run(smoke_run, tmp_path_factory.mktemp("repo"))
    presets = [str(wd / "presets" / "smoke.yaml")]
    extra = wd / "ref.yaml"
    extra.write_text(f"paper_b:\n  reference_dir: {REF_DIR}\n")
    presets.append(str(extra))
    snakemake(wd, *TARGETS, "--configfile", *presets)
    config = load_config(wd / "config.yaml", *presets)
    return wd, config, presets


def test_paper_scale_plans_three_training_jobs_and_eleven_run_files(smoke):
    wd = smoke[0]
    paper = [t.replace("results/smoke/", "results/paper/") for t in TARGETS]  # config.yaml alone
    counts = job_counts(dry_run(wd, *paper))
    assert counts["paper_b_train"] == 3
    assert counts["paper_b_simulate"] == 11  # 550 runs, 50 per file


def test_runs_start_from_the_delta_peak_and_relax(smoke):
    wd, config, _ = smoke
    pb = config["paper_b"]
    plan = RunPlan.from_config(pb)
    files = [wd / PB / "runs" / f"b{k:03d}.npz" for k in range(plan.n_files)]
    data = load_runs(files, config["seed"], pb, arrays=("H_rf", "vel_rfnd", "coll_rf"))
    assert data["H_rf"].shape == (plan.n_runs, pb["runs"]["n_frames"] + 1)
    np.testing.assert_allclose(data["H_rf"][:, 0], h_delta_peak(pb["gas"]["speed"]), rtol=1e-12)
    assert (data["H_rf"][:, -1] < data["H_rf"][:, 0] - 0.5).all()  # H fell
    assert data["heldout_r"].sum() == pb["runs"]["n_heldout"]
    speed_rn = np.hypot(*np.moveaxis(data["vel_rfnd"][:, 0].astype(np.float64), -1, 0))
    np.testing.assert_allclose(speed_rn, pb["gas"]["speed"], rtol=1e-6)
    assert data["coll_rf"][:, 1:].sum() > 0


def test_table2_agrees_with_the_logged_losses(smoke):
    wd, config, _ = smoke
    t2 = pd.read_csv(wd / PB / "tables" / "table2.csv")
    ours = t2[t2["source"] == "ours"].set_index("hidden")
    assert sorted(ours.index) == sorted(config["paper_b"]["train"]["hidden"])
    for h in ours.index:
        log = pd.read_csv(wd / PB / "models" / f"h{h}_log.csv")
        assert len(log) == config["paper_b"]["train"]["epochs"]
        assert ours.loc[h, "final_tilted_loss"] == log["tilted_loss"].iloc[-1]
        assert ours.loc[h, "final_untilted_loss"] == log["untilted_loss"].iloc[-1]
        ce = critical_epoch(log["tilted_loss"])
        assert (math.isnan(ce) and math.isnan(ours.loc[h, "critical_epoch"])) or \
            ours.loc[h, "critical_epoch"] == ce
        # epoch 1 is untilted (alpha = 1): both losses agree there
        assert log["alpha"].iloc[0] == 1.0
        assert log["tilted_loss"].iloc[0] == pytest.approx(log["untilted_loss"].iloc[0])
        assert (log["tilted_loss"] >= log["untilted_loss"] - 1e-12).all()
    paper = t2[t2["source"] == "paper"]
    assert paper["critical_epoch"].tolist() == [95, 105, 111]
    ref = t2[t2["source"] == "ref_log"]
    assert ref["critical_epoch"].tolist() == [95, 105, 111]


def test_table3_has_finite_rows_for_every_width_and_split(smoke):
    wd, config, _ = smoke
    t3 = pd.read_csv(wd / PB / "tables" / "table3.csv")
    sources = ["ours", "ref"]
    for source in sources:
        for h in config["paper_b"]["train"]["hidden"]:
            for split, n in (("train", config["paper_b"]["runs"]["n_train"]),
                             ("heldout", config["paper_b"]["runs"]["n_heldout"])):
                row = t3[(t3["source"] == source) & (t3["hidden"] == h) & (t3["runs"] == split)]
                assert len(row) == 1 and row["n_runs"].item() == n
                vals = row[["mse_mean", "a_mean", "b_mean", "a_cv", "b_cv"]].to_numpy()
                assert np.isfinite(vals).all()
                assert row["mse_mean"].item() >= 0


def test_table3_records_the_run_length_for_the_scale_aware_rows(smoke):
    wd, config, _ = smoke
    t3 = pd.read_csv(wd / PB / "tables" / "table3.csv")
    assert (t3[t3["source"] != "paper"]["n_frames"] == config["paper_b"]["runs"]["n_frames"]).all()
    assert (t3[t3["source"] == "paper"]["n_frames"] == 500).all()


def test_summary_markdown_is_generated_from_the_runs_artifacts(smoke):
    from thermolearn.io import load_npz
    from thermolearn.report.paper_b_summary import job_times, markdown

    wd, config, _ = smoke
    res = wd / "results" / "smoke"
    md = markdown(res, "smoke")
    meta, _ = load_npz(wd / PB / "runs" / "b000.npz", arrays=False)
    assert meta["config_hash"] in md and meta["thermolearn_version"] in md
    assert "never recompute H" in meta["note"]            # what `thermolearn inspect` shows
    t3 = pd.read_csv(wd / PB / "tables" / "table3.csv")
    for v in t3["mse_mean"]:
        assert f"{v:.4g}" in md
    times = job_times(res)
    n_train = len(config["paper_b"]["train"]["hidden"])
    assert (times["job"].str.startswith("train_h")).sum() == n_train
    assert (times["cpu_s"] > 0).all()


def test_training_change_reruns_exactly_the_dependent_jobs(smoke):
    wd, _, presets = smoke
    assert dry_run(wd, *TARGETS, configfiles=presets) == []
    extra = wd / "lr.yaml"
    extra.write_text("paper_b:\n  train:\n    lr: 1.0e-3\n")
    counts = job_counts(dry_run(wd, *TARGETS, configfiles=[*presets, str(extra)]))
    assert counts.get("paper_b_simulate", 0) == 0 and counts.get("paper_b_fig3", 0) == 0
    assert counts["paper_b_train"] == 3 and counts["paper_b_table3"] == 1
    assert counts["paper_b_fig5"] == 1 and counts["paper_b_table2"] == 1
