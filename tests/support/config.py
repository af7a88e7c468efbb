"""Read the project's own configuration, so tests check what is configured."""

from __future__ import annotations

from typing import Any

import yaml

from bot.paths import ROOT

CONFIG_FILE = ROOT / "config.yml"


def component_config(name: str) -> dict[str, Any]:
    """The options config.yml gives the pipeline component named `name`."""
    pipeline = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))["pipeline"]
    component = next(c for c in pipeline if c["name"] == name)
    return {key: value for key, value in component.items() if key != "name"}
