"""The printed plan (``thermolearn plan``): jobs per rule, hours, disk and memory per stage."""

from __future__ import annotations

from typing import Mapping

from .model import STAGES, Plan, Sizes, device_of


def _bytes(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return "< 1 MB" if n > 0 else "-"


def _device_words(device: str | None) -> str:
    if device is None or device == "cpu":
        return "CPU"
    if device == "cuda":
        return "GPU (cuda; no GPU calibration: CPU-h shown, an upper bound)"
    return f"{device}: GPU if the node has one (no GPU calibration: CPU-h, an upper bound)"


def format_plan(plan: Plan, config: Mapping, names: str) -> str:
    """The plan as text: jobs per rule, then per stage hours, disk and the largest job."""
    cal = plan.calibration
    prov = cal.get("provenance", {})
    lines = [f"thermolearn plan: {names} (preset {config['preset']})",
             f"calibration: {len(prov.get('runs', []))} runs on {prov.get('machine', '?')}, "
             f"{prov.get('date', '?')} (thermolearn/plan/calibration.yaml)", ""]
    n = plan.n_jobs()
    lines.append(f"jobs per rule ({len(plan.jobs)} in all, from the workflow's DAG):")
    for rule, k in n.items():
        cost = sum(c.cpu_s for c in plan.costs[rule])
        unit = plan.work_units.get(rule, "")
        lines.append(f"  {rule:34s} {k:6d}   {cost / 3600:9.3f} CPU-h"
                     + (f"   (work: {unit})" if unit else ""))
    for rule in plan.no_model:
        k = sum(1 for j in plan.jobs if j.rule == rule)
        lines.append(f"  {rule:34s} {k:6d}   no model: its cost is not in this plan (no "
                     "calibration; `thermolearn plan --calibrate`)")
    lines += ["", f"{'stage':20s} {'jobs':>6s} {'core-hours':>11s} {'disk':>9s} "
              f"{'largest RSS':>12s}  runs on"]
    totals = plan.stage_totals()
    for stage in STAGES:
        t = totals[stage]
        if not t["jobs"]:
            continue
        lines.append(f"{stage:20s} {t['jobs']:6d} {t['cpu_s'] / 3600:11.3f} "
                     f"{_bytes(t['disk_bytes']):>9s} {t['rss_mb']:9.0f} MB  "
                     f"{_device_words(device_of(config, stage))}")
    total = sum(t["cpu_s"] for t in totals.values())
    disk = sum(t["disk_bytes"] for t in totals.values())
    lines.append(f"{'total':20s} {sum(n.values()):6d} {total / 3600:11.3f} {_bytes(disk):>9s}")
    big = max((c for cs in plan.costs.values() for c in cs), key=lambda c: c.rss_mb)
    lines += ["", f"peak RAM of the largest job: {big.rss_mb / 1000:.2f} GB "
                  f"({big.job.rule}{' ' + big.job.key if big.job.key else ''}; projected peak RSS)"]
    S = Sizes(config)
    tr = [r for r in S.rows if r["split"] in ("train", "val")]
    lines.append(f"GPU memory of training: the training and validation images, held on the "
                 f"device, {S.image_mb(tr) / 1000:.2f} GB, plus the network and a batch "
                 f"(batch {config['paper_a']['train']['batch_size']} at "
                 f"{config['paper_a']['render']['size']} px; not measured on a GPU)")
    tr_job = plan.costs["paper_a_train"][0]
    lines.append(f"training: {S.train_epochs(float(cal['train_best_epoch'])):.0f} epochs expected "
                 f"(early stopping {config['paper_a']['train']['patience']} epochs after the "
                 f"typical best epoch {cal['train_best_epoch']:.0f}, at most "
                 f"{config['paper_a']['train']['max_epochs']}); {tr_job.cpu_s / 3600:.2f} CPU-h")
    return "\n".join(lines)


def format_against(rules: Mapping[str, Mapping], stages: Mapping[str, Mapping],
                   results: str) -> str:
    """Projected against measured (``thermolearn plan ... --against RESULTS``): per rule CPU
    time and the largest job's peak RSS, then per stage CPU time."""
    lines = ["", f"against the run in {results} (its benchmark files):",
             f"  {'rule':34s} {'jobs':>5s} {'CPU-s plan':>10s} {'measured':>9s} {'wall-s':>8s}"
             f" {'peak MB plan':>12s} {'measured':>9s} {'SLURM mem':>9s}"]
    for rule, t in rules.items():
        lines.append(f"  {rule:34s} {t['jobs']:5d} {t['projected_s']:10.1f} "
                     f"{t['measured_s']:9.1f} {t['wall_s']:8.1f} {t['projected_rss_mb']:12.0f} "
                     f"{t['measured_rss_mb']:9.0f} {t.get('slurm_mem_mb', 0):9.0f}")
    lines += ["", f"  {'stage':20s} {'jobs':>5s} {'CPU-s plan':>10s} {'measured':>9s} "
                  f"{'ratio':>6s}"]
    for stage in STAGES:
        t = stages.get(stage)
        if not t or not t["jobs"]:
            continue
        lines.append(f"  {stage:20s} {t['jobs']:5d} {t['projected_s']:10.1f} "
                     f"{t['measured_s']:9.1f} {t['ratio']:6.2f}")
    return "\n".join(lines)
