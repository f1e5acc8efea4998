"""Why Fig. 7 bends: D1 and D2 (thermolearn.paper_a.fig7_diagnostics) on a finished run.

Usage::

    python analysis/fig7_diagnostics.py results/demo --out OUT [--no-d2] [--figure OUT/fig.png]

Writes the tables of ``run_diagnostics`` into OUT and the figure (default
``OUT/fig7_diagnostics.png``); prints the D1 and D2 tables.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn.paper_a.fig7_diagnostics import run_diagnostics  # noqa: E402
from thermolearn.paper_a.fig7_diagnostics_figure import plot_diagnostics  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a finished run's folder, results/<preset>")
    ap.add_argument("--out", type=Path, required=True, help="folder for the tables")
    ap.add_argument("--figure", type=Path, help="the PNG (default OUT/fig7_diagnostics.png)")
    ap.add_argument("--no-d2", action="store_true", help="D1 only (seconds)")
    ap.add_argument("--max-gap", type=int, default=2, help="largest state gap of a near pair")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for D2")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    torch.set_num_threads(args.threads)
    for need in ("config_used.yaml", "paper_a/model/scores.csv"):
        if not (args.run / need).exists():
            sys.exit(f"fig7_diagnostics: {args.run / need} not found (a finished run's folder?)")
    summary = run_diagnostics(args.run, args.out, d2=not args.no_d2, max_gap=args.max_gap)
    plot_diagnostics(args.out, args.figure or args.out / "fig7_diagnostics.png")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(pd.DataFrame(summary["d1_by_split_n"]).to_string(index=False))
        print(pd.read_csv(args.out / "d1_slopes.csv").to_string(index=False))
        if "d2" in summary:
            print(pd.read_csv(args.out / "d2_probe.csv").to_string(index=False))
            print(summary["d2"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
