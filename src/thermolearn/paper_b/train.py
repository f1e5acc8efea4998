"""Training one DeepSets model with the tilted loss (Paper B, Sec. IV), resumable.

As in the paper's code: pairs ``(V_t, V_t+1)`` of consecutive frames of every training run,
reshuffled, in batches of ``batch_size`` (the incomplete last batch of a shuffle is dropped);
Adam; the tilt ``alpha`` of epoch e (from 0) is ``1 - (1 - alpha_final) e / (E - 1)``, constant
within the epoch. An epoch is ``steps_per_epoch`` Adam steps (the paper's code: all 500 runs,
``floor(500 * 499 / 512) = 487``): the first batches of one shuffle when that is fewer than a pass
over the pairs, else the batches of successive reshuffles, so that the paper's schedule in Adam
steps holds at any number of runs.

Besides the two losses, the log keeps ``P = mean(dh+)``, ``N = mean(dh-)`` and
``Q = mean(dh^2)`` of the epoch's batches (``dh+ = max(dh, 0)``, ``dh- = max(-dh, 0)``), so that
``r = N / P``, the learned h's backward-to-forward ratio, is known at every epoch
(:mod:`.arrow`). On a CPU
the gradient of a batch comes from the fused pass :func:`.deepsets.tilted_pair_grads` (equal to
autograd's to float32 rounding, several times faster); on CUDA from autograd. The logged
epoch losses are the means over the epoch's batches of the tilted loss and of the untilted loss
(alpha = 1) evaluated on the same batches. Beyond the paper, the same two losses are evaluated
on the held-out runs after every epoch (no gradient).

The state after every epoch (model, optimiser, RNG states, epoch, loss log, config hash) is
checkpointed atomically; a rerun with the same config resumes from it and gives the same numbers
as an uninterrupted run (the shuffle of epoch e is drawn from its own seed). The checkpoint is
removed once the final weights and log are written.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..io import atomic_path, write_csv
from ..jobs import progress
from ..provenance import config_hash, provenance
from .deepsets import (DeepSets, alpha_schedule, autograd_pair_grads, resolve_device,
                       tilted_loss, tilted_pair_grads)
from .runs import load_runs

log = logging.getLogger(__name__)

STREAM = 0xB2  # stage constant of the training seeds
LOG_COLUMNS = ["epoch", "steps", "alpha", "tilted_loss", "untilted_loss", "mean_dh",
               "mean_dh_last_batch", "mean_dh_pos", "mean_dh_neg", "mean_dh_sq",
               "heldout_tilted_loss", "heldout_untilted_loss"]


@dataclass(frozen=True)
class TrainSettings:
    hidden: int
    epochs: int = 120
    batch_size: int = 512
    lr: float = 4e-4
    lambda_reg: float = 0.2
    alpha_final: float = 0.2
    first_frame: int = 1
    steps_per_epoch: int | None = None  # None: one pass over the pairs
    init_seed: int = 0

    @classmethod
    def from_config(cls, paper_b: dict, hidden: int) -> "TrainSettings":
        t = paper_b["train"]
        return cls(hidden=int(hidden), epochs=int(t["epochs"]), batch_size=int(t["batch_size"]),
                   lr=float(t["lr"]), lambda_reg=float(t["lambda_reg"]),
                   alpha_final=float(t["alpha_final"]), first_frame=int(t["first_frame"]),
                   steps_per_epoch=int(t["steps_per_epoch"]),
                   init_seed=int(t.get("init_seed", 0)))

    def steps(self, n_pairs: int) -> int:
        """Adam steps per epoch for ``n_pairs`` training pairs."""
        return (int(self.steps_per_epoch) if self.steps_per_epoch is not None
                else n_pairs // self.batch_size)


def init_seed(seed: int, hidden: int, n_train_runs: int, replica: int = 0) -> int:
    """The torch seed of a model's initialisation.

    It depends on the width, the number of training runs (so that the scan points of a runs
    scan do not share one initialisation) and the replica ``replica``
    (``paper_b.train.init_seed``: a second initialisation of the same training)."""
    return torch_seed(seed, hidden, 0, n_train_runs, replica)


def torch_seed(seed: int, *keys: int) -> int:
    """A 63-bit torch seed derived from the master seed and stream keys."""
    ss = np.random.SeedSequence([int(seed), STREAM, *map(int, keys)])
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def critical_epoch(tilted_loss_e) -> float:
    """First epoch (counted from 1) whose tilted loss is >= 0 after having been negative; NaN
    if none.

    The paper's critical epoch is where the tilt makes the trivial solution dh = 0 no longer
    suboptimal, so the loss climbs back to zero from below. An untrained model whose first epoch
    happens to average dh < 0 (loss slightly > 0 at alpha = 1) is not that event; in the
    published log the loss is negative from epoch 1 and both readings give 95, 105, 111.
    """
    loss_e = np.asarray(tilted_loss_e, dtype=float)
    negative = np.flatnonzero(loss_e < 0.0)
    if not len(negative):
        return math.nan
    hits = np.flatnonzero(loss_e[negative[0]:] >= 0.0)
    return float(negative[0] + hits[0] + 1) if len(hits) else math.nan


@dataclass
class PairData:
    """Consecutive-frame pairs of a set of runs, stored once on the device.

    Attributes
    ----------
    vel_rfnd : tensor, shape (R, F, N, 2), float32
        Frames ``first_frame ..`` of the runs; pair p is (run p // (F-1), frame p % (F-1)).
    """

    vel_rfnd: torch.Tensor
    n_pairs: int = field(init=False)

    def __post_init__(self):
        r, f = self.vel_rfnd.shape[:2]
        self.n_pairs = r * (f - 1)

    def batch(self, idx_b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        per_run = self.vel_rfnd.shape[1] - 1
        r_b, t_b = idx_b // per_run, idx_b % per_run
        return self.vel_rfnd[r_b, t_b], self.vel_rfnd[r_b, t_b + 1]


def _dh(model: DeepSets, v0: torch.Tensor, v1: torch.Tensor) -> torch.Tensor:
    h = model(torch.cat([v0, v1]))
    return h[len(v0):] - h[:len(v0)]


def run_epoch(model, optimizer, data: PairData, s: TrainSettings, epoch: int,
              generator: torch.Generator, bar=None, grads=None) -> dict:
    """One training epoch of ``s.steps(data.n_pairs)`` Adam steps at one tilt.

    Batches are the consecutive slices of a shuffle of all pairs; when the epoch has more steps
    than one shuffle has whole batches, the next batches come from a fresh shuffle (drawn from
    ``generator`` too), and so on.

    ``grads``: the loss-and-gradient function of a batch (default: the fused pass on a CPU,
    autograd on CUDA; see :mod:`.deepsets`).

    Returns
    -------
    dict
        The tilt and the means over the epoch's batches of the tilted and untilted losses, of
        ``dh`` and of ``P = mean(dh+)``, ``N = mean(dh-)``, ``Q = mean(dh^2)``
        (``mean_dh_pos``, ``mean_dh_neg``, ``mean_dh_sq``); ``mean_dh_last_batch``.
    """
    model.train()
    alpha = alpha_schedule(epoch, s.epochs, s.alpha_final)
    per_pass = data.n_pairs // s.batch_size
    n_steps = s.steps(data.n_pairs)
    tot = torch.zeros(6, dtype=torch.float64, device=data.vel_rfnd.device)
    # on a CPU the fused chunked gradient (deepsets.tilted_pair_grads), on CUDA autograd
    if grads is None:
        grads = (tilted_pair_grads if data.vel_rfnd.device.type == "cpu"
                 else autograd_pair_grads)
    for step in range(n_steps):
        b = step % per_pass
        if b == 0:
            perm = torch.randperm(data.n_pairs, generator=generator).to(data.vel_rfnd.device)
        v0, v1 = data.batch(perm[b * s.batch_size:(b + 1) * s.batch_size])
        dh = grads(model, v0, v1, alpha, s.lambda_reg)
        optimizer.step()
        with torch.no_grad():
            loss = tilted_loss(dh, alpha, s.lambda_reg)
            loss0 = tilted_loss(dh, 1.0, s.lambda_reg)
            tot += torch.stack([loss, loss0, dh.mean(), dh.clamp(min=0).mean(),
                                (-dh).clamp(min=0).mean(), (dh * dh).mean()]).double()
        if bar is not None:
            bar.update(1)
    tot = (tot / n_steps).tolist()
    return {"alpha": alpha, "tilted_loss": tot[0], "untilted_loss": tot[1], "mean_dh": tot[2],
            "mean_dh_last_batch": float(dh.mean()), "mean_dh_pos": tot[3],
            "mean_dh_neg": tot[4], "mean_dh_sq": tot[5]}


@torch.no_grad()
def evaluate_losses(model, data: PairData, s: TrainSettings, alpha: float,
                    chunk: int = 512) -> tuple[float, float]:
    """Tilted and untilted loss over all pairs of ``data`` (no gradient, no shuffle)."""
    model.eval()
    dh = torch.cat([_dh(model, *data.batch(torch.arange(a, min(a + chunk, data.n_pairs),
                                                        device=data.vel_rfnd.device)))
                    for a in range(0, data.n_pairs, chunk)])
    return (float(tilted_loss(dh, alpha, s.lambda_reg)),
            float(tilted_loss(dh, 1.0, s.lambda_reg)))


def save_checkpoint(path: Path, state: dict) -> None:
    with atomic_path(path, suffix=".pt") as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path, want_hash: str) -> dict | None:
    """The checkpoint at ``path`` if it belongs to this config, else None (with a warning)."""
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a damaged checkpoint is not fatal: start over
        log.warning("%s: unreadable checkpoint (%s); starting from epoch 1", path, exc)
        return None
    if state.get("config_hash") != want_hash:
        log.warning("%s: checkpoint of another configuration; starting from epoch 1", path)
        return None
    return state


def train_model(vel_train_rfnd: np.ndarray, vel_heldout_rfnd: np.ndarray | None,
                s: TrainSettings, seed: int, device: torch.device, checkpoint: str | Path,
                hash_config: dict, show_progress: bool = True,
                stop_after: int | None = None) -> tuple[DeepSets, pd.DataFrame]:
    """Train (or resume) one model.

    Parameters
    ----------
    vel_train_rfnd, vel_heldout_rfnd : ndarray, shape (R, F, N, 2)
        Frames ``first_frame ..`` of the training and held-out runs.
    checkpoint : path
        Written after every epoch; read at start when it belongs to ``hash_config``.
    stop_after : int, optional
        Stop after this epoch (counted from 1) without finishing: to test resuming.

    Returns
    -------
    model, log
        The model (on the CPU) and the per-epoch log (:data:`LOG_COLUMNS`).
    """
    checkpoint = Path(checkpoint)
    want = config_hash(hash_config)
    train = PairData(torch.as_tensor(np.ascontiguousarray(vel_train_rfnd, np.float32),
                                     device=device))
    held = (PairData(torch.as_tensor(np.ascontiguousarray(vel_heldout_rfnd, np.float32),
                                     device=device))
            if vel_heldout_rfnd is not None and len(vel_heldout_rfnd) else None)
    if train.n_pairs < s.batch_size:
        raise ValueError(f"{train.n_pairs} training pairs are fewer than one batch: lower "
                         "'paper_b.train.batch_size' or add runs/frames")
    torch.manual_seed(init_seed(seed, s.hidden, len(vel_train_rfnd), s.init_seed))
    model = DeepSets(s.hidden).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=s.lr)
    rows, start = [], 0
    state = load_checkpoint(checkpoint, want)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        rows, start = list(state["log"]), int(state["epoch"])
        log.info("resumed h=%d from %s after epoch %d", s.hidden, checkpoint, start)
    n_batches = s.steps(train.n_pairs)
    log.info("h=%d on %s: %d training pairs (%d batches of %d per pass), %d Adam steps per "
             "epoch, %d held-out pairs, %d epochs", s.hidden, device, train.n_pairs,
             train.n_pairs // s.batch_size, s.batch_size, n_batches,
             held.n_pairs if held else 0, s.epochs)
    bar = progress((s.epochs - start) * n_batches, f"train h={s.hidden}", unit="batch",
                   disable=not show_progress)
    with bar:
        for epoch in range(start, s.epochs):
            gen = torch.Generator().manual_seed(torch_seed(seed, s.hidden, 1, epoch))
            row = {"epoch": epoch + 1, "steps": (epoch + 1) * n_batches,
                   **run_epoch(model, optimizer, train, s, epoch, gen, bar)}
            if held is not None:
                row["heldout_tilted_loss"], row["heldout_untilted_loss"] = evaluate_losses(
                    model, held, s, row["alpha"])
            else:
                row["heldout_tilted_loss"] = row["heldout_untilted_loss"] = math.nan
            rows.append(row)
            log.info("h=%d epoch %d/%d (%d steps): alpha %.4f, tilted %.4e, untilted %.4e, "
                     "<dh> %.4e, P %.4e, N %.4e, Q %.4e, held-out tilted %.4e, untilted %.4e",
                     s.hidden, epoch + 1, s.epochs, row["steps"], row["alpha"],
                     row["tilted_loss"], row["untilted_loss"], row["mean_dh"],
                     row["mean_dh_pos"], row["mean_dh_neg"], row["mean_dh_sq"],
                     row["heldout_tilted_loss"], row["heldout_untilted_loss"])
            save_checkpoint(checkpoint, {
                "config_hash": want, "epoch": epoch + 1, "log": rows,
                "model": {k: v.cpu() for k, v in model.state_dict().items()},
                "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
            })
            if stop_after is not None and epoch + 1 >= stop_after:
                break
    frame = pd.DataFrame(rows, columns=LOG_COLUMNS)
    ce = critical_epoch(frame["tilted_loss"])
    log.info("h=%d: final tilted %.4e, untilted %.4e, critical epoch %s", s.hidden,
             frame["tilted_loss"].iloc[-1], frame["untilted_loss"].iloc[-1], ce)
    return model.cpu(), frame


def train_job(seed: int, paper_b: dict, hidden: int, run_files, out_weights, out_log,
              checkpoint) -> None:
    """The Snakemake job: load the runs, train, write weights (state_dict) and the log."""
    s = TrainSettings.from_config(paper_b, hidden)
    device = resolve_device(paper_b["device"])
    data = load_runs(run_files, seed, paper_b, arrays=("vel_rfnd",))
    ff = s.first_frame
    train_rfnd = data["vel_rfnd"][~data["heldout_r"], ff:]
    held_rfnd = data["vel_rfnd"][data["heldout_r"], ff:]
    del data
    hash_config = {"seed": seed, "runs": paper_b["runs"], "gas": paper_b["gas"],
                   "train": {k: v for k, v in paper_b["train"].items() if k != "hidden"},
                   "hidden": int(hidden)}
    model, frame = train_model(train_rfnd, held_rfnd, s, seed, device, checkpoint, hash_config)
    meta = provenance("paper_b.deepsets", hash_config)
    with atomic_path(out_weights, suffix=".pt") as tmp:
        torch.save({"state_dict": model.state_dict(), "meta": _json_safe(meta)}, tmp)
    write_csv(out_log, frame)
    Path(checkpoint).unlink(missing_ok=True)


def _json_safe(meta: dict) -> dict:
    """Meta as a JSON string inside a dict (loadable with weights_only=True)."""
    return {"json": json.dumps(meta, sort_keys=True, default=str)}


def load_trained(path: str | Path) -> DeepSets:
    """A model written by :func:`train_job` (weights_only load)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    sd = state["state_dict"]
    model = DeepSets(int(sd["phi.0.weight"].shape[0]))
    model.load_state_dict(sd)
    return model
