"""The benchmark's outputs: targets, the Markdown report, the plot, the JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.bench import long_conversation, open_loop
from tools.bench.stats import ratio

OURS, BASELINE = "mesoprep", "baseline"
MB = 1_000_000

# The project lead's targets, checked against mesoprep at the top level.
THROUGHPUT_FACTOR = 5.0
P95_LIMIT_MS = 150.0
STARTUP_LIMIT_S = 15.0
TRAINING_LIMIT_S = 60.0
# Per Rasa worker: the process tree's peak over the number of workers.
MEMORY_PER_WORKER_BYTES = 800_000_000
SINGLE_P50_LIMIT_MS = 15.0
CPU_PER_TURN_LIMIT_MS = 12.0
THROUGHPUT_FLOOR = 100.0  # messages per second at the top level, on 2 cores
OPEN_LOOP_FACTOR = 10.0


@dataclass(frozen=True)
class Target:
    """One target: what it asks, what was measured, whether it was met."""

    name: str
    goal: str
    measured: str
    met: bool | None

    @property
    def verdict(self) -> str:
        """'met', 'missed' or 'n/a' (not measured)."""
        return {True: "met", False: "**missed**", None: "n/a"}[self.met]


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    """A number with its unit, or an en dash when missing."""
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def _fmt_ratio(value: float | None) -> str:
    """A ratio as '3.2×' (two significant figures below 1)."""
    if value is None:
        return "–"
    return f"{value:.2g}×" if value < 1 else f"{value:,.1f}×"


def _level(results: dict[str, Any], server: str, level: int) -> dict[str, Any]:
    """One server's summary at one concurrency ({} when not run)."""
    return results["servers"].get(server, {}).get("levels", {}).get(str(level), {})


def _under(value: float | None, limit: float) -> bool | None:
    return None if value is None else value < limit


def evaluate_targets(results: dict[str, Any]) -> list[Target]:
    """The targets, judged from the figures (mesoprep at the top level)."""
    top = max(int(c) for c in results["servers"][OURS]["levels"])
    ours, base = _level(results, OURS, top), _level(results, BASELINE, top)
    factor = ratio(ours.get("messages_per_s"), base.get("messages_per_s"))
    p95 = ours.get("p95_ms")
    server = results["servers"][OURS]
    startup, peak = server.get("startup_s"), server.get("peak_rss_bytes")
    workers = int(results["meta"].get("workers") or 1)
    per_worker = None if peak is None else peak / workers
    single = _level(results, OURS, 1).get("p50_ms")
    training = server.get("training", {}).get("train_s")
    throughput = (
        f"{_fmt_ratio(factor)} ({_fmt(ours.get('messages_per_s'))} vs "
        f"{_fmt(base.get('messages_per_s'))} msg/s)"
    )
    served = ours.get("messages_per_s")
    return [
        Target(
            f"Throughput at {top} conversations",
            f"≥ {THROUGHPUT_FACTOR:g}× baseline and ≥ {THROUGHPUT_FLOOR:g} msg/s",
            throughput,
            None
            if factor is None or served is None
            else factor >= THROUGHPUT_FACTOR and served >= THROUGHPUT_FLOOR,
        ),
        _cpu_target(results),
        _open_loop_target(results),
        _growth_target(results),
        Target(
            f"p95 latency at {top} conversations",
            f"≤ {P95_LIMIT_MS:g} ms",
            _fmt(p95, " ms"),
            None if p95 is None else p95 <= P95_LIMIT_MS,
        ),
        Target(
            "p50 latency, 1 conversation",
            f"≤ {SINGLE_P50_LIMIT_MS:g} ms",
            _fmt(single, " ms"),
            None if single is None else single <= SINGLE_P50_LIMIT_MS,
        ),
        Target(
            "Start-up (process start to first answer)",
            f"≤ {STARTUP_LIMIT_S:g} s",
            _fmt(startup, " s"),
            None if startup is None else startup <= STARTUP_LIMIT_S,
        ),
        Target(
            "Training (full, empty cache)",
            f"< {TRAINING_LIMIT_S:g} s",
            _fmt(training, " s"),
            _under(training, TRAINING_LIMIT_S),
        ),
        Target(
            f"Peak memory per worker (process tree RSS / {workers})",
            f"≤ {MEMORY_PER_WORKER_BYTES / MB:,.0f} MB",
            _fmt(None if per_worker is None else per_worker / MB, " MB", 0),
            None if per_worker is None else per_worker <= MEMORY_PER_WORKER_BYTES,
        ),
    ]


