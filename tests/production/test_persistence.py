"""Conversations survive a restart: SQL tracker store (SQLite by default)."""

from __future__ import annotations

import pytest

from bot import database
from tests.support.rest import Conversation
from tools.harness import Assistant

FACTOR = "I'm allergic to latex"


def test_sqlite_in_the_data_directory_by_default() -> None:
    assert database.database_url({}) == f"sqlite:///{database.DEFAULT_SQLITE_PATH}"
    assert database.DEFAULT_SQLITE_PATH.parent.name == ".data"


def test_database_url_from_the_environment() -> None:
    url = "postgresql://mesoprep:secret@db.internal:5432/mesoprep"
    assert database.database_url({"DATABASE_URL": url}) == url
    # The scheme some platforms hand out, which SQLAlchemy 1.4 rejects.
    assert database.database_url({"DATABASE_URL": "postgres://u:p@h/d"}) == (
        "postgresql://u:p@h/d"
    )


def test_passwords_never_appear_in_what_is_printed() -> None:
    url = "postgresql://mesoprep:secret@db.internal:5432/mesoprep"
    assert (
        database.redacted(url) == "postgresql://mesoprep:***@db.internal:5432/mesoprep"
    )
    assert "secret" not in database.redacted_redis("redis://:secret@cache:6379/1")


def test_redis_url_gives_the_lock_store_settings() -> None:
    assert database.redis_settings("rediss://app:pw@cache:6380/3") == {
        "host": "cache",
        "port": 6380,
        "db": 3,
        "username": "app",
        "password": "pw",
        "use_ssl": True,
    }


@pytest.mark.server
def test_conversation_and_factor_survive_a_restart(locked_down: Assistant) -> None:
    chat = Conversation(locked_down.url)
    assert "Source: Pain and Discomfort" in chat.text("does it hurt?")
    assert f'"{FACTOR}"' in chat.text(FACTOR)

    locked_down.restart()

    # The topic slot came back from the database: the follow-up is about pain.
    reply = chat.text("how long does that last?")
    assert "few days" in reply and "Source: Pain and Discomfort" in reply
    # So did the factor: the prep sheet quotes it, with the topic's question.
    sheet = chat.text("help me prepare for my consultation")
    assert f'"{FACTOR}"' in sheet
    assert "(Pain and Discomfort)" in sheet
    users = [e["text"] for kind, e in locked_down.events(chat.sender) if kind == "user"]
    assert users == [
        "does it hurt?",
        FACTOR,
        "how long does that last?",
        "help me prepare for my consultation",
    ]
