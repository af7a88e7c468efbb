"""The benchmark's pure parts: statistics, load scripts, report rendering."""

from __future__ import annotations

import asyncio
import math

import pytest
from aiohttp import web

from tools.bench import long_conversation, open_loop
from tools.bench.load import LoadPlan, build_scripts, strip_entities
from tools.bench.profile import short_node_name
from tools.bench.report import evaluate_targets, render_markdown
from tools.bench.stats import LevelResult, percentile, ratio


def test_percentile_interpolates_like_numpy() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 100) == 4.0
    assert percentile(values, 95) == pytest.approx(3.85)
    assert percentile([7.0], 99) == 7.0


def test_percentile_of_nothing_is_nan_and_bad_q_raises() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_ratio_is_none_without_a_divisor() -> None:
    assert ratio(10, 4) == 2.5
    assert ratio(1, 0) is None
    assert ratio(None, 3) is None


def test_level_summary_counts_and_never_has_nan() -> None:
    level = LevelResult(concurrency=16, latencies_ms=[10, 20, 30, 40], wall_s=2.0)
    level.errors = 1
    summary = level.summary()
    assert summary["messages_per_s"] == 2.0
    assert summary["p50_ms"] == 25.0
    assert summary["errors"] == 1
    assert LevelResult(concurrency=1).summary()["p95_ms"] is None


def test_scripts_are_reproducible_and_start_with_a_story() -> None:
    stories = [["hi", "does it hurt?"], ["how much?"]]
    examples = ["a", "b", "c"]
    first = build_scripts(stories, examples, count=5, turns=4, seed=3)
    assert first == build_scripts(stories, examples, count=5, turns=4, seed=3)
    assert all(len(script) == 4 for script in first)
    assert all(script[:2] == stories[0] or script[0] == "how much?" for script in first)


def test_entity_markup_is_stripped() -> None:
    assert strip_entities("I'm allergic to [latex](allergy)") == "I'm allergic to latex"
    marked = 'on [aspirin]{"entity": "medication"} now'
    assert strip_entities(marked) == "on aspirin now"


def test_graph_node_names_are_shortened() -> None:
    node = "run_bot.nlu.risk_gate.RiskGate9"
    assert short_node_name(node) == "RiskGate"
    assert short_node_name("run_CountVectorsFeaturizer3", unique=False) == (
        "CountVectorsFeaturizer 3"
    )
    assert short_node_name("select_prediction") == "select_prediction"


def _level(p95: float, rate: float) -> dict:
    return {
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 2,
        "messages_per_s": rate,
        "errors": 0,
    }


def _results(our_rate: float, our_p95: float) -> dict:
    def server(train_s: float, startup_s: float, levels: dict) -> dict:
        return {
            "training": {"train_s": train_s, "model_bytes": 3_000_000},
            "startup_s": startup_s,
            "startup_rss_bytes": 600_000_000,
            "peak_rss_bytes": 700_000_000,
            "levels": levels,
            "latencies_ms": {},
            "open_loop": {"rates": [], "highest_rate_p95_ok": None},
        }

    return {
        "meta": {
            "started_at": "2026-01-01T00:00:00+00:00",
            "cpus": 2,
            "loadavg_start": 1.0,
            "loadavg_end": 1.5,
            "rasa_version": "3.6.21",
            "seed": 7,
            "warmup_messages": 10,
            "load_description": "test load",
            "server_command": "python -m bot.serve",
        },
        "servers": {
            "mesoprep": server(
                30, 10, {"1": _level(20, 50), "16": _level(our_p95, our_rate)}
            ),
            "baseline": server(600, 20, {"1": _level(80, 12), "16": _level(900, 10)}),
        },
        "profile": {
            "messages": 10,
            "import_s": 3.0,
            "load_s": 5.0,
            "turn_ms": {"mean": 12.0, "p50": 11.0, "p95": 20.0},
            "components": [
                {
                    "stage": "NLU",
                    "component": "SpacyNLP",
                    "calls_per_message": 1.0,
                    "ms_per_message": 6.0,
                    "share_of_turn": 0.5,
                }
            ],
        },
    }


def test_targets_are_judged_against_the_baseline() -> None:
    met = {t.name: t.met for t in evaluate_targets(_results(120, 100))}
    assert met["Throughput at 16 conversations"] is True
    assert met["p95 latency at 16 conversations"] is True
    missed = {t.name: t.met for t in evaluate_targets(_results(40, 200))}
    assert missed["Throughput at 16 conversations"] is False
    assert missed["p95 latency at 16 conversations"] is False


def test_report_shows_targets_side_by_side_figures_and_profile() -> None:
    report = render_markdown(_results(40, 100))
    assert (
        "| Throughput at 16 conversations | ≥ 5× baseline and ≥ 100 msg/s "
        "| 4.0× (40.0 vs 10.0" in report
    )
    assert "**missed**" in report
    assert "| 16 conversations: p95 latency | 100.0 ms | 900.0 ms | 0.11× |" in report
    assert "| Training time | 30.0 s | 600.0 s | 0.05× |" in report
    assert "| NLU | SpacyNLP | 1 | 6.00 | 50.0 % |" in report
    assert "![Latency distribution](latency.png)" in report
    assert "nan" not in report.lower()


