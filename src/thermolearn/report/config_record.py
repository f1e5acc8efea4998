"""The configuration a run used, merged from config.yaml and the presets, as one YAML file."""

from __future__ import annotations

import yaml

from ..io import write_text
from ..provenance import code_version


def write_config_record(config: dict, configfiles: list[str], out) -> None:
    """Write the merged config with a header naming its files and the code version."""
    header = (f"# The configuration of this run: {' + '.join(configfiles)} (later files override)\n"
              f"# code version: {code_version()}\n")
    write_text(out, header + yaml.safe_dump(config, sort_keys=False, default_flow_style=None))