def _cpu_target(results: dict[str, Any]) -> Target:
    """A turn's time in one process, profiled (the CPU it costs)."""
    turn = lookup(results, "profile.turn_ms.mean")
    return Target(
        "CPU per turn, profiled",
        f"≤ {CPU_PER_TURN_LIMIT_MS:g} ms",
        _fmt(turn, " ms"),
        None if turn is None else turn <= CPU_PER_TURN_LIMIT_MS,
    )


def highest_open_rate(results: dict[str, Any], server: str) -> float | None:
    """The highest open-loop rate whose p95 stayed within the limit."""
    figures = results["servers"].get(server, {}).get("open_loop", {})
    return figures.get("highest_rate_p95_ok")


def _open_loop_target(results: dict[str, Any]) -> Target:
    """Highest rate with p95 under the limit, against the baseline's."""
    ours, base = highest_open_rate(results, OURS), highest_open_rate(results, BASELINE)
    tried = [
        r["rate"]
        for r in results["servers"]
        .get(BASELINE, {})
        .get("open_loop", {})
        .get("rates", [])
    ]
    # A baseline that fails even the lowest rate: compare with that rate.
    reference = base if base is not None else (min(tried) if tried else None)
    factor = ratio(ours, reference)
    below = "" if base is not None or reference is None else " (baseline: none)"
    return Target(
        f"Highest open-loop rate with p95 ≤ {open_loop.P95_LIMIT_MS:g} ms",
        f"≥ {OPEN_LOOP_FACTOR:g}× baseline's",
        f"{_fmt_ratio(factor)} ({_fmt(ours, '', 0)} vs "
        f"{_fmt(base, '', 0)} msg/s{below})",
        None if factor is None else factor >= OPEN_LOOP_FACTOR,
    )


def _growth_target(results: dict[str, Any]) -> Target:
    """Median of the last 20 turns of one long conversation over the first 20."""
    long = results["servers"][OURS].get("long_conversation", {})
    growth = long.get("growth")
    return Target(
        "Turns 101-120 of one conversation against turns 1-20 (median)",
        f"within {round((long_conversation.GROWTH_LIMIT - 1) * 100)} %",
        f"{_fmt(long.get('last_median_ms'), ' ms')} vs "
        f"{_fmt(long.get('first_median_ms'), ' ms')} ({_fmt_change(growth)})",
        None if growth is None else growth <= long_conversation.GROWTH_LIMIT,
    )


def _fmt_change(ratio_: float | None) -> str:
    """A ratio as a signed percentage change: 1.117 -> '+11.7 %'."""
    return "–" if ratio_ is None else f"{(ratio_ - 1) * 100:+.1f} %"


def _sentence(text: str) -> str:
    """The text with a capital first letter (descriptions continue a label)."""
    return text[:1].upper() + text[1:]


def open_loop_rows(results: dict[str, Any]) -> list[list[str]]:
    """Rows: rate, then p50 / p95 / p99 for mesoprep and the baseline."""
    by_server = {
        name: {r["rate"]: r for r in figures.get("open_loop", {}).get("rates", [])}
        for name, figures in results["servers"].items()
    }
    rows = []
    for rate in open_loop.REPORTED_RATES:
        row = [f"{rate:g} msg/s"]
        for name in (OURS, BASELINE):
            figures = by_server.get(name, {}).get(rate)
            if figures is None:
                row += ["not run (saturated below)", "", ""]
                continue
            row += [_latency(figures[f"p{q}_ms"]) for q in (50, 95, 99)]
        rows.append(row)
    return rows


def _latency(ms: float | None) -> str:
    """A latency; 'unanswered' when the percentile fell on a lost message."""
    if ms is not None and ms >= open_loop.UNANSWERED_MS:
        return "unanswered"
    return _fmt(ms, " ms", 0)


def _open_loop_section(results: dict[str, Any]) -> list[str]:
    if not any("open_loop" in f for f in results["servers"].values()):
        return []
    highest = {
        name: _fmt(highest_open_rate(results, name), " msg/s", 0)
        for name in (OURS, BASELINE)
    }
    header = ["Arrival rate"] + [
        f"{name} p{q}" for name in (OURS, "baseline") for q in (50, 95, 99)
    ]
    return [
        "## Latency as people feel it (open loop)",
        "",
        _sentence(results["meta"].get("open_loop_description", "")),
        "",
        *_table(header, open_loop_rows(results)),
        "",
        f"Highest rate tried with p95 ≤ {open_loop.P95_LIMIT_MS:g} ms: "
        f"mesoprep {highest[OURS]}, baseline {highest[BASELINE]}.",
        "",
    ]


