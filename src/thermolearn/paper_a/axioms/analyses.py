"""The numbers of each axiom, computed from its per-sample table (``results/paper_a/axioms/*.csv``).

Everything here is a pure function of the per-sample tables written by the axiom rules, so the
axioms table (:mod:`.table`) and each figure compute the same numbers from the same files.

Order relation: ``X <_DNN Y`` iff ``S~(X) <= S~(Y)``. A *pair* is an ordered pair ``(X, Y)`` of
two distinct states with ``X <_DNN Y`` (for two states with equal S~ both orders count).

Coefficient of determination: Paper A reports "R^2 of the plot" for plots whose dashed line is
the identity; :func:`r2_identity` is R^2 about that line, ``1 - sum (y - x)^2 / sum (y - mean
y)^2`` (it also penalises an offset or a slope != 1). The R^2 of a free linear fit
(:func:`r2_fit`) is reported beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..entropy import linear_fit
from ..published import AXIOMS as PAPER

# seed streams (SeedSequence([config seed, stream])) of the sampling in each analysis
STREAMS = {"a3": 0xA3, "a4": 0xA4, "a6": 0xA6, "additivity": 0xADD, "canonical": 0xCA}


def rng_for(seed: int, name: str) -> np.random.Generator:
    """The random stream of analysis ``name`` derived from the master seed."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), STREAMS[name]]))


def sample_seed(seed: int, name: str) -> int:
    """An integer seed of analysis ``name`` for draws made when summarising (A3 quadruples)."""
    return int(np.random.SeedSequence([int(seed), STREAMS[name], 1]).generate_state(1)[0])




def r2_identity(x: np.ndarray, y: np.ndarray) -> float:
    """R^2 of ``y`` about the line ``y = x``: ``1 - sum (y - x)^2 / sum (y - <y>)^2``."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    ss_tot = float(((y - y.mean()) ** 2).sum()) if len(y) else 0.0
    if len(y) < 2 or ss_tot == 0:
        return float("nan")
    return 1.0 - float(((y - x) ** 2).sum()) / ss_tot


def r2_fit(x: np.ndarray, y: np.ndarray) -> float:
    """R^2 of the least-squares line ``y = a x + b``."""
    return linear_fit(x, y)[2]


# ---------------------------------------------------------------------------------------------
# Pairs and quadruples
# ---------------------------------------------------------------------------------------------


def _pair_mask(s: np.ndarray, rows: slice, group: np.ndarray | None) -> np.ndarray:
    """Boolean (rows, n): ``j != i`` and ``s_i <= s_j`` (and same group)."""
    i = np.arange(len(s))[rows]
    m = s[rows, None] <= s[None, :]
    m[np.arange(len(i)), i] = False
    if group is not None:
        m &= group[rows, None] == group[None, :]
    return m


def ordered_pairs(s: np.ndarray, group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(i, j)`` of every pair ``X_i <_DNN X_j``, ``i != j`` (same group)."""
    s = np.asarray(s, np.float64)
    i, j = np.nonzero(_pair_mask(s, slice(None), group))
    return i, j


def pair_agreement(s: np.ndarray, a: np.ndarray, b: np.ndarray | None = None,
                   group: np.ndarray | None = None, chunk: int = 1024) -> tuple[int, int]:
    """Over pairs ``X_i <_DNN X_j``: how many have ``a_i <= b_j``.

    Parameters
    ----------
    s : (n,) S~ of the states (defines the pairs).
    a, b : (n,) S~ of the transformed states (``b = a`` when not given): A4 uses ``a = b =
        S~(lam X)``, A6 ``a = S~(X, eps Z1)`` and ``b = S~(X, eps Z2)``.
    group : (n,), optional
        Only pairs within a group (e.g. the same N).

    Returns
    -------
    (n_pairs, n_agree)
    """
    s, a = np.asarray(s, np.float64), np.asarray(a, np.float64)
    b = a if b is None else np.asarray(b, np.float64)
    group = None if group is None else np.asarray(group)
    n_pairs = n_agree = 0
    for start in range(0, len(s), chunk):
        rows = slice(start, min(len(s), start + chunk))
        m = _pair_mask(s, rows, group)
        n_pairs += int(m.sum())
        n_agree += int((m & (a[rows, None] <= b[None, :])).sum())
    return n_pairs, n_agree


