"""What the Fig. 7 deviation of a run is made of: curvature, per-process offsets or the u / v mix.

Prints, per run, fit set (``test``, ``all``) and N, the R^2 of S~ against a line, a quadratic,
a line plus per-process offsets and the van der Waals form with free u and v weights
(``thermolearn.paper_a.fig7_shape``, whose docstring says how to read them). Usage::

    python analysis/fig7_shape.py RUN/results/repro [RUN2/results/repro ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from thermolearn.paper_a.fig7_shape import run_shape  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    runs = sys.argv[1:] if argv is None else argv
    if not runs or runs[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if runs else 2
    for run in runs:
        try:
            table = run_shape(run)
        except FileNotFoundError as exc:
            sys.exit(f"fig7_shape: {exc}")
        print(f"{run}")
        print(f"{'fit':>5} {'N':>5} {'states':>6} {'linear':>7} {'quadratic':>9} {'+offsets':>8} "
              f"{'free u,v':>8} {'c/b':>5}")
        for row in table.itertuples():
            print(f"{row.fit:>5} {row.N:>5} {row.n_states:>6} {row.linear:7.4f} "
                  f"{row.quadratic:9.4f} {row.offsets:8.4f} {row.free_uv:8.4f} "
                  f"{row.v_over_u:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
