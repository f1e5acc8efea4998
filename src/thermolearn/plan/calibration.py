"""Throughput constants of the cost model, fitted from real runs' benchmark files.

Each rule's jobs write ``results/<preset>/benchmarks/...tsv`` (Snakemake's ``benchmark:``;
columns ``s``, ``max_rss``, ..., ``cpu_time``). Given finished runs and the configs they ran
with, :func:`fit` pairs every benchmark file with the job's sizes from :mod:`.model` and fits,
per rule,

    cpu_s    = overhead_s + s_per_work * work         (seconds)
    max_rss  = rss_base_mb + rss_per_mem * mem        (MB)

and ``bytes_per_disk`` from the sizes of the job's output files. CPU time, not wall time: the
runs were made on a 2-core machine often shared with other work, where wall time also counts
the turns other processes took. Snakemake's ``cpu_time`` is the job's CPU time at its last
sample, and it samples every 0.5 s for 15 s, then every 30 s: a 38 s job reads ~14 CPU-s. So
``cpu_s`` (:func:`cpu_estimate`) extends the CPU rate up to that sample over the whole wall
time. How a constant is fitted:

- a rule of constant work (figures, tables): the median over its jobs;
- a rule whose calibration jobs span a factor >= 4 in size: a least-squares line in relative
  error (each job weighs the same whatever its size), intercept and slope >= 0;
- otherwise the intercept is the start-up cost of a job of the rule's kind and conda env, and
  the slope the median of (measured - intercept) / work. Two kinds start differently: a figure
  or table job imports the plotting stack (its start-up: the median over the constant rules of
  its env), a compute job only numba or torch (the median intercept of its env's fitted lines).
  A line whose intercept comes out negative (its jobs' sizes do not separate start-up from
  growth, e.g. three DeepSets widths of one run) takes that start-up too, and the slope is
  refitted with it fixed.

The result, with its provenance (runs, machine, date, code version), is
``thermolearn/plan/calibration.yaml``; ``thermolearn plan --calibrate DIR=PRESET ...`` rewrites
it (:func:`calibrate`).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import statistics
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import yaml

from ..config import ConfigError
from ..io import (BENCH_COLUMNS, N_SHORT, SAMPLE_LONG_S, SAMPLE_SHORT_S,  # noqa: F401
                  cpu_estimate, last_sample_s, read_benchmark, write_text)
from .dag import workflow_jobs
from .model import (CALIBRATION_FILE, CONSTANT, FIG, STAGES, Sizes,  # noqa: F401
                    load_calibration, rule_models)

# The benchmark-file reader and its CPU estimate live in io (report reads them too).


def _metrics(results: Path) -> dict | None:
    p = results / "paper_a" / "model" / "metrics.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None


def run_points(results: str | Path, config: Mapping, repo: Path | None = None) -> list[dict]:
    """Every job of ``config``'s DAG that has a benchmark file under ``results``, with its
    sizes, its rule's conda env, stage and numba kernels.

    The siamese training's work uses the epochs and pairs per epoch the run actually did
    (``metrics.json``), not the config's upper bound.
    """
    results = Path(results)
    S = Sizes(config, repo)
    metrics = _metrics(results)
    models = rule_models(lambda: 0.0)
    sizes: dict[str, dict] = {}
    points = []
    for j in sorted(workflow_jobs(config, repo), key=lambda j: (j.rule, j.key)):
        if not j.runs or not j.benchmark:
            continue
        bench = results / j.benchmark
        if not bench.is_file():
            continue
        m = models.get(j.rule, CONSTANT)
        if j.rule not in sizes:
            sizes[j.rule] = {k: (w, me, d) for k, w, me, d in m.jobs(S)}
        work, mem, disk = sizes[j.rule].get(j.key, sizes[j.rule].get("", (0.0, 0.0, 0.0)))
        if j.rule == "paper_a_train" and metrics is not None:
            pairs = float(metrics.get("train_pairs_per_epoch", S.train_pairs()))
            work = float(metrics["epochs"]) * pairs * S.F * S.size2
        outs = [results / o for o in j.outputs]
        size = sum(o.stat().st_size for o in outs) if outs and all(
            o.is_file() for o in outs) else None
        points.append(dict(rule=j.rule, key=j.key, work=work, mem=mem, disk=disk, bytes=size,
                           env=j.env, stage=m.stage, kernels=m.kernels,
                           end=bench.stat().st_mtime, **read_benchmark(bench)))
    return points


def warm_points(points: list[dict]) -> list[dict]:
    """The jobs of a run made from a cold numba cache (a fresh clone) that did not compile: for
    each kernel module (``RuleModel.kernels``), drop the jobs that started before the first job
    using it ended (they compiled it, side by side); the rest loaded the cache."""
    first_end: dict[str, float] = {}
    for p in points:
        k = p["kernels"]
        if k:
            first_end[k] = min(first_end.get(k, math.inf), p["end"])
    return [p for p in points if not p["kernels"] or p["end"] - p["s"] >= first_end[p["kernels"]]]


def _spans(x: Sequence[float]) -> bool:
    """Whether the jobs' sizes span the factor >= 4 that a fitted line needs."""
    pos = np.asarray(x, float)
    pos = pos[pos > 0]
    return len(pos) >= 3 and pos.max() / pos.min() >= 4


