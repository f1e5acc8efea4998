"""Training throughput of the Paper A siamese network, in pairs per CPU-second.

Two training steps, measured in the same run on the same synthetic states (pair sampling,
D4 x time-reversal augmentation, uint8 -> float, forward, backward, Adam):

- ``baseline``: the plain Table I network as it trained before (float32, NCHW ``nn.Conv2d``);
- ``project``: the project's step (``thermolearn.paper_a.siamese``) as a workflow job runs it:
  channels-last layout and, where the device computes bfloat16 natively (CUDA, CPUs with
  AVX512-BF16/AMX), bfloat16 autocast of the convolutions with the dense head in float32
  (``paper_a.train.amp``), with glibc told to keep freed memory
  (``thermolearn.allocator.retain_freed_memory``, set by every job).

On the CPU a third line splits the gain: the baseline step with only the allocator setting
(``baseline + allocator``), then the ratio of the project to it (layout and precision alone).

On the CPU the rate is per CPU-second (``time.process_time``), robust to a shared machine; on
CUDA it is per wall-second. Ends with one ``ratio project/baseline at <size> px: N.Nx`` line per
image size (CPU, the largest thread count).

    python benchmarks/train_throughput.py                  # 256 and 96 px, 1 and 2 threads
    python benchmarks/train_throughput.py --sizes 256 --threads 2 --steps 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn.allocator import retain_freed_memory  # noqa: E402
from thermolearn.paper_a.siamese.data import (  # noqa: E402
    N_GROUP, augment, gather_pairs, sample_pairs)
from thermolearn.paper_a.siamese.model import (  # noqa: E402
    CONV_CHANNELS, DENSE_UNITS, DROPOUT, SiameseNet, autocast, bf16_native, flatten_size,
    to_input)


class PlainSubnet(nn.Module):
    """Table I as a plain float32 NCHW network: the baseline."""

    def __init__(self, size: int, n_frames: int):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = n_frames
        for c_out in CONV_CHANNELS:
            layers += [nn.Conv2d(c_in, c_out, 2, stride=2), nn.ReLU()]
            c_in = c_out
        layers += [nn.Flatten(), nn.Dropout(DROPOUT)]
        n_in = flatten_size(size)
        for n_out in DENSE_UNITS:
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
            n_in = n_out
        layers.append(nn.Linear(n_in, 1))
        self.net = nn.Sequential(*layers)

    def subnet(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def clock(device: torch.device) -> float:
    return time.perf_counter() if device.type == "cuda" else time.process_time()


def bench(step, batch: int, steps: int, device: torch.device) -> float:
    """Pairs per CPU-second (CUDA: per second) of ``step``, best of 3 rounds after a warm-up.

    CPU-seconds are user + system time: the page faults of a step count.
    """
    step()
    step()
    best = 0.0
    for _ in range(3):
        sync(device)
        t0 = clock(device)
        for _ in range(steps):
            step()
        sync(device)
        best = max(best, batch * steps / (clock(device) - t0))
    return best


def nchw_gather(img_sfhw, i0, i1, g) -> torch.Tensor:
    """The baseline's gather: the pairs' states, then the augmentation, NCHW (uint8)."""
    return augment(img_sfhw.index_select(0, torch.cat([i0, i1])), torch.cat([g, g]))


def nchw_input(img_uint8: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    """The baseline's input: ``img / 255`` as float32 in the default (NCHW) layout."""
    return img_uint8.to(dtype).mul_(1.0 / 255.0)


def make_step(model, amp: bool, img_t, n_p, off, batch: int, device: torch.device,
              gather=gather_pairs, to_float=to_input):
    """One training step as the training loop runs it (``thermolearn.paper_a.siamese.train``)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = nn.BCEWithLogitsLoss()
    gen = torch.Generator(device=device).manual_seed(1)

    def step():
        i0, i1, y = sample_pairs(n_p, off, -(-batch // len(n_p)), gen, device)
        i0, i1, y = i0[:batch], i1[:batch], y[:batch]
        g = torch.randint(0, N_GROUP, (len(y),), generator=gen, device=device)
        x = to_float(gather(img_t, i0, i1, g), torch.bfloat16 if amp else torch.float32)
        with autocast(device, amp):
            s = model.subnet(x)
            logit = s[len(y):] - s[:len(y)]
        loss = loss_fn(logit.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def run(device: torch.device, size: int, batch: int, steps: int, n_frames: int = 5) -> tuple:
    rng = np.random.default_rng(0)
    n_proc, n_states = 8, 12
    img = rng.integers(0, 256, (n_proc * n_states, n_frames, size, size), dtype=np.uint8)
    img_t = torch.from_numpy(img).to(device)
    n_p = np.full(n_proc, n_states)
    off = np.concatenate([[0], np.cumsum(n_p)])
    def baseline() -> float:
        torch.manual_seed(0)
        return bench(make_step(PlainSubnet(size, n_frames).to(device), False, img_t, n_p, off,
                               batch, device, nchw_gather, nchw_input), batch, steps, device)

    base = baseline()
    amp = bf16_native(device)
    base_alloc = None
    if device.type == "cpu":
        retain_freed_memory()
        base_alloc = baseline()
    ours = bench(make_step(SiameseNet(size, n_frames).to(device), amp, img_t, n_p, off,
                           batch, device), batch, steps, device)
    retain_freed_memory(False)
    return base, base_alloc, ours, amp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 96], help="image sides (px)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU thread counts")
    ap.add_argument("--batch", type=int, default=64, help="pairs per step")
    ap.add_argument("--steps", type=int, default=None, help="timed steps (default: by size)")
    args = ap.parse_args()
    ratios = {}
    unit = "pairs per CPU-second"
    for size in args.sizes:
        steps = args.steps or max(2, (4 * 256 * 256) // (size * size))
        for threads in args.threads:
            torch.set_num_threads(threads)
            base, base_alloc, ours, amp = run(torch.device("cpu"), size, args.batch, steps)
            ratios[size] = ours / base
            print(f"cpu, {threads} thread(s), {size} px, batch {args.batch}: "
                  f"baseline (fp32 NCHW) {base:8.1f}  project (channels-last"
                  f"{', bf16 autocast' if amp else ''}, allocator) {ours:8.1f} {unit}  "
                  f"{ours / base:.2f}x", flush=True)
            print(f"    of which: baseline + allocator {base_alloc:8.1f} {unit} "
                  f"({base_alloc / base:.2f}x the baseline); layout and precision "
                  f"{ours / base_alloc:.2f}x on top", flush=True)
        if torch.cuda.is_available():
            base, _, ours, amp = run(torch.device("cuda"), size, args.batch, 10 * steps)
            print(f"cuda ({torch.cuda.get_device_name()}), {size} px: baseline {base:.1f}  "
                  f"project {ours:.1f} pairs/s  {ours / base:.2f}x", flush=True)
    for size, r in ratios.items():
        print(f"ratio project/baseline at {size} px: {r:.1f}x")


if __name__ == "__main__":
    main()
