"""Axioms of Paper A: image constructions on synthetic images with known answers, the counting of
pairs and quadruples against brute force, the canonical entropy against its analytic value, the
A1/A5 molecular dynamics (energy, walls, disk counts), the artifacts between the compute and
figure rules, and that the compute rules' code never plots."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from thermolearn.codegraph import import_closure
from thermolearn.io import ArtifactError, save_npz
from thermolearn.paper_a.axioms import analyses, artifacts, canonical
from thermolearn.paper_a.axioms import constructions as cons
from thermolearn.paper_a.axioms.jobs import zpair_role
from thermolearn.paper_a.axioms.reruns import (initial_energy, insert_wall, plan_splits,
                                               rerun_row, split_and_recombine)
from thermolearn.paper_a.md.engine import GasParams, Simulator
from thermolearn.paper_a.md.process import initial_state
from thermolearn.paper_a.render import render_frames

L, R, CANVAS, SIZE = 40.0, 1.0, 320, 32  # 10 canvas px per image px, 0.8 px per R


def grid_disks(Lx: float, spacing: float = 5.0, frames: int = 2, seed: int = 0,
               margin: float = 2.0) -> np.ndarray:
    """Disks on a jittered grid inside [0, Lx] x [0, L], well apart: (F, N, 2)."""
    rng = np.random.default_rng(seed)
    xs = np.arange(0.5 + margin, Lx - margin, spacing)
    ys = np.arange(2.5, L - 2.0, spacing)
    pos = np.array([(x, y) for x in xs for y in ys], np.float64)
    return np.stack([pos + rng.uniform(-0.4, 0.4, pos.shape) for _ in range(frames)])


def blobs(img_hw: np.ndarray) -> int:
    """Number of separate disks drawn in one image."""
    return int(ndimage.label(img_hw > 40)[1])


@pytest.fixture(scope="module")
def half_state():
    """A synthetic state at Lx = L/2 (positions and image)."""
    pos = grid_disks(L / 2)
    return pos, render_frames(pos, L, R, CANVAS, SIZE)


# ---------------------------------------------------------------------------------------------
# constructions
# ---------------------------------------------------------------------------------------------


def test_gas_width_follows_the_pixel_convention(half_state):
    pos, img = half_state
    w = cons.gas_width_px(L / 2, L, SIZE)
    assert w == SIZE // 2
    assert img[..., w + 3:].max() == 0  # behind the piston: at most the Lanczos tails (3 px)
    assert img[..., :w].max() > 0


def test_compound_of_a_state_with_itself(half_state):
    pos, img = half_state
    w = cons.gas_width_px(L / 2, L, SIZE)
    both = cons.compound_x(img, w, img, w)
    # each half holds X's gas region (the Lanczos tails behind the piston are cut)
    assert both.sum(dtype=np.int64) == 2 * img[..., :w].sum(dtype=np.int64)
    for f in range(len(img)):
        assert blobs(both[f]) == 2 * pos.shape[1] == 2 * blobs(img[f])
    # (lam X, (1 - lam) X) stacked along y is X itself, pixel for pixel
    for lam in (0.0, 0.2, 0.5, 0.9, 1.0):
        np.testing.assert_array_equal(cons.scaled_compound(img, w, img, w, lam, "bottom"), img)
    # inputs are never modified
    np.testing.assert_array_equal(img, render_frames(pos, L, R, CANVAS, SIZE))


def test_compound_x_is_the_rendering_of_both_gases():
    """Side by side = drawing X's disks and X''s disks shifted by Lx (away from the seam)."""
    pos = grid_disks(L / 2, margin=5.0)  # Lanczos tails (3 px) do not reach the seam
    img = render_frames(pos, L, R, CANVAS, SIZE)
    pos2 = grid_disks(L / 2, seed=7, margin=5.0)
    img2 = render_frames(pos2, L, R, CANVAS, SIZE)
    w = cons.gas_width_px(L / 2, L, SIZE)
    union = np.concatenate([pos, pos2 + [L / 2, 0.0]], axis=1)
    expect = render_frames(union, L, R, CANVAS, SIZE)
    got = cons.compound_x(img, w, img2, w)
    assert np.abs(got.astype(int) - expect.astype(int)).max() <= 1


def test_fully_masked_state_is_zero_and_lam_one_is_identity(half_state):
    _, img = half_state
    w = cons.gas_width_px(L / 2, L, SIZE)
    for d in cons.DIRECTIONS:
        assert cons.scale(img, w, 0.0, d).max() == 0
        np.testing.assert_array_equal(cons.scale(img, w, 1.0, d)[..., :w], img[..., :w])
    np.testing.assert_array_equal(cons.scale(img, w, 1.0, "bottom"), img)
    # "right" sets everything right of the cut to zero: at lam = 1 the Lanczos tails behind
    # the piston too, so that lam X looks like a gas of volume lam V
    assert cons.scale(img, w, 1.0, "right")[..., w:].max() == 0
    with pytest.raises(ValueError):
        cons.scale(img, w, 1.2, "right")
    with pytest.raises(ValueError):
        cons.scale(img, w, 0.5, "left")


