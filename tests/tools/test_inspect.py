"""``thermolearn inspect`` on every file a smoke run writes, its errors, and closed pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO
from thermolearn.cli import main
from thermolearn.io import save_npz


# the command as a user runs it, on this checkout's sources
CLI_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}


def run_inspect(capsys, *paths) -> tuple[int, str, str]:
    code = main(["inspect", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, out, err


def has_line(out: str, *parts: str) -> bool:
    return any(all(p in line for p in parts) for line in out.splitlines())


# What each kind of output must show (beyond naming the file): its provenance where the file
# carries one, and the summary computed here independently of the inspector.
def check_npz(path, out):
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        assert f'"kind": "{meta["kind"]}"' in out
        assert f'"config_hash": "{meta["config_hash"]}"' in out
        for name in z.files:
            if name != "meta":
                arr = z[name]
                assert has_line(out, f" {name} ", str(arr.dtype), str(arr.shape)), name


def check_npy(path, out):
    img = np.load(path, mmap_mode="r", allow_pickle=False)
    assert '"kind": "paper_a.images"' in out
    assert has_line(out, "uint8", str(img.shape))
    n_s, n_f, h, w = img.shape
    assert f"{n_s} states x {n_f} frames of {h} x {w} px" in out


def check_json(path, out):
    data = json.loads(path.read_text())
    if data.get("kind") == "paper_a.images":
        assert '"kind": "paper_a.images"' in out
        shape = tuple(np.load(path.with_suffix(".npy"), mmap_mode="r").shape)
        assert has_line(out, "uint8", str(shape))
    else:
        if "meta" in data:
            assert f'"kind": "{data["meta"]["kind"]}"' in out
        for key in data:
            if key != "meta":
                assert has_line(out, f"  {key} "), key


def check_table(path, out):
    frame = pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",")
    assert f"table: {len(frame)} rows x {len(frame.columns)} columns" in out
    for col in frame.columns:
        assert has_line(out, f"  {col} ", str(frame[col].dtype)), col


def check_yaml(path, out):
    data = yaml.safe_load(path.read_text())
    for key in data:
        assert has_line(out, f"  {key} "), key
    if path.name == "config_used.yaml":
        assert "comment: code version:" in out


def check_text(path, out):
    assert f"text: {len(path.read_text().splitlines())} lines" in out


def check_png(path, out):
    from PIL import Image

    with Image.open(path) as img:
        w, h = img.size
    assert out.splitlines()[0].endswith("PNG image")
    assert f"image: {w} x {h} px" in out


def check_pt(path, out):
    import torch

    obj = torch.load(path, map_location="cpu", weights_only=True)
    if "state_dict" in obj:  # Paper B: weights plus provenance
        assert '"kind": "paper_b.deepsets"' in out
        obj = obj["state_dict"]
    else:  # the siamese network: a bare state_dict; its provenance is in metrics.json
        assert "provenance: see metrics.json beside it" in out
    assert f"tensors: {len(obj)} ({sum(t.numel() for t in obj.values())} values)" in out
    for name, t in obj.items():
        assert has_line(out, f" {name} ", str(tuple(t.shape))), name


def check_html(path, out):
    assert f"size: {path.stat().st_size} bytes" in out


CHECKS = {".npz": check_npz, ".npy": check_npy, ".json": check_json, ".csv": check_table,
          ".tsv": check_table, ".yaml": check_yaml, ".md": check_text, ".log": check_text,
          ".txt": check_text, ".png": check_png, ".pt": check_pt, ".html": check_html}


@pytest.mark.workflow
def test_inspect_reads_every_file_of_a_smoke_run(smoke_run, capsys):
    files = sorted(p for p in (smoke_run / "results" / "smoke").rglob("*") if p.is_file())
    kinds = set()
    for path in files:
        code, out, err = run_inspect(capsys, path)
        assert (code, err) == (0, ""), f"{path}: {err}"
        assert out.startswith(f"{path}: "), out[:200]
        assert path.suffix in CHECKS, f"{path}: a kind of output this test does not check"
        CHECKS[path.suffix](path, out)
        kinds.add(path.suffix)
    assert kinds >= {".npz", ".npy", ".json", ".csv", ".tsv", ".yaml", ".md", ".log", ".png",
                     ".pt"}, kinds
    # several files at once: each summarised, in order
    a, b = files[0], files[-1]
    code, out, _ = run_inspect(capsys, a, b)
    assert code == 0 and out.index(f"{a}: ") < out.index(f"{b}: ")


def test_truncated_and_foreign_files_are_named(tmp_path, capsys):
    good = tmp_path / "good.npz"
    save_npz(good, {"kind": "test.kind", "config_hash": "abc"}, x=np.arange(5000.0))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.zeros(3))
    foreign_pt = tmp_path / "model.pt"
    foreign_pt.write_bytes(b"certainly not a torch checkpoint\n" * 20)
    foreign_png = tmp_path / "figure.png"
    foreign_png.write_text("hello")
    image = tmp_path / "p000.npy"
    np.save(image, np.zeros((2, 5, 32, 32), np.uint8))
    image.write_bytes(image.read_bytes()[:1000])
    binary_csv = tmp_path / "table.csv"
    binary_csv.write_bytes(bytes(range(256)))
    unknown = tmp_path / "data.bin"
    unknown.write_bytes(b"\x00\x01")
    cases = [
        (truncated, "truncated or corrupt artifact"),
        (plain, "not a thermolearn artifact"),
        (foreign_pt, "truncated, foreign or unsafe PyTorch file"),
        (foreign_png, "truncated or not an image"),
        (image, "truncated or not a .npy array"),
        (binary_csv, "binary data"),
        (unknown, "unknown kind of file '.bin'"),
        (tmp_path / "missing.npz", "no such file"),
        (tmp_path, "is a directory"),
    ]
    for path, phrase in cases:
        code, out, err = run_inspect(capsys, path)
        assert code == 2, path
        assert err.startswith(f"error: {path}: ") and phrase in err, err
        assert out == ""
    # a good file among bad ones is still shown; the exit status reports the failure
    code, out, err = run_inspect(capsys, good, truncated)
    assert code == 2 and '"kind": "test.kind"' in out and str(truncated) in err
    # the installed command: exit status 2, one line naming the file, no traceback
    proc = subprocess.run([sys.executable, "-m", "thermolearn", "inspect", str(truncated)],
                          capture_output=True, text=True, cwd=REPO, env=CLI_ENV,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {truncated}: truncated or corrupt artifact")
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("args", [["design", "config.yaml"], ["check-config", "config.yaml"],
                                  ["inspect", "config.yaml"]], ids=lambda a: a[0])
def test_a_closed_pipe_ends_quietly(args):
    """``thermolearn design config.yaml | head`` : the reader has gone before the writer writes."""
    proc = subprocess.Popen([sys.executable, "-m", "thermolearn", *args], cwd=REPO,
                            env=CLI_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # long before the interpreter has started and written anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == "", err
