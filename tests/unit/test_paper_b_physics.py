"""Paper B physics: the hard-disk step, conservation laws, kinetic theory, the H-functional."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from thermolearn.paper_b.hard_disks import (DiskParams, collision_rate_per_disk, enskog_factor,
                                            initial_state, mean_relative_speed_equilibrium,
                                            simulate, simulate_from, step_numpy)
from thermolearn.paper_b.hfunc import (bin_edges, bin_width, h_delta_peak, h_from_counts,
                                       h_functional, h_rayleigh_binned, h_rayleigh_continuum,
                                       speed_histogram)
from thermolearn.testsystems.disks import hard_disk_deflection, hard_disk_pair

PAPER = DiskParams()  # 1000 disks, r = 0.003, s = 35 * 0.005 / sqrt(2), 60 frames per unit time


def maxwell_state(params: DiskParams, seed: int):
    """Uniform positions, 2D Maxwell velocities with zero momentum and <v^2> = s^2 exactly."""
    rng = np.random.default_rng(seed)
    pos_nd = rng.random((params.n_disks, 2))
    vel_nd = rng.normal(size=(params.n_disks, 2))
    vel_nd -= vel_nd.mean(axis=0)
    vel_nd *= params.speed / math.sqrt((vel_nd**2).sum(axis=1).mean())
    return pos_nd, vel_nd


def test_cell_list_matches_the_numpy_all_pairs_step():
    """The O(N) kernel makes exactly the collisions of the O(N^2) reference, step by step."""
    pos_nd, vel_nd = initial_state(PAPER, np.random.default_rng(11))
    rec = simulate_from(PAPER, pos_nd, vel_nd, 60)
    p, v = pos_nd.copy(), vel_nd.copy()
    counts = [step_numpy(p, v, PAPER.radius, PAPER.dt) for _ in range(60)]
    assert sum(counts) > 300  # the comparison exercises many collisions
    np.testing.assert_array_equal(rec.coll_f[1:], counts)
    np.testing.assert_array_equal(rec.vel_fnd[-1], v)
    np.testing.assert_array_equal(rec.pos_nd, p)


def test_momentum_and_energy_conserved_to_round_off():
    rec = simulate(PAPER, 1500, np.random.default_rng(5))
    assert rec.coll_f.sum() > 20_000
    p_f2 = rec.vel_fnd.sum(axis=1)
    e_f = 0.5 * (rec.vel_fnd**2).sum(axis=(1, 2))
    scale = PAPER.n_disks * PAPER.speed
    assert np.abs(p_f2 - p_f2[0]).max() < 1e-12 * scale
    assert np.abs(e_f / e_f[0] - 1).max() < 1e-12


def test_head_on_collision_exchanges_velocities():
    params, rec = hard_disk_pair(b=0.0, g=0.1, dt=1e-3)
    assert rec.coll_f.sum() == 1
    np.testing.assert_allclose(rec.vel_fnd[-1], [[0.1, 0.0], [0.0, 0.0]], atol=1e-15)


@pytest.mark.parametrize("b_over_d", [0.2, 0.5, 0.8])
def test_oblique_collision_matches_hard_disk_scattering(b_over_d):
    """The relative velocity turns by chi = pi - 2 arcsin(b / d) (reflection on the contact
    normal); a short step makes the detected overlap normal the contact normal."""
    d, g = 0.02, 0.1
    params, rec = hard_disk_pair(b=b_over_d * d, g=g, dt=1e-7 * d / g * 100)
    assert rec.coll_f.sum() == 1
    v_nd = rec.vel_fnd[-1]
    rel = v_nd[1] - v_nd[0]
    chi = math.atan2(rel[1], rel[0])  # incoming relative velocity points along +x
    assert abs(abs(chi) - hard_disk_deflection(b_over_d * d, d)) < 1e-3
    np.testing.assert_allclose(v_nd.sum(axis=0), [g, 0.0], atol=1e-15)
    np.testing.assert_allclose((v_nd**2).sum(), g**2, rtol=1e-13)


def test_receding_overlapping_pair_does_not_collide():
    params = DiskParams(n_disks=2, radius=0.01, speed=0.1, frame_rate=1000.0)
    pos_nd = np.array([[0.5, 0.5], [0.51, 0.5]])  # overlapping, moving apart
    vel_nd = np.array([[-0.1, 0.0], [0.1, 0.0]])
    rec = simulate_from(params, pos_nd, vel_nd, 5)
    assert rec.coll_f.sum() == 0
    np.testing.assert_array_equal(rec.vel_fnd[-1], vel_nd)


def test_equilibrium_speeds_follow_the_2d_maxwell_law():
    """Chi-square goodness of fit of the final speeds of 5 runs (12 collisions per disk) to
    f(v) = (2v/s^2) exp(-v^2/s^2); the same test rejects an early frame."""
    finals, early = [], []
    for seed in range(5):
        rec = simulate(PAPER, 400, np.random.default_rng(100 + seed))
        finals.append(rec.vel_fnd[-1])
        early.append(rec.vel_fnd[20])

    def pvalue(vel_rnd):
        v = np.hypot(*np.moveaxis(np.concatenate(vel_rnd), -1, 0))
        edges = np.linspace(0, 3.2 * PAPER.speed, 25)
        counts = np.histogram(v, bins=np.append(edges, np.inf))[0]
        p = np.diff(-np.expm1(-(np.append(edges, np.inf) ** 2) / PAPER.speed**2))
        chi2 = ((counts - p * len(v)) ** 2 / (p * len(v))).sum()
        return stats.chi2.sf(chi2, len(counts) - 1)

    assert pvalue(finals) > 1e-3
    assert pvalue(early) < 1e-10


def test_collision_rate_at_equilibrium_matches_kinetic_theory():
    """Rate per disk n 2d <|v_rel|> with the Enskog contact value g(2r), at frame rate 600."""
    params = DiskParams(frame_rate=600.0)
    pos_nd, vel_nd = maxwell_state(params, seed=7)
    warm = simulate_from(params, pos_nd, vel_nd, 1200, record=False)  # forget the overlaps
    duration = 15.0
    rec = simulate_from(params, warm.pos_nd, warm.vel_fnd[-1], int(duration * 600), record=False)
    measured = 2 * rec.coll_f.sum() / (params.n_disks * duration)
    theory = collision_rate_per_disk(params, mean_relative_speed_equilibrium(params.speed),
                                     enskog=True)
    assert enskog_factor(params.packing_fraction) == pytest.approx(1.0459, abs=1e-4)
    assert measured == pytest.approx(theory, rel=0.03)


# -------------------------------------------------------------------------------------------
# H-functional
# -------------------------------------------------------------------------------------------


def test_h_of_the_initial_delta_peak_is_minus_log_bin_width():
    rec = simulate(PAPER, 1, np.random.default_rng(3))
    dv = 2 * PAPER.speed / 50
    H0 = h_functional(rec.vel_fnd[:1], PAPER.speed)[0]
    assert H0 == pytest.approx(-math.log(dv), abs=1e-12)
    assert h_delta_peak(PAPER.speed) == pytest.approx(-math.log(dv), abs=1e-12)
    # float32 velocities scatter the peak over the two bins beside the edge at s
    v32 = rec.vel_fnd[:1].astype(np.float32).astype(np.float64)
    assert h_functional(v32, PAPER.speed)[0] < H0 - 0.3


def test_histogram_matches_numpy_including_edges():
    rng = np.random.default_rng(0)
    edges = bin_edges(PAPER.speed)
    vel_fnd = rng.normal(scale=PAPER.speed, size=(4, 3000, 2))
    vel_fnd[0, :3] = [[edges[-1], 0.0], [0.0, edges[7]], [edges[-1] * 1.0000001, 0.0]]
    counts_fb = speed_histogram(vel_fnd, edges)
    for f in range(4):
        speeds = np.hypot(vel_fnd[f, :, 0], vel_fnd[f, :, 1])
        np.testing.assert_array_equal(counts_fb[f], np.histogram(speeds, bins=edges)[0])
        dens = np.histogram(speeds, bins=edges, density=True)[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            H_ref = np.nansum(dens * np.log(dens)) * bin_width(edges)
        assert h_from_counts(counts_fb[f:f + 1], edges)[0] == pytest.approx(H_ref, rel=1e-14)


def _public_code_h(vel_nd: np.ndarray, speed_formula) -> float:
    """H of one frame as the paper's public code computes it (loadmodel.ipynb, the Fig. 5 cell):
    ``sbar = 35 * 0.005 / np.sqrt(2)``, 50 bins on [0, 2 sbar], ``np.histogram(...,
    density=True)``, ``np.nansum(hist * log(hist)) * dv`` with dv the spacing of the centres;
    its speeds are ``np.hypot(vx, vy)``."""
    sbar = 35 * 0.005 / np.sqrt(2)
    bins = np.linspace(0, 2 * sbar, 51)
    sgrid = 0.5 * (bins[1:] + bins[:-1])
    hist, _ = np.histogram(speed_formula(vel_nd), bins=bins, density=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nansum(hist * np.log(hist)) * (sgrid[1] - sgrid[0]))


def test_h_equals_the_public_codes_on_frames_where_the_speed_formula_matters():
    """At t = 0 every speed is s = the histogram's middle edge, up to one ulp; which side of the
    edge a disk falls on depends on how |v| is rounded. The public code takes np.hypot; a
    sqrt(vx**2 + vy**2) implementation puts other disks across the edge and gets another H."""
    from thermolearn.paper_b.runs import run_rng

    rec = simulate(PAPER, 3, run_rng(0, 0))   # run 0 of master seed 0
    ours = h_functional(rec.vel_fnd, PAPER.speed)
    public = [_public_code_h(v, lambda x: np.hypot(x[:, 0], x[:, 1])) for v in rec.vel_fnd]
    sqrt_ = [_public_code_h(v, lambda x: np.sqrt(x[:, 0] ** 2 + x[:, 1] ** 2))
             for v in rec.vel_fnd]
    np.testing.assert_array_equal(ours, public)   # bit for bit
    assert PAPER.speed == 35 * 0.005 / np.sqrt(2)
    # the frames of this run where the formula matters: sqrt moves H by 1e-2 at t = 0
    assert abs(sqrt_[0] - public[0]) > 5e-3 and abs(sqrt_[1] - public[1]) > 5e-3


def test_h_of_a_large_rayleigh_sample_approaches_the_analytic_value():
    rng = np.random.default_rng(1)
    vel = rng.normal(scale=PAPER.speed / math.sqrt(2), size=(1, 2_000_000, 2))
    H = h_functional(vel, PAPER.speed)[0]
    assert H == pytest.approx(h_rayleigh_binned(PAPER.speed), abs=2e-3)
    # binning and the cut at 2 s shift it from the continuum value ln 2 - ln s - gamma/2 - 1
    assert h_rayleigh_binned(PAPER.speed) - h_rayleigh_continuum(PAPER.speed) == pytest.approx(
        0.072, abs=0.01)
