"""A markdown summary of a Paper B run, generated from its artifacts (nothing typed by hand).

Reads a results folder's (``results/<preset>/``) ``paper_b/tables/table{2,3}.csv``, the provenance of its models
and run files (config hash, code version) and the Snakemake benchmark files of its Paper B jobs
(wall and CPU seconds), and writes Tables 2 and 3 with the reproduction table's judgements
(:func:`thermolearn.report.reproduction.paper_b_rows`). Optionally adds how critical epochs and
Table 3 MSE move with the number of training runs, from further results folders ("scan").

    python -m thermolearn.report.paper_b_summary results/repro docs/results/repro/paper_b.md \\
        --preset "config.yaml + presets/repro.yaml" --scan /work/runs/pb_scan/n4/results ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..io import load_npz, write_text
from ..paper_b.deepsets import model_outputs
from ..paper_b.evaluate import per_run_fits, summarise_fits
from ..paper_b.runs import load_runs
from ..paper_b.train import critical_epoch, load_trained
from .reproduction import COLUMNS, paper_b_rows

PB = Path("paper_b")


def _fmt(v, digits: int = 4) -> str:
    if isinstance(v, str):
        return v
    if v is None or not np.isfinite(v):
        return "-"
    return f"{v:.{digits}g}"


def model_meta(run_dir: Path, hidden: int) -> dict:
    """Provenance of ``models/h{hidden}.pt`` (weights_only load)."""
    state = torch.load(run_dir / PB / "models" / f"h{hidden}.pt", map_location="cpu",
                       weights_only=True)
    return json.loads(state["meta"]["json"])


def run_files_meta(run_dir: Path) -> list[dict]:
    return [load_npz(p, arrays=False)[0] for p in sorted((run_dir / PB / "runs").glob("b*.npz"))]


def job_times(run_dir: Path) -> pd.DataFrame:
    """Wall and CPU seconds of every Paper B job (Snakemake ``benchmark:`` files)."""
    rows = []
    root = run_dir / "benchmarks" / "paper_b"
    for path in sorted(root.rglob("*.tsv")):
        b = pd.read_csv(path, sep="\t")
        rows.append({"job": str(path.relative_to(root).with_suffix("")),
                     "wall_s": float(b["s"].iloc[-1]), "cpu_s": float(b["cpu_time"].iloc[-1])})
    return pd.DataFrame(rows, columns=["job", "wall_s", "cpu_s"])


def _rows_from_models(run_dir: Path) -> list[dict]:
    """Scan rows of a run directory whose tables are not (yet) there: from every finished model
    (weights and log) and the run files, exactly as Tables 2 and 3 compute them."""
    files = sorted((run_dir / PB / "runs").glob("b*.npz"))
    rc = run_files_meta(run_dir)[0]["config"]
    paper_b = {"gas": rc["gas"], "hfunc": rc["hfunc"],
               "runs": {"n_frames": rc["n_frames"], "n_train": rc["n_train"]}}
    data = load_runs(files, rc["seed"], paper_b)
    rows = []
    for path in sorted((run_dir / PB / "models").glob("h*_log.csv")):
        hidden = int(path.name[1:].split("_")[0])
        meta = model_meta(run_dir, hidden)
        lg = pd.read_csv(path)
        out_rf = model_outputs(load_trained(path.with_name(f"h{hidden}.pt")), data["vel_rfnd"],
                               torch.device("cpu"))
        ff = int(meta["config"]["train"]["first_frame"])
        mse = {split: summarise_fits(per_run_fits(out_rf[keep], data["H_rf"][keep], ff))
               for split, keep in (("train", ~data["heldout_r"]), ("heldout", data["heldout_r"]))
               if keep.any()}
        rows.append({"n_train": int((~data["heldout_r"]).sum()), "hidden": hidden,
                     "epochs": int(lg["epoch"].max()),
                     "critical_epoch": critical_epoch(lg["tilted_loss"]),
                     "mse_train": mse["train"]["mse_mean"],
                     "mse_heldout": mse.get("heldout", {}).get("mse_mean", np.nan),
                     "final_tilted_loss": float(lg["tilted_loss"].iloc[-1])})
    return rows


def scan_rows(run_dirs) -> pd.DataFrame:
    """Critical epoch and Table 3 MSE of our models per number of training runs and width
    (from the tables; from the finished models where a run's tables are not there)."""
    rows = []
    for d in map(Path, run_dirs):
        if not (d / PB / "tables" / "table3.csv").exists():
            rows += _rows_from_models(d)
            continue
        t2 = pd.read_csv(d / PB / "tables" / "table2.csv")
        t3 = pd.read_csv(d / PB / "tables" / "table3.csv")
        ours3 = t3[t3.source == "ours"]
        for r in t2[t2.source == "ours"].itertuples():
            mse = {s: ours3[(ours3.hidden == r.hidden) & (ours3.runs == s)] for s in
                   ("train", "heldout")}
            rows.append({"n_train": int(mse["train"].n_runs.iloc[0]), "hidden": int(r.hidden),
                         "epochs": int(r.epochs), "critical_epoch": r.critical_epoch,
                         "mse_train": float(mse["train"].mse_mean.iloc[0]),
                         "mse_heldout": (float(mse["heldout"].mse_mean.iloc[0])
                                         if len(mse["heldout"]) else np.nan),
                         "final_tilted_loss": r.final_tilted_loss})
    return pd.DataFrame(rows).sort_values(["hidden", "n_train"]).reset_index(drop=True)


def markdown(run_dir, preset: str, scan_dirs=()) -> str:
    """The summary of the Paper B run in ``run_dir`` (see the module docstring)."""
    run_dir = Path(run_dir)
    t2_path = run_dir / PB / "tables" / "table2.csv"
    t3_path = run_dir / PB / "tables" / "table3.csv"
    t2, t3 = pd.read_csv(t2_path), pd.read_csv(t3_path)
    hidden = sorted(t2[t2.source == "ours"].hidden.astype(int))
    metas = {h: model_meta(run_dir, h) for h in hidden}
    runs_meta = run_files_meta(run_dir)
    cfg = metas[hidden[0]]["config"]
    versions = sorted({m["thermolearn_version"] for m in list(metas.values()) + runs_meta})
    times = job_times(run_dir)
    out = [f"# Paper B at the repro scale: {preset}", "",
           "Generated by `python -m thermolearn.report.paper_b_summary` from the run's artifacts.", "",
           "## Provenance", "",
           f"- configuration: {preset}; {cfg['runs']['n_train']} training + "
           f"{cfg['runs']['n_heldout']} held-out runs of {cfg['runs']['n_frames']} frames, "
           f"{cfg['gas']['n_disks']} disks; {cfg['train']['epochs']} epochs, batch "
           f"{cfg['train']['batch_size']}, lr {cfg['train']['lr']}, lambda "
           f"{cfg['train']['lambda_reg']}, tilt 1 -> {cfg['train']['alpha_final']}; seed "
           f"{cfg['seed']}",
           "- config hashes: run files "
           + ", ".join(sorted({m["config_hash"] for m in runs_meta}))
           + "; models " + ", ".join(f"h={h} {metas[h]['config_hash']}" for h in hidden),
           f"- code version (artifacts' meta): {', '.join(versions)}",
           f"- created: {min(m['created'] for m in metas.values())} .. "
           f"{max(m['created'] for m in metas.values())} on {metas[hidden[0]]['host']}", ""]
    if len(times):
        train = times[times.job.str.startswith("train_")]
        out += ["## Time", "",
                f"Paper B jobs: {len(times)}, {times.cpu_s.sum() / 60:.1f} CPU-minutes in total "
                f"({train.cpu_s.sum() / 60:.1f} of them training), sum of job wall times "
                f"{times.wall_s.sum() / 60:.1f} minutes.", "",
                "| job | wall s | CPU s |", "|---|---:|---:|"]
        out += [f"| {r.job} | {r.wall_s:.0f} | {r.cpu_s:.0f} |" for r in times.itertuples()]
        out += [""]
    out += ["## Table 2 (final tilted loss, final untilted loss, critical epoch)", "",
            "Beside the paper's columns: Adam steps per epoch and up to the critical epoch's end, "
            "the tilt there (alpha_c), the learned h's r = N / P there (ours measured, the "
            "published log's from its losses) and the published training's r at the same "
            "cumulative steps (`thermolearn.paper_b.arrow`).", "",
            "| h | source | epochs | steps/epoch | final tilted | final untilted | critical epoch "
            "| steps there | alpha_c | r there | paper's r at those steps |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in t2.sort_values(["hidden", "source"]).itertuples():
        g = lambda k, d=4: _fmt(getattr(r, k, np.nan), d)  # noqa: E731
        out.append(f"| {r.hidden} | {r.source} | {r.epochs} | {g('steps_per_epoch')} | "
                   f"{_fmt(r.final_tilted_loss)} | {_fmt(r.final_untilted_loss)} | "
                   f"{_fmt(r.critical_epoch)} | {g('critical_steps', 6)} | "
                   f"{g('critical_alpha', 3)} | {g('r_at_crossing', 3)} | "
                   f"{g('paper_r_at_steps', 3)} |")
    arrow_csv = run_dir / PB / "tables" / "arrow_ratio.csv"
    if arrow_csv.exists():
        cv = pd.read_csv(arrow_csv)
        ours = cv[cv.source == "ours"]
        marks = sorted({int(s) for s in ours["steps"][ours["epoch"] % 10 == 0]})
        out += ["", "## r = N / P against cumulative Adam steps (ours, every 10th epoch)", "",
                "| steps | alpha | " + " | ".join(f"h={h} r" for h in hidden) + " |",
                "|---:|---:|" + "---:|" * len(hidden)]
        for st in marks:
            at = ours[ours.steps == st]
            out.append(f"| {st} | {_fmt(float(at['alpha'].iloc[0]), 3)} | " + " | ".join(
                _fmt(float(at[at.hidden == h]["r"].iloc[0]), 3) if (at.hidden == h).any()
                else "-" for h in hidden) + " |")
    out += ["", "## Table 3 (affine fits H ~ a h + b per run)", "",
            "| h | source | runs | n | frames | mean MSE | mean a | mean b | CV a | CV b |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in t3.sort_values(["hidden", "source", "runs"]).itertuples():
        out.append(f"| {r.hidden} | {r.source} | {r.runs} | {r.n_runs} | "
                   f"{getattr(r, 'n_frames', '-')} | {_fmt(r.mse_mean)} | {_fmt(r.a_mean, 6)} | "
                   f"{_fmt(r.b_mean, 6)} | {_fmt(r.a_cv)} | {_fmt(r.b_cv)} |")
    rows = pd.DataFrame(paper_b_rows(t2_path, t3_path), columns=COLUMNS)
    judged = rows["pass"].isin(["pass", "FAIL"])
    out += ["", "## Reproduction rows (`thermolearn.report.reproduction`)", "",
            f"{int((rows['pass'] == 'pass').sum())} of {int(judged.sum())} judged numbers within "
            "tolerance.", "",
            "| quantity | ours | paper's | tolerance | pass |", "|---|---:|---:|---|---|"]
    out += [f"| {r['quantity']} | {_fmt(r['ours'])} | {_fmt(r['reference'])} | "
            f"{r['tolerance']} | {r['pass']} |" for r in rows.to_dict("records")]
    if scan_dirs:
        scan = scan_rows([*scan_dirs, run_dir])
        out += ["", "## How the results move with the number of training runs", "",
                "Same preset, other `paper_b.runs.n_train` (8 held-out runs each; "
                f"{', '.join(str(d) for d in scan_dirs)} and this run).", "",
                "| h | training runs | critical epoch (of epochs) | final tilted loss | "
                "MSE train | MSE held-out |", "|---:|---:|---:|---:|---:|---:|"]
        out += [f"| {r.hidden} | {r.n_train} | {_fmt(r.critical_epoch)} ({r.epochs}) | "
                f"{_fmt(r.final_tilted_loss, 3)} | {_fmt(r.mse_train)} | "
                f"{_fmt(r.mse_heldout)} |" for r in scan.itertuples()]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("out_md")
    ap.add_argument("--preset", default="config.yaml")
    ap.add_argument("--scan", nargs="*", default=[], help="run directories of a runs scan")
    args = ap.parse_args(argv)
    write_text(args.out_md, markdown(args.run_dir, args.preset, args.scan))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
