"""Fuzz the config validation: hundreds of random invalid configs, each rejected with its key.

Invalid values are derived from the schema itself (so the fuzz follows the schema as stages add
keys): a value of the wrong type, a number outside its range, a string outside its enum, a
missing required key, or an unknown key at a random level.
"""

from __future__ import annotations

import copy
import random

import pytest

from conftest import REPO
from thermolearn.checks import load_config, validate_config
from thermolearn.config import ConfigError, DEFAULT_SCHEMA, load_yaml

N_CASES = 300


def leaves(schema: dict, path=()):
    """(dotted path, leaf schema) of every scalar-valued property, and (path, object schema)."""
    props = schema.get("properties")
    if props is not None:
        yield path, schema
        for key, sub in props.items():
            yield from leaves(sub, path + (key,))
    else:
        yield path, schema


def invalid_values(sub: dict, rng: random.Random):
    """Values that ``sub`` must reject (empty if none can be derived)."""
    types = sub.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    out = []
    if "enum" in sub:
        out.append("not-" + "-".join(map(str, sub["enum"]))[:20])
    if types and not {"string"} & set(types):
        out.append("twelve")
    if types and not {"number", "integer"} & set(types) and "enum" not in sub:
        out.append(rng.choice([3.5, -7]))
    if "integer" in types and "number" not in types:
        out.append(2.5)
    for lo_key in ("minimum", "exclusiveMinimum"):
        if lo_key in sub:
            out.append(sub[lo_key] - (1 if "integer" in types else 0.5))
    for hi_key in ("maximum", "exclusiveMaximum"):
        if hi_key in sub:
            out.append(sub[hi_key] + (1 if "integer" in types else 0.5))
    if "object" in types and "properties" in sub:
        out.append([1, 2])
    return out


def get(config, path):
    for p in path:
        config = config[p]
    return config


def make_cases(config, schema, n, seed=2025):
    rng = random.Random(seed)
    nodes = [(p, s) for p, s in leaves(schema)]
    cases = []
    while len(cases) < n:
        path, sub = rng.choice(nodes)
        try:
            parent = get(config, path[:-1]) if path else None
        except (KeyError, TypeError):
            continue
        if path and (not isinstance(parent, dict) or path[-1] not in parent):
            continue
        kind = rng.random()
        bad = copy.deepcopy(config)
        if "properties" in sub and kind < 0.35:  # unknown key inside an object
            name = f"bogus_{rng.randrange(1000)}"
            get(bad, path)[name] = 1
            cases.append((bad, ".".join(path + (name,)), "unknown key"))
        elif path and path[-1] in (get(schema_parent(schema, path), ()).get("required", [])) \
                and kind < 0.45:
            del get(bad, path[:-1])[path[-1]]
            cases.append((bad, ".".join(path), "required but missing"))
        else:
            values = invalid_values(sub, rng)
            if not values or not path:
                continue
            get(bad, path[:-1])[path[-1]] = rng.choice(values)
            cases.append((bad, ".".join(path), None))
    return cases


def schema_parent(schema, path):
    node = schema
    for p in path[:-1]:
        node = node["properties"][p]
    return node


SCHEMA = load_yaml(DEFAULT_SCHEMA)
PAPER = load_config(REPO / "config.yaml")
CASES = make_cases(PAPER, SCHEMA, N_CASES)


def test_fuzz_covers_many_keys():
    assert len({key for _, key, _ in CASES}) > 40


@pytest.mark.parametrize("i", range(N_CASES))
def test_random_invalid_config_is_rejected_naming_the_key(i):
    bad, key, phrase = CASES[i]
    with pytest.raises(ConfigError) as err:
        validate_config(bad, SCHEMA)
    msg = str(err.value)
    assert f"config key '{key}" in msg, (key, msg)
    if phrase:
        assert phrase in msg, msg
