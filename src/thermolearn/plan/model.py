"""Per-rule cost model: work units of every job from the config, times measured throughputs.

The jobs themselves (which rules, how many jobs, their threads, conda env, outputs, benchmark
files and dependencies) come from the workflow's own DAG (:mod:`.dag`). What the workflow cannot
say is kept here: for a rule whose cost grows with the config's sizes, a :class:`RuleModel` gives
its stage and, per wildcard value (process, test process, Paper B block, width, ... from
:func:`thermolearn.paper_a.design.make_design` and the config), three sizes:

- ``work``: what its CPU time is proportional to (MD: N x integration steps; rendering: images x
  canvas^2; training: epochs x pairs x frames x size^2; scoring: images scored x size^2; Paper B:
  disks x frames x runs; DeepSets: epochs x runs x frames x disks x h), 0 for rules of constant
  cost (figures, tables);
- ``mem``: what its peak memory grows with (MB of data it holds);
- ``disk``: what its outputs' size is proportional to (stored values).

A rule of constant cost (a figure or table) needs no model here: its measured constants in
``calibration.yaml`` are its model (stage "figures and tables"). A rule with neither (a rule
added since the last calibration) is listed as "no model": it parses and runs, with the
profile's default SLURM limits (:data:`UNMODELLED_MEM_MB`, :data:`UNMODELLED_RUNTIME_MIN`).

The constants that turn those into seconds, MB and bytes are measured (``calibration.yaml``,
:mod:`.calibration`):

    cpu_s = overhead_s + s_per_work * work
    rss_mb = rss_base_mb + rss_per_mem * mem
    bytes = bytes_per_disk * disk      (bytes_const for rules of constant output)

SLURM limits (:func:`slurm_runtime_min`, :func:`slurm_mem_mb`) use the same prediction with the
safety factors and floors below, kept in this one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping

import yaml

from ..config import ConfigError
from ..paper_a.axioms.checks import a5_durations
from ..paper_a.design import make_design
from ..paper_a.md.protocol import process_segments, steps_for

CALIBRATION_FILE = Path(__file__).with_name("calibration.yaml")

# SLURM requests from the projection (the one place these live):
SLURM_TIME_FACTOR = 3.0    # runtime asked = 3 x the projected wall time of the job ...
SLURM_TIME_FLOOR_MIN = 10  # ... and never under 10 minutes (queue and start-up)
SLURM_MEM_FACTOR = 2.0     # mem asked = 2 x the projected peak RSS ...
SLURM_MEM_FLOOR_MB = 1000  # ... and never under 1000 MB
# A rule the plan has no model of asks what profiles/default gives a job (default-resources):
UNMODELLED_MEM_MB = 2000
UNMODELLED_RUNTIME_MIN = 60
# A job of T threads is assumed to use them at this efficiency for its wall time (measured:
# training on 2 threads 1.55 CPU-s per wall-s, 0.78; assumed lower for 8 threads):
THREAD_EFFICIENCY = 0.5

# One-time numba compilation in a checkout whose on-disk cache is cold (a fresh clone), CPU-s
# on this project's machine: import and first call of each kernel module, cold minus warm cache
# (2026-12-03: 9.71 - 1.05, 3.71 - 1.39, 7.45 - 1.05 s). Charged to the first job of the first
# rule that uses the module; the package paths tell whether the cache is cold (numba_cache_cold).
COMPILE_S = {"paper_a/md/engine": 8.7, "paper_a/render/fast": 2.3, "paper_b/hard_disks": 6.4}

STAGES = [
    "Paper A MD", "A1/A5 MD", "MD accuracy", "rendering", "training", "scoring",
    "Paper B simulation", "Paper B training", "figures and tables",
]
# Stages whose jobs run on the configured device (the rest always on CPU cores):
DEVICE_OF_STAGE = {"training": ("paper_a", "train", "device"),
                   "scoring": ("paper_a", "train", "device"),
                   "Paper B training": ("paper_b", "device")}


@dataclass(frozen=True)
class Job:
    """One job of a rule: ``key`` is its wildcard value ('' for a rule of one job)."""

    rule: str
    key: str
    work: float = 0.0
    mem: float = 0.0
    disk: float = 0.0


@dataclass(frozen=True)
class RuleModel:
    """How a rule's job sizes follow from the config (see the module docstring): ``jobs`` lists
    ``(wildcard value, work, mem, disk)`` for every value the rule can be asked for."""

    stage: str
    jobs: Callable[["Sizes"], list[tuple[str, float, float, float]]]
    work_unit: str = ""
    like: str = ""               # a rule of the same code whose constants stand in until
                                 # this rule has calibration points of its own
    kernels: str = ""            # the numba kernel module its jobs compile (COMPILE_S)


class Sizes:
    """The sizes of a config that the rules expand over (design, test processes, Paper B files).

    Parameters
    ----------
    config : dict
        A validated config (:func:`thermolearn.checks.load_config`).
    repo : Path, optional
        The repository root, against which ``paper_b.reference_dir`` is resolved as the rule
        files do (the published weights add one ``paper_b_outputs`` job when present).
    """

    def __init__(self, config: Mapping, repo: Path | None = None):
        self.config = config
        self.a = config["paper_a"]
        self.b = config["paper_b"]
        self.design = make_design(config)
        self.rows = self.design.to_dict("records")
        self.test = [r for r in self.rows if r["split"] == "test"]
        self.F = int(self.a["protocol"]["n_frames"])
        self.size2 = float(self.a["render"]["size"]) ** 2
        self.canvas2 = float(self.a["render"]["canvas"]) ** 2
        runs = self.b["runs"]
        self.n_runs = int(runs["n_train"]) + int(runs["n_heldout"])
        self.n_files = math.ceil(self.n_runs / int(runs["runs_per_file"]))
        ref = self.b.get("reference_dir")
        self.has_ref = bool(ref is not None and repo is not None and (Path(repo) / ref).is_dir())

    # -- Paper A -------------------------------------------------------------------------------
    def steps(self, row: Mapping) -> int:
        """Integration steps of one process (every segment of its protocol)."""
        return sum(s.n_steps for s in process_segments(self.a, row))

    def md_work(self, row: Mapping) -> float:
        """Particle-steps of one process: N x steps."""
        return float(row["N"]) * self.steps(row)

    def frames(self, row: Mapping) -> float:
        """Snapshots recorded by one process (states x frames)."""
        return float(row["n_states"]) * self.F

    def image_mb(self, rows) -> float:
        """MB of uint8 images of ``rows`` (states x frames x size^2 bytes)."""
        return sum(self.frames(r) for r in rows) * self.size2 / 1e6

    def test_states(self) -> int:
        return int(sum(r["n_states"] for r in self.test))

    def train_epochs(self, best_epoch: float) -> float:
        """Expected epochs of the siamese training: early stopping ends ``patience`` epochs after
        the best one (``best_epoch``, typical value from the calibration), at most ``max_epochs``."""
        t = self.a["train"]
        return float(min(int(t["max_epochs"]), best_epoch + int(t["patience"])))  # inf: max_epochs

    def train_pairs(self) -> float:
        """Pairs per epoch: ``pairs_per_process`` x training processes (all, or the subset)."""
        t = self.a["train"]
        n_train = sum(1 for r in self.rows if r["split"] == "train")
        if t.get("train_processes") is not None:
            n_train = min(n_train, int(t["train_processes"]))
        return float(t["pairs_per_process"]) * n_train

    # -- Paper B -------------------------------------------------------------------------------
    def block_runs(self, k: int) -> int:
        per = int(self.b["runs"]["runs_per_file"])
        return min(per, self.n_runs - k * per)

    def run_values(self, n_runs: float) -> float:
        """Disk coordinates of ``n_runs`` runs: runs x (frames + 1) x disks."""
        return n_runs * (int(self.b["runs"]["n_frames"]) + 1) * int(self.b["gas"]["n_disks"])


# ---------------------------------------------------------------------------------------------
# The rules. Keys and benchmark paths as in workflow/rules/*.smk.


def _one(work=0.0, mem=0.0, disk=0.0):
    return lambda S: [("", float(work(S)) if callable(work) else work,
                       float(mem(S)) if callable(mem) else mem,
                       float(disk(S)) if callable(disk) else disk)]


def _md_jobs(S: Sizes):
    return [(r["process"], S.md_work(r), S.frames(r) * r["N"] * 8 / 1e6, S.frames(r) * r["N"])
            for r in S.rows]


def _relaxation(S: Sizes):
    rel, dt = S.a["relaxation"], float(S.a["integrator"]["dt"])
    move = max(float(x) for x in S.a["design"]["dL"]) / float(rel["v"])
    t = float(rel["t_pre"]) + move + float(rel["t_obs"])
    return float(rel["N"]) * int(rel["n_repeats"]) * steps_for(t, dt)


def _images(rows):
    return lambda S: [(r["process"], S.frames(r) * S.canvas2, S.canvas2 * 4 / 1e6,
                       S.frames(r) * S.size2) for r in rows(S)]


def _a1_md(S: Sizes):
    return [(r["process"], S.md_work(r), S.frames(r) * r["N"] * 8 / 1e6, S.frames(r) * r["N"])
            for r in S.test]


def _md_accuracy(S: Sizes) -> float:
    """Particle-steps of the dt sweep: N x steps of every listed process at every dt."""
    acc = S.a["md_accuracy"]
    work = 0.0
    for proc in acc["processes"]:
        for dt in acc["dt"]:
            segs = process_segments(S.a, proc, n_cycles=acc["n_cycles"], t_eq=acc.get("t_eq"),
                                    t_hold=acc.get("t_hold"), dt=dt)
            work += float(proc["N"]) * sum(s.n_steps for s in segs)
    return work


def _a5_splits(S: Sizes, row) -> int:
    return min(int(row["n_states"]), int(S.a["axioms"]["a5"]["states_per_process"]))


def _a5_md(S: Sizes):
    t_split, t_recomb = a5_durations(S.a)
    dt = float(S.a["integrator"]["dt"])
    steps = steps_for(t_split, dt) + steps_for(t_recomb, dt)
    return [(r["process"], _a5_splits(S, r) * float(r["N"]) * steps,
             S.frames(r) * r["N"] * 8 / 1e6, _a5_splits(S, r) * 2 * S.F * S.size2)
            for r in S.test]


# Channels of the siamese network's first convolution (thermolearn.paper_a.siamese.model
# CONV_CHANNELS[0]; tests/tools/test_plan.py checks): with the F input frames, what a forward pass
# holds per state at size^2 / 4 and size^2 px.
FIRST_CONV_CHANNELS = 16


def _scored(n_images: Callable[[Sizes], float]):
    """An axiom rule that scores ``n_images(S)`` states of F frames at size^2 px.

    Its memory grows with the test images it holds and with one forward pass of
    ``eval_batch_size`` states in float32 (input and first convolution's output): the
    paper-size rehearsal measured 1.25 GB for A4 at 256 px where 128 px took 0.67 GB with more
    images (docs/rehearsal.md).
    """
    def mem(S: Sizes) -> float:
        batch = float(S.a["train"]["eval_batch_size"])
        act = batch * S.size2 * 4.0 * (S.F + FIRST_CONV_CHANNELS / 4.0) / 1e6
        return S.image_mb(S.test) + act

    return _one(work=lambda S: n_images(S) * S.F * S.size2, mem=mem)


AX = lambda S: S.a["axioms"]  # noqa: E731


def _paper_b_blocks(S: Sizes):
    return [(f"{k:03d}", S.run_values(S.block_runs(k)), S.run_values(S.block_runs(k)) * 8 / 1e6,
             S.run_values(S.block_runs(k))) for k in range(S.n_files)]


def _sweep(S: Sizes):
    sw = S.b["frame_rate_sweep"]
    steps = sum(float(r) * float(sw["duration"]) for r in sw["frame_rates"])
    return steps * int(sw["n_repeats"]) * int(S.b["gas"]["n_disks"])


def _pb_train(S: Sizes):
    """Work of a width: epochs x (the run values one pass reads) x h, times the Adam steps per
    epoch over those of one pass (``paper_b.train.steps_per_epoch``; 1 at one pass)."""
    t = S.b["train"]
    n_train = int(S.b["runs"]["n_train"])
    data = S.run_values(n_train)
    pairs = n_train * (int(S.b["runs"]["n_frames"]) - int(t.get("first_frame", 1)))
    one_pass = max(1, pairs // int(t["batch_size"]))
    passes = int(t.get("steps_per_epoch", one_pass)) / one_pass
    return [(str(int(h)), float(t["epochs"]) * passes * data * int(h), data * 4 / 1e6,
             float(h) ** 2) for h in t["hidden"]]


def _pb_outputs(S: Sizes):
    hsum = sum(int(h) for h in S.b["train"]["hidden"])
    data = S.run_values(S.n_runs)
    return [(src, data * hsum, data * 4 / 1e6, data)
            for src in (["ours", "ref"] if S.has_ref else ["ours"])]


def _all_runs(S: Sizes):
    return S.run_values(S.n_runs)


def _train(best_epoch: Callable[[], float]):
    def jobs(S: Sizes):
        tr = [r for r in S.rows if r["split"] in ("train", "val")]
        return [("", S.train_epochs(best_epoch()) * S.train_pairs() * S.F * S.size2,
                 S.image_mb(tr), 1.0)]
    return jobs


FIG = "figures and tables"
SCORING_UNIT = "images scored x size^2"


def _axiom(n_images: Callable[[Sizes], float]) -> RuleModel:
    """An axiom analysis ``paper_a_axiom_<name>``: it scores ``n_images(S)`` states."""
    return RuleModel("scoring", _scored(n_images), SCORING_UNIT)


def _runs_model() -> RuleModel:
    return RuleModel(FIG, _one(work=_all_runs, mem=lambda S: _all_runs(S) * 8 / 1e6),
                     "runs x frames x disks")


def rule_models(best_epoch: Callable[[], float] = lambda: 8.0) -> dict[str, RuleModel]:
    """The rules whose cost grows with the config's sizes, by name (``best_epoch``: typical
    best epoch of training). Rules of constant cost in "figures and tables" are not listed:
    their calibration constants are their model."""
    return {
        # Paper A MD
        "paper_a_design": RuleModel("Paper A MD", _one()),  # constant, but in its stage
        "paper_a_md": RuleModel("Paper A MD", _md_jobs, "N x steps", kernels="paper_a/md/engine"),
        "paper_a_relaxation": RuleModel("Paper A MD", _one(work=_relaxation), "N x steps"),
        "paper_a_md_accuracy": RuleModel("MD accuracy", _one(work=_md_accuracy),
                                         "N x steps, every process at every dt",
                                         like="paper_a_md"),
        # rendering
        "paper_a_images": RuleModel("rendering", _images(lambda S: S.rows), "images x canvas^2",
                                    kernels="paper_a/render/fast"),
        "paper_a_states": RuleModel(
            "rendering", _one(work=lambda S: sum(S.frames(r) * r["N"] for r in S.rows)),
            "disk positions read"),
        # training and scoring
        "paper_a_train": RuleModel("training", _train(best_epoch),
                                   "epochs x pairs x frames x size^2"),
        "paper_a_scores": RuleModel(
            "scoring", _one(work=lambda S: sum(S.frames(r) for r in S.rows) * S.size2,
                            mem=lambda S: S.image_mb(S.rows)), SCORING_UNIT),
        # axioms
        "paper_a_axiom_a1_md": RuleModel("A1/A5 MD", _a1_md, "N x steps"),
        "paper_a_axiom_a1_images": RuleModel("rendering", _images(lambda S: S.test),
                                             "images x canvas^2"),
        "paper_a_axiom_a5_md": RuleModel("A1/A5 MD", _a5_md, "splits x N x steps"),
        "paper_a_axiom_a1": _axiom(lambda S: 2 * S.test_states()),
        "paper_a_axiom_a3": _axiom(lambda S: min(int(AX(S)["a3"]["max_states"]),
                                                 len(S.test) * int(S.a["protocol"]["n_cycles"]))),
        "paper_a_axiom_a4": _axiom(lambda S: min(int(AX(S)["a4"]["max_states"]), S.test_states())
                                   * len(AX(S)["a4"]["lambdas"])),
        "paper_a_axiom_a5": _axiom(lambda S: 2 * sum(_a5_splits(S, r) for r in S.test)),
        "paper_a_axiom_a6": _axiom(lambda S: min(int(AX(S)["a6"]["max_states"]), S.test_states())
                                   * len(AX(S)["a6"]["eps"]) * int(AX(S)["a6"]["n_z_pairs"])),
        "paper_a_axiom_additivity": _axiom(lambda S: int(AX(S)["additivity"]["n_pairs"])
                                           * len(AX(S)["additivity"]["lambdas"]) * 2),
        "paper_a_axiom_canonical": _axiom(lambda S: S.test_states()),
        # Paper B
        "paper_b_simulate": RuleModel("Paper B simulation", _paper_b_blocks,
                                      "runs x frames x disks", kernels="paper_b/hard_disks"),
        "paper_b_frame_rate_sweep": RuleModel("Paper B simulation", _one(work=_sweep),
                                              "steps x disks"),
        "paper_b_fig3": _runs_model(),
        "paper_b_train": RuleModel("Paper B training", _pb_train,
                                   "epochs x runs x frames x disks x h"),
        "paper_b_outputs": RuleModel("Paper B training", _pb_outputs,
                                     "runs x frames x disks x sum(h)"),
        "paper_b_table3": _runs_model(),
        "paper_b_fig5": _runs_model(),
    }


CONSTANT = RuleModel(FIG, _one())  # a rule of constant cost: its calibration is its model


# ---------------------------------------------------------------------------------------------
# Predictions


def load_calibration(path: str | Path = CALIBRATION_FILE) -> dict:
    """The constants file (``yaml.safe_load``); a missing or malformed file names itself."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"calibration file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict) \
            or "train_best_epoch" not in data:
        raise ConfigError(f"{path}: not a calibration file (needs 'rules' and 'train_best_epoch')")
    return data


