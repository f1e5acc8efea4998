"""What made an artifact: config values, code version, time."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from . import __version__
from .config import REPO_ROOT


VERSION_ENV = "THERMOLEARN_CODE_VERSION"


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Package version plus the git commit of the checkout (``.dirty`` if modified).

    The Snakefile determines it once per run and hands it to every job through the environment
    variable ``THERMOLEARN_CODE_VERSION`` (jobs on cluster nodes need no git, and all artifacts of
    a run carry the same version); set it yourself where the code is not a git checkout.
    """
    if os.environ.get(VERSION_ENV):
        return os.environ[VERSION_ENV]
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        return f"{__version__}+g{commit}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return __version__


def config_hash(section: Any) -> str:
    """Short stable hash of a config section (canonical JSON), recorded in artifacts."""
    blob = json.dumps(section, sort_keys=True, separators=(",", ":"), default=float)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def provenance_line(model_metrics: str | Path) -> str:
    """The line a markdown result table carries: the code version that wrote it and the config
    hash and code version of the siamese network it judges (from ``metrics.json``)."""
    meta = json.loads(Path(model_metrics).read_text(encoding="utf-8"))["meta"]
    return (f"Provenance: written by thermolearn {code_version()}; the network: config hash "
            f"`{meta['config_hash']}`, code {meta['thermolearn_version']} "
            f"(`paper_a/model/metrics.json`).")


def provenance(kind: str, config: dict | None = None, **extra) -> dict:
    """Metadata recorded inside every artifact.

    Parameters
    ----------
    kind : str
        Artifact kind, checked when the artifact is read back (e.g. ``"paper_a.md_process"``).
    config : dict, optional
        The config values the artifact depends on; stored verbatim with their hash.
    """
    meta = {
        "kind": kind,
        "thermolearn_version": code_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "host": platform.node(),
    }
    if config is not None:
        meta["config"] = config
        meta["config_hash"] = config_hash(config)
    meta.update(extra)
    return meta

