"""Loading and validating a configuration: the schema plus every stage's cross-field rules.

Each stage keeps its own rules beside its code (:mod:`.paper_a.checks`, :mod:`.paper_a.axioms.checks`,
:mod:`.paper_b.checks`); this module gathers them, so that :mod:`.config` imports no stage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from .config import DEFAULT_SCHEMA, ConfigError, read_config, schema_errors
from .paper_a.axioms.checks import check_axioms
from .paper_a.checks import check_paper_a
from .paper_b.checks import check_paper_b

STAGE_CHECKS = (check_paper_a, check_axioms, check_paper_b)


def check_physics(config: Mapping) -> list[str]:
    """The cross-field rules of every stage; returns messages naming the keys."""
    return [msg for check in STAGE_CHECKS for msg in check(config)]


def validate_config(config: Mapping, schema: str | Path | Mapping = DEFAULT_SCHEMA) -> None:
    """Validate ``config`` against the schema, then (if it passes) the stages' rules.

    Raises
    ------
    ConfigError
        Listing every problem found, each naming its key.
    """
    messages = schema_errors(config, schema) or check_physics(config)
    if messages:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(messages))


def load_config(*paths: str | Path, schema: str | Path = DEFAULT_SCHEMA) -> dict:
    """Load ``config.yaml`` and any presets (later files override earlier), then validate."""
    config = read_config(*paths)
    validate_config(config, schema)
    return config