@pytest.mark.parametrize("direction", cons.DIRECTIONS)
@pytest.mark.parametrize("lam", [0.5, 0.7, 0.9])
def test_masked_state_keeps_the_disks_of_its_region(half_state, lam, direction):
    """Blobs left in the image = disk centres in the kept region, up to disks on the cut."""
    pos, img = half_state
    w = cons.gas_width_px(L / 2, L, SIZE)
    masked = cons.scale(img, w, lam, direction)
    n_kept = cons.count_kept(pos, w, lam, direction, L, SIZE)
    px = L / SIZE
    axis = 0 if direction == "right" else 1
    cut = (cons.kept_px(lam, w) if direction == "right"
           else SIZE - cons.kept_px(lam, SIZE)) * px
    on_cut = (np.abs(pos[..., axis] - cut) <= R + px).sum(axis=1)
    for f in range(len(pos)):
        sure = n_kept[f] - (on_cut[f] if direction == "right" else 0)
        n_blobs = blobs(masked[f])
        assert max(sure, 0) - on_cut[f] <= n_blobs <= n_kept[f] + on_cut[f]
        if on_cut[f] == 0:
            assert n_blobs == n_kept[f]
    # the kept fraction of the drawn intensity is about lam (disks on a regular grid)
    kept = masked[..., :w].sum(dtype=np.int64) / img[..., :w].sum(dtype=np.int64)
    assert kept == pytest.approx(lam, abs=0.15)


@pytest.mark.parametrize("direction", cons.DIRECTIONS)
def test_count_exact_keeps_round_lam_n_disks_on_the_kept_side(direction):
    rng = np.random.default_rng(3)
    pos = rng.uniform(1, 39, size=(5, 37, 2))
    for lam in (0.5, 0.6, 0.9):
        kept = cons.keep_count_exact(pos, lam, direction)
        k = round(lam * 37)
        assert kept.shape == (5, k, 2)
        for f in range(5):
            rest = np.array([p for p in pos[f] if not (kept[f] == p).all(axis=1).any()])
            assert len(rest) == 37 - k
            if direction == "right":
                assert kept[f, :, 0].max() <= rest[:, 0].min()
            else:
                assert kept[f, :, 1].min() >= rest[:, 1].max()


def test_embedded_dust(half_state):
    _, img = half_state
    z = np.full_like(img, 200)
    w = cons.gas_width_px(L / 2, L, SIZE)
    np.testing.assert_array_equal(cons.embed(img, z, 0), img)
    for eps in (0.01, 0.05, 0.2):
        side = cons.dust_side_px(eps, w, SIZE)
        assert abs(side**2 - eps * w * SIZE) <= 2 * side + 1  # area eps of Z's gas region
        out = cons.embed(img, z, side)
        assert (out[..., :side, :side] == 200).all()
        np.testing.assert_array_equal(out[..., side:, :], img[..., side:, :])
        np.testing.assert_array_equal(out[..., :, side:], img[..., :, side:])
    assert cons.dust_side_px(1.0, w, SIZE) == w


# ---------------------------------------------------------------------------------------------
# pairs, quadruples, R^2
# ---------------------------------------------------------------------------------------------


def test_r2_identity_is_exact():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert analyses.r2_identity(x, x) == 1.0
    y = x + 0.5  # SS_res = 4 * 0.25, SS_tot = 5
    assert analyses.r2_identity(x, y) == pytest.approx(1 - 1.0 / 5.0)
    assert analyses.r2_fit(x, y) == pytest.approx(1.0)  # a free line hides the offset


def test_pair_agreement_matches_brute_force():
    rng = np.random.default_rng(1)
    s = rng.integers(0, 6, 23).astype(float)  # ties included
    a, b = s + rng.normal(0, 1.5, 23), s + rng.normal(0, 1.5, 23)
    group = rng.integers(0, 2, 23)
    for grp in (None, group):
        n = agree = 0
        for i, j in itertools.permutations(range(23), 2):
            if s[i] <= s[j] and (grp is None or grp[i] == grp[j]):
                n += 1
                agree += a[i] <= b[j]
        assert analyses.pair_agreement(s, a, b, grp, chunk=5) == (n, agree)
    # an order-preserving transform agrees on every pair
    assert analyses.pair_agreement(s, 3 * s + 1)[1] == analyses.pair_agreement(s, s)[0]


