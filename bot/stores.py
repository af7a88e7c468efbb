"""The tracker and lock stores endpoints.yml names, configured from the environment.

Rasa's own ``${VAR}`` substitution in endpoints.yml fails on an unset
variable, so these classes read the environment themselves (bot.database):

- DatabaseTrackerStore: Rasa's SQLTrackerStore on ``DATABASE_URL`` (SQLite in
  ``.data/`` when unset), so conversations survive a restart and several
  servers can share them. It erases a conversation once the person has been
  told it is deleted, and keeps recent trackers in memory: a turn reuses the
  tracker its worker saved last unless the database holds newer events (one
  indexed query instead of reading and replaying the whole conversation).
- EnvLockStore: Redis locks when ``REDIS_URL`` is set, so several servers
  never interleave one conversation's turns; with several workers on one
  machine and no Redis, SQLite locks that every worker process shares
  (SQLiteLockStore); in-process locks for a single worker.

An unreachable database or Redis stops the server at start with one line
naming it (password hidden), instead of Rasa's endless retry loop.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockStore,
    RedisLockStore,
)
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    Restarted,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.database import (
    StoreUnavailableError,
    check_database,
    check_redis,
    database_url,
    delete_conversations,
    pooled_sqlite_engine,
    redis_settings,
)
from bot.paths import ROOT

# Responses that tell the person their conversation is gone. Once one has
# been sent, the conversation is erased instead of saved: the store never
# keeps what the person was told it forgot.
ERASURE_CONFIRMATIONS = frozenset({"utter_data_deleted", "utter_forgotten"})
# Events after which Rasa reads a conversation afresh (its store returns the
# latest session only; a restart forgets the slots).
RESTARTING_EVENTS = frozenset({SessionStarted.type_name, Restarted.type_name})
# Trackers kept in memory per worker; the least recently used give way.
CACHED_TRACKERS = 2000
# Where the worker processes of one machine share their conversation locks.
DEFAULT_LOCK_DATABASE = ROOT / ".data" / "locks.db"
# How often a waiting turn checks whether its conversation is free. Rasa's
# default is a whole second, which a second message would wait in full.
LOCK_POLL_SECONDS = 0.02
# Longest a ticket step may hold a conversation's Redis mutex.
MUTEX_SECONDS = 5


def exit_at_start(error: StoreUnavailableError) -> NoReturn:
    """Print error as one line and end the process with exit code 1."""
    print(f"error: {error}", file=sys.stderr, flush=True)
    # The stores are built inside Sanic's start-up listener, which would wrap
    # sys.exit() in a traceback; nothing is running yet that needs a cleanup.
    os._exit(1)


def erasure_confirmed(tracker: DialogueStateTracker) -> bool:
    """Whether the latest turn told the person their conversation is deleted."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if (
            isinstance(event, ActionExecuted)
            and event.action_name in ERASURE_CONFIRMATIONS
        ):
            return True
    return False


class DatabaseTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on DATABASE_URL, with erasure on request."""

    engine: sa.engine.Engine  # set by SQLTrackerStore.__init__, untyped there

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = host or database_url()
        try:
            check_database(url)
        except StoreUnavailableError as error:
            # SQLTrackerStore would retry forever, silently from a user's view.
            exit_at_start(error)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()
            self.engine = pooled_sqlite_engine(self.engine.url)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

        self._cache: OrderedDict[str, CachedTracker] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker this worker saved last, brought up to date; else read it.

        With several workers a conversation's turns land on either, so the
        cached tracker often misses the other worker's last turn: only those
        events are read and applied, not the whole conversation (which would
        make every turn cost more the longer the conversation).
        """
        cached = self._cache.get(sender_id)
        if cached and cached.unchanged_since_saved():
            with self.engine.connect() as connection:
                newer = self._events_from(connection, sender_id, cached.last_event_id)
            if cached.catch_up(newer):
                self._cache.move_to_end(sender_id)
                return cached.tracker
        tracker = await super().retrieve(sender_id)
        if tracker is None:
            self._cache.pop(sender_id, None)
        else:
            with self.engine.connect() as connection:
                self._remember(tracker, self._last_event_id(connection, sender_id))
        return tracker

    def _events_from(
        self, connection: sa.engine.Connection, sender_id: str, event_id: Any
    ) -> list[Any]:
        """The conversation's stored rows from event_id on (id, type, data)."""
        table = self.SQLEvent.__table__
        query = (
            sa.select(table.c.id, table.c.type_name, table.c.data)
            .where(table.c.sender_id == sender_id, table.c.id >= event_id)
            .order_by(table.c.id)
        )
        return list(connection.execute(query))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events in one INSERT, or erase the conversation if asked.

        Rasa's own save adds one ORM object per event and counts the stored
        events first; the rows and the table are the same, so Rasa's tools
        and the retention job read them as before.
        """
        if erasure_confirmed(tracker):
            await self.delete(tracker.sender_id)
            return
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        unsaved = self._unsaved_events(tracker)
        with self.engine.begin() as connection:
            if unsaved:
                rows = [event_row(sender_id, event) for event in unsaved]
                connection.execute(self.SQLEvent.__table__.insert(), rows)
            last_event_id = self._last_event_id(connection, sender_id)
        self._remember(tracker, last_event_id)

    def _unsaved_events(self, tracker: DialogueStateTracker) -> list[Event]:
        """The events not stored yet.

        Past the cached count if this is the cached tracker, else past the
        count stored since the last session start (as Rasa counts them).
        """
        cached = self._cache.get(tracker.sender_id)
        if cached and cached.tracker is tracker:
            stored = cached.event_count
        else:
            with self.session_scope() as session:
                query = self._event_query(
                    session, tracker.sender_id, fetch_events_from_all_sessions=False
                )
                stored = query.count()
        return list(itertools.islice(tracker.events, stored, None))

    async def delete(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; return how many."""
        self._cache.pop(sender_id, None)
        return delete_conversations(self.engine, [sender_id])

    def _last_event_id(self, connection: sa.engine.Connection, sender_id: str) -> Any:
        """The id of the conversation's newest stored event (None if none)."""
        table = self.SQLEvent.__table__
        query = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sender_id)
        return connection.execute(query).scalar()

    def _remember(self, tracker: DialogueStateTracker, last_event_id: Any) -> None:
        """Keep the tracker as stored now, evicting the least recently used."""
        sender_id = tracker.sender_id
        self._cache[sender_id] = CachedTracker(
            tracker, last_event_id, len(tracker.events)
        )
        self._cache.move_to_end(sender_id)
        while len(self._cache) > CACHED_TRACKERS:
            self._cache.popitem(last=False)


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """One row of Rasa's events table, with the columns Rasa's save fills."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


@dataclass
class CachedTracker:
    """A tracker as it was stored, with what the database held at that time."""

    tracker: DialogueStateTracker
    last_event_id: int | None
    event_count: int

    def unchanged_since_saved(self) -> bool:
        """True unless events were added without being saved (a failed turn)."""
        return self.last_event_id is not None and (
            len(self.tracker.events) == self.event_count
        )

    def catch_up(self, rows: Sequence[Any]) -> bool:
        """Apply the events stored after ours (rows from our last event on).

        False, changing nothing, when the rows don't continue this tracker: our
        last event is gone (the conversation was deleted) or a new session or
        a restart began (the tracker must then be read as Rasa reads it).
        """
        if not rows or rows[0].id != self.last_event_id:
            return False
        newer = rows[1:]
        if any(row.type_name in RESTARTING_EVENTS for row in newer):
            return False
        for row in newer:
            self.tracker.update(Event.from_parameters(json.loads(row.data)))
        if newer:
            self.last_event_id = newer[-1].id
            self.event_count = len(self.tracker.events)
        return True


class EnvLockStore(LockStore):
    """Conversation locks in Redis when REDIS_URL is set, else in the process.

    Delegates the three storage methods; the ticket logic is LockStore's own.
    """

    def __init__(self, endpoint_config: Any = None) -> None:
        url = os.environ.get("REDIS_URL", "").strip()
        self.store: LockStore = InMemoryLockStore()
        if url:
            try:
                check_redis(url)
            except StoreUnavailableError as error:
                exit_at_start(error)
            self.store = AtomicRedisLockStore(**redis_settings(url))
        elif workers() > 1:
            path = os.environ.get("LOCK_DATABASE", "").strip()
            self.store = SQLiteLockStore(Path(path) if path else DEFAULT_LOCK_DATABASE)
        super().__init__()

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        """The delegate's lock (its ticket steps may need to be atomic)."""
        async with self.store.lock(
            conversation_id, lock_lifetime, min(wait_time_in_seconds, LOCK_POLL_SECONDS)
        ) as lock:
            yield lock

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's lock, if any."""
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        """Drop the conversation's lock."""
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store the lock."""
        self.store.save_lock(lock)


def workers() -> int:
    """The number of Rasa worker processes (bot.serve sets SANIC_WORKERS)."""
    try:
        return max(int(os.environ.get("SANIC_WORKERS", "1")), 1)
    except ValueError:
        return 1


class AtomicLockStore(LockStore):
    """Rasa's ticket locks with each read-modify-write step made atomic.

    LockStore reads a lock, changes it and writes it back in separate calls.
    Across processes two steps can interleave: two turns draw the same ticket
    and run at once, or a finished ticket is written back and every later
    turn waits out its lifetime. Subclasses give the exclusive section.
    """

    def _exclusive(self, conversation_id: str) -> AbstractContextManager[Any]:
        """Hold off every other process's step on this conversation's lock."""
        raise NotImplementedError

    def issue_ticket(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME
    ) -> int:
        """Issue the next ticket, atomically."""
        with self._exclusive(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        """Expire old tickets, atomically."""
        with self._exclusive(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish the ticket and drop an idle lock, atomically."""
        with self._exclusive(conversation_id):
            super().cleanup(conversation_id, ticket_number)


