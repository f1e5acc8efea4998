"""A reproduction table's rows over seeds: each seed's number, their mean and sample standard
deviation, and a verdict that says whether the bar lies within the spread.

A seed here is one run of the same preset with another draw: another master seed (the whole
DAG: design, MD, training) or another training replica (``paper_a.train.replica``) on the same
MD. Each seed's rows are a ``reproduction.csv`` (the ``reproduction`` rule) or, for a run whose
Paper B part did not run, its Paper A rows recomputed from the results folder's artifacts
(:func:`paper_a_table`). Rows are matched by (paper, quantity).

Verdict of a row over k seeds (i pass), with mean m, sd s and its bar b where it has one
(:func:`thermolearn.report.reproduction.bar_of`):

- ``pass in all k`` / ``FAIL in all k`` / ``mixed: i of k pass``;
- then ``bar within 1 sd`` when |m - b| <= s (another seed could fall on either side), else
  ``bar outside 1 sd``. A mixed row always has its bar inside the range of the seeds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..provenance import code_version
from .reproduction import PAPER_A_ARTIFACTS, bar_of, paper_a_table

def read_rows(source: str | Path) -> pd.DataFrame:
    """One seed's rows: a ``reproduction.csv``, or a results folder (its Paper A rows)."""
    source = Path(source)
    if source.is_dir():
        return paper_a_table(source)
    table = pd.read_csv(source, keep_default_na=False, na_values=[""])
    missing = {"paper", "quantity", "ours", "reference", "tolerance", "pass"} - set(table)
    if missing:
        raise ValueError(f"{source}: not a reproduction table (lacks {sorted(missing)})")
    table["pass"] = table["pass"].fillna("")
    return table


def seed_provenance(source: str | Path) -> str:
    """Where one seed's rows come from: the network's config hash and code version (a results
    folder's ``metrics.json``), or the provenance line of the ``reproduction.md`` beside a
    ``reproduction.csv``; "" when neither is there."""
    source = Path(source)
    metrics = source / PAPER_A_ARTIFACTS["metrics_path"] if source.is_dir() else None
    if metrics is not None and metrics.is_file():
        meta = json.loads(metrics.read_text(encoding="utf-8"))["meta"]
        return f"config hash `{meta['config_hash']}`, code {meta['thermolearn_version']}"
    md = source.with_suffix(".md")
    if not source.is_dir() and md.is_file():
        line = next((x for x in md.read_text(encoding="utf-8").splitlines()
                     if x.startswith("Provenance: ")), "")
        return line.split("the network: ", 1)[-1].split(" (`", 1)[0] if line else ""
    return ""


def verdict(values: np.ndarray, passes: list[str], bar: tuple[str, float] | None) -> str:
    """The verdict of one row over seeds (module docstring). ``passes``: each seed's
    "pass"/"FAIL"; a row no seed judges gets ""."""
    judged = [p for p in passes if p in ("pass", "FAIL")]
    if not judged:
        return ""
    k, i = len(judged), judged.count("pass")
    text = f"pass in all {k}" if i == k else f"FAIL in all {k}" if i == 0 else \
        f"mixed: {i} of {k} pass"
    finite = values[np.isfinite(values)]
    if bar is None or len(finite) < 2:
        return text
    m, s = finite.mean(), finite.std(ddof=1)
    return text + ("; bar within 1 sd" if abs(m - bar[1]) <= s else "; bar outside 1 sd")


def spread_table(seeds: dict[str, pd.DataFrame], paper: str | None = "A") -> pd.DataFrame:
    """One row per (paper, quantity) of the first seed's table (``paper``: only that paper's
    rows; None: all): each seed's number, mean, sd (n - 1), the bar and the verdict."""
    if len(seeds) < 2:
        raise ValueError(f"a spread needs at least 2 seeds, got {len(seeds)}")
    first = next(iter(seeds.values()))
    keys = [(r["paper"], r["quantity"]) for r in first.to_dict("records")
            if paper is None or r["paper"] == paper]
    out = []
    for paper_, quantity in keys:
        rows = {}
        for label, t in seeds.items():
            hit = t[(t["paper"] == paper_) & (t["quantity"] == quantity)]
            if len(hit) != 1:
                raise ValueError(f"seed {label!r}: {len(hit)} rows for {paper_} {quantity!r}")
            rows[label] = hit.iloc[0]
        values = np.array([float(r["ours"]) for r in rows.values()])
        ref = rows[next(iter(rows))]
        bar = bar_of(ref["tolerance"], float(ref["reference"]))
        finite = values[np.isfinite(values)]
        out.append({
            "paper": paper_, "quantity": quantity,
            **{f"ours[{label}]": float(r["ours"]) for label, r in rows.items()},
            "mean": float(finite.mean()) if len(finite) else np.nan,
            "sd": float(finite.std(ddof=1)) if len(finite) >= 2 else np.nan,
            "n_seeds": int(len(finite)),
            "bar": "" if bar is None else f"{bar[0]} {bar[1]:.4g}",
            "verdict": verdict(values, [str(r["pass"]) for r in rows.values()], bar),
        })
    return pd.DataFrame(out)


def _num(v: float) -> str:
    return "" if not np.isfinite(v) else f"{v:.4g}"


def to_markdown(table: pd.DataFrame, title: str, provenance: dict[str, str] | None = None) -> str:
    """The spread table as markdown (``|`` in a quantity escaped, as the reproduction table),
    under a provenance line: the code that wrote it and each seed's (``provenance``: label ->
    :func:`seed_provenance`)."""
    labels = [c[len("ours["):-1] for c in table if c.startswith("ours[")]
    head = ["quantity", *labels, "mean +- sd", "bar", "verdict"]
    seeds = "; ".join(f"{k}: {v or 'not recorded'}" for k, v in (provenance or {}).items())
    prov = f"Provenance: written by thermolearn {code_version()}" + (f"; {seeds}." if seeds
                                                                      else ".")
    lines = [f"# {title}", "", prov, "", "| " + " | ".join(head) + " |",
             "|---|" + "---:|" * (len(labels) + 1) + "---|---|"]
    for r in table.to_dict("records"):
        spread = "" if not np.isfinite(r["mean"]) else (
            f"{r['mean']:.4g} +- {r['sd']:.2g}" if np.isfinite(r["sd"]) else f"{r['mean']:.4g}")
        cells = [r["quantity"], *(_num(r[f"ours[{lb}]"]) for lb in labels), spread, r["bar"],
                 r["verdict"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
