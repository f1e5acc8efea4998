"""thermolearn.report.spread: rows over seeds, against answers computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thermolearn.cli import main
from thermolearn.report.reproduction import COLUMNS, bar_of
from thermolearn.report.spread import read_rows, spread_table, to_markdown, verdict


def _table(acc, fig7, loss):
    rows = [
        ("A", "test accuracy", acc, 0.9534, ">= paper - 0.03", "pass" if acc >= 0.9234 else "FAIL"),
        ("A", "Fig. 7: R^2, N=1000", fig7, np.nan, ">= 0.98", "pass" if fig7 >= 0.98 else "FAIL"),
        ("A", "test loss", loss, 0.1041, "<= paper + 0.05", "pass" if loss <= 0.1541 else "FAIL"),
        ("A", "ceiling", 0.99, np.nan, "reference for the accuracy", ""),
        ("B", "h=16 MSE", 1.0, 1.0, "<= 1.5x paper's", "pass"),
    ]
    return pd.DataFrame([dict(zip(COLUMNS, (*r, 10, "x"))) for r in rows], columns=COLUMNS)


def test_bars_of_the_tolerance_texts():
    assert bar_of(">= paper - 0.03", 0.9534) == (">=", pytest.approx(0.9234))
    assert bar_of("<= paper + 0.05", 0.1041) == ("<=", pytest.approx(0.1541))
    assert bar_of(">= 0.98", np.nan) == (">=", 0.98)
    assert bar_of("reference for the accuracy", 1.0) is None
    assert bar_of(">= paper - 0.02", np.nan) is None   # no paper number: no bar


def test_spread_of_three_seeds_by_hand():
    seeds = {"s1": _table(0.95, 0.985, 0.10), "s2": _table(0.93, 0.975, 0.12),
             "s3": _table(0.94, 0.978, 0.20)}
    t = spread_table(seeds).set_index("quantity")
    assert list(t.index) == ["test accuracy", "Fig. 7: R^2, N=1000", "test loss", "ceiling"]
    # accuracy 0.95, 0.93, 0.94: mean 0.94, sd sqrt((1e-4 + 1e-4 + 0) / 2) = 0.01;
    # bar 0.9234 is 0.0166 below the mean, outside 1 sd
    acc = t.loc["test accuracy"]
    assert acc["mean"] == pytest.approx(0.94) and acc["sd"] == pytest.approx(0.01)
    assert acc["verdict"] == "pass in all 3; bar outside 1 sd"
    assert acc["bar"] == ">= 0.9234"
    # Fig. 7 0.985, 0.975, 0.978: mean 0.9793..., deviations 0.00567, -0.00433, -0.00133,
    # sd sqrt((3.211e-5 + 1.878e-5 + 1.78e-6) / 2) = 0.005132; |mean - 0.98| = 0.00067
    fig7 = t.loc["Fig. 7: R^2, N=1000"]
    assert fig7["sd"] == pytest.approx(0.005132, abs=1e-6)
    assert fig7["verdict"] == "mixed: 1 of 3 pass; bar within 1 sd"
    # loss 0.10, 0.12, 0.20: mean 0.14, sd sqrt((0.0016 + 0.0004 + 0.0036) / 2) = 0.05292;
    # bar 0.1541 is 0.0141 above the mean: within 1 sd
    assert t.loc["test loss", "verdict"] == "mixed: 2 of 3 pass; bar within 1 sd"
    assert t.loc["ceiling", "verdict"] == "" and t.loc["ceiling", "bar"] == ""
    md = to_markdown(spread_table(seeds), "T")
    assert "| test accuracy | 0.95 | 0.93 | 0.94 | 0.94 +- 0.01 | >= 0.9234 | pass in all 3" in md


def test_verdict_arithmetic_at_one_sd():
    # 0.975, 0.979: mean 0.977, sd 0.004 / sqrt(2) = 0.002828; bar 0.98 is 0.003 away: outside
    assert verdict(np.array([0.975, 0.979]), ["FAIL", "FAIL"], (">=", 0.98)) == \
        "FAIL in all 2; bar outside 1 sd"
    # 0.976, 0.982: mean 0.979, sd 0.004243; 0.001 away: within
    assert verdict(np.array([0.976, 0.982]), ["FAIL", "pass"], (">=", 0.98)) == \
        "mixed: 1 of 2 pass; bar within 1 sd"
    assert verdict(np.array([0.5]), ["pass"], (">=", 0.4)) == "pass in all 1"


def test_rows_missing_in_a_seed_and_a_foreign_file_are_named(tmp_path):
    a, b = _table(0.95, 0.98, 0.1), _table(0.94, 0.98, 0.1)
    with pytest.raises(ValueError, match="'s2': 0 rows for A 'test accuracy'"):
        spread_table({"s1": a, "s2": b[b["quantity"] != "test accuracy"]})
    with pytest.raises(ValueError, match="at least 2 seeds"):
        spread_table({"s1": a})
    bad = tmp_path / "other.csv"
    bad.write_text("x,y\n1,2\n")
    with pytest.raises(ValueError, match="other.csv: not a reproduction table"):
        read_rows(bad)
    with pytest.raises(FileNotFoundError, match="metrics.json: missing"):
        read_rows(tmp_path)


def test_cli_writes_the_table_and_names_a_bad_argument(tmp_path, capsys):
    for k, t in {"a": _table(0.95, 0.985, 0.1), "b": _table(0.93, 0.975, 0.12)}.items():
        t.to_csv(tmp_path / f"{k}.csv", index=False)
    assert main(["spread", f"a={tmp_path / 'a.csv'}", f"b={tmp_path / 'b.csv'}",
                 "--md", str(tmp_path / "s.md")]) == 0
    assert "| test accuracy | 0.95 | 0.93 | 0.94 +- 0.014 |" in (tmp_path / "s.md").read_text()
    assert main(["spread", str(tmp_path / "a.csv")]) != 0
    assert "expected LABEL=SOURCE" in capsys.readouterr().err


def test_the_reproduction_table_is_read_without_the_spread_section_after_it():
    from thermolearn.report.reproduction import markdown_rows
    from thermolearn.report.reproduction import to_markdown as table_md

    seeds = {"s1": _table(0.95, 0.985, 0.10), "s2": _table(0.93, 0.975, 0.12)}
    text = table_md(seeds["s1"], "T", "p") + "\n" + to_markdown(spread_table(seeds), "S")
    rows = markdown_rows(text)
    assert [r["quantity"] for r in rows] == list(seeds["s1"]["quantity"])
    assert [r["pass"] for r in rows] == ["pass", "pass", "pass", "", "pass"]
