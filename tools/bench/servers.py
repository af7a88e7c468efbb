"""Starting, probing, measuring and stopping the servers under test."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

try:  # psutil is optional: /proc gives the same figures on Linux.
    import psutil
except ImportError:  # pragma: no cover - depends on the environment
    psutil = None


from tools.harness import (
    HOST,
    STARTUP_TIMEOUT_S,
    answers,
    free_port,
    start,
    stop,
    wait_until,
)
from tools.http import post_json

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _children_by_parent() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def _rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 once it has exited)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int) -> int:
    """RSS of a process and all its descendants, in bytes."""
    if psutil is not None:
        try:
            proc = psutil.Process(root)
            tree = [proc, *proc.children(recursive=True)]
            return sum(p.memory_info().rss for p in tree if p.is_running())
        except psutil.Error:
            return 0
    children = _children_by_parent()
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _rss_bytes(pid)
        pending.extend(children.get(pid, []))
    return total


@dataclass
class MemorySampler:
    """Samples a process tree's RSS in a background thread; keeps the peak."""

    pid: int
    interval_s: float = 0.25
    peak_bytes: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def sample(self) -> int:
        """Take one sample now; returns it."""
        rss = tree_rss_bytes(self.pid)
        self.samples.append((time.monotonic() - self._started, rss))
        self.peak_bytes = max(self.peak_bytes, rss)
        return rss

    def close(self) -> int:
        """Stop sampling; the peak in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak_bytes


@contextmanager
def action_server(bin_dir: Path, log: Path, env: dict[str, str]) -> Iterator[str]:
    """The project's action server on a loopback port; yields its webhook URL."""
    port = free_port()
    process = start(
        [str(bin_dir / "rasa"), "run", "actions", "--port", str(port)],
        log,
        {**env, "SANIC_HOST": HOST},
    )
    try:
        wait_until(answers(f"http://{HOST}:{port}/health"), process, 120, 0.5)
        yield f"http://{HOST}:{port}/webhook"
    finally:
        stop(process)


@dataclass
class Served:
    """A running Rasa server: where to talk to it and what it measured."""

    url: str
    startup_s: float
    memory: MemorySampler
    startup_rss_bytes: int


@contextmanager
def rasa_server(
    command: Sequence[str],
    model: Path,
    endpoints: Path,
    credentials: Path,
    log: Path,
    env: dict[str, str],
) -> Iterator[Served]:
    """The server command (`rasa run`'s options) on a loopback port.

    Timed from process start to the first answered REST message.
    """
    port = free_port()
    url = f"http://{HOST}:{port}/webhooks/rest/webhook"
    args = [
        *command,
        *("--model", str(model)),
        *("--port", str(port), "--interface", HOST),
        *("--endpoints", str(endpoints), "--credentials", str(credentials)),
    ]
    started = time.perf_counter()
    process = start(args, log, env)
    memory = MemorySampler(process.pid)
    try:
        probe = {"sender": f"bench-probe-{port}", "message": "hello"}

        def first_answer() -> None:
            if not post_json(url, probe).ok:
                raise OSError("no answer yet")

        wait_until(first_answer, process, STARTUP_TIMEOUT_S, interval_s=0.1)
        startup_s = time.perf_counter() - started
        yield Served(url, startup_s, memory, memory.sample())
    finally:
        memory.close()
        stop(process)