def _long_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for name in (OURS, BASELINE):
        long = results["servers"].get(name, {}).get("long_conversation")
        if long:
            rows.append(
                [
                    name,
                    _fmt(long.get("first_median_ms"), " ms"),
                    _fmt(long.get("last_median_ms"), " ms"),
                    _fmt_change(long.get("growth")),
                ]
            )
    if not rows:
        return []
    return [
        "## A long conversation",
        "",
        _sentence(results["meta"].get("long_description", "")),
        "",
        *_table(["Server", "Turns 1-20", "Turns 101-120", "Change"], rows),
        "",
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table's lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _side_by_side_row(
    label: str, ours: float | None, base: float | None, unit: str, digits: int = 1
) -> list[str]:
    return [
        label,
        _fmt(ours, unit, digits),
        _fmt(base, unit, digits),
        _fmt_ratio(ratio(ours, base)),
    ]


def lookup(mapping: dict[str, Any], path: str, scale: float = 1) -> float | None:
    """mapping['a']['b'] for path 'a.b', divided by scale; None if missing."""
    value: Any = mapping
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return None if value is None else value / scale


def side_by_side(results: dict[str, Any]) -> list[list[str]]:
    """Rows: metric, mesoprep, baseline, mesoprep ÷ baseline."""
    servers = [results["servers"][OURS], results["servers"].get(BASELINE, {})]

    def row(
        label: str, path: str, unit: str, scale: float = 1, digits: int = 1
    ) -> list[str]:
        ours, base = (lookup(figures, path, scale) for figures in servers)
        return _side_by_side_row(label, ours, base, unit, digits)

    rows = [
        row("Training time", "training.train_s", " s"),
        row("Model size", "training.model_bytes", " MB", MB),
        row("Start-up to first answer", "startup_s", " s"),
        row("Memory after start-up", "startup_rss_bytes", " MB", MB, 0),
        row("Peak server memory", "peak_rss_bytes", " MB", MB, 0),
    ]
    for level in sorted(int(c) for c in servers[0].get("levels", {})):
        where = f"{level} conversation{'s' * (level > 1)}"
        for key, label, unit, digits in (
            ("answered", "messages answered", "", 0),
            ("p50_ms", "p50 latency", " ms", 1),
            ("p95_ms", "p95 latency", " ms", 1),
            ("p99_ms", "p99 latency", " ms", 1),
            ("messages_per_s", "messages per second", "", 1),
            ("errors", "errors", "", 0),
        ):
            path = f"levels.{level}.{key}"
            rows.append(row(f"{where}: {label}", path, unit, digits=digits))
    return rows


def profile_rows(profile: dict[str, Any]) -> list[list[str]]:
    """Rows: stage, component, calls, ms per message, share of the turn."""
    rows = []
    for row in profile["components"]:
        if row["ms_per_message"] < 0.05 and row["component"] != "total":
            continue
        name = "**total**" if row["component"] == "total" else row["component"]
        rows.append(
            [
                row["stage"],
                name,
                f"{row['calls_per_message']:g}",
                f"{row['ms_per_message']:.2f}",
                f"{row['share_of_turn'] * 100:.1f} %",
            ]
        )
    return rows


def _profile_section(results: dict[str, Any]) -> list[str]:
    profile = results.get("profile")
    if not profile:
        return ["## Where a message's time goes", "", "Not profiled in this run.", ""]
    turn = profile["turn_ms"]
    http_p50 = _level(results, OURS, 1).get("p50_ms")
    overhead = None if http_p50 is None else max(0.0, http_p50 - turn["p50"])
    return [
        "## Where a message's time goes (mesoprep, in-process)",
        "",
        f"{profile['messages']} messages handled one at a time by the model loaded "
        f"as the server loads it (imports {profile['import_s']:.1f} s, model load "
        f"{profile['load_s']:.1f} s). A whole turn took {turn['mean']:.1f} ms on "
        f"average (p50 {turn['p50']:.1f} ms, p95 {turn['p95']:.1f} ms); over HTTP "
        f"at 1 conversation the p50 was {_fmt(http_p50, ' ms')}, so the REST "
        f"channel, Sanic and the client add about {_fmt(overhead, ' ms')}. "
        "Components under 0.05 ms per message are left out; the stage totals "
        "include them.",
        "",
        *_table(
            [
                "Stage",
                "Component",
                "Calls per message",
                "ms per message",
                "Share of turn",
            ],
            profile_rows(profile),
        ),
        "",
    ]


