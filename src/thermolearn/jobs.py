"""Running package functions as Snakemake jobs: logging, progress bars, figures.

Rules call short scripts in ``workflow/scripts/`` that wrap package functions in
:func:`snakemake_job`, which sends stdout/stderr and Python logging to the rule's ``log:`` file
and records the wall time. Progress bars (tqdm) go to the same log, refreshed every few seconds.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from .allocator import retain_freed_memory

log = logging.getLogger("thermolearn")


class _LineWriter:
    """File wrapper for logs: tqdm's carriage returns become line breaks."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, text: str) -> int:
        return self.fh.write(text.replace("\r", "\n"))

    def flush(self) -> None:
        self.fh.flush()


def progress(total: int, desc: str, unit: str = "step", **kwargs) -> tqdm:
    """A progress bar with ETA; to a log file it prints a fresh line every ``mininterval`` s."""
    interactive = sys.stderr.isatty()
    kwargs.setdefault("mininterval", 0.5 if interactive else 10.0)
    kwargs.setdefault("unit_scale", True)
    out = sys.stderr if interactive else _LineWriter(sys.stderr)
    return tqdm(total=total, desc=desc, unit=unit, file=out, dynamic_ncols=interactive,
                ascii=not interactive, **kwargs)


@contextlib.contextmanager
def snakemake_job(smk) -> Iterator[object]:
    """Context for a ``script:`` job: log to ``smk.log[0]``, set threads, time the job.

    Also keeps freed memory in the process (:func:`thermolearn.allocator.retain_freed_memory`).
    """
    log_path = Path(smk.log[0]) if len(smk.log) else None
    threads = max(1, int(getattr(smk, "threads", 1)))
    os.environ.setdefault("NUMBA_NUM_THREADS", str(threads))
    stack = contextlib.ExitStack()
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        fh = stack.enter_context(open(log_path, "w", buffering=1, encoding="utf-8"))
        stack.enter_context(contextlib.redirect_stdout(fh))
        stack.enter_context(contextlib.redirect_stderr(fh))
    with stack:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, force=True,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # torch reads these when it is imported; only the training jobs import it (importing
        # it here would cost every job seconds of start-up)
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, str(threads))
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
        retain_freed_memory()  # no page faults on every step's activations (allocator.py)
        t0 = time.time()
        log.info("rule %s started (threads=%d)", getattr(smk, "rule", "?"), threads)
        try:
            yield smk
        except Exception:
            log.exception("rule %s failed", getattr(smk, "rule", "?"))
            raise
        log.info("rule %s done in %.1f s", getattr(smk, "rule", "?"), time.time() - t0)
