"""The MD stage through Snakemake on the smoke preset, in a scratch copy of the repo.

Checks the DAG sizes, the artifacts, and that a config or source change reruns exactly the
dependent jobs.
"""

from __future__ import annotations

import time

import pytest

from conftest import copy_repo, job_counts, snakemake
from thermolearn.config import load_config
from thermolearn.paper_a.design import make_design
from thermolearn.paper_a.md.job import load_md

pytestmark = pytest.mark.workflow

SMOKE = ["--configfile", "presets/smoke.yaml"]


@pytest.fixture(scope="module")
def smoke_repo(tmp_path_factory):
    wd = copy_repo(tmp_path_factory.mktemp("repo"))  # a real copy: a test edits engine.py
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    design = make_design(config)
    targets = ["results/paper_a/processes.csv", "results/paper_a/figures/relaxation.png"] + [
        f"results/paper_a/md/{p}.npz" for p in design.process
    ]
    snakemake(wd, *targets, *SMOKE)
    return wd, config, design, targets


def test_paper_scale_plans_448_md_jobs(smoke_repo):
    wd = smoke_repo[0]
    counts = job_counts(snakemake(wd, "-n").stdout)
    assert counts["paper_a_md"] == 448
    assert counts["paper_a_design"] == 1


def test_smoke_md_artifacts(smoke_repo):
    wd, config, design, _ = smoke_repo
    pa = config["paper_a"]
    for row in design.to_dict("records"):
        path = wd / "results" / "paper_a" / "md" / f"{row['process']}.npz"
        meta, arr = load_md(path, pa, row, arrays=("Lx_s", "pos_sfnd"))
        assert arr["pos_sfnd"].shape[:3] == (row["n_states"], pa["protocol"]["n_frames"], row["N"])
        assert meta["first_law_error"] < 1e-2  # 20-30 disks: one collision is ~1e-3 of E
        log = (wd / "results" / "logs" / "paper_a" / "md" / f"{row['process']}.log").read_text()
        assert f"MD {row['process']}" in log and "100%" in log  # progress bar with ETA
    table = (wd / "results" / "paper_a" / "processes.csv").read_text().splitlines()
    assert table[0].startswith("process,N,v_push,v_pull,dL_push,dL_pull")
    assert len(table) == 1 + len(design)


def dry_counts(wd, targets, *presets):
    """Jobs a dry run would execute (targets first: --configfile takes several files)."""
    return job_counts(snakemake(wd, "-n", *targets, *SMOKE, *presets).stdout)


def test_nothing_to_do_when_up_to_date(smoke_repo):
    wd, _, _, targets = smoke_repo
    assert dry_counts(wd, targets) == {}


def test_config_change_reruns_exactly_the_dependents(smoke_repo, tmp_path):
    wd, config, design, targets = smoke_repo
    hold = tmp_path / "hold.yaml"
    hold.write_text(f"paper_a:\n  protocol:\n    t_hold: {config['paper_a']['protocol']['t_hold'] + 2}\n")
    counts = dry_counts(wd, targets, str(hold))
    assert counts.get("paper_a_md") == len(design)
    assert counts.get("paper_a_relaxation_figure") == 1  # it marks t_hold
    assert "paper_a_design" not in counts and "paper_a_relaxation" not in counts
    relax = tmp_path / "relax.yaml"
    relax.write_text("paper_a:\n  relaxation:\n    n_repeats: 3\n")
    counts = dry_counts(wd, targets, str(relax))
    assert counts.get("paper_a_relaxation") == 1 and counts.get("paper_a_relaxation_figure") == 1
    assert "paper_a_md" not in counts and "paper_a_design" not in counts


def test_engine_source_edit_reruns_md(smoke_repo):
    wd, _, design, targets = smoke_repo
    engine = wd / "src" / "thermolearn" / "paper_a" / "md" / "engine.py"
    time.sleep(1.1)  # a new mtime; Snakemake also compares content checksums: edit it
    engine.write_text(engine.read_text() + "\n# an edit\n")
    counts = dry_counts(wd, targets)
    assert counts.get("paper_a_md") == len(design)
    assert counts.get("paper_a_relaxation") == 1
    assert "paper_a_design" not in counts  # the design does not run the engine
