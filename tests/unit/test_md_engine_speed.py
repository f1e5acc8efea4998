"""The MD engine's list machinery (issue 28): the cell scan and the superset list hold exactly
the pairs within their radius, the outer list filtered from the superset is the cell scan's set
of pairs, the two-pass contact kick gives the one-pass sums bit for bit, and the whole engine
agrees with plain velocity Verlet on direct-sum forces to round-off: the lists decide which
pairs are looked at and in what order, not the physics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from thermolearn.paper_a.md.engine import (GasParams, MDState, Simulator, _build_pairs_xy,
                                           _contact_kick, _index_bits, _near_pairs, _pair_kick,
                                           compute_forces)
from thermolearn.paper_a.md.initial import random_state


def cell_keys(pos, L, cell):
    """Each disk's key ``cell << bits | index`` on the grid of a scan (the order of its pairs)."""
    n = pos.shape[0]
    nc = int(L / cell)
    nc = nc if nc >= 3 else 1
    c = np.clip((pos * (nc / L)).astype(np.int64), 0, nc - 1)
    return ((c[:, 1] * nc + c[:, 0]) << _index_bits(n)) | np.arange(n)


def scan(pos, L, cell, r):
    """The pairs of :func:`_build_pairs_xy` (the buffers grown as it asks)."""
    n = pos.shape[0]
    m = -16
    while m < 0:
        pi = np.empty(-m, np.int64)
        pj = np.empty(-m, np.int64)
        m = _build_pairs_xy(pos[:, 0].copy(), pos[:, 1].copy(), L, cell, r, pi, pj,
                            np.empty(n, np.int64), False)
    return pi[:m].copy(), pj[:m].copy()


@pytest.mark.parametrize("seed", range(4))
def test_cell_scan_holds_every_pair_in_key_order(seed):
    """The cell scan (of the outer list, and of the superset on its coarser grid) holds exactly
    the pairs closer than r <= one cell, each once with the smaller key first, sorted by
    (smaller key, larger key)."""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        L = float(rng.choice([13.0, 30.0, 300.0]))
        n = int(rng.integers(2, 400))
        cell = float(rng.uniform(0.8, 5.2))
        pos = rng.uniform(0, L, size=(n, 2))
        r = L / int(L / cell) * float(rng.uniform(0.5, 1.0))
        pi, pj = scan(pos, L, cell, r)
        d2 = ((pos[:, None] - pos[None]) ** 2).sum(-1)
        want = {(i, j) for i, j in zip(*np.triu_indices(n, 1)) if d2[i, j] < r * r}
        assert {(min(a, b), max(a, b)) for a, b in zip(pi, pj)} == want
        assert len(pi) == len(want)
        k = cell_keys(pos, L, cell)
        assert np.all(k[pi] < k[pj])
        comp = [(a, b) for a, b in zip(k[pi], k[pj])]
        assert comp == sorted(comp)


@pytest.mark.parametrize("seed", range(4))
def test_outer_list_from_the_superset_is_the_cell_scans_pairs(seed):
    """After the disks move by less than (r_sup - rlist) / 2, the outer list filtered from the
    superset holds the direct cell scan's pairs, in the superset's order and orientation."""
    rng = np.random.default_rng(100 + seed)
    L, rlist, r_sup = 300.0, 2.5, 5.0
    for n in (50, 2000):
        lx = float(rng.choice([150.0, 300.0]))
        pos0 = np.column_stack([rng.uniform(0, lx, n), rng.uniform(0, L, n)])
        si, sj = scan(pos0, L, r_sup, r_sup)
        rank = {pair: a for a, pair in enumerate(zip(si, sj))}
        for step in (0.0, 0.3, 1.2):
            u = rng.normal(size=(n, 2))
            u *= step * rng.uniform(0, 1, (n, 1)) / np.linalg.norm(u, axis=1, keepdims=True)
            pos = np.clip(pos0 + u, 0, L)
            cap = len(si) + 1
            pi = np.empty(cap, np.int64)
            pj = np.empty(cap, np.int64)
            m = _near_pairs(pos[:, 0].copy(), pos[:, 1].copy(), si, sj, len(si), rlist * rlist,
                            pi, pj)
            wi, wj = scan(pos, L, rlist, rlist)
            got = list(zip(pi[:m], pj[:m]))
            assert {(min(a, b), max(a, b)) for a, b in got} == {
                (min(a, b), max(a, b)) for a, b in zip(wi, wj)}
            assert len(got) == len(wi)
            ranks = [rank[pair] for pair in got]  # KeyError: a pair the superset lacks
            assert ranks == sorted(ranks)


