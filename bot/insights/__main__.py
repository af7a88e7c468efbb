"""``python -m bot.insights [--days N]``: the clinic page's summary in the terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from bot.clinic_notes import load, notes_path
from bot.database import database_url, redacted
from bot.insights.store import insights_engine, summary
from bot.insights.words import channel_name, counted


def main(argv: Sequence[str] | None = None) -> int:
    """Print the last N days' counts; one line and exit 1 if the database fails."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30, help="days to include")
    days = parser.parse_args(argv).days
    end = date.today()
    start = end - timedelta(days=max(days, 1) - 1)
    url = database_url()
    print(f"==> Reading new conversations from {redacted(url)}...", file=sys.stderr)
    try:
        found = summary(insights_engine(url), start, end, load(notes_path()))
    except Exception as error:  # noqa: BLE001 (one clear line, not a traceback)
        print(f"error: cannot read {redacted(url)}: {error}", file=sys.stderr)
        return 1
    print(f"What people asked, {start} to {end} (UTC)")
    print(f"  conversations: {sum(found.conversations_by_day.values())}")
    for channel, count in found.conversations_by_channel.items():
        print(f"    {channel_name(channel)}: {count}")
    print(f"  prep sheets made: {found.prep_sheets}")
    print(f"  hand-off requests: {found.handoffs}")
    print(f"  answered by your notes: {found.answered_by_notes}")
    print("  guide topics: " + ", ".join(f"{k} {v}" for k, v in found.topics.items()))
    print(
        "  urgent outcomes: "
        + (", ".join(f"{k} {v}" for k, v in found.urgent.items()) or "none")
    )
    print("  questions the guide doesn't cover, by theme:")
    for theme in found.themes:
        example = f' e.g. "{theme.wording}"' if theme.wording else ""
        print(
            f"    {theme.name}: {counted(theme.questions, 'question')}, "
            f"{counted(theme.people, 'person', 'people')}, {theme.status}{example}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
