"""The reproduction table against answers computed by hand.

A made-up run (every input file of the ``reproduction`` rule, written below) goes through
``run_reproduction``; each row's number, the paper's and the verdict are written out here, with
the arithmetic that gives them, instead of being recomputed from the rules (a wrong rule would
then pass twice). Most values sit exactly at a bar or just past it. Floating point is noted where
it decides: ``0.5 + 0.05``, ``0.9 - 0.03`` and ``0.99 - 0.02`` are exactly ``0.55``, ``0.87`` and
``0.97`` in binary too; ``0.41 - 0.37`` is ``0.03999...``.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from thermolearn.report.reproduction import (COLUMNS, NOT_COMPARABLE, paper_a_rows,
                                             run_reproduction)

NAN = math.nan
TILT = "alpha at our crossing vs the paper's r = N / P at the same Adam steps"
ARROW = "(our model): mean a < 0 and h not collapsed"

# Paper A. The paper's test loss 0.5 and accuracy 0.9 (given in metrics.json, as the training
# writes them); ours exactly at both bars.
METRICS = {"test_loss": 0.55, "test_accuracy": 0.87, "test_pairs": 1200,
           "paper": {"loss": 0.5, "accuracy": 0.9},
           "meta": {"config_hash": "0123456789abcdef", "thermolearn_version": "0.1.0+gmadeup"}}
AXIOMS = pd.DataFrame([  # a row is judged when the paper gives a number: ours >= paper - 0.02
    dict(axiom="A1", claim="a rerun is the same state", measure="agreement", n_samples=200,
         ours=0.97, paper=0.99),
    dict(axiom="A3", claim="later is higher", measure="R^2", n_samples=50, ours=0.9,
         paper=0.9995),
    dict(axiom="A4", claim="not quantified", measure="rate", n_samples=10, ours=0.5, paper=NAN),
    dict(axiom="A5", claim="split and recombined", measure="R^2", n_samples=NAN, ours=NAN,
         paper=0.99),
])
FITS = pd.DataFrame([  # Fig. 7: the test states' R^2 per N, >= 0.98; the "all" fit is not judged
    dict(split="test", N=1000, n_states=40, r2=0.98),
    dict(split="test", N=2000, n_states=40, r2=0.9799),
    dict(split="all", N=1000, n_states=90, r2=0.5),
])
GAPS = pd.DataFrame([  # the pooled rows (N = 0) give the S_vdW ceiling; per-N rows are ignored
    dict(N=0, gap_lo=-10.0, gap_hi=-5.0, n_pairs=30),
    dict(N=0, gap_lo=-5.0, gap_hi=0.0, n_pairs=10),
    dict(N=0, gap_lo=0.0, gap_hi=5.0, n_pairs=60),
    dict(N=1000, gap_lo=-10.0, gap_hi=-5.0, n_pairs=999),
])
FIDELITY = pd.DataFrame([  # the worst error is shown; each process's error / bound must be <= 1
    dict(process="p000", first_law_error=2e-4, first_law_bound=4e-4, first_law_excess=0.5),
    dict(process="p001", first_law_error=3e-4, first_law_bound=3e-4, first_law_excess=1.0),
])

# Paper B. The paper's rows are made up too (the rules read them from the tables).
PAPER_2 = {16: 95, 32: 105, 64: 110}  # critical epochs of the paper's 120-epoch schedule
STEPS = 487  # the paper's Adam steps per epoch: the critical epoch is judged
OURS_2 = [  # hidden, epochs, critical epoch, final tilted / untilted loss, alpha, paper's r
    (16, 120, 105, 0.0, 0.0, 0.41, 0.37),
    (32, 120, 94, 1e-2, -1e-2, 0.42, 0.37),
    (64, 60, 50, 5e-3, -5e-3, 0.6, NAN),
]
PAPER_3 = {16: (0.01, -2.0, 1.0, 0.1, 0.2), 32: (0.02, -2.0, 1.0, 0.1, 0.2),
           64: (0.04, -2.0, 1.0, 0.1, 0.2)}  # mse_mean, a_mean, b_mean, a_cv, b_cv
OURS_3 = [  # source, hidden, runs, n_runs, n_frames, mse_mean, a_mean, b_mean, a_cv, b_cv
    ("ours", 16, "train", 32, 500, 0.02, -1.0, 3.0, 0.2, 0.9),
    ("ours", 16, "heldout", 8, 500, 0.021, -1.5, 3.0, 0.21, 0.9),
    ("ours", 32, "train", 32, 500, 0.03, 0.5, 3.0, 0.1, 0.9),
    ("ours", 64, "train", 32, 500, 0.01, -1.0, 3.0, 0.1, 0.9),
    ("ref", 64, "train", 500, 500, 0.0411, -2.07, 1.02, 0.114, 0.231),
    ("ref", 32, "heldout", 99, 500, 0.02, -2.0, 1.0, 0.1, 0.2),
]

# quantity: (ours, the paper's, verdict), in the table's order
EXPECTED = {
    # 0.55 <= 0.5 + 0.05 = 0.55: at the bar, passes
    "test loss": (0.55, 0.5, "pass"),
    # 0.87 >= 0.9 - 0.03 = 0.87: at the bar, passes
    "test accuracy": (0.87, 0.9, "pass"),
    # 0.97 >= 0.99 - 0.02 = 0.97: at the bar
    "A1: a rerun is the same state (agreement)": (0.97, 0.99, "pass"),
    # 0.9 < 0.9995 - 0.02 = 0.9795
    "A3: later is higher (R^2)": (0.9, 0.9995, "FAIL"),
    # A4: the paper gives no number, no row; A5: no number of ours fails
    "A5: split and recombined (R^2)": (NAN, 0.99, "FAIL"),
    # R^2 0.98 >= 0.98: at the bar; 0.9799 < 0.98
    "Fig. 7: R^2 of S~ vs S_vdW, N=1000 (test states)": (0.98, NAN, "pass"),
    "Fig. 7: R^2 of S~ vs S_vdW, N=2000 (test states)": (0.9799, NAN, "FAIL"),
    # the pairs with gap_hi <= 0 (30 + 10 of 100, the bin ending at 0 included) are the ones
    # S_vdW does not order: 1 - 40 / 100 = 0.6; shown, not judged
    "S_vdW ceiling: test pairs S_vdW itself orders": (0.6, NAN, ""),
    # worst error 3e-4 (p001); p001's error / bound is 3e-4 / 3e-4 = 1.0 <= 1: at the bar
    "MD first-law error |E - E0 - W| / E0, worst over processes": (3e-4, NAN, "pass"),
    # h = 16: alpha 0.41 vs r 0.37, 0.04 apart (0.03999... in binary) <= 0.04
    f"Critical tilt, h=16: {TILT}": (0.41, 0.37, "pass"),
    # mean a -1.0 (train) and -1.5 (heldout) < 0; crossing at 0.41 <= 0.5: not collapsed
    f"Arrow, h=16 {ARROW}": (-1.0, -2.0, "pass"),
    # |105 - 95| = 10 <= 10 epochs at the paper's 120: at the bar
    "Table 2, h=16: critical epoch": (105, 95, "pass"),
    # 0.0 >= 0 and < 1e-2; 0.0 <= 0 and > -1e-2: both at their closed bars
    "Table 2, h=16: final tilted loss": (0.0, 1e-4, "pass"),
    "Table 2, h=16: final untilted loss": (0.0, -1e-4, "pass"),
    # h = 32: |0.42 - 0.37| = 0.05 > 0.04
    f"Critical tilt, h=32: {TILT}": (0.42, 0.37, "FAIL"),
    # mean a +0.5 on the training runs: h falls as H falls
    f"Arrow, h=32 {ARROW}": (0.5, -2.0, "FAIL"),
    # |94 - 105| = 11 > 10
    "Table 2, h=32: critical epoch": (94, 105, "FAIL"),
    # 1e-2 is not < 1e-2; -1e-2 is not > -1e-2: the open ends of the bars
    "Table 2, h=32: final tilted loss": (1e-2, 1e-4, "FAIL"),
    "Table 2, h=32: final untilted loss": (-1e-2, -1e-4, "FAIL"),
    # h = 64: no published r at its steps: shown, not judged
    f"Critical tilt, h=64: {TILT}": (0.6, NAN, ""),
    # crossing at alpha 0.6 > 0.5: collapsed, although mean a -1.0 < 0
    f"Arrow, h=64 {ARROW}": (-1.0, -2.0, "FAIL"),
    # 60 epochs, not 120: as fractions, |50 / 60 - 110 / 120| = 0.8333 - 0.9167 = 10 / 120
    # (0.08333333333333326 in binary, under 10 / 120 = 0.08333333333333333): at the bar
    "Table 2, h=64: critical epoch": (50, 110, "pass"),
    "Table 2, h=64: final tilted loss": (5e-3, 1e-4, "pass"),
    "Table 2, h=64: final untilted loss": (-5e-3, -1e-4, "pass"),
    # our h = 16 (bars 2x the paper's MSE, 2x its CV of a): 0.02 <= 2 x 0.01, 0.2 <= 2 x 0.1
    # (doubling is exact); mean a and b are not judged
    "Table 3, h=16 (our model, train runs): mean MSE": (0.02, 0.01, "pass"),
    "Table 3, h=16 (our model, train runs): CV of a": (0.2, 0.1, "pass"),
    "Table 3, h=16 (our model, train runs): mean a": (-1.0, -2.0, ""),
    "Table 3, h=16 (our model, train runs): mean b": (3.0, 1.0, ""),
    # 0.021 > 0.02, 0.21 > 0.2
    "Table 3, h=16 (our model, heldout runs): mean MSE": (0.021, 0.01, "FAIL"),
    "Table 3, h=16 (our model, heldout runs): CV of a": (0.21, 0.1, "FAIL"),
    "Table 3, h=16 (our model, heldout runs): mean a": (-1.5, -2.0, ""),
    "Table 3, h=16 (our model, heldout runs): mean b": (3.0, 1.0, ""),
    # h = 32's bar is 1.5x: 0.03 <= 1.5 x 0.02 = 0.03 (exactly, in binary too)
    "Table 3, h=32 (our model, train runs): mean MSE": (0.03, 0.02, "pass"),
    "Table 3, h=32 (our model, train runs): CV of a": (0.1, 0.1, "pass"),
    "Table 3, h=32 (our model, train runs): mean a": (0.5, -2.0, ""),
    "Table 3, h=32 (our model, train runs): mean b": (3.0, 1.0, ""),
    "Table 3, h=64 (our model, train runs): mean MSE": (0.01, 0.04, "pass"),
    "Table 3, h=64 (our model, train runs): CV of a": (0.1, 0.1, "pass"),
    "Table 3, h=64 (our model, train runs): mean a": (-1.0, -2.0, ""),
    "Table 3, h=64 (our model, train runs): mean b": (3.0, 1.0, ""),
    # published weights at the paper's scale (500 runs of 500 frames): within 3% of the means,
    # 15% of the CVs. |0.0411 - 0.04| = 0.0011 <= 0.0012; |-2.07 + 2| = 0.07 > 0.06;
    # |1.02 - 1| = 0.02 <= 0.03; |0.114 - 0.1| = 0.014 <= 0.015; |0.231 - 0.2| = 0.031 > 0.03
    "Table 3, h=64 (published weights, train runs): mean MSE": (0.0411, 0.04, "pass"),
    "Table 3, h=64 (published weights, train runs): mean a": (-2.07, -2.0, "FAIL"),
    "Table 3, h=64 (published weights, train runs): mean b": (1.02, 1.0, "pass"),
    "Table 3, h=64 (published weights, train runs): CV of a": (0.114, 0.1, "pass"),
    "Table 3, h=64 (published weights, train runs): CV of b": (0.231, 0.2, "FAIL"),
    # 99 runs, one short of the 100 the published weights are judged with
    "Table 3, h=32 (published weights, heldout runs): mean MSE": (0.02, 0.02, NOT_COMPARABLE),
    "Table 3, h=32 (published weights, heldout runs): mean a": (-2.0, -2.0, NOT_COMPARABLE),
    "Table 3, h=32 (published weights, heldout runs): mean b": (1.0, 1.0, NOT_COMPARABLE),
    "Table 3, h=32 (published weights, heldout runs): CV of a": (0.1, 0.1, NOT_COMPARABLE),
    "Table 3, h=32 (published weights, heldout runs): CV of b": (0.2, 0.2, NOT_COMPARABLE),
}
# judged: every "pass" (22) or "FAIL" (13) above; "" and "not comparable ..." are not
N_JUDGED, N_PASS = 35, 22


def write_run(root):
    """The inputs of the ``reproduction`` rule, as files."""
    (root / "metrics.json").write_text(json.dumps(METRICS))
    AXIOMS.to_csv(root / "axioms.csv", index=False)
    FITS.to_csv(root / "fit.csv", index=False)
    GAPS.to_csv(root / "gaps.csv", index=False)
    FIDELITY.to_csv(root / "fidelity.csv", index=False)
    t2 = [dict(source="paper", hidden=h, epochs=120, critical_epoch=ce, final_tilted_loss=1e-4,
               final_untilted_loss=-1e-4) for h, ce in PAPER_2.items()]
    t2 += [dict(source="ours", hidden=h, epochs=ep, steps_per_epoch=STEPS, critical_epoch=ce,
                critical_steps=ce * STEPS, final_tilted_loss=tl, final_untilted_loss=ul,
                critical_alpha=a, r_at_crossing=a, paper_r_at_steps=r)
           for h, ep, ce, tl, ul, a, r in OURS_2]
    pd.DataFrame(t2).to_csv(root / "table2.csv", index=False)
    cols = ["mse_mean", "a_mean", "b_mean", "a_cv", "b_cv"]
    t3 = [dict(source="paper", hidden=h, runs="train", n_runs=500, n_frames=500,
               **dict(zip(cols, v))) for h, v in PAPER_3.items()]
    t3 += [dict(source=s, hidden=h, runs=runs, n_runs=n, n_frames=f, **dict(zip(cols, v)))
           for s, h, runs, n, f, *v in OURS_3]
    pd.DataFrame(t3).to_csv(root / "table3.csv", index=False)


def same(got, want) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, rel=1e-12)


def test_the_table_of_a_made_up_run_is_the_hand_computed_one(tmp_path):
    write_run(tmp_path)
    table = run_reproduction(tmp_path / "metrics.json", tmp_path / "axioms.csv",
                             tmp_path / "table2.csv", tmp_path / "table3.csv",
                             tmp_path / "out.csv", tmp_path / "out.md", preset="made-up",
                             entropy_fit_csv=tmp_path / "fit.csv", gap_csv=tmp_path / "gaps.csv",
                             fidelity_csv=tmp_path / "fidelity.csv")
    assert list(table.columns) == COLUMNS
    assert list(table.quantity) == list(EXPECTED)
    for row in table.to_dict("records"):
        ours, ref, verdict = EXPECTED[row["quantity"]]
        assert same(row["ours"], ours) and same(row["reference"], ref), row
        assert row["pass"] == verdict, row
    assert pd.read_csv(tmp_path / "out.csv", keep_default_na=False)["pass"].tolist() == [
        v for _, _, v in EXPECTED.values()]
    md = (tmp_path / "out.md").read_text()
    assert f"Configuration: made-up. {N_PASS} of {N_JUDGED} judged numbers within tolerance" in md
    assert "config hash `0123456789abcdef`, code 0.1.0+gmadeup" in md
    # the row's n: the test pairs, the axioms' samples (none given: empty), the processes
    n = dict(zip(table.quantity, table.n))
    assert n["test loss"] == 1200 and n["A1: a rerun is the same state (agreement)"] == 200
    assert n["A5: split and recombined (R^2)"] == ""
    assert n["S_vdW ceiling: test pairs S_vdW itself orders"] == 100
    assert n["MD first-law error |E - E0 - W| / E0, worst over processes"] == 2
    assert n["Table 2, h=64: critical epoch"] == 60


@pytest.mark.parametrize("loss,accuracy,verdicts", [
    (0.55, 0.87, ("pass", "pass")),       # at both bars (see the module docstring)
    (0.5501, 0.8699, ("FAIL", "FAIL")),   # 1e-4 past each
    (0.2, NAN, ("pass", "FAIL")),         # a missing number never passes
])
def test_paper_a_headline_rows_at_and_past_their_bars(tmp_path, loss, accuracy, verdicts):
    (tmp_path / "m.json").write_text(json.dumps({**METRICS, "test_loss": loss,
                                                 "test_accuracy": accuracy}))
    AXIOMS.iloc[:0].to_csv(tmp_path / "ax.csv", index=False)
    rows = paper_a_rows(tmp_path / "m.json", tmp_path / "ax.csv")
    assert [r["quantity"] for r in rows] == ["test loss", "test accuracy"]
    assert tuple(r["pass"] for r in rows) == verdicts
