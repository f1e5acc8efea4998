"""Training throughput of Paper B's DeepSets, in pairs per CPU-second.

Two training steps, measured in the same run on the same batches of 512 pairs of hard-disk
states (the paper's gas: 1000 disks; a simulated run, float32 velocities), float32 throughout:

- ``baseline``: a straightforward PyTorch loop like the paper's public code: ``nn.Sequential``
  phi and rho, ``h(V_t)`` and ``h(V_t+1)`` as two forward passes, the tilted loss written with
  ``leaky_relu``, ``loss.backward()``, Adam;
- ``project``: the project's step (``thermolearn.paper_b.train.run_epoch``): the fused, chunked
  loss-and-gradient pass ``deepsets.tilted_pair_grads`` and Adam, plus the epoch log's losses.

The rate is per CPU-second (``time.process_time``), robust to a shared machine. Before timing,
both steps are run for the same batches from the same weights and their losses compared (they
must agree to float32 rounding; the float64 loop is the yardstick). Ends with one line per width
``ratio project/baseline at h=64: N.Nx``.

    python benchmarks/deepsets_throughput.py                   # h = 16, 32, 64; 1 thread
    python benchmarks/deepsets_throughput.py --hidden 64 --steps 6 --threads 2
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn.paper_b.deepsets import DeepSets, tilted_loss, tilted_pair_grads  # noqa: E402
from thermolearn.paper_b.hard_disks import DiskParams, simulate  # noqa: E402

BATCH = 512
LR, LAMBDA = 4e-4, 0.2


class PublicStyle(nn.Module):
    """The paper's code's model: ``x`` of shape (B, N * 2) viewed as (B, N, 2)."""

    def __init__(self, hidden: int, n_disks: int):
        super().__init__()
        self.n = n_disks
        self.phi = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU())
        self.rho = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        b = x.shape[0]
        return self.rho(self.phi(x.view(b, self.n, 2)).sum(dim=1)).squeeze(-1)


def baseline_step(model, opt, s_t, s_tp1, alpha):
    """One batch as in the public code (two forward passes, leaky_relu tilt, Adam)."""
    delta_h = model(s_tp1) - model(s_t)
    leaky_dh = -F.leaky_relu(-delta_h, negative_slope=alpha)
    loss = -torch.mean(leaky_dh) + LAMBDA * torch.mean(delta_h**2)
    loss0 = -torch.mean(delta_h) + LAMBDA * torch.mean(delta_h**2)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss.detach()), float(loss0.detach())


def project_step(model, opt, v0, v1, alpha):
    """One batch as ``train.run_epoch`` does it on a CPU."""
    dh = tilted_pair_grads(model, v0, v1, alpha, LAMBDA)
    opt.step()
    return float(tilted_loss(dh, alpha, LAMBDA)), float(tilted_loss(dh, 1.0, LAMBDA))


def make_batches(n_batches: int, seed: int = 0):
    """Pairs of consecutive frames of one simulated run of the paper's gas, in random order."""
    rng = np.random.default_rng(seed)
    n_frames = 160
    vel = simulate(DiskParams(), n_frames, rng).vel_fnd.astype(np.float32)    # (F+1, N, 2)
    vel_t = torch.from_numpy(vel)
    out = []
    for _ in range(n_batches):
        t = torch.from_numpy(rng.integers(0, n_frames, BATCH))
        out.append((vel_t[t].contiguous(), vel_t[t + 1].contiguous()))
    return out


def models(hidden: int, n_disks: int, seed: int = 0):
    torch.manual_seed(seed)
    ours = DeepSets(hidden)
    base = PublicStyle(hidden, n_disks)
    base.load_state_dict(ours.state_dict())
    return ours, base


def check_losses(hidden: int, batches, alpha: float = 0.7) -> float:
    """Losses of the same batches from the same weights: baseline float32, project float32 and
    the baseline in float64; returns the largest |project - f64| / |baseline - f64| (<= ~1-3:
    the project is as close to the exact losses as float32 autograd is)."""
    n = batches[0][0].shape[1]
    ours, base = models(hidden, n, seed=1)
    base64 = copy.deepcopy(base).double()
    runs = {}
    for name, model, step, cast in (
            ("baseline", base, baseline_step, lambda v: v.reshape(len(v), -1)),
            ("baseline_f64", base64, baseline_step, lambda v: v.double().reshape(len(v), -1)),
            ("project", ours, project_step, lambda v: v)):
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        runs[name] = np.array([step(model, opt, cast(v0), cast(v1), alpha)
                               for v0, v1 in batches])
    err_base = np.abs(runs["baseline"] - runs["baseline_f64"])
    err_proj = np.abs(runs["project"] - runs["baseline_f64"])
    scale = np.abs(runs["baseline_f64"]).max()
    # batch 1: the same weights, pure rounding; later batches also carry the rounding of the
    # earlier Adam steps (Adam's first steps are ~lr * sign(g): round-off in a near-zero
    # gradient component flips a whole step), so they scatter more
    print(f"  h={hidden}: {len(batches)} batches from the same weights: max |loss| {scale:.3e}; "
          f"batch 1: |baseline - f64| {err_base[0].max():.2e}, |project - f64| "
          f"{err_proj[0].max():.2e}; all: {err_base.max():.2e}, {err_proj.max():.2e}",
          flush=True)
    return float(err_proj.max() / max(err_base.max(), 1e-30))


def rate(step, model, batches, n_steps: int, alpha: float = 0.7, reshape: bool = False) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    prep = (lambda v: v.reshape(len(v), -1)) if reshape else (lambda v: v)
    v0, v1 = batches[0]
    step(model, opt, prep(v0), prep(v1), alpha)  # warm-up
    t0 = time.process_time()
    for k in range(n_steps):
        v0, v1 = batches[k % len(batches)]
        step(model, opt, prep(v0), prep(v1), alpha)
    return n_steps * BATCH / (time.process_time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hidden", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--steps", type=int, default=4, help="timed batches per step and round")
    ap.add_argument("--rounds", type=int, default=2, help="alternating timing rounds")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--check-batches", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    batches = make_batches(max(args.steps, args.check_batches))
    n = batches[0][0].shape[1]
    print(f"DeepSets training, {n} disks, batches of {BATCH} pairs, float32, "
          f"{args.threads} thread(s), pairs per CPU-second")
    print("loss check (same weights and batches):")
    for h in args.hidden:
        ratio = check_losses(h, batches[:args.check_batches])
        print(f"  h={h}: |project - f64| / |baseline - f64| = {ratio:.2f}")
    ratios = {}
    for h in args.hidden:
        ours, base = models(h, n)
        r_base, r_proj = [], []
        for _ in range(args.rounds):  # alternate, so that a load change hits both
            r_base.append(rate(baseline_step, base, batches, args.steps, reshape=True))
            r_proj.append(rate(project_step, ours, batches, args.steps))
        b, p = float(np.median(r_base)), float(np.median(r_proj))
        ratios[h] = p / b
        print(f"h={h:3d}: baseline {b:8.1f} pairs/CPU-s ({b * 12 * n * (2 * h + h * h) / 1e9:5.1f}"
              f" GFLOP/s), project {p:8.1f} pairs/CPU-s", flush=True)
    for h, r in ratios.items():
        print(f"ratio project/baseline at h={h}: {r:.1f}x")


if __name__ == "__main__":
    main()
