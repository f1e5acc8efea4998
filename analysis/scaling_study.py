"""Run the Paper A scaling study (docs/scaling.md): one seeded workflow run per study preset.

Every point is ``snakemake --configfile <base> presets/study/<point>.yaml`` in one shared
working directory and one results folder (the points inherit the base's ``preset`` name), so
points that differ only in training settings reuse the same MD and images (Snakemake reruns
exactly what a changed value feeds). After each run the artifacts the study reads (metrics,
scores, Fig. 7 fits, A1, the training benchmark) are copied to ``<out>/<point>/``; ``--collect``
then writes the table and learning curves (``name=<results folder>`` adds a run made elsewhere,
e.g. ``repro=results/repro``). ``--table`` draws the figure from a committed study table instead
(the earlier points' artifacts are not kept), and ``--recheck`` adds the balanced process-count
recheck of issue 25 as its third panel, from committed run folders with a ``spread.csv``.

    python analysis/scaling_study.py --workdir /tmp/study_run --out /tmp/study procs32 fp32 procs08
    python analysis/scaling_study.py --out /tmp/study --collect procs32 fp32 procs08 \
        repro=results/repro --series "N = 100, 200=procs08,procs16,procs32" \
        --figure docs/figures/scaling.png
    python analysis/scaling_study.py --out /tmp/study --table docs/results/scaling_table.md \
        --series "N = 100, 200=procs08,procs16,procs32" ... \
        --recheck "36=docs/results/repro_sub36" ... --figure docs/figures/scaling.png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from thermolearn.checks import load_config  # noqa: E402
from thermolearn.provenance import code_version  # noqa: E402
from thermolearn.paper_a.scaling import collect, read_table_md, recheck_point  # noqa: E402
from thermolearn.paper_a.scaling_figure import plot_scaling  # noqa: E402

KEEP = ["paper_a/model/siamese.pt", "paper_a/model/metrics.json", "paper_a/model/scores.csv",
        "paper_a/entropy_fit.csv", "paper_a/accuracy_vs_entropy_gap.csv", "paper_a/axioms/a1.csv",
        "benchmarks/paper_a/train.tsv"]


def run_point(point: str, base: str, workdir: Path, out: Path, cores: int) -> None:
    preset = REPO / "presets" / "study" / f"{point}.yaml"
    results = Path("results") / load_config(REPO / "config.yaml", REPO / base, preset)["preset"]
    targets = [str(results / k) for k in KEEP if not k.startswith("benchmarks")]
    # a point with no overrides (procs32: the base itself) is not a config file to Snakemake
    overrides = [str(preset)] if yaml.safe_load(preset.read_text()) else []
    cmd = ["snakemake", "--cores", str(cores), "--configfile", str(REPO / base), *overrides,
           "--directory", str(workdir), "--snakefile", str(REPO / "Snakefile"), *targets]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)
    for k in KEEP:
        src = workdir / results / k
        dst = out / point / k
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def markdown(table) -> str:
    """The study table as markdown, one row per point, the columns docs/scaling.md shows, under
    a provenance line (the writing code; each point's network config hash and code version)."""
    cols = ["name", "train_processes", "size", "amp", "pairs_seen", "epochs", "best_epoch",
            "train_cpu_h", "test_accuracy", "ceiling"] + sorted(
        c for c in table if c.startswith(("acc_N", "fig7_r2_N"))) + ["a1_r2"]
    cols = [c for c in cols if c in table]
    fmt = {"train_cpu_h": "{:.3f}", "test_accuracy": "{:.3f}", "ceiling": "{:.3f}"}
    points = "; ".join(f"{r['name']}: config hash `{r.get('config_hash')}`, code "
                       f"{r.get('code_version')}" for r in table.to_dict("records"))
    lines = [f"Provenance: written by thermolearn {code_version()} (analysis/scaling_study.py "
             f"--collect); {points}.", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in table.to_dict("records"):
        cells = []
        for c in cols:
            v = r.get(c)
            if isinstance(v, float):
                cells.append(fmt.get(c, "{:.3f}").format(v))
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def recheck_markdown(recheck, sources: list[str]) -> str:
    """The balanced recheck as markdown: one row per point, each row's mean +- sd over seeds,
    under a provenance line (the writing code, the run folders read)."""
    keys = [c[:-5] for c in recheck if c.endswith(" mean")]
    head = ["point", "training processes", "pairs per process", "seeds", "training CPU-h"] + keys
    lines = ["# The balanced process-count recheck (issue 25, docs/scaling.md)", "",
             f"Provenance: written by thermolearn {code_version()} (analysis/scaling_study.py "
             f"--recheck) from {', '.join(sources)}; each folder's spread.md names its seeds' "
             "config hashes and code versions.", "",
             "| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in recheck.to_dict("records"):
        cells = [str(r["name"]), str(r["train_processes"]), f"{r['pairs_per_process']:.0f}",
                 str(r["seeds"]), f"{r['train_cpu_h']:.3f}"]
        cells += [f"{r[k + ' mean']:.4f} +- {r[k + ' sd']:.4f}" for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse_series(items: list[str], names: list[str]) -> dict[str, list[str]]:
    """``--series LABEL=P1,P2,...`` as label -> point names; all points as one line if none."""
    series = dict(item.rsplit("=", 1) for item in items) or {"all": ",".join(names)}
    return {label: points.split(",") for label, points in series.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("points", nargs="*", help="study presets (presets/study/<name>.yaml); with "
                    "--collect also name=run_dir for a run made elsewhere")
    ap.add_argument("--base", default="presets/study/base.yaml", help="preset under the study presets")
    ap.add_argument("--workdir", type=Path, help="shared Snakemake working directory")
    ap.add_argument("--out", type=Path, required=True, help="where each point's artifacts go")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--collect", action="store_true", help="only collect finished points")
    ap.add_argument("--series", nargs="*", default=[], metavar="LABEL=P1,P2,...",
                    help="points that differ only in training processes, one line of the figure")
    ap.add_argument("--figure", type=Path, help="write the study figure here")
    ap.add_argument("--table", type=Path, nargs="+", help="draw from these committed study "
                    "tables (markdown) instead of collecting points")
    ap.add_argument("--recheck", nargs="*", default=[], metavar="LABEL=FOLDER",
                    help="points of the balanced recheck: committed run folders with spread.csv")
    args = ap.parse_args()
    if args.table is not None:
        table = pd.concat([read_table_md(t) for t in args.table], ignore_index=True)
        recheck = pd.DataFrame([recheck_point(*r.split("=", 1)) for r in args.recheck])
        if not recheck.empty:
            args.out.mkdir(parents=True, exist_ok=True)
            recheck.to_csv(args.out / "recheck.csv", index=False)
            (args.out / "recheck.md").write_text(
                recheck_markdown(recheck, [r.split("=", 1)[1] for r in args.recheck]))
            print(recheck.T.to_string())
        if args.figure is not None:
            plot_scaling(table, None, args.figure, parse_series(args.series, list(table["name"])),
                         recheck=None if recheck.empty else recheck)
        return
    if not args.points:
        ap.error("name the points to run or collect, or give --table")
    if not args.collect:
        if args.workdir is None:
            ap.error("--workdir is needed to run points")
        for point in args.points:
            run_point(point, args.base, args.workdir, args.out, args.cores)
    points = dict(p.split("=", 1) if "=" in p else (p, args.out / p) for p in args.points)
    table, curves = collect(points)
    table.to_csv(args.out / "scaling.csv", index=False)
    curves.to_csv(args.out / "learning_curves.csv", index=False)
    print(table.T.to_string())
    (args.out / "scaling_table.md").write_text(markdown(table))
    if args.figure is not None:
        plot_scaling(table, curves, args.figure, parse_series(args.series, list(points)))


if __name__ == "__main__":
    main()
