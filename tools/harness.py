"""The one way this project starts its servers: the Makefile, tests and benchmark.

`ActionServer` is `rasa run actions`; `Assistant` is `python -m bot.serve`,
the production entry point, with its own database, credentials and settings
(or, for the benchmark's baseline, another command). Each starts in its own
process group on a free loopback port, is waited for until it answers, and
can be stopped and started again on the same port.

From the Makefile::

    python -m tools.harness run   [bot.serve options]  # make run
    python -m tools.harness shell [rasa shell options] # make shell

start the action server, wait for it, run the assistant in the foreground
and stop both however it ends: Ctrl-C, SIGTERM or SIGHUP stop every process
started, workers included, within 10 s; a port already taken is one line
and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.credentials import generate as generate_credentials
from bot.paths import MODEL_PATH, ROOT
from bot.serve import listening_port
from tools.http import get
from tools.watchdog import LAUNCHER_VARIABLE

HOST = "127.0.0.1"
BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "results" / "server-logs"
RUN_DIR = ROOT / ".run"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"
STARTUP_TIMEOUT_S = 300
QUIET_ENV_FILE = Path(__file__).with_name("quiet.env")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a file; comments and blank lines skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


# What every server process gets (the Makefile includes the same file); bot.serve
# also sends Python warnings to WARNINGS_LOG instead of the console.
QUIET_ENV = read_env_file(QUIET_ENV_FILE)
# What bot.serve reads from the environment; a test server sets its own, so
# a developer's shell cannot change what is tested.
SERVER_SETTINGS = frozenset(
    {
        "RASA_API",
        "RASA_API_TOKEN",
        "RASA_JWT_SECRET",
        "CORS_ORIGINS",
        "DATABASE_URL",
        "REDIS_URL",
        "SANIC_WORKERS",
        "WORKERS",
        "LOCK_DATABASE",
        "CLINIC_NOTES",
        "CLINIC_TOKEN",
    }
)


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def quiet_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a server: `base` (default: this one) plus QUIET_ENV."""
    return {**(dict(os.environ) if base is None else base), **QUIET_ENV}


def start(
    args: Sequence[str], log: Path, env: dict[str, str], cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    """Start a process in its own session (so its whole tree can be stopped)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        return subprocess.Popen(
            list(args),
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process group that start() created, politely first."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_until(
    probe: Callable[[], object],
    process: subprocess.Popen[bytes],
    timeout_s: float = STARTUP_TIMEOUT_S,
    interval_s: float = 0.25,
) -> None:
    """Call probe until it returns without raising; fail early if process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early (code {process.returncode})")
        try:
            probe()
            return
        except (OSError, ValueError):
            time.sleep(interval_s)
    raise TimeoutError(f"server did not answer within {timeout_s} s")


def answers(url: str) -> Callable[[], object]:
    """A probe that succeeds once url answers with a status below 500."""

    def probe() -> object:
        reply = get(url)
        if reply.status >= 500:
            raise OSError(f"{url} answered {reply.status}")
        return reply

    return probe


@dataclass
class Server:
    """A server process that can be stopped and started again on its port."""

    name: str
    port: int = field(default_factory=free_port)
    log_dir: Path = LOG_DIR
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        # Logs of an earlier run would be read as this one's.
        for old in self.log_dir.glob(f"{self.name}-*.log"):
            old.unlink()

    @property
    def base_url(self) -> str:
        """Where it listens, e.g. http://127.0.0.1:5005."""
        return f"http://{HOST}:{self.port}"

    def launch(self, args: Sequence[str], env: dict[str, str], ready: str) -> None:
        """Start args and wait until the URL `ready` answers."""
        self.starts += 1
        log = self.log_dir / f"{self.name}-{self.starts}.log"
        self.process = start(args, log, env)
        wait_until(answers(ready), self.process)

    def stop(self) -> None:
        """Stop it (a no-op when it is not running)."""
        if self.process:
            stop(self.process)
            self.process = None

    def start(self) -> None:
        """Start and wait until it answers (each kind of server says how)."""
        raise NotImplementedError

    def logs(self) -> str:
        """Everything it has logged, across restarts (one file per start)."""
        paths = sorted(self.log_dir.glob(f"{self.name}-*.log"))
        return "".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)


