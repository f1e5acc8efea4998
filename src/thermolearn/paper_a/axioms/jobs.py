"""The axiom compute rules: build the constructed states, score them, write the per-sample tables.

Each ``run_*`` function is one Snakemake rule (``workflow/rules/paper_a_axioms.smk``): it reads
the test states (:func:`~.data.load_test_states`), builds images with :mod:`.constructions`,
scores them with the trained network (:class:`~.data.Scorer`) and writes
``results/<preset>/paper_a/axioms/<name>.csv`` (one row per sample) plus, where its figure shows
a constructed state, that example (:func:`~.artifacts.save_example`). The figures are separate
rules (:mod:`.figures`) that read only these files, so nothing here plots: a figure edit reruns
no scoring job (tests/unit/test_axioms.py checks this module's import closure).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ...io import ArtifactError, write_csv
from ..entropy import vdw_entropy
from ..md.job import load_md
from ..render import load_images, render_frames
from . import analyses, canonical, constructions as cons
from .analyses import rng_for, sample_seed
from .artifacts import save_example
from .data import Scorer, TestStates, load_test_states, subsample
from .reruns import WALL_AXES, load_a5

log = logging.getLogger(__name__)

A4_EXAMPLE_LAM = 0.7  # the scale factor of the masked example in the A4 figure


def _setup(inputs, paper_a: Mapping) -> tuple[TestStates, Scorer]:
    size, n_frames = int(paper_a["render"]["size"]), int(paper_a["protocol"]["n_frames"])
    states = load_test_states(inputs.scores, {Path(p).stem: p for p in inputs.images},
                              float(paper_a["gas"]["L"]), size, n_frames)
    train = paper_a["train"]
    scorer = Scorer(inputs.model, size, n_frames, train["device"], train["eval_batch_size"])
    return states, scorer


def _ids(states: TestStates, idx) -> list[str]:
    t = states.table
    return [f"{t.process.iloc[i]}/{t.state.iloc[i]}" for i in idx]


# ---------------------------------------------------------------------------------------------
# A1
# ---------------------------------------------------------------------------------------------


def run_a1(inputs, paper_a: Mapping, out_csv) -> pd.DataFrame:
    """A1: S~ of each rerun state beside S~ of the corresponding original state."""
    states, scorer = _setup(inputs, paper_a)
    size, n_frames = int(paper_a["render"]["size"]), int(paper_a["protocol"]["n_frames"])
    reruns = {Path(p).stem: p for p in inputs.reruns}
    parts = []
    for proc, grp in states.table.groupby("process", sort=True):
        if proc not in reruns:
            raise ArtifactError(f"no A1 rerun images for test process {proc}")
        img = load_images(reruns[proc], size=size, n_frames=n_frames)
        if img.shape[0] != states.images[proc].shape[0]:
            raise ArtifactError(f"{reruns[proc]}: {img.shape[0]} states, the original process "
                                f"{proc} has {states.images[proc].shape[0]}")
        s_rerun = scorer(np.asarray(img))
        g = grp[["process", "state", "N", "Lx", "U", "S"]].copy()
        g["S_rerun"] = s_rerun[g["state"].to_numpy()]
        parts.append(g)
    df = pd.concat(parts, ignore_index=True)
    write_csv(out_csv, df)
    rows = analyses.summary_a1(df)
    log.info("A1: %s", rows[0])
    return df


# ---------------------------------------------------------------------------------------------
# A3
# ---------------------------------------------------------------------------------------------


def run_a3(inputs, paper_a: Mapping, a3: Mapping, seed: int, out_csv,
           out_example) -> pd.DataFrame:
    """A3: every compound (X_a, X_b) of the test states at Lx = L/2 (gas halves side by side).

    ``out_example``: the first two selected states and their compound (the figure's panels).
    """
    states, scorer = _setup(inputs, paper_a)
    t = states.table
    size, L = int(paper_a["render"]["size"]), float(paper_a["gas"]["L"])
    half = np.isclose(t["Lx"].to_numpy(), L / 2, rtol=0, atol=1e-6 * L)
    cand = np.flatnonzero(half & (2 * t["w_gas"].to_numpy() <= size))
    if len(cand) < 2:
        raise ArtifactError(f"{inputs.scores}: fewer than two test states at Lx = L/2 = {L / 2} "
                            "(A3 needs them; is paper_a.protocol.Lx_min = L/2?)")
    pick = cand[subsample(len(cand), int(a3["max_states"]), rng_for(seed, "a3"))]
    n = len(pick)
    img = states.imgs(pick)
    w = t["w_gas"].to_numpy()[pick]

    def build(idx):
        a, b = idx // n, idx % n
        return np.stack([cons.compound_x(img[i], w[i], img[j], w[j]) for i, j in zip(a, b)])

    c = scorer.map(n * n, build, "A3 compounds")
    a, b = np.divmod(np.arange(n * n), n)
    sel = t.iloc[pick].reset_index(drop=True)
    df = pd.DataFrame({"a": a, "b": b})
    for side, k in (("a", a), ("b", b)):
        for col in ("process", "state", "N", "S"):
            df[f"{col}_{side}"] = sel[col].to_numpy()[k]
    df["S_compound"] = c
    write_csv(out_csv, df)
    rows = analyses.summary_a3(df, int(a3["max_quadruples"]), sample_seed(seed, "a3"))
    log.info("A3: %s", rows)
    k2 = min(1, n - 1)
    save_example(out_example, "a3",
                 dict(paper_a=paper_a, a3=a3, seed=int(seed), states=_ids(states, pick[[0, k2]])),
                 x_fhw=img[0], x2_fhw=img[k2],
                 compound_fhw=cons.compound_x(img[0], w[0], img[k2], w[k2]))
    return df


# ---------------------------------------------------------------------------------------------
# A4
# ---------------------------------------------------------------------------------------------


def run_a4(inputs, paper_a: Mapping, a4: Mapping, seed: int, out_csv,
           out_example) -> pd.DataFrame:
    """A4: S~ of scaled states, pixel mask (paper) and count-exact (round(lam N) disks).

    ``out_example``: one state masked to ``A4_EXAMPLE_LAM`` X along each direction.
    """
    states, scorer = _setup(inputs, paper_a)
    t = states.table
    gas, rnd = paper_a["gas"], paper_a["render"]
    L, R, size = float(gas["L"]), float(gas["R"]), int(rnd["size"])
    pick = subsample(len(t), int(a4["max_states"]), rng_for(seed, "a4"))
    md_paths = {Path(p).stem: p for p in inputs.md}
    pos_cache: dict[str, np.ndarray] = {}

    def pos_fnd(i):
        proc = t.process.iloc[i]
        if proc not in pos_cache:
            if proc not in md_paths:
                raise ArtifactError(f"no MD artifact for test process {proc}")
            pos_cache[proc] = load_md(md_paths[proc], arrays=("pos_sfnd",))[1]["pos_sfnd"]
        return pos_cache[proc][int(t.state.iloc[i])]

    specs = [(i, lam, d, v) for v in ("pixel", "count") for lam in a4["lambdas"]
             for d in cons.DIRECTIONS for i in pick]

    def build(idx):
        out = []
        for k in idx:
            i, lam, d, variant = specs[k]
            if variant == "pixel":
                out.append(cons.scale(states.img(i), int(t.w_gas.iloc[i]), lam, d))
            else:
                kept = cons.keep_count_exact(pos_fnd(i), lam, d)
                out.append(render_frames(kept, L, R, rnd["canvas"], size, rnd["method"]))
        return np.stack(out)

    s_scaled = scorer.map(len(specs), build, "A4 scaled states")
    rows = []
    for (i, lam, d, variant), s in zip(specs, s_scaled):
        n_disks = int(t.N.iloc[i])
        if variant == "pixel":
            kept = cons.count_kept(pos_fnd(i), int(t.w_gas.iloc[i]), lam, d, L, size).mean()
        else:
            kept = float(cons.kept_px(lam, n_disks))
        rows.append(dict(process=t.process.iloc[i], state=int(t.state.iloc[i]), N=n_disks,
                         S=float(t.S.iloc[i]), variant=variant, lam=lam, direction=d,
                         n_kept=kept, dN=kept - lam * n_disks, S_scaled=s))
    df = pd.DataFrame(rows)
    write_csv(out_csv, df)
    summary = analyses.summary_a4(df)
    log.info("A4: %s", summary)
    i0 = int(pick[len(pick) // 2])
    x0, w0 = states.img(i0), int(t.w_gas.iloc[i0])
    save_example(out_example, "a4",
                 dict(paper_a=paper_a, a4=a4, seed=int(seed), state=_ids(states, [i0])[0]),
                 scaled_dfhw=np.stack([cons.scale(x0, w0, A4_EXAMPLE_LAM, d)
                                       for d in cons.DIRECTIONS]),
                 directions=np.array(cons.DIRECTIONS), lam=A4_EXAMPLE_LAM)
    return df


# ---------------------------------------------------------------------------------------------
# A5
# ---------------------------------------------------------------------------------------------


def run_a5(inputs, paper_a: Mapping, out_csv) -> pd.DataFrame:
    """A5: S~ of split and recombined states (from the per-process A5 MD artifacts)."""
    states, scorer = _setup(inputs, paper_a)
    key = states.table.set_index(["process", "state"])
    parts = []
    for path in sorted(inputs.splits):
        proc = Path(path).stem
        arr = load_a5(path)
        if len(arr["state_s"]) == 0:
            continue
        g = pd.DataFrame({"process": proc, "state": arr["state_s"], "axis": arr["axis_s"],
                          "lam": arr["lam_s"], "wall": arr["wall_s"],
                          "n_removed": arr["n_removed_s"], "N_split": arr["N_s"]})
        try:
            orig = key.loc[list(zip(g.process, g.state))]
        except KeyError:
            raise ArtifactError(f"{path}: states not among the test states of {proc}") from None
        for col in ("N", "Lx", "S"):
            g[col] = orig[col].to_numpy()
        g["wall_orientation"] = [WALL_AXES[a] for a in g["axis"]]
        g["S_split"] = scorer(arr["img_split_sfhw"])
        g["S_recomb"] = scorer(arr["img_recomb_sfhw"])
        parts.append(g)
    if not parts:
        raise ArtifactError("A5: no split states (paper_a.axioms.a5.states_per_process = 0?)")
    df = pd.concat(parts, ignore_index=True)
    write_csv(out_csv, df)
    rows = analyses.summary_a5(df)
    log.info("A5: %s", rows)
    return df


# ---------------------------------------------------------------------------------------------
# A6
# ---------------------------------------------------------------------------------------------


def z_pairs(S: np.ndarray, n_pairs: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """The (Z1, Z2) dust pairs: (highest, lowest S~) -- the dust that works against X <_DNN Y
    --, its reverse, then random pairs of distinct states."""
    n = len(S)
    if n < 2 or n_pairs > n * (n - 1):
        raise ValueError(f"{n} test states cannot make {n_pairs} distinct (Z1, Z2) pairs "
                         "(config key 'paper_a.axioms.a6.n_z_pairs')")
    lo, hi = int(np.argmin(S)), int(np.argmax(S))
    pairs = [(hi, lo), (lo, hi)][:n_pairs] if lo != hi else []
    while len(pairs) < n_pairs:
        z1, z2 = (int(v) for v in rng.choice(len(S), size=2, replace=False))
        if (z1, z2) not in pairs:
            pairs.append((z1, z2))
    return pairs


def zpair_role(S: np.ndarray, z1: int, z2: int) -> str:
    """``max_min`` for (highest, lowest S~), ``min_max`` for the reverse, else ``random``."""
    lo, hi = int(np.argmin(S)), int(np.argmax(S))
    if lo != hi and (z1, z2) == (hi, lo):
        return "max_min"
    if lo != hi and (z1, z2) == (lo, hi):
        return "min_max"
    return "random"


def run_a6(inputs, paper_a: Mapping, a6: Mapping, seed: int, out_csv,
           out_example) -> pd.DataFrame:
    """A6: S~ of (X, eps Z1) and (X, eps Z2) for every eps and (Z1, Z2) pair.

    a6.csv also holds, per row, the dust states' own S~ (``z1_S``, ``z2_S``) and the pair's
    :func:`zpair_role`. ``out_example``: the first sampled X with Z1 of the first pair embedded
    at the middle one of the sorted eps.
    """
    states, scorer = _setup(inputs, paper_a)
    t = states.table
    size = int(paper_a["render"]["size"])
    rng = rng_for(seed, "a6")
    zp = z_pairs(states.S, int(a6["n_z_pairs"]), rng)
    pick = subsample(len(t), int(a6["max_states"]), rng)
    img = states.imgs(pick)
    parts = []
    for k, (z1, z2) in enumerate(zp):
        zimg = {z: states.img(z) for z in (z1, z2)}
        for eps in a6["eps"]:
            g = t.iloc[pick][["process", "state", "N", "S"]].reset_index(drop=True)
            g.insert(0, "eps", eps)
            g.insert(0, "zpair", k)
            for name, z in (("z1", z1), ("z2", z2)):
                wz = int(t.w_gas.iloc[z])
                side = cons.dust_side_px(eps, wz, size)
                g[name] = _ids(states, [z])[0]
                g[f"{name}_S"] = float(t.S.iloc[z])
                g[f"eps_{name}"] = side**2 / (wz * size)
                g[f"S_{name}"] = scorer.map(
                    len(pick), lambda idx: cons.embed(img[idx], zimg[z], side),
                    f"A6 pair {k} eps {eps:g} {name}")
            g["zpair_role"] = zpair_role(states.S, z1, z2)
            parts.append(g)
    df = pd.concat(parts, ignore_index=True)
    write_csv(out_csv, df)
    rows = analyses.summary_a6(df)
    log.info("A6: %s", rows)
    z1, z2 = zp[0]
    eps_show = sorted(a6["eps"])[len(a6["eps"]) // 2]
    side = cons.dust_side_px(eps_show, int(t.w_gas.iloc[z1]), size)
    save_example(out_example, "a6",
                 dict(paper_a=paper_a, a6=a6, seed=int(seed), x=_ids(states, pick[:1])[0],
                      z=_ids(states, [z1])[0]),
                 embedded_fhw=cons.embed(img[0], states.img(z1), side), eps=float(eps_show),
                 side_px=int(side))
    return df


# ---------------------------------------------------------------------------------------------
# Extensivity and additivity (Fig. 8)
# ---------------------------------------------------------------------------------------------


def same_n_pairs(N: np.ndarray, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """``n_pairs`` random ordered pairs (x, y) of distinct states with equal N, shape (n, 2)."""
    groups = [np.flatnonzero(N == n) for n in np.unique(N)]
    groups = [g for g in groups if len(g) >= 2]
    if not groups:
        raise ValueError("no N has two test states to combine")
    out = []
    for _ in range(n_pairs):
        g = groups[rng.integers(len(groups))]
        out.append(rng.choice(g, size=2, replace=False))
    return np.array(out, np.int64).reshape(-1, 2)


def run_additivity(inputs, paper_a: Mapping, add: Mapping, seed: int,
                   out_csv) -> pd.DataFrame:
    """Fig. 8: S~ of (lam X, (1 - lam) Y) for random same-N pairs, every lam and direction."""
    states, scorer = _setup(inputs, paper_a)
    t = states.table
    pairs = same_n_pairs(t.N.to_numpy(), int(add["n_pairs"]), rng_for(seed, "additivity"))
    specs = [(k, lam, d) for k in range(len(pairs)) for lam in add["lambdas"]
             for d in cons.DIRECTIONS]
    w = t.w_gas.to_numpy()

    def build(idx):
        out = []
        for m in idx:
            k, lam, d = specs[m]
            x, y = pairs[k]
            out.append(cons.scaled_compound(states.img(x), w[x], states.img(y), w[y], lam, d))
        return np.stack(out)

    s_c = scorer.map(len(specs), build, "Fig. 8 compounds")
    rows = []
    for (k, lam, d), s in zip(specs, s_c):
        x, y = pairs[k]
        rows.append(dict(pair=k, process_x=t.process.iloc[x], state_x=int(t.state.iloc[x]),
                         process_y=t.process.iloc[y], state_y=int(t.state.iloc[y]),
                         N=int(t.N.iloc[x]), lam=lam, direction=d, S_x=float(t.S.iloc[x]),
                         S_y=float(t.S.iloc[y]), S_compound=s))
    df = pd.DataFrame(rows)
    write_csv(out_csv, df)
    summary = analyses.summary_additivity(df)
    log.info("additivity: %s", summary)
    return df


# ---------------------------------------------------------------------------------------------
# Canonical entropy (Eq. 1)
# ---------------------------------------------------------------------------------------------


def reference_compound(x1: np.ndarray, w1: int, x2: np.ndarray, w2: int, lam: float,
                       direction: str) -> np.ndarray:
    """``((1 - lam) X*, lam X**)``; at ``lam = 0`` and ``1`` the reference states themselves
    (along x the compound drops the Lanczos tails behind the piston, the states keep them)."""
    if lam == 0.0:
        return np.array(x1, copy=True)
    if lam == 1.0:
        return np.array(x2, copy=True)
    return cons.scaled_compound(x1, w1, x2, w2, 1.0 - lam, direction)


def run_canonical(inputs, paper_a: Mapping, can: Mapping, out_csv, out_curve) -> pd.DataFrame:
    """Eq. (1) for every test state, per N, with X*, X** = the lowest/highest-S~ test states."""
    states, scorer = _setup(inputs, paper_a)
    t = states.table
    R = float(paper_a["gas"]["R"])
    lam_k = np.linspace(0.0, 1.0, int(can["n_lambda"]))
    s_vdw = vdw_entropy(t.N, t.U, t.V, R)
    parts, curves = [], []
    for n_disks in sorted(t.N.unique()):
        members = np.flatnonzero(t.N.to_numpy() == n_disks)
        lo, hi = (members[k] for k in canonical.reference_states(t.S.to_numpy()[members]))
        x1, x2 = states.img(lo), states.img(hi)
        w1, w2 = int(t.w_gas.iloc[lo]), int(t.w_gas.iloc[hi])
        for d in cons.DIRECTIONS:
            g_k = scorer.map(len(lam_k), lambda idx: np.stack(
                [reference_compound(x1, w1, x2, w2, lam_k[m], d) for m in idx]),
                f"Eq. 1 N={n_disks} {d}")
            # C(0) = X* and C(1) = X** are the reference states' own images; take their S~
            # from the scores table, as every X is, since a batch of another size can round the
            # same image's float32 S~ differently (oneDNN) and tip X** below its own C(1)
            g_k[0], g_k[-1] = t.S.iloc[lo], t.S.iloc[hi]
            curves.append(pd.DataFrame({"N": n_disks, "direction": d, "lam": lam_k,
                                        "S_compound": g_k, "star": _ids(states, [lo])[0],
                                        "star2": _ids(states, [hi])[0]}))
            g = t.iloc[members][["process", "state", "N", "Lx", "U", "S"]].copy()
            g.insert(0, "direction", d)
            g["S_vdW"] = s_vdw[members]
            g["lam_canon"] = canonical.canonical_entropy(lam_k, g_k, g["S"].to_numpy())
            g["lam_vdw"] = canonical.ly_prediction(g["S_vdW"], s_vdw[lo], s_vdw[hi])
            parts.append(g)
    df = pd.concat(parts, ignore_index=True)
    curve = pd.concat(curves, ignore_index=True)
    write_csv(out_csv, df)
    write_csv(out_curve, curve)
    rows = analyses.summary_canonical(df)
    log.info("canonical entropy: %s", rows)
    return df