def test_the_pair_lists_only_round():
    """Over 2,000 steps of a dense gas (packing fraction 0.35, 2.5 times the paper's densest;
    walls and piston included, disks in two contacts at once) the engine agrees to round-off
    with plain velocity Verlet on direct O(N^2) forces: its lists (superset, outer, inner,
    kicked), free flight and merged half kicks change the floating-point order of a step, not
    the physics. Measured: 4e-12 in x, 2e-11 in v (round-off grown by the stiff contacts); one
    missed contact step would be off by dt C (overlap) / m, ~1e-4 or more."""
    p = GasParams(L=150.0)
    st = random_state(500, p, 1.0, np.random.default_rng(11), Lx=30.0)
    walls_axis, walls_pos = st.walls_axis, st.walls_pos
    pos, vel = st.pos_nd.copy(), st.vel_nd.copy()
    sim = Simulator(MDState(pos.copy(), vel.copy(), st.Lx), p)
    sim.hold(2000)
    f, _ = compute_forces(pos, st.Lx, p.L, p.R, p.C, walls_axis, walls_pos)
    h = 0.5 * p.dt / p.mass
    multi = 0
    for k in range(2000):
        vel += h * f
        pos += p.dt * vel
        f, _ = compute_forces(pos, st.Lx, p.L, p.R, p.C, walls_axis, walls_pos)
        vel += h * f
        if k % 10 == 0:
            touch = cKDTree(pos).query_pairs(2.0 * p.R, output_type="ndarray")
            multi += int((np.bincount(touch.ravel(), minlength=len(pos)) > 1).sum())
    assert multi > 10  # disks in two contacts at once (every 10th step): the order of their sums
    assert np.abs(sim.state.pos_nd - pos).max() < 1e-10
    assert np.abs(sim.state.vel_nd - vel).max() < 1e-9


def test_contact_kick_is_the_pair_kick_bit_for_bit():
    """The two-pass kick (find contacts, then kick them in list order) gives the one-pass sums
    to the last bit, also for disks in several contacts at once."""
    rng = np.random.default_rng(7)
    multi = 0
    for _ in range(50):
        n = int(rng.integers(10, 60))
        pos = rng.uniform(0, 6.0, size=(n, 2))  # crowded: many disks in 2-4 contacts
        iu = np.triu_indices(n, 1)
        keep = rng.uniform(size=iu[0].size) < 0.5
        pi = np.ascontiguousarray(iu[0][keep])
        pj = np.ascontiguousarray(iu[1][keep])
        flip = rng.uniform(size=pi.size) < 0.5
        pi[flip], pj[flip] = pj[flip], pi[flip]
        order = rng.permutation(pi.size)
        pi, pj = pi[order].copy(), pj[order].copy()
        x, y = pos[:, 0].copy(), pos[:, 1].copy()
        v0 = rng.normal(size=(2, n))
        va, vb = v0.copy(), v0.copy()
        _pair_kick(x, y, va[0], va[1], pi, pj, pi.size, 0.002, 1.0, 1e4)
        _contact_kick(x, y, vb[0], vb[1], pi, pj, pi.size, 0.002, 1.0, 1e4,
                      np.empty(pi.size, np.int64))
        np.testing.assert_array_equal(va, vb)
        touching = ((pos[pi] - pos[pj]) ** 2).sum(-1) < 4.0
        multi += np.bincount(np.r_[pi[touching], pj[touching]], minlength=n).max() > 1
    assert multi > 40  # disks in several contacts at once were kicked
