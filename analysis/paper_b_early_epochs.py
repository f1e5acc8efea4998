"""The first epochs of one Paper B width at the paper's Adam steps per epoch, per init seed.

Trains a width on a results folder's Paper B runs (the preset's training runs, its held-out
runs for the held-out losses) with the config's training settings, except: ``steps_per_epoch``
(default the paper's 487) and ``init_seed`` from the command line, and only the first
``--stop-after`` epochs of the full tilt schedule (``alpha`` of epoch e is that of the
``epochs``-epoch schedule, as in a full training). Writes the training log (``P``, ``N``, ``Q``
and ``r = N / P`` per epoch, cumulative Adam steps) as a CSV with the provenance in a JSON file
beside it. Used in docs/paper_b.md to measure why h = 16 crosses early.

    PYTHONPATH=src OMP_NUM_THREADS=1 python analysis/paper_b_early_epochs.py \\
        results/repro --preset presets/repro.yaml --hidden 16 --init-seed 0 \\
        --out docs/results/paper_b_early/h16_seed0.csv
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from thermolearn.checks import load_config  # noqa: E402
from thermolearn.io import write_csv, write_text  # noqa: E402
from thermolearn.paper_b.arrow import ratio_from_log  # noqa: E402
from thermolearn.paper_b.runs import load_runs  # noqa: E402
from thermolearn.paper_b.train import TrainSettings, train_model  # noqa: E402
from thermolearn.provenance import provenance  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path, help="results folder with paper_b/runs/b*.npz")
    ap.add_argument("--preset", type=Path, action="append", default=[],
                    help="preset(s) over config.yaml that made the runs")
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--init-seed", type=int, default=0)
    ap.add_argument("--steps-per-epoch", type=int, default=487)
    ap.add_argument("--stop-after", type=int, default=8)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    config = load_config(REPO / "config.yaml", *args.preset)
    paper_b = copy.deepcopy(config["paper_b"])
    paper_b["train"]["steps_per_epoch"] = args.steps_per_epoch
    paper_b["train"]["init_seed"] = args.init_seed
    s = TrainSettings.from_config(paper_b, args.hidden)
    files = sorted((args.results / "paper_b" / "runs").glob("b*.npz"))
    data = load_runs(files, config["seed"], paper_b, arrays=("vel_rfnd",))
    ff = s.first_frame
    train_rfnd = data["vel_rfnd"][~data["heldout_r"], ff:]
    held_rfnd = data["vel_rfnd"][data["heldout_r"], ff:]
    hash_config = {"seed": config["seed"], "runs": paper_b["runs"], "gas": paper_b["gas"],
                   "train": {k: v for k, v in paper_b["train"].items() if k != "hidden"},
                   "hidden": args.hidden, "stop_after": args.stop_after}
    t0, c0 = time.time(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        _, frame = train_model(train_rfnd, held_rfnd, s, config["seed"], torch.device("cpu"),
                               Path(tmp) / "ckpt.pt", hash_config, show_progress=False,
                               stop_after=args.stop_after)
    frame["r"] = ratio_from_log(frame)
    frame.insert(0, "init_seed", args.init_seed)
    frame.insert(0, "hidden", args.hidden)
    write_csv(args.out, frame)
    meta = provenance("paper_b.early_epochs", hash_config, n_train=int(len(train_rfnd)),
                      wall_s=round(time.time() - t0, 1),
                      cpu_s=round(time.process_time() - c0, 1))
    write_text(args.out.with_suffix(".json"), json.dumps(meta, indent=1, sort_keys=True,
                                                         default=str) + "\n")
    print(frame[["epoch", "steps", "alpha", "tilted_loss", "mean_dh_pos", "mean_dh_neg",
                 "mean_dh_sq", "r"]].to_string(index=False))


if __name__ == "__main__":
    main()
