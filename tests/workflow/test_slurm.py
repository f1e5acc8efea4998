"""The SLURM profile: checked against the plugin and the DAG here, run on a real SLURM below.

The fast tests (profile options exist, every GPU rule goes to the GPU partition) run with the
main suite. The ``slurm``-marked tests are deselected there (pyproject's addopts) and run by
``.ci/run`` as a separate step: ``THERMOLEARN_REQUIRE_SLURM=1 python3 -m pytest -m slurm
tests/workflow/test_slurm.py``. They install SLURM from Debian's packages
(``.ci/slurm/install.sh``), start a private one-node cluster (``.ci/slurm/start.sh``), run the
whole smoke DAG through ``profiles/slurm``, check every output of ``rule all`` and compare
numbers with the local executor, then stop the daemons they started, by PID
(``.ci/slurm/stop.sh``).

Without root or apt they skip, naming the reason; with ``THERMOLEARN_REQUIRE_SLURM=1`` they
fail instead. The numbers measured (install, start, wall times) are printed and written to
``<tmp>/slurm_timings.json`` (see docs/cluster.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, SMOKE_PRESET, copy_repo, dry_run, every_job, snakemake
from thermolearn.checks import load_config
from thermolearn.io import load_npz
from thermolearn.paper_a.design import make_design
from thermolearn.paper_a.md.fidelity import first_law_excess

PROFILE = REPO / "profiles" / "slurm" / "config.yaml"
SLURM_CI = REPO / ".ci" / "slurm"
SMOKE = ["--configfile", "presets/smoke.yaml"]
REQUIRE = os.environ.get("THERMOLEARN_REQUIRE_SLURM", "") not in ("", "0")
GPU_PARTITION = "gpu"
# Finished jobs stay visible to squeue this long: the whole run plus the checks after it.
MIN_JOB_AGE_S = 3600
# Test profile: the plugin's first status check after 5 s (MinJobAge >= 3x this).
INIT_STATUS_S = 5


# ---------------------------------------------------------------------------------------------
# The profile itself (fast; main suite)


def test_profile_options_exist_in_snakemake_and_the_plugin():
    plugin = pytest.importorskip("snakemake_executor_plugin_slurm")
    from dataclasses import fields

    from snakemake.cli import get_argument_parser

    profile = yaml.safe_load(PROFILE.read_text())
    options = {s for a in get_argument_parser()._actions for s in a.option_strings}
    plugin_keys = {"slurm-" + f.name.replace("_", "-") for f in fields(plugin.ExecutorSettings)}
    for key in profile:
        if key.startswith("slurm-"):
            assert key in plugin_keys, f"profiles/slurm: {key!r} is no option of the plugin"
        else:
            assert f"--{key}" in options, f"profiles/slurm: {key!r} is no Snakemake option"
    assert profile["executor"] == "slurm"
    # Without slurmdbd only squeue answers; the plugin's own fallback to sacct needs
    # MinJobAge < 3x this delay, which start.sh's MinJobAge (>= 300 s) rules out.
    assert profile["slurm-status-command"] == "squeue"
    assert 3 * profile["slurm-init-seconds-before-status-checks"] <= 300
    for rule, res in profile.get("set-resources", {}).items():
        assert "slurm_extra" not in res, f"profiles/slurm: {rule} uses slurm_extra"


def test_profile_sends_exactly_the_gpu_rules_to_the_gpu_partition(tmp_path):
    """Every rule with a gpu resource (paper scale DAG) goes to the GPU partition and asks a GPU
    there, no other does; on a machine without a GPU the workflow itself asks none (CPU
    training jobs then run side by side); every rule the profile names exists."""
    jobs = every_job(tmp_path)  # paper scale
    rules = {j.rule for j in jobs}
    gpu_rules = {j.rule for j in jobs if "gpu" in j.resources}
    assert gpu_rules, "no rule has a gpu resource: the gpu resource convention changed"
    if shutil.which("nvidia-smi") is None:
        asked = {j.rule for j in jobs if int(j.resources.get("gpu") or 0) > 0}
        assert not asked, f"rules hold a GPU on a machine without one: {asked}"
    profile = yaml.safe_load(PROFILE.read_text())
    to_gpu = {r for r, res in profile["set-resources"].items()
              if res.get("slurm_partition") == GPU_PARTITION and res.get("gpu") == 1}
    assert to_gpu == gpu_rules
    named = set(profile["set-resources"]) | set(profile.get("groups", {}))
    assert named <= rules, f"profiles/slurm names rules that do not exist: {named - rules}"
    # A group job must fit the profile's cores: its rules are single-threaded.
    assert set(profile["group-components"]) == set(profile["groups"].values())


# ---------------------------------------------------------------------------------------------
# A real one-node SLURM (slow; the separate CI step)


def unavailable(reason: str):
    if REQUIRE:
        pytest.fail(f"THERMOLEARN_REQUIRE_SLURM is set but {reason}")
    pytest.skip(reason)


def run_script(name: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SLURM_CI / name), *args], capture_output=True,
                          text=True, timeout=timeout)


def measured(proc: subprocess.CompletedProcess, key: str) -> float:
    found = re.findall(rf"^{key}=([0-9.]+)$", proc.stdout, re.M)
    assert found, f"no {key}= line in:\n{proc.stdout}\n{proc.stderr}"
    return float(found[-1])


@dataclass
class Cluster:
    state: Path
    env: dict
    install_s: float
    start_s: float


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        unavailable("installing and starting SLURM needs root")
    pytest.importorskip("snakemake_executor_plugin_slurm",
                        reason="snakemake-executor-plugin-slurm is not installed (.[test])")
    have = all(shutil.which(c) for c in ("slurmctld", "slurmd", "sbatch", "munged"))
    if not have and shutil.which("apt-get") is None:
        unavailable("SLURM is not installed and there is no apt-get to install it")
    proc = run_script("install.sh")
    if proc.returncode != 0:
        unavailable(f"SLURM could not be installed: {proc.stderr[-1500:]}")
    install_s = measured(proc, "install_s")
    state = tmp_path_factory.mktemp("slurm")
    env = dict(os.environ, SLURM_CONF=str(state / "slurm.conf"),
               SLURM_MIN_JOB_AGE=str(MIN_JOB_AGE_S))
    daemons: dict[str, str] = {}
    try:
        proc = subprocess.run(["bash", str(SLURM_CI / "start.sh"), str(state)], env=env,
                              capture_output=True, text=True, timeout=120)
        if (state / "pids").exists():
            daemons = dict(line.split() for line in (state / "pids").read_text().splitlines())
        if proc.returncode == 3:
            unavailable(proc.stderr.strip())
        assert proc.returncode == 0, f"start.sh failed:\n{proc.stdout}\n{proc.stderr}"
        yield Cluster(state, env, install_s, measured(proc, "start_s"))
    finally:
        stop = run_script("stop.sh", str(state), timeout=120)
        assert stop.returncode == 0, stop.stderr
    for name, pid in daemons.items():  # stopped: the PIDs start.sh recorded run no more
        if name in ("link", "dir"):
            assert not Path(pid).exists(), f"stop.sh left {pid}"
            continue
        mark = daemons.get("dir", "?") if name == "munged" else str(state)
        cmdline = Path(f"/proc/{pid}/cmdline")
        alive = cmdline.exists() and mark in cmdline.read_text(errors="replace")
        assert not alive, f"{name} ({pid}) still runs after stop.sh"


def make_test_profile(tmp_path: Path) -> Path:
    """profiles/slurm as shipped, plus what this GPU-less 2-core node needs (docs/cluster.md).

    A derived profile rather than command-line flags: ``--set-resources`` on the command line
    replaces the profile's whole ``set-resources`` (the GPU-partition mapping would be lost).
    """
    profile = yaml.safe_load(PROFILE.read_text())
    for res in profile["set-resources"].values():
        if res.get("slurm_partition") == GPU_PARTITION:
            res["gpu"] = 0  # no GRES here: --gpus=1 would be rejected; the partition stays
    profile["cores"] = os.cpu_count()  # the node's CPUs (EnforcePartLimits rejects more)
    # One CPU per job: two jobs at a time on 2 cores (each job's own Snakemake start-up is
    # single-threaded; 8-thread training on 2 cores would serialize the GPU rules).
    profile["max-threads"] = 1
    profile["slurm-init-seconds-before-status-checks"] = INIT_STATUS_S
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return tmp_path


def squeue_jobs(env: dict) -> pd.DataFrame:
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%T|%P|%C|%m|%k|%j"],
        env=env, capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    rows = [line.split("|") for line in out.splitlines() if line.strip()]
    return pd.DataFrame(rows, columns=["jobid", "state", "partition", "cpus", "mem", "comment",
                                       "name"])


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    """The whole smoke DAG through SLURM, then a few cheap targets with the local executor."""
    # Two identical snapshots of the sources (not links: edits in the checkout during the
    # ~10 min run must not leak in), one for SLURM, one for the local executor.
    wd = copy_repo(tmp_path_factory.mktemp("repo_slurm"), link_src=False)
    local = copy_repo(tmp_path_factory.mktemp("repo_local"), link_src=False)
    profile = make_test_profile(tmp_path_factory.mktemp("profile"))
    dag = every_job(tmp_path_factory.mktemp("dag"), SMOKE_PRESET)
    targets = next(j for j in dag if j.rule == "all").inputs
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "snakemake", "--profile", str(profile), *SMOKE]
    proc = subprocess.run(cmd, cwd=wd, env=cluster.env, capture_output=True, text=True,
                          timeout=1500)
    slurm_s = time.monotonic() - t0
    assert proc.returncode == 0, (
        f"snakemake --profile profiles/slurm failed ({proc.returncode}):\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-8000:]}"
    )
    jobs = squeue_jobs(cluster.env)
    # The same config with the local executor, for the cheap jobs (numbers must agree).
    config = load_config(wd / "config.yaml", wd / "presets" / "smoke.yaml")
    processes = list(make_design(config).process)
    compare = ["results/smoke/paper_a/processes.csv", f"results/smoke/paper_a/md/{processes[0]}.npz",
               "results/smoke/paper_b/runs/b000.npz", "results/smoke/paper_b/frame_rate_sweep.csv"]
    t0 = time.monotonic()
    snakemake(local, *compare, *SMOKE)
    local_s = time.monotonic() - t0
    timings = {"install_s": cluster.install_s, "start_s": cluster.start_s,
               "smoke_dag_slurm_s": round(slurm_s, 1), "slurm_jobs": len(jobs),
               "local_compare_targets_s": round(local_s, 1), "compare_targets": compare}
    (tmp_path_factory.getbasetemp() / "slurm_timings.json").write_text(json.dumps(timings))
    print("\nSLURM timings:", json.dumps(timings))
    return {"wd": wd, "local": local, "targets": targets, "jobs": jobs, "config": config,
            "processes": processes,
            "compare": compare, "stderr": proc.stderr}


def check_artifact(path: Path) -> None:
    """Load ``path`` by its type and check it holds data (raises naming the file)."""
    assert path.is_file() and path.stat().st_size > 0, f"{path}: missing or empty"
    ext = path.suffix
    if ext == ".npz":
        meta, arrays = load_npz(path)
        assert meta.get("kind") and meta.get("config_hash"), f"{path}: no provenance"
        for name, a in arrays.items():
            if a.dtype.kind == "f":
                assert np.isfinite(a).all(), f"{path}: {name} has NaN/inf"
    elif ext == ".npy":
        a = np.load(path, allow_pickle=False)
        assert a.size and a.max() > a.min(), f"{path}: constant image array"
    elif ext == ".csv":
        frame = pd.read_csv(path)
        assert len(frame) and len(frame.columns), f"{path}: empty table"
    elif ext == ".json":
        assert json.loads(path.read_text()), f"{path}: empty JSON"
    elif ext == ".png":
        from PIL import Image

        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            assert min(im.size) >= 200, f"{path}: {im.size} px"
            lo, hi = im.convert("L").getextrema()
            assert hi - lo > 50, f"{path}: blank figure"
    elif ext == ".pt":
        import torch

        state = torch.load(path, weights_only=True, map_location="cpu")
        tensors = [v for v in state.values() if isinstance(v, torch.Tensor)]
        assert tensors and all(torch.isfinite(t).all() for t in tensors), f"{path}: bad weights"
    else:  # text outputs (.md, .txt, .tex)
        assert path.read_text(encoding="utf-8").strip(), f"{path}: empty text"


@pytest.mark.slurm
def test_smoke_dag_through_slurm_makes_every_target(slurm_run):
    wd, targets = slurm_run["wd"], slurm_run["targets"]
    assert len(targets) > 20
    for target in targets:
        check_artifact(wd / target)
    # Nothing left to do: outputs, their code and params are what the local executor expects.
    assert dry_run(wd, configfiles=[SMOKE_PRESET]) == []


@pytest.mark.slurm
def test_every_job_ran_on_slurm_as_the_profile_asks(slurm_run):
    jobs, profile = slurm_run["jobs"], yaml.safe_load(PROFILE.read_text())
    assert len(jobs) and (jobs.state == "COMPLETED").all(), jobs[jobs.state != "COMPLETED"]
    rule = jobs.comment.str.replace(r"^rule_", "", regex=True).str.replace(
        r"_wildcards_.*$", "", regex=True)
    gpu_rules = {r for r, res in profile["set-resources"].items()
                 if res.get("slurm_partition") == GPU_PARTITION}
    on_gpu = set(rule[jobs.partition == GPU_PARTITION])
    assert on_gpu == gpu_rules, "GPU rules must run in the gpu partition, all others in main"
    assert set(jobs.partition) == {"main", GPU_PARTITION}
    assert jobs.cpus.astype(int).max() <= os.cpu_count()
    # Grouping: the renderings (one job per process) went in fewer SLURM jobs.
    n_images = len(slurm_run["processes"])  # one rendering job per process
    render = jobs[rule.isin(["render", "group_render"]) | jobs.comment.str.contains("render")]
    assert n_images >= 2 and 1 <= len(render) < n_images, render
    assert "paper_a_images" not in set(rule)


@pytest.mark.slurm
def test_slurm_and_local_executor_give_the_same_numbers(slurm_run):
    wd, local = slurm_run["wd"], slurm_run["local"]
    for target in slurm_run["compare"]:
        a, b = wd / target, local / target
        if target.endswith(".csv"):
            pd.testing.assert_frame_equal(pd.read_csv(a), pd.read_csv(b), check_exact=True)
        else:
            (meta_a, arr_a), (meta_b, arr_b) = load_npz(a), load_npz(b)
            assert meta_a["config_hash"] == meta_b["config_hash"]
            assert set(arr_a) == set(arr_b)
            for name in arr_a:
                np.testing.assert_array_equal(arr_a[name], arr_b[name], err_msg=f"{target}:{name}")


@pytest.mark.slurm
def test_md_through_slurm_obeys_the_first_law(slurm_run):
    """E(end of state) - E0 = W (piston work) for every state of every process within the
    integrator's first-law bound (md/fidelity.py, valid at paper scale: docs/md_accuracy.md),
    recomputed here from the artifact's arrays and matching the error in its metadata."""
    wd, config = slurm_run["wd"], slurm_run["config"]
    dt = config["paper_a"]["integrator"]["dt"]
    md = sorted((wd / "results" / "smoke" / "paper_a" / "md").glob("p*.npz"))
    assert len(md) == config["paper_a"]["design"]["n_processes"]
    for path in md:
        meta, a = load_npz(path, kind="paper_a.md_process",
                           arrays=("energy_sf", "work_s", "ekin_sf", "epot_sf", "t_dx_s",
                                   "t2_dx_s"))
        np.testing.assert_allclose(a["energy_sf"], a["ekin_sf"] + a["epot_sf"], rtol=1e-12)
        e0 = a["energy_sf"][0, 0]
        err = np.abs(a["energy_sf"][:, -1] - e0 - a["work_s"]) / abs(e0)
        assert err.max() == pytest.approx(meta["first_law_error"], rel=1e-9, abs=1e-15)
        excess_s = first_law_excess(err * abs(e0), a["t_dx_s"], a["t2_dx_s"], dt)
        assert excess_s.max() <= 1.0
        assert excess_s.max() == pytest.approx(meta["first_law_excess"], rel=1e-9, abs=1e-15)
        assert np.abs(a["work_s"]).max() > 0  # the piston did work: the check is not vacuous
