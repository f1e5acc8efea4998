"""Analysis (not a timing): two finished runs' networks, each scored on both runs' test pairs.

The test accuracy of a run mixes how good its network is with how hard its test pairs are: the
pairs of a 16-process test split differ from draw to draw in their S_vdW gaps, and pairs a few
kB apart are ordered barely above chance. Scoring both networks on both test sets separates the
two (docs/results/repro/README.md):

    python benchmarks/cross_test.py RUN_A/results/repro RUN_B/results/repro

prints, for every (network, test set), the pair accuracy over all pairs of each test process
(``thermolearn.paper_a.entropy.pair_gaps``, as the run's own ``accuracy_vs_entropy_gap``), the
median S_vdW gap of the test pairs and the Fig. 7 R^2 of S_vdW against S~ per N
(``fit_entropy``, as the run's ``entropy_fit.csv``).
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
    ap.add_argument("runs", nargs=2, type=Path, help="results/<preset> folders of two runs")
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
    tests = []
    for run in args.runs:
        states = pd.read_csv(run / "paper_a" / "states.csv")
        tests.append((states[states["split"] == "test"].reset_index(drop=True),
                      {p.stem: p for p in (run / "paper_a" / "images").glob("*.npy")}))
    print(f"{'network':36s} {'test set':36s} {'pairs':>6s} {'median gap':>10s} {'accuracy':>9s}"
          "  Fig. 7 R^2 per N")
    for net in args.runs:
        model = load_model(net / "paper_a" / "model" / "siamese.pt", size, n_frames, "cpu")
        for run, (states, images) in zip(args.runs, tests):
            scores = score_processes(model, states, images, show_progress=False)
            pairs = pair_gaps(scores, R)
            fits = fit_entropy(scores, R, splits=("test",))
            r2 = "  ".join(f"N={int(f.N)}: {f.r2:.4f}" for f in fits.itertuples())
            print(f"{str(net)[-36:]:36s} {str(run)[-36:]:36s} {len(pairs):6d} "
                  f"{np.median(pairs['gap']):10.1f} {pairs['correct'].mean():9.4f}  {r2}")


if __name__ == "__main__":
    main()