def test_quadruple_agreement_matches_brute_force_and_sampling():
    rng = np.random.default_rng(2)
    n = 7
    s = rng.normal(size=n)
    c = s[:, None] + s[None, :] + rng.normal(0, 0.7, (n, n))
    group = np.array([0, 0, 0, 1, 1, 1, 1])
    for grp in (None, group):
        pairs = [(i, j) for i, j in itertools.permutations(range(n), 2)
                 if s[i] <= s[j] and (grp is None or grp[i] == grp[j])]
        agree = sum(c[x, xp] <= c[y, yp] for (x, y) in pairs for (xp, yp) in pairs)
        q = analyses.quadruple_agreement(s, c, grp, chunk=3)
        assert (q["n_pairs"], q["n_used"], q["n_agree"]) == (len(pairs), len(pairs) ** 2, agree)
        assert not q["sampled"]
    s = rng.normal(size=40)  # 780 pairs, 608400 quadruples
    c = s[:, None] + s[None, :] + rng.normal(0, 0.7, (40, 40))
    exact = analyses.quadruple_agreement(s, c)["rate"]
    sampled = analyses.quadruple_agreement(s, c, max_quadruples=200_000, seed=5)
    assert sampled["sampled"] and abs(sampled["rate"] - exact) < 5 * np.sqrt(0.25 / 200_000)
    # an additive entropy satisfies A3 exactly
    assert analyses.quadruple_agreement(s, s[:, None] + s[None, :])["rate"] == 1.0


# ---------------------------------------------------------------------------------------------
# canonical entropy
# ---------------------------------------------------------------------------------------------


def test_canonical_entropy_of_an_additive_entropy_is_the_ly_formula():
    """With S~ = S_vdW and additive compounds, Eq. (1) gives (S - S*) / (S** - S*)."""
    rng = np.random.default_rng(4)
    s = rng.uniform(10, 20, 50)
    lo, hi = canonical.reference_states(s)
    lam_k = np.linspace(0, 1, 11)  # coarse: the interpolation is exact for a linear curve
    g_k = (1 - lam_k) * s[lo] + lam_k * s[hi]
    got = canonical.canonical_entropy(lam_k, g_k, s)
    np.testing.assert_allclose(got, canonical.ly_prediction(s, s[lo], s[hi]), atol=1e-12)
    assert got[lo] == 0.0 and got[hi] == 1.0


def test_flip_lambda_takes_the_supremum():
    lam_k = np.linspace(0, 1, 5)
    g_k = np.array([0.0, 2.0, 1.0, 3.0, 4.0])  # not monotone: below 1.5 at 0 and at 0.5
    assert canonical.flip_lambda(lam_k, g_k, 1.5) == pytest.approx(0.5 + 0.25 * 0.25)
    assert np.isnan(canonical.flip_lambda(lam_k, g_k, -1.0))
    assert canonical.flip_lambda(lam_k, g_k, 9.0) == 1.0
    with pytest.raises(ValueError):
        canonical.reference_states(np.ones(3))


# ---------------------------------------------------------------------------------------------
# A1 reruns and A5 walls
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_gas(smoke_config):
    pa = smoke_config["paper_a"]
    row = {"process": "p000", "N": 30, "v_push": 0.5, "v_pull": 0.5, "dL_push": 20.0,
           "dL_pull": 20.0, "seed": 12345}
    return pa, row


def test_a1_rerun_is_a_new_microstate_of_the_same_macrostate(small_gas, smoke_config):
    pa, row = small_gas
    new = rerun_row(smoke_config["seed"], row)
    assert new["seed"] != row["seed"] and rerun_row(smoke_config["seed"], row) == new
    assert {k: v for k, v in new.items() if k != "seed"} == {
        k: v for k, v in row.items() if k != "seed"}
    e0 = initial_energy(pa, row)
    a, b = initial_state(pa, row), initial_state(pa, new, energy=e0)
    assert b.N == a.N and b.Lx == a.Lx == pa["gas"]["L"]
    assert Simulator(b, GasParams.from_config(pa)).energy() == pytest.approx(e0, rel=1e-12)
    assert np.abs(a.pos_nd - b.pos_nd).max() > 1.0


def test_a5_wall_keeps_the_halves_apart_and_conserves_energy(small_gas):
    pa, row = small_gas
    params = GasParams.from_config(pa)
    st = initial_state(pa, row)
    for axis, lam in ((0, 0.4), (1, 0.5)):
        c_pos = lam * (st.Lx if axis == 0 else params.L)
        split, keep = insert_wall(st.pos_nd, st.vel_nd, st.Lx, params.L, params.R, axis, lam)
        assert (np.abs(st.pos_nd[~keep, axis] - c_pos) < params.R).all()
        assert (np.abs(split.pos_nd[:, axis] - c_pos) >= params.R).all()
        below = int((split.pos_nd[:, axis] < c_pos).sum())
        e0 = Simulator(split.copy(), params).energy()
        pos_s, pos_r, energy = split_and_recombine(split, params, 6.0, 6.0, 5, 1.0, 0.02)
        assert pos_s.shape == pos_r.shape == (5, keep.sum(), 2)
        # with the wall no disk crosses it; the total energy is conserved throughout
        assert ((pos_s[..., axis] < c_pos).sum(axis=1) == below).all()
        assert np.abs(energy - e0).max() / e0 < 1e-2
        assert split.walls_axis.size == 0  # recombined: the wall is gone


