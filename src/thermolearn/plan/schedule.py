"""The wall time a user waits: Snakemake's schedule simulated over the DAG.

``thermolearn plan CONFIG --cores N [--gpus G]`` runs the jobs of the workflow's DAG
(:mod:`.dag`) on ``N`` cores as Snakemake's greedy scheduler does (``profiles/default``:
``scheduler: greedy``): whenever a job ends, the jobs whose inputs are all made are started in
order of reward, the rule's ``priority`` first and then the size of their inputs (here the
projected bytes of the jobs they read), as long as their threads fit in the free cores (a rule's
threads are capped at ``N``, as Snakemake caps them) and, for a job on a GPU, a GPU is free
(the ``gpu`` resource of ``profiles/default``). A job lasts its projected CPU time on its
threads (:meth:`.model.JobCost.wall_s`).

GPU: no GPU run has been recorded, so a job of a GPU stage on a GPU lasts its CPU time on its
threads divided by :data:`ASSUMED_GPU_SPEEDUP`, an assumption that the printed projection names.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Mapping

from .model import DEVICE_OF_STAGE, STAGES, Plan, device_of

# Assumed, not measured (no GPU run recorded): a GPU job's wall time = its CPU-thread wall time
# divided by this. benchmarks/gpu_throughput.py measures it where a GPU is lent.
ASSUMED_GPU_SPEEDUP = 10.0
# Snakemake's own CPU per job, spent on the cores the jobs run on (its scheduling passes, output
# checks, metadata): 2.2 CPU-minutes over the demo's 383 jobs with profiles/default's
# max-jobs-per-timespan (5.1 before it), measured with py-spy in docs/scaling.md.
SNAKEMAKE_CPU_PER_JOB_S = 2.2 * 60 / 383
SNAKEMAKE_CPU_PER_JOB_S_BEFORE_39A3C92 = 5.1 * 60 / 383  # the profile of the committed runs


@dataclass
class Slot:
    """A job in the simulated schedule."""

    id: int
    rule: str
    key: str
    stage: str
    threads: int
    gpu: bool
    start: float
    end: float
    modelled: bool = True


@dataclass
class Schedule:
    """The simulated run: its wall time, every job's slot, the critical path."""

    cores: int
    gpus: int
    wall_s: float
    slots: dict[int, Slot]
    critical: list[Slot] = field(default_factory=list)
    no_model_jobs: int = 0
    critical_deps: dict[int, list[int]] = field(default_factory=dict)  # inputs of those jobs

    def stage_shares(self) -> dict[str, dict[str, float]]:
        """Per stage: ``core_s`` (core-seconds its jobs hold), ``share`` (of all core-seconds),
        ``critical_s`` (seconds of the critical path in its jobs), ``span_s`` (first start to
        last end)."""
        out = {s: dict(jobs=0, core_s=0.0, critical_s=0.0, start=None, end=0.0) for s in STAGES}
        for sl in self.slots.values():
            t = out[sl.stage]
            t["jobs"] += 1
            t["core_s"] += (sl.end - sl.start) * sl.threads
            t["start"] = sl.start if t["start"] is None else min(t["start"], sl.start)
            t["end"] = max(t["end"], sl.end)
        for sl in self.critical:
            out[sl.stage]["critical_s"] += sl.end - sl.start
        total = sum(t["core_s"] for t in out.values()) or 1.0
        for t in out.values():
            t["share"] = t["core_s"] / total
            t["span_s"] = t["end"] - (t["start"] or 0.0)
        return {s: t for s, t in out.items() if t["jobs"]}


def on_gpu(config: Mapping, stage: str, gpus: int) -> bool:
    """Whether a job of ``stage`` holds a GPU when ``gpus`` are there (its device is not cpu)."""
    return gpus > 0 and stage in DEVICE_OF_STAGE and device_of(config, stage) != "cpu"


