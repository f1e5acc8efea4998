"""Configuration: loading, preset merging and validation.

Validation has two layers. The JSON schema (``workflow/schemas/config.schema.yaml``) checks types,
ranges and unknown keys; :func:`check_physics` checks the cross-field rules a schema cannot state.
Every error names the offending key as a dotted path (``paper_a.gas.L``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path
from typing import Any, Mapping

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMA = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """An invalid configuration; the message names the key."""


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping with ``yaml.safe_load``; a missing or non-mapping file is an error."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """Return ``base`` updated recursively by ``override`` (as Snakemake merges --configfile)."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(*paths: str | Path, schema: str | Path = DEFAULT_SCHEMA) -> dict:
    """Load ``config.yaml`` and any presets (later files override earlier), then validate."""
    config: dict = {}
    for path in paths:
        config = deep_merge(config, load_yaml(path))
    validate_config(config, schema)
    return config


def _dotted(path) -> str:
    return ".".join(str(p) for p in path) if len(path) else "<top level>"


def _schema_errors(config: Mapping, schema: Mapping) -> list[str]:
    import jsonschema

    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    messages = []
    for err in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        key = _dotted(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = set(err.schema.get("properties", {}))
            extra = sorted(set(err.instance) - allowed)
            for name in extra:
                prefix = "" if key == "<top level>" else key + "."
                messages.append(
                    f"config key '{prefix}{name}': unknown key "
                    f"(allowed here: {', '.join(sorted(allowed)) or 'none'})"
                )
        elif err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            prefix = "" if key == "<top level>" else key + "."
            messages.append(f"config key '{prefix}{missing}': required but missing")
        else:
            messages.append(f"config key '{key}': {err.message}")
    return messages


def validate_config(config: Mapping, schema: str | Path | Mapping = DEFAULT_SCHEMA) -> None:
    """Validate ``config`` against the schema, then the physics rules.

    Raises
    ------
    ConfigError
        Listing every problem found, each naming its key.
    """
    if not isinstance(schema, Mapping):
        schema = load_yaml(schema)
    messages = _schema_errors(config, schema)
    if not messages:
        messages = check_physics(config)
    if messages:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(messages))


def contact_time(gas: Mapping) -> float:
    """Duration of a head-on disk-disk contact: half a period of the harmonic pair mode.

    The relative coordinate has reduced mass m/2 and stiffness C, so omega = sqrt(2 C / m)
    and the contact lasts pi / omega (independent of the impact speed).
    """
    return math.pi / math.sqrt(2.0 * gas["C"] / gas["mass"])


MIN_STEPS_PER_CONTACT = 10
MAX_PACKING = 0.4