def _bounds_section(results: dict[str, Any], targets: list[Target]) -> list[str]:
    """For missed speed targets: the ceiling a turn's CPU cost sets on the cores."""
    speed_missed = any(t.met is False for t in targets[:2])
    profile = results.get("profile")
    if not speed_missed or not profile:
        return []
    turn_ms = profile["turn_ms"]["mean"]
    cores = int(results["meta"].get("cpus") or 1)
    top = max(int(c) for c in results["servers"][OURS]["levels"])
    base = _level(results, BASELINE, top).get("messages_per_s") or 0.0
    return [
        "## What bounds the missed targets",
        "",
        f"A turn costs {turn_ms:.1f} ms of CPU (profile below), so a worker "
        f"process cannot answer more than about {1000 / turn_ms:.0f} messages per "
        f"second, and {cores} cores, shared with the load generator, no more than "
        f"about {cores * 1000 / turn_ms:.0f}. The throughput target needs "
        f"{THROUGHPUT_FACTOR * base:.0f} ({THROUGHPUT_FACTOR:g}× the baseline), "
        f"and p95 ≤ {P95_LIMIT_MS:g} ms with {top} conversations sending back to "
        f"back needs about {top / (P95_LIMIT_MS / 1000):.0f} (Little's law). "
        "Past that ceiling: a cheaper turn (the largest parts are in the profile) "
        "or more cores, for more workers or more servers sharing PostgreSQL and "
        "the Redis lock store (as `make scale-test` runs them).",
        "",
    ]


def _method_section(meta: dict[str, Any]) -> list[str]:
    return [
        "## Method",
        "",
        f"- Load: {meta['load_description']}",
        f"- mesoprep was served as `make run` serves it (`{meta['server_command']}`"
        f", {meta.get('workers', 1)} worker(s), endpoints.yml: conversations in a "
        "fresh SQLite file, SQLite locks shared by the workers); the baseline as "
        f"`{meta.get('baseline_command', 'rasa run')}` serves it by default (one "
        "process, conversations and locks in memory). Both bound to 127.0.0.1, "
        "with the channels from credentials.yml and the project's action server; "
        f"{meta['warmup_messages']} unmeasured warm-up messages first.",
        "- Latency: from sending the request to reading the whole answer, measured "
        "by the client (aiohttp, in the benchmark process on the same machine). "
        "Messages per second: answered messages over the level's wall-clock time.",
        "- With no pause between a conversation's messages, latency at N "
        "conversations is about N ÷ messages per second (Little's law): "
        f"p95 ≤ {P95_LIMIT_MS:g} ms at 16 conversations needs about "
        f"{16 / (P95_LIMIT_MS / 1000):.0f} messages per second.",
        "- Memory: RSS of the server process and its children, sampled every "
        "0.25 s from process start to the end of the load.",
        "- Start-up: from starting the server to the first answered REST message.",
        *_epochs_note(meta),
        "- Training: `rasa train` with an empty cache directory; the baseline is "
        "Rasa's default config (`rasa/engine/recipes/config_files/default_config.yml`, "
        "what `rasa init` projects train with) on the same domain.yml and data/. "
        "A baseline model is reused while its inputs are unchanged "
        "(`--retrain-baseline` forces a new one); its training time is then the "
        "time measured when it was trained.",
        "",
    ]


def _epochs_note(meta: dict[str, Any]) -> list[str]:
    """A bullet when the baseline was trained for fewer epochs than Rasa's."""
    epochs = meta.get("baseline_epochs")
    if not epochs:
        return []
    return [
        f"- The baseline's networks (DIET, ResponseSelector, TED, UnexpecTED) "
        f"were trained for {epochs} epochs instead of Rasa's 100 "
        "(`--baseline-epochs`): the same networks, so the same work per "
        "message, but its training time is not Rasa's default's."
    ]


def _reuse_note(results: dict[str, Any]) -> list[str]:
    """A sentence per model reused from an earlier run, with its date."""
    notes = []
    for name, figures in results["servers"].items():
        training = figures.get("training", {})
        if training.get("reused"):
            notes.append(
                f"The {name} model was reused (inputs unchanged): its training "
                f"time was measured on {training.get('trained_at')}."
            )
    return ["", " ".join(notes)] if notes else []


