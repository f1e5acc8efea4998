"""The MD stage through Snakemake on the smoke preset, in private copies of the session's smoke run.

Checks the DAG sizes, the artifacts, and that a config or source change reruns exactly the
dependent jobs: an engine edit the MD and everything downstream of it, a figure edit the figures.
"""

from __future__ import annotations

import pytest

from conftest import SMOKE_PRESET, clone_run, dry_run, edit_source, job_counts
from thermolearn.checks import load_config
from thermolearn.paper_a.design import make_design
from thermolearn.paper_a.md.fidelity import first_law_excess
from thermolearn.paper_a.md.job import load_md

pytestmark = pytest.mark.workflow

# The rules that integrate the equations of motion (md/engine.py): the processes, the relaxation
# measurement, the accuracy sweep and the axiom reruns; A1's reruns start afresh, A5's from the
# processes' states.
MD_RULES = ("paper_a_md", "paper_a_relaxation", "paper_a_md_accuracy", "paper_a_axiom_a1_md",
            "paper_a_axiom_a5_md")
FIGURE_MODULES = ("paper_a/entropy_figures.py", "paper_a/md/relaxation_figure.py",
                  "paper_a/md/accuracy_figure.py")


@pytest.fixture(scope="module")
def smoke_repo(smoke_run, tmp_path_factory):
    """A private copy of the session's finished smoke run (read and dry-run only)."""
    wd = clone_run(smoke_run, tmp_path_factory.mktemp("md"))
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    design = make_design(config)
    targets = ["results/smoke/paper_a/processes.csv",
               "results/smoke/paper_a/figures/relaxation.png"] + [
        f"results/smoke/paper_a/md/{p}.npz" for p in design.process]
    return wd, config, design, targets


def dry_counts(wd, *targets, configfiles=(SMOKE_PRESET,), forcerun=()):
    """Jobs per rule a dry run would execute (the target rule ``all`` left out); the smoke
    preset unless ``configfiles`` says otherwise."""
    counts = job_counts(dry_run(wd, *targets, configfiles=configfiles, forcerun=forcerun))
    counts.pop("all", None)
    return counts




def test_paper_scale_plans_448_md_jobs(smoke_repo):
    wd = smoke_repo[0]
    counts = dry_counts(wd, configfiles=())  # config.yaml alone
    assert counts["paper_a_md"] == 448
    assert counts["paper_a_design"] == 1


def test_smoke_md_artifacts(smoke_repo):
    wd, config, design, _ = smoke_repo
    pa = config["paper_a"]
    res = wd / "results" / "smoke"
    for row in design.to_dict("records"):
        meta, arr = load_md(res / "paper_a" / "md" / f"{row['process']}.npz", pa, row,
                            arrays=("Lx_s", "pos_sfnd", "energy_sf", "work_s", "t_dx_s",
                                    "t2_dx_s"))
        assert arr["pos_sfnd"].shape[:3] == (row["n_states"], pa["protocol"]["n_frames"], row["N"])
        # the first law within the integrator's bound at every state (md/fidelity.py)
        e_sf = arr["energy_sf"]
        excess_s = first_law_excess(e_sf[:, -1] - e_sf[0, 0] - arr["work_s"], arr["t_dx_s"],
                                    arr["t2_dx_s"], pa["integrator"]["dt"])
        assert excess_s.max() <= 1.0
        assert meta["first_law_excess"] == pytest.approx(excess_s.max(), rel=1e-12)
        log = (res / "logs" / "paper_a" / "md" / f"{row['process']}.log").read_text()
        assert f"MD {row['process']}" in log and "100%" in log  # progress bar with ETA
    table = (res / "paper_a" / "processes.csv").read_text().splitlines()
    assert table[0].startswith("process,N,v_push,v_pull,dL_push,dL_pull")
    assert len(table) == 1 + len(design)


def test_nothing_to_do_when_up_to_date(smoke_repo):
    wd, _, _, targets = smoke_repo
    assert dry_counts(wd, *targets) == {}
    assert dry_counts(wd) == {}  # the whole smoke DAG


def test_config_change_reruns_exactly_the_dependents(smoke_repo, tmp_path):
    wd, config, design, targets = smoke_repo
    hold = tmp_path / "hold.yaml"
    hold.write_text(f"paper_a:\n  protocol:\n    t_hold: {config['paper_a']['protocol']['t_hold'] + 2}\n")
    counts = dry_counts(wd, *targets, configfiles=[SMOKE_PRESET, str(hold)])
    assert counts.get("paper_a_md") == len(design)
    assert counts.get("paper_a_relaxation_figure") == 1  # it marks t_hold
    assert "paper_a_design" not in counts and "paper_a_relaxation" not in counts
    relax = tmp_path / "relax.yaml"
    relax.write_text("paper_a:\n  relaxation:\n    n_repeats: 3\n")
    counts = dry_counts(wd, *targets, configfiles=[SMOKE_PRESET, str(relax)])
    assert counts.get("paper_a_relaxation") == 1 and counts.get("paper_a_relaxation_figure") == 1
    assert "paper_a_md" not in counts and "paper_a_design" not in counts


def test_engine_edit_plans_exactly_the_md_and_its_downstream(smoke_clone):
    """An edit of md/engine.py plans, in the whole smoke DAG, the rules that run the engine and
    every rule downstream of them (what ``--forcerun`` of the MD rules plans), nothing else:
    not the design (upstream), not Paper B."""
    wd = smoke_clone
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    assert dry_counts(wd) == {}
    downstream = dry_counts(wd, forcerun=MD_RULES)
    edit_source(wd / "src" / "thermolearn" / "paper_a" / "md" / "engine.py")
    counts = dry_counts(wd)
    assert counts == downstream
    assert counts["paper_a_md"] == len(make_design(config)) and counts["paper_a_relaxation"] == 1
    # downstream reaches images, training, the entropy tables and figures, axioms, the report
    for rule in ("paper_a_images", "paper_a_train", "paper_a_entropy_fit", "paper_a_fig7",
                 "paper_a_relaxation_figure", "paper_a_axiom_a1", "reproduction",
                 "paper_a_md_fidelity", "paper_a_md_accuracy_figure"):
        assert rule in counts, rule
    assert "paper_a_design" not in counts
    assert not [rule for rule in counts if rule.startswith("paper_b")]


def test_figure_module_edit_plans_only_the_figures(smoke_clone):
    """The entropy, relaxation and MD accuracy figures read cached tables: editing their modules
    plans the four figure rules and no computation."""
    wd = smoke_clone
    for module in FIGURE_MODULES:
        edit_source(wd / "src" / "thermolearn" / module)
    assert dry_counts(wd) == {"paper_a_fig7": 1, "paper_a_fig7_gap": 1,
                                      "paper_a_relaxation_figure": 1,
                                      "paper_a_md_accuracy_figure": 1}
