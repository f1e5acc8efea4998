"""Which jobs an edit reruns: for each edited module, the jobs a dry run plans on an up-to-date DAG.

The DAG of a config is made up to date without running it: every output is created empty and
Snakemake's metadata is recorded for every job as a finished run records it (params included:
the code digests are params, which `--touch` does not record), in a scratch copy of the
repository, so the paper-scale DAG (1,100 jobs) can be measured in a minute. Each edit (a comment appended to the module) is then
dry-run in a fresh copy of that state. Prints a markdown table (edited file -> jobs planned per
config, and the rules) and one line per config and edit of the form
``ratio all jobs/planned for src/thermolearn/plotting.py at paper: 37.1x``.

    python analysis/rerun_table.py --config paper= --config smoke=presets/smoke.yaml
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EDITS = [
    "src/thermolearn/plotting.py",
    "src/thermolearn/paper_a/axioms/figures.py",
    "src/thermolearn/paper_b/figures.py",
    "src/thermolearn/paper_a/md/engine.py",
    "src/thermolearn/paper_a/md/relaxation.py",
    "src/thermolearn/paper_a/render/figure.py",
    "src/thermolearn/paper_a/entropy.py",
    "src/thermolearn/devices.py",
    "src/thermolearn/paper_b/hfunc.py",
]


def smk(workdir: Path, presets: list[str], *args: str) -> str:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "1", *args]
    if presets:
        cmd += ["--configfile", *presets]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def jobs(dry_run: str) -> list[tuple[str, list[str]]]:
    out = []
    for line in dry_run.splitlines():
        s = line.strip()
        if line.startswith(("rule ", "localrule ")) and s.endswith(":"):
            out.append((s.split()[1].rstrip(":"), []))
        elif out and s.startswith("output:"):
            out[-1][1].extend(p.strip() for p in s.split(":", 1)[1].split(","))
    return out


# Run in the copy: record each job of the DAG as finished (metadata with its params), what a real
# run's job end does (snakemake.persistence.Persistence.finished), through Snakemake's API.
RECORD = """
import sys
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import (ConfigSettings, DAGSettings, ExecutionSettings,
                                      RemoteExecutionSettings, ResourceSettings)
with SnakemakeApi() as api:
    wf_api = api.workflow(resource_settings=ResourceSettings(cores=1),
                          config_settings=ConfigSettings(configfiles=[Path(p) for p in sys.argv[1:]]),
                          snakefile=Path("Snakefile"))
    wf_api.dag(DAGSettings(forceall=True))
    wf = wf_api._workflow
    wf.execution_settings = ExecutionSettings()
    wf.remote_execution_settings = RemoteExecutionSettings()
    wf._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True)
    wf._build_dag()
    for job in wf.dag.jobs:
        wf.async_run(wf.persistence.finished(job))
"""


def record_finished(workdir: Path, presets: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", RECORD, *presets], cwd=workdir,
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"recording the metadata failed:\n{proc.stderr[-3000:]}")


def up_to_date_copy(dest: Path, presets: list[str]) -> int:
    """A copy of the repo whose DAG for ``presets`` is complete (empty outputs); its job count."""
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "--cached", "--others",
                            "--exclude-standard", "-z"], capture_output=True, check=True
                           ).stdout.decode().split("\0")
    for f in filter(None, files):
        if (REPO / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, dest / f)
    planned = jobs(smk(dest, presets, "-n", "--forceall"))
    for _, outputs in planned:
        for p in outputs:
            (dest / p).parent.mkdir(parents=True, exist_ok=True)
            (dest / p).touch()
    record_finished(dest, presets)
    assert not jobs(smk(dest, presets, "-n")), "the touched DAG is not up to date"
    return len(planned)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", action="append", default=[], metavar="NAME=PRESET[,PRESET]",
                    help="a config to measure (NAME= for config.yaml alone)")
    ap.add_argument("edits", nargs="*", default=EDITS)
    args = ap.parse_args()
    configs = {name: [p for p in spec.split(",") if p]
               for name, spec in (c.split("=", 1) for c in args.config or ["paper="])}
    rows: dict[str, dict[str, tuple[int, list[str]]]] = {e: {} for e in args.edits}
    totals = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, presets in configs.items():
            base = Path(tmp) / name
            t0 = time.time()
            totals[name] = up_to_date_copy(base, presets)
            print(f"{name}: {totals[name]} jobs made up to date in {time.time() - t0:.0f} s",
                  file=sys.stderr)
            # each edit in a fresh copy at the same path: the recorded metadata holds absolute
            # input paths (the published weights), which a copy elsewhere would change
            pristine = Path(tmp) / f"{name}-pristine"
            shutil.copytree(base, pristine, symlinks=True)
            for edit in args.edits:
                wd = base
                shutil.rmtree(wd)
                shutil.copytree(pristine, wd, symlinks=True)
                with open(wd / edit, "a", encoding="utf-8") as fh:
                    fh.write("\n# an edit\n")
                planned = jobs(smk(wd, presets, "-n"))
                rules = sorted({r for r, _ in planned if r != "all"})
                rows[edit][name] = (sum(r != "all" for r, _ in planned), rules)
    names = list(configs)
    print("| edited file | " + " | ".join(f"jobs planned ({n}, of {totals[n]})" for n in names)
          + " | rules planned |")
    print("|---|" + "---:|" * len(names) + "---|")
    for edit, per in rows.items():
        rules = per[names[0]][1]
        shown = ", ".join(re.sub(r"^paper_", "", r) for r in rules) or "-"
        print(f"| `{edit}` | " + " | ".join(str(per[n][0]) for n in names) + f" | {shown} |")
    for edit, per in rows.items():
        for n in names:
            k = per[n][0]
            print(f"ratio all jobs/planned for {edit} at {n}: "
                  + (f"{totals[n] / k:.1f}x" if k else "inf (nothing planned)"))


if __name__ == "__main__":
    main()