def _slope(x: np.ndarray, y: np.ndarray, a: float) -> float:
    """Slope >= 0 of y ~ a + b x for a fixed intercept ``a``, least squares in relative error."""
    return max(float(np.sum(x * (y - a) / y ** 2) / np.sum((x / y) ** 2)), 0.0)


def _line(x: Sequence[float], y: Sequence[float], base: float) -> tuple[float, float]:
    """``(intercept, slope)`` of y ~ x (module docstring); ``base``: the start-up of a job of
    the rule's kind, the intercept when the jobs' sizes do not determine one."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not np.any(x > 0):
        return float(np.median(y)), 0.0
    ok = y > 0
    if _spans(x) and ok.sum() >= 3:
        xs, ys = x[ok], y[ok]
        A = np.stack([1 / ys, xs / ys], axis=1)
        (a, b), *_ = np.linalg.lstsq(A, np.ones_like(ys), rcond=None)
        if a < 0:  # start-up not identified: the kind's, and the slope refitted with it
            a = base
            b = _slope(xs, ys, a)
        if b < 0:
            a, b = float(np.sum(1 / ys) / np.sum(1 / ys ** 2)), 0.0
        return float(a), float(b)
    slope = float(np.median(np.maximum(y[x > 0] - base, 0.0) / x[x > 0]))
    return float(base), slope


def _startup_line(x: Sequence[float], y: Sequence[float], x_small: Sequence[float],
                  y_small: Sequence[float]) -> tuple[float, float]:
    """``(intercept, slope)`` with the intercept measured by small jobs (what is left of their
    time after their little work) and the slope by the large ones, each given the other."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = (x > 0) & (y > 0)
    a = _startup(x_small, y_small, 0.0)
    if not ok.any():
        return a, 0.0
    a = _startup(x_small, y_small, _slope(x[ok], y[ok], a))
    return a, _slope(x[ok], y[ok], a)


def _startup(x_small: Sequence[float], y_small: Sequence[float], slope: float) -> float:
    """Start-up measured by small jobs: the median of what is left of their time after their
    work at ``slope``, >= 0."""
    left = np.asarray(y_small, float) - slope * np.asarray(x_small, float)
    return max(float(np.median(left)), 0.0)


