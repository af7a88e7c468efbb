"""`python -m tools.watchdog PID`: stop what launcher PID started once PID dies.

`make run` and `make shell` start the action server and the assistant (with
its workers) in sessions of their own, so a terminal's Ctrl-C or a process
manager's SIGTERM reaches the launcher (tools.harness), which stops them. A
launcher killed outright (SIGKILL: an out-of-memory kill, a supervisor's
timeout) cannot: this watch, in a session of its own, sees it gone and stops
every process carrying its mark (LAUNCHER_VARIABLE=PID in the environment,
inherited by workers and by a restarted action server), SIGTERM first, then
SIGKILL. It exits with nothing left to watch.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

LAUNCHER_VARIABLE = "MESOPREP_LAUNCHER"
POLL_S = 0.5
# SIGTERM lets in-flight turns finish; whatever is left after this is killed.
GRACE_S = 4.0


def alive(pid: int) -> bool:
    """Whether `pid` is running (a zombie waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def marked(launcher: int) -> list[int]:
    """Processes whose environment carries the launcher's mark."""
    mark = f"{LAUNCHER_VARIABLE}={launcher}".encode()
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if mark in environ.split(b"\0") and int(entry) != os.getpid():
            found.append(int(entry))
    return found


def signal_all(pids: Sequence[int], signum: int) -> None:
    """Send `signum` to each process that is still there."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def stop_marked(launcher: int) -> None:
    """SIGTERM everything marked by `launcher`, then SIGKILL what remains."""
    signal_all(marked(launcher), signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while marked(launcher) and time.monotonic() < deadline:
        time.sleep(0.1)
    signal_all(marked(launcher), signal.SIGKILL)


def watch(launcher: int) -> None:
    """Wait for the launcher to die, then stop what it started."""
    while alive(launcher):
        time.sleep(POLL_S)
    stop_marked(launcher)


def main(argv: Sequence[str] | None = None) -> int:
    """Watch the launcher whose pid is the one argument."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m tools.watchdog LAUNCHER_PID", file=sys.stderr)
        return 2
    # Stopping the launcher's group (Ctrl-C) must not stop the watch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    watch(int(args[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
