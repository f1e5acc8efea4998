"""The axioms stage end to end on the smoke preset (MD -> images -> training -> axioms).

Runs Snakemake in a scratch copy of the repo; checks that the axioms table is well formed and
that every number in it agrees with an independent (brute-force) recomputation from the
per-axiom csv files, the physics of the A1 reruns and A5 splits, that the figures label their
symbols, and that figures are rebuilt apart from the (GPU) compute rules: a deleted figure or an
edit of figure code reruns only figure rules, an edit of the analyses everything that uses them.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re

import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pandas as pd
import pytest

from conftest import SMOKE_PRESET, clone_run, dry_run, edit_source, job_counts, snakemake
from thermolearn.checks import load_config
from thermolearn.io import load_npz
from thermolearn.paper_a.axioms import figures
from thermolearn.paper_a.design import make_design

pytestmark = pytest.mark.workflow

SMOKE = ["--configfile", "presets/smoke.yaml"]
FIGURES = ["fig3_a1", "a3", "a4", "fig5_a5", "fig6_a6", "fig8_additivity", "canonical_entropy"]
AXIOMS = ["a1", "a3", "a4", "a5", "a6", "additivity", "canonical"]
COMPUTE_RULES = {f"paper_a_axiom_{a}": 1 for a in AXIOMS}
FIGURE_RULES = {f"paper_a_axiom_{a}_figure": 1 for a in AXIOMS}
TARGETS = ["results/smoke/paper_a/axioms/axioms.csv", "results/smoke/paper_a/axioms/axioms.md"] + [
    f"results/smoke/paper_a/figures/{f}.png" for f in FIGURES]
NAN = float("nan")
PAPER = {"A1": [0.9951], "A3": [0.9995, NAN], "A4": [0.9417, NAN], "A5": [0.9949, 0.9946],
         "A6": [NAN, NAN], "Fig. 8": [0.9766], "Eq. (1)": [NAN, NAN]}


@pytest.fixture(scope="module")
def run(smoke_run, tmp_path_factory):
    """A private copy of the session's smoke run (a test below deletes a figure)."""
    wd = clone_run(smoke_run, tmp_path_factory.mktemp("repo"))
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    snakemake(wd, *TARGETS, *SMOKE, timeout=1800)
    ax = wd / "results" / "smoke" / "paper_a" / "axioms"
    csv = {k: pd.read_csv(ax / f"{k}.csv") for k in
           ("axioms", "a1", "a3", "a4", "a5", "a6", "additivity", "canonical")}
    return wd, config, csv


