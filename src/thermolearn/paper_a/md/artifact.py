"""The MD artifact of one process (``results/paper_a/md/<process>.npz``): its identity and reader.

Written by :func:`.job.run_md_job`; read by rendering, the states table, the figures and the
axioms, which import this module without the engine.
"""

from __future__ import annotations

from pathlib import Path

from ...io import load_npz
from ...provenance import config_hash

KIND = "paper_a.md_process"
ROW_KEYS = ("process", "N", "v_push", "v_pull", "dL_push", "dL_pull", "seed")


def md_config(paper_a: dict, row: dict, energy: float | None = None) -> dict:
    """The config values an MD artifact depends on (their hash identifies the artifact)."""
    cfg = {k: paper_a[k] for k in ("gas", "integrator", "protocol")}
    cfg["process"] = {k: (row[k].item() if hasattr(row[k], "item") else row[k]) for k in ROW_KEYS}
    if energy is not None:
        cfg["process"]["energy"] = float(energy)
    return cfg


def load_md(path: str | Path, paper_a: dict | None = None, row: dict | None = None,
            arrays: bool | tuple[str, ...] = True, energy: float | None = None):
    """Read an MD artifact; with ``paper_a`` and ``row`` also check it was made by them."""

    expect = None
    if paper_a is not None and row is not None:
        expect = config_hash(md_config(paper_a, row, energy))
    return load_npz(path, kind=KIND, config_hash=expect, arrays=arrays)