def render_markdown(results: dict[str, Any], plot_name: str = "latency.png") -> str:
    """The whole report as Markdown."""
    meta = results["meta"]
    targets = evaluate_targets(results)
    lines = [
        "# mesoprep performance benchmark",
        "",
        f"Run {meta['started_at']} on {meta['cpus']} CPUs (load average "
        f"{meta['loadavg_start']:.2f} at the start, {meta['loadavg_end']:.2f} at the "
        f"end), Rasa {meta['rasa_version']}, seed {meta['seed']}. "
        "The machine is shared: figures are noisy, compare ratios rather than "
        "absolute values.",
        "",
        "## Targets",
        "",
        *_table(
            ["Target", "Goal", "Measured", "Result"],
            [[t.name, t.goal, t.measured, t.verdict] for t in targets],
        ),
        "",
        *_bounds_section(results, targets),
        "## mesoprep against the baseline",
        "",
        *_table(
            ["Metric", OURS, "baseline (Rasa defaults)", "mesoprep ÷ baseline"],
            side_by_side(results),
        ),
        "",
        "Ratios below 1 mean mesoprep is smaller, faster to answer or quicker "
        "to train; for messages per second, above 1 means mesoprep serves more.",
        *_reuse_note(results),
        "",
        f"![Latency distribution]({plot_name})",
        "",
        *_open_loop_section(results),
        *_long_section(results),
        *_profile_section(results),
        *_method_section(meta),
    ]
    return "\n".join(lines)


COLOURS = {OURS: "tab:blue", BASELINE: "tab:orange"}


def _series(results: dict[str, Any]) -> list[tuple[str, int, list[float], dict]]:
    """(server, level, latencies, summary) for every server and level run."""
    series = []
    for server, figures in results["servers"].items():
        for level, latencies in figures.get("latencies_ms", {}).items():
            if latencies:
                series.append((server, int(level), latencies, figures["levels"][level]))
    return sorted(series, key=lambda s: (s[1], s[0] != OURS))


def _plot_cdf(axes: Any, series: list[tuple[str, int, list[float], dict]]) -> None:
    """Share of messages answered within each latency, one line per series."""
    for server, level, latencies, summary in series:
        ordered = sorted(latencies)
        fractions = [(i + 1) / len(ordered) for i in range(len(ordered))]
        axes.plot(
            ordered,
            fractions,
            "-" if level > 1 else "--",
            color=COLOURS.get(server),
            label=f"{server}, {level} conv. ({summary['messages_per_s']:.1f} msg/s)",
        )
    axes.axvline(P95_LIMIT_MS, color="grey", linestyle=":", label="p95 target")
    axes.set(xscale="log", xlabel="latency (ms, log scale)", ylabel="share answered")
    axes.set_title("Latency distribution over REST")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)


def _plot_percentiles(
    axes: Any, series: list[tuple[str, int, list[float], dict]]
) -> None:
    """p50, p95 and p99 bars per series, in the server's colour."""
    from matplotlib.patches import Patch

    width = 0.27
    for x, (server, _level, _latencies, summary) in enumerate(series):
        for i, (key, alpha) in enumerate(
            (("p50_ms", 0.35), ("p95_ms", 0.65), ("p99_ms", 1.0))
        ):
            axes.bar(
                x + (i - 1) * width,
                summary[key],
                width,
                color=COLOURS.get(server),
                alpha=alpha,
                edgecolor="black",
                linewidth=0.4,
            )
    handles = [
        Patch(facecolor="grey", alpha=alpha, edgecolor="black", label=key)
        for key, alpha in (("p50", 0.35), ("p95", 0.65), ("p99", 1.0))
    ]
    handles.append(axes.axhline(P95_LIMIT_MS, color="grey", linestyle=":"))
    handles[-1].set_label("p95 target")
    labels = [f"{server}\n{level} conv." for server, level, _, _ in series]
    axes.set_xticks(range(len(series)), labels, fontsize=8)
    axes.set(yscale="log", ylabel="latency (ms, log scale)")
    axes.set_title("p50 / p95 / p99 latency")
    axes.grid(True, axis="y", which="both", alpha=0.3)
    axes.legend(
        handles=handles,
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.15),
        ncol=4,
    )


def write_plot(results: dict[str, Any], path: Path) -> None:
    """Latency CDFs and percentile bars for every server and level, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (cdf, bars) = plt.subplots(1, 2, figsize=(12, 5.2))
    series = _series(results)
    _plot_cdf(cdf, series)
    _plot_percentiles(bars, series)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(results: dict[str, Any], out: Path) -> tuple[Path, Path, Path]:
    """Write results.json, latency.png and report.md into out."""
    out.mkdir(parents=True, exist_ok=True)
    data, plot, report = out / "results.json", out / "latency.png", out / "report.md"
    targets = [{**asdict(t), "result": t.verdict} for t in evaluate_targets(results)]
    results = {**results, "targets": targets}
    data.write_text(json.dumps(results, indent=2))
    write_plot(results, plot)
    report.write_text(render_markdown(results, plot.name), encoding="utf-8")
    return report, plot, data