def quadruple_agreement(s: np.ndarray, c_ab: np.ndarray, group: np.ndarray | None = None,
                        max_quadruples: int = 10**8, seed: int = 0,
                        chunk: int = 256) -> dict:
    """A3: over quadruples with ``X <_DNN Y`` and ``X' <_DNN Y'``, how many have
    ``(X, X') <_DNN (Y, Y')``.

    Parameters
    ----------
    s : (n,) S~ of the states.
    c_ab : (n, n) S~ of the compound ``(X_a, X_b)``.
    group : (n,), optional
        Pairs only within a group (X and Y of the same N; X' and Y' likewise).
    max_quadruples : int
        Count all quadruples when there are at most this many, else a uniform random sample of
        this size (with replacement; ``seed`` fixes it).

    Returns
    -------
    dict with ``n_pairs`` (ordered pairs X <_DNN Y), ``n_quadruples`` (all of them),
    ``n_used`` (counted), ``n_agree``, ``rate`` (= n_agree / n_used), ``sampled`` (bool).
    """
    i, j = ordered_pairs(s, group)
    m = len(i)
    total = m * m
    if m == 0:
        return dict(n_pairs=0, n_quadruples=0, n_used=0, n_agree=0, rate=float("nan"),
                    sampled=False)
    if total <= max_quadruples:
        agree = 0
        for start in range(0, m, chunk):
            u = slice(start, min(m, start + chunk))
            agree += int((c_ab[i[u]][:, i] <= c_ab[j[u]][:, j]).sum())
        used, sampled = total, False
    else:
        rng = np.random.default_rng(seed)
        agree = 0
        for start in range(0, max_quadruples, 2**20):
            k = min(2**20, max_quadruples - start)
            u, v = rng.integers(0, m, size=k), rng.integers(0, m, size=k)
            agree += int((c_ab[i[u], i[v]] <= c_ab[j[u], j[v]]).sum())
        used, sampled = int(max_quadruples), True
    return dict(n_pairs=int(m), n_quadruples=int(total), n_used=int(used), n_agree=agree,
                rate=agree / used, sampled=sampled)


# ---------------------------------------------------------------------------------------------
# Per-axiom summaries: rows of the axioms table
# ---------------------------------------------------------------------------------------------


def _row(axiom, claim, measure, n, ours, paper=float("nan"), note=""):
    return dict(axiom=axiom, claim=claim, measure=measure, n_samples=int(n), ours=float(ours),
                paper=float(paper), note=note)


def summary_a1(df: pd.DataFrame) -> list[dict]:
    """A1 reflexivity: R^2 of S~(X') against S~(X) (a1.csv: ``S``, ``S_rerun``)."""
    r2 = r2_identity(df["S"], df["S_rerun"])
    return [_row("A1", "reflexivity X ~ X'", "R^2 of S~(X') vs S~(X) about y = x", len(df), r2,
                 PAPER["A1"], f"free-fit R^2 {r2_fit(df['S'], df['S_rerun']):.4f}; "
                 f"{df['process'].nunique()} reruns")]


def summary_a2() -> list[dict]:
    """A2 transitivity: holds by construction."""
    return [dict(axiom="A2", claim="transitivity", measure="holds by construction: "
                 "X <_DNN Y iff S~(X) <= S~(Y), and <= on the reals is transitive",
                 n_samples=0, ours=float("nan"), paper=float("nan"),
                 note="not tested: a test that cannot fail is no test")]


