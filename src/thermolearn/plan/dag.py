"""The jobs of a config as the workflow itself lists them: Snakemake builds the DAG.

The plan takes every job's rule, wildcard, threads, conda env, outputs, benchmark file,
priority and dependencies from the DAG of ``repo/Snakefile`` (every job, as ``--forceall``
plans it), so a rule added to the workflow is in the plan without being listed anywhere else;
the plan package keeps only what the workflow cannot say: each rule's work per job and the
measured costs per unit of work (:mod:`.model`, ``calibration.yaml``).

The DAG is built in a child process (``python -m thermolearn.plan.dag``, Snakemake's API) in a
scratch working directory that is removed afterwards: parsing the workflow changes no file of
the checkout, and the child's ``chdir``, logging and ``sys.path`` stay out of the caller.

:func:`planned_jobs` asks the same DAG what a run in a given working directory would execute
now (the jobs ``snakemake -n`` lists, with their inputs, outputs and resources), for the tests
and anyone who would otherwise read the dry run's text.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

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


@dataclass
class PlannedJob:
    """A job a run would execute (:func:`planned_jobs`). Paths as the workflow writes them,
    relative to the working directory."""

    rule: str
    inputs: list[str]
    outputs: list[str]
    threads: int
    resources: dict = field(default_factory=dict)  # name -> value, Snakemake's own left out


@contextmanager
def _snakemake_dag(snakefile: Path, configfiles: Iterable[Path], workdir: Path,
                   targets: Iterable[str] = (), forceall: bool = True, cores: int = 1024,
                   forcerun: Iterable[str] = ()):
    """In the child process: Snakemake's workflow and DAG, built with its API as a dry run
    builds them (``rerun-incomplete`` as ``profiles/default`` sets it), without its lock."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (ConfigSettings, DAGSettings, OutputSettings,
                                          Quietness, ResourceSettings)

    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        wf_api = api.workflow(
            resource_settings=ResourceSettings(cores=cores),
            config_settings=ConfigSettings(configfiles=[Path(c) for c in configfiles]),
            snakefile=snakefile,
            workdir=workdir,
        )
        wf_api.dag(DAGSettings(targets=frozenset(targets), forceall=forceall,
                               forcerun=frozenset(forcerun), force_incomplete=True))
        wf = wf_api._workflow
        # what `snakemake --d3dag` does (Workflow.printd3dag), keeping the jobs instead
        wf._prepare_dag(forceall=forceall, ignore_incomplete=forceall, lock_warn_only=True,
                        nolock=True)
        wf._build_dag()
        yield wf, wf.dag


def _dag_json(repo: Path, configfile: Path, workdir: Path) -> list[dict]:
    """In the child process: build the DAG with Snakemake's API; one dict per job."""
    with _snakemake_dag(repo / "Snakefile", [configfile], workdir) as (wf, dag):
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


def _planned_json(snakefile: Path, configfiles: list[Path], workdir: Path, targets: list[str],
                  forceall: bool, cores: int, forcerun: list[str]) -> list[dict]:
    """In the child process: the jobs a run would execute, one dict per job."""
    with _snakemake_dag(snakefile, configfiles, workdir, targets, forceall, cores,
                        forcerun) as (_, dag):
        return [dict(rule=job.rule.name, inputs=[str(f) for f in job.input],
                     outputs=[str(f) for f in job.output], threads=int(job.threads),
                     resources={k: v if isinstance(v, (int, float, str)) else str(v)
                                for k, v in job.resources.items() if not k.startswith("_")})
                for job in dag.needrun_jobs()]


def planned_jobs(workdir: str | Path, configfiles: Iterable[str | Path] = (),
                 targets: Iterable[str] = (), forceall: bool = False, cores: int = 2,
                 snakefile: str | Path | None = None,
                 forcerun: Iterable[str] = ()) -> list[PlannedJob]:
    """The jobs a run in ``workdir`` would execute now, as ``snakemake -n`` plans them.

    Read from Snakemake's DAG (its API, in a child process) rather than from the dry run's text.
    Snakemake writes its own ``.snakemake/`` folder into ``workdir``, as a dry run does.

    Parameters
    ----------
    workdir : str or Path
        The working directory (a checkout, or a copy of one with its results).
    configfiles : iterable of str or Path
        ``--configfile`` arguments, relative to ``workdir`` or absolute.
    targets : iterable of str
        Target files or rules (default: the workflow's default target).
    forceall : bool
        Every job of the targets, as ``--forceall``.
    forcerun : iterable of str
        Rules whose jobs run again with everything downstream, as ``--forcerun``.
    cores : int
        ``--cores``: caps each job's threads (and so the resources computed from them).
    snakefile : str or Path, optional
        Default ``workdir/Snakefile``. The package is imported from its folder's ``src/``.

    Returns
    -------
    list of PlannedJob
        Target rules (``all``, ``paper_a``, ...) included, as a dry run counts them.

    Raises
    ------
    ConfigError
        When Snakemake cannot build the DAG (the message ends with its error).
    """
    workdir = Path(workdir).resolve()
    snakefile = Path(snakefile).resolve() if snakefile else workdir / "Snakefile"
    cmd = [sys.executable, "-m", "thermolearn.plan.dag", "--planned", "--snakefile",
           str(snakefile), "--workdir", str(workdir), "--cores", str(cores),
           *(["--forceall"] if forceall else []),
           *(a for r in forcerun for a in ("--forcerun", r)),
           *(a for c in configfiles for a in ("--configfile", str(c))), "--", *targets]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir,
                          env=_child_env(snakefile.parent))
    if proc.returncode != 0:
        raise ConfigError(f"the workflow's DAG could not be built:\n{proc.stderr[-3000:]}")
    return [PlannedJob(**r) for r in json.loads(proc.stdout.splitlines()[-1])]


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


def _main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["--planned"]:  # the plan's DAG: REPO CONFIG WORKDIR
        repo_arg, config_arg, workdir_arg = argv[:3]
        print(json.dumps(_dag_json(Path(repo_arg), Path(config_arg), Path(workdir_arg))))
        return
    ap = argparse.ArgumentParser(prog="python -m thermolearn.plan.dag --planned")
    ap.add_argument("--planned", action="store_true")
    ap.add_argument("--snakefile", type=Path, required=True)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--cores", type=int, required=True)
    ap.add_argument("--forceall", action="store_true")
    ap.add_argument("--configfile", type=Path, action="append", default=[])
    ap.add_argument("--forcerun", action="append", default=[])
    ap.add_argument("targets", nargs="*")
    args = ap.parse_args(argv)
    print(json.dumps(_planned_json(args.snakefile, args.configfile, args.workdir, args.targets,
                                   args.forceall, args.cores, args.forcerun)))


if __name__ == "__main__":
    _main()
