"""Several Rasa workers on one machine: no lost, doubled or interleaved turn.

`make run` serves one worker per core. The workers share the SQLite
conversations and, without Redis, the SQLite conversation locks
(bot.stores.SQLiteLockStore): simultaneous messages to one conversation must
each be answered and stored as whole turns, whichever worker takes them.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import websockets

from tests.support import aio
from tools.harness import Assistant
from tools.http import send_message

pytestmark = pytest.mark.server

QUESTIONS = [
    "does it hurt?",
    "how many sessions?",
    "is it expensive?",
    "can I get an infection?",
    "will I bruise?",
    "does it work?",
    "what is in the injections?",
    "is it permanent?",
]


def turns(events: list[tuple[str, dict]]) -> list[list[str]]:
    """The stored events split into turns: a user message and what followed."""
    split: list[list[str]] = []
    for type_name, event in events:
        if type_name == "user":
            split.append([event.get("text", "")])
        elif split:
            split[-1].append(event.get("name") or type_name)
    return split


def test_simultaneous_messages_to_one_conversation_are_whole_turns(
    two_workers: Assistant,
) -> None:
    sender = f"workers-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        replies = list(
            pool.map(lambda q: send_message(two_workers.url, sender, q), QUESTIONS)
        )
    assert all(r.ok and any(m.get("text") for m in r.body) for r in replies)
    stored = turns(two_workers.events(sender))
    asked = [turn[0] for turn in stored]
    assert sorted(asked) == sorted(QUESTIONS)  # every message stored once
    for turn in stored:
        # Each turn ends listening, and no other message came in between.
        assert turn[-1] == "action_listen", turn


def test_many_conversations_at_once_all_answered(two_workers: Assistant) -> None:
    senders = [f"load-{uuid.uuid4().hex[:8]}" for _ in range(16)]

    def converse(sender: str) -> bool:
        return all(send_message(two_workers.url, sender, q).ok for q in QUESTIONS[:3])

    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(converse, senders))
    for sender in senders:
        assert len([t for t, _ in two_workers.events(sender) if t == "user"]) == 3


async def socketio_answer(base_url: str, question: str) -> str:
    """What a widget connected by websocket with session persistence hears.

    Speaks Engine.IO 4 / Socket.IO 5 over a plain websocket, as rasa-webchat
    does once connected: open, join the namespace, request a session, send
    the message, wait for the first bot_uttered.
    """
    url = base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    session = uuid.uuid4().hex
    async with websockets.connect(url) as socket:
        assert (await socket.recv()).startswith("0")  # Engine.IO open
        await socket.send("40")  # join the default namespace
        await emit(socket, "session_request", {"session_id": session})
        await emit(socket, "user_uttered", {"message": question, "session_id": session})
        while True:
            packet = await asyncio.wait_for(socket.recv(), 60)
            if packet == "2":  # Engine.IO ping
                await socket.send("3")
            elif packet.startswith("42"):
                name, data = json.loads(packet[2:])
                if name == "bot_uttered":
                    return str(data.get("text", ""))


async def emit(socket: Any, event: str, data: dict[str, Any]) -> None:
    """Send one Socket.IO event."""
    await socket.send("42" + json.dumps([event, data]))


def test_socketio_with_session_persistence_answers_on_every_worker(
    two_workers: Assistant,
) -> None:
    # Several connections, so that both workers take some.
    for _ in range(4):
        text = aio.run(socketio_answer(two_workers.url, "does it hurt?"))
        assert "injections into the scalp" in text