def check_physics(config: Mapping) -> list[str]:
    """Cross-field rules of the configuration; returns messages naming the keys."""
    from .paper_b.checks import check_paper_b  # Paper B's rules live with Paper B

    msgs: list[str] = check_paper_b(config)
    from .paper_a.axioms.checks import check_axioms  # the axioms' rules live with them

    msgs += check_axioms(config)
    a = config["paper_a"]
    gas, integ, proto, design = a["gas"], a["integrator"], a["protocol"], a["design"]
    L, R = gas["L"], gas["R"]

    if not (2 * R < proto["Lx_min"] <= L):
        msgs.append(
            f"config key 'paper_a.protocol.Lx_min': {proto['Lx_min']} must lie in "
            f"(2R, L] = ({2 * R}, {L}]"
        )
    t_c = contact_time(gas)
    if integ["dt"] > t_c / MIN_STEPS_PER_CONTACT:
        msgs.append(
            f"config key 'paper_a.integrator.dt': {integ['dt']} does not resolve a collision: a "
            f"contact of stiffness C = {gas['C']} lasts {t_c:.4g}, so dt must be <= "
            f"{t_c / MIN_STEPS_PER_CONTACT:.4g} ({MIN_STEPS_PER_CONTACT} steps per contact)"
        )
    if integ["skin"] > R:
        msgs.append(f"config key 'paper_a.integrator.skin': {integ['skin']} must be <= R = {R}")

    t_frames = (proto["n_frames"] - 1) * proto["dt_rec"]
    for key in ("t_eq", "t_hold"):
        if proto[key] < t_frames:
            msgs.append(
                f"config key 'paper_a.protocol.{key}': {proto[key]} is shorter than the "
                f"recording window (n_frames - 1) * dt_rec = {t_frames}"
            )
    for key in ("t_eq", "t_hold", "dt_rec"):
        n = proto[key] / integ["dt"]
        if abs(n - round(n)) > 1e-6 * max(1.0, n):
            msgs.append(
                f"config key 'paper_a.protocol.{key}': {proto[key]} is not a whole number of "
                f"time steps dt = {integ['dt']}"
            )

    stroke = L - proto["Lx_min"]
    if stroke > 0:
        for dl in design["dL"]:
            k = stroke / dl
            if abs(k - round(k)) > 1e-9 * k or round(k) < 1:
                msgs.append(
                    f"config key 'paper_a.design.dL': {dl} does not divide the stroke "
                    f"L - Lx_min = {stroke} into whole moves"
                )
        for n_disks in design["N"] + [a["relaxation"]["N"]]:
            eta = n_disks * math.pi * R**2 / (L * proto["Lx_min"])
            if eta > MAX_PACKING:
                key = (
                    "paper_a.design.N"
                    if n_disks in design["N"]
                    else "paper_a.relaxation.N"
                )
                msgs.append(
                    f"config key '{key}': {n_disks} disks do not fit: packing fraction "
                    f"{eta:.3f} at Lx = Lx_min exceeds {MAX_PACKING}"
                )

    n_cells = len(design["N"]) * len(design["v"]) ** 2
    n_proc = design["n_processes"]
    if n_proc % n_cells:
        msgs.append(
            f"config key 'paper_a.design.n_processes': {n_proc} is not a multiple of the "
            f"{n_cells} (N, v_push, v_pull) cells, so the design cannot be balanced"
        )
    elif n_proc // n_cells > len(design["dL"]) ** 2:
        msgs.append(
            f"config key 'paper_a.design.n_processes': {n_proc} needs {n_proc // n_cells} "
            f"distinct (dL_push, dL_pull) pairs per cell but only {len(design['dL']) ** 2} exist"
        )
    split = design["split"]
    if sum(split.values()) != n_proc:
        msgs.append(
            f"config key 'paper_a.design.split': train + val + test = {sum(split.values())} "
            f"must equal n_processes = {n_proc}"
        )
    for part, count in split.items():
        if count % len(design["N"]):
            msgs.append(
                f"config key 'paper_a.design.split.{part}': {count} cannot be stratified "
                f"over {len(design['N'])} values of N"
            )
    render = a.get("render")
    if render is not None:
        if render["size"] > render["canvas"]:
            msgs.append(
                f"config key 'paper_a.render.size': {render['size']} exceeds the canvas "
                f"{render['canvas']} (images are downsampled from the canvas)"
            )
        if 2 * R * render["canvas"] / L < 2:
            msgs.append(
                f"config key 'paper_a.render.canvas': {render['canvas']} px draws a disk "
                f"{2 * R * render['canvas'] / L:.2f} px across (< 2) for L = {L}, R = {R}"
            )
        if a.get("train") is not None and render["size"] < 32:
            msgs.append(
                f"config key 'paper_a.render.size': {render['size']} px is too small for the "
                "siamese network (five 2x2 stride-2 convolutions need at least 32)"
            )
    return msgs


def config_hash(section: Any) -> str:
    """Short stable hash of a config section (canonical JSON), recorded in artifacts."""
    blob = json.dumps(section, sort_keys=True, separators=(",", ":"), default=float)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