@dataclass
class JobCost:
    """A job's projection: CPU seconds, peak RSS (MB), output bytes; ``threads`` are the job's
    (from the DAG, or as the rule asks them at parse time)."""

    job: Job
    stage: str
    threads: int
    cpu_s: float
    rss_mb: float
    disk_bytes: float
    cpu_max_s: float = 0.0  # upper bound (training to max_epochs); set by the model

    def wall_s(self, threads: int | None = None) -> float:
        """Wall time on ``threads`` (default its own) at :data:`THREAD_EFFICIENCY` (1 thread: the
        CPU time)."""
        return self.cpu_s / _speedup(self.threads if threads is None else threads)

    @property
    def wall_max_s(self) -> float:
        """Upper bound of the wall time on its threads at :data:`THREAD_EFFICIENCY` (1 thread:
        the CPU time), from ``cpu_max_s``."""
        return max(self.cpu_s, self.cpu_max_s) / _speedup(self.threads)


def _speedup(threads: int) -> float:
    return max(1.0, 1.0 if threads <= 1 else threads * THREAD_EFFICIENCY)


@dataclass
class Plan:
    """The projection of a config: every DAG job's cost, rules without a model, the calibration
    and the DAG's jobs (:class:`.dag.DagJob`, for the schedule)."""

    costs: dict[str, list[JobCost]]
    no_model: list[str] = field(default_factory=list)
    calibration: Mapping = field(default_factory=dict)
    jobs: list = field(default_factory=list)
    cost_of: dict = field(default_factory=dict)   # DagJob.id -> JobCost (modelled jobs)
    work_units: dict = field(default_factory=dict)  # rule -> its work unit, where it has one

    def n_jobs(self) -> dict[str, int]:
        return {rule: len(c) for rule, c in self.costs.items()}

    def job(self, rule: str, key: str = "") -> JobCost:
        """The cost of one job (``key``: its wildcard value); a KeyError names what is missing."""
        for c in self.costs.get(rule, []):
            if c.job.key == key:
                return c
        if rule not in self.costs:
            raise KeyError(f"rule {rule!r} has no cost model (thermolearn.plan.model)")
        raise KeyError(f"rule {rule!r} has no job {key!r}")

    def stage_totals(self) -> dict[str, dict[str, float]]:
        """Per stage: ``jobs``, ``cpu_s`` (sum), ``disk_bytes`` (sum), ``rss_mb`` (max)."""
        out = {s: dict(jobs=0, cpu_s=0.0, disk_bytes=0.0, rss_mb=0.0) for s in STAGES}
        for costs in self.costs.values():
            for c in costs:
                t = out[c.stage]
                t["jobs"] += 1
                t["cpu_s"] += c.cpu_s
                t["disk_bytes"] += c.disk_bytes
                t["rss_mb"] = max(t["rss_mb"], c.rss_mb)
        return out


