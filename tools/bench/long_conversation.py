"""One long conversation, to see whether a turn costs more as it grows.

The same block of messages is sent again and again in one conversation, one
after another, so turns 1-20 and 101-120 ask exactly the same things and
differ only in how much history precedes them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import aiohttp

from tools.bench.load import REQUEST_TIMEOUT_S, send

TURNS = 120
WINDOW = 20
# Target: the median of the last window within this factor of the first's.
GROWTH_LIMIT = 1.15


def script(
    messages: Sequence[str], turns: int = TURNS, block: int = WINDOW
) -> list[str]:
    """The first `block` messages, repeated to `turns` messages."""
    repeated = list(messages[:block])
    return (repeated * (turns // len(repeated) + 1))[:turns]


async def run(url: str, texts: Sequence[str], run_id: str) -> list[float]:
    """Each turn's latency in ms (NaN for an error), in order."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    latencies = []
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for text in texts:
            started = time.perf_counter()
            outcome = await send(session, url, f"bench-{run_id}-long", text)
            elapsed = (time.perf_counter() - started) * 1000
            latencies.append(elapsed if outcome != "error" else float("nan"))
    return latencies


def summary(
    latencies: Sequence[float], window: int = WINDOW
) -> dict[str, float | None]:
    """Median of the first and the last window, and their ratio."""
    first = [v for v in latencies[:window] if v == v]
    last = [v for v in latencies[-window:] if v == v]
    if not first or not last:
        return {"first_median_ms": None, "last_median_ms": None, "growth": None}
    first_ms, last_ms = statistics.median(first), statistics.median(last)
    return {
        "turns": len(latencies),
        "first_median_ms": round(first_ms, 2),
        "last_median_ms": round(last_ms, 2),
        "growth": round(last_ms / first_ms, 3),
    }
