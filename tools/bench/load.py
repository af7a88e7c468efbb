"""The load: conversations built from the test sets, sent over the REST channel.

Every conversation replays the user turns of one test story (real user text,
in order, so follow-ups have their context) and continues with held-out NLU
test examples. The scripts come from a fixed seed, so both servers receive
exactly the same messages in the same order.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

from tools.bench.console import Counter
from tools.bench.stats import LevelResult

ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
REQUEST_TIMEOUT_S = 30


@dataclass(frozen=True)
class LoadPlan:
    """One load level: how many conversations at once, and how much in total."""

    concurrency: int
    conversations: int
    turns: int
    deadline_s: float
    # The conversations start one after another over this many seconds, not
    # all in the same instant (a burst nobody would send).
    ramp_s: float = 1.0

    def start_delay(self, worker: int) -> float:
        """When worker starts its first conversation, in seconds."""
        return worker * self.ramp_s / self.concurrency

    @property
    def messages(self) -> int:
        """Messages the level sends unless the deadline stops it first."""
        return self.conversations * self.turns


def story_turns(paths: Sequence[Path]) -> list[list[str]]:
    """The user turns of each test story, in order."""
    stories = []
    for path in paths:
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            turns = [s["user"].strip() for s in story["steps"] if "user" in s]
            if turns:
                stories.append(turns)
    return stories


def strip_entities(text: str) -> str:
    """Training-data entity markup removed: '[latex](factor)' -> 'latex'."""
    return ENTITY_MARKUP.sub(r"\1", text)


def nlu_examples(path: Path, intent_prefix: str = "") -> list[str]:
    """Every example of an NLU YAML file, as a user would type it.

    Only the intents whose name starts with intent_prefix, if given.
    """
    examples = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if not str(block.get("intent", "")).startswith(intent_prefix):
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(strip_entities(line[2:].strip()))
    return examples


def build_scripts(
    stories: Sequence[Sequence[str]],
    examples: Sequence[str],
    count: int,
    turns: int,
    seed: int,
) -> list[list[str]]:
    """Conversation scripts: one test story's turns, then random examples."""
    rng = random.Random(seed)
    scripts = []
    for _ in range(count):
        script = list(rng.choice(stories))[:turns]
        script += rng.choices(examples, k=turns - len(script))
        scripts.append(script)
    return scripts


async def send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> str:
    """Send one message; 'ok', 'empty' (no bot message) or 'error'."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as rsp:
            if rsp.status != 200:
                await rsp.read()
                return "error"
            body = await rsp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return "error"
    return "ok" if body else "empty"


async def _worker(
    session: aiohttp.ClientSession,
    url: str,
    queue: asyncio.Queue[tuple[str, list[str]]],
    deadline: float,
    result: LevelResult,
    counter: Counter,
    start_delay: float,
) -> None:
    """Take conversations off the queue and play each one turn by turn."""
    await asyncio.sleep(start_delay)
    while not queue.empty():
        sender, script = queue.get_nowait()
        for text in script:
            if time.monotonic() > deadline:
                result.stopped_by_deadline = True
                return
            started = time.perf_counter()
            outcome = await send(session, url, sender, text)
            if outcome == "error":
                result.errors += 1
            else:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.empty_replies += outcome == "empty"
            counter.tick(error=outcome == "error")


async def run_level(
    url: str, scripts: Sequence[list[str]], plan: LoadPlan, run_id: str
) -> LevelResult:
    """Play scripts with plan.concurrency conversations in flight at once."""
    queue: asyncio.Queue[tuple[str, list[str]]] = asyncio.Queue()
    for index, script in enumerate(scripts):
        queue.put_nowait((f"bench-{run_id}-c{plan.concurrency}-{index}", script))
    result = LevelResult(concurrency=plan.concurrency)
    counter = Counter(f"{plan.concurrency} at once", sum(len(s) for s in scripts))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=plan.concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        deadline = started + plan.deadline_s
        await asyncio.gather(
            *(
                _worker(
                    session, url, queue, deadline, result, counter, plan.start_delay(i)
                )
                for i in range(plan.concurrency)
            )
        )
        result.wall_s = time.monotonic() - started
    counter.close()
    return result


async def warm_up(url: str, messages: Sequence[str], run_id: str) -> int:
    """Send messages one by one (not measured); how many were answered."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S * 2)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        outcomes = [
            await send(session, url, f"bench-{run_id}-warmup", text)
            for text in messages
        ]
    return sum(outcome != "error" for outcome in outcomes)
