"""The piston protocol, the per-process artifact, determinism and the process design."""

from __future__ import annotations

import json

import numpy as np
import pytest

from thermolearn.io import ArtifactError, load_npz
from thermolearn.paper_a.design import make_design
from thermolearn.paper_a.md.fidelity import first_law_excess
from thermolearn.paper_a.md.job import load_md, run_md_job
from thermolearn.paper_a.md.protocol import n_states, schedule


def test_schedule_visits_the_right_piston_positions():
    segs = schedule(300, 150, 3, 0.5, 0.1, 75, 50, t_eq=300, t_hold=200, dt=0.001)
    holds = [s for s in segs if s.record]
    assert len(holds) == n_states(300, 150, 3, 75, 50) == 1 + 3 * (2 + 3)
    lx = [s.Lx_a for s in holds]
    assert lx[:6] == [300, 225, 150, 200, 250, 300]
    assert lx[-1] == 300 and min(lx) == 150
    moves = [s for s in segs if not s.record]
    # every move takes |dL| / v: 75 / 0.5 = 150 and 50 / 0.1 = 500 time units
    assert {m.n_steps for m in moves} == {150_000, 500_000}
    assert holds[0].n_steps == 300_000 and holds[1].n_steps == 200_000


def test_paper_design_is_balanced_distinct_and_stratified(paper_config):
    df = make_design(paper_config)
    assert len(df) == 448
    assert (df.groupby("N").size() == 112).all()
    assert (df.groupby(["N", "v_push", "v_pull"]).size() == 28).all()
    assert not df.duplicated(["N", "v_push", "v_pull", "dL_push", "dL_pull"]).any()
    counts = df.groupby(["N", "split"]).size().unstack()
    assert (counts["train"] == 84).all() and (counts["val"] == 14).all()
    assert (counts["test"] == 14).all()
    assert df.seed.nunique() == 448
    # deterministic in the seed, different for another seed
    assert make_design(paper_config).equals(df)
    other = dict(paper_config, seed=paper_config["seed"] + 1)
    assert not make_design(other)[["dL_push", "dL_pull"]].equals(df[["dL_push", "dL_pull"]])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny process run twice with one seed and once with another."""
    from thermolearn.checks import load_config
    from conftest import REPO

    config = load_config(REPO / "config.yaml", REPO / "presets" / "smoke.yaml")
    pa = config["paper_a"]
    row = make_design(config).iloc[0].to_dict()
    d = tmp_path_factory.mktemp("md")
    run_md_job(pa, row, d / "a.npz", show_progress=False)
    run_md_job(pa, row, d / "b.npz", show_progress=False)
    run_md_job(pa, dict(row, seed=row["seed"] + 1), d / "c.npz", show_progress=False)
    return pa, row, d


def test_artifact_contents_and_first_law(tiny):
    pa, row, d = tiny
    meta, a = load_md(d / "a.npz", pa, row)
    S = n_states(pa["gas"]["L"], pa["protocol"]["Lx_min"], pa["protocol"]["n_cycles"],
                 row["dL_push"], row["dL_pull"])
    F, N = pa["protocol"]["n_frames"], row["N"]
    assert a["pos_sfnd"].shape == (S, F, N, 2) and a["pos_sfnd"].dtype == np.float32
    assert a["vel_snd"].shape == (S, N, 2) and a["vel_snd"].dtype == np.float64
    # frames dt_rec apart, the last at the end of the hold; the phase point is the last frame
    np.testing.assert_allclose(np.diff(a["time_sf"], axis=1), pa["protocol"]["dt_rec"])
    np.testing.assert_array_equal(a["pos_sfnd"][:, -1], a["pos_snd"].astype(np.float32))
    assert a["Lx_s"][0] == pa["gas"]["L"] and a["Lx_s"][-1] == pa["gas"]["L"]
    assert a["Lx_s"].min() == pa["protocol"]["Lx_min"]
    # positions inside the container of their state
    assert (a["pos_sfnd"][..., 0] <= a["Lx_s"][:, None, None]).all()
    # first law at every state: E - E0 = W within the integrator's bound (md/fidelity.py)
    e, e0 = a["energy_sf"][:, -1], a["energy_sf"][0, 0]  # E0: the first recorded frame
    dev_s = np.abs(e - e0 - a["work_s"])
    excess_s = first_law_excess(dev_s, a["t_dx_s"], a["t2_dx_s"], pa["integrator"]["dt"])
    assert np.all(excess_s <= 1.0), excess_s
    assert np.all(np.diff(a["t_dx_s"]) > 0)  # contacts accumulate: the bound is not vacuous
    assert meta["first_law_excess"] == pytest.approx(excess_s.max(), rel=1e-12)
    assert meta["first_law_error"] == pytest.approx(dev_s.max() / e0, rel=1e-12)
    assert meta["config"]["process"]["seed"] == row["seed"]
    assert "thermolearn_version" in meta


def test_same_seed_bit_identical_other_seed_different(tiny):
    _, _, d = tiny
    _, a = load_npz(d / "a.npz")
    _, b = load_npz(d / "b.npz")
    _, c = load_npz(d / "c.npz")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["pos_sfnd"], c["pos_sfnd"])


def test_truncated_and_foreign_artifacts_are_named(tiny, tmp_path):
    pa, row, d = tiny
    blob = (d / "a.npz").read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ArtifactError, match="cut.npz.*truncated or corrupt"):
        load_md(cut)
    with pytest.raises(ArtifactError, match="a.npz: made by another configuration"):
        load_md(d / "a.npz", pa, dict(row, seed=row["seed"] + 1))
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, meta=np.array(json.dumps({"kind": "paper_b.runs"})), x=np.zeros(3))
    with pytest.raises(ArtifactError, match="foreign.npz: foreign artifact"):
        load_md(foreign)
    plain = tmp_path / "plain.npz"
    np.savez(plain, x=np.zeros(3))
    with pytest.raises(ArtifactError, match="plain.npz: not a thermolearn artifact"):
        load_md(plain)


def test_energy_jump_and_nan_abort_the_run(smoke_config):
    from thermolearn.paper_a.md.engine import BlowUpError, GasParams
    from thermolearn.paper_a.md.process import initial_state, run_process
    from thermolearn.paper_a.md.protocol import process_segments

    pa = smoke_config["paper_a"]
    row = make_design(smoke_config).iloc[0].to_dict()
    segs = process_segments(pa, row)
    state = initial_state(pa, row)
    # a jump of the energy between two checks (velocities doubled: E - W jumps by ~3 E0, far
    # beyond max_energy_error and the first-law bound) is reported as a blow-up
    calls = []

    def kick(_steps):
        calls.append(1)
        if len(calls) == 2:
            state.vel_nd *= 2.0

    with pytest.raises(BlowUpError, match=r"first-law balance E - W changed by [23](\.\d+)? E0"):
        run_process(state, GasParams.from_config(pa), segs, 5, 1.0, progress=kick)
    # Verlet's own error (~1e-3 of E here) over the same process is not one
    state = initial_state(pa, row)
    run_process(state, GasParams.from_config(pa), segs, 5, 1.0,
                max_energy_error=pa["integrator"]["max_energy_error"])
    state = initial_state(pa, row)
    state.vel_nd[3] = np.nan
    with pytest.raises(BlowUpError, match="disk 3 .* outside the container .*or NaN"):
        run_process(state, GasParams.from_config(pa), segs, 5, 1.0)


def test_the_schedule_does_not_load_the_engine():
    """The process design imports the schedule only: in a fresh interpreter, importing it (and
    the design) loads neither the engine nor numba; the runner lives in md.process."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    code = (
        "import sys\n"
        "import thermolearn.paper_a.design, thermolearn.paper_a.md.protocol as p\n"
        "print(sorted(m for m in sys.modules if m.endswith('md.engine') or m == 'numba'))\n"
        "print(hasattr(p, 'run_process'))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "False"


