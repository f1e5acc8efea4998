"""``thermolearn plan``: job counts from the real DAG, projected stage times against measured runs,
SLURM limits from the same model, and clear errors for bad input (docs/plan.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SMOKE_PRESET, copy_repo, dry_run, every_job, job_counts
from thermolearn.checks import load_config
from thermolearn.cli import main
from thermolearn.plan.calibration import (N_SHORT, SAMPLE_LONG_S, SAMPLE_SHORT_S, calibrate,
                                          compare, compare_rules, cpu_estimate, load_calibration,
                                          run_points)
from thermolearn.plan.dag import omit_from, workflow_jobs
from thermolearn.plan.model import (COMPILE_S, STAGES, THREAD_EFFICIENCY, UNMODELLED_MEM_MB,
                                    UNMODELLED_RUNTIME_MIN, make_plan, slurm_mem_mb,
                                    slurm_runtime_min)
from thermolearn.plan.schedule import (ASSUMED_GPU_SPEEDUP,
                                       SNAKEMAKE_CPU_PER_JOB_S_BEFORE_39A3C92, simulate)
from thermolearn.plan.text import format_plan
from thermolearn.report.committed import wall_time

# The runs the plan is checked against, kept as test fixtures (each folder's README says whence):
# the demo (a fresh clone of b12410f), the repro run's timed Paper A (5d1ae70: the engine and
# split of today, docs/results/repro/) and the paper-size rehearsal (f45e140).
DEMO_BENCH = REPO / "tests" / "data" / "runs" / "demo_b12410f"
# the calibration of the demo run's engine (its README): the plan's model checked on that run
DEMO_CALIBRATION = DEMO_BENCH / "calibration.yaml"
REPRO = REPO / "tests" / "data" / "runs" / "repro_5d1ae70"
REHEARSAL = REPO / "tests" / "data" / "runs" / "rehearsal_f45e140"


# The committed runs were drawn before issue 25 (split by N): their designs need this override.
BY_N = REPO / "tests" / "data" / "runs" / "stratify_by_n.yaml"


def run_config_of(*presets: str) -> dict:
    """The config of a committed run: ``presets`` plus the N-stratified split it was drawn with."""
    return load_config(REPO / "config.yaml", *(REPO / p for p in presets), BY_N)


def config_of(*presets: str) -> dict:
    return load_config(REPO / "config.yaml", *(REPO / p for p in presets))


@pytest.fixture(scope="module")
def smoke_dag(tmp_path_factory) -> list:
    """Every job of the smoke DAG (a dry run with --forceall, --cores 2), from Snakemake's API."""
    return every_job(tmp_path_factory.mktemp("plan_dag"), SMOKE_PRESET)


def test_job_counts_equal_the_dry_run(smoke_dag):
    plan = make_plan(config_of("presets/smoke.yaml"), repo=REPO)
    dag = job_counts(smoke_dag)
    assert dag, "no jobs in the dry run"
    modeled = {r: n for r, n in dag.items() if r not in plan.no_model}
    assert modeled == plan.n_jobs(), "plan and DAG disagree on jobs per rule"
    # a rule of the DAG the model does not know is listed as such, never silently dropped
    assert set(dag) - set(plan.n_jobs()) <= set(plan.no_model)


def test_slurm_resources_of_the_dag_come_from_the_plan(smoke_dag):
    plan = make_plan(config_of("presets/smoke.yaml"), repo=REPO)
    checked = 0
    for job in smoke_dag:
        if job.rule == "all" or job.rule in plan.no_model:
            continue
        out = job.outputs[0]
        keys = [c.job.key for c in plan.costs[job.rule]]
        key = next((k for k in keys if k and k in Path(out).name), "")
        cost = plan.job(job.rule, key)
        assert int(job.resources["mem_mb"]) == slurm_mem_mb(cost), job
        # the dry run's --cores 2 caps a rule's threads, and its runtime is for those threads
        assert int(job.resources["runtime"]) == slurm_runtime_min(
            cost, min(cost.threads, 2)), job
        checked += 1
    assert checked > 50


def test_paper_scale_limits_cover_the_projection():
    """Every paper-scale job asks for more time and memory than projected, training for its
    every epoch (max_epochs), not the expected early stop."""
    plan = make_plan(config_of(), repo=REPO)
    for costs in plan.costs.values():
        for c in costs:
            assert slurm_runtime_min(c) * 60 >= 2 * c.wall_max_s, c.job
            assert slurm_mem_mb(c) >= 1.5 * c.rss_mb, c.job
    train = plan.job("paper_a_train")
    assert train.cpu_max_s > 3 * train.cpu_s  # 100 epochs against ~17 expected


