"""Scale-out: two Rasa servers behind nginx share one conversation.

PostgreSQL holds the conversations and Redis the conversation locks, so
either server can take any message: context carries across servers, and
messages sent at once are handled one after the other, in full. Run by
`make scale-test`, which installs the three from Debian's packages.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import pytest

from bot.paths import MODEL_PATH as MODEL
from tests.production import scale
from tools.harness import ActionServer, Assistant
from tools.http import Reply, post

pytestmark = pytest.mark.scale


@dataclass
class Cluster:
    """The proxy's URL, the servers behind it and the shared database."""

    proxy: str
    servers: list[Assistant]
    database_url: str

    def say(self, sender: str, message: str) -> Reply:
        """One message through the proxy."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        return post(f"{self.proxy}/webhooks/rest/webhook", body)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """PostgreSQL, Redis, one action server, two Rasa servers, nginx."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    with ExitStack() as stack:
        database_url = stack.enter_context(scale.postgres())
        redis_url = stack.enter_context(scale.redis())
        actions = ActionServer("scale-actions")
        actions.start()
        stack.callback(actions.stop)
        servers = [
            Assistant(
                f"scale-rasa-{n}",
                workdir=tmp_path_factory.mktemp(f"scale-{n}"),
                env={
                    "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url,
                    "ACTION_ENDPOINT_URL": actions.url,
                },
            )
            for n in (1, 2)
        ]
        for server in servers:
            stack.callback(server.stop)
        # Both load their model at once: about as long as one on two cores.
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.start(), servers))
        proxy = stack.enter_context(scale.nginx([s.port for s in servers]))
        yield Cluster(proxy, servers, database_url)


def text(reply: Reply) -> str:
    assert reply.status == 200, reply.body
    return "\n".join(m.get("text") or "" for m in reply.body)


def upstream_port(reply: Reply) -> int:
    return int(reply.headers["x-upstream"].rsplit(":", 1)[1])


def test_one_conversation_alternates_between_servers_keeping_context(
    cluster: Cluster,
) -> None:
    sender = f"scale-{uuid.uuid4().hex[:12]}"
    turns = [
        ("does it hurt?", "Source: Pain and Discomfort"),
        ("how long does that last?", "few days"),  # the topic from the other server
        ("I'm allergic to latex", '"I\'m allergic to latex"'),
        ("what about bruising?", "Source: Bruising and Swelling"),
        ("for how long?", "temporary"),
        ("help me prepare for my consultation", '"I\'m allergic to latex"'),
    ]
    ports = []
    for message, expected in turns:
        reply = cluster.say(sender, message)
        assert expected in text(reply), message
        ports.append(upstream_port(reply))

    assert set(ports) == {s.port for s in cluster.servers}
    assert all(a != b for a, b in zip(ports, ports[1:], strict=False)), ports
    stored = scale.stored_events(cluster.database_url, sender)
    assert [e["text"] for kind, e in stored if kind == "user"] == [m for m, _ in turns]


def test_messages_sent_at_once_are_handled_one_at_a_time(cluster: Cluster) -> None:
    sender = f"scale-{uuid.uuid4().hex[:12]}"
    questions = {
        "does it hurt?": "Source: Pain and Discomfort",
        "how many sessions will I need?": "Source: Multiple Sessions Required",
        "is it expensive?": "Sources: Expensive Maintenance",
        "can I get an infection?": "Source: Infection Risk",
        "will I bruise?": "Source: Bruising and Swelling",
        "what are the side effects?": "Sources: Possible Side Effects",
        "could I be allergic to it?": "Source: Allergic Reactions",
        "does it always work?": "Variable Efficacy",
    }
    with ThreadPoolExecutor(len(questions)) as pool:
        answers = pool.map(lambda q: cluster.say(sender, q), questions)
        replies = dict(zip(questions, answers, strict=True))
    for question, reply in replies.items():
        assert questions[question] in text(reply), question  # its own answer
    assert len({upstream_port(r) for r in replies.values()}) == 2

    # Stored whole and in order: each message, then its answer, then listening,
    # with no turn interleaved with another or lost (the Redis lock's work).
    stored = scale.stored_events(cluster.database_url, sender)
    turns: list[list[tuple[str, dict]]] = []
    for kind, event in stored:
        if kind == "user":
            turns.append([])
        if turns:
            turns[-1].append((kind, event))
    assert sorted(turn[0][1]["text"] for turn in turns) == sorted(questions)
    for turn in turns:
        question = turn[0][1]["text"]
        answers = [e["text"] for kind, e in turn if kind == "bot"]
        assert len(answers) == 1 and questions[question] in answers[0], question
        assert turn[-1][1].get("name") == "action_listen", question
