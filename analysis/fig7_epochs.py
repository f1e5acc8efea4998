"""Fig. 7 R^2 and test accuracy after every epoch of a training on a finished run's data.

Retrains the siamese network on a finished run's states and images (``RUN/paper_a/states.csv``,
``RUN/paper_a/images/``) with the run's ``paper_a.train`` settings, optionally overridden, and
after each epoch scores the test states with that epoch's weights: the Fig. 7 R^2 per N
(``fit_entropy``, as the run's ``entropy_fit.csv``) and the test accuracy. With no overrides
the first ``max_epochs`` epochs repeat the run's own training exactly (same seed, same threads).
An offline measurement, not a workflow stage: it writes only under OUT.

    python analysis/fig7_epochs.py RUN/results/repro OUT '{"max_epochs": 28, "patience": 28}'

Writes ``OUT/epochs.csv`` (one row per epoch) and ``OUT/log.txt``; ``OUT/ckpt.pt`` resumes an
interrupted run.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pandas as pd
import torch

from thermolearn.allocator import retain_freed_memory
from thermolearn.config import load_yaml
from thermolearn.paper_a.entropy import fit_entropy
from thermolearn.paper_a.siamese.data import load_states, pair_metrics
from thermolearn.paper_a.siamese.model import SiameseNet, score_tensor
from thermolearn.paper_a.siamese.train import TrainSettings, subset_processes, train


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    run, out = Path(sys.argv[1]), Path(sys.argv[2])
    overrides = json.loads(sys.argv[3]) if len(sys.argv) == 4 else {}
    for path in (run / "config_used.yaml", run / "paper_a" / "states.csv"):
        if not path.is_file():
            sys.exit(f"fig7_epochs: {path} not found (is {run} a finished run's results folder?)")
    out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, filename=out / "log.txt")
    cfg = load_yaml(run / "config_used.yaml")
    train_cfg = {**cfg["paper_a"]["train"], **overrides}
    settings = TrainSettings.from_config(train_cfg)
    torch.set_num_threads(int(train_cfg.get("threads", 1)))
    retain_freed_memory()  # as every workflow job does
    seed, radius = cfg["seed"], cfg["paper_a"]["gas"]["R"]
    size, n_frames = cfg["paper_a"]["render"]["size"], cfg["paper_a"]["protocol"]["n_frames"]

    states = pd.read_csv(run / "paper_a" / "states.csv").sort_values(["process", "state"],
                                                                     kind="stable")
    images = {p: run / "paper_a" / "images" / f"{p}.npy" for p in states["process"].unique()}
    split_of = states.groupby("process")["split"].first()
    procs = {part: sorted(split_of.index[split_of == part]) for part in ("train", "val", "test")}
    # the training job's choice of training processes (paper_a.train.train_processes)
    cells = pd.read_csv(run / "paper_a" / "processes.csv").set_index("process")
    procs["train"] = subset_processes(cells.loc[procs["train"], ["N", "v_push", "v_pull"]],
                                      settings.train_processes, seed)
    sets = {part: load_states(states, images, p, "cpu", n_frames=n_frames, size=size)
            for part, p in procs.items()}
    # rows in the test set's order: its processes sorted, each in time order
    test_states = states[states["split"] == "test"].reset_index(drop=True)
    checkpoint = out / "ckpt.pt"
    table = out / "epochs.csv"
    # a resumed run keeps the rows of the epochs it does not repeat
    rows = pd.read_csv(table).to_dict("records") if checkpoint.exists() and table.exists() else []

    def after_epoch(epoch: int, record: dict) -> None:
        model = SiameseNet(size, n_frames)
        model.load_state_dict(torch.load(checkpoint, weights_only=True)["model"])
        model.eval()
        # one pass over the test states gives both S~ for Fig. 7 and the pair accuracy
        score_s = score_tensor(model, sets["test"].img_sfhw, settings.eval_batch_size).numpy()
        fits = fit_entropy(test_states.assign(S=score_s), radius, splits=("test",))
        rows[:] = [r for r in rows if r["epoch"] < epoch]
        rows.append(dict(epoch=epoch, val_loss=record["val_loss"],
                         val_accuracy=record["val_accuracy"],
                         **{f"fig7_r2_N{int(f.N)}": f.r2 for f in fits.itertuples()},
                         test_accuracy=pair_metrics(score_s, sets["test"].offsets)["accuracy"]))
        pd.DataFrame(rows).to_csv(table, index=False)
        print(json.dumps(rows[-1]), flush=True)

    result = train(settings, seed, sets["train"], sets["val"], size, n_frames,
                   checkpoint=checkpoint, on_epoch_end=after_epoch, show_progress=False)
    print(f"best epoch (validation loss): {result.best_epoch}", flush=True)


if __name__ == "__main__":
    main()
