"""What a committed run shows, read from its files under ``docs/results/<run>/``.

The README's table of presets states, for each committed run, how many judged rows of each paper
pass, the run's wall time and each paper's CPU time. This module computes those cells from the
run's own files, so the README can be checked against them (``tests/tools/test_readme.py``) and
rewritten from them (``thermolearn summarise docs/results/<run>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..io import read_benchmark
from .reproduction import markdown_rows

#: Verdicts of a judged row; "not comparable at this scale" and empty cells are not judged.
JUDGED = ("pass", "FAIL")


@dataclass(frozen=True)
class RunSummary:
    """The README cells of one committed run.

    Attributes
    ----------
    rows : paper ("A", "B") -> (rows passing, rows judged) in ``reproduction.md``.
    wall_min : wall time of the timed invocation in minutes (``wall_time.txt``), or None.
    timed : the command ``wall_time.txt`` timed, or "".
    cpu_min : paper ("A", "B") -> CPU minutes summed over the jobs' benchmark files
        (``benchmarks/paper_a``, ``benchmarks/paper_b``; column ``cpu_time``, seconds).
    """

    rows: dict[str, tuple[int, int]]
    wall_min: float | None
    timed: str
    cpu_min: dict[str, float]

    def cells(self) -> dict[str, str]:
        """The README's cells: "9 / 11", "114.0 min", "222 CPU-min" (absent parts: "-")."""
        out = {}
        for paper in ("A", "B"):
            passed, judged = self.rows.get(paper, (0, 0))
            out[f"paper {paper} rows"] = f"{passed} / {judged}" if judged else "-"
            cpu = self.cpu_min.get(paper)
            out[f"paper {paper} cpu"] = f"{cpu:.0f} CPU-min" if cpu else "-"
        out["wall"] = f"{self.wall_min:.1f} min" if self.wall_min is not None else "-"
        return out


def reproduction_rows(md_path: str | Path) -> dict[str, tuple[int, int]]:
    """Rows passing and rows judged per paper in a ``reproduction.md`` table.

    Raises
    ------
    ValueError naming the file when it holds no reproduction table rows.
    """
    path = Path(md_path)
    try:
        rows = markdown_rows(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not rows:
        raise ValueError(f"{path}: no reproduction table rows (| paper | quantity | ... |)")
    table = pd.DataFrame(rows)
    judged = table[table["pass"].isin(JUDGED)]
    return {paper: (int((group["pass"] == "pass").sum()), len(group))
            for paper, group in judged.groupby("paper")}


def wall_time(path: str | Path) -> tuple[float, str]:
    """Minutes and command of a ``/usr/bin/time -v`` record.

    Raises
    ------
    ValueError naming the file when it has no "Elapsed (wall clock)" line.
    """
    text = Path(path).read_text()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if m is None:
        raise ValueError(f"{path}: no 'Elapsed (wall clock)' line of /usr/bin/time -v")
    seconds = 0.0
    for part in m.group(1).split(":"):
        seconds = 60 * seconds + float(part)
    cmd = re.search(r'Command being timed: "(.*)"', text)
    return seconds / 60, cmd.group(1) if cmd else ""


def cpu_minutes(bench_dir: str | Path) -> float:
    """CPU minutes summed over every Snakemake benchmark file under ``bench_dir``."""
    total = 0.0
    for tsv in sorted(Path(bench_dir).rglob("*.tsv")):
        with tsv.open(encoding="utf-8") as f:
            if "cpu_time" not in f.readline().rstrip("\n").split("\t"):
                raise ValueError(f"{tsv}: not a Snakemake benchmark file (no cpu_time column)")
        total += read_benchmark(tsv)["cpu_time"]  # the shared reader: a "-" of a short job is 0
    return total / 60


def summarise_run(run_dir: str | Path) -> RunSummary:
    """The README cells of the committed run in ``run_dir`` (``docs/results/<run>``)."""
    run = Path(run_dir)
    rows = reproduction_rows(run / "reproduction.md") if (run / "reproduction.md").is_file() else {}
    wall, timed = wall_time(run / "wall_time.txt") if (run / "wall_time.txt").is_file() else (None, "")
    cpu = {paper: cpu_minutes(run / "benchmarks" / f"paper_{paper.lower()}")
           for paper in ("A", "B") if (run / "benchmarks" / f"paper_{paper.lower()}").is_dir()}
    return RunSummary(rows=rows, wall_min=wall, timed=timed, cpu_min=cpu)
