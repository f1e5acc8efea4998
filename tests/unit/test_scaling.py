"""The scaling-study collector (docs/scaling.md): accuracy per N and the S_vdW ceiling of the
same test pairs, counted by hand on a small synthetic run directory."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from thermolearn.checks import load_config
from thermolearn.paper_a.design import make_design
from thermolearn.paper_a.entropy import vdw_entropy
from thermolearn.paper_a.scaling import collect, read_table_md, recheck_point



def write_run(root, S_by_proc, U_by_proc, N_by_proc, V=4000.0):
    res = root
    (res / "paper_a/model").mkdir(parents=True)
    (res / "benchmarks/paper_a").mkdir(parents=True)
    rows = []
    for proc, S in S_by_proc.items():
        for k, (s, u) in enumerate(zip(S, U_by_proc[proc])):
            rows.append(dict(process=proc, state=k, split="test", N=N_by_proc[proc], U=u, V=V, S=s))
    pd.DataFrame(rows).to_csv(res / "paper_a/model/scores.csv", index=False)
    hist = [{"epoch": 1, "val_accuracy": 0.6, "val_loss": 0.7},
            {"epoch": 2, "val_accuracy": 0.8, "val_loss": 0.5}]
    (res / "paper_a/model/metrics.json").write_text(json.dumps({
        "test_accuracy": 0.5, "test_loss": 0.7, "test_pairs": 6, "n_processes": {"train": 4},
        "meta": {"config": {"size": 32}}, "amp": False, "epochs": 2, "best_epoch": 2,
        "train_pairs_per_epoch": 64, "history": hist}))
    pd.DataFrame([dict(split="test", N=n, r2=0.9 + n / 1e4, n_states=3)
                  for n in sorted(set(N_by_proc.values()))]).to_csv(
        res / "paper_a/entropy_fit.csv", index=False)
    (res / "benchmarks/paper_a/train.tsv").write_text("s\tcpu_time\n10.0\t7200.0\n")


def test_accuracy_per_n_and_ceiling_are_counted_over_the_same_pairs(tmp_path):
    # process a (N = 10): U rises, so S_vdW rises along time: the ceiling orders all 3 pairs;
    # the network's S~ gets pair (0, 2) and (1, 2) right, (0, 1) wrong -> 2/3
    # process b (N = 20): U falls at the last state: S_vdW misorders (0, 2) and (1, 2) -> 1/3;
    # the network is right on all three
    write_run(tmp_path, {"a": [1.0, 0.5, 2.0], "b": [0.0, 1.0, 2.0]},
              {"a": [10.0, 12.0, 14.0], "b": [20.0, 24.0, 19.0]}, {"a": 10, "b": 20})
    table, curves = collect({"run": tmp_path})
    row = table.iloc[0]
    assert row["acc_N10"] == pytest.approx(2 / 3)
    assert row["acc_N20"] == pytest.approx(1.0)
    assert row["ceiling_N10"] == pytest.approx(1.0)
    assert row["ceiling_N20"] == pytest.approx(1 / 3)
    assert row["ceiling"] == pytest.approx(4 / 6)
    assert row["fig7_r2_N20"] == pytest.approx(0.902)
    assert row["train_cpu_h"] == pytest.approx(2.0)
    assert row["pairs_seen"] == 128
    np.testing.assert_array_equal(curves["pairs_seen"], [64, 128])
    # the independent check of the ceiling: S_vdW of process b really falls at its last state
    s_b = vdw_entropy(20, np.array([20.0, 24.0, 19.0]), 4000.0, 1.0)
    assert s_b[2] < s_b[0] < s_b[1]


@pytest.mark.parametrize("point", sorted(p.stem for p in (REPO / "presets/study").glob("*.yaml")))
def test_every_study_preset_is_a_valid_config_on_its_base(point):
    # each point names its base in its first comment line (docs/scaling.md)
    text = (REPO / "presets/study" / f"{point}.yaml").read_text()
    named = re.search(r"overrides on top of (presets/\S+\.yaml)", text)
    base = named.group(1) if named else "presets/study/base.yaml"
    paths = [REPO / "config.yaml", REPO / base]
    if point != "base":
        paths.append(REPO / "presets/study" / f"{point}.yaml")
    config = load_config(*paths)
    assert len(make_design(config)) == config["paper_a"]["design"]["n_processes"]


def test_the_committed_study_table_reads_back():
    """The figure's earlier points come from the committed table: every row, numbers as
    numbers, an empty cell as NaN; a table with a short row is named, not half-read."""
    table = read_table_md(REPO / "docs/results/scaling_table.md")
    assert "repro_procs112" in set(table["name"])
    row = table.set_index("name").loc["repro"]
    assert row["train_processes"] == 56 and abs(row["test_accuracy"] - 0.940) < 1e-9
    assert np.isnan(table.set_index("name").loc["repro_procs112", "a1_r2"])


def test_a_short_row_is_named(tmp_path):
    bad = tmp_path / "t.md"
    bad.write_text("| name | a |\n|---|---|\n| x | 1 |\n| y |\n")
    with pytest.raises(ValueError, match="t.md"):
        read_table_md(bad)


def write_seed(folder, n_train, pairs_per_epoch, cpu_s):
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(
        {"n_processes": {"train": n_train}, "train_pairs_per_epoch": pairs_per_epoch}))
    (folder / "train.tsv").write_text(f"s\tcpu_time\n1.0\t{cpu_s}\n")


def test_a_recheck_point_reads_its_spread_and_its_seeds(tmp_path):
    """Mean and sd come from the spread table, the design from every seed's metrics (36 x 512
    pairs per epoch), the training CPU as the seeds' mean: (1800 + 3600) / 2 s = 0.75 h."""
    quantities = ["test loss", "test accuracy", "A1: reflexivity X ~ X'",
                  "Fig. 7: R^2 of S~ vs S_vdW, N=1000 (test states)",
                  "Fig. 7: R^2 of S~ vs S_vdW, N=2000 (test states)"]
    pd.DataFrame({"paper": "A", "quantity": quantities, "mean": [0.15, 0.93, 0.98, 0.97, 0.99],
                  "sd": [0.02, 0.01, 0.003, 0.004, 0.005]}).to_csv(tmp_path / "spread.csv",
                                                                    index=False)
    write_seed(tmp_path / "seed1", 36, 36 * 512, 1800.0)
    write_seed(tmp_path / "seed2", 36, 36 * 512, 3600.0)
    row = recheck_point("36 x 512", tmp_path)
    assert (row["train_processes"], row["pairs_per_process"], row["seeds"]) == (36, 512, 2)
    assert row["train_cpu_h"] == pytest.approx(0.75)
    assert row["test accuracy mean"] == 0.93 and row["Fig. 7 N=2000 sd"] == 0.005
    assert row["A1 mean"] == 0.98
    write_seed(tmp_path / "seed3", 72, 72 * 256, 3600.0)  # another design among the seeds
    with pytest.raises(ValueError, match="different designs"):
        recheck_point("mixed", tmp_path)
