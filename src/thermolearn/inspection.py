"""What ``thermolearn inspect`` shows of each kind of file the workflow writes.

:func:`describe` reads one file with the safe readers of the package (``np.load`` without
pickles, ``torch.load(weights_only=True)``, ``yaml.safe_load``) and returns a :class:`Summary`:
what the file is, the provenance record it carries (if any) and a short summary of its content.
Every failure is an :class:`~thermolearn.io.ArtifactError` that names the file.

(Named ``inspection`` rather than ``inspect`` so that it never shadows the standard library.)
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml
from PIL import Image, UnidentifiedImageError

from .io import ArtifactError, load_npz
from .paper_a.render.artifacts import KIND as IMAGES_KIND
from .paper_a.render.artifacts import load_images, load_images_meta, sidecar_path

MAX_ITEMS = 40  # keys/tensors listed before "... and N more"


@dataclass
class Summary:
    path: Path
    what: str
    meta: dict | None = None
    lines: list[str] = field(default_factory=list)

    def render(self) -> str:
        out = [f"{self.path}: {self.what}"]
        if self.meta is not None:
            out.append("provenance:")
            out += ["  " + line for line in
                    json.dumps(self.meta, indent=2, sort_keys=True, default=str).splitlines()]
        return "\n".join(out + self.lines)


def describe(path: str | Path) -> Summary:
    """A :class:`Summary` of ``path``, chosen by its suffix.

    Raises
    ------
    ArtifactError
        Naming ``path`` when it is missing, of an unknown kind, truncated, foreign or unreadable.
    """
    path = Path(path)
    if not path.exists():
        raise ArtifactError(f"{path}: no such file")
    if path.is_dir():
        raise ArtifactError(f"{path}: is a directory (inspect reads one file)")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ArtifactError(f"{path}: unknown kind of file {path.suffix or '(no suffix)'!r}; "
                            f"inspect reads {', '.join(sorted(READERS))}")
    try:
        return reader(path)
    except ArtifactError:
        raise
    except Exception as exc:  # noqa: BLE001 - any other failure still names the file, no traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ArtifactError(f"{path}: unreadable ({type(exc).__name__}: {first})") from None


# --- arrays -----------------------------------------------------------------------------------


def _array_line(name: str, dtype, shape) -> str:
    return f"  {name:16s} {str(np.dtype(dtype)):8s} {tuple(shape)}"


def _npz(path: Path) -> Summary:
    meta, _ = load_npz(path, arrays=False)  # checks the zip and the meta record
    lines = ["arrays:"]
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()  # reads every member once: a corrupt one fails its CRC
            if bad is not None:
                raise ArtifactError(f"{path}: corrupt artifact (member {bad} fails its checksum)")
            for info in zf.infolist():
                name = info.filename.removesuffix(".npy")
                if name == "meta":
                    continue
                with zf.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(fh)
                lines.append(_array_line(name, dtype, shape))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: truncated or corrupt artifact "
                            f"({type(exc).__name__}: {exc})") from None
    return Summary(path, f"thermolearn artifact (.npz), kind {meta.get('kind')!r}", meta, lines)


def _npy(path: Path) -> Summary:

    side = sidecar_path(path)
    if not side.exists():
        try:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise ArtifactError(f"{path}: truncated or not a .npy array ({exc})") from None
        return Summary(path, f".npy array without a provenance sidecar ({side.name} missing)",
                       None, ["array:", _array_line("array", arr.dtype, arr.shape)])
    meta = load_images_meta(path)
    img = load_images(path)
    _check_sidecar_shape(path, meta, img.shape)
    return Summary(path, f"image array (.npy), kind {meta['kind']!r}, provenance in {side.name}",
                   meta, _image_stack_lines(img.shape))


def _image_stack_lines(shape) -> list[str]:
    n_s, n_f, h, w = shape
    return [f"images: {n_s} states x {n_f} frames of {h} x {w} px",
            "array:", _array_line("img_sfhw", np.uint8, shape)]


def _check_sidecar_shape(path: Path, meta: dict, shape) -> None:
    if "shape" in meta and list(meta["shape"]) != list(shape):
        raise ArtifactError(f"{path}: the array has shape {tuple(shape)} but its sidecar "
                            f"records {tuple(meta['shape'])}")


# --- text formats -----------------------------------------------------------------------------


def _text(path: Path) -> str:
    data = path.read_bytes()
    if b"\0" in data:
        raise ArtifactError(f"{path}: binary data, not a {path.suffix} text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"{path}: not UTF-8 text ({exc})") from None


def _value(v) -> str:
    if isinstance(v, dict):
        return f"{{{len(v)} keys}}"
    if isinstance(v, list):
        return f"[{len(v)} items]"
    text = json.dumps(v, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _key_lines(title: str, mapping: dict) -> list[str]:
    lines = [f"{title}:"]
    items = list(mapping.items())
    for k, v in items[:MAX_ITEMS]:
        lines.append(f"  {str(k):24s} {_value(v)}")
    if len(items) > MAX_ITEMS:
        lines.append(f"  ... and {len(items) - MAX_ITEMS} more")
    return lines


def _is_meta(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("kind"), str)


def _json(path: Path) -> Summary:

    try:
        data = json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path}: truncated or not JSON ({exc})") from None
    if isinstance(data, dict) and data.get("kind") == IMAGES_KIND:
        meta = load_images_meta(path)
        npy = path.with_suffix(".npy")
        if not npy.exists():
            return Summary(path, f"image sidecar, kind {IMAGES_KIND!r}", meta,
                           [f"its array {npy.name} is missing"])
        img = load_images(npy)
        _check_sidecar_shape(npy, meta, img.shape)
        return Summary(path, f"image sidecar of {npy.name}, kind {IMAGES_KIND!r}", meta,
                       _image_stack_lines(img.shape))
    if isinstance(data, dict) and _is_meta(data.get("meta")):
        rest = {k: v for k, v in data.items() if k != "meta"}
        return Summary(path, f"JSON record, kind {data['meta']['kind']!r}", data["meta"],
                       _key_lines("values", rest))
    if _is_meta(data):
        return Summary(path, f"JSON provenance record, kind {data['kind']!r}", data)
    if isinstance(data, dict):
        return Summary(path, "JSON object (no provenance record)", None, _key_lines("keys", data))
    return Summary(path, f"JSON {type(data).__name__} (no provenance record)", None,
                   [f"value: {_value(data)}"])


def _table(path: Path) -> Summary:
    text = _text(path)
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep)
    except pd.errors.EmptyDataError:
        raise ArtifactError(f"{path}: empty table (no header)") from None
    except pd.errors.ParserError as exc:
        raise ArtifactError(f"{path}: not a {path.suffix} table ({exc})") from None
    lines = [f"table: {len(frame)} rows x {len(frame.columns)} columns", "columns:"]
    lines += [f"  {str(c):24s} {frame[c].dtype}" for c in frame.columns]
    what = f"{path.suffix[1:].upper()} table"
    if {"s", "max_rss"} <= set(frame.columns) and len(frame):
        what = "Snakemake benchmark (TSV)"
        lines.insert(1, f"wall time {frame['s'].iloc[0]} s, max RSS {frame['max_rss'].iloc[0]} MB")
    return Summary(path, what, None, lines)


def _yaml(path: Path) -> Summary:

    text = _text(path)
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# ").rstrip())
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ArtifactError(f"{path}: not valid YAML ({exc})") from None
    lines = [f"comment: {h}" for h in header if h]
    if isinstance(data, dict):
        what = "YAML mapping"
        lines += _key_lines("top-level keys", data)
    else:
        what = f"YAML {type(data).__name__}"
    return Summary(path, what, None, lines)


def _plain(path: Path) -> Summary:
    text = _text(path)
    lines = text.splitlines()
    kind = {".md": "Markdown", ".log": "log", ".txt": "text"}[path.suffix.lower()]
    out = [f"text: {len(lines)} lines, {len(text.encode())} bytes"]
    if path.suffix.lower() == ".md":
        title = next((ln for ln in lines if ln.startswith("#")), None)
        if title:
            out.append(f"title: {title.lstrip('# ')}")
        n_rows = sum(1 for ln in lines if ln.startswith("|"))
        if n_rows:
            out.append(f"table lines: {n_rows}")
    elif lines:
        out.append(f"first line: {lines[0][:120]}")
        if len(lines) > 1:
            out.append(f"last line:  {lines[-1][:120]}")
    return Summary(path, kind if lines else f"{kind} (empty)", None, out)


def _html(path: Path) -> Summary:
    text = _text(path)
    title = re.search(r"<title>(.*?)</title>", text, re.S | re.I)
    out = [f"size: {len(text.encode())} bytes"]
    if title:
        out.insert(0, f"title: {title.group(1).strip()}")
    return Summary(path, "HTML page", None, out)


# --- binary formats ---------------------------------------------------------------------------


def _image(path: Path) -> Summary:

    try:
        with Image.open(path) as img:
            img.load()  # decodes every pixel: a truncated file fails here
            size, mode, fmt = img.size, img.mode, img.format
            info = {k: v for k, v in img.info.items() if isinstance(v, str)}
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ArtifactError(f"{path}: truncated or not an image ({exc})") from None
    lines = [f"image: {size[0]} x {size[1]} px, mode {mode}"]
    lines += [f"  {k}: {v[:100]}" for k, v in info.items()]
    return Summary(path, f"{fmt} image", None, lines)


def _torch(path: Path) -> Summary:
    try:
        import torch  # here: torch only for .pt files (start-up time)
    except ImportError:
        raise ArtifactError(f"{path}: reading .pt files needs PyTorch (not installed)") from None
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types; re-raised naming the file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ArtifactError(f"{path}: truncated, foreign or unsafe PyTorch file (weights_only "
                            f"load failed: {type(exc).__name__}: {first})") from None
    meta = None
    content = obj
    what = "PyTorch file"
    if isinstance(obj, dict) and "state_dict" in obj and "meta" in obj:
        # Paper B models: {"state_dict", "meta": {"json": <provenance as JSON>}}
        raw = obj["meta"]
        meta = json.loads(raw["json"]) if isinstance(raw, dict) and "json" in raw else raw
        content = obj["state_dict"]
        what = "PyTorch model (state_dict + provenance)"
    elif isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        what = "PyTorch state_dict (no provenance inside)"
    tensors: list[tuple[str, torch.Tensor]] = []
    scalars: list[tuple[str, object]] = []
    _walk(content, "", tensors, scalars, torch.Tensor)
    lines = []
    if meta is None and (path.parent / "metrics.json").exists():
        lines.append("provenance: see metrics.json beside it")
    n_values = sum(t.numel() for _, t in tensors)
    lines.append(f"tensors: {len(tensors)} ({n_values} values)")
    for name, t in tensors[:MAX_ITEMS]:
        lines.append(f"  {name:24s} {str(t.dtype).removeprefix('torch.'):8s} {tuple(t.shape)}")
    if len(tensors) > MAX_ITEMS:
        lines.append(f"  ... and {len(tensors) - MAX_ITEMS} more")
    if scalars:
        lines.append("values:")
        lines += [f"  {k:24s} {_value(v)}" for k, v in scalars[:MAX_ITEMS]]
        if len(scalars) > MAX_ITEMS:
            lines.append(f"  ... and {len(scalars) - MAX_ITEMS} more")
    return Summary(path, what, meta, lines)


def _walk(obj, prefix: str, tensors: list, scalars: list, tensor_type) -> None:
    """Flatten nested dicts/lists (checkpoints hold optimizer states) into dotted names."""
    if isinstance(obj, tensor_type):
        tensors.append((prefix or "tensor", obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _walk(v, f"{prefix}.{k}" if prefix else str(k), tensors, scalars, tensor_type)
    elif isinstance(obj, (list, tuple)) and any(isinstance(v, (dict, list, tuple, tensor_type))
                                                for v in obj):
        for i, v in enumerate(obj):
            _walk(v, f"{prefix}.{i}" if prefix else str(i), tensors, scalars, tensor_type)
    else:
        scalars.append((prefix or "value", obj))


READERS: dict[str, Callable[[Path], Summary]] = {
    ".npz": _npz, ".npy": _npy, ".json": _json, ".csv": _table, ".tsv": _table,
    ".yaml": _yaml, ".yml": _yaml, ".md": _plain, ".log": _plain, ".txt": _plain,
    ".html": _html, ".png": _image, ".jpg": _image, ".jpeg": _image,
    ".pt": _torch, ".pth": _torch,
}
