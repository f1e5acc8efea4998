"""The reproduction table and the HTML report of the smoke run (rendered in headless Chromium).

The judging rules are checked against hand-computed answers in ``tests/unit/test_report.py``;
here the smoke run's table is checked for what it must hold: every row's number is its source's,
and the rows the smoke scale cannot judge say so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import snakemake
from thermolearn.report.reproduction import COLUMNS

pytestmark = pytest.mark.workflow


def test_reproduction_table_of_the_smoke_run(smoke_run):
    res = smoke_run / "results" / "smoke"
    table = pd.read_csv(res / "reproduction.csv", keep_default_na=False)
    assert list(table.columns) == COLUMNS
    assert set(table["pass"]) <= {"pass", "FAIL", "",
                                  "not comparable at this scale (3 steps per epoch; paper 487)"}
    metrics = json.loads((res / "paper_a" / "model" / "metrics.json").read_text())
    acc = table[table.quantity == "test accuracy"].iloc[0]
    assert float(acc.ours) == pytest.approx(metrics["test_accuracy"])
    assert float(acc.reference) == 0.9534  # Sec. III B
    # every axiom the paper quantifies has a row with the axioms table's value
    axioms = pd.read_csv(res / "paper_a" / "axioms" / "axioms.csv")
    quantified = axioms[np.isfinite(axioms.paper)]
    rows_a = table[(table.paper == "A") & table.source.str.endswith("axioms.csv")]
    assert len(rows_a) == len(quantified)
    np.testing.assert_allclose(rows_a.reference.astype(float), quantified.paper)
    # Fig. 7: one row per N with the R^2 of the test-state fit
    fits = pd.read_csv(res / "paper_a" / "entropy_fit.csv")
    fits = fits[fits.split == "test"]
    rows_7 = table[table.quantity.str.startswith("Fig. 7:")]
    assert len(rows_7) == len(fits) > 0
    for f in fits.itertuples():
        row = rows_7[rows_7.quantity.str.contains(f"N={f.N} ")].iloc[0]
        assert float(row.ours) == pytest.approx(f.r2)
    # Paper B: the critical epochs of Table 2; the smoke preset's 3 Adam steps per epoch are
    # not the paper's 487, so none is judged
    t2 = pd.read_csv(res / "paper_b" / "tables" / "table2.csv")
    for r in t2[t2.source == "ours"].itertuples():
        row = table[table.quantity == f"Table 2, h={r.hidden}: critical epoch"].iloc[0]
        paper = t2[(t2.source == "paper") & (t2.hidden == r.hidden)].critical_epoch.iloc[0]
        ours = float(row.ours) if row.ours != "" else np.nan  # never critical: empty cell
        assert ours == r.critical_epoch or (np.isnan(ours) and np.isnan(r.critical_epoch))
        assert float(row.reference) == paper
        assert r.steps_per_epoch == 3
        assert row["pass"] == "not comparable at this scale (3 steps per epoch; paper 487)"
        # the critical tilt and the arrow of every width: ours from Table 2
        tilt = table[table.quantity.str.startswith(f"Critical tilt, h={r.hidden}:")].iloc[0]
        assert (float(tilt.ours) == pytest.approx(r.critical_alpha) if tilt.ours != ""
                else np.isnan(r.critical_alpha))
        arrow = table[table.quantity.str.startswith(f"Arrow, h={r.hidden} ")].iloc[0]
        assert arrow["pass"] in ("pass", "FAIL")
    assert {"95", "105", "111"} <= {str(int(float(v))) for v in table.reference if v != ""}
    # MD fidelity: the worst first-law error over the processes
    fid = pd.read_csv(res / "paper_a" / "md_accuracy" / "fidelity.csv")
    row = table[table.quantity.str.startswith("MD first-law error")].iloc[0]
    assert float(row.ours) == pytest.approx(fid["first_law_error"].max())
    assert int(row.n) == len(fid) > 0
    md = (res / "reproduction.md").read_text()
    assert "Note: MD fidelity:" in md
    assert md.count("\n| ") == len(table) + 1
    assert "config.yaml + presets/smoke.yaml" in md
    # which run made it: the network's config hash and code version, and the writer's version
    meta = json.loads((res / "paper_a/model/metrics.json").read_text())["meta"]
    assert f"config hash `{meta['config_hash']}`" in md and meta["thermolearn_version"] in md


def test_config_record_is_the_merged_config(smoke_run):
    text = (smoke_run / "results" / "smoke" / "config_used.yaml").read_text()
    record = yaml.safe_load(text)
    assert record["paper_a"]["gas"]["L"] == 40.0  # smoke override
    assert record["paper_a"]["gas"]["C"] == 10000.0  # config.yaml value
    assert "code version:" in text


@pytest.fixture(scope="module")
def report_build(smoke_run):
    """The HTML report of the smoke run, built once: (path, Snakemake's CompletedProcess)."""
    report = smoke_run / "results" / "smoke" / "report.html"
    proc = snakemake(smoke_run, "--configfile", "presets/smoke.yaml", "--report", str(report))
    return report, proc


def test_report_builds_cleanly_with_the_workflow_description(report_build):
    report, proc = report_build
    # docutils renders every caption (plus the links Snakemake appends to it) and the workflow
    # description; any of its messages means a broken caption or target
    noise = [ln for ln in (proc.stdout + proc.stderr).splitlines()
             if re.search(r"\((INFO|WARNING|ERROR|SEVERE)/\d\)", ln)]
    assert not noise, f"{len(noise)} docutils messages, e.g.:\n" + "\n".join(noise[:10])
    html = report.read_text()
    # workflow/report/workflow.rst, its Jinja filled in from this run's config
    assert "Where to look" in html
    assert re.search(r'literal\\?">results/smoke/</tt>', html), "preset not filled in"


def test_html_report_renders_in_headless_chromium(report_build, tmp_path):
    if shutil.which("chromium") is None:
        if os.environ.get("THERMOLEARN_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is required here (THERMOLEARN_REQUIRE_CHROMIUM=1) but missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    report, _ = report_build
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=300).stdout
    # the report is a JavaScript app: its category menu exists only once the page has rendered
    for category in ["Paper A – molecular dynamics", "Paper A – learned entropy", "Paper A – axioms",
                     "Paper B – hard disks", "Paper B – DeepSets", "Reproduction"]:
        assert f"<span>{category}<" in dom, category
        assert f"<span>{category}<" not in report.read_text()
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", *flags, "--window-size=1400,1000", f"--screenshot={shot}",
                    report.as_uri()], capture_output=True, timeout=300)
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert img.shape == (1000, 1400) and img.std() > 10  # not a blank page


def test_console_headline_counts_the_rows_and_names_the_failures(smoke_run):
    from thermolearn.report.headline import headline

    res = smoke_run / "results" / "smoke"
    table = pd.read_csv(res / "reproduction.csv")
    verdict = table["pass"].fillna("")
    text = headline(res)
    n_pass, n_fail = int((verdict == "pass").sum()), int((verdict == "FAIL").sum())
    assert f"{n_pass} of {n_pass + n_fail} judged rows" in text
    assert str(res / "reproduction.md") in text
    assert text.count("  FAIL  ") == min(n_fail, 8)