def predict(stage: str, const: Mapping, job: Job, threads: int = 1) -> JobCost:
    """A job's cost from its sizes and the rule's calibrated constants ``const``."""
    cpu = float(const["overhead_s"]) + float(const["s_per_work"]) * job.work
    rss = float(const["rss_base_mb"]) + float(const["rss_per_mem"]) * job.mem
    disk = float(const.get("bytes_per_disk", 0.0)) * job.disk
    return JobCost(job, stage, threads, cpu, rss, disk)


def numba_cache_cold(module: str, src: Path = Path(__file__).resolve().parents[1]) -> bool:
    """Whether numba's on-disk cache of a kernel module (``COMPILE_S`` key, e.g.
    ``paper_b/hard_disks``) is empty in the package at ``src``: a fresh clone compiles it."""
    path = Path(src) / module
    return not any((path.parent / "__pycache__").glob(f"{path.name}.*.nbi"))


class CostModel:
    """Per-job costs of a config, by rule and wildcard value, without the DAG: what the rule
    files ask at parse time (``workflow/rules/common.smk``: SLURM ``mem_mb`` and ``runtime``).

    Parameters
    ----------
    config : dict
        A validated config.
    calibration : dict, optional
        The constants (``calibration.yaml``); default: the package's file.
    repo : Path, optional
        Repository root: resolves ``paper_b.reference_dir``.
    """

    def __init__(self, config: Mapping, calibration: Mapping | None = None,
                 repo: Path | None = None):
        self.calibration = load_calibration() if calibration is None else calibration
        cal = self.calibration
        self.models = rule_models(lambda: float(cal["train_best_epoch"]))
        self._upper = rule_models(lambda: math.inf)  # training to max_epochs: the SLURM limit
        self.sizes = Sizes(config, repo)
        self._costs: dict[str, dict[str, JobCost]] = {}

    def model(self, rule: str) -> RuleModel | None:
        """The rule's model: its :class:`RuleModel`, :data:`CONSTANT` for a calibrated rule of
        constant cost, None for a rule the plan does not know."""
        if rule in self.models:
            return self.models[rule]
        return CONSTANT if rule in self.calibration["rules"] else None

    def knows(self, rule: str) -> bool:
        return self.model(rule) is not None and self._constants(rule) is not None

    def _constants(self, rule: str) -> Mapping | None:
        const = self.calibration["rules"].get(rule)
        m = self.models.get(rule)
        if const is None and m is not None and m.like:
            const = self.calibration["rules"].get(m.like)
        return const

    def costs(self, rule: str) -> dict[str, JobCost]:
        """Every job the rule can be asked for, by wildcard value ('' for a rule of one job),
        at 1 thread; a KeyError for a rule without a model."""
        if rule not in self._costs:
            m, const = self.model(rule), self._constants(rule)
            if m is None or const is None:
                raise KeyError(f"rule {rule!r} has no cost model (thermolearn.plan.model) or no "
                               "calibration (`thermolearn plan --calibrate`)")
            upper = (self._upper.get(rule) or CONSTANT).jobs(self.sizes)
            out = {}
            for j, u in zip(m.jobs(self.sizes), upper):
                c = predict(m.stage, const, Job(rule, *j))
                c.cpu_max_s = predict(m.stage, const, Job(rule, *u)).cpu_s
                out[c.job.key] = c
            self._costs[rule] = out
        return self._costs[rule]

    def cost(self, rule: str, key: str = "", threads: int = 1) -> JobCost:
        """One job's cost on ``threads``; a KeyError names a rule or key without a model."""
        costs = self.costs(rule)
        if self.model(rule) is CONSTANT:  # the same whatever its wildcards
            key = ""
        if key not in costs:
            raise KeyError(f"rule {rule!r} has no job {key!r} in the cost model")
        return replace(costs[key], threads=int(threads))

    def keys(self, rule: str) -> list[str]:
        return list(self.costs(rule))


