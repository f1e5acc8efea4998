"""Config validation: every invalid value is rejected with a message naming its key."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from conftest import REPO
from thermolearn.checks import load_config, validate_config
from thermolearn.config import ConfigError, deep_merge, load_yaml


def mutate(config, dotted, value):
    c = copy.deepcopy(config)
    *parents, last = dotted.split(".")
    node = c
    for p in parents:
        node = node[p]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return c


DELETE = object()

BAD = [
    # (dotted key, bad value, the key the message must name, a phrase of the message)
    ("seed", "42", "seed", "is not of type 'integer'"),
    ("seed", -1, "seed", "less than the minimum"),
    ("paper_a.gas.L", 0, "paper_a.gas.L", "less than or equal to the minimum"),
    ("paper_a.gas.R", "one", "paper_a.gas.R", "not of type 'number'"),
    ("paper_a.gas.C", DELETE, "paper_a.gas.C", "required but missing"),
    ("paper_a.gas.colour", "red", "paper_a.gas.colour", "unknown key"),
    ("paper_a.integrator.dt", 0.01, "paper_a.integrator.dt", "does not resolve a collision"),
    ("paper_a.integrator.skin", 5.0, "paper_a.integrator.skin", "must be <= R"),
    ("paper_a.protocol.Lx_min", 400.0, "paper_a.protocol.Lx_min", "must lie in (2R, L]"),
    ("paper_a.protocol.Lx_min", 1.5, "paper_a.protocol.Lx_min", "must lie in (2R, L]"),
    ("paper_a.protocol.t_hold", 2.0, "paper_a.protocol.t_hold", "shorter than the recording"),
    ("paper_a.protocol.t_hold", 200.0005, "paper_a.protocol.t_hold", "whole number of time steps"),
    ("paper_a.protocol.n_cycles", 0, "paper_a.protocol.n_cycles", "less than the minimum"),
    ("paper_a.design.N", [500, 50000], "paper_a.design.N", "do not fit"),
    ("paper_a.design.N", [], "paper_a.design.N", "should be non-empty"),
    ("paper_a.design.dL", [150, 70], "paper_a.design.dL", "does not divide the stroke"),
    ("paper_a.design.v", [0.1, -0.5], "paper_a.design.v.1", "less than or equal to the minimum"),
    ("paper_a.design.n_processes", 447, "paper_a.design.n_processes", "not a multiple"),
    ("paper_a.design.n_processes", 1616, "paper_a.design.n_processes", "distinct"),
    ("paper_a.design.split", {"train": 300, "val": 56, "test": 56}, "paper_a.design.split",
     "must equal n_processes"),
    ("paper_a.design.split", {"train": 338, "val": 54, "test": 56}, "paper_a.design.split.train",
     "cannot be stratified"),
    ("paper_a.relaxation.N", 40000, "paper_a.relaxation.N", "do not fit"),
    ("paper_a.relaxation", DELETE, "paper_a.relaxation", "required but missing"),
    ("paper_a.render.size", 100, "paper_a.render.size", "not a multiple of 32"),
]


@pytest.mark.parametrize("dotted,value,key,phrase", BAD, ids=[f"{b[0]}={b[1]!r}"[:40] for b in BAD])
def test_invalid_config_names_the_key(paper_config, dotted, value, key, phrase):
    bad = mutate(paper_config, dotted, value)
    with pytest.raises(ConfigError) as err:
        validate_config(bad)
    msg = str(err.value)
    assert f"'{key}'" in msg, msg
    assert phrase in msg, msg


def test_valid_configs_pass():
    for preset in [None, "smoke", "demo"]:
        files = [REPO / "config.yaml"] + ([REPO / "presets" / f"{preset}.yaml"] if preset else [])
        load_config(*files)


def test_presets_only_override_existing_keys():
    base = load_yaml(REPO / "config.yaml")

    def walk(over, ref, path=""):
        for k, v in over.items():
            assert k in ref, f"preset key {path}{k} is not in config.yaml"
            if isinstance(v, dict):
                walk(v, ref[k], f"{path}{k}.")

    for preset in (REPO / "presets").glob("*.yaml"):
        walk(load_yaml(preset), base)
        assert deep_merge(base, load_yaml(preset)) != base


def test_snakemake_stops_before_any_job_on_bad_config(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("paper_a:\n  protocol:\n    t_hold: -5\n")
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "-s", str(REPO / "Snakefile"),
         "-d", str(tmp_path / "wd"), "--configfile", str(bad)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "config key 'paper_a.protocol.t_hold'" in out, out[-3000:]
    assert "Job stats" not in out
    assert not (tmp_path / "wd" / "results").exists()


@pytest.mark.parametrize("size", [32, 48, 64, 96, 100, 128, 200, 256, 1024])
def test_render_size_is_accepted_iff_the_network_sees_every_pixel(paper_config, size):
    """The five 2x2 stride-2 convolutions of the siamese network drop the last row and column
    of every odd-sided feature map; the config accepts exactly the sizes where none is lost."""
    from thermolearn.paper_a.siamese.model import CONV_CHANNELS, conv_out_size

    every_pixel = conv_out_size(size) * 2 ** len(CONV_CHANNELS) == size
    try:
        validate_config(mutate(paper_config, "paper_a.render.size", size))
        accepted = True
    except ConfigError as err:
        assert "'paper_a.render.size'" in str(err), str(err)
        accepted = False
    assert accepted == every_pixel, size
    line = next(ln for ln in (REPO / "config.yaml").read_text().splitlines()
                if ln.strip().startswith("size:"))
    assert f"multiple of {2 ** len(CONV_CHANNELS)}" in line, line
