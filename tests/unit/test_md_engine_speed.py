"""The MD engine's list machinery (issue 28): the superset list, the outer list filtered from
it, and the two-pass contact kick give exactly what the direct cell scan and the one-pass kick
give (same pairs, same order, same floating-point sums)."""

from __future__ import annotations

import numpy as np
import pytest

from thermolearn.paper_a.md.engine import (_build_pairs_xy, _contact_kick, _index_bits,
                                           _pair_kick, _pairs_from_superset)


def cell_keys(pos, L, cell, reach):
    """Each disk's key ``cell << bits | index`` on the grid of a scan (the order of its pairs)."""
    n = pos.shape[0]
    nc = int(L / cell)
    nc = nc if nc >= 2 * reach + 1 else 1
    c = np.clip((pos * (nc / L)).astype(np.int64), 0, nc - 1)
    return ((c[:, 1] * nc + c[:, 0]) << _index_bits(n)) | np.arange(n)


def scan(pos, L, cell, r, reach):
    """The pairs of :func:`_build_pairs_xy` (the buffers grown as it asks)."""
    n = pos.shape[0]
    m = -16
    while m < 0:
        pi = np.empty(-m, np.int64)
        pj = np.empty(-m, np.int64)
        m = _build_pairs_xy(pos[:, 0].copy(), pos[:, 1].copy(), L, cell, r, reach, pi, pj,
                            np.empty(n, np.int64), False)
    return pi[:m].copy(), pj[:m].copy()


@pytest.mark.parametrize("seed", range(4))
def test_superset_scan_holds_every_pair_in_key_order(seed):
    """The reach-2 scan (the superset list) holds exactly the pairs closer than r <= 2 cells,
    each once with the smaller key first, sorted by (smaller key, larger key)."""
    rng = np.random.default_rng(seed)
    for _ in range(20):
        L = float(rng.choice([13.0, 30.0, 300.0]))
        n = int(rng.integers(2, 400))
        rlist = float(rng.uniform(0.8, 2.6))
        pos = rng.uniform(0, L, size=(n, 2))
        nc = int(L / rlist)
        r = 2 * L / nc * float(rng.uniform(0.5, 1.0))
        pi, pj = scan(pos, L, rlist, r, 2)
        d2 = ((pos[:, None] - pos[None]) ** 2).sum(-1)
        want = {(i, j) for i, j in zip(*np.triu_indices(n, 1)) if d2[i, j] < r * r}
        assert {(min(a, b), max(a, b)) for a, b in zip(pi, pj)} == want
        assert len(pi) == len(want)
        k = cell_keys(pos, L, rlist, 2)
        assert np.all(k[pi] < k[pj])
        comp = [(a, b) for a, b in zip(k[pi], k[pj])]
        assert comp == sorted(comp)


@pytest.mark.parametrize("seed", range(4))
def test_outer_list_from_the_superset_is_the_cell_scan(seed):
    """After the disks move by less than (r_sup - rlist) / 2, the outer list filtered from the
    superset (and re-sorted) is the direct cell scan's list: same pairs, order, orientation."""
    rng = np.random.default_rng(100 + seed)
    L, rlist = 300.0, 2.5
    for n in (50, 2000):
        lx = float(rng.choice([150.0, 300.0]))
        pos0 = np.column_stack([rng.uniform(0, lx, n), rng.uniform(0, L, n)])
        r_sup = 5.0
        si, sj = scan(pos0, L, rlist, r_sup, 2)
        for step in (0.0, 0.3, 1.2):
            u = rng.normal(size=(n, 2))
            u *= step * rng.uniform(0, 1, (n, 1)) / np.linalg.norm(u, axis=1, keepdims=True)
            pos = np.clip(pos0 + u, 0, L)
            cap = len(si) + 1
            pi = np.empty(cap, np.int64)
            pj = np.empty(cap, np.int64)
            ck = np.empty(cap, np.int64)
            m = _pairs_from_superset(pos[:, 0].copy(), pos[:, 1].copy(), L, rlist, rlist, si, sj,
                                     len(si), pi, pj, ck)
            wi, wj = scan(pos, L, rlist, rlist, 1)
            np.testing.assert_array_equal(pi[:m], wi)
            np.testing.assert_array_equal(pj[:m], wj)


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
