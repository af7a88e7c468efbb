"""Shared fixtures: the domain and a live assistant, started as `make run` starts it.

Everything else tests share lives in tests/support/ (clients, checks,
trackers) and tools/ (the server harness, the HTTP client).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.paths import MODEL_PATH, ROOT
from tools.harness import ActionServer, Assistant, running


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """domain.yml as the action server receives it."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def assistant_with_actions(
    name: str, workdir: Path, env: dict[str, str]
) -> Iterator[Assistant]:
    """`python -m bot.serve` beside its own action server, for a test session.

    The settings under test are `env`; nothing from the developer's shell.
    """
    if not MODEL_PATH.exists():
        pytest.fail("no trained model: run `make train` first")
    actions = ActionServer(f"{name}-actions", env=env)
    assistant = Assistant(
        name,
        workdir=workdir,
        env={"ACTION_ENDPOINT_URL": actions.url, **env},
        actions=actions,
    )
    with running(actions, assistant):
        yield assistant


@pytest.fixture(scope="session")
def assistant_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the production entry point with its action server."""
    workdir = tmp_path_factory.mktemp("assistant")
    for assistant in assistant_with_actions("assistant", workdir, {}):
        yield assistant.url


CLINIC_TOKEN = "example-clinic-token-0123456789"


@pytest.fixture(scope="session")
def clinic_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An assistant with the example notes and the clinic page switched on."""
    env = {
        "CLINIC_NOTES": "data/clinic_notes.example.md",
        "CLINIC_TOKEN": CLINIC_TOKEN,
        "CLINIC_NAME": "Example Clinic",
    }
    workdir = tmp_path_factory.mktemp("clinic")
    for assistant in assistant_with_actions("clinic", workdir, env):
        yield assistant.url
