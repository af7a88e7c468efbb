"""Redis conversation locks under contention from several processes.

Servers and their workers share one conversation's lock in Redis. Rasa's
RedisLockStore reads, changes and writes a lock in separate steps, which
interleave across processes (turns served twice at once, tickets lost until
they expire); bot.stores.AtomicRedisLockStore runs each step under a Redis
mutex. Needs redis-server, which `make scale-test` installs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.stores import AtomicRedisLockStore, EnvLockStore
from tests.production import scale
from tests.support.locks import CONVERSATION, contend

pytestmark = pytest.mark.scale


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with scale.redis() as url:
        yield url


def test_servers_use_the_atomic_redis_locks(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert isinstance(EnvLockStore().store, AtomicRedisLockStore)


def test_processes_take_turns_on_one_conversation(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    seen = contend(EnvLockStore, tmp_path)
    assert seen.errors == []
    assert (seen.turns, seen.overlaps) == (100, 0)
    assert seen.longest_wait_s < 2.5  # no ticket left behind until it expired
    assert EnvLockStore().get_lock(CONVERSATION) is None