def fit(runs: Sequence[tuple[str | Path, Mapping]], repo: Path | None = None,
        cold: Sequence[str] = (),
        startup: Sequence[tuple[str | Path, Mapping]] = ()) -> dict:
    """Fit the constants of every rule from finished runs.

    Parameters
    ----------
    runs : list of (results_dir, config)
        Each run's results folder (the one holding ``benchmarks/``) and the config it ran with.
    repo : Path, optional
        Repository root (for ``paper_b.reference_dir``).
    cold : list of str
        Those of ``runs`` made from a cold numba cache (their compiling jobs are left out).
    startup : list of (results_dir, config)
        Runs of small jobs (a warm smoke run) that measure each compute rule's start-up: the
        time left of a job after its little work. Large jobs' fits leave start-up poorly
        determined (a 2 s start-up beside 40 s of MD). Figure rules and memory use ``runs``.

    Returns
    -------
    dict
        ``rules``: per rule ``overhead_s`` (s), ``s_per_work`` (CPU s per work unit),
        ``rss_base_mb``, ``rss_per_mem`` (MB per MB held), ``bytes_per_disk``, ``n_jobs`` (the
        benchmark files behind them); per conda env ``env_overhead_s`` (a figure job's start-up,
        s), ``env_start_s`` (a compute job's), ``env_rss_mb``;
        ``train_best_epoch`` (median best epoch of the runs' siamese trainings).
    """
    models = rule_models(lambda: 0.0)
    points: list[dict] = []
    best = []
    # each rule's conda env and stage, from the workflow's DAG of each run's config
    env_of: dict[str, str] = {}
    for results, config in list(runs) + list(startup):
        for j in workflow_jobs(config, repo):
            if j.runs and j.benchmark:
                env_of.setdefault(j.rule, j.env)
    stage_of = {r: models.get(r, CONSTANT).stage for r in env_of}
    for results, config in runs:
        pts = run_points(results, config, repo)
        points += warm_points(pts) if str(results) in cold else pts
        m = _metrics(Path(results))
        if m is not None:
            best.append(float(m["best_epoch"]))
    by_rule: dict[str, list[dict]] = {}
    for p in points:
        by_rule.setdefault(p["rule"], []).append(p)
    small: dict[str, list[dict]] = {}
    for results, config in startup:
        for p in run_points(results, config, repo):
            if p["work"] > 0 and p["stage"] != FIG:
                small.setdefault(p["rule"], []).append(p)
    env_t, env_m, start = {}, {}, {}
    for env in ("md", "torch"):
        const = [p for p in points if p["env"] == env and p["work"] == 0]
        env_t[env] = statistics.median(p["cpu_s"] for p in const) if const else 0.0
        env_m[env] = statistics.median(p["max_rss"] for p in const) if const else 0.0
        # a compute job's start-up: the identified intercepts of the env's fitted lines
        fitted = [_line([p["work"] for p in by_rule[r]], [p["cpu_s"] for p in by_rule[r]],
                        0.0)[0] for r in env_of
                  if env_of[r] == env and stage_of[r] != FIG and r in by_rule
                  and _spans([p["work"] for p in by_rule[r]])]
        fitted = [a for a in fitted if a > 0]
        measured = [p["cpu_s"] for r, ps in small.items() if env_of.get(r) == env for p in ps]
        start[env] = statistics.median(measured or fitted or [env_t[env]])
    rules = {}
    for rule in sorted(env_of, key=lambda r: (r not in by_rule, r)):  # measured rules first
        pts = by_rule.get(rule, [])
        env, like = env_of[rule] or "md", models.get(rule, CONSTANT).like
        base = env_t[env] if stage_of[rule] == FIG else start[env]  # the kind's start-up
        if not pts and like in rules:  # the same code's throughput, said in the file
            rules[rule] = dict(rules[like], n_jobs=0, like=like)
            if rule in small:  # but its own start-up where small jobs measured it
                rules[rule]["overhead_s"] = round(_startup(
                    [p["work"] for p in small[rule]], [p["cpu_s"] for p in small[rule]],
                    rules[rule]["s_per_work"]), 3)
            continue
        if not pts:  # never measured: the env's start-up, no growth (said in the file)
            rules[rule] = dict(overhead_s=round(base, 3), s_per_work=0.0,
                               rss_base_mb=round(env_m[env], 1), rss_per_mem=0.0,
                               bytes_per_disk=0.0, n_jobs=0)
            continue
        if rule in small:
            a, b = _startup_line([p["work"] for p in pts], [p["cpu_s"] for p in pts],
                                 [p["work"] for p in small[rule]],
                                 [p["cpu_s"] for p in small[rule]])
        else:
            a, b = _line([p["work"] for p in pts], [p["cpu_s"] for p in pts], base)
        ra, rb = _line([p["mem"] for p in pts], [p["max_rss"] for p in pts], env_m[env])
        sized = [p["bytes"] / p["disk"] for p in pts if p["bytes"] and p["disk"] > 0]
        rules[rule] = dict(overhead_s=round(a, 3), s_per_work=float(f"{b:.4g}"),
                           rss_base_mb=round(ra, 1), rss_per_mem=float(f"{rb:.4g}"),
                           bytes_per_disk=float(f"{statistics.median(sized):.4g}") if sized else 0.0,
                           n_jobs=len(pts))
    return dict(
        train_best_epoch=float(statistics.median(best)) if best else 8.0,
        env_overhead_s={k: round(v, 3) for k, v in env_t.items()},
        env_start_s={k: round(v, 3) for k, v in start.items()},
        env_rss_mb={k: round(v, 1) for k, v in env_m.items()},
        rules=rules,
    )