def simulate(plan: Plan, config: Mapping, cores: int, gpus: int = 0,
             only: set[int] | None = None,
             per_job_s: float = SNAKEMAKE_CPU_PER_JOB_S) -> Schedule:
    """Simulate the run of ``plan``'s DAG on ``cores`` cores and ``gpus`` GPUs.

    Parameters
    ----------
    plan : Plan
        :func:`.model.make_plan` (its ``jobs`` and costs).
    config : dict
        The config (the device of the GPU stages).
    cores, gpus : int
        What Snakemake is given (``--cores``, the ``gpu`` resource).
    only : set of int, optional
        Job ids to run (e.g. the jobs a finished run had); the rest are left out.
    per_job_s : float
        Snakemake's own CPU per job that runs, added to the job's time
        (:data:`SNAKEMAKE_CPU_PER_JOB_S`).
    """
    if cores < 1 or gpus < 0:
        raise ValueError("cores >= 1 and gpus >= 0")
    jobs = {j.id: j for j in plan.jobs if only is None or j.id in only}
    deps = {i: [d for d in j.deps if d in jobs] for i, j in jobs.items()}
    users: dict[int, list[int]] = {i: [] for i in jobs}
    for i, ds in deps.items():
        for d in ds:
            users[d].append(i)
    cost = plan.cost_of
    input_bytes = {i: sum(cost[d].disk_bytes for d in ds if d in cost) for i, ds in deps.items()}

    def duration(i: int, threads: int, gpu: bool) -> float:
        c = cost.get(i)
        if c is None or not jobs[i].runs:
            return 0.0
        wall = c.wall_s(threads)
        return per_job_s + (wall / ASSUMED_GPU_SPEEDUP if gpu else wall)

    waiting = {i: len(ds) for i, ds in deps.items()}
    ready = [i for i, n in waiting.items() if n == 0]
    running: list[tuple[float, int]] = []
    slots: dict[int, Slot] = {}
    free, free_gpu, now = cores, gpus, 0.0
    while ready or running:
        ready.sort(key=lambda i: (-jobs[i].priority, -input_bytes[i], i))
        started = []
        for i in ready:
            j = jobs[i]
            stage = cost[i].stage if i in cost else "figures and tables"
            threads = min(j.threads, cores)
            gpu = i in cost and j.runs and on_gpu(config, stage, gpus)
            if threads <= free and (not gpu or free_gpu >= 1):
                free -= threads
                free_gpu -= gpu
                end = now + duration(i, threads, gpu)
                slots[i] = Slot(i, j.rule, j.key, stage, threads, gpu, now, end, i in cost)
                heapq.heappush(running, (end, i))
                started.append(i)
        ready = [i for i in ready if i not in set(started)]
        if not running:
            raise RuntimeError(f"jobs that never fit: {[jobs[i].rule for i in ready][:5]}")
        now, i = heapq.heappop(running)
        free += slots[i].threads
        free_gpu += slots[i].gpu
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                ready.append(u)
    wall = max((s.end for s in slots.values()), default=0.0)
    # the critical path: from the job that ends last, back through the input that came last
    critical = []
    if slots:
        i = max(slots, key=lambda k: (slots[k].end, -k))
        while True:
            critical.append(slots[i])
            if not deps[i]:
                break
            i = max(deps[i], key=lambda k: (slots[k].end, -k))
        critical.reverse()
    no_model = sum(1 for i, j in jobs.items() if j.runs and i not in cost)
    return Schedule(cores, gpus, wall, slots, critical, no_model,
                    {s.id: deps[s.id] for s in critical})


def format_schedule(sched: Schedule, config: Mapping, max_path: int = 12) -> str:
    """The projection as text: wall time, critical path, each stage's share."""
    gpu_words = (f"{sched.gpus} GPU{'s' if sched.gpus > 1 else ''}, GPU jobs "
                 f"{ASSUMED_GPU_SPEEDUP:g}x faster than on their CPU threads (an ASSUMPTION: "
                 "no GPU run has been recorded)") if sched.gpus else "no GPU"
    lines = ["", f"schedule on {sched.cores} cores, {gpu_words} (Snakemake's greedy order, "
                 "projected CPU time per job on its threads):",
             f"  projected wall time: {sched.wall_s / 60:.1f} min ({sched.wall_s / 3600:.2f} h)"]
    if sched.no_model_jobs:
        lines.append(f"  {sched.no_model_jobs} jobs of rules without a model counted as 0 s")
    path = [s for s in sched.critical if s.end > s.start]
    lines.append(f"  critical path ({len(path)} jobs that take time; a job starts when its last "
                 "input is made or, if later, when cores are free):")
    shown = sorted(path, key=lambda s: s.end - s.start, reverse=True)[:max_path]
    ready = {s.id: max((sched.slots[d].end for d in sched.critical_deps.get(s.id, ())),
                       default=0.0) for s in path}
    for s in path:
        if s.start - ready[s.id] > 60:
            lines.append(f"    (waits {(s.start - ready[s.id]) / 60:.1f} min for free cores or a GPU)")
        if s in shown:
            name = s.rule + (f" {s.key}" if s.key else "")
            lines.append(f"    {name:38s} {s.start / 60:8.1f} -> {s.end / 60:8.1f} min "
                         f"({(s.end - s.start) / 60:7.1f} min, {s.threads} thread"
                         f"{'s' if s.threads > 1 else ''}{', GPU' if s.gpu else ''})")
    if len(path) > len(shown):
        lines.append(f"    ... and {len(path) - len(shown)} shorter jobs")
    lines.append(f"  {'stage':20s} {'jobs':>6s} {'core-h':>8s} {'share':>6s} "
                 f"{'on critical path':>17s} {'span (min)':>17s}")
    for stage, t in sched.stage_shares().items():
        lines.append(f"  {stage:20s} {t['jobs']:6d} {t['core_s'] / 3600:8.2f} "
                     f"{100 * t['share']:5.1f}% {t['critical_s'] / 60:12.1f} min "
                     f"{(t['start'] or 0) / 60:8.1f}-{t['end'] / 60:.1f}")
    return "\n".join(lines)
