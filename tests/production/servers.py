"""Servers started the way `make run` starts them, for the production tests.

A Rasa server here is ``python -m bot.serve`` (``rasa run`` plus the
environment's settings) with its own SQLite database, beside an action server.
Each can be stopped and started again on the same port, which is what the
restart and fault tests need. Logs go to results/server-logs/.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.credentials import generate as generate_credentials
from tests.conftest import (
    BIN,
    LOG_DIR,
    MODEL,
    ROOT,
    STARTUP_TIMEOUT_S,
    free_port,
    start,
    stop,
    wait_for,
)

HTTP_TIMEOUT_S = 60
# What bot.serve reads; each test server sets its own.
SETTINGS = {
    "RASA_API",
    "RASA_API_TOKEN",
    "RASA_JWT_SECRET",
    "CORS_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "SANIC_WORKERS",
}


@dataclass
class Process:
    """A server process that can be stopped and started again on its port."""

    name: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        # Logs of an earlier test session would be read as this one's.
        for old in LOG_DIR.glob(f"{self.name}-*.log"):
            old.unlink()

    def launch(self, args: list[str], env: dict[str, str], ready_url: str) -> None:
        """Start args and wait until ready_url answers."""
        self.starts += 1
        self.process = start(f"{self.name}-{self.starts}", args, env)
        wait_for(ready_url, self.process, STARTUP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop it (a no-op when it is not running)."""
        if self.process:
            stop(self.process)
            self.process = None

    def logs(self) -> str:
        """Everything it has logged, across restarts (one file per start)."""
        paths = sorted(LOG_DIR.glob(f"{self.name}-*.log"))
        return "".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)


@dataclass
class ActionServer(Process):
    """`rasa run actions` on a free port."""

    @property
    def url(self) -> str:
        """The webhook Rasa calls."""
        return f"http://localhost:{self.port}/webhook"

    def start(self) -> None:
        """Start and wait until it answers."""
        args = [str(BIN / "rasa"), "run", "actions", "--port", str(self.port)]
        health = f"http://localhost:{self.port}/health"
        self.launch(args, dict(os.environ), health)


@dataclass
class RasaServer(Process):
    """`python -m bot.serve` with its own database, credentials and settings."""

    workdir: Path = Path()
    env: dict[str, str] = field(default_factory=dict)
    actions: ActionServer | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://localhost:5005."""
        return f"http://localhost:{self.port}"

    @property
    def database(self) -> Path:
        """The SQLite file its conversations are stored in."""
        return self.workdir / "conversations.db"

    def start(self) -> None:
        """Start (again) on the same port and database; wait until it answers."""
        credentials = self.workdir / "credentials.yml"
        # No messaging-platform variables: the server must not call them.
        generate_credentials(ROOT / "credentials.yml", credentials, env={})
        args = [
            *(str(BIN / "python"), "-m", "bot.serve", "--model", str(MODEL)),
            *("--endpoints", "endpoints.yml", "--credentials", str(credentials)),
            *("--port", str(self.port)),
        ]
        # The developer's own settings must not change what is tested.
        inherited = {k: v for k, v in os.environ.items() if k not in SETTINGS}
        env = {**inherited, "DATABASE_URL": f"sqlite:///{self.database}", **self.env}
        self.launch(args, env, f"{self.url}/webhooks/rest/")

    def restart(self) -> None:
        """Stop, then start again with the same database."""
        self.stop()
        self.start()

    def events(self, sender: str) -> list[tuple[str, dict[str, Any]]]:
        """(type, event) stored for one conversation, in the order stored."""
        return stored_events(self.database, sender)


def stored_events(database: Path, sender: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, event) rows of Rasa's SQL tracker store for one conversation."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    return [(type_name, json.loads(data)) for type_name, data in rows]


@dataclass
class Reply:
    """An HTTP response: status, headers and the decoded JSON body."""

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        """A 200 with a list of messages: what a well-formed message gets."""
        return self.status == 200 and isinstance(self.body, list)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> Reply:
    """Send raw bytes; return the reply whatever its status."""
    request = urllib.request.Request(
        url,
        data=body,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    return _open(request)


def get(url: str, headers: dict[str, str] | None = None) -> Reply:
    """GET url; return the reply whatever its status."""
    request = urllib.request.Request(url, headers=headers or {})
    return _open(request)


def _open(request: urllib.request.Request) -> Reply:
    """Send request; the reply, also for a 4xx or 5xx, with lower-case headers."""
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            status, headers, body = response.status, response.headers, _json(response)
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, _json(error)
    return Reply(status, {k.lower(): v for k, v in headers.items()}, body)


def _json(response: Any) -> Any:
    """The body as JSON, or as text when it is not JSON."""
    raw = response.read()
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def send(base_url: str, sender: str, message: Any) -> Reply:
    """One message to the REST webhook, JSON-encoded."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    return post(f"{base_url}/webhooks/rest/webhook", body)