class AtomicRedisLockStore(AtomicLockStore, RedisLockStore):
    """Rasa's Redis locks, each ticket step under a short Redis mutex.

    The mutex expires on its own, so a process that dies inside a step holds
    nobody up for longer than MUTEX_SECONDS.
    """

    def _exclusive(self, conversation_id: str) -> AbstractContextManager[Any]:
        """A Redis lock (SET NX with an expiry) named after the conversation."""
        return self.red.lock(
            f"mutex:{self.key_prefix}{conversation_id}",
            timeout=MUTEX_SECONDS,
            sleep=LOCK_POLL_SECONDS / 10,
            blocking_timeout=MUTEX_SECONDS,
        )


class SQLiteLockStore(AtomicLockStore):
    """Conversation locks shared by the worker processes of one machine.

    Rasa's ticket locks, stored in a SQLite file; each ticket step runs in
    one immediate transaction.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are opened explicitly below.
        self.connection = sqlite3.connect(
            str(path), timeout=30, isolation_level=None, check_same_thread=False
        )
        self.connection.execute("PRAGMA journal_mode=WAL")
        # Locks outlive no crash that matters (a stale ticket expires), so
        # commits skip the disk flush: two fewer per turn.
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS locks "
            "(conversation_id TEXT PRIMARY KEY, data TEXT NOT NULL)"
        )
        super().__init__()

    @contextmanager
    def _exclusive(self, conversation_id: str) -> Iterator[None]:
        """One writer at a time across processes, until commit or rollback."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's lock, if any."""
        row = self.connection.execute(
            "SELECT data FROM locks WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: str) -> None:
        """Drop the conversation's lock."""
        self.connection.execute(
            "DELETE FROM locks WHERE conversation_id = ?", (conversation_id,)
        )

    def save_lock(self, lock: TicketLock) -> None:
        """Store the lock."""
        self.connection.execute(
            "INSERT OR REPLACE INTO locks (conversation_id, data) VALUES (?, ?)",
            (lock.conversation_id, lock.dumps()),
        )
