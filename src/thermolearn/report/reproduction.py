"""The reproduction table: each number Paper A and Paper B state, ours beside it, a pass/fail.

Tolerances (what we hold ourselves to) are one-sided where beating the paper is no failure:

- Paper A test loss: at most the paper's + 0.05; test accuracy: at least the paper's - 0.03.
- Paper A axioms (agreement rates and R^2 of the axioms table): at least the paper's - 0.02.
- Paper B Table 2: critical epoch within 15 epochs of the paper's; final tilted loss >= 0 (the
  tilted loss has crossed zero) and final untilted loss <= 0 (the learned h increases along
  trajectories), both of magnitude below 1e-2 (the paper's are 1e-5 to 1e-3).
- Paper B Table 3: mean MSE of the affine fit at most 3x the paper's, CV of a and b at most 2x the
  paper's (for our models on training and held-out runs, and for the published weights on our
  runs). The means of a and b fix an arbitrary scale of the learned h: shown, not judged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import write_csv, write_text

COLUMNS = ["paper", "quantity", "ours", "reference", "tolerance", "pass", "n", "source"]


def _row(paper, quantity, ours, ref, tol_text, ok, n="", source=""):
    ok_val = "" if ok is None else ("pass" if bool(ok) and np.isfinite(ours) else "FAIL")
    return dict(paper=paper, quantity=quantity, ours=float(ours), reference=float(ref),
                tolerance=tol_text, **{"pass": ok_val}, n=n, source=source)


def paper_a_rows(metrics_path, axioms_csv) -> list[dict]:
    """Rows from the siamese metrics file and the axioms table."""
    m = json.loads(Path(metrics_path).read_text())
    paper = m.get("paper", {"loss": 0.1041, "accuracy": 0.9534})
    n = m.get("test_pairs", "")
    rows = [
        _row("A", "test loss", m["test_loss"], paper["loss"], "<= paper + 0.05",
             m["test_loss"] <= paper["loss"] + 0.05, n, "results/paper_a/model/metrics.json"),
        _row("A", "test accuracy", m["test_accuracy"], paper["accuracy"], ">= paper - 0.03",
             m["test_accuracy"] >= paper["accuracy"] - 0.03, n,
             "results/paper_a/model/metrics.json"),
    ]
    ax = pd.read_csv(axioms_csv)
    for r in ax.itertuples():
        if not np.isfinite(r.paper):
            continue
        ours = float(r.ours) if np.isfinite(r.ours) else np.nan
        rows.append(_row("A", f"{r.axiom}: {r.claim} ({r.measure})", ours, r.paper,
                         ">= paper - 0.02", np.isfinite(ours) and ours >= r.paper - 0.02,
                         int(r.n_samples) if np.isfinite(r.n_samples) else "",
                         "results/paper_a/axioms/axioms.csv"))
    return rows


def paper_b_rows(table2_csv, table3_csv) -> list[dict]:
    """Rows from Paper B's Tables 2 and 3."""
    rows = []
    t2 = pd.read_csv(table2_csv)
    paper2 = t2[t2.source == "paper"].set_index("hidden")
    src2 = "results/paper_b/tables/table2.csv"
    for r in t2[t2.source == "ours"].itertuples():
        p = paper2.loc[r.hidden]
        rows += [
            _row("B", f"Table 2, h={r.hidden}: critical epoch", r.critical_epoch,
                 p.critical_epoch, "within 15 epochs",
                 abs(r.critical_epoch - p.critical_epoch) <= 15, r.epochs, src2),
            _row("B", f"Table 2, h={r.hidden}: final tilted loss", r.final_tilted_loss,
                 p.final_tilted_loss, ">= 0 and < 1e-2",
                 0 <= r.final_tilted_loss < 1e-2, r.epochs, src2),
            _row("B", f"Table 2, h={r.hidden}: final untilted loss", r.final_untilted_loss,
                 p.final_untilted_loss, "<= 0 and > -1e-2",
                 -1e-2 < r.final_untilted_loss <= 0, r.epochs, src2),
        ]
    t3 = pd.read_csv(table3_csv)
    paper3 = t3[t3.source == "paper"].set_index("hidden")
    src3 = "results/paper_b/tables/table3.csv"
    for r in t3[t3.source != "paper"].itertuples():
        p = paper3.loc[r.hidden]
        model = {"ours": "our model", "ref": "published weights"}.get(r.source, r.source)
        who = f"{model}, {r.runs} runs"
        rows += [
            _row("B", f"Table 3, h={r.hidden} ({who}): mean MSE", r.mse_mean, p.mse_mean,
                 "<= 3 x paper", r.mse_mean <= 3 * p.mse_mean, r.n_runs, src3),
            _row("B", f"Table 3, h={r.hidden} ({who}): CV of a", r.a_cv, p.a_cv,
                 "<= 2 x paper", r.a_cv <= 2 * p.a_cv, r.n_runs, src3),
            _row("B", f"Table 3, h={r.hidden} ({who}): CV of b", r.b_cv, p.b_cv,
                 "<= 2 x paper", r.b_cv <= 2 * p.b_cv, r.n_runs, src3),
            _row("B", f"Table 3, h={r.hidden} ({who}): mean a", r.a_mean, p.a_mean,
                 "scale of h is arbitrary", None, r.n_runs, src3),
            _row("B", f"Table 3, h={r.hidden} ({who}): mean b", r.b_mean, p.b_mean,
                 "offset of h is arbitrary", None, r.n_runs, src3),
        ]
    return rows


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if not np.isfinite(v):
        return "-"
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.1f}"


def to_markdown(table: pd.DataFrame, title: str, preset: str) -> str:
    n_judged = int((table["pass"] != "").sum())
    n_pass = int((table["pass"] == "pass").sum())
    lines = [f"# {title}", "", f"Configuration: {preset}. {n_pass} of {n_judged} judged numbers "
             "within tolerance (tolerances: `thermolearn.report.reproduction`).", "",
             "| paper | quantity | ours | paper's | tolerance | pass | n |",
             "|---|---|---:|---:|---|---|---:|"]
    for r in table.to_dict("records"):
        lines.append(f"| {r['paper']} | {r['quantity']} | {_fmt(r['ours'])} | "
                     f"{_fmt(r['reference'])} | {r['tolerance']} | {r['pass']} | {r['n']} |")
    return "\n".join(lines) + "\n"


def run_reproduction(metrics, axioms_csv, table2_csv, table3_csv, out_csv, out_md,
                     preset: str = "config.yaml") -> pd.DataFrame:
    """The ``reproduction`` rule: write the table as csv and markdown."""
    table = pd.DataFrame(paper_a_rows(metrics, axioms_csv) + paper_b_rows(table2_csv, table3_csv),
                         columns=COLUMNS)
    write_csv(out_csv, table)
    write_text(out_md, to_markdown(table, "Reproduction of Paper A and Paper B", preset))
    return table
