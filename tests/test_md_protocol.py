"""The piston protocol, the per-process artifact, determinism and the process design."""

from __future__ import annotations

import json

import numpy as np
import pytest

from thermolearn.io import ArtifactError, load_npz
from thermolearn.paper_a.design import make_design
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
    from thermolearn.config import load_config
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
    # first law at every state: E - E0 = W
    e = a["energy_sf"][:, -1]
    assert np.all(np.abs(e - e[0] - a["work_s"]) / e[0] < 1e-2)  # 20 disks: see test_md_engine
    assert meta["config"]["process"]["seed"] == row["seed"]
    assert "thermolearn_version" in meta and meta["first_law_error"] < 1e-2


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
    from thermolearn.paper_a.md import GasParams
    from thermolearn.paper_a.md.engine import BlowUpError
    from thermolearn.paper_a.md.protocol import initial_state, process_segments, run_process

    pa = smoke_config["paper_a"]
    row = make_design(smoke_config).iloc[0].to_dict()
    segs = process_segments(pa, row)
    state = initial_state(pa, row)
    # the Verlet noise (~1e-4 of E here) exceeds an absurdly strict bound: reported as blow-up
    with pytest.raises(BlowUpError, match="first-law balance E - W changed by"):
        run_process(state, GasParams.from_config(pa), segs, 5, 1.0, max_energy_error=1e-12)
    state = initial_state(pa, row)
    state.vel_nd[3] = np.nan
    with pytest.raises(BlowUpError, match="disk 3 .* outside the container .*or NaN"):
        run_process(state, GasParams.from_config(pa), segs, 5, 1.0)
