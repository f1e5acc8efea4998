"""The scaling study of Paper A's training (docs/scaling.md): one row per workflow run.

Each study point is a real, seeded workflow run from a preset; :func:`collect_point` reads what
that run's artifacts already hold and derives, for the same test pairs, the network's accuracy
per N and the S_vdW ceiling (the fraction of test pairs whose later state has the higher
S_vdW). Nothing here trains or scores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .axioms.analyses import r2_identity
from .entropy import pair_gaps


def cpu_seconds(benchmark_tsv: str | Path) -> float:
    """CPU time (s) of one Snakemake job from its ``benchmark:`` file (``cpu_time`` column)."""
    return float(pd.read_csv(benchmark_tsv, sep="\t")["cpu_time"].iloc[-1])


def collect_point(name: str, run_dir: str | Path, R: float = 1.0) -> tuple[dict, pd.DataFrame]:
    """One study point from the results folder of a finished run (``results/<preset>/``).

    Returns
    -------
    row : dict
        ``name``, test loss and accuracy, accuracy and S_vdW ceiling per N (``acc_N<n>``,
        ``ceiling_N<n>``) and pooled (``ceiling``), Fig. 7 R^2 per N on the test states
        (``fig7_r2_N<n>``), A1 R^2 (``a1_r2``, if the run has it), training processes, image
        size, epochs, pairs seen, training CPU-hours.
    curve : DataFrame
        The validation learning curve: ``name, epoch, pairs_seen, val_accuracy, val_loss``.
    """
    res = Path(run_dir)
    m = json.loads((res / "paper_a/model/metrics.json").read_text())
    scores = pd.read_csv(res / "paper_a/model/scores.csv")
    pairs = pair_gaps(scores, R)
    per_epoch = int(m["train_pairs_per_epoch"])
    row = {"name": name, "test_accuracy": m["test_accuracy"], "test_loss": m["test_loss"],
           "test_pairs": m["test_pairs"], "ceiling": float((pairs["gap"] > 0).mean()),
           "train_processes": m["n_processes"]["train"], "size": m["meta"]["config"]["size"],
           "amp": m["amp"], "epochs": m["epochs"], "best_epoch": m["best_epoch"],
           "pairs_seen": m["epochs"] * per_epoch,
           "train_cpu_h": cpu_seconds(res / "benchmarks/paper_a/train.tsv") / 3600}
    for n, grp in pairs.groupby("N"):
        row[f"acc_N{n}"] = float(grp["correct"].mean())
        row[f"ceiling_N{n}"] = float((grp["gap"] > 0).mean())
    fits = pd.read_csv(res / "paper_a/entropy_fit.csv")
    for r in fits[fits["split"] == "test"].itertuples():
        row[f"fig7_r2_N{r.N}"] = float(r.r2)
    a1 = res / "paper_a/axioms/a1.csv"
    if a1.exists():
        d = pd.read_csv(a1)
        row["a1_r2"] = float(r2_identity(d["S"], d["S_rerun"]))
    hist = pd.DataFrame(m["history"])
    curve = pd.DataFrame({"name": name, "epoch": hist["epoch"],
                          "pairs_seen": hist["epoch"] * per_epoch,
                          "val_accuracy": hist["val_accuracy"], "val_loss": hist["val_loss"]})
    return row, curve


def collect(points: dict[str, str | Path], R: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All points (name -> run directory): the table and the learning curves."""
    rows, curves = [], []
    for name, run_dir in points.items():
        row, curve = collect_point(name, run_dir, R)
        rows.append(row)
        curves.append(curve)
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)

