"""Turn credentials.yml into the file Rasa runs with, enabling configured channels.

credentials.yml lists every channel the assistant can serve, with a
``${VARIABLE}`` placeholder for each secret or deployment setting. Rasa itself
refuses to start when a placeholder names an unset variable, so this script
writes a copy that keeps only the channels that can run here:

- a channel with no placeholders (REST, socketio, the widget) always;
- a channel whose placeholders are all set to a non-empty value, expanded;
- no channel that misses a variable: it is left out, with a note naming it.

An empty value counts as unset: a copied .env.example leaves lines like
``TELEGRAM_TOKEN=`` and that must switch Telegram off, not start it without
a token.

Usage::

    python -m bot.channels.credentials credentials.yml .run/credentials.yml

The output holds secrets, so it is written readable by its owner only; keep it
out of version control (.run/ is ignored).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ChannelPlan:
    """Which channels run and which are off, with the reason for each."""

    enabled: dict[str, Any] = field(default_factory=dict)
    # Channel -> the variables it still needs, for channels set up in part.
    incomplete: dict[str, list[str]] = field(default_factory=dict)
    # Channels none of whose variables is set: off on purpose, not a mistake.
    unconfigured: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line naming the enabled channels."""
        return "Channels enabled: " + ", ".join(self.enabled)

    def notes(self) -> list[str]:
        """One line per channel that was set up in part and is therefore off."""
        return [
            f"{channel} disabled: {', '.join(missing)} not set"
            for channel, missing in self.incomplete.items()
        ]


def placeholders(value: Any) -> list[str]:
    """Every variable named by a ${VAR} placeholder in value, in order, once."""
    found: list[str] = []
    if isinstance(value, str):
        found = PLACEHOLDER.findall(value)
    elif isinstance(value, Mapping):
        found = [name for item in value.values() for name in placeholders(item)]
    elif isinstance(value, Sequence):
        found = [name for item in value for name in placeholders(item)]
    return list(dict.fromkeys(found))


def expand(value: Any, env: Mapping[str, str]) -> Any:
    """Value with every ${VAR} replaced by its value in env, recursively."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda match: env[match.group(1)], value)
    if isinstance(value, Mapping):
        return {key: expand(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, env) for item in value]
    return value


def plan_channels(channels: Mapping[str, Any], env: Mapping[str, str]) -> ChannelPlan:
    """Decide, channel by channel, whether env has everything it needs."""
    plan = ChannelPlan()
    for channel, settings in channels.items():
        needed = placeholders(settings)
        missing = [name for name in needed if not env.get(name)]
        if not missing:
            plan.enabled[channel] = expand(settings, env)
        elif len(missing) < len(needed):
            plan.incomplete[channel] = missing
        else:
            plan.unconfigured.append(channel)
    return plan


def read_channels(path: Path) -> dict[str, Any]:
    """credentials.yml as plain YAML: placeholders stay as they are written."""
    channels = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(channels, dict):
        raise ValueError(f"{path}: expected a mapping of channel names")
    return channels


def write_private(path: Path, text: str) -> None:
    """Write text to path, readable and writable by its owner only (secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    # O_CREAT's mode only applies to a new file; an older one keeps its own.
    path.chmod(0o600)


def generate(
    source: Path, target: Path, env: Mapping[str, str] | None = None
) -> ChannelPlan:
    """Write target from source for the variables in env (os.environ if None)."""
    plan = plan_channels(read_channels(source), os.environ if env is None else env)
    header = (
        f"# Generated from {source.name} by bot.channels.credentials: do not edit.\n"
    )
    body = yaml.safe_dump(plan.enabled, sort_keys=False, default_flow_style=False)
    write_private(target, header + body)
    return plan


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: SOURCE TARGET; prints the enabled channels."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print(
            "usage: python -m bot.channels.credentials SOURCE TARGET", file=sys.stderr
        )
        return 2
    plan = generate(Path(args[0]), Path(args[1]))
    for note in plan.notes():
        print(f"note: {note}", file=sys.stderr)
    print(plan.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
