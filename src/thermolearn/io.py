"""Artifact files: atomic writes and checked reads.

Every artifact is written to a temporary file in the target directory and renamed into place,
so an interrupted job never leaves a half-written output. Every ``.npz`` artifact carries a JSON
``meta`` record (see :mod:`thermolearn.provenance`); :func:`load_npz` checks its kind (and, when
asked, its config hash) and names the file in every error.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import math
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np


class ArtifactError(RuntimeError):
    """A missing, truncated, foreign or stale artifact; the message names the file."""


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # leftovers of a writer of this same output that was killed (one writer per output)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=suffix if suffix is not None else path.suffix,
        dir=path.parent,
    )
    os.close(fd)
    tmp = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_csv(path: str | Path, frame, **kwargs) -> None:
    """Write a pandas DataFrame atomically (index off unless asked)."""
    kwargs.setdefault("index", False)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, **kwargs)


def save_npz(path: str | Path, meta: Mapping, **arrays: np.ndarray) -> None:
    """Save arrays plus a JSON ``meta`` record atomically (uncompressed ``.npz``)."""
    meta_json = json.dumps(dict(meta), sort_keys=True, default=_json_default)
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, meta=np.array(meta_json), **arrays)


VOLATILE_META = ("created", "host", "wall_time_s")


def artifact_checksum(path: str | Path) -> str:
    """SHA-256 of an artifact's content: every array (name, dtype, shape, bytes) and its meta
    record without the fields that name when and where it was made (``VOLATILE_META``).

    Two runs of the same config give equal checksums even though the ``.npz`` (zip) files carry
    their own timestamps.
    """
    meta, arrays = load_npz(path)
    h = hashlib.sha256()
    stable = {k: v for k, v in meta.items() if k not in VOLATILE_META}
    h.update(json.dumps(stable, sort_keys=True, default=_json_default).encode())
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def load_npz(
    path: str | Path,
    kind: str | None = None,
    config_hash: str | None = None,
    arrays: bool | tuple[str, ...] = True,
) -> tuple[dict, dict[str, np.ndarray]]:
    """Read an artifact written by :func:`save_npz`, checking it fully before returning.

    Parameters
    ----------
    kind : str, optional
        Expected ``meta["kind"]``; a different kind is a foreign file.
    config_hash : str, optional
        Expected ``meta["config_hash"]``; a different hash means the file was made by another
        configuration (stale or foreign).
    arrays : bool or tuple of str
        ``True`` loads every array, ``False`` none, a tuple those names.

    Raises
    ------
    ArtifactError
        Naming ``path`` when it is missing, truncated, not an artifact, of another kind, or made
        by another configuration.
    """
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"{path}: artifact missing")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "meta" not in npz.files:
                raise ArtifactError(f"{path}: not a thermolearn artifact (no 'meta' record)")
            meta = json.loads(str(npz["meta"]))
            if kind is not None and meta.get("kind") != kind:
                raise ArtifactError(
                    f"{path}: foreign artifact: kind {meta.get('kind')!r}, expected {kind!r}"
                )
            if config_hash is not None and meta.get("config_hash") != config_hash:
                raise ArtifactError(
                    f"{path}: made by another configuration (config hash "
                    f"{meta.get('config_hash')}, expected {config_hash}); delete it or rerun "
                    "the rule that makes it"
                )
            names = [n for n in npz.files if n != "meta"]
            if arrays is False:
                names = []
            elif arrays is not True:
                missing = set(arrays) - set(names)
                if missing:
                    raise ArtifactError(f"{path}: artifact lacks arrays {sorted(missing)}")
                names = list(arrays)
            data = {name: npz[name] for name in names}
    except ArtifactError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path}: truncated or corrupt artifact ({type(exc).__name__}: {exc})") from None
    return meta, data


# Snakemake's benchmark files (one per job: s, max_rss, ..., cpu_time).
BENCH_COLUMNS = ("s", "max_rss", "cpu_time")

# snakemake.benchmark's schedule: BENCHMARK_INTERVAL_SHORT for the first 31 samples (from the
# job's start), then BENCHMARK_INTERVAL (tests/tools/test_plan.py checks them against snakemake's).
SAMPLE_SHORT_S, N_SHORT, SAMPLE_LONG_S = 0.5, 31, 30.0


def last_sample_s(wall_s: float) -> float:
    """The time (s from the job's start) of Snakemake's last resource sample of a job that ran
    ``wall_s`` seconds: the time its ``cpu_time`` was read."""
    short_end = SAMPLE_SHORT_S * (N_SHORT - 1)
    if wall_s < short_end:
        return SAMPLE_SHORT_S * math.floor(wall_s / SAMPLE_SHORT_S)
    return short_end + SAMPLE_LONG_S * math.floor((wall_s - short_end) / SAMPLE_LONG_S)


def cpu_estimate(cpu_time: float, wall_s: float) -> float:
    """A job's CPU seconds: the CPU rate up to Snakemake's last sample (``cpu_time`` over
    :func:`last_sample_s`) times the wall time. A job too short for a sample after its start
    counts one busy core for its wall time."""
    t = last_sample_s(wall_s)
    if t <= 0 or cpu_time <= 0:
        return wall_s
    return cpu_time * wall_s / t


def read_benchmark(path: str | Path) -> dict[str, float]:
    """The last row of a Snakemake benchmark file: ``s`` (wall s), ``max_rss`` (MB),
    ``cpu_time`` (s, as sampled) and ``cpu_s`` (:func:`cpu_estimate`). A missing value (``-``,
    written for very short jobs) reads as 0."""
    lines = Path(path).read_text(encoding="utf-8").strip().splitlines()
    head, row = lines[0].split("\t"), lines[-1].split("\t")
    out = {}
    for col in BENCH_COLUMNS:
        try:
            out[col] = float(row[head.index(col)])
        except (ValueError, IndexError):
            out[col] = 0.0
    out["cpu_s"] = cpu_estimate(out["cpu_time"], out["s"])
    return out
