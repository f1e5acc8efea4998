"""Model outputs on every run and frame, and the paper's Tables 2 and 3.

Table 3 (Paper B, Eq. 16): for each run, the least-squares fit ``H_t ~ a h_t + b`` over its
frames ``t >= first_frame``, and the mean squared residual of that fit; over runs, the mean
MSE, the means of a and b and their coefficients of variation ``std / |mean|`` (population
std). Reported separately for training and held-out runs, for our models and the published
weights, beside the paper's values.
"""

from __future__ import annotations

import logging
import math
import numpy as np
import pandas as pd

from ..io import load_npz, save_npz, write_csv
from ..provenance import provenance
from . import arrow, reference
from .deepsets import model_outputs, resolve_device
from .runs import load_runs
from .train import critical_epoch, load_trained

log = logging.getLogger(__name__)

KIND_OUTPUTS = "paper_b.outputs"


def affine_fit(h_f: np.ndarray, H_f: np.ndarray) -> tuple[float, float, float]:
    """Least squares ``H ~ a h + b``; returns (a, b, mean squared residual).

    A constant ``h`` (a model that learned nothing) gives a = 0, b = mean H.
    """
    h_f = np.asarray(h_f, np.float64)
    H_f = np.asarray(H_f, np.float64)
    hc = h_f - h_f.mean()
    var = float(hc @ hc)
    a = float(hc @ (H_f - H_f.mean()) / var) if var > 0 else 0.0
    b = float(H_f.mean() - a * h_f.mean())
    mse = float(np.mean((H_f - (a * h_f + b)) ** 2))
    return a, b, mse


def per_run_fits(out_rf: np.ndarray, H_rf: np.ndarray, first_frame: int) -> pd.DataFrame:
    """Columns ``a``, ``b``, ``mse``: one row per run."""
    rows = [affine_fit(o[first_frame:], H[first_frame:]) for o, H in zip(out_rf, H_rf)]
    return pd.DataFrame(rows, columns=["a", "b", "mse"])


def summarise_fits(fits: pd.DataFrame) -> dict:
    """Mean MSE, mean a, mean b, CV of a and b (std / |mean|, population std)."""
    def cv(x):
        m = float(np.mean(x))
        return float(np.std(x) / abs(m)) if m != 0 else math.nan

    return {"n_runs": len(fits), "mse_mean": float(fits["mse"].mean()),
            "a_mean": float(fits["a"].mean()), "b_mean": float(fits["b"].mean()),
            "a_cv": cv(fits["a"]), "b_cv": cv(fits["b"])}


# -------------------------------------------------------------------------------------------
# jobs
# -------------------------------------------------------------------------------------------


def outputs_job(seed: int, paper_b: dict, source: str, hidden, run_files, weights,
                out) -> None:
    """Outputs of the models of widths ``hidden`` for every frame of every run.

    ``source`` is ``ours`` (``weights``: the training rule's files) or ``ref`` (the published
    state_dicts). Writes ``out_mrf`` (M widths, R runs, F + 1 frames) float64, ``hidden_m``,
    ``run_r``, ``heldout_r``.
    """
    device = resolve_device(paper_b["device"])
    data = load_runs(run_files, seed, paper_b, arrays=("vel_rfnd",))
    outs = []
    for h, path in zip(hidden, weights):
        model = (load_trained(path) if source == "ours"
                 else reference.load_weights_file(path, int(h)))
        out_rf = model_outputs(model.to(device), data["vel_rfnd"], device)
        log.info("%s h=%d: outputs of %d runs x %d frames, range [%.4g, %.4g]", source, h,
                 *out_rf.shape, out_rf.min(), out_rf.max())
        outs.append(out_rf)
    meta = provenance(KIND_OUTPUTS, {"seed": seed, "paper_b": paper_b}, source=source,
                      weights=[str(w) for w in weights])
    save_npz(out, meta, out_mrf=np.stack(outs), hidden_m=np.asarray(hidden, np.int64),
             run_r=data["run_r"], heldout_r=data["heldout_r"])


def load_outputs(path, run_r: np.ndarray) -> tuple[str, dict[int, np.ndarray], np.ndarray]:
    """(source, {width: out_rf}, heldout_r) of an outputs file, checked against ``run_r``."""
    meta, d = load_npz(path, kind=KIND_OUTPUTS)
    if not np.array_equal(d["run_r"], run_r):
        raise ValueError(f"{path}: runs differ from the run files; rerun its rule")
    return meta["source"], dict(zip(d["hidden_m"].tolist(), d["out_mrf"])), d["heldout_r"]


def table3(seed: int, paper_b: dict, run_files, output_files, out_csv) -> pd.DataFrame:
    """Table 3 for every outputs file (ours and reference), both splits, plus the paper's.

    Columns: source, hidden, runs (train | heldout), n_runs, n_frames (steps per run), mean MSE,
    mean a and b, CV of a and b."""
    H = load_runs(run_files, seed, paper_b, arrays=("H_rf",))
    ff = int(paper_b["train"]["first_frame"])
    n_frames = int(paper_b["runs"]["n_frames"])  # steps per run (the paper's: 500)
    rows = []
    for path in output_files:
        source, outs, heldout_r = load_outputs(path, H["run_r"])
        for h, out_rf in outs.items():
            for split, keep in (("train", ~heldout_r), ("heldout", heldout_r)):
                if keep.any():
                    fits = per_run_fits(out_rf[keep], H["H_rf"][keep], ff)
                    rows.append({"source": source, "hidden": h, "runs": split,
                                 "n_frames": n_frames, **summarise_fits(fits)})
    for rec in reference.PAPER_TABLE3.to_dict("records"):
        rows.append({"source": "paper", "runs": "train", "n_runs": 500, "n_frames": 500, **rec})
    frame = pd.DataFrame(rows)[["source", "hidden", "runs", "n_runs", "n_frames", "mse_mean",
                                "a_mean", "b_mean", "a_cv", "b_cv"]]
    write_csv(out_csv, frame)
    log.info("Table 3:\n%s", frame.to_string(index=False))
    return frame


