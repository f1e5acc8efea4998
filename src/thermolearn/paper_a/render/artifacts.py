"""The image artifacts of Paper A: one memory-mappable uint8 array per process, and the
table of every state's macroscopic variables.

``results/paper_a/images/<process>.npy``
    uint8, shape (S, F, H, W) = (state, frame, height, width) in the MD artifact's state order,
    H = W = ``paper_a.render.size``; ``np.load(path, mmap_mode="r")`` maps it.
``results/paper_a/images/<process>.json``
    Provenance sidecar: kind ``"paper_a.images"``, the render config (with L, R), the MD
    artifact's config hash, shape, dtype and the pixel convention.
``results/paper_a/states.csv``
    One row per state of every process: ``process, state, split, N, Lx, V, U, T, time``
    (U = total energy, T = kinetic energy / N, both at the state's last frame; time = that
    frame's time).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import numpy as np

from ...io import ArtifactError, atomic_path, write_json
from ...jobs import progress
from ...provenance import provenance
from ..md.artifact import load_md
from .frames import render_frames

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

KIND = "paper_a.images"
STATE_COLUMNS = ["process", "state", "split", "N", "Lx", "V", "U", "T", "time"]
CONVENTION = (
    "img[s, f, h, w]: h along y (row 0 at y = 0), w along x (column 0 at x = 0, piston at "
    "w = Lx * size / L); canvas covers the L x L container, x_px = x * canvas / L; disks 255 on "
    "0 (Pillow ImageDraw.ellipse on (cx - r, cy - r, cx + r, cy + r)), then Lanczos resize; show "
    "with imshow(img, origin='lower')"
)


def render_config(paper_a: Mapping) -> dict:
    """The config values an image depends on: ``paper_a.render`` plus L and R."""
    return {"render": dict(paper_a["render"]),
            "gas": {"L": paper_a["gas"]["L"], "R": paper_a["gas"]["R"]}}


def sidecar_path(path: str | Path) -> Path:
    """The provenance sidecar of an image array: same name, ``.json``."""
    return Path(path).with_suffix(".json")


def write_images(path: str | Path, pos_sfnd: np.ndarray, paper_a: Mapping, meta_extra: Mapping,
                 show_progress: bool = True) -> np.ndarray:
    """Render every state of one process into ``path`` (+ sidecar), atomically.

    Parameters
    ----------
    path : path
        The ``.npy`` output; the sidecar goes beside it (:func:`sidecar_path`).
    pos_sfnd : float array, shape (S, F, N, 2)
        Disk positions (units of R) of S states x F frames.
    paper_a : mapping
        The ``paper_a`` config (``gas.L``, ``gas.R``, ``render``).
    meta_extra : mapping
        Recorded in the sidecar (e.g. ``process``, ``md_config_hash``).

    Returns
    -------
    shape : tuple
        (S, F, size, size).
    """
    cfg = render_config(paper_a)
    r, L, R = cfg["render"], float(cfg["gas"]["L"]), float(cfg["gas"]["R"])
    n_s, n_f = pos_sfnd.shape[:2]
    shape = (n_s, n_f, int(r["size"]), int(r["size"]))
    path = Path(path)
    with atomic_path(path, suffix=".npy") as tmp:
        img_sfhw = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=shape)
        with progress(n_s * n_f, f"render {path.stem}", unit="img",
                      disable=not show_progress) as bar:
            for s in range(n_s):
                img_sfhw[s] = render_frames(pos_sfnd[s], L, R, r["canvas"], r["size"],
                                            method=r["method"])
                bar.update(n_f)
        img_sfhw.flush()
        del img_sfhw
    config = {**cfg, "md_config_hash": meta_extra.get("md_config_hash")}
    meta = provenance(KIND, config, shape=list(shape), dtype="uint8", convention=CONVENTION,
                      **meta_extra)
    write_json(sidecar_path(path), meta)
    return shape


def render_process(md_path: str | Path, out: str | Path, paper_a: Mapping, row: Mapping,
                   show_progress: bool = True) -> None:
    """The ``paper_a_images`` job: images of one process from its MD artifact.

    Parameters
    ----------
    md_path : path
        ``results/paper_a/md/<process>.npz`` (checked against ``paper_a`` and ``row``).
    out : path
        ``results/paper_a/images/<process>.npy``.
    paper_a : mapping
        ``paper_a`` config with ``gas``, ``integrator``, ``protocol`` (to check the MD artifact)
        and ``render``.
    row : mapping
        The process's design row.
    """
    meta, data = load_md(md_path, paper_a, row, arrays=("pos_sfnd",))
    pos_sfnd = data["pos_sfnd"]
    log.info("process %s: %d states x %d frames x %d disks -> %s", row["process"],
             *pos_sfnd.shape[:3], out)
    shape = write_images(out, pos_sfnd, paper_a,
                         {"process": row["process"], "md_config_hash": meta["config_hash"],
                          "md_artifact": Path(md_path).name},
                         show_progress=show_progress)
    log.info("wrote %s, shape %s", out, shape)


def load_images(path: str | Path, size: int | None = None, n_frames: int | None = None,
                n_states: int | None = None) -> np.ndarray:
    """Memory-map one process's images: uint8, shape (S, F, H, W). The only reader of the format.

    Parameters
    ----------
    path : path
        ``results/paper_a/images/<process>.npy``.
    size, n_frames, n_states : int, optional
        Expected H = W, F and S.

    Raises
    ------
    ArtifactError
        Naming ``path`` when it is missing, unreadable, or has the wrong dtype or shape.
    """
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"{path}: image array missing")
    try:
        img = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ArtifactError(f"{path}: truncated or not a .npy array ({exc})") from None
    if not isinstance(img, np.ndarray):
        raise ArtifactError(f"{path}: not a single .npy array")
    if img.dtype != np.uint8:
        raise ArtifactError(f"{path}: dtype {img.dtype}, expected uint8")
    if img.ndim != 4:
        raise ArtifactError(f"{path}: {img.ndim} dimensions {img.shape}, expected 4 "
                            "(state, frame, height, width)")
    if img.shape[2] != img.shape[3]:
        raise ArtifactError(f"{path}: images are {img.shape[2]} x {img.shape[3]}, expected square")
    if size is not None and img.shape[2] != size:
        raise ArtifactError(f"{path}: images are {img.shape[2]} px, expected size {size}")
    if n_frames is not None and img.shape[1] != n_frames:
        raise ArtifactError(f"{path}: {img.shape[1]} frames per state, expected {n_frames}")
    if n_states is not None and img.shape[0] != n_states:
        raise ArtifactError(f"{path}: {img.shape[0]} states, expected {n_states}")
    return img


def load_images_meta(path: str | Path, config_hash: str | None = None) -> dict:
    """Read the provenance sidecar of an image array (``<process>.json``), checking its kind.

    Parameters
    ----------
    path : path
        The ``.npy`` array or its ``.json`` sidecar.
    config_hash : str, optional
        Expected ``config_hash`` (of :func:`render_config` plus ``md_config_hash``).
    """
    side = sidecar_path(path)
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{side}: image sidecar missing") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{side}: unreadable image sidecar ({exc})") from None
    if meta.get("kind") != KIND:
        raise ArtifactError(f"{side}: foreign sidecar: kind {meta.get('kind')!r}, expected {KIND!r}")
    if config_hash is not None and meta.get("config_hash") != config_hash:
        raise ArtifactError(f"{side}: made by another configuration (config hash "
                            f"{meta.get('config_hash')}, expected {config_hash})")
    return meta


def states_table(md_paths: Mapping[str, str | Path], paper_a: Mapping,
                 rows: Mapping[str, Mapping]) -> pd.DataFrame:
    """Macroscopic variables of every state of every process.

    Parameters
    ----------
    md_paths : mapping process -> path
        The MD artifacts (each checked against ``paper_a`` and its design row).
    paper_a : mapping
        ``paper_a`` config with ``gas``, ``integrator``, ``protocol``.
    rows : mapping process -> design row
        Needs ``split`` (and the keys that identify the MD artifact).

    Returns
    -------
    DataFrame
        Columns exactly :data:`STATE_COLUMNS`; one row per state, processes in the given order,
        states in the MD artifact's order. U = total energy and T = kinetic energy / N at the
        state's last frame; time = that frame's time.
    """
    # imported here: pandas adds ~0.3 s to the start of every image job, which never needs it
    import pandas as pd

    keys = ("energy_sf", "ekin_sf", "time_sf", "Lx_s", "V_s", "state_s", "N")
    parts = []
    for process, path in md_paths.items():
        row = rows[process]
        _, d = load_md(path, paper_a, row, arrays=keys)
        n = int(d["N"])
        if n != int(row["N"]):
            raise ArtifactError(f"{path}: N = {n}, but the design says {row['N']}")
        parts.append(pd.DataFrame({
            "process": process, "state": d["state_s"].astype(int), "split": row["split"],
            "N": n, "Lx": d["Lx_s"], "V": d["V_s"], "U": d["energy_sf"][:, -1],
            "T": d["ekin_sf"][:, -1] / n, "time": d["time_sf"][:, -1],
        }))
    if not parts:
        return pd.DataFrame(columns=STATE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[STATE_COLUMNS]
