"""Paper A rows of the reproduction table: Fig. 7 R^2 per N against its bar, and the S_vdW
ceiling read back from the accuracy-vs-gap table equal to a direct count over the pairs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from thermolearn.paper_a.entropy import accuracy_vs_gap
from thermolearn.report.reproduction import FIG7_R2_MIN, paper_a_rows


def test_fig7_rows_and_ceiling(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"test_loss": 0.2, "test_accuracy": 0.93,
                                                 "test_pairs": 400}))
    pd.DataFrame(columns=["axiom", "claim", "measure", "n_samples", "ours", "paper"]).to_csv(
        tmp_path / "ax.csv", index=False)
    pd.DataFrame([dict(split="test", N=1000, n_states=40, r2=0.991),
                  dict(split="test", N=2000, n_states=40, r2=0.95),
                  dict(split="all", N=1000, n_states=90, r2=0.999)]).to_csv(
        tmp_path / "fit.csv", index=False)
    rng = np.random.default_rng(1)
    gap = rng.normal(1.0, 1.0, 500)  # some pairs with gap <= 0: S_vdW misorders them
    pairs = pd.DataFrame({"process": "p000", "N": np.where(np.arange(500) < 250, 1000, 2000),
                          "gap": gap, "correct": (rng.random(500) < 0.9).astype(float)})
    accuracy_vs_gap(pairs).to_csv(tmp_path / "gaps.csv", index=False)
    rows = {r["quantity"]: r for r in paper_a_rows(tmp_path / "m.json", tmp_path / "ax.csv",
                                                   tmp_path / "fit.csv", tmp_path / "gaps.csv")}
    r1 = rows["Fig. 7: R^2 of S~ vs S_vdW, N=1000 (test states)"]
    r2 = rows["Fig. 7: R^2 of S~ vs S_vdW, N=2000 (test states)"]
    assert (r1["pass"], r2["pass"]) == ("pass", "FAIL")
    assert r1["tolerance"] == f">= {FIG7_R2_MIN}"
    assert not any("N=1000 (all" in q for q in rows)  # only the test states are judged
    ceiling = rows["S_vdW ceiling: test pairs S_vdW itself orders"]
    assert ceiling["ours"] == pytest.approx((gap > 0).mean())
    assert ceiling["pass"] == ""  # shown, not judged