def test_training_threads_follow_the_config():
    """paper_a.train.threads sets the training job's threads in the plan as in the rule: on one
    thread its wall-time bound is its CPU time, on 8 (config.yaml) it is shared at
    THREAD_EFFICIENCY; the CPU projection is the same."""
    config = config_of("presets/repro.yaml")
    assert config["paper_a"]["train"]["threads"] == 1
    one = make_plan(config, repo=REPO).job("paper_a_train")
    config["paper_a"]["train"]["threads"] = 8
    eight = make_plan(config, repo=REPO).job("paper_a_train")
    assert (one.threads, eight.threads) == (1, 8)
    assert one.cpu_max_s == eight.cpu_max_s > 0
    assert one.wall_max_s == one.cpu_max_s
    assert eight.wall_max_s == pytest.approx(one.wall_max_s / (8 * THREAD_EFFICIENCY))


def test_axiom_threads_follow_the_config():
    """paper_a.axioms.threads sets the threads of every axiom analysis job in the plan, as in
    the rules (config.yaml 2, the demo 1), and only theirs."""
    config = config_of("presets/demo.yaml")
    assert config["paper_a"]["axioms"]["threads"] == 1
    analyses = [f"paper_a_axiom_{a}" for a in ("a1", "a3", "a4", "a5", "a6", "additivity",
                                                 "canonical")]
    one = make_plan(config, repo=REPO)
    config["paper_a"]["axioms"]["threads"] = 2
    two = make_plan(config, repo=REPO)
    for rule in analyses:
        assert (one.job(rule).threads, two.job(rule).threads) == (1, 2), rule
        assert one.job(rule).cpu_max_s == two.job(rule).cpu_max_s > 0, rule
    for rule in ("paper_a_axiom_a1_md", "paper_a_axiom_a5_md", "paper_a_scores"):
        assert [c.threads for c in one.costs[rule]] == [c.threads for c in two.costs[rule]], rule


def _within_2x(table: dict, label: str) -> None:
    for stage, t in table.items():
        if t["measured_s"] > 0:
            assert 0.5 <= t["ratio"] <= 2.0, f"{label} {stage}: {t}"


def test_demo_stage_times_within_2x_of_the_committed_run():
    """The demo run of tests/data/runs/demo_b12410f (a fresh clone of b12410f), which the calibration did
    not use: every stage's projected CPU time within 2x of the measured one, with the constants
    of that run's engine (DEMO_CALIBRATION)."""
    config = run_config_of("presets/demo.yaml")
    # that clone had no published weights and a cold numba cache
    config["paper_b"]["reference_dir"] = None
    plan = make_plan(config, numba_cold=True, calibration=load_calibration(DEMO_CALIBRATION))
    table = compare(plan, DEMO_BENCH, config)
    # rules added since that run (the MD accuracy stage, issue 12; Paper B's arrow table and
    # figure, issue 24) have no benchmark file there
    newer = {"paper_a_md_accuracy", "paper_a_md_fidelity", "paper_a_md_accuracy_figure",
             "paper_b_arrow_ratio", "paper_b_fig_arrow"}
    for stage, t in table.items():
        if stage != "MD accuracy":
            assert t["jobs"] == t["planned"] - (stage == "figures and tables") * 4, \
                f"demo {stage}: {t}"
    n_planned = sum(k for rule, k in plan.n_jobs().items() if rule not in newer)
    assert sum(t["jobs"] for t in table.values()) == n_planned - 1  # not `all`
    _within_2x(table, "demo")


@pytest.mark.workflow
def test_the_sampling_schedule_is_snakemakes():
    from snakemake import benchmark

    assert (SAMPLE_SHORT_S, SAMPLE_LONG_S) == (benchmark.BENCHMARK_INTERVAL_SHORT,
                                               benchmark.BENCHMARK_INTERVAL)
    assert N_SHORT == benchmark.BENCHMARK_INTERVAL + 1  # ScheduledPeriodicTimer._schedule


