"""Paper A images: the fast renderer is bit-identical to Pillow, and the images mean what the
pixel convention says (disk area, intensity, position, orientation)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO, snakemake
from thermolearn.io import ArtifactError
from thermolearn.paper_a.render import load_images, load_images_meta, render_frames, states_table
from thermolearn.paper_a.render.lanczos import lanczos_coeffs, resize_dense
from thermolearn.paper_a.render.reference import render_frame_pillow


def awkward_positions(rng, n_frames, N, L, R, canvas):
    """Positions (F, N, 2) mixing the cases a rasteriser gets wrong: disks across the edges and
    fully outside, overlapping and identical disks, box corners exactly on pixel boundaries,
    box corners in (-1, 0) (C truncation), and ordinary disks."""
    s = canvas / L
    out = np.empty((n_frames, N, 2))
    for f in range(n_frames):
        k = N // 6
        edge = rng.uniform(-2 * R, L + 2 * R, (k, 2))                      # partly/fully outside
        base = rng.uniform(0, L, (k, 1, 2))
        pair = (base + rng.uniform(-2 * R, 2 * R, (k, 2, 2))).reshape(-1, 2)[:k]  # overlaps
        dup = np.repeat(rng.uniform(0, L, (k // 2 + 1, 2)), 2, axis=0)[:k]  # identical disks
        grid = (rng.integers(0, canvas, (k, 2)) + R * s) / s               # cx - r integer
        neg = rng.uniform(0, 1, (k, 2)) / s + R - 1 / s                    # cx - r in (-1, 0)
        rest = rng.uniform(0, L, (N - 5 * k, 2))
        out[f] = np.concatenate([edge, pair, dup, grid, neg, rest])[rng.permutation(N)]
    return out


CONFIGS = [  # (L, R, canvas, size, N): paper, smoke, demo presets and odd ones
    pytest.param(300.0, 1.0, 1560, 256, 2000, id="paper-1560-256"),
    pytest.param(40.0, 1.0, 208, 32, 60, id="smoke-208-32"),
    pytest.param(100.0, 1.0, 520, 96, 400, id="demo-520-96"),
    pytest.param(57.0, 1.7, 301, 47, 150, id="odd-301-47"),
    pytest.param(30.0, 2.5, 150, 150, 40, id="no-resize"),
    pytest.param(25.0, 1.3, 40, 64, 30, id="upsample-40-64"),
    pytest.param(20.0, 6.0, 100, 33, 12, id="huge-disks"),
]


@pytest.mark.parametrize("L,R,canvas,size,N", CONFIGS)
def test_fast_is_bit_identical_to_pillow(L, R, canvas, size, N):
    rng = np.random.default_rng(canvas * 1000 + size)
    pos_fnd = awkward_positions(rng, 3, N, L, R, canvas)
    pos_fnd[0] = pos_fnd[0].astype(np.float32)  # the MD artifact's dtype
    fast = render_frames(pos_fnd, L, R, canvas, size, method="fast")
    ref = render_frames(pos_fnd, L, R, canvas, size, method="pillow")
    assert fast.dtype == np.uint8 and fast.shape == (3, size, size)
    assert ref.max() > 0
    np.testing.assert_array_equal(fast, ref)


def test_float32_positions_give_pillows_image_of_the_same_floats():
    rng = np.random.default_rng(5)
    pos32 = rng.uniform(0, 300, (2, 500, 2)).astype(np.float32)
    fast = render_frames(pos32, 300.0, 1.0, 1560, 256)
    np.testing.assert_array_equal(fast[1], render_frame_pillow(pos32[1], 300.0, 1.0, 1560, 256))


@pytest.mark.parametrize("n_in,n_out", [(1560, 256), (208, 32), (97, 13), (40, 64)])
def test_integer_lanczos_matches_pillow_on_dense_images(n_in, n_out):
    """The weights (and so every output) equal Pillow's also for grey, dense images."""
    from PIL import Image

    img = np.random.default_rng(n_in).integers(0, 256, (n_in, n_in), dtype=np.uint8)
    ref = np.asarray(Image.fromarray(img).resize((n_out, n_out), Image.LANCZOS))
    np.testing.assert_array_equal(resize_dense(img, (n_out, n_out)), ref)
    co = lanczos_coeffs(n_in, n_out)
    sums = co.k_oj.sum(axis=1)  # each window's weights sum to 1 (2**22) up to rounding
    assert np.all(np.abs(sums - 2**22) <= co.count_o)