def relaxation_table(curves, n_repeats=8, noise=0.01, t_obs=300.0, width=10.0, seed=0):
    """A synthetic :func:`measure` table: per observable, ``mean(t)`` plus Gaussian noise of
    standard deviation ``noise`` per run and bin (the other observables at equilibrium)."""
    import pandas as pd

    from thermolearn.paper_a.md.relaxation import EQUILIBRIUM

    rng = np.random.default_rng(seed)
    t = (np.arange(int(t_obs / width)) + 0.5) * width
    rows = []
    for rep in range(n_repeats):
        for k, tk in enumerate(t):
            obs = {o: curves.get(o, lambda _, v=v: v)(tk) + rng.normal(0, noise)
                   for o, v in EQUILIBRIUM.items()}
            rows.append(dict(case="pull", repeat=rep, t=tk, **obs))
    return pd.DataFrame(rows)


def test_relaxation_time_of_a_decay_and_of_a_slow_oscillation():
    from thermolearn.paper_a.md.relaxation import relaxation_times

    # an exponential decay of the density excess: e^(-t/30) 0.2 falls below the band of
    # n_sigma * 0.01 / sqrt(8) ~ 0.011 at t ~ 87 (first bin ending after it: 90)
    decay = {"density": lambda t: 0.5 + 0.2 * np.exp(-t / 30.0)}
    times = relaxation_times(relaxation_table(decay, noise=0.01)).set_index("observable")
    assert times.loc["density", "relaxed"] and 70 <= times.loc["density", "t_relax"] <= 110
    assert times.loc[["p_ratio", "k_ratio", "kurtosis"], "relaxed"].all()
    assert times.loc["density", "band"] == pytest.approx(
        times.loc["density", "n_sigma"] * 0.01 / np.sqrt(8), rel=0.15)
    # a sloshing mode longer than the observation (the demo's density after the pull): 0.055
    # from 1/2 at the end, not relaxed (read against its own late-time mean, within a band the
    # drift widens, it would pass as relaxed once it crosses that mean)
    slosh = {"density": lambda t: 0.5 + 0.06 * np.cos(np.pi * (t - 85.0) / 240.0)}
    times = relaxation_times(relaxation_table(slosh, n_repeats=4)).set_index("observable")
    assert not times.loc["density", "relaxed"]
    assert times.loc["density", "t_relax"] == 300.0
    assert times.loc["k_ratio", "relaxed"]


def test_relaxation_noise_alone_reads_as_relaxed():
    """Pure equilibrium noise over 100 bins: the band's Bonferroni width keeps chance
    excursions (expected in ~1 of 4 observables at 3 standard errors) from setting the time."""
    from thermolearn.paper_a.md.relaxation import relaxation_times

    hits = 0
    for seed in range(5):
        times = relaxation_times(relaxation_table({}, t_obs=1000.0, seed=seed))
        assert (times["n_sigma"] > 3.4).all()
        hits += int((times["t_relax"] > 0).sum())
    assert hits <= 3  # of 20 observables: ~1 expected; at 3 sigma ~5