def machine() -> str:
    """This machine in words: CPU model, cores, OS."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def calibrate(specs: Sequence[tuple[str, Sequence[str]]], repo: Path,
              out: str | Path = CALIBRATION_FILE, note: str = "",
              cold: Sequence[str] = (),
              startup: Sequence[tuple[str, Sequence[str]]] = (),
              only: Sequence[str] = ()) -> dict:
    """Fit from runs and write the constants with their provenance (atomically).

    Parameters
    ----------
    specs : list of (results_dir, [preset, ...])
        Each run's results folder and the presets it ran with (on top of ``repo/config.yaml``).
    repo : Path
        Repository root.
    out : path
        The calibration file to write.
    cold : list of str
        Those of ``specs``' results folders made from a cold numba cache.
    startup : list of (results_dir, [preset, ...])
        Small runs measuring the compute rules' start-up (:func:`fit`).
    only : list of rule names, optional
        Refit only these rules from ``specs`` and keep every other constant of ``out`` (a code
        change that made these rules cheaper, when the runs behind the rest are gone); the
        provenance keeps the earlier runs and adds this update. Each rule must have jobs with
        benchmark files in ``specs``.
    """
    from ..checks import load_config
    from ..provenance import code_version

    def loaded(items, role):
        runs, used = [], []
        for results, presets in items:
            if not (Path(results) / "benchmarks").is_dir():
                raise ConfigError(f"{results}: no benchmarks/ folder (give the run's results "
                                  "folder, e.g. results/repro)")
            config = load_config(Path(repo) / "config.yaml", *presets)
            runs.append((results, config))
            used.append(dict(results=str(results), presets=[str(p) for p in presets],
                             benchmark_files=len(run_points(results, config, repo)),
                             numba_cache="cold: compiling jobs dropped" if str(results) in
                             [str(c) for c in cold] else "warm", used_for=role))
        return runs, used

    runs, used = loaded(specs, "throughput, figure rules, memory, disk")
    small, used_small = loaded(startup, "start-up of the compute rules")
    cal = fit(runs, repo, cold=[str(c) for c in cold], startup=small)
    used += used_small
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if only:
        from .model import load_calibration

        old = load_calibration(out)
        unknown = sorted(set(only) - set(old["rules"]))
        if unknown:
            raise ConfigError(f"--only: {unknown} not rules of {out}")
        unmeasured = sorted(r for r in only if not cal["rules"].get(r, {}).get("n_jobs"))
        if unmeasured:
            raise ConfigError(f"--only: {unmeasured} have no benchmark files in the runs given")
        for r in only:
            old["rules"][r] = cal["rules"][r]
        for r, c in old["rules"].items():  # rules that borrow a refitted rule's throughput
            if c.get("like") in only:
                old["rules"][r] = dict(cal["rules"][c["like"]], overhead_s=c["overhead_s"],
                                       n_jobs=0, like=c["like"])
        prov = old["provenance"]
        prov.setdefault("updates", []).append(dict(
            date=now, machine=machine(), code_version=code_version(), rules=list(only),
            note=note, runs=used))
        write_text(out, _HEADER + yaml.safe_dump(old, sort_keys=False, width=100))
        return old
    cal = dict(
        provenance=dict(
            made_by="thermolearn plan --calibrate",
            date=now,
            machine=machine(),
            code_version=code_version(),
            time_column="cpu_s: Snakemake's sampled cpu_time extended over the wall time "
                        "(calibration.cpu_estimate; wall time was inflated on a shared machine)",
            gpu="not calibrated: no GPU run recorded; GPU stages are projected in CPU-hours "
                "(an upper bound for a GPU)",
            note=note,
            runs=used,
        ),
        **cal,
    )
    write_text(out, _HEADER + yaml.safe_dump(cal, sort_keys=False, width=100))
    return cal


_HEADER = ("# Throughput constants of thermolearn.plan (written by `thermolearn plan "
           "--calibrate`; see thermolearn/plan/calibration.py).\n")


def measured_stages(results: str | Path, config: Mapping, repo: Path | None = None,
                    column: str = "cpu_s") -> dict[str, dict]:
    """Per stage, what a finished run's benchmark files say: ``jobs`` found, ``seconds``
    (sum of ``column``) and ``max_rss`` (MB)."""
    out = {s: dict(jobs=0, seconds=0.0, max_rss=0.0) for s in STAGES}
    for p in run_points(results, config, repo):
        t = out[p["stage"]]
        t["jobs"] += 1
        t["seconds"] += p[column]
        t["max_rss"] = max(t["max_rss"], p["max_rss"])
    return out


def compare(plan, results: str | Path, config: Mapping, repo: Path | None = None,
            column: str = "cpu_s") -> dict[str, dict]:
    """Projected against measured, per stage, over the jobs of ``plan`` that have a benchmark
    file under ``results``: ``jobs`` (found), ``planned`` (jobs in the plan), ``projected_s``,
    ``measured_s`` (sum of ``column``), ``ratio`` (projected / measured; None if nothing was
    measured)."""
    out = {s: dict(jobs=0, planned=0, projected_s=0.0, measured_s=0.0) for s in STAGES}
    found = {(p["rule"], p["key"]): p for p in run_points(results, config, repo)}
    targets = {j.rule for j in plan.jobs if not j.runs}
    for rule, costs in plan.costs.items():
        if rule in targets:  # `all`: no job of its own
            continue
        for c in costs:
            t = out[c.stage]
            t["planned"] += 1
            p = found.get((rule, c.job.key))
            if p is not None:
                t["jobs"] += 1
                t["projected_s"] += c.cpu_s
                t["measured_s"] += p[column]
    for t in out.values():
        t["ratio"] = t["projected_s"] / t["measured_s"] if t["measured_s"] > 0 else None
    return out


def compare_rules(plan, results: str | Path, config: Mapping,
                  repo: Path | None = None) -> dict[str, dict]:
    """Projected against measured, per rule, over the jobs that have a benchmark file under
    ``results``: ``jobs`` (found), ``planned``, ``projected_s`` and ``measured_s`` (CPU
    seconds, summed), ``wall_s`` (measured, summed), ``projected_rss_mb`` and
    ``measured_rss_mb`` (largest job's peak RSS, MB), ``rss_ratio`` (projected / measured)."""
    found = {(p["rule"], p["key"]): p for p in run_points(results, config, repo)}
    out = {}
    for rule, costs in plan.costs.items():
        t = dict(jobs=0, planned=len(costs), projected_s=0.0, measured_s=0.0, wall_s=0.0,
                 projected_rss_mb=0.0, measured_rss_mb=0.0)
        for c in costs:
            p = found.get((rule, c.job.key))
            if p is None:
                continue
            t["jobs"] += 1
            t["projected_s"] += c.cpu_s
            t["measured_s"] += p["cpu_s"]
            t["wall_s"] += p["s"]
            t["projected_rss_mb"] = max(t["projected_rss_mb"], c.rss_mb)
            t["measured_rss_mb"] = max(t["measured_rss_mb"], p["max_rss"])
        if t["jobs"]:
            t["rss_ratio"] = (t["projected_rss_mb"] / t["measured_rss_mb"]
                              if t["measured_rss_mb"] > 0 else None)
            out[rule] = t
    return out
