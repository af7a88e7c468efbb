"""`python -m tools.insights_month URL DATABASE_URL`: a generated month, end to end.

Sends 2,000 generated conversations to a running assistant over REST (each
with one question the guide doesn't cover, from the held-out theme wordings
in tests/heldout/insight_themes.yml, and sometimes a guide question, a
personal fact or a prep-sheet request), spreads them over 30 days in its
database, builds the clinic summary, and reports how many of the uncovered
questions landed in the theme they were written for.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
import yaml

from bot.database import person_key
from bot.insights.store import ROWS, summary
from tools.harness import ROOT
from tools.http import send_message

WORDINGS = ROOT / "tests" / "heldout" / "insight_themes.yml"
EXTRAS = [
    "does it hurt?",
    "how much does it cost?",
    "I'm allergic to latex",
    "help me prepare for my consultation",
]
DAY_S = 86_400
SHIFT = sa.text("UPDATE events SET timestamp = timestamp - :shift WHERE sender_id = :s")


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, send, spread over a month, and score the themes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the assistant, e.g. http://127.0.0.1:5005")
    parser.add_argument("database", help="the assistant's DATABASE_URL")
    parser.add_argument("--conversations", type=int, default=2000)
    args = parser.parse_args(argv)
    rng = random.Random(7)
    themes = yaml.safe_load(WORDINGS.read_text(encoding="utf-8"))
    sent: dict[str, str] = {}
    engine = sa.create_engine(args.database)
    for number in range(args.conversations):
        sender = f"month-{uuid.uuid4().hex[:10]}"
        theme = rng.choice(sorted(themes))
        messages = [rng.choice(themes[theme])]
        if rng.random() < 0.4:
            messages.insert(rng.randint(0, 1), rng.choice(EXTRAS))
        for message in messages:
            send_message(args.url, sender, message, 30, None)
        sent[person_key(sender)] = theme
        shift = rng.randrange(30) * DAY_S
        with engine.begin() as connection:
            connection.execute(
                SHIFT,
                {"shift": shift, "s": sender},
            )
        if number % 200 == 199:
            print(f"    {number + 1} conversations sent", flush=True)
    today = date.today()
    found = summary(engine, today - timedelta(days=31), today, [])
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(ROWS.c.person, ROWS.c.name).where(ROWS.c.kind == "uncovered")
        ).all()
    landed = {row.person: row.name for row in rows if row.person in sent}
    right = sum(1 for person, name in landed.items() if name == sent[person])
    print(f"uncovered questions sent: {len(sent)}")
    print(f"  routed as not covered by the guide: {len(landed)}")
    print(
        f"  in the theme they were written for: {right} "
        f"({right / len(sent):.1%} of sent, "
        f"{right / max(len(landed), 1):.1%} of those routed)"
    )
    print(f"  themes on the page: {len(found.themes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
