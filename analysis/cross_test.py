"""Analysis (not a timing): finished runs' networks, each scored on every run's test pairs.

The test accuracy of a run mixes how good its network is with how hard its test pairs are: the
pairs of a 16-process test split differ from draw to draw in their S_vdW gaps, and pairs a few
kB apart are ordered barely above chance. Scoring both networks on both test sets separates the
two (docs/results/repro/README.md):

    python analysis/cross_test.py RUN_A/results/repro RUN_B/results/repro
    python analysis/cross_test.py RUN/results/repro --cells    # one run, per design cell

prints, for every (network, test set), the pair accuracy over all pairs of each test process
(``thermolearn.paper_a.entropy.pair_gaps``, as the run's own ``accuracy_vs_entropy_gap``), the
median S_vdW gap of the test pairs and the Fig. 7 R^2 of S_vdW against S~ per N
(``fit_entropy``, as the run's ``entropy_fit.csv``). ``--cells`` adds, per (N, v_push, v_pull)
cell of the design, the test processes, pairs, the network's accuracy and the S_vdW ceiling
(the fraction of those pairs whose later state has the higher S_vdW), and the accuracy on the
run's own training and validation processes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from thermolearn.paper_a.entropy import fit_entropy, pair_gaps
from thermolearn.paper_a.siamese.infer import load_model, score_processes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path, help="results/<preset> folders of finished runs")
    ap.add_argument("--cells", action="store_true",
                    help="also per (N, v_push, v_pull) cell, and on the training/validation splits")
    args = ap.parse_args()
    cfgs = []
    for run in args.runs:
        path = run / "config_used.yaml"
        if not path.is_file():
            raise SystemExit(f"{path}: missing (give a finished run's results/<preset> folder)")
        cfgs.append(yaml.safe_load(path.read_text(encoding="utf-8")))
    for cfg in cfgs[1:]:
        for key in ("gas", "render", "protocol"):
            if cfg["paper_a"][key] != cfgs[0]["paper_a"][key]:
                raise SystemExit(f"the runs differ in paper_a.{key}: not the same test task")
    a = cfgs[0]["paper_a"]
    R, size, n_frames = a["gas"]["R"], a["render"]["size"], a["protocol"]["n_frames"]
    data = {}  # run -> (states, image paths, design), each read once
    for run in args.runs:
        data[run] = (pd.read_csv(run / "paper_a" / "states.csv"),
                     {p.stem: p for p in (run / "paper_a" / "images").glob("*.npy")},
                     pd.read_csv(run / "paper_a" / "processes.csv"))
    print(f"{'network':36s} {'test set':36s} {'pairs':>6s} {'median gap':>10s} {'accuracy':>9s}"
          "  Fig. 7 R^2 per N")
    for net in args.runs:
        model = load_model(net / "paper_a" / "model" / "siamese.pt", size, n_frames, "cpu")
        for run, (states, images, design) in data.items():
            scores = score_processes(model, of_split(states, "test"), images, show_progress=False)
            pairs = pair_gaps(scores, R)
            fits = fit_entropy(scores, R, splits=("test",))
            r2 = "  ".join(f"N={int(f.N)}: {f.r2:.4f}" for f in fits.itertuples())
            print(f"{str(net)[-36:]:36s} {str(run)[-36:]:36s} {len(pairs):6d} "
                  f"{np.median(pairs['gap']):10.1f} {pairs['correct'].mean():9.4f}  {r2}")
            if args.cells:
                print(by_cell(pairs, design).to_string(index=False))
        if args.cells:
            states, images, _ = data[net]
            for split in ("train", "val"):
                own = of_split(states, split)
                pairs = pair_gaps(score_processes(model, own, images, show_progress=False), R,
                                  split=split)
                print(f"  {net}: on its {split} processes ({own['process'].nunique()}): "
                      f"accuracy {pairs['correct'].mean():.4f} over {len(pairs)} pairs, "
                      f"S_vdW ceiling {(pairs['gap'] > 0).mean():.4f}")


def of_split(states: pd.DataFrame, split: str) -> pd.DataFrame:
    """The rows of ``states`` in ``split`` (train / val / test), renumbered."""
    return states[states["split"] == split].reset_index(drop=True)


def by_cell(pairs: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """Test processes, pairs, accuracy and S_vdW ceiling per (N, v_push, v_pull) cell."""
    cells = pairs.merge(design[["process", "v_push", "v_pull"]], on="process")
    cells["ceiling"] = (cells["gap"] > 0).astype(float)
    out = cells.groupby(["N", "v_push", "v_pull"]).agg(
        processes=("process", "nunique"), pairs=("correct", "size"),
        accuracy=("correct", "mean"), ceiling=("ceiling", "mean"),
        median_gap=("gap", "median")).reset_index()
    return out.round({"accuracy": 4, "ceiling": 4, "median_gap": 1})


if __name__ == "__main__":
    main()
