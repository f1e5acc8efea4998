# Shared by every stage: config validation, the package on the path, source tracking,
# wildcard constraints and the process design.
import os
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

from thermolearn.config import ConfigError, validate_config
from thermolearn.paper_a.design import make_design
from thermolearn.provenance import VERSION_ENV, code_version

# one code version for every job of this run (recorded in each artifact)
os.environ.update({VERSION_ENV: code_version()})

try:
    validate_config(config, REPO / "workflow" / "schemas" / "config.schema.yaml")
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None


wildcard_constraints:
    process=r"p[0-9][0-9][0-9]+",


RESULTS = "results"
CORE_SOURCES = [
    "__init__.py",
    "config.py",
    "devices.py",
    "io.py",
    "jobs.py",
    "plotting.py",
    "provenance.py",
]


def sources(*parts):
    """The package files a rule runs (inputs, so an edit reruns the rule).

    Paths are relative to the working directory (a copy of a finished run with its results and
    .snakemake/ is then up to date as it is), absolute when the checkout lies elsewhere.
    """
    files = [SRC / "thermolearn" / f for f in CORE_SOURCES]
    for part in parts:
        path = SRC / "thermolearn" / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    cwd = Path.cwd()
    return [str(f.relative_to(cwd)) if f.is_relative_to(cwd) else str(f) for f in files]


PAPER_A = config["paper_a"]
DESIGN = make_design(config)
DESIGN_ROWS = {row["process"]: row for row in DESIGN.to_dict("records")}
PROCESSES = list(DESIGN_ROWS)
TARGETS = {}


def all_targets():
    return [t for stage in TARGETS.values() for t in stage]
