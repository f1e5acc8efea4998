"""GPU check: throughput, memory, determinism and kill/resume of both trainings on one device.

Runs the project's own training code (``thermolearn.paper_a.siamese.train.train`` and
``thermolearn.paper_b.train``) on synthetic data and prints one line per check,

    CHECK <name>: PASS|FAIL <details>

plus two figures lines, ``siamese: N pairs/s, peak memory X MiB`` and ``deepsets h=64: N pairs/s``;
the exit status is 1 when any check fails. Checks:

- ``device_auto``: ``device: auto`` (both papers' resolvers) gives cuda when torch sees a GPU,
  else cpu;
- ``siamese_train`` / ``siamese_bf16_channels_last``: the siamese network trains on the resolved
  device with finite losses; a forward hook on the first training batch sees every convolution
  compute in bfloat16 (where the device computes bf16 natively: always on CUDA) with a
  channels-last output, and the dense head in float32;
- ``deepsets_train``: DeepSets (h = 64) trains on the device with finite losses;
- ``siamese_deterministic`` / ``deepsets_deterministic``: two identical trainings, each in a fresh
  process (as Snakemake runs them), end with bitwise-identical weights and loss logs (a FAIL
  gives the largest absolute weight difference and the non-determinism warnings torch raised);
- ``siamese_resume`` / ``deepsets_resume``: a training process is killed with a real SIGKILL
  right after its checkpoint of epoch k is on disk; a fresh process resumes from that checkpoint
  (the project's checkpoint/resume path) and must end bitwise-equal to the uninterrupted run.

The judges (:func:`judge_determinism`, :func:`judge_resume`, :func:`judge_precision`,
:func:`check_device_auto`) take the workers' results and give a :class:`Check`; tests feed them
doctored results (``tests/unit/test_gpu_check.py``).

Paper sizes (the default with CUDA): 256 x 256 images, ``paper_a.protocol.n_frames`` frames,
``paper_a.train.batch_size`` pairs per step, bfloat16 autocast and channels-last; DeepSets with
``paper_b.gas.n_disks`` disks and ``paper_b.train.batch_size``. Without CUDA the check runs at
small sizes on the CPU (``--small``: 32 px images, a few pairs) so that a test can run it.

    python -m thermolearn.gpu_check             # paper sizes on a GPU (small sizes without one)
    python -m thermolearn.gpu_check --small     # small sizes on the resolved device
    python -m thermolearn.gpu_check --full --device cpu   # paper sizes on the CPU (slow)

The speed-up of the GPU over the CPU: ``benchmarks/gpu_throughput.py`` (docs/gpu.md).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from . import devices
from .checks import load_config
from .paper_a.siamese import model as siamese_model
from .paper_a.siamese import train as siamese_train
from .testsystems.images import arrow_states

# thermolearn.paper_b (numba, ~1 s to import) is imported where used: a siamese worker skips it

SRC = Path(__file__).resolve().parents[1]   # the folder holding the package
REPO = SRC.parent                           # its checkout (config.yaml)


def paper_b():
    """The modules ``thermolearn.paper_b.deepsets`` and ``thermolearn.paper_b.train``."""
    from .paper_b import deepsets, train
    return deepsets, train


PAPER_SIZE = 256  # image side of the paper (Kuroyanagi & Yuge 2025)
HIDDEN = 64       # DeepSets width checked
ENV0 = dict(os.environ)  # the environment the workers get (before any torch setting of ours)
MiB = 2.0 ** 20


# ------------------------------------------------------------------------------------- sizes


@dataclasses.dataclass(frozen=True)
class Sizes:
    """What one run of the check trains (``thr_*``: throughput runs; ``rep_*``: the runs of the
    determinism and kill/resume checks, ``kill_after`` of their ``rep_epochs`` epochs)."""

    mode: str
    size: int
    n_frames: int
    batch: int                # siamese pairs per step
    thr_procs: int
    thr_states: int
    thr_pairs: int            # pairs per process and epoch
    thr_epochs: int
    rep_procs: int
    rep_states: int
    rep_pairs: int
    rep_epochs: int
    kill_after: int
    n_disks: int
    ds_batch: int
    ds_thr_runs: int
    ds_thr_frames: int
    ds_thr_epochs: int
    ds_rep_runs: int
    ds_rep_frames: int
    ds_rep_epochs: int

    @classmethod
    def for_mode(cls, cfg: dict, small: bool) -> "Sizes":
        n_frames = int(cfg["paper_a"]["protocol"]["n_frames"])
        batch = int(cfg["paper_a"]["train"]["batch_size"])
        if small:
            return cls("small", 32, n_frames, batch, 4, 6, 32, 3, 4, 6, 32, 3, 1,
                       100, 64, 4, 33, 3, 4, 33, 3)
        return cls("full", PAPER_SIZE, n_frames, batch,
                   32, 12, int(cfg["paper_a"]["train"]["pairs_per_process"]), 4,
                   8, 8, 128, 3, 1,
                   int(cfg["paper_b"]["gas"]["n_disks"]),
                   int(cfg["paper_b"]["train"]["batch_size"]),
                   32, 129, 4, 8, 129, 3)


# ------------------------------------------------------------------------------ check lines


@dataclasses.dataclass
class Check:
    name: str
    ok: bool
    details: str

    def line(self) -> str:
        return f"CHECK {self.name}: {'PASS' if self.ok else 'FAIL'} {self.details}"


def guarded(name: str, fn, *a, **kw) -> list[Check]:
    """``fn``'s checks, or one FAIL check naming the exception it raised."""
    try:
        out = fn(*a, **kw)
        return out if isinstance(out, list) else [out]
    except Exception as exc:  # noqa: BLE001 - a crash is a failed check, reported as such
        return [Check(name, False, f"raised {type(exc).__name__}: {exc}")]


