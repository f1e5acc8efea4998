"""Configuration: reading, preset merging and the schema.

The JSON schema (``workflow/schemas/config.schema.yaml``) checks types, ranges and unknown keys.
The cross-field rules a schema cannot state live with their stages and are gathered, with this
schema, by :mod:`thermolearn.checks` (``load_config``, ``validate_config``). Every error names the
offending key as a dotted path (``paper_a.gas.L``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Mapping

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


def read_config(*paths: str | Path) -> dict:
    """Merge ``config.yaml`` and any presets (later files override earlier); not validated.

    :func:`thermolearn.checks.load_config` reads and validates.
    """
    config: dict = {}
    for path in paths:
        config = deep_merge(config, load_yaml(path))
    return config


def _dotted(path) -> str:
    return ".".join(str(p) for p in path) if len(path) else "<top level>"


def _schema_errors(config: Mapping, schema: Mapping) -> list[str]:
    import jsonschema  # here: every job imports this module, few validate

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


def schema_errors(config: Mapping, schema: str | Path | Mapping = DEFAULT_SCHEMA) -> list[str]:
    """Messages (each naming its dotted key) for what the JSON schema rejects in ``config``."""
    if not isinstance(schema, Mapping):
        schema = load_yaml(schema)
    return _schema_errors(config, schema)
