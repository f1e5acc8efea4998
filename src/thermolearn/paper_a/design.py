"""The process design of Paper A: which (N, v_push, v_pull, dL_push, dL_pull) each process runs.

Paper A runs 448 processes, each with a different parameter set drawn from the
4 x 2 x 2 x 10 x 10 = 1600 combinations, without saying how. Our choice (SPEC.md): balanced and
seeded. Every (N, v_push, v_pull) cell gets ``n_processes / n_cells`` processes with distinct
(dL_push, dL_pull) pairs drawn without replacement; the train/val/test split is by process,
stratified by cell (:func:`split_counts`): each part's processes are spread over the cells as
evenly as its size allows (floor or ceiling of count / n_cells per cell, and likewise per N), so a
part with at least one process per cell has one in every cell. Each process gets its own seed
derived from the master seed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .md.protocol import n_states

COLUMNS = ["process", "N", "v_push", "v_pull", "dL_push", "dL_pull", "n_states", "seed", "split"]
CELL = ["N", "v_push", "v_pull"]
PARTS = ("train", "val", "test")


def deal(n_slots: int, n_cells: int, start: int = 0) -> np.ndarray:
    """How many of ``n_slots`` consecutive slots dealt round robin over ``n_cells`` cells, from
    cell ``start`` on, each cell gets: ``floor`` or ``ceil`` of ``n_slots / n_cells``.

    Returns
    -------
    numpy.ndarray int64 (n_cells,)
        Slots per cell, summing to ``n_slots``.
    """
    order = (start + np.arange(n_slots)) % n_cells
    return np.bincount(order, minlength=n_cells).astype(np.int64)


def cell_order(n_values: list, v_pairs: list, rng: np.random.Generator) -> list[tuple]:
    """The cells ``(N, v_push, v_pull)`` in dealing order: the (v_push, v_pull) pairs in a
    seeded random order, N running fastest, so that any ``len(n_values)`` consecutive cells hold
    every N once (a run of dealt slots is then balanced over N as well as over cells)."""
    perm = rng.permutation(len(v_pairs))
    return [(n, *v_pairs[i]) for i in perm for n in n_values]


def split_counts(per_cell: int, split: dict, n_cells: int) -> np.ndarray:
    """Processes of each part in each cell, in dealing order (:func:`cell_order`).

    The labels ``val``, ``test``, ``train`` (in that order, ``split[part]`` of each) are dealt
    round robin over the cells; every cell receives ``per_cell`` labels when the parts sum to
    ``per_cell * n_cells``, and each part gets the floor or ceiling of ``split[part] / n_cells``
    in every cell.

    Returns
    -------
    numpy.ndarray int64 (n_cells, 3)
        Counts of ``train``, ``val``, ``test`` (columns, :data:`PARTS` order) per cell.
    """
    out = np.zeros((n_cells, len(PARTS)), dtype=np.int64)
    start = 0
    for part in ("val", "test", "train"):
        out[:, PARTS.index(part)] = deal(int(split[part]), n_cells, start)
        start = (start + int(split[part])) % n_cells
    if (out.sum(axis=1) != per_cell).any():
        raise ValueError(f"split {split} does not fill {n_cells} cells of {per_cell} processes")
    return out


def cell_counts(design: pd.DataFrame) -> pd.DataFrame:
    """Processes of each split in each (N, v_push, v_pull) cell of ``design``.

    Returns
    -------
    pandas.DataFrame
        Columns ``N``, ``v_push``, ``v_pull``, ``train``, ``val``, ``test``, ``total``; one row per
        cell, sorted by cell.
    """
    counts = (design.groupby(CELL + ["split"]).size().unstack("split", fill_value=0)
              .reindex(columns=list(PARTS), fill_value=0))
    counts["total"] = counts.sum(axis=1)
    return counts.reset_index().sort_values(CELL, kind="stable").reset_index(drop=True)


def process_id(index: int) -> str:
    """The wildcard name of process ``index`` (``p000``, ``p001``, ...)."""
    return f"p{index:03d}"


def make_design(config: dict) -> pd.DataFrame:
    """The design table, one row per process, deterministic in ``config``.

    Returns
    -------
    pandas.DataFrame
        Columns ``process`` (id), ``N``, ``v_push``, ``v_pull``, ``dL_push``, ``dL_pull``,
        ``n_states`` (recorded states), ``seed`` (the process's MD seed), ``split``
        (``train``/``val``/``test``).
    """
    a = config["paper_a"]
    d = a["design"]
    ss = np.random.SeedSequence([int(config["seed"]), 0xA11CE])  # stream: design of Paper A
    rng = np.random.default_rng(ss)
    cells = list(itertools.product(d["N"], d["v"], d["v"]))
    per_cell = d["n_processes"] // len(cells)
    dl_pairs = list(itertools.product(d["dL"], d["dL"]))
    rows = []
    for n_disks, v_push, v_pull in cells:
        chosen = rng.choice(len(dl_pairs), size=per_cell, replace=False)
        for c in sorted(chosen):
            dl_push, dl_pull = dl_pairs[c]
            rows.append(dict(N=n_disks, v_push=float(v_push), v_pull=float(v_pull),
                             dL_push=float(dl_push), dL_pull=float(dl_pull)))
    df = pd.DataFrame(rows)
    if d.get("stratify", "cell") == "N":
        df["split"] = split_by_n(df, d, rng)
    else:
        df["split"] = split_by_cell(df, d, per_cell, rng)
    seeds = ss.spawn(len(df))
    df["seed"] = [int(s.generate_state(1, np.uint32)[0]) for s in seeds]
    L, Lx_min, n_cyc = a["gas"]["L"], a["protocol"]["Lx_min"], a["protocol"]["n_cycles"]
    df["n_states"] = [n_states(L, Lx_min, n_cyc, r.dL_push, r.dL_pull) for r in df.itertuples()]
    df.insert(0, "process", [process_id(i) for i in range(len(df))])
    return df[COLUMNS]


def split_by_cell(df: pd.DataFrame, d: dict, per_cell: int, rng: np.random.Generator
                  ) -> np.ndarray:
    """The split stratified by (N, v_push, v_pull) cell, shuffled within each cell
    (:func:`split_counts`)."""
    v_pairs = list(itertools.product(d["v"], d["v"]))
    order = cell_order(list(d["N"]), v_pairs, rng)
    counts = split_counts(per_cell, d["split"], len(order))
    labels = np.empty(len(df), dtype=object)
    cell_of = list(zip(df["N"], df["v_push"], df["v_pull"]))
    for (n_disks, v_push, v_pull), k in zip(order, counts):
        idx = np.flatnonzero([c == (n_disks, float(v_push), float(v_pull)) for c in cell_of])
        idx = idx[rng.permutation(len(idx))]
        labels[idx] = np.repeat(PARTS, k)
    return labels


def split_by_n(df: pd.DataFrame, d: dict, rng: np.random.Generator) -> np.ndarray:
    """The split of the runs made before issue 25 (``stratify: N``): by N only, shuffled within
    each N, the same draws as then, so that the designs of those committed runs can be rebuilt."""
    split, n_vals = d["split"], len(d["N"])
    labels = np.empty(len(df), dtype=object)
    for n_disks in d["N"]:
        idx = np.flatnonzero(df["N"].to_numpy() == n_disks)
        idx = idx[rng.permutation(len(idx))]
        n_tr, n_va = split["train"] // n_vals, split["val"] // n_vals
        labels[idx[:n_tr]] = "train"
        labels[idx[n_tr:n_tr + n_va]] = "val"
        labels[idx[n_tr + n_va:]] = "test"
    return labels


def design_row(config: dict, process: str) -> dict:
    """The design row of ``process`` as a plain dict."""
    df = make_design(config)
    row = df.loc[df["process"] == process]
    if row.empty:
        raise KeyError(f"process {process!r} is not in the design (ids p000..{df.process.iloc[-1]})")
    return row.iloc[0].to_dict()
