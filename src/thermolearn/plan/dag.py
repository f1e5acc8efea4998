"""The jobs of a config as the workflow itself lists them: Snakemake builds the DAG.

The plan takes every job's rule, wildcard, threads, conda env, outputs, benchmark file,
priority and dependencies from the DAG of ``repo/Snakefile`` (every job, as ``--forceall``
plans it), so a rule added to the workflow is in the plan without being listed anywhere else;
the plan package keeps only what the workflow cannot say: each rule's work per job and the
measured costs per unit of work (:mod:`.model`, ``calibration.yaml``).

The DAG is built in a child process (``python -m thermolearn.plan.dag``, Snakemake's API) in a
scratch working directory that is removed afterwards: parsing the workflow changes no file of
the checkout, and the child's ``chdir``, logging and ``sys.path`` stay out of the caller.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from ..config import ConfigError

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class DagJob:
    """One job of the DAG. Paths are relative to the preset's ``results/<preset>/`` folder."""

    id: int
    rule: str
    key: str                   # its first wildcard's value ('' for a rule of one job)
    threads: int               # the rule's threads (not capped by any --cores)
    env: str                   # the conda env file's stem ('md', 'torch'), '' if none
    outputs: tuple[str, ...]
    benchmark: str             # '' where the rule has none (a target rule such as `all`)
    deps: tuple[int, ...]      # ids of the jobs whose outputs it reads
    priority: int = 0
    runs: bool = True          # False for a target rule (no script: Snakemake runs nothing)
    local: bool = False        # a localrule: on a cluster it runs on the submit host


def _relative(path: str, results: str) -> str:
    prefix = results.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def _dag_json(repo: Path, configfile: Path, workdir: Path) -> list[dict]:
    """In the child process: build the DAG with Snakemake's API; one dict per job."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (ConfigSettings, DAGSettings, OutputSettings,
                                          Quietness, ResourceSettings)

    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        wf_api = api.workflow(
            resource_settings=ResourceSettings(cores=1024),  # threads as the rules ask them
            config_settings=ConfigSettings(configfiles=[configfile]),
            snakefile=repo / "Snakefile",
            workdir=workdir,
        )
        wf_api.dag(DAGSettings(forceall=True))
        wf = wf_api._workflow
        # what `snakemake --d3dag` does (Workflow.printd3dag), keeping the jobs instead
        wf._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True)
        wf._build_dag()
        dag = wf.dag
        results = f"results/{wf.config['preset']}"
        jobs = list(dag.jobs)
        ids = {job: i for i, job in enumerate(jobs)}
        out = []
        for job in jobs:
            wc = list(job.wildcards_dict.values())
            env = job.rule.conda_env
            out.append(dict(
                id=ids[job], rule=job.rule.name, key=str(wc[0]) if wc else "",
                threads=int(job.threads),
                env=Path(str(env)).stem if env else "",
                outputs=[_relative(str(f), results) for f in job.output],
                benchmark=_relative(str(job.benchmark), results) if job.benchmark else "",
                deps=sorted(ids[d] for d in dag.dependencies[job] if d in ids),
                priority=int(job.rule.priority), runs=not job.rule.norun,
                local=job.rule.name in wf._localrules or job.rule.norun,
            ))
        return out


@lru_cache(maxsize=16)
def _cached(repo: str, config_yaml: str) -> tuple[DagJob, ...]:
    with tempfile.TemporaryDirectory(prefix="thermolearn-dag-") as tmp:
        configfile = Path(tmp) / "config.yaml"
        configfile.write_text(config_yaml, encoding="utf-8")
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        proc = subprocess.run(
            [sys.executable, "-m", "thermolearn.plan.dag", repo, str(configfile), str(workdir)],
            capture_output=True, text=True, cwd=tmp,
            env=_child_env(Path(repo)))
    if proc.returncode != 0:
        raise ConfigError(f"the workflow's DAG could not be built:\n{proc.stderr[-3000:]}")
    rows = json.loads(proc.stdout.splitlines()[-1])
    return tuple(DagJob(**{**r, "outputs": tuple(r["outputs"]), "deps": tuple(r["deps"])})
                 for r in rows)


def _child_env(repo: Path) -> dict:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(repo / "src")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def workflow_jobs(config: Mapping, repo: Path | None = None) -> list[DagJob]:
    """Every job of ``config``'s DAG (the default target, all jobs), from ``repo``'s workflow
    (default: this checkout). Cached per config."""
    repo = Path(repo or REPO).resolve()
    if not (repo / "Snakefile").is_file():
        raise ConfigError(f"{repo}: no Snakefile (the plan reads the workflow's DAG)")
    return list(_cached(str(repo), yaml.safe_dump(dict(config), sort_keys=True)))


def omit_from(jobs: list[DagJob], rules) -> list[DagJob]:
    """``jobs`` without the jobs of ``rules`` and everything downstream of them (Snakemake's
    ``--omit-from``)."""
    rules = set(rules)
    dropped: set[int] = set()
    by_id = {j.id: j for j in jobs}
    changed = True
    while changed:
        changed = False
        for j in by_id.values():
            if j.runs and j.id not in dropped and (j.rule in rules or dropped.intersection(j.deps)):
                dropped.add(j.id)
                changed = True
    return [j for j in jobs if j.id not in dropped]


if __name__ == "__main__":
    repo_arg, config_arg, workdir_arg = sys.argv[1:4]
    rows = _dag_json(Path(repo_arg), Path(config_arg), Path(workdir_arg))
    print(json.dumps(rows))
