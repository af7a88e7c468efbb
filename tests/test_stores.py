"""Stores: SQLite locks shared across processes, and the per-worker tracker cache."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import stores
from bot.stores import DatabaseTrackerStore, EnvLockStore, SQLiteLockStore
from tests.support import aio
from tests.support.locks import CONVERSATION, contend

DOMAIN = Domain.from_dict({"intents": ["greet"], "responses": {}})


def hold_lock(path: str, started: multiprocessing.Event, seconds: float) -> None:
    """In another process: take the conversation's lock and keep it a while."""

    async def run() -> None:
        store = SQLiteLockStore(Path(path))
        async with store.lock("alice"):
            started.set()
            await asyncio.sleep(seconds)

    aio.run(run())


def test_a_lock_held_by_another_process_makes_this_one_wait(tmp_path: Path) -> None:
    path = tmp_path / "locks.db"
    started = multiprocessing.Event()
    holder = multiprocessing.Process(target=hold_lock, args=(str(path), started, 0.5))
    holder.start()
    assert started.wait(10)

    async def acquire() -> float:
        loop = asyncio.get_running_loop()
        begun = loop.time()
        async with SQLiteLockStore(path).lock("alice"):
            return loop.time() - begun

    waited = aio.run(acquire())
    holder.join(10)
    assert waited >= 0.3  # it waited for the other process's turn to end


def test_tickets_are_unique_and_the_lock_is_dropped_when_idle(tmp_path: Path) -> None:
    first, second = (
        SQLiteLockStore(tmp_path / "l.db"),
        SQLiteLockStore(tmp_path / "l.db"),
    )
    tickets = [first.issue_ticket("bob"), second.issue_ticket("bob")]
    assert tickets == [0, 1]
    first.cleanup("bob", 0)
    second.cleanup("bob", 1)
    assert first.get_lock("bob") is None


def test_worker_processes_take_turns_on_one_conversation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "4")
    monkeypatch.setenv("LOCK_DATABASE", str(tmp_path / "locks.db"))
    seen = contend(EnvLockStore, tmp_path)
    assert seen.errors == []
    assert (seen.turns, seen.overlaps) == (100, 0)
    assert seen.longest_wait_s < 2.5  # no ticket left behind until it expired
    assert EnvLockStore().get_lock(CONVERSATION) is None


@pytest.mark.parametrize(
    ("workers", "kind"), [("1", "InMemoryLockStore"), ("2", "SQLiteLockStore")]
)
def test_the_lock_store_follows_the_worker_count(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: str, kind: str
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", workers)
    monkeypatch.setenv("LOCK_DATABASE", str(tmp_path / "locks.db"))
    assert type(EnvLockStore().store).__name__ == kind


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for text in texts:
        tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_listen"))
    return tracker


@pytest.fixture()
def two_workers(tmp_path: Path) -> tuple[DatabaseTrackerStore, DatabaseTrackerStore]:
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    return (
        DatabaseTrackerStore(DOMAIN, host=url),
        DatabaseTrackerStore(DOMAIN, host=url),
    )


def test_a_saved_tracker_is_reused_without_reading_it_back(
    two_workers, monkeypatch
) -> None:
    store, _ = two_workers
    tracker = conversation("carol", "hi")
    aio.run(store.save(tracker))

    async def no_read(*_: object, **__: object) -> None:
        raise AssertionError("read the whole conversation back")

    monkeypatch.setattr(stores.SQLTrackerStore, "retrieve", no_read)
    assert aio.run(store.retrieve("carol")) is tracker


def test_another_workers_turn_is_read_from_the_database(two_workers) -> None:
    first, second = two_workers
    aio.run(first.save(conversation("dave", "hi")))
    aio.run(second.save(conversation("dave", "hi", "hello again")))
    retrieved = aio.run(first.retrieve("dave"))
    texts = [e.text for e in retrieved.events if isinstance(e, UserUttered)]
    assert texts == ["hi", "hello again"]


def test_events_added_but_never_saved_are_not_served(two_workers) -> None:
    store, _ = two_workers
    tracker = conversation("erin", "hi")
    aio.run(store.save(tracker))
    tracker.update(UserUttered("lost", {"name": "greet", "confidence": 1.0}))
    retrieved = aio.run(store.retrieve("erin"))
    assert "lost" not in [
        e.text for e in retrieved.events if isinstance(e, UserUttered)
    ]


def test_a_deleted_conversation_is_forgotten_by_the_cache(two_workers) -> None:
    store, _ = two_workers
    aio.run(store.save(conversation("frank", "hi")))
    aio.run(store.delete("frank"))
    assert aio.run(store.retrieve("frank")) is None


def test_a_cached_trackers_new_events_are_saved_without_counting_the_stored(
    two_workers, monkeypatch
) -> None:
    store, other = two_workers
    tracker = conversation("gina", "hi")
    aio.run(store.save(tracker))
    tracker.update(UserUttered("again", {"name": "greet", "confidence": 1.0}))

    def no_count(*_: object, **__: object) -> None:
        raise AssertionError("counted the stored events")

    with monkeypatch.context() as patched:
        patched.setattr(stores.SQLTrackerStore, "_event_query", no_count)
        aio.run(store.save(tracker))
    retrieved = aio.run(other.retrieve("gina"))
    texts = [e.text for e in retrieved.events if isinstance(e, UserUttered)]
    assert texts == ["hi", "again"]  # each event stored once, none missing


def a_turn(sender_id: str) -> DialogueStateTracker:
    """A conversation with events of every kind a turn stores."""
    tracker = conversation(sender_id, "does it hurt?")
    for event in (
        ActionExecuted("utter_answer_pain"),
        BotUttered("Some people may feel...", metadata={"utter_action": "x"}),
        SlotSet("topic", "pain"),
        ActionExecuted("action_listen"),
    ):
        tracker.update(event)
    return tracker


def stored_rows(url: str) -> list[tuple]:
    """Every stored event row but its id, in order."""
    with sa.create_engine(url).connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM events ORDER BY id"))
        return [tuple(row)[1:] for row in rows]


def test_a_turn_is_stored_as_rasas_own_store_stores_it(tmp_path: Path) -> None:
    """Same table, same columns, same values: Rasa's tools read the rows."""
    ours, rasas = (f"sqlite:///{tmp_path / name}" for name in ("ours.db", "rasa.db"))
    tracker = a_turn("hana")
    aio.run(DatabaseTrackerStore(DOMAIN, host=ours).save(tracker))
    aio.run(SQLTrackerStore(DOMAIN, db=str(tmp_path / "rasa.db")).save(tracker))
    assert stored_rows(ours) == stored_rows(rasas)
    assert len(stored_rows(ours)) == len(tracker.events)


def test_a_turns_events_are_inserted_with_one_statement(two_workers) -> None:
    store, other = two_workers
    inserts: list[int] = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, parameters, _context, many) -> None:
        if statement.startswith("INSERT INTO events"):
            inserts.append(len(parameters) if many else 1)

    tracker = a_turn("ivan")
    aio.run(store.save(tracker))
    assert inserts == [len(tracker.events)]
    assert len(aio.run(other.retrieve("ivan")).events) == len(tracker.events)


