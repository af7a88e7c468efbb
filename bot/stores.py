"""Where conversations and conversation locks live, chosen from the environment.

endpoints.yml names the two classes below, so the same file serves every
deployment (Rasa's own ``${VAR}`` substitution fails on an unset variable):

- ``DATABASE_URL`` set, e.g. ``postgresql://user:pass@host:5432/db``: the
  conversations go to that database. Unset: SQLite in ``.data/mesoprep.db``
  beside this project, so they survive a restart with nothing to install.
- ``REDIS_URL`` set, e.g. ``redis://host:6379/1``: conversation locks live in
  Redis, so several Rasa servers can share one conversation without
  interleaving its turns. Unset: locks stay in the process (one server).

An unreachable database or Redis stops the server at start with one line
naming it (password hidden), instead of Rasa's endless retry loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.cli import print_error_and_exit
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / ".data" / "mesoprep.db"
# How long to keep trying a database that is not up yet (a container
# starting beside it), before giving up with a clear message.
DEFAULT_WAIT_SECONDS = 15.0
RETRY_INTERVAL_SECONDS = 1.0
# Responses that tell the person their conversation is gone: once one of
# them has been sent, the conversation is erased instead of saved, so the
# store never keeps what the person asked it to forget.
ERASURE_CONFIRMATIONS = frozenset({"utter_data_deleted", "utter_forgotten"})


class StoreUnavailableError(RuntimeError):
    """A database or Redis could not be reached; the message is one line."""


def database_url(env: Mapping[str, str] | None = None) -> str:
    """The SQLAlchemy URL of the conversation database."""
    env = os.environ if env is None else env
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Heroku-style and Kubernetes operators often hand out postgres://, which
    # SQLAlchemy 1.4 no longer accepts.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    return url


def redacted(url: str) -> str:
    """The URL with any password replaced by ***, safe to print or log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable URL>"


def wait_seconds(env: Mapping[str, str] | None = None) -> float:
    """DATABASE_WAIT_SECONDS, or the default when unset or not a number."""
    env = os.environ if env is None else env
    try:
        return max(0.0, float(env.get("DATABASE_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)))
    except ValueError:
        return DEFAULT_WAIT_SECONDS


def _engine(url: str) -> sa.engine.Engine:
    """An engine that fails fast: each connection attempt is short."""
    if url == database_url({}):
        # SQLite creates the file but not its directory (.data/ is not tracked).
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() == "postgresql":
        return sa.create_engine(url, connect_args={"connect_timeout": 5})
    return sa.create_engine(url)


def _reason(error: Exception) -> str:
    """The first line of the driver's message: the cause without a traceback."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def check_database(url: str, wait_s: float | None = None) -> None:
    """Connect once, retrying until wait_s has passed; StoreUnavailableError if not."""
    deadline = time.monotonic() + (wait_seconds() if wait_s is None else wait_s)
    try:
        engine = _engine(url)
    except (sa.exc.ArgumentError, ImportError, OSError) as error:
        raise StoreUnavailableError(
            f"invalid database URL {redacted(url)}: {_reason(error)} "
            "(check DATABASE_URL)"
        ) from None
    try:
        while True:
            try:
                with engine.connect():
                    return
            except sa.exc.DBAPIError as error:
                if time.monotonic() >= deadline:
                    raise StoreUnavailableError(
                        f"cannot reach the database at {redacted(url)}: "
                        f"{_reason(error)} (check DATABASE_URL)"
                    ) from None
                time.sleep(RETRY_INTERVAL_SECONDS)
    finally:
        engine.dispose()


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
            # Rasa would otherwise retry forever, silently from a user's view.
            print_error_and_exit(f"error: {error}")
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events, or erase the conversation if it was asked."""
        if erasure_confirmed(tracker):
            await self.delete(tracker.sender_id)
            return
        await super().save(tracker)

    async def delete(self, sender_id: str) -> int:
        """Remove every stored event of one conversation; return how many."""
        return self.delete_conversations([sender_id])

    def delete_conversations(self, sender_ids: Iterable[str]) -> int:
        """Remove every stored event of these conversations; return how many."""
        ids = list(sender_ids)
        if not ids:
            return 0
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id.in_(ids))
                .delete(synchronize_session=False)
            )
            session.commit()
        return deleted


def redis_settings(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments for a redis:// or rediss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise StoreUnavailableError("REDIS_URL must start with redis:// or rediss://")
    database = parts.path.lstrip("/")
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(database) if database.isdigit() else 1,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


def redacted_redis(url: str) -> str:
    """A Redis URL with any password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = parts.username or ""
    netloc = f"{user}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def redis_lock_store(url: str) -> RedisLockStore:
    """A RedisLockStore for url that answered a ping, else StoreUnavailableError."""
    import redis

    store = RedisLockStore(**redis_settings(url))
    try:
        store.red.ping()
    except redis.exceptions.RedisError as error:
        raise StoreUnavailableError(
            f"cannot reach Redis at {redacted_redis(url)}: {error} (check REDIS_URL)"
        ) from None
    return store


class EnvLockStore(LockStore):
    """Conversation locks in Redis when REDIS_URL is set, else in the process.

    Delegates the three storage methods; the ticket logic is LockStore's own.
    """

    def __init__(self, endpoint_config: Any = None) -> None:
        url = os.environ.get("REDIS_URL", "").strip()
        try:
            self.store: LockStore = (
                redis_lock_store(url) if url else InMemoryLockStore()
            )
        except StoreUnavailableError as error:
            print_error_and_exit(f"error: {error}")
        super().__init__()

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The conversation's lock, if any."""
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        """Drop the conversation's lock."""
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        """Store the lock."""
        self.store.save_lock(lock)
