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
        size, epochs, pairs seen, training CPU-hours; the network's ``config_hash`` and
        ``code_version`` (its ``metrics.json``).
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
           "train_cpu_h": cpu_seconds(res / "benchmarks/paper_a/train.tsv") / 3600,
           "config_hash": m["meta"].get("config_hash"),
           "code_version": m["meta"].get("thermolearn_version")}
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



def read_table_md(path: str | Path) -> pd.DataFrame:
    """The study table as ``analysis/scaling_study.py`` wrote it (markdown, one row per point):
    the numbers of points whose artifacts are no longer kept."""
    lines = [ln.strip() for ln in Path(path).read_text().splitlines() if ln.strip().startswith("|")]
    if len(lines) < 3 or set(lines[1].replace("|", "")) - set("-: "):
        raise ValueError(f"{path}: not a markdown table (header, separator, rows)")
    cols = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[2:]]
    if any(len(r) != len(cols) for r in rows):
        raise ValueError(f"{path}: a row has another number of cells than the header")
    df = pd.DataFrame(rows, columns=cols)
    for c in df.columns:
        if c not in ("name", "amp"):
            df[c] = pd.to_numeric(df[c].replace({"": None, "nan": None}), errors="raise")
    return df


# the rows of the balanced recheck (issue 25): short name -> start of the spread table's quantity
RECHECK_ROWS = {
    "test accuracy": "test accuracy",
    "test loss": "test loss",
    "Fig. 7 N=1000": "Fig. 7: R^2 of S~ vs S_vdW, N=1000",
    "Fig. 7 N=2000": "Fig. 7: R^2 of S~ vs S_vdW, N=2000",
    "A1": "A1: reflexivity",
}


def recheck_point(label: str, folder: str | Path) -> dict:
    """One point of the balanced process-count recheck from a committed run folder.

    The folder holds ``spread.csv`` (``thermolearn spread``: each row over the seeds) and, for
    every seed, anywhere under it, ``metrics.json`` and the training job's benchmark
    ``train.tsv``.

    Returns
    -------
    dict
        ``name``, ``train_processes``, ``pairs_per_process`` (per epoch), ``seeds``,
        ``train_cpu_h`` (mean over the seeds), and ``<row> mean`` / ``<row> sd`` for each of
        :data:`RECHECK_ROWS`.
    """
    folder = Path(folder)
    spread = pd.read_csv(folder / "spread.csv")
    metrics = sorted(folder.rglob("metrics.json"))
    tsvs = sorted(folder.rglob("train.tsv"))
    if not metrics or len(tsvs) != len(metrics):
        raise ValueError(f"{folder}: needs one metrics.json and one train.tsv per seed "
                         f"(found {len(metrics)} and {len(tsvs)})")
    designs = set()
    for m_path in metrics:
        m = json.loads(m_path.read_text())
        n_train = int(m["n_processes"]["train"])
        designs.add((n_train, int(m["train_pairs_per_epoch"]) / n_train))
    if len(designs) != 1:
        raise ValueError(f"{folder}: its seeds trained on different designs {sorted(designs)}")
    (n_train, per_process), = designs
    row = {"name": label, "train_processes": n_train, "pairs_per_process": per_process,
           "seeds": len(metrics),
           "train_cpu_h": sum(cpu_seconds(t) for t in tsvs) / len(tsvs) / 3600}
    for key, prefix in RECHECK_ROWS.items():
        hit = spread[spread["quantity"].str.startswith(prefix)]
        if len(hit) != 1:
            raise ValueError(f"{folder / 'spread.csv'}: {len(hit)} rows start with {prefix!r}")
        row[f"{key} mean"] = float(hit["mean"].iloc[0])
        row[f"{key} sd"] = float(hit["sd"].iloc[0])
    return row
