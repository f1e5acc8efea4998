"""Training throughput on the GPU against the CPU: siamese and DeepSets (h = 64) pairs per second.

Both trainings run the project's own code on synthetic data, as the GPU check measures them
(``thermolearn.gpu_check``: ``siamese_rate`` and ``deepsets_rate``, paper sizes by default):
once on the GPU, then on the CPU of the same machine with fewer pairs (a rate per pair does not
depend on how many are run). Wall-clock rates, best warm epoch each. Ends with

    ratio siamese pairs/s cuda/cpu: N.Nx
    ratio deepsets h=64 pairs/s cuda/cpu: N.Nx

The siamese ratio is what ``thermolearn plan --gpus`` assumes for a GPU job
(``thermolearn.plan.schedule.ASSUMED_GPU_SPEEDUP``) until a GPU has measured it. Whether the
trainings are correct and reproducible on the GPU is the check's job, not this benchmark's:
``python -m thermolearn.gpu_check`` (docs/gpu.md).

    python benchmarks/gpu_throughput.py                    # paper sizes, GPU against all CPUs
    python benchmarks/gpu_throughput.py --small --device cpu   # the script itself on a CPU (1x)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn import devices  # noqa: E402
from thermolearn.checks import load_config  # noqa: E402
from thermolearn.gpu_check import HIDDEN, REPO, Sizes, deepsets_rate, siamese_rate  # noqa: E402


def cpu_sizes(sizes: Sizes) -> Sizes:
    """The baseline's sizes: the same images, disks and batches, fewer pairs and epochs."""
    return dataclasses.replace(sizes, thr_procs=min(sizes.thr_procs, 4), thr_epochs=2,
                               ds_thr_runs=min(sizes.ds_thr_runs, 8), ds_thr_epochs=2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="the GPU check's small sizes")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                    help="the measured device (cpu: a run of the script itself, ratio ~1x)")
    ap.add_argument("--cpu-threads", type=int, default=None,
                    help="torch threads of the CPU baseline (default: torch's, all cores)")
    ap.add_argument("--config", default=str(REPO / "config.yaml"))
    args = ap.parse_args(argv)
    device = devices.resolve_device(args.device, "--device")
    if args.device == "auto" and device.type != "cuda":
        print("gpu_throughput: no CUDA device visible to torch: nothing to compare "
              "(--device cpu runs the script on the CPU alone)", file=sys.stderr)
        return 2
    cfg = load_config(Path(args.config))
    sizes = Sizes.for_mode(cfg, args.small)
    print(f"gpu_throughput: {sizes.mode} sizes, {device} "
          f"({torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}) "
          f"against the CPU, torch {torch.__version__}", flush=True)
    fast = {"siamese": siamese_rate(cfg, sizes, device.type),
            f"deepsets h={HIDDEN}": deepsets_rate(cfg, sizes, device.type)}
    if args.cpu_threads:
        torch.set_num_threads(args.cpu_threads)
    print(f"CPU baseline: {torch.get_num_threads()} torch thread(s)", flush=True)
    base_sizes = cpu_sizes(sizes)
    base = {"siamese": siamese_rate(cfg, base_sizes, "cpu"),
            f"deepsets h={HIDDEN}": deepsets_rate(cfg, base_sizes, "cpu")}
    for name in fast:
        print(f"{device.type}: {fast[name].line}")
        print(f"cpu: {base[name].line}")
    for name in fast:
        print(f"ratio {name} pairs/s {device.type}/cpu: "
              f"{fast[name].pairs_per_s / base[name].pairs_per_s:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