def float_lanczos(img_hw: np.ndarray, n_out: int) -> np.ndarray:
    """Independent float Lanczos-3 (antialiased, windows of 3 * scale), clipped, no rounding."""
    n_in = img_hw.shape[0]
    scale = n_in / n_out
    x_i = np.arange(n_in) + 0.5
    c_o = (np.arange(n_out) + 0.5) * scale
    d_oi = (x_i[None, :] - c_o[:, None]) / scale
    w_oi = np.where(np.abs(d_oi) < 3, np.sinc(d_oi) * np.sinc(d_oi / 3), 0.0)
    w_oi /= w_oi.sum(axis=1, keepdims=True)
    tmp = np.clip(img_hw @ w_oi.T, 0, 255)
    return np.clip(w_oi @ tmp, 0, 255)


def test_images_agree_with_an_independent_float_lanczos():
    """Pillow's fixed point rounds twice (after each pass): within 1.5 grey levels of exact."""
    L, R, canvas, size = 100.0, 1.0, 520, 96
    pos = np.random.default_rng(11).uniform(0, L, (1, 300, 2))
    canvas_hw = render_frames(pos, L, R, canvas, canvas)[0].astype(float)  # raster only
    img = render_frames(pos, L, R, canvas, size)[0].astype(float)
    diff = np.abs(img - float_lanczos(canvas_hw, size))
    assert diff.max() < 1.5 and diff.mean() < 0.2


def isolated_positions(rng, N, L, R, gap=4.0):
    """N disk centres at least ``gap`` R apart and inside the container (rejection)."""
    pos = []
    while len(pos) < N:
        p = rng.uniform(2 * R, L - 2 * R, 2)
        if all(np.hypot(*(p - q)) > gap * R for q in pos):
            pos.append(p)
    return np.array(pos)


def test_disk_area_and_total_intensity():
    """A disk covers pi (r + 1/2)^2 canvas pixels (Pillow's box includes both end pixels), and
    the resize keeps the total intensity: sum(img) ~ N pi (r + 1/2)^2 255 (size/canvas)^2.
    Clipping the Lanczos ringing below 0 only adds, by a few per cent."""
    L, R, canvas, size, N = 300.0, 1.0, 1560, 256, 400
    pos = isolated_positions(np.random.default_rng(2), N, L, R)[None]
    r = R * canvas / L
    area = np.pi * (r + 0.5) ** 2
    lit = (render_frames(pos, L, R, canvas, canvas)[0] == 255).sum()
    assert lit / (N * area) == pytest.approx(1.0, abs=0.03)
    total = render_frames(pos, L, R, canvas, size)[0].sum(dtype=np.int64)
    expect = N * area * 255 * (size / canvas) ** 2
    assert 0.97 < total / expect < 1.15


@pytest.mark.parametrize("x,y", [(7.3, 31.0), (30.0, 12.6), (20.0, 20.0)])
def test_pixel_convention_rows_are_y_columns_are_x(x, y):
    """A lone disk's intensity centroid is at (w, h) = (x, y) * size / L in continuous pixel
    coordinates (pixel i covers [i, i + 1)), within Pillow's +-1/2 canvas pixel box rule."""
    L, R, canvas, size = 40.0, 1.0, 208, 32
    img = render_frames(np.array([[[x, y]]]), L, R, canvas, size)[0].astype(float)
    h, w = np.indices(img.shape) + 0.5
    cw, ch = (img * w).sum() / img.sum(), (img * h).sum() / img.sum()
    tol = 0.5 * size / canvas + 0.05
    assert abs(cw - x * size / L) < tol
    assert abs(ch - y * size / L) < tol


def test_render_frames_rejects_bad_input():
    with pytest.raises(ValueError, match="frames, disks, 2"):
        render_frames(np.zeros((5, 2)), 10.0, 1.0, 52, 8)
    with pytest.raises(ValueError, match="unknown render method"):
        render_frames(np.zeros((1, 5, 2)), 10.0, 1.0, 52, 8, method="cairo")
    with pytest.raises(ValueError, match="finite"):
        render_frames(np.full((1, 5, 2), np.nan), 10.0, 1.0, 52, 8)