def test_cpu_estimate_recovers_a_jobs_cpu_time():
    """A process burning 2.2 CPU-s, benchmarked as Snakemake benchmarks a job: its sampled
    cpu_time misses the last interval (on an idle core ~0.2 s, 9%); the estimate is closer to
    the kernel's count, and within 5% of it on an idle core."""
    from snakemake.benchmark import benchmarked

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 2.2: pass"
    proc = subprocess.Popen([sys.executable, "-c", burn])
    with benchmarked(proc.pid) as record:
        _, _, usage = os.wait4(proc.pid, 0)
    true_s = usage.ru_utime + usage.ru_stime
    est = cpu_estimate(record.cpu_time, record.running_time)
    assert record.cpu_time <= true_s  # what the file would say
    assert abs(est - true_s) <= abs(record.cpu_time - true_s) + 0.01, (record.cpu_time, est)
    if os.getloadavg()[0] < 0.5:  # a busy machine stretches the wall time the estimate uses
        assert abs(est - true_s) < 0.05 * true_s, (record.cpu_time, est, true_s)


def test_calibration_fits_what_it_is_given(tmp_path):
    """Fitted on the demo run alone, the model reproduces that run's stages closely, and the
    file it writes records its provenance."""
    out = tmp_path / "cal.yaml"
    calibrate([(DEMO_BENCH, [REPO / "presets" / "demo.yaml", BY_N])], REPO, out=out)
    cal = load_calibration(out)
    assert cal["provenance"]["runs"][0]["benchmark_files"] == 378
    assert 3e-10 < cal["rules"]["paper_a_md"]["s_per_work"] < 3e-9  # s per particle-step
    config = run_config_of("presets/demo.yaml")
    table = compare(make_plan(config, calibration=cal), DEMO_BENCH, config)
    for stage, t in table.items():
        if t["measured_s"] > 20:
            assert 0.7 <= t["ratio"] <= 1.4, f"{stage}: {t}"


def test_calibration_of_only_some_rules_keeps_the_others(tmp_path):
    """--only refits the named rules from the run given, keeps every other constant (and the
    earlier runs in the provenance), and carries the refit to a rule that borrows it (like)."""
    from thermolearn.config import ConfigError
    from thermolearn.plan.model import CALIBRATION_FILE

    out = tmp_path / "cal.yaml"
    shutil.copy(CALIBRATION_FILE, out)
    before = load_calibration(out)
    specs = [(DEMO_BENCH, [REPO / "presets" / "demo.yaml", BY_N])]
    alone = calibrate(specs, REPO, out=tmp_path / "alone.yaml")
    cal = calibrate(specs, REPO, out=out, note="engine", only=["paper_a_md"])
    assert load_calibration(out) == cal
    assert cal["rules"]["paper_a_md"] == alone["rules"]["paper_a_md"]
    assert cal["rules"]["paper_a_md"] != before["rules"]["paper_a_md"]
    borrowed = cal["rules"]["paper_a_md_accuracy"]
    assert borrowed["like"] == "paper_a_md"
    assert borrowed["s_per_work"] == alone["rules"]["paper_a_md"]["s_per_work"]
    assert borrowed["overhead_s"] == before["rules"]["paper_a_md_accuracy"]["overhead_s"]
    for rule, c in before["rules"].items():
        if rule not in ("paper_a_md", "paper_a_md_accuracy"):
            assert cal["rules"][rule] == c, rule
    assert cal["provenance"]["runs"] == before["provenance"]["runs"]
    update = cal["provenance"]["updates"][-1]
    assert update["rules"] == ["paper_a_md"] and update["note"] == "engine"
    assert update["runs"][0]["benchmark_files"] == 378
    with pytest.raises(ConfigError, match="no_such_rule"):
        calibrate(specs, REPO, out=out, only=["no_such_rule"])


def test_the_printed_plan(capsys):
    assert main(["plan", str(REPO / "config.yaml")]) == 0
    text = capsys.readouterr().out
    assert "paper_a_md                            448" in text
    for stage in ("Paper A MD", "A1/A5 MD", "rendering", "training", "Paper B simulation"):
        assert stage in text
    assert "peak RAM of the largest job" in text and "GPU memory of training" in text


def test_a_rule_without_a_model_is_named():
    config = config_of("presets/smoke.yaml")
    plan = make_plan(config, extra_rules=["paper_a_new_thing"])
    assert plan.no_model == ["paper_a_new_thing"]
    assert "paper_a_new_thing" in format_plan(plan, config, "x") and "no model" in format_plan(
        plan, config, "x")
    with pytest.raises(KeyError, match="paper_a_new_thing"):
        plan.job("paper_a_new_thing")


NEW_RULE = """
rule paper_b_new_table:
    output:
        out("paper_b/new_table.txt"),
    log:
        out("logs/paper_b/new_table.log"),
    benchmark:
        out("benchmarks/paper_b/new_table.tsv")
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_new_table"),
        runtime=plan_runtime("paper_b_new_table"),
    run:
        Path(output[0]).write_text("made\\n")


TARGETS["paper_b"].append(rules.paper_b_new_table.output[0])
"""


