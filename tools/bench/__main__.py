"""`python -m tools.bench`: train, serve and load mesoprep and the baseline.

Phases, each announced on one line:

1. build the load (conversations from tests/stories and tests/nlu, fixed seed);
2. train mesoprep (config.yml) and the baseline (Rasa's default config) on the
   same domain.yml and data/, into reports/bench/models/, timed;
3. start the action server, then serve each model in turn: mesoprep as
   `make run` does (`python -m bot.serve`, one worker per core), the baseline
   as `rasa run` does by default (one process, stores in memory): time to
   first answer, warm-up, each concurrency level, peak memory;
4. profile one message's stages in mesoprep, in a separate process;
5. write report.md, latency.png and results.json into reports/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.channels.credentials import generate as generate_credentials
from tools.bench import load, long_conversation, open_loop, train
from tools.bench.console import phase
from tools.bench.report import BASELINE, MB, OURS, evaluate_targets, write_outputs
from tools.bench.servers import Served, action_server, rasa_server
from tools.harness import BIN, QUIET_ENV, ROOT


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "reports" / "bench",
        help="report, plot, JSON, models and logs (default: reports/bench)",
    )
    parser.add_argument("--levels", default="1,16", help="concurrent conversations")
    parser.add_argument("--messages", type=int, default=480, help="per level")
    parser.add_argument("--turns", type=int, default=6, help="per conversation")
    parser.add_argument("--deadline", type=float, default=90, help="s per level")
    parser.add_argument(
        "--ramp", type=float, default=1.0, help="s over which conversations start"
    )
    parser.add_argument(
        "--rates",
        default=",".join(f"{r:g}" for r in open_loop.RATES),
        help="open-loop arrival rates, messages per second, in order",
    )
    parser.add_argument(
        "--open-duration", type=float, default=20.0, help="s of arrivals per rate"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean pause (s) between messages",
    )
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured messages")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--retrain-baseline",
        action="store_true",
        help="even if its inputs are unchanged",
    )
    parser.add_argument(
        "--baseline-epochs",
        type=int,
        help="train the baseline's networks for this many epochs instead of "
        "Rasa's 100: the same networks, so the same cost per message, but its "
        "training time is then not Rasa's",
    )
    parser.add_argument(
        "--reuse-models",
        action="store_true",
        help="reuse mesoprep's model too when unchanged (for working on the bench)",
    )
    parser.add_argument(
        "--server-command",
        default=f"{sys.executable} -m bot.serve",
        help="how `make run` starts mesoprep (takes `rasa run`'s options)",
    )
    parser.add_argument(
        "--baseline-command",
        default=f"{BIN / 'rasa'} run",
        help="how the baseline is served: Rasa's default, one process",
    )
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--skip-profile", action="store_true")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Loads:
    """Every load, the same for both servers.

    Closed-loop levels and open-loop rates (each with its scripts), and the
    long conversation's messages.
    """

    closed: dict[int, tuple[load.LoadPlan, list]]
    open: dict[float, tuple[open_loop.OpenLoopPlan, list]]
    long: list[str]


def build_load(args: argparse.Namespace) -> Loads:
    """Each load's plan and scripts, from a fixed seed."""
    stories = load.story_turns(sorted((ROOT / "tests" / "stories").glob("*.yml")))
    examples = load.nlu_examples(ROOT / "tests" / "nlu" / "test_nlu.yml")
    conversations = math.ceil(args.messages / args.turns)
    closed = {}
    for level in (int(c) for c in args.levels.split(",")):
        plan = load.LoadPlan(level, conversations, args.turns, args.deadline, args.ramp)
        scripts = load.build_scripts(
            stories, examples, conversations, args.turns, args.seed + level
        )
        closed[level] = (plan, scripts)
    rates = {}
    for rate in (float(r) for r in args.rates.split(",")):
        open_plan = open_loop.OpenLoopPlan(
            rate, args.open_duration, args.turns, args.think
        )
        scripts = load.build_scripts(
            stories, examples, open_plan.conversations, args.turns, args.seed + 1000
        )
        rates[rate] = (open_plan, scripts)
    # Questions about the guide only: an erasure request or a crisis in the
    # block would end or change the conversation it measures.
    questions = load.nlu_examples(ROOT / "tests" / "nlu" / "test_nlu.yml", "ask_")
    block = random.Random(args.seed).sample(questions, long_conversation.WINDOW)
    return Loads(closed, rates, long_conversation.script(block))


