"""The ``thermolearn`` command: small tools around the workflow.

    thermolearn check-config config.yaml presets/demo.yaml   # validate, print a summary
    thermolearn design config.yaml [presets...]              # print the process design
    thermolearn inspect results/demo/paper_a/md/p000.npz  # any output: provenance and summary
"""

from __future__ import annotations

import argparse
import os
import sys

from .checks import load_config
from .config import ConfigError
from .io import ArtifactError


def _check_config(args) -> int:
    config = load_config(*args.configs)
    from .paper_a.design import make_design  # here: keeps `thermolearn --help` quick

    design = make_design(config)
    print(f"config OK: {' + '.join(args.configs)}")
    print(f"Paper A: {len(design)} processes, {int(design.n_states.sum())} states, "
          f"N in {sorted(design.N.unique().tolist())}")
    return 0


def _design(args) -> int:
    from .paper_a.design import make_design  # here: keeps `thermolearn --help` quick

    print(make_design(load_config(*args.configs)).to_string(index=False))
    return 0


def _inspect(args) -> int:
    from .inspection import describe  # here: keeps the other commands quick

    failed = shown = 0
    for path in args.paths:
        try:
            text = describe(path).render()
        except ArtifactError as exc:  # report it, go on with the other files
            sys.stdout.flush()
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(("\n" if shown else "") + text, flush=True)
        shown += 1
    return 2 if failed else 0


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
    p = sub.add_parser("inspect", help="print a result file's provenance and a summary "
                       "(.npz, .npy images, .pt, .csv/.tsv, .json, .yaml, .png, .md, .log, ...)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=_inspect)
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # --help or a usage error: flush here, where a closed pipe is caught
            sys.stdout.flush()
            raise
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except (ConfigError, ArtifactError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`thermolearn design ... | head`)
        _silence_stdout()
        return 128 + 13  # as if killed by SIGPIPE, like other command-line tools


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the final flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
