"""The conversation database and Redis, as the environment configures them.

- ``DATABASE_URL``, e.g. ``postgresql://user:pass@host:5432/db``, or any
  SQLAlchemy URL. Unset: SQLite in ``.data/mesoprep.db`` beside the project.
- ``REDIS_URL``, e.g. ``redis://:pass@host:6379/1``, for conversation locks
  shared by several servers. Unset: none.
- ``DATABASE_WAIT_SECONDS`` (default 15): how long to keep trying a database
  that is still starting before giving up.

Only SQLAlchemy and redis here, no Rasa: the server's start-up check, and
the retention command, stay quick and print one line when something is wrong.
The table is Rasa's SQLTrackerStore's: one row per event.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.paths import ROOT

DEFAULT_SQLITE_PATH = ROOT / ".data" / "mesoprep.db"
DEFAULT_WAIT_SECONDS = 15.0
RETRY_INTERVAL_SECONDS = 1.0
# rasa.core.tracker_store.SQLTrackerStore.SQLEvent's table.
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)


# bot.insights.store's aggregate table, as far as deleting needs it.
INSIGHT_ROWS = sa.table("insight_rows", sa.column("person", sa.String))


class StoreUnavailableError(RuntimeError):
    """A database or Redis could not be reached; the message is one line."""


def database_url(env: Mapping[str, str] | None = None) -> str:
    """The SQLAlchemy URL of the conversation database."""
    env = os.environ if env is None else env
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # Heroku and some Kubernetes operators hand out postgres://, which
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


def engine_for(url: str) -> Engine:
    """An engine whose connection attempts fail fast instead of hanging."""
    if url == database_url({}):
        # SQLite creates the file but not its directory (.data/ is untracked).
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() == "postgresql":
        return sa.create_engine(url, connect_args={"connect_timeout": 5})
    return sa.create_engine(url)


def pooled_sqlite_engine(url: str | sa.engine.URL) -> Engine:
    """SQLite for a server: connections kept open, a write-ahead log.

    SQLAlchemy 1.4 opens (and closes) a file database's connection for every
    session; keeping a few open saves that on every turn. In WAL mode readers
    don't block the writer, across the worker processes too, and with
    synchronous=NORMAL a commit waits for no disk flush: a power cut may lose
    the last turns, never corrupt the file (PostgreSQL is production's store).
    """
    engine = sa.create_engine(
        url,
        poolclass=sa.pool.QueuePool,
        pool_size=2,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @sa.event.listens_for(engine, "connect")
    def write_ahead(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _reason(error: BaseException) -> str:
    """The first line of the driver's message: the cause without a traceback."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def check_database(url: str, wait_s: float | None = None) -> None:
    """Connect once, retrying until wait_s has passed; StoreUnavailableError if not."""
    deadline = time.monotonic() + (wait_seconds() if wait_s is None else wait_s)
    try:
        engine = engine_for(url)
    except (sa.exc.ArgumentError, ImportError) as error:
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


def person_key(sender_id: str) -> str:
    """A short one-way hash of a sender id: the clinic page counts people by it."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16]


def delete_conversations(engine: Engine, sender_ids: Iterable[str]) -> int:
    """Delete every stored event of these conversations; return how many.

    What the clinic page counted of them (bot.insights) goes too.
    """
    ids = list(sender_ids)
    if not ids:
        return 0
    counted = sa.inspect(engine).has_table(INSIGHT_ROWS.name)
    with engine.begin() as connection:
        result = connection.execute(
            sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(ids))
        )
        if counted:
            people = [person_key(sender_id) for sender_id in ids]
            connection.execute(
                sa.delete(INSIGHT_ROWS).where(INSIGHT_ROWS.c.person.in_(people))
            )
    return result.rowcount


def inactive_conversations(engine: Engine, before: float) -> list[str]:
    """Conversations whose latest event is older than `before` (Unix time)."""
    latest = sa.func.max(EVENTS.c.timestamp)
    query = (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(latest < before)
    )
    with engine.connect() as connection:
        return [row.sender_id for row in connection.execute(query)]


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
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{parts.username or ''}:***@{parts.hostname}{port}"
    return parts._replace(netloc=netloc).geturl()


def check_redis(url: str) -> None:
    """Ping Redis at url; StoreUnavailableError if it does not answer."""
    import redis

    settings = redis_settings(url)
    client = redis.StrictRedis(
        host=settings["host"],
        port=settings["port"],
        db=settings["db"],
        username=settings["username"],
        password=settings["password"],
        ssl=settings["use_ssl"],
        socket_timeout=5,
    )
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        raise StoreUnavailableError(
            f"cannot reach Redis at {redacted_redis(url)}: {error} (check REDIS_URL)"
        ) from None
    finally:
        client.close()