TABLE2_COLUMNS = ["source", "hidden", "epochs", "steps_per_epoch", "final_tilted_loss",
                  "final_untilted_loss", "critical_epoch", "critical_steps", "critical_alpha",
                  "r_at_crossing", "paper_r_at_steps"]


def table2(log_files, hidden, ref_log_files, out_csv) -> pd.DataFrame:
    """Table 2 per width, for our trainings, the published training log (``ref_log_files``:
    none or one) and the paper's table.

    Columns: final tilted and untilted loss, critical epoch; Adam steps per epoch and up to the
    critical epoch's end, the tilt of that epoch (``critical_alpha``) and the learned h's
    ``r = N / P`` there (ours: measured; the published log: from its losses,
    :mod:`.arrow`); ``paper_r_at_steps``: the published training's r of the same width at the
    same cumulative Adam steps (from its log; NaN without it)."""
    rows = []
    curves = (arrow.paper_ratio_curve(reference.parse_training_log(ref_log_files[0]))
              if len(ref_log_files) else None)
    for h, path in zip(hidden, log_files):
        lg = pd.read_csv(path)
        row = _table2_row("ours", h, lg)
        row["steps_per_epoch"] = int(lg["steps"].iloc[0])
        row["critical_steps"] = row["critical_epoch"] * row["steps_per_epoch"]
        ce = row["critical_epoch"]
        crossed = not math.isnan(ce)
        r_e = arrow.ratio_from_log(lg)
        row["critical_alpha"] = float(lg["alpha"].iloc[int(ce) - 1]) if crossed else math.nan
        row["r_at_crossing"] = float(r_e[int(ce) - 1]) if crossed else math.nan
        row["paper_r_at_steps"] = _paper_r(curves, h, row["critical_steps"])
        rows.append(row)
    if curves is not None:
        for h, lg in reference.parse_training_log(ref_log_files[0]).groupby("hidden"):
            row = _table2_row("ref_log", h, lg)
            cross = arrow.crossing(lg["tilted_loss"])
            cv = curves[curves.hidden == h]
            ce = row["critical_epoch"]
            rows.append({**row, "steps_per_epoch": arrow.PAPER_STEPS_PER_EPOCH,
                         "critical_steps": cross["critical_steps"],
                         "critical_alpha": cross["critical_alpha"],
                         "r_at_crossing": (float(cv["r"].iloc[int(ce) - 1])
                                           if not math.isnan(ce) else math.nan),
                         "paper_r_at_steps": _paper_r(curves, h, cross["critical_steps"])})
    for rec in reference.PAPER_TABLE2.to_dict("records"):
        cross = arrow.crossing(np.r_[-np.ones(int(rec["critical_epoch"]) - 1), 0.0],
                               n_epochs=arrow.PAPER_EPOCHS)
        rows.append({"source": "paper", "epochs": arrow.PAPER_EPOCHS,
                     "steps_per_epoch": arrow.PAPER_STEPS_PER_EPOCH, **rec,
                     "critical_steps": cross["critical_steps"],
                     "critical_alpha": cross["critical_alpha"]})
    frame = pd.DataFrame(rows).reindex(columns=TABLE2_COLUMNS)
    write_csv(out_csv, frame)
    log.info("Table 2:\n%s", frame.to_string(index=False))
    return frame


def _paper_r(curves: pd.DataFrame | None, hidden: int, steps: float) -> float:
    if curves is None or hidden not in set(curves["hidden"]):
        return math.nan
    return arrow.ratio_at_steps(curves[curves.hidden == hidden], steps)


def _table2_row(source: str, hidden: int, lg: pd.DataFrame) -> dict:
    return {"source": source, "hidden": int(hidden), "epochs": int(lg["epoch"].max()),
            "final_tilted_loss": float(lg["tilted_loss"].iloc[-1]),
            "final_untilted_loss": float(lg["untilted_loss"].iloc[-1]),
            "critical_epoch": critical_epoch(lg["tilted_loss"])}


def arrow_ratio_table(log_files, hidden, ref_log_files, out_csv) -> pd.DataFrame:
    """r = N / P per epoch against cumulative Adam steps: our trainings (``source`` ours) and
    the published log (``paper``, :func:`.arrow.paper_ratio_curve`), for the arrow figure.

    Columns: source, hidden, epoch, steps, alpha, P, r."""
    parts = [arrow.our_ratio_curve(pd.read_csv(p), h).assign(source="ours")
             for h, p in zip(hidden, log_files)]
    if len(ref_log_files):
        parts.append(arrow.paper_ratio_curve(reference.parse_training_log(ref_log_files[0]))
                     .assign(source="paper"))
    frame = pd.concat(parts, ignore_index=True)[["source", "hidden", "epoch", "steps", "alpha",
                                                 "P", "r"]]
    write_csv(out_csv, frame)
    return frame
