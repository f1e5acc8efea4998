"""The README states what the committed runs show, and its first screen is what a newcomer needs.

Every cell of the README's presets table is recomputed from the run it links
(``docs/results/<run>/``: ``reproduction.md``, ``benchmarks/``, ``wall_time.txt``), so a stale
number fails here. Also: the repo reads nothing outside itself.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from thermolearn.report.committed import reproduction_rows, summarise_run, wall_time

from conftest import REPO

README = (REPO / "README.md").read_text()
OUTSIDE = "../" + "shared"  # spelled apart so this file does not name it
COLUMNS = {"Paper A rows": "paper A rows", "Paper B rows": "paper B rows",
           "Paper A CPU": "paper A cpu", "Paper B CPU": "paper B cpu", "wall": "wall"}


def presets_table() -> list[dict[str, str]]:
    block = README.split("<!-- presets table")[1].split("<!-- end presets table -->")[0]
    lines = [line for line in block.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in line.strip("|").split("|"))))
            for line in lines[2:]]


def test_presets_table_lists_the_main_presets():
    presets = {row["preset"] for row in presets_table()}
    assert {"repro", "demo"} <= presets, presets


@pytest.mark.parametrize("row", presets_table(), ids=lambda r: r["preset"])
def test_presets_table_cells_are_the_committed_runs(row):
    link = re.search(r"\((docs/results/[\w/-]+?)/(README|reproduction)\.md\)", row["run"])
    assert link, f"README row {row['preset']}: the run cell links no docs/results/<run>/*.md"
    run = REPO / link.group(1)
    assert (run / f"{link.group(2)}.md").is_file(), f"{run}/{link.group(2)}.md does not exist"
    cells = summarise_run(run).cells()
    for column, key in COLUMNS.items():
        assert row[column] == cells[key], (
            f"README, preset {row['preset']}, column {column!r}: {row[column]!r}, but {run} gives "
            f"{cells[key]!r} (`thermolearn summarise {link.group(1)}`)")


def test_first_screen_has_install_run_result_and_status():
    first = "\n".join(README.splitlines()[:50])
    assert "torch==2.13.0" in first and "--index-url https://download.pytorch.org/whl/cpu" in first
    assert "-r envs/requirements.lock" in first
    assert "snakemake --cores 2 --configfile presets/demo.yaml" in first
    assert "results/demo/reproduction.md" in first
    assert "<!-- end presets table -->" in first, "the presets table is not on the first screen"


def test_reproduction_rows_count_pass_and_fail_per_paper(tmp_path):
    """By hand: A has 1 pass of 2 judged ("|" inside a cell, escaped or, as in tables written
    before the escaping, bare in the quantity, is not a column), B 1 of 1; unjudged rows
    ("not comparable ...", empty) are not counted."""
    md = tmp_path / "reproduction.md"
    md.write_text(
        "# Reproduction\n\n| paper | quantity | ours | paper's | tolerance | pass | n |\n"
        "|---|---|---:|---:|---|---|---:|\n"
        "| A | P(x \\| y) | 0.9 | 0.95 | >= 0.9 | pass | 3 |\n"
        "| A | |E - W| / E | 0.2 | - | <= 1 \\| 2 | FAIL | 3 |\n"
        "| A | ceiling | 0.99 | - | reference |  | 3 |\n| B | a | 1 | 1 | = | pass | 8 |\n"
        "| B | b | 2 | 2 | = | not comparable at this scale | 8 |\n")
    assert reproduction_rows(md) == {"A": (1, 2), "B": (1, 1)}
    (tmp_path / "foreign.md").write_text("# nothing\n| x | y |\n|---|---|\n| 1 | 2 |\n")
    with pytest.raises(ValueError, match="foreign.md"):
        reproduction_rows(tmp_path / "foreign.md")


def test_wall_time_reads_both_clock_forms(tmp_path):
    for text, minutes in (("1:54:01", 114 + 1 / 60), ("15:27.5", 15 + 27.5 / 60)):
        f = tmp_path / "wall_time.txt"
        f.write_text(f'\tCommand being timed: "snakemake --cores 2"\n'
                     f"\tElapsed (wall clock) time (h:mm:ss or m:ss): {text}\n")
        assert wall_time(f) == (pytest.approx(minutes), "snakemake --cores 2")
    f.write_text("truncated")
    with pytest.raises(ValueError, match="wall_time.txt"):
        wall_time(f)


def test_no_file_refers_outside_the_repo():
    """Nothing tracked points at the folder beside the repo (OUTSIDE), except the recorded configurations of committed runs
    (docs/results/*/config_used.yaml and their copies as test fixtures,
    tests/data/runs/*/config_used.yaml), which stay as they were run."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split()
    offenders = []
    for name in files:
        if re.fullmatch(r"(docs/results|tests/data/runs)/.*/config_used\.yaml", name):
            continue
        path = REPO / name
        try:
            if OUTSIDE in path.read_text():
                offenders.append(name)
        except (UnicodeDecodeError, FileNotFoundError):
            continue
    assert not offenders, f"files that read outside the repo: {offenders}"
