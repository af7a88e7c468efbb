"""Where one message's time goes inside the server, measured in-process.

Run as `python -m tools.bench.profile --model M --endpoints E --out OUT.json`
(the benchmark does, with the action server running). It loads the model
the way the server does (rasa.core.agent.load_agent with the endpoints and
production's message processor),
then handles the benchmark's conversations one message at a time while
timing every graph node (NLU components and policies), the action server
calls and the tracker store, and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from tools.bench.stats import finite, percentile

NLU, POLICIES, ACTIONS, TRACKERS = "NLU", "Policies", "Custom actions", "Tracker store"
NODE_NAME = re.compile(r"^(?:run_)?(?:\w+\.)*(?P<name>\w+?)(?P<index>\d*)$")


class Recorder:
    """Durations by (stage, component), and the stage now running."""

    def __init__(self) -> None:
        self.stage = "Other"
        self.seconds: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.enabled = False

    def add(self, stage: str, component: str, seconds: float) -> None:
        """Record one call's duration (ignored while warming up)."""
        if self.enabled:
            self.seconds[(stage, component)].append(seconds)


RECORDER = Recorder()


def short_node_name(node: str, unique: bool = True) -> str:
    """A graph node's component name: 'run_bot.nlu.risk_gate.RiskGate9'.

    Gives 'RiskGate', or 'RiskGate 9' when not unique (the pipeline has
    more than one component of that class).
    """
    match = NODE_NAME.match(node)
    if not match:
        return node
    if unique or not match.group("index"):
        return match.group("name")
    return f"{match.group('name')} {match.group('index')}"


def _patch_sync(owner: type, attribute: str, stage: str, label: str) -> None:
    """Time owner.attribute (a plain method) as stage/label; sets the stage."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        previous, RECORDER.stage = RECORDER.stage, stage
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            RECORDER.add(stage, label, time.perf_counter() - started)
            RECORDER.stage = previous

    setattr(owner, attribute, timed)


def _patch_async(
    owner: type, attribute: str, stage: str, label: str | Callable[[Any], str]
) -> None:
    """Time owner.attribute (a coroutine method) as stage/label; sets the stage.

    label may be a function of the instance.
    """
    original = getattr(owner, attribute)

    @functools.wraps(original)
    async def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        previous, RECORDER.stage = RECORDER.stage, stage
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            name = label if isinstance(label, str) else label(self)
            RECORDER.add(stage, name, time.perf_counter() - started)
            RECORDER.stage = previous

    setattr(owner, attribute, timed)


def _patch_graph_nodes(graph_node: type) -> None:
    """Time every graph node call under the stage running it."""
    original: Callable[..., Any] = graph_node.__call__

    def timed(self: Any, *inputs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *inputs)
        finally:
            RECORDER.add(RECORDER.stage, self._node_name, time.perf_counter() - started)

    # Patched on the class, so every node of the loaded graph is timed.
    graph_node.__call__ = timed  # type: ignore[method-assign]


def install_production_processor() -> None:
    """Set Rasa up as production's server (bot.serve) does."""
    from bot import action_validation, processor

    processor.install()
    action_validation.install()


def configure_logging_as_the_server_does() -> None:
    """`rasa run` logs at INFO; unconfigured, Rasa formats every debug line."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)


def instrument() -> None:
    """Patch Rasa's classes so every stage of a message is timed."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.engine.graph import GraphNode
    from rasa.utils.endpoints import EndpointConfig

    _patch_graph_nodes(GraphNode)
    _patch_async(MessageProcessor, "parse_message", NLU, "total")
    _patch_sync(MessageProcessor, "_predict_next_with_tracker", POLICIES, "total")
    # Custom actions (including custom slot mappings, run on every message):
    # the HTTP round trip, Rasa's check of the answer, and the whole call.
    _patch_async(RemoteAction, "run", ACTIONS, "total")
    _patch_async(EndpointConfig, "request", ACTIONS, "HTTP round trip")
    _patch_sync(
        RemoteAction,
        "_validate_action_result",
        ACTIONS,
        "answer validation (jsonschema)",
    )
    for method in ("fetch_tracker_and_update_session", "save_tracker"):
        _patch_async(MessageProcessor, method, TRACKERS, "fetch and save")


