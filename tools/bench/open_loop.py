"""Open-loop load: latency as people feel it, at a fixed arrival rate.

Closed-loop load (a fixed number of conversations, no pause) measures
saturation: the next message waits for the last answer, so a slow server is
sent less. Here people arrive on their own schedule whatever the server
does: conversations start as a Poisson process, and each person, once
answered, pauses (exponentially, `think_s` on average) before the next
message. The arrival rate of conversations is rate / turns, so messages
arrive at `rate` per second on average while the server keeps up.

A message not answered when the level ends (its arrivals stop after
`duration_s`, in-flight conversations get `drain_s` more) counts as slower
than any answer: a server that falls behind shows it in p95, not in fewer
measured messages.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from tools.bench.load import REQUEST_TIMEOUT_S, send
from tools.bench.stats import finite, percentile

# Rates, messages per second, tried in this order: 20, 40 and 80 are
# reported side by side; the rest find the highest rate under the limit.
RATES = (5, 10, 20, 40, 60, 80, 100, 120, 160)
REPORTED_RATES = (20, 40, 80)
P95_LIMIT_MS = 300.0
# A rate whose p95 is this far past the limit saturates the server; higher
# rates would only queue (and slow the next level): they are not run.
SATURATED_P95_MS = 3000.0
# Stands for "never answered" among latencies: above any answer (which time
# out after load.REQUEST_TIMEOUT_S), finite so percentiles stay numbers.
UNANSWERED_MS = 1e9


@dataclass(frozen=True)
class OpenLoopPlan:
    """One rate: how long people keep arriving, and how they pace themselves."""

    rate: float
    duration_s: float = 20.0
    turns: int = 6
    think_s: float = 2.0
    drain_s: float = 20.0

    @property
    def conversations(self) -> int:
        """Conversations started over the duration, on average (scripts needed)."""
        return math.ceil(self.rate * self.duration_s / self.turns)


@dataclass
class RateResult:
    """What one arrival rate measured."""

    rate: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    unanswered: int = 0
    wall_s: float = 0.0

    def p(self, q: float) -> float:
        """Latency percentile (ms); unanswered messages rank above every answer."""
        slowest = [UNANSWERED_MS] * (self.unanswered + self.errors)
        return percentile([*self.latencies_ms, *slowest], q)

    def summary(self) -> dict[str, float | int | None]:
        """The rate's figures, for the JSON file and the report."""
        sent = len(self.latencies_ms) + self.errors + self.unanswered
        return {
            "rate": self.rate,
            "messages": sent,
            "answered": len(self.latencies_ms),
            "errors": self.errors,
            "unanswered": self.unanswered,
            "messages_per_s": round(len(self.latencies_ms) / self.wall_s, 2)
            if self.wall_s
            else 0.0,
            **{f"p{q}_ms": _ms(self.p(q)) for q in (50, 95, 99)},
        }


def _ms(value: float) -> float | None:
    """A latency for JSON (None for NaN)."""
    return finite(value, 1)


async def _person(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    script: Sequence[str],
    plan: OpenLoopPlan,
    rng: random.Random,
    result: RateResult,
) -> None:
    """One person: each message after the last answer and a pause."""
    for index, text in enumerate(script):
        if index:
            await asyncio.sleep(rng.expovariate(1 / plan.think_s))
        started = time.perf_counter()
        try:
            outcome = await send(session, url, sender, text)
        except asyncio.CancelledError:
            result.unanswered += len(script) - index
            raise
        if outcome == "error":
            result.errors += 1
        else:
            result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def run_rate(
    url: str,
    scripts: Sequence[list[str]],
    plan: OpenLoopPlan,
    run_id: str,
    seed: float,
) -> RateResult:
    """Start conversations at plan.rate / plan.turns a second; measure each turn."""
    rng = random.Random(seed)
    result = RateResult(rate=plan.rate)
    arrivals_per_s = plan.rate / plan.turns
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0)  # open loop: never hold a person back
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        people: list[asyncio.Task[None]] = []
        arrival = rng.expovariate(arrivals_per_s)
        while arrival < plan.duration_s:
            await asyncio.sleep(max(0.0, started + arrival - time.monotonic()))
            script = scripts[len(people) % len(scripts)]
            sender = f"bench-{run_id}-r{plan.rate:g}-{len(people)}"
            person_rng = random.Random(rng.random())
            people.append(
                asyncio.create_task(
                    _person(session, url, sender, script, plan, person_rng, result)
                )
            )
            arrival += rng.expovariate(arrivals_per_s)
        _, late = await asyncio.wait(people, timeout=_remaining(started, plan))
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        result.wall_s = time.monotonic() - started
    return result


def _remaining(started: float, plan: OpenLoopPlan) -> float:
    """Seconds left until the level ends: the arrivals' time plus the drain."""
    return max(0.0, started + plan.duration_s + plan.drain_s - time.monotonic())


def highest_rate_under(
    summaries: Sequence[dict], limit_ms: float = P95_LIMIT_MS
) -> float | None:
    """The highest rate tried whose p95 stayed within the limit (None if none)."""
    passing = [
        s["rate"]
        for s in summaries
        if s["p95_ms"] is not None and s["p95_ms"] <= limit_ms
    ]
    return max(passing, default=None)


def saturated(summary: dict) -> bool:
    """Whether higher rates would only queue: p95 far past the limit."""
    return summary["p95_ms"] is None or summary["p95_ms"] > SATURATED_P95_MS
