"""Training the siamese network: loop, early stopping, checkpoint and resume.

Loss: binary cross-entropy of ``sigmoid(S~(X1) - S~(X0))`` against the label (X1 later).
Optimiser: Adam with an exponentially decreasing learning rate (``lr * lr_decay**epoch``).
Early stopping on the validation loss (all pairs of every validation process) with
``patience`` epochs; the weights of the best epoch are kept.

Determinism: epoch ``e`` draws its pairs, augmentation and dropout masks from streams seeded by
``(seed, e)`` (and ``paper_a.train.replica`` when it is not 0: another training of the same
design, MD and images, for a spread over training seeds), so an epoch depends only on the seed and the state at its start (model, Adam,
schedule). A checkpoint written after every epoch holds exactly that state, hence a run resumed
after an interruption ends with the same weights as an uninterrupted one (on the same device).
A checkpoint is used only when its config hash, data fingerprint and code hash match.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn

from ...io import atomic_path, write_json
from ...jobs import progress
from ...provenance import config_hash as hash_config, provenance
from .. import published
from .data import N_GROUP, StateSet, gather_pairs, load_states, pair_metrics, sample_pairs
from .model import SiameseNet, autocast, bf16_native, resolve_device, score_tensor, to_input

log = logging.getLogger(__name__)

SEED_STREAM = 0x5A3E5E  # stream constant of the training stage
CHECKPOINT_FORMAT = 1


@dataclass(frozen=True)
class TrainSettings:
    """The ``paper_a.train`` config block (see config.yaml for meaning and units)."""

    device: str = "auto"
    max_epochs: int = 100
    pairs_per_process: int = 256
    batch_size: int = 64
    lr: float = 1e-3
    lr_decay: float = 0.95
    patience: int = 10
    augment: bool = True
    amp: bool = True
    eval_batch_size: int = 256
    train_processes: int | None = None
    near_share: float = 0.0
    near_gap: int = 2
    replica: int = 0

    @classmethod
    def from_config(cls, train: dict) -> "TrainSettings":
        """The settings of ``train``; the near-pair keys and ``replica`` may be missing (a run
        recorded before they existed drew uniform pairs, as replica 0: their defaults)."""
        optional = {"near_share", "near_gap", "replica"}
        return cls(**{k: train[k] for k in cls.__dataclass_fields__
                      if k in train or k not in optional})


SUBSET_STREAM = 0x5B5E7  # stream constant of the training subset's draw


def subset_processes(cells: "pd.DataFrame", k: int | None, seed: int = 0) -> list[str]:
    """``k`` of the processes of ``cells``, stratified by (N, v_push, v_pull) cell; all when
    ``k`` is None or at least their number.

    The ``k`` places are dealt round robin over the cells (the same dealing order as the split,
    :func:`thermolearn.paper_a.design.cell_order`: N running fastest, the (v_push, v_pull) pairs
    in a seeded order), skipping a cell once all its processes are taken, so every cell gets the
    floor or ceiling of ``k / n_cells`` when it has that many; within a cell the processes are a
    seeded random draw.

    Parameters
    ----------
    cells : pandas.DataFrame
        Indexed by process id, columns ``N``, ``v_push``, ``v_pull``.
    k : int or None
        Processes to keep.
    seed : int
        Master seed (``config["seed"]``); the draw is deterministic in it.

    Returns
    -------
    list of str, sorted process ids.
    """
    from ..design import cell_order  # the split's dealing order

    procs = sorted(cells.index)
    if k is None or k >= len(procs):
        return procs
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SUBSET_STREAM]))
    key = {p: (int(cells.at[p, "N"]), float(cells.at[p, "v_push"]), float(cells.at[p, "v_pull"]))
           for p in procs}
    n_values = sorted({c[0] for c in key.values()})
    v_pairs = sorted({c[1:] for c in key.values()})
    order = [c for c in cell_order(n_values, v_pairs, rng) if c in set(key.values())]
    members = {c: [p for p in procs if key[p] == c] for c in order}
    take, left = {c: 0 for c in order}, int(k)
    while left:  # round robin over the cells: k = 9 over 8 cells takes 2 + 1 + ... + 1
        for c in order:
            if left and take[c] < len(members[c]):
                take[c] += 1
                left -= 1
    chosen = [p for c in order
              for p in np.asarray(members[c])[np.sort(rng.permutation(len(members[c]))[:take[c]])]]
    return sorted(str(p) for p in chosen)


def _replica_words(replica: int) -> list[int]:
    # replica 0 keeps the entropy words every run before the key had, so its draws are unchanged
    if replica < 0:
        raise ValueError(f"paper_a.train.replica: {replica} is negative")
    return [int(replica)] if replica else []


def epoch_seed(seed: int, epoch: int, replica: int = 0) -> int:
    """The 63-bit seed of epoch ``epoch``'s random streams (pairs, augmentation, dropout) of
    training replica ``replica``."""
    ss = np.random.SeedSequence([int(seed), SEED_STREAM, int(epoch), *_replica_words(replica)])
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def model_seed(seed: int, replica: int = 0) -> int:
    """The 63-bit seed of the network's initial weights of training replica ``replica``."""
    ss = np.random.SeedSequence([int(seed), SEED_STREAM, 0xFFFF, *_replica_words(replica)])
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def code_hash() -> str:
    """Hash of the training code (a checkpoint of other code is not resumed)."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("model.py", "data.py", "train.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def set_deterministic(device: torch.device) -> None:
    """Deterministic kernels (CUDA needs a fixed cuBLAS workspace)."""
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)


def use_amp(settings: TrainSettings, device: torch.device) -> bool:
    """Whether training runs under bfloat16 autocast: ``amp`` set and native bf16 on ``device``."""
    return bool(settings.amp) and bf16_native(device)


@dataclass
class TrainResult:
    model: SiameseNet
    history: list[dict]
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    resumed_from: int  # epochs already done when this call started (0 = fresh)


def _state_scores(model: SiameseNet, states: StateSet, batch_size: int) -> np.ndarray:
    return score_tensor(model, states.img_sfhw, batch_size=batch_size).numpy()


def evaluate(model: SiameseNet, states: StateSet, batch_size: int = 256) -> dict:
    """Loss and accuracy over all pairs of each process of ``states`` (eval mode)."""
    return pair_metrics(_state_scores(model, states, batch_size), states.offsets)


def _save_checkpoint(path: Path, ckpt: dict) -> None:
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)


def _load_checkpoint(path: Path, ident: dict, device: torch.device) -> dict | None:
    """The checkpoint at ``path`` if it belongs to this run (same ``ident``), else None."""
    if not path.exists():
        return None
    try:
        ckpt = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a broken checkpoint is only a lost shortcut
        log.warning("%s: unreadable checkpoint ignored (%s: %s)", path, type(exc).__name__, exc)
        return None
    if ckpt.get("ident") != ident:
        log.warning("%s: checkpoint of another config, data or code ignored", path)
        return None
    return ckpt


def train(settings: TrainSettings, seed: int, train_set: StateSet, val_set: StateSet,
          size: int, n_frames: int, checkpoint: str | Path | None = None,
          config_hash: str = "", on_epoch_end: Callable[[int, dict], None] | None = None,
          show_progress: bool = True) -> TrainResult:
    """Train a :class:`SiameseNet`, resuming from ``checkpoint`` when it matches.

    Parameters
    ----------
    settings : the ``paper_a.train`` block.
    seed : master seed (``config["seed"]``).
    train_set, val_set : states on the training device.
    size, n_frames : image side and frames per state.
    checkpoint : path, optional
        Written atomically after every epoch; read at the start if present and matching.
    config_hash : str
        Hash of the config the run depends on (stored in and checked against the checkpoint).
    on_epoch_end : callable(epoch, record), optional
        Called after each epoch's checkpoint is written (tests use it to interrupt a run).

    Returns
    -------
    TrainResult with the model holding the best-validation weights.
    """
    device = train_set.img_sfhw.device
    set_deterministic(device)
    amp = use_amp(settings, device)
    in_dtype = torch.bfloat16 if amp else torch.float32
    torch.manual_seed(model_seed(seed, settings.replica))
    model = SiameseNet(size, n_frames).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=settings.lr_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    ident = {"format": CHECKPOINT_FORMAT, "config_hash": config_hash, "code": code_hash(),
             "train_data": train_set.fingerprint, "val_data": val_set.fingerprint,
             "settings": asdict(settings), "seed": int(seed), "size": int(size),
             "n_frames": int(n_frames)}
    history: list[dict] = []
    best = {"loss": math.inf, "epoch": -1, "state": copy.deepcopy(model.state_dict())}
    bad_epochs, start, stopped = 0, 0, False

    ckpt_path = Path(checkpoint) if checkpoint is not None else None
    ckpt = _load_checkpoint(ckpt_path, ident, device) if ckpt_path is not None else None
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        history = list(ckpt["history"])
        best = {"loss": ckpt["best_loss"], "epoch": ckpt["best_epoch"], "state": ckpt["best_model"]}
        bad_epochs, start, stopped = ckpt["bad_epochs"], ckpt["epoch"], ckpt["stopped"]
        torch.set_rng_state(ckpt["rng_cpu"].cpu())  # (every epoch reseeds; kept for tools)
        log.info("resuming from %s after epoch %d", ckpt_path, start)
    resumed_from = start

    n_states_p, offsets = train_set.n_states_p, train_set.offsets
    n_pairs = int((n_states_p >= 2).sum()) * settings.pairs_per_process
    n_batches = math.ceil(n_pairs / settings.batch_size)
    bar = progress(settings.max_epochs * n_batches, "train siamese", unit="batch",
                   initial=start * n_batches, disable=not show_progress)
    with bar:
        for epoch in range(start, settings.max_epochs):
            if stopped:
                break
            t0 = time.time()
            es = epoch_seed(seed, epoch, settings.replica)
            torch.manual_seed(es)  # dropout masks (all devices)
            gen = torch.Generator(device=device).manual_seed(es)
            i0, i1, y = sample_pairs(n_states_p, offsets, settings.pairs_per_process, gen, device,
                                     settings.near_share, settings.near_gap)
            perm = torch.randperm(len(y), generator=gen, device=device)
            g_all = torch.randint(0, N_GROUP if settings.augment else 1, (len(y),),
                                  generator=gen, device=device)
            model.train()
            loss_sum = torch.zeros((), device=device, dtype=torch.float64)
            correct = torch.zeros((), device=device, dtype=torch.float64)
            for b in range(n_batches):
                idx = perm[b * settings.batch_size:(b + 1) * settings.batch_size]
                x = to_input(gather_pairs(train_set.img_sfhw, i0[idx], i1[idx],
                                          g_all[idx] if settings.augment else None), in_dtype)
                yb = y[idx]
                with autocast(device, amp):
                    s = model.subnet(x)  # = model(x0, x1) with both sides in one pass
                    logit = s[len(idx):] - s[:len(idx)]
                loss = loss_fn(logit.float(), yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                loss_sum += loss.detach().double() * len(idx)
                correct += ((logit.detach() > 0).float() == yb).double().sum()
                bar.update(1)
            lr = opt.param_groups[0]["lr"]
            sched.step()
            val = evaluate(model, val_set, settings.eval_batch_size)
            rec = {"epoch": epoch + 1, "train_loss": float(loss_sum) / n_pairs,
                   "train_accuracy": float(correct) / n_pairs, "val_loss": val["loss"],
                   "val_accuracy": val["accuracy"], "lr": lr, "seconds": time.time() - t0}
            history.append(rec)
            if val["loss"] < best["loss"]:
                best = {"loss": val["loss"], "epoch": epoch + 1,
                        "state": copy.deepcopy(model.state_dict())}
                bad_epochs = 0
            else:
                bad_epochs += 1
            stopped = bad_epochs >= settings.patience
            bar.set_postfix(loss=f"{rec['train_loss']:.4f}", val=f"{rec['val_loss']:.4f}",
                            acc=f"{rec['val_accuracy']:.3f}")
            log.info("epoch %d/%d: train loss %.4f acc %.4f | val loss %.4f acc %.4f | lr %.2e "
                     "| %.1f s%s", epoch + 1, settings.max_epochs, rec["train_loss"],
                     rec["train_accuracy"], rec["val_loss"], rec["val_accuracy"], lr,
                     rec["seconds"], " | early stop" if stopped else "")
            if ckpt_path is not None:
                _save_checkpoint(ckpt_path, {
                    "ident": ident, "epoch": epoch + 1, "model": model.state_dict(),
                    "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "history": history, "best_loss": best["loss"], "best_epoch": best["epoch"],
                    "best_model": best["state"], "bad_epochs": bad_epochs, "stopped": stopped,
                    "rng_cpu": torch.get_rng_state()})
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, rec)
    model.load_state_dict(best["state"])
    model.eval()
    return TrainResult(model, history, best["epoch"], len(history), stopped, resumed_from)


def run_training_job(train_cfg: dict, seed: int, size: int, n_frames: int, states_csv: str | Path,
                     image_paths: dict[str, str | Path], out_model: str | Path,
                     out_metrics: str | Path, checkpoint: str | Path,
                     design_csv: str | Path) -> dict:
    """The ``paper_a_train`` rule: train, test, write the model and the metrics.

    Parameters
    ----------
    train_cfg : the ``paper_a.train`` config block.
    seed : master seed.
    size, n_frames : ``paper_a.render.size`` and ``paper_a.protocol.n_frames``.
    states_csv : ``results/paper_a/states.csv`` (its ``split`` column picks the processes).
    image_paths : process -> ``results/paper_a/images/<process>.npy``.
    out_model : state_dict of the best-validation model (``torch.save``, atomic).
    out_metrics : JSON with test loss/accuracy, the validation curve, epochs, device, wall time.
    checkpoint : resume file, written every epoch and deleted once the outputs exist.
    design_csv : ``results/paper_a/processes.csv`` (columns ``process``, ``N``, ``v_push``,
        ``v_pull``): the cells a training subset is stratified by.

    Returns
    -------
    dict, the metrics written.
    """
    t0 = time.time()
    settings = TrainSettings.from_config(train_cfg)
    device = resolve_device(settings.device)
    cfg = {"seed": int(seed), "train": dict(train_cfg), "size": int(size),
           "n_frames": int(n_frames)}
    states = pd.read_csv(states_csv)
    missing = {"process", "state", "split", "N"} - set(states.columns)
    if missing:
        raise ValueError(f"{states_csv}: lacks columns {sorted(missing)}")
    states = states.sort_values(["process", "state"], kind="stable")
    split_of = states.groupby("process")["split"].first()
    sets = {}
    cells = pd.read_csv(design_csv).set_index("process")[["N", "v_push", "v_pull"]]
    missing_p = sorted(set(split_of.index) - set(cells.index))
    if missing_p:
        raise ValueError(f"{design_csv}: lacks processes {missing_p[:5]} of {states_csv}")
    used = {}
    for part in ("train", "val", "test"):
        procs = sorted(split_of.index[split_of == part])
        if part == "train":
            procs = subset_processes(cells.loc[procs], settings.train_processes, seed)
        used[part] = procs
        if not procs:
            raise ValueError(f"{states_csv}: no {part!r} process")
        # train and val live on the training device; test is scored batch by batch from RAM
        sets[part] = load_states(states, image_paths, procs, device if part != "test" else "cpu",
                                 n_frames=n_frames, size=size)
        log.info("%s: %d processes, %d states", part, len(procs), len(sets[part].proc_s))
    log.info("device %s%s, bfloat16 autocast %s%s", device,
             f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "",
             use_amp(settings, device),
             " (amp set, but this CPU has no native bfloat16)"
             if settings.amp and not bf16_native(device) else "")
    # the data enter the hash too: two designs with the same training settings are two networks
    cfg["data"] = {part: {"processes": len(v.processes), "crc32": int(v.fingerprint)}
                   for part, v in sets.items()}
    res = train(settings, seed, sets["train"], sets["val"], size, n_frames,
                checkpoint=checkpoint, config_hash=hash_config(cfg))
    test = evaluate(res.model, sets["test"], settings.eval_batch_size)
    best = res.history[res.best_epoch - 1] if res.best_epoch > 0 else {}
    log.info("test: loss %.4f accuracy %.4f over %d pairs (paper: %.4f, %.4f)", test["loss"],
             test["accuracy"], test["n_pairs"], published.TEST["loss"], published.TEST["accuracy"])
    metrics = {
        "meta": provenance("paper_a.siamese_metrics", cfg),
        "test_loss": test["loss"], "test_accuracy": test["accuracy"],
        "test_pairs": test["n_pairs"],
        "val_loss": best.get("val_loss"), "val_accuracy": best.get("val_accuracy"),
        "best_epoch": res.best_epoch, "epochs": res.epochs_run,
        "stopped_early": res.stopped_early, "resumed_from_epoch": res.resumed_from,
        "history": res.history,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "amp": use_amp(settings, device),
        "torch_threads": torch.get_num_threads(),
        "wall_time_s": time.time() - t0,
        "n_processes": {k: len(v.processes) for k, v in sets.items()},
        "n_states": {k: int(len(v.proc_s)) for k, v in sets.items()},
        "cell_counts": {part: [{"N": int(n), "v_push": float(a), "v_pull": float(b), "n": int(c)}
                               for (n, a, b), c in cells.loc[procs].groupby(
                                   ["N", "v_push", "v_pull"]).size().items()]
                        for part, procs in used.items()},
        "train_pairs_per_epoch": int((sets["train"].n_states_p >= 2).sum())
        * settings.pairs_per_process,
        "paper": published.TEST,
    }
    state = {k: v.detach().cpu() for k, v in res.model.state_dict().items()}
    with atomic_path(out_model) as tmp:
        torch.save(state, tmp)
    write_json(out_metrics, metrics)
    Path(checkpoint).unlink(missing_ok=True)  # done: a later rerun starts afresh
    return metrics
