"""Imports go one way: config/io -> stages -> figures/report -> workflow (static, from the source).

The analytic test systems (``thermolearn.testsystems``) count as compute: they build on the
stages and reach no figure, report or workflow module; only tools at the top use them.

Figure modules are named so (``plotting.py``, ``*figure*.py``, ``plots.py``) and only they import
matplotlib; everything else in a stage package is compute, and compute never reaches a figure
module, not even through an import inside a function (the code fingerprints follow those too,
see thermolearn.codegraph), so a figure edit never reruns a compute rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from thermolearn.codegraph import PACKAGE_DIR, import_closure, imported_modules

BOTTOM = {"config", "io", "provenance", "jobs", "devices", "allocator", "codegraph"}  # thermolearn.<name>
TOP = {"thermolearn.cli", "thermolearn.__main__", "thermolearn.checks", "thermolearn.inspection",
       "thermolearn.gpu_check"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def imports_matplotlib(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n.split(".")[0] in ("matplotlib", "seaborn") for n in names):
            return True
    return False


FIGURES = {name for name in MODULES
           if name.rpartition(".")[2] in ("plotting", "plots") or "figure" in name.rpartition(".")[2]}
REPORT = {name for name in MODULES if name.startswith("thermolearn.report")}
STAGES = {name for name in MODULES if name.startswith(("thermolearn.paper_a", "thermolearn.paper_b"))}
# the analytic test systems are built from the stages' compute modules and sit beside them
TESTSYSTEMS = {name for name in MODULES if name.startswith("thermolearn.testsystems")}
COMPUTE = (STAGES | TESTSYSTEMS) - FIGURES


def closure_names(name: str) -> set[str]:
    return {module_name(p) for p in import_closure(MODULES[name])[1:]}


def test_only_figure_modules_import_matplotlib():
    mixed = sorted(name for name, path in MODULES.items()
                   if imports_matplotlib(path) and name not in FIGURES)
    assert not mixed, f"compute modules that plot: {mixed}"


def test_the_classification_finds_each_layer():
    assert "thermolearn.plotting" in FIGURES and "thermolearn.paper_b.figures" in FIGURES
    assert "thermolearn.paper_a.md.engine" in COMPUTE and "thermolearn.paper_b.train" in COMPUTE
    assert "thermolearn.testsystems.disks" in COMPUTE


def test_only_tools_use_the_test_systems():
    """The workflow's code never runs on made-up data: no stage, figure or report module reaches
    thermolearn.testsystems (the GPU check, a tool at the top, may)."""
    users = sorted(name for name in (STAGES | FIGURES | REPORT) - TESTSYSTEMS
                   if closure_names(name) & TESTSYSTEMS)
    assert not users, f"modules of the workflow that reach the test systems: {users}"
    assert closure_names("thermolearn.gpu_check") & TESTSYSTEMS  # the check sees the systems


@pytest.mark.parametrize("name", sorted(f"thermolearn.{m}" for m in BOTTOM))
def test_config_and_io_import_no_stage(name):
    reached = closure_names(name) - {f"thermolearn.{m}" for m in BOTTOM} - {"thermolearn"}
    assert not reached, f"{name} reaches {sorted(reached)}"


@pytest.mark.parametrize("name", sorted(COMPUTE))
def test_compute_reaches_no_figure_report_or_workflow_module(name):
    bad = closure_names(name) & (FIGURES | REPORT | TOP)
    assert not bad, f"{name} reaches {sorted(bad)}"


@pytest.mark.parametrize("name", sorted(FIGURES | REPORT))
def test_figures_and_report_reach_no_workflow_module(name):
    bad = closure_names(name) & TOP
    assert not bad, f"{name} reaches {sorted(bad)}"


def test_a_package_module_does_not_import_its_own_package_init():
    # e.g. render/artifacts.py taking render_frames from render/__init__.py, which imports
    # artifacts.py back: ``from . import name`` must name a sibling module, not the init's contents
    bad = []
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None:
                for alias in node.names:
                    if alias.name == "__version__":  # thermolearn/__init__.py holds only that
                        continue
                    sibling = path.parent / alias.name
                    if not (sibling.with_suffix(".py").is_file() or sibling.is_dir()):
                        bad.append(f"{name}: from . import {alias.name}")
    assert not bad, f"imports from the own package's __init__: {bad}"