def train_both(args: argparse.Namespace, models: Path) -> dict[str, train.Trained]:
    """Train (or reuse) mesoprep's model and the baseline's, in that order."""
    rasa = BIN / "rasa"
    baseline_config = train.write_baseline_config(
        models / "baseline-config.yml", args.baseline_epochs
    )
    # name: (config, whether to reuse an unchanged model, code it trains with)
    configs: dict[str, tuple[Path, bool, tuple[Path, ...]]] = {
        OURS: (ROOT / "config.yml", args.reuse_models, (ROOT / "bot" / "nlu",)),
        BASELINE: (baseline_config, not args.retrain_baseline, ()),
    }
    trained = {}
    for name, (config, reuse, code) in configs.items():
        phase(f"Training {name} ({config.name})...")
        result = train.train_or_reuse(rasa, name, config, ROOT, models, reuse, code)
        how = "reused, trained" if result.reused else "trained"
        phase(
            f"  {name}: {how} in {result.train_s:.1f} s, "
            f"model {result.model_bytes / MB:.1f} MB"
        )
        trained[name] = result
    return trained


def drive(served: Served, load_plans: Loads, warmup: list[str], name: str) -> dict:
    """Warm up, then run every load against one server; its figures."""
    asyncio.run(load.warm_up(served.url, warmup, name))
    levels, latencies = {}, {}
    for level, (plan, scripts) in load_plans.closed.items():
        phase(f"  {name}: {level} concurrent conversation(s), {plan.messages} messages")
        result = asyncio.run(load.run_level(served.url, scripts, plan, name))
        summary = result.summary()
        phase(
            f"  {name}: {summary['messages_per_s']} msg/s, p50 {summary['p50_ms']} ms, "
            f"p95 {summary['p95_ms']} ms, {summary['errors']} errors"
        )
        levels[str(level)] = summary
        latencies[str(level)] = [round(v, 2) for v in result.latencies_ms]
    return {
        "levels": levels,
        "latencies_ms": latencies,
        "open_loop": drive_open_loop(served, load_plans, name),
        "long_conversation": drive_long_conversation(served, load_plans, name),
    }


def drive_open_loop(served: Served, load_plans: Loads, name: str) -> dict:
    """Each arrival rate in turn, until the server saturates; their figures."""
    rates = []
    for rate, (plan, scripts) in load_plans.open.items():
        phase(f"  {name}: open loop, {rate:g} msg/s arriving for {plan.duration_s:g} s")
        result = asyncio.run(open_loop.run_rate(served.url, scripts, plan, name, rate))
        summary = result.summary()
        phase(
            f"  {name}: p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
            f"p99 {summary['p99_ms']} ms, {summary['unanswered']} unanswered"
        )
        rates.append(summary)
        if open_loop.saturated(summary):
            phase(f"  {name}: saturated; higher rates not run")
            break
    return {
        "rates": rates,
        "highest_rate_p95_ok": open_loop.highest_rate_under(rates),
    }


def drive_long_conversation(served: Served, load_plans: Loads, name: str) -> dict:
    """One conversation of long_conversation.TURNS messages; its figures."""
    phase(f"  {name}: one conversation of {len(load_plans.long)} messages")
    latencies = asyncio.run(long_conversation.run(served.url, load_plans.long, name))
    summary = long_conversation.summary(latencies)
    phase(
        f"  {name}: median turn {summary['first_median_ms']} ms over the first "
        f"{long_conversation.WINDOW}, {summary['last_median_ms']} ms over the last"
    )
    return {**summary, "latencies_ms": [round(v, 2) for v in latencies]}


def serve_and_load(
    name: str,
    model: Path,
    args: argparse.Namespace,
    plans: Loads,
    warmup: list[str],
    env: dict[str, str],
) -> dict[str, Any]:
    """Serve one model, measure start-up, load it; its figures."""
    phase(f"Serving {name}: starting the server...")
    run_dir = args.out / "run"
    env = {
        **env,
        "DATABASE_URL": fresh_database(run_dir / f"conversations-{name}.db"),
        "LOCK_DATABASE": str(run_dir / f"locks-{name}.db"),
    }
    # mesoprep as `make run` serves it; the baseline as `rasa run` does by
    # default: one process, conversations and locks in memory.
    command = args.server_command if name == OURS else args.baseline_command
    endpoints = args.endpoints if name == OURS else baseline_endpoints(run_dir)
    with rasa_server(
        shlex.split(command),
        model,
        endpoints,
        run_dir / "credentials.yml",
        run_dir / "logs" / f"rasa-{name}.log",
        env,
    ) as served:
        phase(f"  {name}: first answer {served.startup_s:.1f} s after start")
        figures = drive(served, plans, warmup, name)
        peak = served.memory.close()
    phase(f"  {name}: peak memory {peak / MB:.0f} MB")
    return {
        "startup_s": round(served.startup_s, 2),
        "startup_rss_bytes": served.startup_rss_bytes,
        "peak_rss_bytes": peak,
        **figures,
    }


def baseline_endpoints(run_dir: Path) -> Path:
    """Rasa's default endpoints: the action server only."""
    path = run_dir / "baseline-endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n", "utf-8")
    return path