def compare_weights(a: dict, b: dict) -> tuple[bool, str]:
    """Bitwise equality of two state dicts; details give the largest absolute difference."""
    if a.keys() != b.keys():
        return False, f"different parameter names: {sorted(set(a) ^ set(b))[:4]}"
    diff, n_diff = 0.0, 0
    for k in a:
        ta, tb = a[k].detach().cpu(), b[k].detach().cpu()
        if ta.shape != tb.shape or ta.dtype != tb.dtype:
            return False, f"{k}: {tuple(ta.shape)} {ta.dtype} vs {tuple(tb.shape)} {tb.dtype}"
        if not torch.equal(ta, tb):
            n_diff += 1
            d = (ta.double() - tb.double()).abs()
            diff = max(diff, float(d.nan_to_num(nan=math.inf).max()))
    if n_diff:
        return False, f"{n_diff}/{len(a)} tensors differ, max abs difference {diff:.3e}"
    return True, f"{len(a)} tensors bitwise equal"


def same_history(h1: list[dict], h2: list[dict]) -> bool:
    """Equal per-epoch logs (wall times excepted; NaN equals NaN)."""
    def clean(h):
        return [{k: ("nan" if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in rec.items() if k != "seconds"} for rec in h]
    return clean(h1) == clean(h2)


# ------------------------------------------------------------------------------ synthetic data


def synthetic_velocities(n_runs: int, n_frames: int, n_disks: int, seed: int) -> np.ndarray:
    """(R, F, N, 2) float32: frame t+1 equals frame t except ~2 % of the disks (a 'collision'),
    the structure of the hard-disk runs that the fused CPU step exploits."""
    rng = np.random.default_rng([seed, 0xD5])
    v = np.empty((n_runs, n_frames, n_disks, 2), np.float32)
    v[:, 0] = rng.normal(0.0, 0.09, (n_runs, n_disks, 2))
    for t in range(1, n_frames):
        v[:, t] = v[:, t - 1]
        hit = rng.random((n_runs, n_disks)) < 0.02
        v[:, t][hit] = rng.normal(0.0, 0.09, (int(hit.sum()), 2))
    return v


# ----------------------------------------------------------------------------- project setup


def siamese_settings(cfg: dict, device: str, epochs: int, pairs: int):
    """The config's ``paper_a.train`` block with bf16 autocast on and the run's length."""
    s = siamese_train.TrainSettings.from_config(cfg["paper_a"]["train"])
    return dataclasses.replace(s, device=device, amp=True, max_epochs=epochs,
                               pairs_per_process=pairs, patience=epochs + 1)


def deepsets_settings(cfg: dict, sizes: Sizes, epochs: int):
    """The config's ``paper_b.train`` block with the check's batch, epochs, and an epoch of one
    pass over the check's pairs (not ``steps_per_epoch``: config.yaml's 487 paper-scale steps
    would be about 240x the small check's pairs, and its rates would count a pass it did not make)."""
    _, deepsets_train = paper_b()
    s = deepsets_train.TrainSettings.from_config(cfg["paper_b"], HIDDEN)
    return dataclasses.replace(s, epochs=epochs, batch_size=sizes.ds_batch, steps_per_epoch=None)


def master_seed(cfg: dict) -> int:
    return int(cfg["seed"])


@contextlib.contextmanager
def restored_torch_flags():
    """The project's ``set_deterministic`` sets process-wide flags; keep them to one run."""
    det, warn = torch.are_deterministic_algorithms_enabled(), \
        torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(det, warn_only=warn)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


def peak_memory_mib(device: torch.device) -> tuple[float, str]:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / MiB, "torch.cuda.max_memory_allocated"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return rss / (MiB if sys.platform == "darwin" else 1024.0), "peak RSS of the process"


# ------------------------------------------------------------------------------------ checks


def check_device_auto(cfg: dict) -> Check:
    """``device: auto`` resolves to cuda when torch sees a GPU, else to cpu (both papers)."""
    deepsets_mod, _ = paper_b()
    want = "cuda" if torch.cuda.is_available() else "cpu"
    got = {"paper_a": siamese_model.resolve_device("auto").type,
           "paper_b": deepsets_mod.resolve_device("auto").type,
           "thermolearn.devices": devices.resolve_device("auto", "device").type}
    conf = f"config: paper_a.train.device={cfg['paper_a']['train']['device']}, " \
           f"paper_b.device={cfg['paper_b']['device']}"
    ok = all(v == want for v in got.values())
    if want == "cuda":
        why = f"CUDA available ({torch.cuda.get_device_name(0)})"
    else:
        why = "no CUDA device visible to torch: auto falls back to the CPU, as specified"
    res = ", ".join(f"{k} -> {v}" for k, v in got.items())
    return Check("device_auto", ok, f"auto resolves to {want if ok else 'WRONG: ' + res}; "
                 f"{why}; {conf}" + ("" if ok else f" (expected {want})"))


class ConvProbe:
    """A global forward hook that records the convolutions and dense layers of the first
    training forward pass (dtype, channels-last), then removes itself."""

    def __init__(self):
        self.conv: list[tuple[torch.dtype, bool]] = []
        self.dense: list[torch.dtype] = []
        self.handle = torch.nn.modules.module.register_module_forward_hook(self)

    def __call__(self, module, inputs, output):
        if not module.training:
            return
        if isinstance(module, torch.nn.Conv2d):
            nhwc = output.is_contiguous(memory_format=torch.channels_last)
            self.conv.append((output.dtype, nhwc))
        elif isinstance(module, torch.nn.Linear):
            self.dense.append(output.dtype)
            if len(self.dense) == len(siamese_model.DENSE_UNITS) + 1:
                self.remove()

    def remove(self):
        if self.handle is not None:
            self.handle.remove()
            self.handle = None


def judge_precision(probe: ConvProbe, amp_expected: bool, device: torch.device) -> Check:
    n_conv = len(siamese_model.CONV_CHANNELS)
    want = torch.bfloat16 if amp_expected else torch.float32
    bad = []
    if len(probe.conv) != n_conv:
        bad.append(f"saw {len(probe.conv)} convolutions in training, expected {n_conv}")
    if any(d != want for d, _ in probe.conv):
        bad.append(f"conv outputs {sorted({str(d) for d, _ in probe.conv})}, expected {want}")
    if not all(cl for _, cl in probe.conv):
        bad.append(f"conv outputs channels-last: {[cl for _, cl in probe.conv]}")
    if not probe.dense or any(d != torch.float32 for d in probe.dense):
        bad.append(f"dense head outputs {[str(d) for d in probe.dense]}, expected float32")
    if device.type == "cuda" and not amp_expected:
        bad.append("bf16 autocast off on CUDA")
    note = "" if amp_expected else \
        " (bf16 autocast off: this CPU has no native bfloat16, the project's rule)"
    if bad:
        return Check("siamese_bf16_channels_last", False, "; ".join(bad))
    return Check("siamese_bf16_channels_last", True,
                 f"first training step on {device.type}: {n_conv} convolutions in {want}, "
                 f"channels-last, dense head float32{note}")


@dataclasses.dataclass
class Throughput:
    """A throughput run: its best warm rate (wall clock) and what it trained."""

    pairs_per_s: float
    line: str               # the figures line the check prints
    checks: list[Check]     # what the run shows of the training (finite losses, precision)


def siamese_rate(cfg: dict, sizes: Sizes, device_key: str) -> Throughput:
    """Siamese training pairs/s on the device: ``sizes.thr_epochs`` epochs, the best warm one."""
    settings = siamese_settings(cfg, device_key, sizes.thr_epochs, sizes.thr_pairs)
    device = siamese_model.resolve_device(settings.device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    tr = arrow_states(sizes.thr_procs, 1, sizes.size, sizes.n_frames, sizes.thr_states, device)
    va = arrow_states(2, 2, sizes.size, sizes.n_frames, 3, device)
    probe = ConvProbe()
    try:
        with restored_torch_flags():
            res = siamese_train.train(settings, master_seed(cfg), tr, va, sizes.size,
                                      sizes.n_frames, checkpoint=None, show_progress=False)
    finally:
        probe.remove()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    peak, how = peak_memory_mib(device)
    n_pairs = sizes.thr_procs * sizes.thr_pairs
    warm = res.history[1:] or res.history
    rate = max(n_pairs / h["seconds"] for h in warm)
    amp = siamese_train.use_amp(settings, device)
    data_mib = tr.img_sfhw.numel() / MiB
    line = (f"siamese: {rate:.0f} pairs/s, peak memory {peak:.0f} MiB ({how}; {device.type}, "
            f"{sizes.size} px, {sizes.n_frames} frames, batch {settings.batch_size}, "
            f"{'bf16 autocast' if amp else 'float32'}, channels-last; best of {len(warm)} warm "
            f"epochs of {n_pairs} pairs, wall clock; {data_mib:.1f} MiB of training images on "
            "the device)")
    losses = [h["train_loss"] for h in res.history] + [h["val_loss"] for h in res.history]
    on = next(res.model.parameters()).device
    ok = all(math.isfinite(x) for x in losses) and on.type == device.type \
        and res.epochs_run == sizes.thr_epochs
    return Throughput(rate, line, [
        Check("siamese_train", ok,
              f"{res.epochs_run} epochs on {on}, train loss {res.history[0]['train_loss']:.4f}"
              f" -> {res.history[-1]['train_loss']:.4f}, val accuracy "
              f"{res.history[-1]['val_accuracy']:.3f}" + ("" if ok else " (non-finite loss, "
                                                           "wrong device or early stop)")),
        judge_precision(probe, amp, device)])


def siamese_throughput(cfg: dict, sizes: Sizes, device_key: str) -> list[Check]:
    """The ``siamese_train`` and ``siamese_bf16_channels_last`` checks; prints the rate."""
    run = siamese_rate(cfg, sizes, device_key)
    print(run.line, flush=True)
    return run.checks


def deepsets_rate(cfg: dict, sizes: Sizes, device_key: str) -> Throughput:
    """DeepSets (h = 64) training pairs/s on the device (``train.run_epoch``), best warm epoch."""
    deepsets_mod, deepsets_train = paper_b()
    device = deepsets_mod.resolve_device(device_key)
    s = deepsets_settings(cfg, sizes, sizes.ds_thr_epochs)
    vel = synthetic_velocities(sizes.ds_thr_runs, sizes.ds_thr_frames, sizes.n_disks, 3)
    data = deepsets_train.PairData(torch.as_tensor(vel, device=device))
    seed = master_seed(cfg)
    torch.manual_seed(deepsets_train.torch_seed(seed, HIDDEN, 0))
    model = deepsets_mod.DeepSets(HIDDEN).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=s.lr)
    n_pairs = (data.n_pairs // s.batch_size) * s.batch_size
    rates, rows = [], []
    for epoch in range(s.epochs):
        gen = torch.Generator().manual_seed(deepsets_train.torch_seed(seed, HIDDEN, 1, epoch))
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        t0 = time.perf_counter()
        rows.append(deepsets_train.run_epoch(model, opt, data, s, epoch, gen))  # ends in a sync
        rates.append(n_pairs / (time.perf_counter() - t0))
    warm = rates[1:] or rates
    step = "fused CPU pass" if device.type == "cpu" else "autograd"
    line = (f"deepsets h={HIDDEN}: {max(warm):.0f} pairs/s ({device.type}, {sizes.n_disks} "
            f"disks, batch {s.batch_size}, float32, {step} (train.run_epoch); best of "
            f"{len(warm)} warm epochs of {n_pairs} pairs, wall clock)")
    losses = [r["tilted_loss"] for r in rows] + [r["untilted_loss"] for r in rows]
    on = next(model.parameters()).device
    ok = all(math.isfinite(x) for x in losses) and on.type == device.type
    return Throughput(max(warm), line, [Check(
        "deepsets_train", ok,
        f"h={HIDDEN}, {len(rows)} epochs on {on}, tilted loss {rows[0]['tilted_loss']:.3e}"
        f" -> {rows[-1]['tilted_loss']:.3e}" + ("" if ok else " (non-finite or wrong device)"))])


def deepsets_throughput(cfg: dict, sizes: Sizes, device_key: str) -> list[Check]:
    """The ``deepsets_train`` check; prints the rate."""
    run = deepsets_rate(cfg, sizes, device_key)
    print(run.line, flush=True)
    return run.checks


# ------------------------------------------------------------------- workers (fresh processes)


def worker_siamese(cfg: dict, sizes: Sizes, args, out: Path) -> None:
    settings = siamese_settings(cfg, args.device, sizes.rep_epochs, sizes.rep_pairs)
    device = siamese_model.resolve_device(settings.device)
    tr = arrow_states(sizes.rep_procs, 4, sizes.size, sizes.n_frames, sizes.rep_states, device)
    va = arrow_states(2, 5, sizes.size, sizes.n_frames, 3, device)
    ckpt = out / "siamese_checkpoint.pt"

    def on_epoch_end(epoch, rec):
        if args.worker == "kill" and epoch == sizes.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # the checkpoint of this epoch is on disk

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = siamese_train.train(settings, master_seed(cfg), tr, va, sizes.size, sizes.n_frames,
                                  checkpoint=ckpt, on_epoch_end=on_epoch_end, show_progress=False)
    last = torch.load(ckpt, map_location="cpu", weights_only=True)["model"]
    tensors = {f"best.{k}": v.detach().cpu() for k, v in res.model.state_dict().items()}
    tensors.update({f"last.{k}": v.detach().cpu() for k, v in last.items()})
    torch.save(tensors, out / "weights.pt")
    meta = {"history": res.history, "resumed_from": res.resumed_from, "device": str(device),
            "warnings": sorted({str(w.message)[:300] for w in caught
                                if "determinis" in str(w.message).lower()})}
    (out / "result.json").write_text(json.dumps(meta))


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def worker_deepsets(cfg: dict, sizes: Sizes, args, out: Path) -> None:
    deepsets_mod, deepsets_train = paper_b()
    device = deepsets_mod.resolve_device(args.device)
    s = deepsets_settings(cfg, sizes, sizes.ds_rep_epochs)
    vel = synthetic_velocities(sizes.ds_rep_runs + 1, sizes.ds_rep_frames, sizes.n_disks, 6)
    ckpt = out / "deepsets_checkpoint.pt"
    logger = logging.getLogger(deepsets_train.__name__)
    logger.setLevel(logging.INFO)
    rec = _Records()
    logger.addHandler(rec)
    hash_config = {"check": "gpu_check", "mode": sizes.mode, "settings": dataclasses.asdict(s)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, frame = deepsets_train.train_model(
            vel[:-1], vel[-1:], s, master_seed(cfg), device, ckpt, hash_config,
            show_progress=False, stop_after=sizes.kill_after if args.worker == "kill" else None)
    if args.worker == "kill":
        os.kill(os.getpid(), signal.SIGKILL)  # stopped after the checkpoint of kill_after
    resumed = [m for m in rec.messages if m.startswith(f"resumed h={HIDDEN} ")]
    resumed_from = int(resumed[0].rsplit(" ", 1)[-1]) if resumed else 0
    torch.save({f"last.{k}": v.detach().cpu() for k, v in model.state_dict().items()},
               out / "weights.pt")
    meta = {"history": frame.to_dict(orient="records"), "resumed_from": resumed_from,
            "device": str(device),
            "warnings": sorted({str(w.message)[:300] for w in caught
                                if "determinis" in str(w.message).lower()})}
    (out / "result.json").write_text(json.dumps(meta))


def run_worker(args) -> int:
    cfg = load_config(Path(args.config))
    sizes = Sizes.for_mode(cfg, args.small)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    (worker_siamese if args.model == "siamese" else worker_deepsets)(cfg, sizes, args, out)
    return 0


@dataclasses.dataclass
class WorkerResult:
    returncode: int | None  # None: not started (the time budget had run out)
    dir: Path
    stderr: str
    weights: dict | None = None
    meta: dict | None = None
    out_of_time: bool = False  # killed by the check itself at the end of --budget

    def error(self) -> str:
        if self.returncode is None or self.out_of_time:
            return f"worker {'not started' if self.returncode is None else 'killed'}: " \
                   "the check's time budget (--budget) ran out"
        tail = self.stderr.strip().splitlines()[-3:]
        return f"worker exit status {self.returncode}: " + " | ".join(tail)


def worker_env() -> dict:
    """The caller's environment as it was before any torch setting of this process (so, e.g.,
    ``set_deterministic``'s cuBLAS workspace is set by each worker before cuBLAS starts), with
    this package first on the path."""
    path = [str(SRC)] + [p for p in ENV0.get("PYTHONPATH", "").split(os.pathsep) if p]
    return dict(ENV0, PYTHONPATH=os.pathsep.join(path))


def launch(jobs: list[tuple[str, str, Path]], args) -> list[WorkerResult]:
    """Run ``(mode, model, dir)`` workers concurrently, each in a fresh Python process, killed
    at the deadline of the whole check (``--budget``)."""
    if time.monotonic() > args.deadline:
        return [WorkerResult(None, d, "") for _, _, d in jobs]
    procs = []
    for mode, model, d in jobs:
        cmd = [sys.executable, "-m", "thermolearn.gpu_check", "--worker", mode, "--model", model,
               "--dir", str(d), "--device", args.device, "--config", str(args.config),
               "--small" if args.small else "--full"]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        err = open(d.parent / f"{d.name}.stderr", "w+")
        procs.append((subprocess.Popen(cmd, env=worker_env(), stdout=subprocess.DEVNULL,
                                       stderr=err, cwd=d.parent), err, d))
    results = []
    for p, err, d in procs:
        late = False
        try:
            rc = p.wait(timeout=max(1.0, args.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            rc, late = p.wait(), True
        err.seek(0)
        r = WorkerResult(rc, d, err.read(), out_of_time=late)
        err.close()
        if rc == 0:
            r.weights = torch.load(d / "weights.pt", map_location="cpu", weights_only=True)
            r.meta = json.loads((d / "result.json").read_text())
        results.append(r)
    return results


def judge_determinism(model: str, a: WorkerResult, b: WorkerResult) -> Check:
    name = f"{model}_deterministic"
    for r in (a, b):
        if r.returncode != 0:
            return Check(name, False, r.error())
    ok_w, det = compare_weights(a.weights, b.weights)
    ok_h = same_history(a.meta["history"], b.meta["history"])
    warn = a.meta["warnings"] + b.meta["warnings"]
    where = a.meta["device"]
    n_ep = len(a.meta["history"])
    if ok_w and ok_h:
        return Check(name, True, f"two {n_ep}-epoch trainings on {where} in fresh processes: "
                     f"final weights {det}, loss logs equal")
    why = f"two {n_ep}-epoch trainings on {where}: weights: {det}; loss logs " \
          f"{'equal' if ok_h else 'differ'}"
    if warn:
        why += f"; torch non-determinism warnings: {warn[0]}" + \
            (f" (+{len(set(warn)) - 1} more)" if len(set(warn)) > 1 else "")
    return Check(name, False, why)


def checkpoint_epoch(path: Path) -> int | None:
    if not path.exists():
        return None
    return int(torch.load(path, map_location="cpu", weights_only=True)["epoch"])


def judge_resume(model: str, ref: WorkerResult, killed: WorkerResult, resumed: WorkerResult,
                 k: int, ckpt_name: str, ckpt_epoch: int | None) -> Check:
    name = f"{model}_resume"
    how = f"real SIGKILL of the training process right after its epoch-{k} checkpoint"
    if killed.returncode is None or killed.out_of_time:
        return Check(name, False, f"{how}: {killed.error()}")
    if killed.returncode != -signal.SIGKILL:
        return Check(name, False, f"{how}: expected the process to die by SIGKILL, got exit "
                     f"status {killed.returncode}: {killed.stderr.strip()[-300:]}")
    if ckpt_epoch != k:
        return Check(name, False, f"{how}: {ckpt_name} holds epoch {ckpt_epoch}, expected {k}")
    for r in (ref, resumed):
        if r.returncode != 0:
            return Check(name, False, r.error())
    n_ep = len(ref.meta["history"])
    if resumed.meta["resumed_from"] != k:
        return Check(name, False, f"{how}: the rerun did not resume from the checkpoint "
                     f"(resumed from epoch {resumed.meta['resumed_from']}, expected {k})")
    ok_w, det = compare_weights(ref.weights, resumed.weights)
    ok_h = same_history(ref.meta["history"], resumed.meta["history"])
    ok = ok_w and ok_h
    return Check(name, ok, f"{how} ({k} of {n_ep} epochs, {resumed.meta['device']}); a fresh "
                 f"process resumed from epoch {k}: vs the uninterrupted run, weights {det}, "
                 f"loss logs {'equal' if ok_h else 'differ'}")


def reproducibility_checks(args, sizes: Sizes) -> list[Check]:
    tmp = Path(tempfile.mkdtemp(prefix="gpu_check_"))
    checks = []
    try:
        # wave 1: two uninterrupted runs and one killed run of each model, all at once
        dirs = {model: tmp / f"{model}_resume" for model in ("siamese", "deepsets")}
        jobs = [(m, model, tmp / f"{model}_{m}{i}") for model in ("siamese", "deepsets")
                for m, i in (("run", "a"), ("run", "b"))]
        jobs += [("kill", model, d) for model, d in dirs.items()]
        a_s, b_s, a_d, b_d, k_s, k_d = launch(jobs, args)
        checks += [judge_determinism("siamese", a_s, b_s), judge_determinism("deepsets", a_d, b_d)]
        ck = {model: checkpoint_epoch(d / f"{model}_checkpoint.pt") for model, d in dirs.items()}
        # wave 2: the reruns that resume the killed ones
        r_s, r_d = launch([("resume", model, d) for model, d in dirs.items()], args)
        checks += [judge_resume("siamese", a_s, k_s, r_s, sizes.kill_after,
                                "siamese_checkpoint.pt", ck["siamese"]),
                   judge_resume("deepsets", a_d, k_d, r_d, sizes.kill_after,
                                "deepsets_checkpoint.pt", ck["deepsets"])]
    finally:
        if args.keep:
            print(f"gpu_check: worker files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return checks


# -------------------------------------------------------------------------------------- main


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", default=None,
                      help="small sizes (32 px, few pairs); the default without CUDA")
    size.add_argument("--full", dest="small", action="store_false",
                      help="paper sizes (256 px); the default with CUDA")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                    help="training device, resolved by the project as the config key is")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default: 1 with --small on a CPU, else torch's)")
    ap.add_argument("--config", default=str(REPO / "config.yaml"))
    ap.add_argument("--keep", action="store_true", help="keep the workers' files")
    ap.add_argument("--budget", type=float, default=290.0,
                    help="seconds; workers still running then are killed (their checks FAIL)")
    ap.add_argument("--worker", choices=["run", "kill", "resume"], help=argparse.SUPPRESS)
    ap.add_argument("--model", choices=["siamese", "deepsets"], help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    ap.set_defaults(small=None)
    args = ap.parse_args(argv)
    args.config = str(Path(args.config).resolve())  # the workers run elsewhere
    if args.small is None:
        args.small = not torch.cuda.is_available()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args)
    t0 = time.perf_counter()
    args.deadline = time.monotonic() + args.budget
    cfg = load_config(Path(args.config))
    sizes = Sizes.for_mode(cfg, args.small)
    try:
        device = devices.resolve_device(args.device, "--device")
    except RuntimeError as exc:
        print(f"gpu_check: {exc}", file=sys.stderr)
        return 2
    if args.threads is None and args.small and device.type == "cpu":
        args.threads = 1  # bit-reproducible and light on a shared machine
    if args.threads:
        torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"gpu_check: {sizes.mode} sizes on {device} ({name}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU thread(s); siamese {sizes.size} px, {sizes.n_frames} "
          f"frames, batch {sizes.batch}; deepsets h={HIDDEN}, {sizes.n_disks} disks, batch "
          f"{sizes.ds_batch}", flush=True)
    checks: list[Check] = []

    def emit(new: list[Check]) -> None:
        for c in new:
            print(c.line(), flush=True)
        checks.extend(new)

    emit(guarded("device_auto", check_device_auto, cfg))
    emit(guarded("siamese_train", siamese_throughput, cfg, sizes, args.device))
    emit(guarded("deepsets_train", deepsets_throughput, cfg, sizes, args.device))
    emit(guarded("reproducibility", reproducibility_checks, args, sizes))
    failed = [c.name for c in checks if not c.ok]
    print(f"gpu_check: {len(checks)} checks, {len(failed)} failed"
          f"{' (' + ', '.join(failed) + ')' if failed else ''}; "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
