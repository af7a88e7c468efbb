"""Stopping `make run` and `make shell` as a process manager or a terminal does.

Each test starts the harness (what `make run`/`make shell` run) in its own
process group, as `make` would be, sends one signal to the whole group, and
checks that within 10 s every process it started is gone and its ports are
free. A start that finds its port taken must say so in one line.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.channels.credentials import generate as generate_credentials
from bot.paths import MODEL_PATH, ROOT
from tests.support.rest import Conversation
from tools.harness import CREDENTIALS, answers, free_port, wait_until

pytestmark = pytest.mark.server

STOP_WITHIN_S = 10.0
# A killed action server is back, and the prep sheet with it, within this.
PREP_SHEET_WITHIN_S = 15.0


def harness(
    mode: str, server_port: int, actions_port: int, log: Path
) -> subprocess.Popen[bytes]:
    """`python -m tools.harness <mode>` on the given ports, leading its own group."""
    args = [
        sys.executable,
        "-m",
        "tools.harness",
        mode,
        "--actions-port",
        str(actions_port),
    ]
    credentials = log.with_suffix(".credentials.yml")
    generate_credentials(CREDENTIALS, credentials, env={})
    args += ["--model", str(MODEL_PATH), "--endpoints", "endpoints.yml"]
    args += ["--credentials", str(credentials)]
    if mode == "run":
        args += ["--port", str(server_port)]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def processes(marker: str) -> dict[int, str]:
    """Pid -> command line of live processes whose command line holds `marker`."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if marker.encode() in command:
            found[int(pid)] = command.decode(errors="replace")
    return found


def ours(marker: str) -> list[str]:
    """Command lines of live processes whose command line holds `marker`."""
    return list(processes(marker).values())


def listening(port: int) -> bool:
    """True when a server still accepts connections on the loopback port.

    Not a bind test: the ports come from the ephemeral range (free_port), so
    on a busy machine another process's outgoing connection may hold the
    port once the server is gone, and binding fails with no server left.
    """
    with socket.socket() as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ports_free_by(deadline: float, *ports: int) -> bool:
    """True when nothing listens on any of `ports` by the monotonic `deadline`.

    A process leaves /proc's command lines (its memory is freed first) a
    moment before it closes its sockets, so "no process" can precede "port
    free" by that moment on a loaded machine.
    """
    while any(listening(port) for port in ports):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def wait_for(condition: Callable[[], bool], timeout_s: float = 120) -> None:
    """Poll until condition() is true."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def wait_gone(marker: str) -> float:
    """Seconds until no process holds `marker` (fails after 15 s)."""
    began = time.monotonic()
    while ours(marker) and time.monotonic() - began < 15:
        time.sleep(0.1)
    assert not ours(marker), ours(marker)
    return time.monotonic() - began


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_run_stops_every_process_on_a_signal(signum: int, tmp_path: Path) -> None:
    server_port, actions_port = free_port(), free_port()
    process = harness("run", server_port, actions_port, tmp_path / "run.log")
    base = f"http://127.0.0.1:{server_port}"
    wait_until(answers(f"{base}/webhooks/rest/"), process)
    assert len(ours(f"--port {server_port}")) >= 2  # the harness and the server
    os.killpg(process.pid, signum)
    began = time.monotonic()
    wait_gone(f"--port {server_port}")
    wait_gone(f"-port {actions_port}")
    assert time.monotonic() - began <= STOP_WITHIN_S
    process.wait(timeout=5)
    assert ports_free_by(began + STOP_WITHIN_S, server_port, actions_port)


def test_shell_stops_every_process_on_sigterm(tmp_path: Path) -> None:
    actions_port = free_port()
    log = tmp_path / "shell.log"
    process = harness("shell", 0, actions_port, log)
    wait_until(answers(f"http://127.0.0.1:{actions_port}/health"), process)
    wait_until(
        lambda: ours("bot.serve shell") or (_ for _ in ()).throw(OSError), process
    )
    os.killpg(process.pid, signal.SIGTERM)
    began = time.monotonic()
    wait_gone(f"-port {actions_port}")
    wait_gone("bot.serve shell")
    assert time.monotonic() - began <= STOP_WITHIN_S
    process.wait(timeout=5)
    assert ports_free_by(began + STOP_WITHIN_S, actions_port)


@pytest.mark.parametrize("which", ["server", "actions"])
def test_a_taken_port_is_one_line_and_a_non_zero_exit(which: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        server_port, actions_port = (
            (taken, free_port()) if which == "server" else (free_port(), taken)
        )
        command = [sys.executable, "-m", "tools.harness", "run"]
        command += ["--actions-port", str(actions_port), "--port", str(server_port)]
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and f"port {taken} is already in use" in lines[0]
    assert not ours(f"-port {taken}")


def test_a_launcher_killed_outright_leaves_no_server_behind(tmp_path: Path) -> None:
    """SIGKILL, as an out-of-memory kill or a supervisor's timeout sends it."""
    server_port, actions_port = free_port(), free_port()
    process = harness("run", server_port, actions_port, tmp_path / "run.log")
    wait_until(answers(f"http://127.0.0.1:{server_port}/webhooks/rest/"), process)
    process.kill()  # the launcher alone: its children are in other sessions
    began = time.monotonic()
    process.wait(timeout=5)
    wait_gone(f"--port {server_port}")
    wait_gone(f"-port {actions_port}")
    assert time.monotonic() - began <= STOP_WITHIN_S
    assert ports_free_by(began + STOP_WITHIN_S, server_port, actions_port)


def test_a_dead_action_server_is_restarted_and_the_prep_sheet_works(
    tmp_path: Path,
) -> None:
    server_port, actions_port = free_port(), free_port()
    log = tmp_path / "run.log"
    process = harness("run", server_port, actions_port, log)
    base = f"http://127.0.0.1:{server_port}"
    try:
        wait_until(answers(f"{base}/webhooks/rest/"), process)
        for pid in processes(f"actions --port {actions_port}"):
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        sheet = ""
        while time.monotonic() - killed < PREP_SHEET_WITHIN_S:
            sheet = Conversation(base).text("my prep sheet please")
            if "Your consultation prep sheet" in sheet:
                break
            time.sleep(0.5)
        assert "Your consultation prep sheet" in sheet, sheet
        assert "restarting it" in log.read_text(encoding="utf-8")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


def test_a_requested_stop_is_a_clean_exit(tmp_path: Path) -> None:
    server_port, actions_port = free_port(), free_port()
    process = harness("run", server_port, actions_port, tmp_path / "run.log")
    wait_until(answers(f"http://127.0.0.1:{server_port}/webhooks/rest/"), process)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=15) == 0