@pytest.mark.workflow
def test_a_new_rule_without_calibration_parses_runs_and_shows_as_no_model(tmp_path):
    """A rule added to the workflow (here to paper_b.smk of a scratch copy) with no calibration:
    the workflow parses, the rule asks the profile's default resources, it runs, and
    `thermolearn plan` lists it as "no model" with its job count from the DAG."""
    wd = copy_repo(tmp_path / "repo")
    with open(wd / "workflow" / "rules" / "paper_b.smk", "a", encoding="utf-8") as fh:
        fh.write(NEW_RULE)
    env = dict(os.environ, PYTHONPATH=str(wd / "src"))
    smoke = ["--configfile", "presets/smoke.yaml"]
    new = [j for j in dry_run(wd, configfiles=[SMOKE_PRESET]) if j.rule == "paper_b_new_table"]
    assert len(new) == 1
    assert (int(new[0].resources["mem_mb"]), int(new[0].resources["runtime"])) == (
        UNMODELLED_MEM_MB, UNMODELLED_RUNTIME_MIN)
    target = "results/smoke/paper_b/new_table.txt"
    run = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", target, *smoke],
                         cwd=wd, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (wd / target).read_text() == "made\n"
    shown = subprocess.run([sys.executable, "-m", "thermolearn", "plan", "config.yaml",
                            "presets/smoke.yaml", "--cores", "2"],
                           cwd=wd, capture_output=True, text=True, env=env, timeout=300)
    assert shown.returncode == 0, shown.stderr[-3000:]
    line = next(x for x in shown.stdout.splitlines() if "paper_b_new_table" in x)
    assert "no model" in line and line.split()[1] == "1", line
    assert "1 jobs of rules without a model counted as 0 s" in shown.stdout


def test_schedule_on_two_cores_within_1_3x_of_the_committed_runs():
    """`thermolearn plan --cores 2` against the two runs timed on this 2-core machine, each as it
    ran (fresh clones, so numba compiled; Snakemake's profile before 39a3c92, whose scheduler
    took 5.1 CPU-minutes in a demo): the demo of b12410f (19.1 min; training and analyses on 2
    threads then) and the repro run's Paper A of 5d1ae70 (tests/data/runs/repro_5d1ae70, 63.6 min:
    the free-flight MD engine the calibration's MD rules were refit on, today's profile;
    `--omit-from paper_b_simulate paper_b_frame_rate_sweep`)."""
    config = run_config_of("presets/demo.yaml")
    config["paper_b"]["reference_dir"] = None
    config["paper_a"]["train"]["threads"] = 2   # the rule asked 8, capped at 2
    config["paper_a"]["axioms"]["threads"] = 2
    plan = make_plan(config, numba_cold=True, calibration=load_calibration(DEMO_CALIBRATION))
    ran = {(p["rule"], p["key"]) for p in run_points(DEMO_BENCH, config)}
    assert len(ran) == 378
    only = {j.id for j in plan.jobs if not j.runs or (j.rule, j.key) in ran}
    demo = simulate(plan, config, 2, only=only,
                    per_job_s=SNAKEMAKE_CPU_PER_JOB_S_BEFORE_39A3C92).wall_s / 60
    assert 19.1 / 1.3 <= demo <= 19.1 * 1.3, demo

    repro_dir = REPRO
    config = load_config(REPO / "config.yaml", repro_dir / "config_used.yaml")
    plan = make_plan(config, numba_cold=True)
    paper_a = omit_from(plan.jobs, ["paper_b_simulate", "paper_b_frame_rate_sweep"])
    ran = {(p["rule"], p["key"]) for p in run_points(repro_dir, config)}
    timed = {(j.rule, j.key) for j in paper_a if j.runs}
    assert len(timed) == 311 and timed <= ran  # every Paper A job of the timed run
    measured = wall_time(repro_dir / "wall_time.txt")[0]
    assert measured == pytest.approx(63.6, abs=0.05)
    repro = simulate(plan, config, 2, only={j.id for j in paper_a}).wall_s / 60
    assert measured / 1.3 <= repro <= measured * 1.3, repro


