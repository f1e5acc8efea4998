"""The ``thermolearn`` command: small tools around the workflow.

    thermolearn check-config config.yaml presets/demo.yaml   # validate, print a summary
    thermolearn design config.yaml [presets...]              # print the process design
    thermolearn inspect results/demo/paper_a/md/p000.npz  # any output: provenance and summary
    thermolearn plan config.yaml [presets...]                # jobs, CPU/GPU-hours, disk, memory
    thermolearn plan --calibrate results/repro=presets/repro.yaml ...  # refit the throughputs
    thermolearn plan config.yaml presets/demo.yaml --against results/demo  # plan vs a run
    thermolearn plan config.yaml --cores 32 [--gpus 1]       # wall time, critical path
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

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


def _plan(args) -> int:
    from pathlib import Path

    # here: the plan imports the design and pandas; keeps the other commands quick
    from .plan.calibration import calibrate
    from .plan.model import make_plan
    from .plan.text import format_plan

    repo = Path(__file__).resolve().parents[2]

    def run_specs(flag: str, items) -> list:
        specs = []
        for item in items:
            results, sep, presets = item.partition("=")
            if not sep or not presets:
                raise ConfigError(f"{flag} {item!r}: give RESULTS_DIR=PRESET[,PRESET...] "
                                  "(the presets the run used, on top of config.yaml)")
            specs.append((results, presets.split(",")))
        return specs

    if (args.startup or args.only) and not args.calibrate:
        raise ConfigError("--startup and --only: only with --calibrate")
    if args.calibrate:
        specs = run_specs("--calibrate", args.calibrate)
        cal = calibrate(specs, repo, note=args.note or "", cold=args.cold or (),
                        startup=run_specs("--startup", args.startup or ()),
                        only=args.only or ())
        runs = cal["provenance"]["updates"][-1]["runs"] if args.only else \
            cal["provenance"]["runs"]
        print(f"calibrated {len(args.only) if args.only else len(cal['rules'])} rules from "
              f"{len(specs)} runs ({sum(r['benchmark_files'] for r in runs)} benchmark files)")
        if not args.configs:
            return 0
    if not args.configs:
        raise ConfigError("thermolearn plan: give CONFIG files (config.yaml [presets...])")
    config = load_config(*args.configs)
    plan = make_plan(config, repo=repo)
    print(format_plan(plan, config, " + ".join(args.configs)))
    if args.cores is not None:
        from .plan.dag import omit_from
        from .plan.schedule import format_schedule, simulate

        if args.cores < 1 or args.gpus < 0:
            raise ConfigError("--cores N: N >= 1; --gpus G: G >= 0")
        unknown = set(args.omit_from) - {j.rule for j in plan.jobs}
        if unknown:
            raise ConfigError(f"--omit-from: no such rule in the DAG: {sorted(unknown)}")
        only = {j.id for j in omit_from(plan.jobs, args.omit_from)}
        print(format_schedule(simulate(plan, config, args.cores, args.gpus, only), config))
    elif args.gpus or args.omit_from:
        raise ConfigError("--gpus and --omit-from: only with --cores")
    if args.against:
        from .plan.calibration import compare, compare_rules
        from .plan.model import slurm_mem_mb
        from .plan.text import format_against

        results = Path(args.against)
        if not results.is_dir():
            raise ConfigError(f"--against {args.against}: no such results folder")
        rules = compare_rules(plan, results, config, repo)
        if not rules:
            raise ConfigError(f"--against {args.against}: no benchmark file of this config's "
                              "jobs there (give results/<preset>)")
        for rule, t in rules.items():
            t["slurm_mem_mb"] = max(slurm_mem_mb(c) for c in plan.costs[rule])
        print(format_against(rules, compare(plan, results, config, repo), args.against))
    return 0


def _score(args) -> int:
    from .paper_a.siamese.infer import score_file

    scores = score_file(args.images, args.model)
    print("state\tS")
    for state, s in enumerate(scores):
        print(f"{state}\t{s:.6g}")
    return 0


def _summarise(args) -> int:
    from .report.committed import summarise_run

    for run in args.runs:
        if not Path(run).is_dir():
            raise ConfigError(f"{run}: no such run folder")
        try:
            cells = summarise_run(run).cells()
        except ValueError as exc:
            raise ArtifactError(str(exc)) from exc
        print(f"{run}: " + "; ".join(f"{k}: {v}" for k, v in cells.items()))
    return 0


def _spread(args) -> int:
    from .io import write_csv, write_text
    from .report.spread import read_rows, seed_provenance, spread_table, to_markdown

    seeds, prov = {}, {}
    for item in args.seeds:
        label, sep, source = item.partition("=")
        if not sep or not label or not source:
            raise ConfigError(f"{item}: expected LABEL=SOURCE (a reproduction.csv or a "
                              "results folder)")
        if not Path(source).exists():
            raise ConfigError(f"{source}: no such file or folder")
        try:
            seeds[label] = read_rows(source)
            prov[label] = seed_provenance(source)
        except (FileNotFoundError, ValueError) as exc:
            raise ArtifactError(str(exc)) from exc
    table = spread_table(seeds, None if args.paper == "all" else args.paper)
    text = to_markdown(table, args.title, prov)
    if args.csv:
        write_csv(args.csv, table)
    if args.md:
        write_text(args.md, text)
    print(text, end="")
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
    p = sub.add_parser("inspect", help="print a result file's provenance and a summary "
                       "(.npz, .npy images, .pt, .csv/.tsv, .json, .yaml, .png, .md, .log, ...)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=_inspect)
    p = sub.add_parser("score", help="print S~ of every state of an image array (.npy, uint8 "
                       "(state, frame, H, W)) with the shipped Paper A network or a given one")
    p.add_argument("images", metavar="IMAGES.npy")
    p.add_argument("--model", metavar="siamese.pt",
                   help="a trained network's state_dict (default: the shipped network)")
    p.set_defaults(func=_score)
    p = sub.add_parser("summarise", help="the README's cells of committed runs (docs/results/<run>): "
                       "rows passing per paper, CPU time per paper, wall time")
    p.add_argument("runs", nargs="+", metavar="RUN_DIR")
    p.set_defaults(func=_summarise)
    p = sub.add_parser("spread", help="a reproduction table's rows over seeds: each seed's "
                       "number, mean +- sd, and whether the bar lies within the spread")
    p.add_argument("seeds", nargs="+", metavar="LABEL=SOURCE",
                   help="a seed's reproduction.csv, or its results folder (Paper A rows from "
                   "its artifacts)")
    p.add_argument("--paper", choices=["A", "B", "all"], default="A")
    p.add_argument("--title", default="Rows over seeds")
    p.add_argument("--md", metavar="OUT.md", help="also write the markdown here")
    p.add_argument("--csv", metavar="OUT.csv", help="also write the table as csv")
    p.set_defaults(func=_spread)
    p = sub.add_parser("plan", help="project jobs per rule, CPU/GPU-hours, disk and memory of "
                       "a config before running it (thermolearn.plan)")
    p.add_argument("configs", nargs="*", metavar="CONFIG")
    p.add_argument("--calibrate", nargs="+", metavar="RESULTS_DIR=PRESET[,PRESET]",
                   help="refit the throughput constants from finished runs' benchmark files")
    p.add_argument("--note", help="a remark stored with the calibration")
    p.add_argument("--cold", nargs="+", metavar="RESULTS_DIR", default=(),
                   help="runs made from a cold numba cache (a fresh clone): their compiling "
                   "jobs are left out of the fit")
    p.add_argument("--only", nargs="+", metavar="RULE", default=(),
                   help="with --calibrate: refit only these rules and keep the file's other "
                   "constants (the runs behind them may be gone)")
    p.add_argument("--startup", nargs="+", metavar="RESULTS_DIR=PRESET[,PRESET]", default=(),
                   help="small runs (a warm smoke run) whose jobs measure each compute rule's "
                   "start-up; the --calibrate runs give the throughputs")
    p.add_argument("--cores", type=int, metavar="N",
                   help="simulate the run on N cores (as `snakemake --cores N`): projected wall "
                   "time, critical path, each stage's share")
    p.add_argument("--gpus", type=int, default=0, metavar="G",
                   help="with --cores: G GPUs for the training and scoring jobs (speed-up "
                   "assumed, not measured)")
    p.add_argument("--omit-from", nargs="+", default=[], metavar="RULE",
                   help="with --cores: leave out these rules and all downstream of them, as "
                   "`snakemake --omit-from`")
    p.add_argument("--against", metavar="RESULTS_DIR",
                   help="compare with a finished run's benchmark files (results/<preset>): "
                   "CPU time and peak memory per rule, CPU time per stage")
    p.set_defaults(func=_plan)
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