def make_plan(config: Mapping, calibration: Mapping | None = None, repo: Path | None = None,
              extra_rules: list[str] | None = None, numba_cold: bool | None = None,
              jobs: list | None = None) -> Plan:
    """Project every job of ``config``'s DAG.

    Parameters
    ----------
    config : dict
        A validated config.
    calibration : dict, optional
        The constants (``calibration.yaml`` as read by :func:`.calibration.load_calibration`);
        default: the package's file.
    repo : Path, optional
        Repository root whose workflow gives the DAG (:func:`.dag.workflow_jobs`; default this
        checkout); also resolves ``paper_b.reference_dir``.
    extra_rules : list of str, optional
        Further rule names to check against the model (listed in ``Plan.no_model`` if unknown).
    numba_cold : bool, optional
        Whether the run starts with numba's cache cold (a fresh clone): adds ``COMPILE_S`` of
        each kernel module to the first job of its first rule. Default: this package's cache.
    jobs : list of DagJob, optional
        The DAG's jobs, if already read (default: :func:`.dag.workflow_jobs`).
    """
    from .dag import REPO, workflow_jobs

    model = CostModel(config, calibration, repo or REPO)  # the DAG's repo: the same weights
    if jobs is None:
        jobs = workflow_jobs(config, repo)
    costs: dict[str, list[JobCost]] = {}
    cost_of: dict[int, JobCost] = {}
    no_model = set()
    for j in sorted(jobs, key=lambda j: (j.rule, j.key)):
        if not j.runs:  # a target rule: Snakemake runs nothing for it
            c = JobCost(Job(j.rule, j.key), FIG, j.threads, 0.0, 0.0, 0.0)
        elif model.knows(j.rule):
            c = model.cost(j.rule, j.key, j.threads)
        else:
            no_model.add(j.rule)
            continue
        costs.setdefault(j.rule, []).append(c)
        cost_of[j.id] = c
    charged = set()
    for rule, m in model.models.items():  # the first job of the first rule of each kernel
        k = m.kernels
        if k and k not in charged and costs.get(rule):
            charged.add(k)
            if numba_cache_cold(k) if numba_cold is None else numba_cold:
                costs[rule][0].cpu_s += COMPILE_S[k]
    no_model |= {r for r in (extra_rules or []) if not model.knows(r)}
    units = {r: m.work_unit for r, m in model.models.items() if m.work_unit}
    return Plan(costs, sorted(no_model), model.calibration, list(jobs), cost_of, units)


