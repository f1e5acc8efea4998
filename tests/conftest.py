"""Shared by every folder of tests/: the repository (its ``src/`` first on the path), configs,
scratch copies of the repo for workflow runs, and the jobs Snakemake would run (tests/README.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from thermolearn.checks import load_config  # noqa: E402
from thermolearn.plan.dag import PlannedJob, planned_jobs  # noqa: E402

SMOKE_PRESET = "presets/smoke.yaml"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture
def paper_config() -> dict:
    return load_config(REPO / "config.yaml")


@pytest.fixture
def smoke_config() -> dict:
    return load_config(REPO / "config.yaml", REPO / "presets" / "smoke.yaml")


def copy_repo(dest: Path, link_src: bool = False) -> Path:
    """Copy the tracked and untracked-but-not-ignored files of the repo to ``dest``.

    With ``link_src`` the package sources are a symlink to this checkout's ``src/``, so numba's
    on-disk cache (``__pycache__`` beside the sources) is shared and each kernel is compiled once
    per test session instead of once per copy. Only for tests that never edit the copy's
    sources (an edit would change this checkout).
    """
    dest.mkdir(parents=True, exist_ok=True)
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")
    if link_src:
        (dest / "src").symlink_to(REPO / "src", target_is_directory=True)
    for f in filter(None, files):
        if link_src and f.startswith("src/"):
            continue
        src = REPO / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    return dest


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 900):
    """Run Snakemake on the repo copy in ``workdir``; return the CompletedProcess."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def edit_source(path: Path) -> None:
    """A real source edit: a comment appended, mtime ahead (Snakemake and the code fingerprints
    compare content, so a bare touch is no change)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n# edited by a test\n")
    later = time.time() + 5
    os.utime(path, (later, later))


def dry_run(workdir: Path, *targets: str, configfiles=(), forceall: bool = False,
            forcerun=(), snakefile: Path | None = None) -> list[PlannedJob]:
    """The jobs ``snakemake -n --cores 2`` in ``workdir`` would list: rule, inputs, outputs,
    threads and resources of each, from Snakemake's DAG (its API:
    :func:`thermolearn.plan.dag.planned_jobs`) rather than the dry run's text."""
    return planned_jobs(workdir, configfiles, targets, forceall=forceall, cores=2,
                        snakefile=snakefile, forcerun=forcerun)


def every_job(scratch: Path, *configfiles: str) -> list[PlannedJob]:
    """Every job of this checkout's DAG (``--forceall``) for ``configfiles`` (relative to the
    repo), built in the empty working directory ``scratch``, which gets only Snakemake's own
    ``.snakemake/``: the checkout is not touched."""
    scratch.mkdir(parents=True, exist_ok=True)
    return dry_run(scratch, configfiles=[REPO / c for c in configfiles], forceall=True,
                   snakefile=REPO / "Snakefile")


def job_counts(jobs: list[PlannedJob]) -> dict[str, int]:
    """Jobs per rule (a dry run's "Job stats" without its total)."""
    return dict(Counter(job.rule for job in jobs))


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """The whole smoke DAG (``rule all``) run once per test session in a scratch copy.

    Tests that only read the smoke outputs share it instead of rerunning the pipeline.
    """
    wd = copy_repo(tmp_path_factory.mktemp("smoke_run"), link_src=True)
    warm_numba_cache()
    snakemake(wd, "--configfile", "presets/smoke.yaml", timeout=1800)
    return wd


# Every numba kernel of the workflow at the argument types its jobs use, compiled into the
# on-disk cache beside the sources (which copy_repo(link_src=True) shares).
WARM_KERNELS = """
import numpy as np
from thermolearn.paper_a.md.engine import GasParams, compile_kernels
from thermolearn.paper_a.md.initial import random_state
from thermolearn.paper_a.render.fast import render_frames_fast
from thermolearn.paper_b.hard_disks import DiskParams, simulate
compile_kernels()
random_state(4, GasParams(L=20.0), 1.0, np.random.default_rng(0))
render_frames_fast(np.full((1, 2, 2), 5.0, np.float32), 40.0, 1.0, 208, 32)
simulate(DiskParams(n_disks=20, radius=0.01, speed=0.1, frame_rate=20), 3,
         np.random.default_rng(0))
"""


def warm_numba_cache() -> None:
    """Compile the workflow's numba kernels once, before a timed run.

    A first run in a fresh checkout spends most of a smoke job's seconds compiling (13 of the
    14 CPU-s of a first A1 MD job); the smoke run's benchmark files then time the jobs as any
    later run sees them, which is what ``thermolearn plan`` projects (tests/tools/test_plan.py).
    """
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    subprocess.run([sys.executable, "-c", WARM_KERNELS], env=env, check=True, timeout=600)


def clone_run(run: Path, dest: Path) -> Path:
    """A private copy of a finished run (sources, results/, .snakemake/), up to date as it is.

    The copy's ``src/`` is real files, so a test may edit them (and its numba cache comes along).
    """
    shutil.copytree(run, dest, symlinks=False, dirs_exist_ok=True)
    return dest


@pytest.fixture
def smoke_clone(smoke_run, tmp_path) -> Path:
    """A private, editable copy of the session's finished smoke run."""
    return clone_run(smoke_run, tmp_path / "clone")