@dataclass
class ActionServer(Server):
    """`rasa run actions` on a free loopback port."""

    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The webhook Rasa calls."""
        return f"{self.base_url}/webhook"

    def start(self) -> None:
        """Start and wait until it answers."""
        args = [str(BIN / "rasa"), "run", "actions", "--port", str(self.port)]
        env = quiet_env({**os.environ, "SANIC_HOST": HOST, **self.env})
        self.launch(args, env, f"{self.base_url}/health")


@dataclass
class Assistant(Server):
    """`python -m bot.serve` (or `command`) with its own database and settings.

    `env` holds the settings under test; the developer's own server settings
    are never inherited. Channels are those of credentials.yml that need no
    secret: nothing is sent to a messaging platform.
    """

    workdir: Path = RUN_DIR
    env: dict[str, str] = field(default_factory=dict)
    model: Path = MODEL_PATH
    command: Sequence[str] = (str(BIN / "python"), "-m", "bot.serve")
    # The action server it calls, if the caller started one for it.
    actions: ActionServer | None = None

    @property
    def url(self) -> str:
        """Base URL of the assistant, e.g. http://127.0.0.1:5005."""
        return self.base_url

    @property
    def database(self) -> Path:
        """The SQLite file its conversations are stored in."""
        return self.workdir / f"{self.name}.db"

    def arguments(self) -> list[str]:
        """The command line: `rasa run`'s options on this server's port."""
        credentials = self.workdir / f"{self.name}-credentials.yml"
        generate_credentials(CREDENTIALS, credentials, env={})
        return [
            *self.command,
            *("--model", str(self.model), "--endpoints", str(ENDPOINTS)),
            *("--credentials", str(credentials)),
            *("--port", str(self.port), "--interface", HOST),
        ]

    def environment(self) -> dict[str, str]:
        """The current environment without server settings, plus `env`."""
        inherited = {k: v for k, v in os.environ.items() if k not in SERVER_SETTINGS}
        own = {
            "DATABASE_URL": f"sqlite:///{self.database}",
            "LOCK_DATABASE": str(self.workdir / f"{self.name}-locks.db"),
        }
        return quiet_env({**inherited, **own, **self.env})

    def start(self) -> None:
        """Start (again) on the same port and database; wait until it answers."""
        if not self.model.exists():
            raise FileNotFoundError(f"no trained model at {self.model}: make train")
        self.workdir.mkdir(parents=True, exist_ok=True)
        ready = f"{self.base_url}/webhooks/rest/"
        self.launch(self.arguments(), self.environment(), ready)

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


@contextmanager
def running(*servers: Server) -> Iterator[None]:
    """Start the servers in order; stop them in reverse, however the block ends."""
    started: list[Server] = []
    try:
        for server in servers:
            server.start()
            started.append(server)
        yield
    finally:
        for server in reversed(started):
            server.stop()


# ---- make run / make shell ------------------------------------------------------

FOREGROUND = {
    # bot.serve: the production server (REST, socketio, widget, channels).
    "run": [str(BIN / "python"), "-m", "bot.serve"],
    # bot.serve shell: `rasa shell` set up the same way.
    "shell": [str(BIN / "python"), "-m", "bot.serve", "shell"],
}


# Signals a process manager, a terminal or a closed session stop us with.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# Everything started is gone within 10 s: SIGTERM first, so in-flight turns
# finish (a turn takes well under a second), then SIGKILL for whatever is
# left after this. A Sanic server with workers can take longer than that
# to shut down on its own (measured: over 8 s).
STOP_DEADLINE_S = 5.0
# How often `make run` checks that the action server is still there.
RESTART_CHECK_S = 1.0


class Stopped(BaseException):
    """A stop signal arrived (like KeyboardInterrupt: `except Exception` skips it)."""

    def __init__(self, signum: int) -> None:
        """Remember which signal."""
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_stopped(signum: int, _frame: object) -> None:
    """Signal handler: unwind, so that every `finally` stops what it started."""
    raise Stopped(signum)


