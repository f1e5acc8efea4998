"""The lines a finished run prints last: how many rows of the reproduction table pass, which fail,
and where to look."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def headline(results_dir: str | Path, max_failures: int = 8) -> str:
    """A short summary of ``<results_dir>/reproduction.csv`` for the console.

    Parameters
    ----------
    results_dir : the preset's results folder (``results/<preset>``).
    max_failures : failed rows named at most (the table has them all).

    Returns
    -------
    The text, or a line saying the table was not built by this run.
    """
    res = Path(results_dir)
    csv = res / "reproduction.csv"
    if not csv.is_file():
        return f"thermolearn: no reproduction table yet ({csv} is built by `rule all`)."
    table = pd.read_csv(csv)
    table["pass"] = table["pass"].fillna("")
    judged = table[table["pass"].isin(["pass", "FAIL"])]
    failed = judged[judged["pass"] == "FAIL"]
    lines = [f"thermolearn: {len(judged) - len(failed)} of {len(judged)} judged rows of the "
             f"reproduction table pass ({res / 'reproduction.md'})."]
    for row in failed.head(max_failures).itertuples():
        paper = "" if pd.isna(row.reference) else f", paper {row.reference:.4g}"
        lines.append(f"  FAIL  {row.paper}: {row.quantity}: ours {row.ours:.4g}{paper} "
                     f"({row.tolerance})")
    if len(failed) > max_failures:
        lines.append(f"  ... and {len(failed) - max_failures} more")
    lines.append(f"Figures: {res}/paper_a/figures/, {res}/paper_b/figures/; logs: {res}/logs/; "
                 f"HTML report: snakemake --report {res}/report.html (same --configfile).")
    return "\n".join(lines)
