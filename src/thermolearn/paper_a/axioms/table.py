"""The axioms table: one row per claim, our value beside Paper A's (csv and markdown).

Every number is recomputed here from the per-axiom sample tables (``results/paper_a/axioms/
<name>.csv``) by :mod:`.analyses`, the same functions the figures use.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ...io import ArtifactError, write_csv, write_text
from ...provenance import provenance_line
from . import analyses
from .analyses import sample_seed
from .artifacts import read_samples

log = logging.getLogger(__name__)

COLUMNS = ["axiom", "claim", "measure", "n_samples", "ours", "paper", "note"]


def build_table(csvs: Mapping[str, str | Path], a3: Mapping, seed: int) -> pd.DataFrame:
    """The table from the per-axiom csv files.

    Parameters
    ----------
    csvs : mapping with keys ``a1, a3, a4, a5, a6, additivity, canonical`` -> csv paths
    a3 : ``paper_a.axioms.a3`` config (``max_quadruples``)
    seed : master seed (the A3 quadruple sample when there are too many)

    Raises
    ------
    ArtifactError
        Naming the csv that is missing, lacks a column, or is inconsistent.
    """
    a3_seed = sample_seed(seed, "a3")
    summaries = {
        "a1": analyses.summary_a1,
        "a3": lambda df: analyses.summary_a3(df, int(a3["max_quadruples"]), a3_seed),
        "a4": analyses.summary_a4, "a5": analyses.summary_a5, "a6": analyses.summary_a6,
        "additivity": analyses.summary_additivity, "canonical": analyses.summary_canonical,
    }
    rows = []
    for name, summary in summaries.items():
        df = read_samples(csvs[name], name)
        try:
            rows += summary(df)
        except ValueError as exc:
            raise ArtifactError(f"{csvs[name]}: {exc}") from None
        if name == "a1":
            rows += analyses.summary_a2()  # A2 holds by construction: no csv
    return pd.DataFrame(rows, columns=COLUMNS)


def _fmt(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{v:.4f}"


def to_markdown(table: pd.DataFrame, title: str, provenance: str = "") -> str:
    """A GitHub-flavoured markdown table (numbers to four decimals, '-' where none), under
    its provenance line."""
    lines = [f"# {title}", "", *([provenance, ""] if provenance else []),
             "| axiom | claim | measure | samples | ours | paper | note |",
             "|---|---|---|---:|---:|---:|---|"]
    cell = lambda text: str(text).replace("|", "\\|")  # noqa: E731 - a pipe inside a cell
    for r in table.itertuples():
        n = str(r.n_samples) if r.n_samples else "-"
        lines.append(f"| {r.axiom} | {cell(r.claim)} | {cell(r.measure)} | {n} | "
                     f"{_fmt(r.ours)} | {_fmt(r.paper)} | {cell(r.note)} |")
    return "\n".join(lines) + "\n"


def run_table(csvs: Mapping[str, str | Path], a3: Mapping, seed: int, out_csv, out_md,
              metrics: str | Path,
              title: str = "Paper A: Lieb-Yngvason axioms of the trained network") -> pd.DataFrame:
    """The ``paper_a_axioms_table`` rule; ``metrics``: the network's ``metrics.json`` (its
    provenance heads the markdown)."""
    table = build_table(csvs, a3, seed)
    write_csv(out_csv, table)
    write_text(out_md, to_markdown(table, title, provenance_line(metrics)))
    log.info("axioms table:\n%s", table[["axiom", "claim", "n_samples", "ours", "paper"]]
             .to_string(index=False))
    return table
