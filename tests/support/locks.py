"""Several processes taking turns on one conversation's lock.

Each process opens its own store and takes the lock many times, holding it
for a moment. A turn that finds the "occupied" marker of another process has
overlapped it (two tickets served at once); a wait as long as the ticket's
lifetime means a ticket was lost and another stayed behind until it expired.
Both are the signs of a ticket step that is not atomic across processes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rasa.core.lock_store import LockStore

CONVERSATION = "contended"
# Far longer than the turns take; a process still waiting is stuck.
FINISH_WITHIN_S = 60


@dataclass
class Contention:
    """What the processes saw, together."""

    turns: int
    overlaps: int
    longest_wait_s: float
    errors: list[str]


def take_turns(
    make_store: Callable[[], LockStore],
    marker: Path,
    turns: int,
    lifetime_s: float,
    results: multiprocessing.Queue,
) -> None:
    """In a child process: take the lock `turns` times; report what happened."""

    done = overlaps = 0
    longest = 0.0
    errors: list[str] = []

    async def run() -> None:
        nonlocal done, overlaps, longest
        store = make_store()
        loop = asyncio.get_running_loop()
        for _ in range(turns):
            begun = loop.time()
            async with store.lock(CONVERSATION, lifetime_s, 0.002):
                longest = max(longest, loop.time() - begun)
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
                except FileExistsError:
                    overlaps += 1
                    continue
                await asyncio.sleep(0.002)
                marker.unlink()
                done += 1

    try:
        asyncio.run(run())
    except Exception as error:  # reported, so the parent never waits for it
        errors.append(f"{type(error).__name__}: {error}")
    results.put((done, overlaps, longest, errors))


def contend(
    make_store: Callable[[], LockStore],
    workdir: Path,
    processes: int = 4,
    turns: int = 25,
    lifetime_s: float = 5.0,
) -> Contention:
    """Run `processes` processes taking turns; wait for all of them."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    marker = workdir / "occupied"
    children = [
        multiprocessing.Process(
            target=take_turns, args=(make_store, marker, turns, lifetime_s, results)
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    reports = []
    for _ in children:
        try:
            reports.append(results.get(timeout=FINISH_WITHIN_S))
        except queue.Empty:
            reports.append((0, 0, FINISH_WITHIN_S, ["a process never finished"]))
    for child in children:
        child.join(10)
        child.terminate()
    return Contention(
        turns=sum(report[0] for report in reports),
        overlaps=sum(report[1] for report in reports),
        longest_wait_s=max(report[2] for report in reports),
        errors=[error for report in reports for error in report[3]],
    )
