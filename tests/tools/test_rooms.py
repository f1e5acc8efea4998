"""Every file in its room: ``benchmarks/`` holds speed benchmarks only, ``analysis/`` the
analyses and tools, each listed with its purpose, and tests import the code they test through the
package, never a script by its path."""

from __future__ import annotations

import re

from conftest import REPO

BENCHMARKS = sorted(p.name for p in (REPO / "benchmarks").glob("*.py"))
ANALYSES = sorted(p.name for p in (REPO / "analysis").glob("*.py"))
# a print whose f-string names a ratio and formats a number as "N.Nx" (on its line or the next)
RATIO_LINE = re.compile(r'print\(f"[^\n]*ratio[^\n]*(\n[^\n]*)?\}x')


def table_scripts(text: str, prefix: str = "") -> list[str]:
    """The scripts named (as ``prefix`` + name) in the first column of the tables of ``text``."""
    return sorted(re.findall(rf"^\| `{re.escape(prefix)}(\w+\.py)` \|", text, flags=re.M))


def test_every_benchmark_prints_a_ratio_against_its_baseline():
    assert len(BENCHMARKS) >= 6
    without = [name for name in BENCHMARKS
               if not RATIO_LINE.search((REPO / "benchmarks" / name).read_text())]
    assert not without, f"benchmarks/ holds scripts that print no ratio: {without}"


def test_benchmark_tables_list_exactly_the_benchmarks():
    for doc in ("README.md", "docs/benchmarks.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        assert table_scripts(text, "benchmarks/") == BENCHMARKS, doc
        assert "analysis/README.md" in text, doc


def test_analysis_readme_gives_every_script_its_purpose():
    text = (REPO / "analysis" / "README.md").read_text(encoding="utf-8")
    assert table_scripts(text) == ANALYSES
    for name in ANALYSES:
        purpose = re.search(rf"^\| `{re.escape(name)}` \| (.+) \|$", text, flags=re.M)
        assert purpose and len(purpose.group(1).split()) >= 5, name


def test_tests_import_no_script_by_its_path():
    by_path = "spec_from_" + "file_location"  # spelled apart so this file does not name it
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "tests").rglob("*.py")
                 if by_path in p.read_text(encoding="utf-8")
                 or re.search(r"^(from|import) (benchmarks|analysis)\b", p.read_text(), re.M)]
    assert not offenders, offenders