def test_the_sqlite_store_keeps_a_write_ahead_log(two_workers) -> None:
    store, _ = two_workers
    aio.run(store.save(a_turn("jo")))
    with store.engine.connect() as connection:
        mode = connection.execute(sa.text("PRAGMA journal_mode")).scalar()
    assert mode == "wal"


def user_texts(tracker: DialogueStateTracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def event_dicts(tracker: DialogueStateTracker) -> list[dict]:
    return [event.as_dict() for event in tracker.events]


def test_another_workers_turn_is_applied_without_rereading_the_conversation(
    two_workers, monkeypatch
) -> None:
    """Turns alternate between workers: each reads only the other's new events."""
    first, second = two_workers
    tracker = a_turn("kim")
    aio.run(first.save(tracker))
    theirs = aio.run(second.retrieve("kim"))
    theirs.update(UserUttered("and bruising?", {"name": "greet", "confidence": 1.0}))
    theirs.update(ActionExecuted("action_listen"))
    aio.run(second.save(theirs))

    async def no_read(*_: object, **__: object) -> None:
        raise AssertionError("read the whole conversation back")

    with monkeypatch.context() as patched:
        patched.setattr(stores.SQLTrackerStore, "retrieve", no_read)
        caught_up = aio.run(first.retrieve("kim"))
    read_afresh = aio.run(
        DatabaseTrackerStore(DOMAIN, host=str(first.engine.url)).retrieve("kim")
    )
    assert event_dicts(caught_up) == event_dicts(read_afresh)
    assert caught_up.get_slot("topic") == read_afresh.get_slot("topic")


def test_a_conversation_deleted_by_another_worker_is_read_afresh(two_workers) -> None:
    first, second = two_workers
    aio.run(first.save(conversation("lee", "hi", "my name is Lee")))
    aio.run(second.delete("lee"))
    aio.run(second.save(conversation("lee", "hello")))
    texts = [
        e.text
        for e in aio.run(first.retrieve("lee")).events
        if isinstance(e, UserUttered)
    ]
    assert texts == ["hello"]


def test_a_new_session_started_by_another_worker_is_read_as_rasa_reads_it(
    two_workers,
) -> None:
    first, second = two_workers
    aio.run(first.save(conversation("max", "hi")))
    theirs = aio.run(second.retrieve("max"))
    theirs.update(SessionStarted())
    theirs.update(UserUttered("back again", {"name": "greet", "confidence": 1.0}))
    aio.run(second.save(theirs))
    texts = [
        e.text
        for e in aio.run(first.retrieve("max")).events
        if isinstance(e, UserUttered)
    ]
    assert texts == ["back again"]  # the latest session only, as Rasa's store reads
