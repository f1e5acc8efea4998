"""Parsing the workflow changes nothing, and the targets a person would type work.

A dry run, ``--lint``, ``--report`` and ``thermolearn plan`` on a clean copy of the repository
leave every file as it was (the code fingerprints are params digests computed at parse time,
never written). The only thing allowed to appear is ``.snakemake/``: Snakemake itself creates
its persistence folders (metadata, locks, incomplete, ...) and an iocache there on every
invocation, even a dry run. ``snakemake paper_a``, ``paper_b`` and ``figures`` each plan what
they name (README, "Targets").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SMOKE_PRESET, PlannedJob, copy_repo, dry_run, snakemake

pytestmark = pytest.mark.workflow

SMOKE = ["--configfile", "presets/smoke.yaml"]
# Snakemake's own folder, created by any invocation (see the module docstring)
SNAKEMAKE_OWN = ".snakemake"


def tree(root: Path) -> dict[str, int]:
    """Every file and folder under ``root`` but Snakemake's own: path -> mtime (ns; 0 for a
    folder, whose mtime changes when Snakemake adds .snakemake/ to the root)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        if rel.parts[:1] == (SNAKEMAKE_OWN,):
            continue
        for d in dirnames:
            if (rel / d).parts[:1] != (SNAKEMAKE_OWN,):
                out[str(rel / d) + "/"] = 0
        for f in filenames:
            out[str(rel / f)] = (Path(dirpath) / f).stat().st_mtime_ns
    return out


@pytest.fixture
def clean_copy(tmp_path) -> Path:
    return copy_repo(tmp_path / "repo")


def test_dry_run_lint_report_and_plan_leave_the_tree_unchanged(clean_copy, tmp_path):
    wd = clean_copy
    env = dict(os.environ, PYTHONPATH=str(wd / "src"), PYTHONDONTWRITEBYTECODE="1")
    before = tree(wd)
    assert "config.yaml" in before and len(before) > 100
    for args in (["-n"], ["-n", "--forceall"], ["--lint"]):
        snakemake(wd, *args, *SMOKE)
        assert tree(wd) == before, f"snakemake {args} changed the tree"
    # on a clean copy the report has no outputs to show (Snakemake says so and fails); what
    # matters here is that it writes nothing either
    report = subprocess.run([sys.executable, "-m", "snakemake", "--report",
                             str(tmp_path / "report.html"), *SMOKE],
                            cwd=wd, capture_output=True, text=True, env=env, timeout=600)
    assert "does not exist" in report.stderr + report.stdout
    assert tree(wd) == before, "snakemake --report changed the tree"
    plan = subprocess.run([sys.executable, "-m", "thermolearn", "plan", "config.yaml",
                           "presets/smoke.yaml", "--cores", "2"],
                          cwd=wd, capture_output=True, text=True, env=env, timeout=600)
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert tree(wd) == before, "thermolearn plan changed the tree"
    assert not (wd / "results").exists()


def test_report_of_a_finished_run_leaves_its_tree_unchanged(smoke_clone, tmp_path):
    """The report of the session's finished smoke run (a private copy): written outside the
    run, it changes no file of it."""
    before = tree(smoke_clone)
    snakemake(smoke_clone, "--report", str(tmp_path / "report.html"), *SMOKE)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert tree(smoke_clone) == before


def _outputs(jobs: list[PlannedJob]) -> set[str]:
    return {p for j in jobs for p in j.outputs}


def test_targets_a_person_would_type(clean_copy):
    """`snakemake paper_a`, `paper_b`, `figures`: each plans its paper's (or every) final
    outputs, and nothing of the other paper."""
    wd = clean_copy
    everything, a, b, figs = (dry_run(wd, *target, configfiles=[SMOKE_PRESET])
                              for target in ((), ("paper_a",), ("paper_b",), ("figures",)))
    rules = {name: {j.rule for j in jobs} for name, jobs in
             (("a", a), ("b", b), ("figures", figs), ("all", everything))}
    assert "paper_a" in rules["a"] and "paper_b" in rules["b"] and "figures" in rules["figures"]
    assert not {r for r in rules["a"] if r.startswith("paper_b")}, rules["a"]
    assert not {r for r in rules["b"] if r.startswith("paper_a")}, rules["b"]
    assert {"paper_a_train", "paper_a_axioms_table", "paper_a_md_fidelity"} <= rules["a"]
    assert {"paper_b_train", "paper_b_table2", "paper_b_table3"} <= rules["b"]
    # every figure of the whole DAG, and the two papers together are everything but the
    # reproduction table and the run's config, which read both
    pngs = {p for p in _outputs(everything) if p.endswith(".png")}
    assert len(pngs) >= 17 and pngs <= _outputs(figs)
    assert {p for p in _outputs(figs) if p.endswith(".png")} == pngs
    rest = _outputs(everything) - _outputs(a) - _outputs(b)
    assert {Path(p).name for p in rest} == {"reproduction.csv", "reproduction.md",
                                            "config_used.yaml"}


def test_readme_names_the_targets():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for target in ("paper_a", "paper_b", "figures"):
        assert f"snakemake --cores 2 {target}" in text