def device_of(config: Mapping, stage: str) -> str | None:
    """The configured device of a stage's jobs (``auto``/``cpu``/``cuda``), None for CPU stages."""
    keys = DEVICE_OF_STAGE.get(stage)
    if keys is None:
        return None
    value = config
    for k in keys:
        value = value[k]
    return str(value)


def slurm_runtime_min(cost: JobCost, threads: int | None = None) -> int:
    """SLURM ``runtime`` (minutes) of a job: :data:`SLURM_TIME_FACTOR` x the upper bound of its
    projected wall time on its threads (``threads``, default the cost's; training: all
    ``max_epochs``; CPU throughput, so a GPU job finishes sooner), at least
    :data:`SLURM_TIME_FLOOR_MIN`."""
    if threads is not None:
        cost = replace(cost, threads=int(threads))
    return int(max(SLURM_TIME_FLOOR_MIN, math.ceil(SLURM_TIME_FACTOR * cost.wall_max_s / 60.0)))


def slurm_mem_mb(cost: JobCost) -> int:
    """SLURM ``mem_mb`` of a job: :data:`SLURM_MEM_FACTOR` x its projected peak RSS (MB), at
    least :data:`SLURM_MEM_FLOOR_MB`, rounded up to 100 MB."""
    mb = max(SLURM_MEM_FLOOR_MB, SLURM_MEM_FACTOR * cost.rss_mb)
    return int(math.ceil(mb / 100.0) * 100)