def a3_matrix(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """States and compound matrix of a3.csv: (states with ``S``, ``N``; ``c_ab`` (n, n))."""
    n = int(max(df["a"].max(), df["b"].max())) + 1
    c_ab = np.full((n, n), np.nan)
    c_ab[df["a"].to_numpy(), df["b"].to_numpy()] = df["S_compound"].to_numpy()
    if np.isnan(c_ab).any():
        raise ValueError("a3.csv does not hold every compound (a, b) of its states")
    states = (df[["a", "S_a", "N_a"]].drop_duplicates("a").sort_values("a")
              .rename(columns={"S_a": "S", "N_a": "N"}).reset_index(drop=True))
    return states, c_ab


def summary_a3(df: pd.DataFrame, max_quadruples: int, seed: int) -> list[dict]:
    """A3 consistency: the agreement rate over quadruples (all N, and X, Y of equal N)."""
    states, c_ab = a3_matrix(df)
    rows = []
    for label, group, paper in (("all pairs", None, PAPER["A3"]),
                                ("pairs of equal N", states["N"].to_numpy(), float("nan"))):
        q = quadruple_agreement(states["S"].to_numpy(), c_ab, group, max_quadruples, seed)
        how = "sampled" if q["sampled"] else "all"
        rows.append(_row("A3", f"consistency ({label})",
                         "fraction of quadruples X<Y, X'<Y' with (X,X') <_DNN (Y,Y')",
                         q["n_used"], q["rate"], paper,
                         f"{how} of {q['n_quadruples']} quadruples; {len(states)} states at "
                         f"Lx = L/2, {len(df)} compounds"))
    return rows


def a4_rates(df: pd.DataFrame) -> pd.DataFrame:
    """A4 agreement per (variant, lam, direction) over pairs of test states (a4.csv)."""
    rows = []
    for (variant, lam, direction), grp in df.groupby(["variant", "lam", "direction"], sort=True):
        grp = grp.sort_values(["process", "state"])
        n_pairs, n_agree = pair_agreement(grp["S"], grp["S_scaled"])
        rows.append(dict(variant=variant, lam=lam, direction=direction, n_pairs=n_pairs,
                         n_agree=n_agree, rate=n_agree / n_pairs if n_pairs else float("nan"),
                         mean_abs_dN=float(grp["dN"].abs().mean())))
    return pd.DataFrame(rows)


def summary_a4(df: pd.DataFrame) -> list[dict]:
    """A4 scaling: agreement averaged over lam and directions, per mask variant."""
    rates = a4_rates(df)
    rows = []
    for variant, paper, what in (("pixel", PAPER["A4"], "mask a 1 - lam fraction (paper)"),
                                 ("count", float("nan"),
                                  "count-exact: keep exactly round(lam N) disks")):
        r = rates[rates["variant"] == variant]
        if r.empty:
            continue
        per_dir = ", ".join(f"{d} {g['rate'].mean():.4f}" for d, g in r.groupby("direction"))
        rows.append(_row("A4", f"scaling ({what})",
                         "mean over lam and direction of P(lam X <_DNN lam Y | X <_DNN Y)",
                         int(r["n_pairs"].iloc[0]), r["rate"].mean(), paper,
                         f"lam in {sorted(r['lam'].unique().tolist())}; {per_dir}; "
                         f"mean |N(lam X) - lam N| = {r['mean_abs_dN'].mean():.2f} disks"))
    return rows


def summary_a5(df: pd.DataFrame) -> list[dict]:
    """A5 splitting and recombination: R^2 of S~(X_split) vs S~(X) and vs S~(X_recomb)."""
    removed = f"mean {df['n_removed'].mean():.2f} disks removed by the wall"
    return [
        _row("A5", "splitting X ~ (lam X, (1 - lam) X)", "R^2 of S~(X_split) vs S~(X)", len(df),
             r2_identity(df["S"], df["S_split"]), PAPER["A5_split_vs_X"],
             f"free-fit R^2 {r2_fit(df['S'], df['S_split']):.4f}; {removed}"),
        _row("A5", "recombination", "R^2 of S~(X_split) vs S~(X_recomb)", len(df),
             r2_identity(df["S_recomb"], df["S_split"]), PAPER["A5_split_vs_recomb"],
             f"free-fit R^2 {r2_fit(df['S_recomb'], df['S_split']):.4f}"),
    ]


def a6_rates(df: pd.DataFrame) -> pd.DataFrame:
    """A6 agreement per (Z pair, eps) over pairs X <_DNN Y (a6.csv).

    One row per (zpair, eps): the dust states ``z1``, ``z2`` (ids), their own S~ ``z1_S``,
    ``z2_S``, ``zpair_role``, the dust areas ``eps_z1``, ``eps_z2`` (fractions), ``n_pairs``,
    ``n_agree`` and ``rate``.
    """
    rows = []
    for (zpair, eps), grp in df.groupby(["zpair", "eps"], sort=True):
        grp = grp.sort_values(["process", "state"])
        n_pairs, n_agree = pair_agreement(grp["S"], grp["S_z1"], grp["S_z2"])
        first = grp.iloc[0]
        rows.append(dict(zpair=zpair, eps=eps, z1=first["z1"], z2=first["z2"],
                         z1_S=first["z1_S"], z2_S=first["z2_S"], zpair_role=first["zpair_role"],
                         eps_z1=first["eps_z1"], eps_z2=first["eps_z2"],
                         n_pairs=n_pairs, n_agree=n_agree,
                         rate=n_agree / n_pairs if n_pairs else float("nan")))
    return pd.DataFrame(rows)


def summary_a6(df: pd.DataFrame) -> list[dict]:
    """A6 stability: the agreement at the smallest and the largest eps (worst Z pair)."""
    rates = a6_rates(df)
    n_z = rates["zpair"].nunique()
    rows = []
    for label, eps in (("smallest", rates["eps"].min()), ("largest", rates["eps"].max())):
        r = rates[rates["eps"] == eps]
        rows.append(_row("A6", f"stability, {label} eps = {eps:g}",
                         "min over Z pairs of P((X, eps Z1) <_DNN (Y, eps Z2) | X <_DNN Y)",
                         int(r["n_pairs"].iloc[0]), r["rate"].min(),
                         note=f"{n_z} (Z1, Z2) pairs, mean {r['rate'].mean():.4f}; "
                         "paper: approaches 1 as eps -> 0 (Fig. 6)"))
    return rows


def additivity_prediction(df: pd.DataFrame) -> pd.Series:
    """``lam S~(X) + (1 - lam) S~(Y)`` per row of additivity.csv (what an additive, extensive
    S~ gives the compound)."""
    return df["lam"] * df["S_x"] + (1 - df["lam"]) * df["S_y"]


def additivity_r2_by_direction(df: pd.DataFrame) -> dict[str, float]:
    """R^2 about ``y = x`` of S~ of the compound against :func:`additivity_prediction`, per
    direction of the compound (``right``: along x, ``bottom``: along y)."""
    pred = additivity_prediction(df)
    return {d: r2_identity(pred[g.index], g["S_compound"]) for d, g in df.groupby("direction")}


def summary_additivity(df: pd.DataFrame) -> list[dict]:
    """Extensivity and additivity: R^2 of S~(lam X, (1 - lam) Y) vs lam S~(X) + (1 - lam) S~(Y)."""
    pred = additivity_prediction(df)
    per_dir = ", ".join(f"{d} {r2:.4f}" for d, r2 in additivity_r2_by_direction(df).items())
    return [_row("Fig. 8", "extensivity and additivity",
                 "R^2 of S~(lam X, (1-lam) Y) vs lam S~(X) + (1-lam) S~(Y) about y = x", len(df),
                 r2_identity(pred, df["S_compound"]), PAPER["additivity"],
                 f"free-fit R^2 {r2_fit(pred, df['S_compound']):.4f}; by direction: {per_dir}")]


def canonical_fits(df: pd.DataFrame) -> pd.DataFrame:
    """Per (direction, N): fits of the canonical entropy against S~ and S_vdW (canonical.csv)."""
    rows = []
    for (direction, n_disks), grp in df.groupby(["direction", "N"], sort=True):
        ok = grp["lam_canon"].notna()
        g = grp[ok]
        slope, intercept, r2 = linear_fit(g["S_vdW"], g["lam_canon"])
        rows.append(dict(direction=direction, N=int(n_disks), n_states=len(grp),
                         n_inside=int(ok.sum()), slope_vdw=slope, intercept_vdw=intercept,
                         r2_vdw=r2, r2_S=linear_fit(g["S"], g["lam_canon"])[2],
                         r2_ly=r2_identity(g["lam_vdw"], g["lam_canon"]),
                         rank_corr_S=float(g["S"].rank().corr(g["lam_canon"].rank()))))
    return pd.DataFrame(rows)


def summary_canonical(df: pd.DataFrame) -> list[dict]:
    """Canonical entropy (Eq. 1): mean over N of the R^2 of its fit to S_vdW, per direction."""
    fits = canonical_fits(df)
    rows = []
    for direction, f in fits.groupby("direction"):
        per_n = ", ".join(f"N={r.N}: {r.r2_vdw:.3f}" for r in f.itertuples())
        rows.append(_row("Eq. (1)", f"canonical entropy S(X | X*, X**), compounds '{direction}'",
                         "mean over N of R^2 of the linear fit of S(X | X*, X**) to S_vdW(X)",
                         int(f["n_states"].sum()), f["r2_vdw"].mean(),
                         note=f"{per_n}; R^2 vs S~ {f['r2_S'].mean():.3f}; about the LY line "
                         f"(S_vdW - S_vdW*) / (S_vdW** - S_vdW*): {f['r2_ly'].mean():.3f}; "
                         "beyond the paper"))
    return rows
