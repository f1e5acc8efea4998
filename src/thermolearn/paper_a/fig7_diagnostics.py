"""Why Fig. 7 bends: two diagnostics on a finished run's artifacts (issue 25, section 3).

**D1 (calibration, seconds).** The pair loss makes ``S~(X1) - S~(X0)`` the log-odds that X1 is
the later state. If the network reads each state's entropy with a Gaussian error ``sigma_S``
(in kB), a pair with true gap ``g = S_vdW(X1) - S_vdW(X0)`` is ordered right with probability
``Phi(g / (sqrt(2) sigma_S))``, and a calibrated network's difference is the logit of that:
``logit Phi(x) ~ 1.702 x`` (the probit-logit factor), so locally

    dS~/dS_vdW ~ 1.702 / (sqrt(2) sigma_S) = 1.20 / sigma_S          (CALIBRATION).

:func:`near_pairs` takes every pair of states at most ``max_gap`` apart in one process,
:func:`local_slopes` measures in bins of temperature ``u = U/N``, N, Lx and split the local slope
(least squares through the origin of dS~ on dS_vdW) and ``sigma_S`` (maximum likelihood of the
probit law above on the same pairs' orderings, :func:`probit_sigma`). S~ is straight in S_vdW
where ``sigma_S`` is the same over the range; where ``sigma_S`` grows (hot states are harder to
read) the slope falls, and Fig. 7 bends. :func:`residual_by_lx` splits Fig. 7's residual at
fixed S_vdW by Lx (a residual that depends on Lx at fixed S_vdW is not a bend of S_vdW alone).

**D2 (representation, minutes).** A ridge probe of ``ln u`` from the network's penultimate
activations (:func:`penultimate`, the 64 units before the output layer), cross-validated by
process (:func:`probe_cv`), its error per temperature bin on the states of training processes
against those of test processes (:func:`probe_errors`). An error that grows toward high u on the
training states too points to a readout limit of the images; growth mainly on test states points
to the data.

This module computes tables only; :mod:`.fig7_diagnostics_figure` draws them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.optimize import minimize_scalar
from scipy.special import log_ndtr

from ..config import load_yaml
from ..io import write_csv, write_json
from ..provenance import provenance
from .entropy import linear_fit, vdw_entropy

log = logging.getLogger(__name__)

PROBIT_LOGIT = 1.702  # logit(Phi(x)) ~ 1.702 x near x = 0 (the probit-logit scaling)
CALIBRATION = PROBIT_LOGIT / np.sqrt(2.0)  # predicted slope * sigma_S: 1.2035


# ------------------------------------------------------------------------------------ D1

def near_pairs(scores: pd.DataFrame, R: float, max_gap: int = 2) -> pd.DataFrame:
    """Every pair of states at most ``max_gap`` apart in one process, with both entropies.

    Parameters
    ----------
    scores : DataFrame
        ``scores.csv``: columns ``process, state, split, N, Lx, U, V, S`` (one row per state).
    R : float
        Disk radius (S_vdW's excluded area).
    max_gap : int
        Largest state-index gap of a pair.

    Returns
    -------
    DataFrame, one row per pair ``(i, j)``, ``i < j <= i + max_gap``: ``process, split, N,
    gap`` (j - i), ``u`` (mean U/N of the two states, kB T0), ``Lx`` (mean piston position, R),
    ``dS_vdW`` (S_vdW(j) - S_vdW(i), kB), ``dS`` (S~(j) - S~(i)) and ``correct`` (1 when the
    later state has the higher S~, 1/2 on a tie, else 0).
    """
    out = []
    for proc, grp in scores.sort_values(["process", "state"]).groupby("process", sort=True):
        x = vdw_entropy(grp["N"], grp["U"], grp["V"], R)
        s = grp["S"].to_numpy(np.float64)
        u = (grp["U"] / grp["N"]).to_numpy(np.float64)
        lx = grp["Lx"].to_numpy(np.float64)
        for k in range(1, int(max_gap) + 1):
            if len(grp) <= k:
                continue
            i, j = np.arange(len(grp) - k), np.arange(k, len(grp))
            d = s[j] - s[i]
            out.append(pd.DataFrame({
                "process": proc, "split": grp["split"].iloc[0], "N": int(grp["N"].iloc[0]),
                "gap": k, "u": 0.5 * (u[i] + u[j]), "Lx": 0.5 * (lx[i] + lx[j]),
                "dS_vdW": x[j] - x[i], "dS": d, "correct": (d > 0) + 0.5 * (d == 0)}))
    cols = ["process", "split", "N", "gap", "u", "Lx", "dS_vdW", "dS", "correct"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def probit_sigma(gap: np.ndarray, correct: np.ndarray, bounds: tuple[float, float] = (1e-3, 1e4)
                 ) -> float:
    """Maximum-likelihood ``sigma_S`` of ``P(correct | g) = Phi(g / (sqrt(2) sigma_S))``.

    Parameters
    ----------
    gap : array (M,)
        True entropy gaps ``S_vdW(later) - S_vdW(earlier)`` (kB); either sign.
    correct : array (M,)
        1 when the network ordered the pair right, 0 when not (1/2: a tie, half of each).
    bounds : (float, float)
        Search interval of sigma_S (kB).

    Returns
    -------
    float, sigma_S in kB (NaN without pairs or with no information: all gaps 0).
    """
    g = np.asarray(gap, np.float64)
    c = np.asarray(correct, np.float64)
    if len(g) == 0 or not np.any(g != 0):
        return float("nan")

    def nll(log_sigma: float) -> float:
        z = g / (np.sqrt(2.0) * np.exp(log_sigma))
        return -float((c * log_ndtr(z) + (1.0 - c) * log_ndtr(-z)).sum())

    res = minimize_scalar(nll, bounds=np.log(bounds), method="bounded",
                          options={"xatol": 1e-6})
    return float(np.exp(res.x))


def slope_through_origin(dx: np.ndarray, dy: np.ndarray) -> float:
    """Least-squares ``dy = b dx`` (no intercept): ``sum(dx dy) / sum(dx^2)``."""
    dx, dy = np.asarray(dx, np.float64), np.asarray(dy, np.float64)
    den = float((dx * dx).sum())
    return float((dx * dy).sum()) / den if den > 0 else float("nan")


def u_edges(u: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin edges of temperature ``u``: quantiles of ``u``, outer edges opened to +-inf."""
    edges = np.unique(np.quantile(np.asarray(u, np.float64), np.linspace(0, 1, n_bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    return edges


def local_slopes(pairs: pd.DataFrame, by: list[str], edges: dict[str, np.ndarray] | None = None,
                 min_pairs: int = 20, n_boot: int = 0, seed: int = 0) -> pd.DataFrame:
    """Local slope dS~/dS_vdW against the calibration prediction 1.20 / sigma_S, per group.

    Parameters
    ----------
    pairs : :func:`near_pairs`'s table.
    by : columns to group by; ``u`` and ``Lx`` are binned by ``edges`` first (bin index and the
        median of the column in the bin are reported), others (``N``, ``split``) used as they are.
    edges : dict column -> bin edges, for the binned columns of ``by``.
    min_pairs : groups with fewer pairs are left out.
    n_boot : bootstrap resamples of the group's processes (0: none); each group then also gets
        ``slope_lo``, ``slope_hi``, ``sigma_lo``, ``sigma_hi`` (16th and 84th percentiles: a
        1-sigma band from the process-to-process spread).
    seed : the bootstrap's seed.

    Returns
    -------
    DataFrame with the group keys, ``n_pairs``, ``n_processes``, ``<col>_median`` for each
    binned column, ``slope`` (dS~ per kB of S_vdW), ``sigma_S`` (kB), ``predicted``
    (1.20 / sigma_S), ``ratio`` (slope / predicted; 1 for a calibrated network) and
    ``accuracy``.
    """
    rng = np.random.default_rng(seed)
    edges = edges or {}
    df = pairs.copy()
    keys = []
    for col in by:
        if col in edges:
            df[f"{col}_bin"] = np.digitize(df[col].to_numpy(), edges[col][1:-1])
            keys.append(f"{col}_bin")
        else:
            keys.append(col)
    rows = []
    for key, grp in df.groupby(keys, sort=True):
        if len(grp) < min_pairs:
            continue
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key))
        for col in by:
            if col in edges:
                row[f"{col}_median"] = float(grp[col].median())
        sigma = probit_sigma(grp["dS_vdW"], grp["correct"])
        slope = slope_through_origin(grp["dS_vdW"], grp["dS"])
        row.update(n_pairs=len(grp), n_processes=int(grp["process"].nunique()), slope=slope,
                   sigma_S=sigma, predicted=CALIBRATION / sigma,
                   ratio=slope * sigma / CALIBRATION, accuracy=float(grp["correct"].mean()))
        if n_boot:
            parts = [g for _, g in grp.groupby("process", sort=True)]
            boot = np.empty((n_boot, 2))
            for b in range(n_boot):
                res = pd.concat([parts[i] for i in rng.integers(0, len(parts), len(parts))])
                boot[b] = (slope_through_origin(res["dS_vdW"], res["dS"]),
                           probit_sigma(res["dS_vdW"], res["correct"]))
            (row["slope_lo"], row["sigma_lo"]), (row["slope_hi"], row["sigma_hi"]) = (
                np.nanpercentile(boot, [16, 84], axis=0))
        rows.append(row)
    return pd.DataFrame(rows)


def residual_by_lx(scores: pd.DataFrame, R: float, fit_split: str = "test", n_svdw: int = 6,
                   lx_edges: np.ndarray | None = None) -> pd.DataFrame:
    """Fig. 7's residual at fixed S_vdW, split by Lx.

    Per N, the Fig. 7 line ``S~ = a S_vdW + c`` is fitted on the states of ``fit_split``
    (``"all"``: every state); each of those states' residual ``(S~ - a S_vdW - c) / a`` (kB of
    S_vdW) is averaged in bins of S_vdW (quantiles per N) and of Lx.

    Parameters
    ----------
    scores : ``scores.csv`` (columns ``process, state, split, N, Lx, U, V, S``).
    R : disk radius.
    fit_split : split whose states are fitted and binned, or ``"all"``.
    n_svdw : S_vdW bins per N.
    lx_edges : Lx bin edges (R); default: the terciles of the fitted states' Lx.

    Returns
    -------
    DataFrame with ``N, svdw_bin, svdw_median, lx_bin, lx_lo, lx_hi, lx_median, n_states,
    residual`` (mean, kB) and ``stderr``.
    """
    sel = scores if fit_split == "all" else scores[scores["split"] == fit_split]
    x_all = vdw_entropy(sel["N"], sel["U"], sel["V"], R)
    lx = sel["Lx"].to_numpy(np.float64)
    if lx_edges is None:
        lx_edges = np.unique(np.quantile(lx, [0, 1 / 3, 2 / 3, 1]))
    lx_edges = np.asarray(lx_edges, np.float64)
    lx_bin = np.clip(np.digitize(lx, lx_edges[1:-1]), 0, len(lx_edges) - 2)
    rows = []
    for n_disks in sorted(sel["N"].unique()):
        m = (sel["N"] == n_disks).to_numpy()
        x, s = x_all[m], sel["S"].to_numpy(np.float64)[m]
        slope, intercept, _ = linear_fit(x, s)
        resid = (s - slope * x - intercept) / slope
        e = np.unique(np.quantile(x, np.linspace(0, 1, n_svdw + 1)))
        xb = np.clip(np.digitize(x, e[1:-1]), 0, len(e) - 2)
        for b in range(len(e) - 1):
            for lb in range(len(lx_edges) - 1):
                k = (xb == b) & (lx_bin[m] == lb)
                if not k.any():
                    continue
                rows.append(dict(N=int(n_disks), svdw_bin=b, svdw_median=float(np.median(x[xb == b])),
                                 lx_bin=lb, lx_lo=float(lx_edges[lb]), lx_hi=float(lx_edges[lb + 1]),
                                 lx_median=float(np.median(lx[m][k])), n_states=int(k.sum()),
                                 residual=float(resid[k].mean()),
                                 stderr=float(resid[k].std(ddof=1) / np.sqrt(k.sum()))
                                 if k.sum() > 1 else float("nan")))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ D2

@torch.no_grad()
def penultimate(model, img_sfhw: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """The penultimate activations of the subnetwork (eval mode): the last hidden layer's
    output, the input of the final linear map to S~.

    Parameters
    ----------
    model : a trained :class:`~thermolearn.paper_a.siamese.model.SiameseNet` in eval mode.
    img_sfhw : uint8 array (S, F, H, W)
        States as rendered (a memory map is read batch by batch).

    Returns
    -------
    numpy.ndarray float32 (S, D), D the width of the last hidden layer (64).
    """
    from .siamese.model import to_input

    model.eval()
    hidden = model.head[:-1]  # dropout (identity in eval), dense + ReLU layers, not the output
    out = []
    for b in range(0, len(img_sfhw), batch_size):
        x = to_input(torch.from_numpy(np.array(img_sfhw[b:b + batch_size])))  # a copy
        h = model.features(x.contiguous(memory_format=torch.channels_last)).float()
        out.append(hidden(h).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.head[-1].in_features), np.float32)


def ridge_fit(x: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float, np.ndarray,
                                                                  np.ndarray]:
    """Ridge regression of ``y`` on standardised ``x`` (the intercept unpenalised).

    Returns
    -------
    (w, b, mean, scale): predict with ``((x - mean) / scale) @ w + b``.
    """
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    b = float(y.mean())
    w = np.linalg.solve(z.T @ z + lam * np.eye(z.shape[1]), z.T @ (y - b))
    return w, b, mean, scale


def group_folds(groups: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """A fold index per row, whole groups (processes) to one fold, groups dealt at random."""
    uniq = np.unique(groups)
    perm = np.random.default_rng(seed).permutation(len(uniq))
    fold_of = {g: int(i % n_folds) for i, g in zip(range(len(uniq)), uniq[perm])}
    return np.array([fold_of[g] for g in groups])


def probe_cv(x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_folds: int = 5,
             lambdas: tuple[float, ...] = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0),
             seed: int = 0) -> tuple[np.ndarray, float]:
    """Out-of-fold ridge predictions of ``y``, folds by group (no process in its own training).

    The ridge strength is the one of ``lambdas`` with the lowest out-of-fold mean squared error.

    Parameters
    ----------
    x : array (S, D) features; y : array (S,) target; groups : array (S,) group (process) ids.

    Returns
    -------
    (pred, lam): out-of-fold predictions (S,) and the ridge strength chosen.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    fold = group_folds(np.asarray(groups), n_folds, seed)
    best = (np.inf, None, None)
    for lam in lambdas:
        pred = np.empty_like(y)
        for f in range(n_folds):
            te = fold == f
            if not te.any():
                continue
            w, b, mu, sc = ridge_fit(x[~te], y[~te], lam)
            pred[te] = ((x[te] - mu) / sc) @ w + b
        mse = float(((pred - y) ** 2).mean())
        if mse < best[0]:
            best = (mse, pred, lam)
    return best[1], float(best[2])


def probe_errors(table: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    """The probe's error per temperature bin and split.

    Parameters
    ----------
    table : DataFrame with ``split, u, ln_u, pred`` per state (``pred``: out-of-fold ln u).
    edges : u bin edges (:func:`u_edges`).

    Returns
    -------
    DataFrame with ``split, u_bin, u_median, n_states, rmse`` (of ln u, i.e. the relative error
    of u), ``bias`` (mean pred - ln u) and ``rmse_rel`` (rmse over the bin's own sd of ln u:
    1 = no better than the bin's mean).
    """
    df = table.assign(u_bin=np.digitize(table["u"].to_numpy(), edges[1:-1]))
    rows = []
    for (split, b), grp in df.groupby(["split", "u_bin"], sort=True):
        err = grp["pred"].to_numpy() - grp["ln_u"].to_numpy()
        sd = float(grp["ln_u"].std(ddof=0))
        rows.append(dict(split=split, u_bin=int(b), u_median=float(grp["u"].median()),
                         n_states=len(grp), rmse=float(np.sqrt((err ** 2).mean())),
                         bias=float(err.mean()),
                         rmse_rel=float(np.sqrt((err ** 2).mean()) / sd) if sd > 0 else np.nan))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ job

def _model_meta(run: Path) -> dict:
    """Code version and config hash of the run's network (``metrics.json``), for provenance."""
    path = run / "paper_a" / "model" / "metrics.json"
    if not path.exists():
        return {}
    meta = json.loads(path.read_text())["meta"]
    return {k: meta.get(k) for k in ("thermolearn_version", "config_hash", "created")}


def run_diagnostics(run: str | Path, out: str | Path, d2: bool = True, max_gap: int = 2,
                    n_u_bins: int = 5, n_folds: int = 5, batch_size: int = 128,
                    n_boot: int = 200) -> dict:
    """D1 (and D2) on the finished run ``run`` (``results/<preset>``), tables into ``out``.

    Reads ``config_used.yaml``, ``paper_a/model/scores.csv`` and, for D2,
    ``paper_a/model/siamese.pt`` and ``paper_a/images/<process>.npy``. Writes ``near_pairs.csv``,
    ``d1_slopes.csv`` (per split x N x u bin), ``d1_slopes_lx.csv`` (per split x N x Lx bin),
    ``d1_residual_lx.csv``, ``d2_probe_states.csv``, ``d2_probe.csv`` and ``summary.json``.

    Returns
    -------
    dict, the summary written.
    """
    run, out = Path(run), Path(out)
    cfg = load_yaml(run / "config_used.yaml")
    pa = cfg["paper_a"]
    R = float(pa["gas"]["R"])
    scores = pd.read_csv(run / "paper_a" / "model" / "scores.csv")
    u_all = (scores["U"] / scores["N"]).to_numpy()
    ue = u_edges(u_all, n_u_bins)
    lxe = np.unique(np.quantile(scores["Lx"], [0, 1 / 3, 2 / 3, 1]))
    lxe[0], lxe[-1] = -np.inf, np.inf
    pairs = near_pairs(scores, R, max_gap)
    write_csv(out / "near_pairs.csv", pairs)
    seed = int(cfg["seed"])
    by_u = local_slopes(pairs, ["split", "N", "u"], {"u": ue}, n_boot=n_boot, seed=seed)
    by_lx = local_slopes(pairs, ["split", "N", "Lx"], {"Lx": lxe}, n_boot=n_boot, seed=seed)
    write_csv(out / "d1_slopes.csv", by_u)
    write_csv(out / "d1_slopes_lx.csv", by_lx)
    resid = pd.concat([residual_by_lx(scores, R, split).assign(fit=split)
                       for split in ("test", "all")], ignore_index=True)
    write_csv(out / "d1_residual_lx.csv", resid)
    fits = {int(n): linear_fit(vdw_entropy(g["N"], g["U"], g["V"], R), g["S"])[0]
            for n, g in scores[scores["split"] == "test"].groupby("N")}
    summary = {"meta": provenance("paper_a.fig7_diagnostics", {"run": str(run), "d2": d2,
                                                               "max_gap": max_gap,
                                                               "n_u_bins": n_u_bins,
                                                               "n_boot": n_boot}),
               "model_meta": _model_meta(run),
               "calibration": CALIBRATION, "u_edges": ue[1:-1].tolist(),
               "fig7_slope_test": fits,
               "d1_by_split_n": local_slopes(pairs, ["split", "N"], n_boot=n_boot,
                                             seed=seed).to_dict("records")}
    if d2:
        from .render import load_images
        from .siamese.infer import load_model

        size, n_frames = int(pa["render"]["size"]), int(pa["protocol"]["n_frames"])
        model = load_model(run / "paper_a" / "model" / "siamese.pt", size, n_frames)
        feats, rows = [], []
        for proc, grp in scores.sort_values(["process", "state"]).groupby("process", sort=True):
            img = load_images(run / "paper_a" / "images" / f"{proc}.npy", size=size,
                              n_frames=n_frames, n_states=len(grp))
            feats.append(penultimate(model, img, batch_size)[grp["state"].to_numpy()])
            rows.append(grp[["process", "state", "split", "N", "U"]])
        states = pd.concat(rows, ignore_index=True)
        states["u"] = states["U"] / states["N"]
        states["ln_u"] = np.log(states["u"])
        x = np.concatenate(feats)
        pred, lam = probe_cv(x, states["ln_u"].to_numpy(), states["process"].to_numpy(), n_folds,
                             seed=seed)
        states["pred"] = pred
        write_csv(out / "d2_probe_states.csv", states)
        probe = probe_errors(states, ue)
        write_csv(out / "d2_probe.csv", probe)
        summary["d2"] = {"lambda": lam, "n_features": int(x.shape[1]),
                         "n_dead_units": int((x.std(axis=0) == 0).sum()),
                         "rmse_by_split": {s: float(np.sqrt(((g["pred"] - g["ln_u"]) ** 2).mean()))
                                           for s, g in states.groupby("split")}}
    write_json(out / "summary.json", summary)
    return summary