def test_load_images_names_the_bad_file(tmp_path):
    bad = tmp_path / "p001.npy"
    np.save(bad, np.zeros((2, 5, 8, 8), np.float32))
    with pytest.raises(ArtifactError, match="p001.npy.*uint8"):
        load_images(bad)
    np.save(bad, np.zeros((5, 8, 8), np.uint8))
    with pytest.raises(ArtifactError, match="p001.npy.*4"):
        load_images(bad)
    bad.write_bytes(b"\x93NUMPY truncated")
    with pytest.raises(ArtifactError, match="p001.npy"):
        load_images(bad)
    np.save(bad, np.zeros((3, 5, 8, 8), np.uint8))
    assert load_images(bad, size=8, n_frames=5, n_states=3).shape == (3, 5, 8, 8)
    with pytest.raises(ArtifactError, match="p001.npy: 3 states, expected 4"):
        load_images(bad, n_states=4)
    with pytest.raises(ArtifactError, match="p001.npy: 5 frames per state, expected 4"):
        load_images(bad, n_frames=4)


def test_the_siamese_network_reads_images_through_the_one_reader(tmp_path):
    """Training and scoring read images with render.load_images (no second reader of the
    format): its checks name the file."""
    from thermolearn.paper_a.siamese import data, infer

    assert "load_images" in vars(infer) and "read_images" not in vars(data)
    path = tmp_path / "p002.npy"
    np.save(path, np.zeros((3, 5, 8, 8), np.uint8))
    with pytest.raises(ArtifactError, match="p002.npy: 3 states, expected 2"):
        load_images(path, size=8, n_frames=5, n_states=2)
    np.save(path, np.zeros((3, 5, 8, 8), np.float32))
    with pytest.raises(ArtifactError, match="p002.npy: dtype float32, expected uint8"):
        load_images(path)


@pytest.mark.workflow
def test_images_rule_on_smoke_preset(tmp_path, smoke_config):
    """Snakemake renders a process of the smoke preset; the artifact is Pillow's rendering of
    the MD positions, in the MD state order, and the states table obeys the first law."""
    from thermolearn.paper_a.design import make_design
    from thermolearn.paper_a.md.job import load_md

    targets = ["results/smoke/paper_a/images/p000.npy", "results/smoke/paper_a/figures/fig1b.png"]
    snakemake(tmp_path, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), *targets,
              "--configfile", str(REPO / "presets" / "smoke.yaml"))
    pa = smoke_config["paper_a"]
    row = make_design(smoke_config).to_dict("records")[0]
    md_path = tmp_path / "results/smoke/paper_a/md/p000.npz"
    md_meta, md = load_md(md_path, pa, row)

    img = load_images(tmp_path / targets[0], size=pa["render"]["size"],
                      n_frames=pa["protocol"]["n_frames"])
    assert isinstance(img, np.memmap)
    L, R = pa["gas"]["L"], pa["gas"]["R"]
    for s in range(img.shape[0]):
        ref = render_frames(md["pos_sfnd"][s], L, R, pa["render"]["canvas"],
                            pa["render"]["size"], method="pillow")
        np.testing.assert_array_equal(img[s], ref)
    meta = load_images_meta(tmp_path / targets[0])
    assert meta["md_config_hash"] == md_meta["config_hash"]
    assert meta["config"]["render"] == pa["render"] and meta["shape"] == list(img.shape)
    # the disks behind the piston are not there: columns beyond Lx are dark at Lx = L/2
    s_half = int(np.argmin(md["Lx_s"]))
    w_piston = int(np.ceil(md["Lx_s"][s_half] * img.shape[-1] / L)) + 2
    assert img[s_half, :, :, w_piston:].max() == 0 and img[s_half].max() > 0

    table = states_table({"p000": md_path}, pa, {"p000": row})
    assert list(table.columns) == ["process", "state", "split", "N", "Lx", "V", "U", "T", "time"]
    assert len(table) == img.shape[0] and (table["split"] == row["split"]).all()
    np.testing.assert_allclose(table["V"], L * table["Lx"])
    # first law: U_s - U_0 = piston work (adiabatic), within the integrator's bound
    # (md/fidelity.py; U_0 is the first state's last frame, so E0 of the bound is near it)
    from thermolearn.paper_a.md.fidelity import first_law_excess

    dev_s = table["U"].to_numpy() - md["energy_sf"][0, 0] - md["work_s"]
    np.testing.assert_allclose(table["U"], md["energy_sf"][:, -1], rtol=1e-12)
    assert first_law_excess(dev_s, md["t_dx_s"], md["t2_dx_s"],
                            pa["integrator"]["dt"]).max() <= 1.0
    # T = K / N: compression heats the gas
    assert table["T"].iloc[s_half] > table["T"].iloc[0]