def test_conversations_start_spread_over_the_ramp() -> None:
    plan = LoadPlan(concurrency=16, conversations=80, turns=6, deadline_s=90)
    assert plan.messages == 480
    assert plan.start_delay(0) == 0
    assert plan.start_delay(8) == pytest.approx(0.5)


def test_missed_speed_targets_are_explained_by_the_turn_cost() -> None:
    missed = render_markdown(_results(40, 200))
    assert "## What bounds the missed targets" in missed
    assert "A turn costs 12.0 ms of CPU" in missed
    assert "about 83 messages per second" in missed  # one worker
    assert "2 cores, shared with the load generator, no more than about 167" in missed
    met = render_markdown(_results(120, 100))
    assert "What bounds" not in met


def _rate(rate: float, p95: float | None) -> dict:
    return {"rate": rate, "p50_ms": 10.0, "p95_ms": p95, "p99_ms": p95}


def test_unanswered_messages_rank_above_every_answer() -> None:
    result = open_loop.RateResult(rate=20, latencies_ms=[10.0] * 90, unanswered=10)
    summary = result.summary()
    assert summary["p50_ms"] == 10.0
    assert summary["p99_ms"] == open_loop.UNANSWERED_MS  # lost, not fast
    assert summary["messages"] == 100


def test_the_highest_rate_is_the_highest_whose_p95_stays_under_the_limit() -> None:
    rates = [_rate(5, 40), _rate(10, 90), _rate(20, 310), _rate(40, 250)]
    assert open_loop.highest_rate_under(rates) == 40
    assert open_loop.highest_rate_under([_rate(5, 400)]) is None
    assert open_loop.saturated(_rate(80, 5000))
    assert not open_loop.saturated(_rate(80, 400))


def test_open_loop_arrivals_follow_the_rate_whatever_the_server_does() -> None:
    """Slow answers do not slow the arrivals (a closed loop would)."""
    arrivals: list[float] = []

    async def slow(request: web.Request) -> web.Response:
        arrivals.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.3)
        return web.json_response([{"text": "ok"}])

    async def scenario() -> open_loop.RateResult:
        app = web.Application()
        app.router.add_post("/webhook", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        plan = open_loop.OpenLoopPlan(rate=40, duration_s=3, turns=2, think_s=0.05)
        try:
            return await open_loop.run_rate(
                f"http://127.0.0.1:{port}/webhook", [["a", "b"]] * 100, plan, "t", 1
            )
        finally:
            await runner.cleanup()

    result = asyncio.run(scenario())
    # About 40 a second for 3 s although each answer takes 0.3 s; a closed loop
    # with the same number of people in flight at the start would send a few.
    assert 60 <= len(result.latencies_ms) <= 180
    # The server sleeps by its event loop's clock and the client times with
    # its own: they may differ by a fraction of a millisecond (299.94 seen).
    assert min(result.latencies_ms) >= 299


def test_the_long_conversation_repeats_one_block_and_compares_its_ends() -> None:
    texts = long_conversation.script([f"m{i}" for i in range(30)])
    assert len(texts) == 120
    assert texts[:20] == texts[100:120] == [f"m{i}" for i in range(20)]
    flat = long_conversation.summary([10.0] * 20 + [99.0] * 80 + [11.0] * 20)
    assert flat["growth"] == pytest.approx(1.1)


def test_report_shows_open_loop_and_long_conversation_targets() -> None:
    results = _results(120, 100)
    results["servers"]["mesoprep"]["open_loop"] = {
        "rates": [_rate(20, 50), _rate(40, 120), _rate(80, 280)],
        "highest_rate_p95_ok": 80,
    }
    results["servers"]["baseline"]["open_loop"] = {
        "rates": [_rate(5, 200), _rate(10, 5000)],
        "highest_rate_p95_ok": 5,
    }
    results["servers"]["mesoprep"]["long_conversation"] = {
        "first_median_ms": 20.0,
        "last_median_ms": 25.0,
        "growth": 1.25,
    }
    targets = {t.name: t for t in evaluate_targets(results)}
    assert targets["Highest open-loop rate with p95 ≤ 300 ms"].met is True  # 16×
    growth = "Turns 101-120 of one conversation against turns 1-20 (median)"
    assert targets[growth].met is False
    report = render_markdown(results)
    assert (
        "| 80 msg/s | 10 ms | 280 ms | 280 ms | not run (saturated below) |" in report
    )
    assert "mesoprep 80 msg/s, baseline 5 msg/s" in report


def test_the_baseline_can_be_trained_for_fewer_epochs(tmp_path) -> None:
    from tools.bench.train import write_baseline_config

    default = write_baseline_config(tmp_path / "a.yml").read_text()
    shorter = write_baseline_config(tmp_path / "b.yml", 5).read_text()
    assert "epochs: 100" in default and "epochs: 100" not in shorter
    assert shorter.count("epochs: 5") == default.count("epochs: 100") >= 3
    results = _results(120, 100)
    results["meta"]["baseline_epochs"] = 5
    assert "trained for 5 epochs instead of Rasa's 100" in render_markdown(results)
