"""Fixtures for the production tests: servers started as `make run` starts them.

- ``locked_down``: the defaults, nothing configured: HTTP API off, no CORS
  origin, SQLite. The restart and fault tests stop and start it, or its
  action server, and leave both running.
- ``open_api``: HTTP API on with a token, one CORS origin: the bad-input,
  load, privacy and API tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import assistant_with_actions
from tools.harness import Assistant

API_TOKEN = f"test-token-{uuid.uuid4().hex}"
WIDGET_ORIGIN = "http://widget.example"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker of the scale-out test (make scale-test)."""
    config.addinivalue_line(
        "markers", "scale: two servers, PostgreSQL, Redis and nginx (make scale-test)"
    )


def serve(
    name: str, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> Iterator[Assistant]:
    """An assistant with its own action server, stopped after the session."""
    yield from assistant_with_actions(name, tmp_path_factory.mktemp(name), env)


@pytest.fixture(scope="session")
def locked_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """Default settings: API off, same-origin only."""
    yield from serve("locked-down", tmp_path_factory, {})


@pytest.fixture(scope="session")
def open_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """HTTP API on with API_TOKEN; CORS for WIDGET_ORIGIN."""
    env = {"RASA_API_TOKEN": API_TOKEN, "CORS_ORIGINS": WIDGET_ORIGIN}
    yield from serve("open-api", tmp_path_factory, env)


@pytest.fixture(scope="session")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """Two Rasa worker processes sharing SQLite conversations and locks."""
    yield from serve("two-workers", tmp_path_factory, {"WORKERS": "2"})
