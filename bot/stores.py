"""The tracker and lock stores endpoints.yml names, configured from the environment.

Rasa's own ``${VAR}`` substitution in endpoints.yml fails on an unset
variable, so these classes read the environment themselves (bot.database):

- DatabaseTrackerStore: Rasa's SQLTrackerStore on ``DATABASE_URL`` (SQLite in
  ``.data/`` when unset), so conversations survive a restart and several
  servers can share them. It erases a conversation once the person has been
  told it is deleted.
- EnvLockStore: Redis locks when ``REDIS_URL`` is set, so several servers
  never interleave one conversation's turns; in-process locks otherwise.

An unreachable database or Redis stops the server at start with one line
naming it (password hidden), instead of Rasa's endless retry loop.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

from rasa.core.brokers.broker import EventBroker
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.database import (
    StoreUnavailableError,
    check_database,
    check_redis,
    database_url,
    delete_conversations,
    redis_settings,
)

# Responses that tell the person their conversation is gone. Once one has
# been sent, the conversation is erased instead of saved: the store never
# keeps what the person was told it forgot.
ERASURE_CONFIRMATIONS = frozenset({"utter_data_deleted", "utter_forgotten"})


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events, or erase the conversation if it was asked."""
        if erasure_confirmed(tracker):
            await self.delete(tracker.sender_id)
            return
        await super().save(tracker)

    async def delete(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; return how many."""
        return delete_conversations(self.engine, [sender_id])


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
            self.store = RedisLockStore(**redis_settings(url))
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