def test_a5_plan_is_deterministic_and_spread_over_the_process():
    plan = plan_splits(9, 3, [0.3, 0.5], seed=1, process_seed=2)
    assert [p.state for p in plan] == [0, 4, 8]
    assert plan == plan_splits(9, 3, [0.3, 0.5], seed=1, process_seed=2)
    assert {p.lam for p in plan} <= {0.3, 0.5} and {p.axis for p in plan} <= {0, 1}
    assert len(plan_splits(2, 5, [0.5], 1, 2)) == 2


# ---------------------------------------------------------------------------------------------
# compute rules apart from figures
# ---------------------------------------------------------------------------------------------

COMPUTE_SCRIPTS = [f"paper_a_axiom_{a}" for a in
                   ("a1", "a3", "a4", "a5", "a6", "additivity", "canonical")] + [
    "paper_a_axioms_table"]
PLOTTING_LIBRARIES = {"matplotlib", "seaborn"}


def plotting_in_closure(script: Path) -> list[str]:
    """The files of ``script``'s import closure that plot: a package module named like a
    figure or plot module, or any file that imports a plotting library."""
    found = []
    for path in import_closure(script):
        name = path.stem
        if path != script and ("plot" in name or "figure" in name):
            found.append(str(path))
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            if any(n.split(".")[0] in PLOTTING_LIBRARIES for n in names):
                found.append(str(path))
                break
    return found


@pytest.mark.parametrize("script", COMPUTE_SCRIPTS)
def test_compute_rules_import_no_plotting(repo, script):
    """A figure edit must not rerun a GPU scoring job: no compute script imports, directly,
    indirectly or function-locally, a plotting module."""
    assert plotting_in_closure(repo / "workflow" / "scripts" / f"{script}.py") == []


def test_plotting_detector_sees_the_figure_rules(repo):
    found = plotting_in_closure(repo / "workflow" / "scripts" / "paper_a_axiom_a6_figure.py")
    assert {Path(f).name for f in found} >= {"figures.py", "plotting.py"}


def test_read_samples_names_the_file(tmp_path):
    good = tmp_path / "a1.csv"
    pd.DataFrame({"process": ["p000"], "state": [0], "N": [100], "S": [1.0],
                  "S_rerun": [1.1]}).to_csv(good, index=False)
    assert len(artifacts.read_samples(good, "a1")) == 1
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"process": ["p000"], "S": [1.0]}).to_csv(bad, index=False)
    with pytest.raises(ArtifactError, match=r"bad\.csv.* lacks columns \['state', 'N', 'S_rerun"):
        artifacts.read_samples(bad, "a1")
    with pytest.raises(ArtifactError, match="missing.csv"):
        artifacts.read_samples(tmp_path / "missing.csv", "a1")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ArtifactError, match="empty.csv"):
        artifacts.read_samples(tmp_path / "empty.csv", "a1")


def test_example_round_trip_and_foreign_files(tmp_path):
    img = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    path = tmp_path / "a6_example.npz"
    artifacts.save_example(path, "a6", {"seed": 1}, embedded_fhw=img, eps=0.1, side_px=2)
    got = artifacts.load_example(path, "a6")
    np.testing.assert_array_equal(got["embedded_fhw"], img)
    assert float(got["eps"]) == 0.1 and int(got["side_px"]) == 2
    assert not list(tmp_path.glob(".*"))  # written atomically: no temporary left behind
    with pytest.raises(ArtifactError, match="a6_example.npz.*foreign"):
        artifacts.load_example(path, "a3")
    with pytest.raises(ValueError, match="a6 example takes"):
        artifacts.save_example(tmp_path / "x.npz", "a6", {}, embedded_fhw=img)
    save_npz(tmp_path / "short.npz", {"kind": artifacts.example_kind("a4")}, lam=0.7)
    with pytest.raises(ArtifactError, match="short.npz.*lacks arrays"):
        artifacts.load_example(tmp_path / "short.npz", "a4")


def test_zpair_roles():
    S = np.array([0.5, 2.0, -1.0, 1.0])
    assert zpair_role(S, 1, 2) == "max_min" and zpair_role(S, 2, 1) == "min_max"
    assert zpair_role(S, 0, 3) == "random" and zpair_role(S, 1, 0) == "random"