def port_taken(port: int) -> bool:
    """True when something already listens on (or holds) the TCP port."""
    with socket.socket() as sock:
        # As servers bind: a closed connection's TIME_WAIT is not a taker.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def stop_all(processes: Sequence[subprocess.Popen[bytes] | None]) -> None:
    """SIGTERM each process (its whole group when it leads one), then SIGKILL.

    All are signalled first and waited for together, so stopping takes the
    slowest one's time, never the sum.
    """
    alive = [p for p in processes if p is not None and p.poll() is None]
    for process in alive:
        signal_tree(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_DEADLINE_S
    for process in alive:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            signal_tree(process, signal.SIGKILL)
            process.wait()
        # Workers outlive their parent by a moment; none may outlive us.
        signal_tree(process, signal.SIGKILL)
    for process in alive:
        wait_group_gone(process.pid, deadline + STOP_DEADLINE_S)


def wait_group_gone(pgid: int, deadline: float) -> None:
    """Wait (until `deadline`) for every process of group `pgid` to be reaped.

    A killed process drops its memory, and with it its /proc command line,
    before it closes its files: until it is reaped, its port may still be
    listening. Orphaned workers are reaped by init within about a second.
    """
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)


def signal_tree(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal a process's group if it leads one, else the process alone."""
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signum)
        elif process.poll() is None:
            process.send_signal(signum)
    except ProcessLookupError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the assistant in the foreground with its action server beside it.

    SIGTERM, SIGINT (Ctrl-C) and SIGHUP stop both, workers included, within
    10 s. A port already taken is reported in one line, exit code 1.
    """
    parser = argparse.ArgumentParser(
        prog="python -m tools.harness", description=main.__doc__
    )
    parser.add_argument("mode", choices=sorted(FOREGROUND))
    parser.add_argument("--actions-port", type=int, default=5055)
    options, rest = parser.parse_known_args(argv)
    ports = [options.actions_port]
    if options.mode == "run":
        ports.append(listening_port(rest))
    taken = [port for port in ports if port_taken(port)]
    if taken:
        print(
            f"error: port {taken[0]} is already in use; stop whatever holds it, "
            "or choose another (PORT=..., ACTIONS_PORT=...)",
            file=sys.stderr,
        )
        return 1
    for signum in STOP_SIGNALS:
        signal.signal(signum, raise_stopped)
    RUN_DIR.mkdir(exist_ok=True)
    mark = {LAUNCHER_VARIABLE: str(os.getpid())}
    watch_launcher()
    actions = ActionServer(
        "actions", port=options.actions_port, log_dir=RUN_DIR, env=mark
    )
    server: subprocess.Popen[bytes] | None = None
    try:
        print(f"==> Starting the action server on port {actions.port}...", flush=True)
        try:
            actions.start()
        except (RuntimeError, TimeoutError) as error:
            print(f"error: the action server did not start ({error}); see {RUN_DIR}/")
            return 1
        env = quiet_env({**os.environ, **mark, "ACTION_ENDPOINT_URL": actions.url})
        env.setdefault("WARNINGS_LOG", str(RUN_DIR / "warnings.log"))
        # The server leads its own group, so its workers are stopped with it;
        # the shell stays in ours, to keep reading the terminal.
        server = subprocess.Popen(
            [*FOREGROUND[options.mode], *rest],
            env=env,
            cwd=ROOT,
            start_new_session=options.mode == "run",
        )
        return serve_until_done(server, actions)
    except Stopped as stopped:
        # Asked to stop, and stopped cleanly: not a failure (exit code 0).
        print(f"==> {stopped}: stopping the assistant and the action server...")
        return 0
    finally:
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        stop_all([server, actions.process])


def watch_launcher() -> None:
    """Start the watch that stops what this launcher starts if it is killed."""
    subprocess.Popen(
        [sys.executable, "-m", "tools.watchdog", str(os.getpid())],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def serve_until_done(server: subprocess.Popen[bytes], actions: ActionServer) -> int:
    """Wait for the assistant to end, restarting the action server if it dies.

    Urgent replies do not need the action server, but prep sheets and
    settings do: a dead one is started again on its port, in one line.
    """
    while True:
        try:
            return server.wait(timeout=RESTART_CHECK_S)
        except subprocess.TimeoutExpired:
            pass
        stopped = actions.process.poll() if actions.process else 0
        if stopped is None:
            continue
        print(
            f"==> The action server stopped (exit code {stopped}); restarting it...",
            flush=True,
        )
        try:
            actions.start()
        except (RuntimeError, TimeoutError) as error:
            print(f"error: the action server did not restart ({error}); see {RUN_DIR}/")


if __name__ == "__main__":
    sys.exit(main())
