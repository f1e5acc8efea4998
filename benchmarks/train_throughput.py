"""Training throughput of the Paper A siamese network (pairs per second).

Measures one full training step as the training loop runs it (pair sampling, gather and D4 x
time-reversal augmentation on the training device, uint8 -> float, forward, backward, Adam)
against a named baseline measured in the same run:

- ``baseline: numpy pipeline``: the same step with pairs gathered and augmented per pair in
  numpy on the CPU, then copied to the device (what a conventional Dataset/DataLoader does);
- ``compute only``: forward + backward + Adam on a ready float batch (the upper bound).

On CUDA the step also runs with bfloat16 autocast (the training default, ``amp: true``).

    python benchmarks/train_throughput.py                 # 256 px (paper), cpu and cuda if any
    python benchmarks/train_throughput.py --size 96 --steps 20
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn.paper_a.siamese.data import N_GROUP, gather_pairs, sample_pairs  # noqa: E402
from thermolearn.paper_a.siamese.model import SiameseNet, to_input  # noqa: E402


def synthetic(n_proc: int, n_states: int, n_frames: int, size: int, device) -> tuple:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (n_proc * n_states, n_frames, size, size), dtype=np.uint8)
    n_p = np.full(n_proc, n_states)
    return torch.from_numpy(img).to(device), img, n_p, np.concatenate([[0], np.cumsum(n_p)])


def numpy_augment(v: np.ndarray, g: int) -> np.ndarray:
    k, flip, rev = g % 4, (g // 4) % 2, g // 8
    if rev:
        v = v[::-1]
    if flip:
        v = v[..., ::-1]
    return np.rot90(v, k, axes=(-2, -1))


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench(step, batch: int, steps: int, device) -> float:
    """Pairs per second of ``step`` (best of 3 rounds: robust to a shared, busy machine)."""
    step()  # warm-up (allocations, cuDNN)
    step()
    best = 0.0
    for _ in range(3):
        sync(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync(device)
        best = max(best, batch * steps / (time.perf_counter() - t0))
    return best


def run(device: torch.device, size: int, batch: int, steps: int, n_frames: int = 5) -> None:
    torch.manual_seed(0)
    img_t, img_np, n_p, off = synthetic(16, 24, n_frames, size, device)
    model = SiameseNet(size, n_frames).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator(device=device).manual_seed(1)

    def fit(x, y, amp):  # x: (2B, F, H, W), X0 rows then X1 rows (as in training)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            s = model.subnet(x)
            logit = s[len(y):] - s[:len(y)]
        loss = loss_fn(logit.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def ours(amp=False):
        i0, i1, y = sample_pairs(n_p, off, -(-batch // len(n_p)), gen, device)
        i0, i1, y = i0[:batch], i1[:batch], y[:batch]
        g = torch.randint(0, N_GROUP, (len(y),), generator=gen, device=device)
        x = to_input(gather_pairs(img_t, i0, i1, g))
        fit(x, y, amp)

    rng = np.random.default_rng(2)

    def numpy_pipeline():
        i0, i1, y = sample_pairs(n_p, off, -(-batch // len(n_p)), torch.Generator(), "cpu")
        x0, x1 = [], []
        for a, b in zip(i0[:batch].numpy(), i1[:batch].numpy()):
            g = int(rng.integers(N_GROUP))
            x0.append(numpy_augment(img_np[a], g))
            x1.append(numpy_augment(img_np[b], g))
        x = torch.from_numpy(np.stack(x0 + x1).astype(np.float32) / 255.0).to(device)
        fit(x, y[:batch].to(device), False)

    x_ready = torch.rand(2 * batch, n_frames, size, size, device=device)
    y_ready = (torch.arange(batch, device=device) % 2).float()

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"cpu ({torch.get_num_threads()} threads)"
    print(f"\n{name}: {size} x {size} px, {n_frames} frames, batch {batch} pairs, {steps} steps")
    base = bench(numpy_pipeline, batch, steps, device)
    print(f"  baseline: numpy pipeline      {base:10.1f} pairs/s   1.00x")
    rate = bench(ours, batch, steps, device)
    print(f"  on-device sampling+augment    {rate:10.1f} pairs/s   {rate / base:.2f}x baseline")
    comp = bench(lambda: fit(x_ready, y_ready, False), batch, steps, device)
    print(f"  compute only (fp32)           {comp:10.1f} pairs/s   {comp / base:.2f}x baseline"
          f"  (data path overhead {100 * (1 - rate / comp):.0f}%)")
    if device.type == "cuda":
        amp = bench(lambda: ours(True), batch, steps, device)
        print(f"  on-device + bf16 autocast     {amp:10.1f} pairs/s   {amp / base:.2f}x baseline"
              f"  ({amp / rate:.2f}x fp32)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256, help="image side (paper: 256)")
    ap.add_argument("--batch", type=int, default=64, help="pairs per step")
    ap.add_argument("--steps", type=int, default=None, help="timed steps (default 5 cpu, 50 cuda)")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for dev in devices:
        run(dev, args.size, args.batch, args.steps or (50 if dev.type == "cuda" else 5))


if __name__ == "__main__":
    main()
