"""Privacy: erasure on request, a retention command, no message text in logs."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import ROOT
from bot.stores import erasure_confirmed
from tests.support.rest import Conversation
from tools.harness import Assistant
from tools.http import post

DAY_S = 24 * 60 * 60


# ---- Erasure ----------------------------------------------------------------


def tracker(*events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("someone", list(events))


def test_erasure_follows_only_a_deletion_confirmed_in_the_latest_turn() -> None:
    ask = UserUttered("delete my data")
    confirmed = ActionExecuted("utter_data_deleted")
    assert erasure_confirmed(tracker(ask, confirmed, BotUttered("Done")))
    assert erasure_confirmed(tracker(ask, ActionExecuted("utter_forgotten")))
    assert not erasure_confirmed(tracker(ask, ActionExecuted("utter_answer_pain")))
    # An erasure in an earlier turn does not erase what was said since.
    later = UserUttered("does it hurt?")
    assert not erasure_confirmed(tracker(ask, confirmed, later))


@pytest.mark.server
def test_delete_my_data_removes_the_conversation_rows(open_api: Assistant) -> None:
    chat, bystander = Conversation(open_api.url), Conversation(open_api.url)
    chat.say("does it hurt?")
    chat.say("I'm allergic to latex")
    bystander.say("how many sessions will I need?")
    assert len(open_api.events(chat.sender)) > 5

    reply = chat.text("delete my data")
    assert "deleted this conversation" in reply

    assert open_api.events(chat.sender) == []
    assert open_api.events(bystander.sender), "other conversations stay"
    # What comes next starts from nothing: no topic, no factor.
    assert "Pick a topic" in chat.text("how long does that last?")
    sheet = chat.text("help me prepare for my consultation")
    assert "latex" not in sheet


@pytest.mark.server
def test_forget_what_i_told_you_also_erases_the_rows(open_api: Assistant) -> None:
    chat = Conversation(open_api.url)
    chat.say("I'm allergic to latex")
    assert "forgotten what you told me" in chat.text("forget what I told you")
    assert open_api.events(chat.sender) == []


# ---- Retention ----------------------------------------------------------------


def write_conversation(store: SQLTrackerStore, sender: str, ages_days: list[float]):
    """Store one conversation whose messages are ages_days old."""
    now = time.time()
    events = [
        UserUttered(f"message {n}", timestamp=now - age * DAY_S)
        for n, age in enumerate(ages_days)
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def senders(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id"
        ).fetchall()
    return dict(rows)


def retention(database: Path, *args: str) -> str:
    """`python -m tools.retention` (what `make retention` runs)."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.retention", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_retention_deletes_only_conversations_idle_past_the_limit(
    tmp_path: Path,
) -> None:
    database = tmp_path / "conversations.db"
    store = SQLTrackerStore(Domain.empty(), host=f"sqlite:///{database}")
    write_conversation(store, "old", [45, 40, 31])
    write_conversation(store, "old-but-active", [60, 50, 2])
    write_conversation(store, "recent", [1, 0])
    assert senders(database) == {"old": 3, "old-but-active": 3, "recent": 2}

    assert "Would delete 1 conversation" in retention(
        database, "--days", "30", "--dry-run"
    )
    assert senders(database) == {"old": 3, "old-but-active": 3, "recent": 2}

    assert "Deleted 1 conversation(s)" in retention(database, "--days", "30")
    assert senders(database) == {"old-but-active": 3, "recent": 2}

    assert "Deleted 1 conversation(s)" in retention(database, "--days", "1.5")
    assert senders(database) == {"recent": 2}


def test_retention_on_an_empty_database_deletes_nothing(tmp_path: Path) -> None:
    out = retention(tmp_path / "new.db", "--days", "30")
    assert "Deleted 0 conversation(s)" in out


# ---- Logs ---------------------------------------------------------------------


@pytest.mark.server
def test_message_text_is_not_written_to_the_logs(open_api: Assistant) -> None:
    marker = f"Quillfeather{uuid.uuid4().hex[:8]}"
    chat = Conversation(open_api.url)
    chat.say(f"my axolotl {marker} wonders whether the injections hurt")
    chat.say(f"I'm allergic to {marker} dust")  # reaches the action server
    chat.say("help me prepare for my consultation")  # the sheet quotes it
    chat.say(f"{marker} " * 400)  # too long: answered by the channel
    post(
        f"{open_api.url}/webhooks/rest/webhook",
        f'{{"sender": "{chat.sender}", "message": ["{marker}"]}}'.encode(),
    )
    assert open_api.actions is not None
    logs = open_api.logs() + open_api.actions.logs()
    assert "Starting Rasa server" in logs  # the right logs were read
    assert marker not in logs
