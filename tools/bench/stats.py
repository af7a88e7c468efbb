"""Pure statistics for the benchmark: percentiles and per-level summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of values, linearly interpolated.

    Same definition as numpy's default ("linear"): NaN for no values.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0-100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """The quotient, or None when either is missing or the divisor is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if math.isnan(numerator) or math.isnan(denominator):
        return None
    return numerator / denominator


def finite(value: float, digits: int = 2) -> float | None:
    """The value rounded, or None when it is NaN (JSON has no NaN)."""
    return None if math.isnan(value) else round(value, digits)


@dataclass
class LevelResult:
    """What one load level (a number of concurrent conversations) measured."""

    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    empty_replies: int = 0
    wall_s: float = 0.0
    stopped_by_deadline: bool = False

    @property
    def answered(self) -> int:
        """Messages that got an HTTP 200 answer."""
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        """Answered messages per second of wall-clock time."""
        return self.answered / self.wall_s if self.wall_s > 0 else 0.0

    def p(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        return percentile(self.latencies_ms, q)

    def summary(self) -> dict[str, float | int | bool | None]:
        """The level's figures, for the JSON file and the report."""
        return {
            "concurrency": self.concurrency,
            "answered": self.answered,
            "errors": self.errors,
            "empty_replies": self.empty_replies,
            "wall_s": round(self.wall_s, 3),
            "messages_per_s": round(self.throughput, 2),
            "p50_ms": finite(self.p(50)),
            "p95_ms": finite(self.p(95)),
            "p99_ms": finite(self.p(99)),
            "stopped_by_deadline": self.stopped_by_deadline,
        }
