"""An edit reruns exactly what it changes (code inputs from the import graph, thermolearn.codegraph).

Each test edits one module of a private copy of the session's finished smoke run and dry-runs
the whole DAG: the planned jobs must be the rules whose scripts import that module, and what
reads their outputs, and nothing else.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from conftest import REPO, SMOKE_PRESET, dry_run, edit_source, snakemake
from thermolearn.codegraph import import_closure

pytestmark = pytest.mark.workflow


def planned(wd: Path) -> dict[str, list[str]]:
    """Rule -> outputs of every job the full smoke DAG would run now (``all`` left out)."""
    jobs: dict[str, list[str]] = {}
    for job in dry_run(wd, configfiles=[SMOKE_PRESET]):
        if job.rule != "all":
            jobs.setdefault(job.rule, []).extend(job.outputs)
    return jobs


def summary_pending(wd: Path) -> set[str]:
    """The outputs Snakemake's own machine-readable summary (``--summary``, a TSV) marks
    "update pending" for the whole smoke DAG."""
    tsv = snakemake(wd, "--summary", "--configfile", SMOKE_PRESET).stdout
    return {row["output_file"] for row in csv.DictReader(io.StringIO(tsv), delimiter="\t")
            if row["plan"] == "update pending"}


def is_figure(outputs: list[str]) -> bool:
    return bool(outputs) and all(p.endswith(".png") for p in outputs)


def rule_scripts() -> dict[str, Path]:
    """Rule name -> the script it runs, read from the rule files."""
    scripts = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"(?m)^rule ", smk.read_text())[1:]:
            name = block.split(":", 1)[0].strip()
            m = re.search(r'script:\s*"\.\./scripts/(\w+\.py)"', block)
            if m:
                scripts[name] = REPO / "workflow" / "scripts" / m.group(1)
    return scripts


def importers(module: str) -> set[str]:
    """Rules whose script's import closure holds ``module`` (``thermolearn/...py``)."""
    target = (REPO / "src" / module).resolve()
    return {rule for rule, script in rule_scripts().items()
            if target in {p.resolve() for p in import_closure(script)}}


def test_up_to_date_copy_plans_nothing(smoke_clone):
    assert planned(smoke_clone) == {}


def test_plotting_edit_plans_only_figure_rules(smoke_clone):
    edit_source(smoke_clone / "src/thermolearn/plotting.py")
    jobs = planned(smoke_clone)
    assert jobs, "an edit of plotting.py must redraw the figures"
    not_figures = {rule for rule, outs in jobs.items() if not is_figure(outs)}
    assert not not_figures, f"a plotting edit plans compute rules: {sorted(not_figures)}"
    # every figure drawn through plotting.py is redrawn (scripts are named after their rules)
    assert set(jobs) == importers("thermolearn/plotting.py")
    # the jobs read from the DAG are the ones Snakemake's summary says it would update
    assert summary_pending(smoke_clone) == {p for outs in jobs.values() for p in outs}


@pytest.mark.parametrize("module", ["thermolearn/paper_b/figures.py",
                                    "thermolearn/paper_a/siamese/plots.py"])
def test_figure_module_edit_plans_only_its_figures(smoke_clone, module):
    edit_source(smoke_clone / "src" / module)
    jobs = planned(smoke_clone)
    assert jobs and all(is_figure(outs) for outs in jobs.values()), sorted(jobs)
    assert set(jobs) == importers(module)


def test_paper_b_edit_plans_no_paper_a_job(smoke_clone):
    edit_source(smoke_clone / "src/thermolearn/paper_b/hfunc.py")
    jobs = planned(smoke_clone)
    assert "paper_b_simulate" in jobs and "paper_b_train" in jobs
    assert not [rule for rule in jobs if rule.startswith("paper_a")], sorted(jobs)


def test_config_layer_edit_reruns_everything_that_imports_it(smoke_clone):
    # io.py is imported by every stage: every compute rule reruns (the fingerprints see it)
    edit_source(smoke_clone / "src/thermolearn/io.py")
    jobs = planned(smoke_clone)
    assert {"paper_a_md", "paper_a_train", "paper_b_simulate", "paper_b_train"} <= set(jobs)


def test_a_second_preset_keeps_the_first_presets_results(smoke_clone):
    """Another preset writes only under its own results/<preset>/; the smoke results stay
    untouched and up to date."""
    wd = smoke_clone
    other = wd / "other.yaml"
    other.write_text("preset: other\n")  # the same config under another name
    before = {p: p.stat().st_mtime_ns for p in (wd / "results" / "smoke").rglob("*") if p.is_file()}
    plan = dry_run(wd, configfiles=[SMOKE_PRESET, str(other)])
    outputs = [p for job in plan for p in job.outputs]
    assert outputs and all(p.startswith("results/other/") for p in outputs), outputs[:5]
    # a real run of part of it: the design, one MD process and the Paper B run files
    targets = [p for p in outputs if p.endswith(("paper_a/processes.csv", "paper_a/md/p000.npz",
                                                 "paper_b/runs/b000.npz"))]
    assert len(targets) == 3
    snakemake(wd, *targets, "--configfile", "presets/smoke.yaml", str(other))
    assert all((wd / p).is_file() for p in targets)
    after = {p: p.stat().st_mtime_ns for p in (wd / "results" / "smoke").rglob("*") if p.is_file()}
    assert after == before
    assert planned(wd) == {}
