"""The ``thermolearn`` command: small tools around the workflow.

    thermolearn check-config config.yaml presets/demo.yaml   # validate, print a summary
    thermolearn design config.yaml [presets...]              # print the process design
    thermolearn inspect results/paper_a/md/p000.npz          # an artifact's metadata and arrays
"""

from __future__ import annotations

import argparse
import json
import sys

from .config import ConfigError, load_config
from .io import ArtifactError, load_npz


def _check_config(args) -> int:
    config = load_config(*args.configs)
    from .paper_a.design import make_design

    design = make_design(config)
    print(f"config OK: {' + '.join(args.configs)}")
    print(f"Paper A: {len(design)} processes, {int(design.n_states.sum())} states, "
          f"N in {sorted(design.N.unique().tolist())}")
    return 0


def _design(args) -> int:
    from .paper_a.design import make_design

    print(make_design(load_config(*args.configs)).to_string(index=False))
    return 0


def _inspect(args) -> int:
    meta, arrays = load_npz(args.path)
    print(json.dumps(meta, indent=2, sort_keys=True))
    for name, arr in arrays.items():
        print(f"{name:14s} {str(arr.dtype):8s} {arr.shape}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="thermolearn", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check-config", help="validate config.yaml plus presets")
    p.add_argument("configs", nargs="+")
    p.set_defaults(func=_check_config)
    p = sub.add_parser("design", help="print the Paper A process design")
    p.add_argument("configs", nargs="+")
    p.set_defaults(func=_design)
    p = sub.add_parser("inspect", help="print an artifact's metadata and arrays")
    p.add_argument("path")
    p.set_defaults(func=_inspect)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, ArtifactError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
