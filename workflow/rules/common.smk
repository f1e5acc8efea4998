# Shared by every stage: config validation, the package on the path, code fingerprints,
# wildcard constraints and the process design.
import os
import shutil
import sys
from pathlib import Path

REPO = Path(workflow.basedir)
SRC = REPO / "src"
# The rules import the package from this checkout (also when it is not pip-installed).
sys.path.insert(0, str(SRC))
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        [str(SRC)]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
)

from thermolearn.codegraph import code_digest
from thermolearn.checks import validate_config
from thermolearn.config import ConfigError
from thermolearn.paper_a.design import make_design
from thermolearn.plan.model import (
    UNMODELLED_MEM_MB,
    UNMODELLED_RUNTIME_MIN,
    CostModel,
    slurm_mem_mb,
    slurm_runtime_min,
)
from thermolearn.provenance import VERSION_ENV, code_version

# one code version for every job of this run (recorded in each artifact)
os.environ.update({VERSION_ENV: code_version()})

try:
    validate_config(config, REPO / "workflow" / "schemas" / "config.schema.yaml")
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None


wildcard_constraints:
    process=r"p[0-9][0-9][0-9]+",


# Each preset keeps its own results: results/<preset>/ (config key `preset`).
RESULTS = f"results/{config['preset']}"


def out(path):
    """A path under this preset's results folder: out("paper_a/md/{process}.npz")."""
    return f"{RESULTS}/{path}"


def code_of(script):
    """The code digest of workflow/scripts/<script>.py: a SHA-256 over the script and every
    package module it imports (thermolearn.codegraph), as a rule's `params: code=...`. It changes
    only when that code changes, so Snakemake's params trigger reruns exactly the rules that run
    the edited module. Computed at parse time, never written: parsing changes no file.
    """
    return code_digest(REPO / "workflow" / "scripts" / f"{script}.py")


# A job on a GPU device holds the `gpu` resource (one GPU job at a time, profiles/default) only
# where a GPU is: on a CPU-only machine training jobs then run side by side. The SLURM profile
# asks a GPU for these rules itself (its GPU nodes need not be the submit host).
HAS_GPU = shutil.which("nvidia-smi") is not None


def gpu_jobs(device):
    return 0 if device == "cpu" or (device == "auto" and not HAS_GPU) else 1


PAPER_A = config["paper_a"]
# Scheduling priority of the training's critical path (MD, images, states, training): on a few
# cores it runs first, and the A1/A5 MD, which needs no network, fills the cores the training
# leaves free. Snakemake's greedy scheduler otherwise prefers jobs with larger inputs (A5 MD).
PRIORITY = 1
DESIGN = make_design(config)
DESIGN_ROWS = {row["process"]: row for row in DESIGN.to_dict("records")}
PROCESSES = list(DESIGN_ROWS)
TARGETS = {}


def all_targets():
    return [t for stage in TARGETS.values() for t in stage]


# SLURM's `runtime` (minutes) and `mem_mb` of every job come from the cost model that
# `thermolearn plan` prints (thermolearn.plan: measured throughputs x the job's sizes), with the
# safety factors and floors of thermolearn.plan.model (SLURM_TIME_FACTOR, SLURM_MEM_FACTOR, ...),
# so a paper-scale job asks for what its size needs instead of a guessed limit. A rule the model
# does not know (no calibration yet) asks profiles/default's default-resources.
PLAN = CostModel(config, repo=REPO)


def _plan_key(wildcards):
    return str(wildcards[0]) if len(wildcards) else ""


def plan_runtime(rule):
    """The SLURM runtime (minutes) of the rule's jobs on their threads: a function of the job."""
    if not PLAN.knows(rule):
        return UNMODELLED_RUNTIME_MIN
    return lambda wildcards, threads: slurm_runtime_min(
        PLAN.cost(rule, _plan_key(wildcards)), threads
    )


def plan_mem(rule):
    """The SLURM mem_mb of the rule's jobs: a number, or a function of the wildcards."""
    if not PLAN.knows(rule):
        return UNMODELLED_MEM_MB
    if PLAN.keys(rule) == [""]:
        return slurm_mem_mb(PLAN.cost(rule))
    return lambda wildcards: slurm_mem_mb(PLAN.cost(rule, _plan_key(wildcards)))