async def handle_all(
    agent: Any, scripts: Sequence[list[str]], prefix: str = "bench-profile"
) -> list[float]:
    """Handle every script's messages in order; each message's seconds."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    durations = []
    for index, script in enumerate(scripts):
        for text in script:
            message = UserMessage(
                text, CollectingOutputChannel(), sender_id=f"{prefix}-{index}"
            )
            started = time.perf_counter()
            await agent.handle_message(message)
            durations.append(time.perf_counter() - started)
    return durations


def _with_totals(rows: list[dict[str, Any]], turn_ms: float) -> list[dict[str, Any]]:
    """Add a summed total to stages without a measured one, and 'Other'.

    'Other' is the rest of the turn: the lock, events, responses, the
    output channel.
    """
    stages = {row["stage"] for row in rows}
    totals = {r["stage"]: r for r in rows if r["component"] == "total"}
    for stage in stages - totals.keys():
        parts = [r for r in rows if r["stage"] == stage]
        totals[stage] = {
            "stage": stage,
            "component": "total",
            "calls_per_message": round(sum(r["calls_per_message"] for r in parts), 2),
            "ms_per_message": round(sum(r["ms_per_message"] for r in parts), 3),
        }
        if len(parts) > 1:
            rows.append(totals[stage])
    rest = turn_ms - sum(t["ms_per_message"] for t in totals.values())
    rows.append(
        {
            "stage": "Other",
            "component": "lock, events, responses",
            "calls_per_message": 1.0,
            "ms_per_message": round(rest, 3),
        }
    )
    for row in rows:
        row["share_of_turn"] = round(row["ms_per_message"] / turn_ms, 4)
    return rows


def component_rows(turns: int, turn_ms: float) -> list[dict[str, Any]]:
    """One row per timed component: calls and milliseconds per message."""
    short = [short_node_name(node) for node in {node for _, node in RECORDER.seconds}]
    rows = []
    for (stage, node), seconds in RECORDER.seconds.items():
        component = short_node_name(
            node, unique=short.count(short_node_name(node)) == 1
        )
        ms_per_message = sum(seconds) * 1000 / turns
        rows.append(
            {
                "stage": stage,
                "component": component,
                "calls_per_message": round(len(seconds) / turns, 2),
                "ms_per_message": round(ms_per_message, 3),
            }
        )
    rows = _with_totals(rows, turn_ms)
    order = [NLU, POLICIES, ACTIONS, TRACKERS, "Other"]
    rows.sort(
        key=lambda r: (
            order.index(r["stage"]) if r["stage"] in order else len(order),
            r["component"] == "total",
            -cast(float, r["ms_per_message"]),
        )
    )
    return rows


async def profile(model: Path, endpoints: Path, scripts: list[list[str]]) -> dict:
    """Load the model as the server does, then time every message's stages."""
    started = time.perf_counter()
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    import_s = time.perf_counter() - started
    configure_logging_as_the_server_does()
    install_production_processor()
    instrument()
    started = time.perf_counter()
    agent = await load_agent(
        model_path=str(model), endpoints=AvailableEndpoints.read_endpoints(endpoints)
    )
    load_s = time.perf_counter() - started
    await handle_all(agent, [["hello", "does it hurt?"]], "bench-warmup")  # unrecorded
    RECORDER.enabled = True
    durations_ms = [s * 1000 for s in await handle_all(agent, scripts)]
    turn_ms = sum(durations_ms) / len(durations_ms)
    return {
        "model": str(model),
        "import_s": round(import_s, 2),
        "load_s": round(load_s, 2),
        "messages": len(durations_ms),
        "turn_ms": {
            "mean": finite(turn_ms, 3),
            "p50": finite(percentile(durations_ms, 50), 3),
            "p95": finite(percentile(durations_ms, 95), 3),
        },
        "components": component_rows(len(durations_ms), turn_ms),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: profile one model on the scripts file, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--endpoints", type=Path, required=True)
    parser.add_argument("--scripts", type=Path, required=True, help="JSON list")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    scripts = json.loads(args.scripts.read_text())
    result = asyncio.run(profile(args.model, args.endpoints, scripts))
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
