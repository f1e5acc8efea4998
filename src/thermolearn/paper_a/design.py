"""The process design of Paper A: which (N, v_push, v_pull, dL_push, dL_pull) each process runs.

Paper A runs 448 processes, each with a different parameter set drawn from the
4 x 2 x 2 x 10 x 10 = 1600 combinations, without saying how. Our choice (SPEC.md): balanced and
seeded. Every (N, v_push, v_pull) cell gets ``n_processes / n_cells`` processes with distinct
(dL_push, dL_pull) pairs drawn without replacement; the train/val/test split is by process,
stratified by N. Each process gets its own seed derived from the master seed.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .md.protocol import n_states

COLUMNS = ["process", "N", "v_push", "v_pull", "dL_push", "dL_pull", "n_states", "seed", "split"]


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
    # split: stratified by N, shuffled within each N
    split = d["split"]
    n_vals = len(d["N"])
    labels = np.empty(len(df), dtype=object)
    for n_disks in d["N"]:
        idx = np.flatnonzero(df["N"].to_numpy() == n_disks)
        idx = idx[rng.permutation(len(idx))]
        n_tr, n_va = split["train"] // n_vals, split["val"] // n_vals
        labels[idx[:n_tr]] = "train"
        labels[idx[n_tr:n_tr + n_va]] = "val"
        labels[idx[n_tr + n_va:]] = "test"
    df["split"] = labels
    seeds = ss.spawn(len(df))
    df["seed"] = [int(s.generate_state(1, np.uint32)[0]) for s in seeds]
    L, Lx_min, n_cyc = a["gas"]["L"], a["protocol"]["Lx_min"], a["protocol"]["n_cycles"]
    df["n_states"] = [n_states(L, Lx_min, n_cyc, r.dL_push, r.dL_pull) for r in df.itertuples()]
    df.insert(0, "process", [process_id(i) for i in range(len(df))])
    return df[COLUMNS]


def design_row(config: dict, process: str) -> dict:
    """The design row of ``process`` as a plain dict."""
    df = make_design(config)
    row = df.loc[df["process"] == process]
    if row.empty:
        raise KeyError(f"process {process!r} is not in the design (ids p000..{df.process.iloc[-1]})")
    return row.iloc[0].to_dict()