def test_the_printed_schedule(capsys):
    """config.yaml on 32 cores: the wall time is set by the longest chain, Paper B's h = 64
    training on one thread, not by the CPU-hours; a GPU (speed-up assumed) shortens it."""
    assert main(["plan", str(REPO / "config.yaml"), "--cores", "32"]) == 0
    cpu = capsys.readouterr().out
    assert "projected wall time" in cpu and "paper_b_train 64" in cpu.split("critical path")[1]
    config = config_of()
    plan = make_plan(config)
    wall = simulate(plan, config, 32).wall_s
    cpu_h = sum(t["cpu_s"] for t in plan.stage_totals().values())
    longest = max(c.wall_s(min(c.threads, 32)) for cs in plan.costs.values() for c in cs)
    # the longest job and what must precede it, several times CPU-hours / cores
    assert longest <= wall < longest + 3600 and wall > 4 * cpu_h / 32
    assert main(["plan", str(REPO / "config.yaml"), "--cores", "16", "--gpus", "1"]) == 0
    gpu = capsys.readouterr().out
    assert "ASSUMPTION" in gpu and f"{ASSUMED_GPU_SPEEDUP:g}x" in gpu
    assert simulate(plan, config, 16, gpus=1).wall_s < wall
    assert main(["plan", str(REPO / "config.yaml"), "--gpus", "1"]) == 2  # only with --cores


def test_every_job_of_the_dag_has_a_model_and_the_figures_are_local():
    """Every job of the paper-scale DAG has a cost (no rule unknown to the plan), and the
    localrules are exactly the target rules and the "figures and tables" stage."""
    plan = make_plan(config_of())
    assert plan.no_model == []
    jobs = workflow_jobs(config_of())
    stage = {c.job.rule: c.stage for cs in plan.costs.values() for c in cs}
    local = {j.rule for j in jobs if j.local}
    assert local == {j.rule for j in jobs if not j.runs or stage[j.rule] == "figures and tables"}
    assert len(local) >= 26


def test_bad_input_is_named(tmp_path, capsys):
    assert main(["plan", str(REPO / "config.yaml"), str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("paper_a:\n  design:\n    n_procs: 3\n")
    assert main(["plan", str(REPO / "config.yaml"), str(bad)]) == 2
    assert "n_procs" in capsys.readouterr().err
    assert main(["plan", "--calibrate", str(tmp_path)]) == 2
    assert "RESULTS_DIR=PRESET" in capsys.readouterr().err
    assert main(["plan", "--calibrate", f"{tmp_path}=presets/demo.yaml"]) == 2
    assert "no benchmarks/" in capsys.readouterr().err
    assert set(STAGES) >= {"Paper A MD", "training", "Paper B training"}


def test_slurm_limits_cover_the_paper_size_rehearsal():
    """The rehearsal (paper sizes, a fresh clone of f45e140; docs/results/rehearsal): every
    job's SLURM mem_mb is above its measured peak RSS and its runtime above its measured wall
    time, so no job of that size is killed by its limits."""
    config = run_config_of("presets/rehearsal.yaml")
    plan = make_plan(config, repo=REPO, numba_cold=True)
    rules = compare_rules(plan, REHEARSAL, config, REPO)
    newer = {"paper_b_arrow_ratio", "paper_b_fig_arrow"}  # issue 24, after that run
    assert sum(t["jobs"] for t in rules.values()) == sum(
        n for rule, n in plan.n_jobs().items() if rule not in newer) - 1  # not `all`
    for rule, t in rules.items():
        assert max(slurm_mem_mb(c) for c in plan.costs[rule]) > t["measured_rss_mb"], (rule, t)
    for p in run_points(REHEARSAL, config, REPO):
        assert slurm_runtime_min(plan.job(p["rule"], p["key"])) * 60 > p["s"], p


def test_a_cold_numba_cache_adds_each_kernel_module_once():
    config = config_of("presets/smoke.yaml")
    warm = make_plan(config, numba_cold=False).stage_totals()
    cold = make_plan(config, numba_cold=True).stage_totals()
    extra = {s: cold[s]["cpu_s"] - warm[s]["cpu_s"] for s in STAGES}
    assert extra["Paper A MD"] == pytest.approx(COMPILE_S["paper_a/md/engine"])
    assert extra["rendering"] == pytest.approx(COMPILE_S["paper_a/render/fast"])
    assert extra["Paper B simulation"] == pytest.approx(COMPILE_S["paper_b/hard_disks"])
    assert sum(extra.values()) == pytest.approx(sum(COMPILE_S.values()))


def test_first_conv_channels_match_the_network():
    from thermolearn.paper_a.siamese.model import CONV_CHANNELS
    from thermolearn.plan.model import FIRST_CONV_CHANNELS

    assert FIRST_CONV_CHANNELS == CONV_CHANNELS[0]