def fresh_database(path: Path) -> str:
    """The SQLAlchemy URL of an empty SQLite file at path (for the trackers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return f"sqlite:///{path.resolve()}"


def run_profile(
    model: Path, endpoints: Path, scripts: list, out: Path, env: dict[str, str]
) -> dict:
    """Profile mesoprep in a separate process (keeps Rasa out of this one)."""
    phase("Profiling one message's stages in mesoprep (in-process)...")
    scripts_file, result = out / "profile-scripts.json", out / "profile.json"
    scripts_file.write_text(json.dumps(scripts))
    args = [
        *(sys.executable, "-m", "tools.bench.profile", "--model", str(model)),
        *("--endpoints", str(endpoints), "--scripts", str(scripts_file)),
        *("--out", str(result)),
    ]
    log = out / "logs" / "profile.log"
    env = {**env, "DATABASE_URL": fresh_database(out / "conversations-profile.db")}
    with log.open("w") as handle:
        code = subprocess.call(args, cwd=ROOT, env=env, stdout=handle, stderr=handle)
    if code != 0:
        phase(f"  profiling failed (code {code}); see {log}")
        return {}
    return json.loads(result.read_text())


def meta(args: argparse.Namespace, plans: Loads, started_at: str) -> dict[str, Any]:
    """Where and how the benchmark ran."""
    levels = ", ".join(str(level) for level in plans.closed)
    return {
        "started_at": started_at,
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg()[0],
        "python": platform.python_version(),
        "rasa_version": metadata.version("rasa"),
        "seed": args.seed,
        "server_command": args.server_command.replace(sys.executable, "python"),
        "baseline_command": args.baseline_command.replace(str(BIN) + "/", ""),
        "workers": os.environ.get("WORKERS") or os.cpu_count(),
        "endpoints": str(args.endpoints),
        "warmup_messages": args.warmup,
        "baseline_epochs": args.baseline_epochs,
        "load_description": (
            f"at each level ({levels} concurrent conversations) "
            f"{math.ceil(args.messages / args.turns)} conversations of "
            f"{args.turns} messages: the user turns of one test story "
            "(tests/stories), then held-out NLU test examples (tests/nlu), "
            f"drawn with seed {args.seed} + level; each conversation sends its "
            "messages one after the other, with no pause; the first "
            f"conversations start spread over {args.ramp:g} s; a level stops "
            f"after {args.deadline:g} s."
        ),
        "open_loop_description": (
            f"at each rate ({args.rates} messages per second, in order, until "
            f"p95 passes {open_loop.SATURATED_P95_MS / 1000:g} s) people arrive "
            f"for {args.open_duration:g} s as a Poisson process at rate / "
            f"{args.turns} conversations per second, each sending {args.turns} "
            "messages built as above (seed + 1000) and pausing between them "
            f"for an exponentially distributed time, {args.think:g} s on "
            "average; conversations under way get 20 s more to finish, and a "
            "message left unanswered counts as slower than every answer."
        ),
        "long_description": (
            f"one conversation of {long_conversation.TURNS} messages: "
            f"{long_conversation.WINDOW} questions about the guide drawn from "
            f"tests/nlu (intents ask_*, seed {args.seed}), repeated, sent one "
            "after the other; the median of turns 1-20 against that of the "
            "last 20 (the same messages, with more history)."
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run every phase; exits 0 whether or not the targets are met."""
    args = parse_args(argv)
    started = time.monotonic()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out, run_dir = args.out, args.out / "run"
    # Conversations go to a SQLite file per server under out/run (production's
    # default store), never to .data/ or a configured database; locks stay in
    # the process (one server).
    env = {**QUIET_ENV, **os.environ}
    env.pop("REDIS_URL", None)
    phase("Building the load from tests/stories and tests/nlu...")
    plans = build_load(args)
    results: dict[str, Any] = {"meta": meta(args, plans, started_at), "servers": {}}
    models = train_both(args, out / "models")
    generate_credentials(ROOT / "credentials.yml", run_dir / "credentials.yml", {})
    first_scripts = plans.closed[min(plans.closed)][1]
    warmup = [text for script in first_scripts[::-1] for text in script][: args.warmup]
    phase("Starting the action server...")
    with action_server(BIN, run_dir / "logs" / "actions.log", env) as actions_url:
        env = {**env, "ACTION_ENDPOINT_URL": actions_url}
        for name, trained in models.items():
            figures = serve_and_load(name, trained.model, args, plans, warmup, env)
            results["servers"][name] = {"training": trained.to_json(), **figures}
        if not args.skip_profile:
            results["profile"] = run_profile(
                models[OURS].model, args.endpoints, first_scripts, run_dir, env
            )
    results["meta"]["loadavg_end"] = os.getloadavg()[0]
    results["meta"]["duration_s"] = round(time.monotonic() - started, 1)
    report, plot, data = write_outputs(results, out)
    phase(f"Done: {report}, {plot}, {data}")
    for target in evaluate_targets(results):
        print(f"  {target.verdict.strip('*'):7} {target.name}: {target.measured}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
