"""Delete conversations with no activity for a number of days.

    python -m tools.retention --days 30            # or: make retention DAYS=30
    python -m tools.retention --days 30 --dry-run  # count, delete nothing

A conversation is deleted whole, every event of it, once its latest event is
older than the cutoff: deleting only its old events would leave a broken
conversation behind. The database is the server's (DATABASE_URL, else the
SQLite file in .data/), so run it from the same environment, e.g. daily from
cron or a Kubernetes CronJob. Without --days it uses RETENTION_DAYS.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import sqlalchemy as sa

from bot.database import (
    EVENTS,
    StoreUnavailableError,
    check_database,
    database_url,
    delete_conversations,
    engine_for,
    inactive_conversations,
    redacted,
)

SECONDS_PER_DAY = 24 * 60 * 60


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """--days (or RETENTION_DAYS), --dry-run and --database-url."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.retention", description=__doc__.splitlines()[0]
    )
    default_days = os.environ.get("RETENTION_DAYS", "").strip()
    parser.add_argument(
        "--days",
        type=float,
        default=float(default_days) if default_days else None,
        help="delete conversations idle for longer than this (RETENTION_DAYS)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only count them")
    parser.add_argument(
        "--database-url", default=None, help="default: DATABASE_URL, else .data/"
    )
    args = parser.parse_args(argv)
    if args.days is None or args.days <= 0:
        parser.error("give --days N (N > 0), or set RETENTION_DAYS")
    return args


def apply_retention(url: str, days: float, dry_run: bool = False) -> tuple[int, int]:
    """Delete (or count) idle conversations; (conversations, events deleted)."""
    engine = engine_for(url)
    try:
        if not sa.inspect(engine).has_table(EVENTS.name):
            return 0, 0  # the server has not stored a conversation yet
        stale = inactive_conversations(engine, time.time() - days * SECONDS_PER_DAY)
        if dry_run:
            return len(stale), 0
        return len(stale), delete_conversations(engine, stale)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the retention policy once and report what it deleted."""
    args = parse_args(argv)
    url = args.database_url or database_url()
    try:
        check_database(url, wait_s=0)
    except StoreUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    conversations, events = apply_retention(url, args.days, args.dry_run)
    what = f"{conversations} conversation(s) idle for more than {args.days:g} day(s)"
    if args.dry_run:
        print(f"Would delete {what} in {redacted(url)}.")
    else:
        print(f"Deleted {what} ({events} event(s)) in {redacted(url)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
