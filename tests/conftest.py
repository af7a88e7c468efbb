"""Shared fixtures: the domain, trackers for action tests, and a live server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channels.credentials import generate as generate_credentials
from bot.processes import free_port, stop  # noqa: F401 (shared with tests)
from bot.processes import start as start_process

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "mesoprep.tar.gz"
SOURCE_DOCUMENT = ROOT / "data" / "source" / "hair-mesotherapy-disadvantages.txt"
LOG_DIR = ROOT / "results" / "server-logs"
BIN = Path(sys.executable).parent
STARTUP_TIMEOUT_S = 180


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """domain.yml as the action server receives it."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def wait_for(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    """Poll url until it answers, failing early if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early (code {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start a server process, logging to results/server-logs/<name>.log."""
    return start_process(args, LOG_DIR / f"{name}.log", env)


@pytest.fixture(scope="session")
def assistant_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a Rasa server with its action server, for the session."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    # Rasa can't read credentials.yml's ${VAR} placeholders for unset
    # variables. No messaging-platform variables are passed, even from a
    # developer's shell: the server must not call Telegram, Slack and the rest.
    credentials = tmp_path_factory.mktemp("run") / "credentials.yml"
    generate_credentials(ROOT / "credentials.yml", credentials, env={})
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **os.environ,
        "ACTION_ENDPOINT_URL": f"http://localhost:{actions_port}/webhook",
    }
    actions = start(
        "actions",
        [str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)],
        env,
    )
    rasa = start(
        "rasa",
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(MODEL),
            "--port",
            str(rasa_port),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            str(credentials),
        ],
        env,
    )
    base = f"http://localhost:{rasa_port}"
    try:
        wait_for(f"http://localhost:{actions_port}/health", actions, STARTUP_TIMEOUT_S)
        wait_for(f"{base}/webhooks/rest/", rasa, STARTUP_TIMEOUT_S)
        yield base
    finally:
        stop(rasa)
        stop(actions)