def r2_about_identity(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    return 1 - np.sum((y - x) ** 2) / np.sum((y - np.mean(y)) ** 2)


def rows(table, axiom):
    return table[table["axiom"] == axiom].reset_index(drop=True)


def test_table_is_well_formed(run):
    _, _, csv = run
    t = csv["axioms"]
    assert list(t.columns) == ["axiom", "claim", "measure", "n_samples", "ours", "paper", "note"]
    assert list(dict.fromkeys(t["axiom"])) == ["A1", "A2", "A3", "A4", "A5", "A6", "Fig. 8",
                                                "Eq. (1)"]
    a2 = rows(t, "A2").iloc[0]
    assert "by construction" in a2["measure"] and math.isnan(a2["ours"])
    for axiom, paper in PAPER.items():  # the paper's values beside ours
        np.testing.assert_allclose(rows(t, axiom)["paper"], paper, equal_nan=True)
    for axiom in ("A3", "A4", "A6"):  # agreement rates
        ours = rows(t, axiom)["ours"].dropna()
        assert ((ours >= 0) & (ours <= 1)).all()
    r2 = t[t["measure"].str.contains("R\\^2")]["ours"].dropna()
    assert (r2 <= 1).all()
    md = (run[0] / "results/smoke/paper_a/axioms/axioms.md").read_text()
    assert md.count("\n| ") == len(t) + 1  # header + one line per claim
    meta = json.loads((run[0] / "results/smoke/paper_a/model/metrics.json").read_text())["meta"]
    assert f"config hash `{meta['config_hash']}`" in md and meta["thermolearn_version"] in md


def test_a1_a5_additivity_match_recomputation(run):
    _, _, csv = run
    t = csv["axioms"]
    a1 = csv["a1"]
    assert rows(t, "A1")["n_samples"][0] == len(a1)
    assert rows(t, "A1")["ours"][0] == pytest.approx(r2_about_identity(a1.S, a1.S_rerun))
    a5, r = csv["a5"], rows(t, "A5")
    assert list(r["n_samples"]) == [len(a5), len(a5)]
    assert r["ours"][0] == pytest.approx(r2_about_identity(a5.S, a5.S_split))
    assert r["ours"][1] == pytest.approx(r2_about_identity(a5.S_recomb, a5.S_split))
    add = csv["additivity"]
    pred = add.lam * add.S_x + (1 - add.lam) * add.S_y
    assert rows(t, "Fig. 8")["ours"][0] == pytest.approx(r2_about_identity(pred, add.S_compound))
    assert len(add) == rows(t, "Fig. 8")["n_samples"][0]
    scores = pd.read_csv(run[0] / "results/smoke/paper_a/model/scores.csv")
    n_y = add.merge(scores, left_on=["process_y", "state_y"], right_on=["process", "state"],
                    suffixes=("", "_y"))["N_y"]
    np.testing.assert_array_equal(n_y, add.N)  # X and Y of equal N


def brute_pairs(s, group=None):
    return [(i, j) for i, j in itertools.permutations(range(len(s)), 2)
            if s[i] <= s[j] and (group is None or group[i] == group[j])]


def test_a3_matches_brute_force(run):
    _, _, csv = run
    a3, r = csv["a3"], rows(csv["axioms"], "A3")
    n = a3.a.max() + 1
    assert len(a3) == n * n
    c = {(a, b): s for a, b, s in zip(a3.a, a3.b, a3.S_compound)}
    st = a3.drop_duplicates("a").sort_values("a")
    s, n_disks = st.S_a.to_numpy(), st.N_a.to_numpy()
    for k, group in enumerate((None, n_disks)):
        pairs = brute_pairs(s, group)
        agree = sum(c[x, xp] <= c[y, yp] for x, y in pairs for xp, yp in pairs)
        assert r["n_samples"][k] == len(pairs) ** 2
        if pairs:
            assert r["ours"][k] == pytest.approx(agree / len(pairs) ** 2)
        else:
            assert math.isnan(r["ours"][k])


def test_a4_a6_match_brute_force(run):
    _, config, csv = run
    t = csv["axioms"]
    a4 = csv["a4"]
    for k, variant in enumerate(("pixel", "count")):
        rates = []
        for _, g in a4[a4.variant == variant].groupby(["lam", "direction"]):
            s, sl = g.S.to_numpy(), g.S_scaled.to_numpy()
            pairs = brute_pairs(s)
            rates.append(np.mean([sl[i] <= sl[j] for i, j in pairs]))
        assert rows(t, "A4")["ours"][k] == pytest.approx(np.mean(rates))
        assert rows(t, "A4")["n_samples"][k] == len(pairs)
    # count-exact states hold exactly round(lam N) disks
    cnt = a4[a4.variant == "count"]
    np.testing.assert_array_equal(cnt.n_kept, np.rint(cnt.lam * cnt.N))
    a6 = csv["a6"]
    eps = sorted(config["paper_a"]["axioms"]["a6"]["eps"])
    assert sorted(a6.eps.unique()) == eps
    for k, e in enumerate((eps[0], eps[-1])):
        worst = []
        for _, g in a6[a6.eps == e].groupby("zpair"):
            s, s1, s2 = g.S.to_numpy(), g.S_z1.to_numpy(), g.S_z2.to_numpy()
            worst.append(np.mean([s1[i] <= s2[j] for i, j in brute_pairs(s)]))
        assert rows(t, "A6")["ours"][k] == pytest.approx(min(worst))
    assert (a6.eps_z1 <= 1).all() and (a6.eps_z1 > 0).all()


def test_canonical_entropy_recomputation(run):
    _, _, csv = run
    can = csv["canonical"]
    for k, (direction, g) in enumerate(can.groupby("direction")):
        r2 = []
        for _, gn in g.groupby("N"):
            ok = gn.lam_canon.notna()
            r2.append(np.corrcoef(gn.S_vdW[ok], gn.lam_canon[ok])[0, 1] ** 2)
            # C(0) = X*, the lowest S~, so every state has a value; C(1) = X** gets 1; and a
            # sup over {lam : S~(C(lam)) <= S~(X)} never decreases with S~(X)
            assert ok.all() and gn.lam_canon[gn.S.idxmax()] == 1.0
            assert (np.diff(gn.sort_values("S").lam_canon.to_numpy()) >= 0).all()
        row = rows(csv["axioms"], "Eq. (1)").iloc[k]
        assert f"'{direction}'" in row["claim"]
        assert row["ours"] == pytest.approx(np.mean(r2))
    assert ((can.lam_canon.dropna() >= 0) & (can.lam_canon.dropna() <= 1)).all()


def test_reruns_and_splits_are_the_right_physics(run):
    wd, config, csv = run
    pa = config["paper_a"]
    design = make_design(config)
    test = design[design.split == "test"]
    for row in test.to_dict("records"):
        proc = row["process"]
        m0, orig = load_npz(wd / f"results/smoke/paper_a/md/{proc}.npz")
        m1, new = load_npz(wd / f"results/smoke/paper_a/axioms/a1/md/{proc}.npz")
        # same N, protocol (volumes) and initial energy; a different microstate
        assert new["N"] == orig["N"] and np.array_equal(new["Lx_s"], orig["Lx_s"])
        assert m1["config"]["process"]["seed"] != m0["config"]["process"]["seed"]
        e0 = m1["config"]["process"]["energy"]
        assert orig["energy_sf"][0, 0] == pytest.approx(e0, rel=2e-2)
        assert new["energy_sf"][0, 0] == pytest.approx(e0, rel=2e-2)
        assert np.abs(new["pos_sfnd"][0] - orig["pos_sfnd"][0]).max() > 1.0
        _, sp = load_npz(wd / f"results/smoke/paper_a/axioms/a5/{proc}.npz")
        n_split = min(row["n_states"], pa["axioms"]["a5"]["states_per_process"])
        assert len(sp["state_s"]) == n_split
        np.testing.assert_array_equal(sp["N_s"] + sp["n_removed_s"], row["N"])
        e = sp["energy_s2f"]  # energy conserved with the wall and after removing it
        assert (np.abs(e - e[:, :1, :1]) / e[:, :1, :1]).max() < 2e-2
    a5 = csv["a5"]
    assert set(a5.wall_orientation) <= {"x = lam Lx (parallel to y)", "y = lam L (parallel to x)"}
    scores = pd.read_csv(wd / "results/smoke/paper_a/model/scores.csv")
    merged = csv["a1"].merge(scores, on=["process", "state"], suffixes=("", "_scores"))
    np.testing.assert_allclose(merged.S, merged.S_scores)


def test_one_figure_rebuilds_alone(run):
    """A deleted figure is redrawn from the cached csv: its figure rule alone, no GPU."""
    wd, _, _ = run
    (wd / "results/smoke/paper_a/figures/fig6_a6.png").unlink()
    jobs = dry_run(wd, "results/smoke/paper_a/figures/fig6_a6.png", configfiles=[SMOKE_PRESET])
    assert job_counts(jobs) == {"paper_a_axiom_a6_figure": 1}
    assert "gpu" not in jobs[0].resources and jobs[0].resources["mem_mb"] > 0




def planned(wd):
    """The jobs (rule -> count) a dry run of every axiom target plans."""
    return job_counts(dry_run(wd, *TARGETS, configfiles=[SMOKE_PRESET]))


def test_figure_code_edit_reruns_only_the_figures(smoke_clone):
    wd = smoke_clone
    assert planned(wd) == {}
    edit_source(wd / "src/thermolearn/paper_a/axioms/figures.py")
    assert planned(wd) == FIGURE_RULES


def test_analyses_edit_reruns_what_uses_them(smoke_clone):
    """The analyses choose the samples (compute rules) and make the numbers of the figures and
    the table: all of them rerun, and nothing else."""
    wd = smoke_clone
    assert planned(wd) == {}
    edit_source(wd / "src/thermolearn/paper_a/axioms/analyses.py")
    assert planned(wd) == {**COMPUTE_RULES, **FIGURE_RULES, "paper_a_axioms_table": 1}


def test_figures_label_their_symbols(run, monkeypatch):
    """Every text of every axiom figure writes lambda and epsilon as symbols (no bare "lam" or
    "eps"), Fig. 6 names its dust pairs by S~ (not by state ids alone), and Fig. 8 has one
    legend entry (colour) per lambda."""
    wd, config, csv = run
    ax = wd / "results/smoke/paper_a/axioms"
    drawn = {}
    monkeypatch.setattr(figures, "save_figure", lambda fig, path: drawn.__setitem__(
        os.path.basename(path), fig))
    figures.figure_a1(ax / "a1.csv", "a1")
    figures.figure_a3(ax / "a3.csv", ax / "a3_example.npz", config["paper_a"]["axioms"]["a3"],
                      config["seed"], "a3")
    figures.figure_a4(ax / "a4.csv", ax / "a4_example.npz", "a4")
    figures.figure_a5(ax / "a5.csv", "a5")
    figures.figure_a6(ax / "a6.csv", ax / "a6_example.npz", "a6")
    figures.figure_additivity(ax / "additivity.csv", "additivity")
    figures.figure_canonical(ax / "canonical.csv", ax / "canonical_curve.csv", "canonical")
    texts = {name: [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
             for name, fig in drawn.items()}
    legend_a6, legend_add = ([t.get_text() for ax in drawn[name].axes if ax.get_legend()
                              for t in ax.get_legend().get_texts()] for name in ("a6", "additivity"))
    for fig in drawn.values():
        plt.close(fig)
    assert sorted(texts) == sorted(AXIOMS)
    for name, lines in texts.items():
        bare = [t for t in lines if re.search(r"\b(lam|eps)\b", t)]
        assert bare == [], f"{name}: {bare}"
    assert len(legend_a6) == csv["a6"].zpair.nunique()
    assert all(r"\tilde S" in t and not re.search(r"p\d{3}/\d", t) for t in legend_a6)
    lams = config["paper_a"]["axioms"]["additivity"]["lambdas"]
    assert legend_add == [rf"$\lambda$ = {lam:g}" for lam in sorted(lams)]
