"""Aggregates of what people ask, read from the tracker store's events table.

Each event is read once: ``update()`` reads the events written since the
last update (by id, in batches) and keeps only what the clinic page needs
in ``insight_rows``, one row per thing counted, with an index on the day.
A page then groups those rows for its date range; it never reads a tracker.
Rasa's own tables are only read, never changed.

What a row keeps: the day (UTC), the channel, a one-way hash of the sender
(people are counted, not identified), what was counted, and for a question
the guide doesn't cover its theme and its scrubbed wording
(bot.insights.privacy). Reports and crises are rows without any text.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.clinic_notes import Note
from bot.database import EVENTS, engine_for, person_key
from bot.insights.privacy import scrub
from bot.insights.themes import group_others, theme_name, theme_of
from bot.nlu.clinic_notes import NotesIndex

BATCH = 5_000
QUESTION_KINDS = ("uncovered", "note")
# A theme's most asked wordings the notes are tried on.
NOTE_SAMPLE = 50
# A wording is shown only when at least this many people asked it.
MIN_PEOPLE_FOR_WORDING = 3
BEYOND_GUIDE = "ask_beyond_guide"
CLINIC_NOTE = "ask_clinic_note"
URGENT_KINDS = {
    "report_emergency": "emergency",
    "report_infection_signs": "same day",
    "express_distress": "crisis",
    "report_symptom": "symptom now",
}
HANDOFF_INTENT = "request_human"
PREP_SHEET_ACTION = "action_prep_sheet"
# Intents that are conversation, not a question about the guide.
NOT_TOPICS = frozenset(
    {
        "greet", "thanks", "goodbye", "bot_challenge", "ask_capabilities",
        "out_of_scope", "nlu_fallback", "share_factor", "forget_factors",
        "request_prep_sheet", "request_human", "delete_my_data",
        "several_questions", "fact_and_question", "answer_with_safety_line",
        BEYOND_GUIDE, CLINIC_NOTE, *URGENT_KINDS,
    }
)  # fmt: skip

METADATA = sa.MetaData()
ROWS = sa.Table(
    "insight_rows",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("person", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    # message, topic, uncovered, note, urgent, prep_sheet, handoff
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(80), nullable=False, default=""),
    sa.Column("wording", sa.Text, nullable=True),
    # Every page query filters on the kind and the day range.
    sa.Index("ix_insight_rows_kind_day", "kind", "day"),
)
PROGRESS = sa.Table(
    "insight_progress",
    METADATA,
    sa.Column("reader", sa.String(20), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)
READER = "insights"
CREATE_ATTEMPTS = 5  # one per table and index another worker may win


def insights_engine(url: str) -> Engine:
    """An engine for the aggregates: on PostgreSQL, many rows per INSERT."""
    if make_url(url).get_backend_name() == "postgresql":
        return sa.create_engine(
            url,
            executemany_mode="values_plus_batch",
            connect_args={"connect_timeout": 5},
        )
    return engine_for(url)


def day_of(timestamp: float) -> str:
    """The UTC day of an event."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).date().isoformat()


def rows_for_user_event(parse: dict[str, Any], text: str) -> Iterator[dict[str, Any]]:
    """What one message counts for: the message itself, and what it asked."""
    yield {"kind": "message", "name": ""}
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent in URGENT_KINDS:
        yield {"kind": "urgent", "name": URGENT_KINDS[intent]}
        return
    if intent == HANDOFF_INTENT:
        yield {"kind": "handoff", "name": ""}
    parts = parse.get("message_parts") or [
        {"name": intent, "text": text, "clinic_note": parse.get("clinic_note")}
    ]
    for part in parts:
        name = part.get("name") or ""
        asked = str(part.get("text") or text)
        if part.get("clinic_note") or name == CLINIC_NOTE:
            yield question_row("note", asked)
        elif name == BEYOND_GUIDE:
            yield question_row("uncovered", asked)
        elif name and name not in NOT_TOPICS and not name.startswith("followup_"):
            yield {"kind": "topic", "name": name.removeprefix("ask_")}


def question_row(kind: str, asked: str) -> dict[str, Any]:
    """A row for a question the guide doesn't cover: its theme and wording."""
    wording = scrub(asked)
    return {"kind": kind, "name": theme_of(asked) or "", "wording": wording}


def ensure_tables(engine: Engine) -> None:
    """Create the aggregate tables if they are missing.

    Another worker may be creating them at the same moment: a table it made
    between our check and our CREATE fails ours, so check again and create
    what is still missing.
    """
    for attempt in range(CREATE_ATTEMPTS):
        try:
            METADATA.create_all(engine, checkfirst=True)
            return
        except sa.exc.DatabaseError:
            if attempt == CREATE_ATTEMPTS - 1:
                raise


class RacedError(Exception):
    """Another worker read the same events first; this batch is rolled back."""


def update(engine: Engine) -> int:
    """Read the events written since the last update; the number read.

    Safe with several workers: a batch counts only if the progress row still
    holds the id this batch started from, so each event is counted once.
    """
    ensure_tables(engine)
    if not sa.inspect(engine).has_table("events"):
        return 0
    total = 0
    while True:
        try:
            read = read_batch(engine)
        except (RacedError, sa.exc.IntegrityError):
            continue  # another worker took this batch: read on from theirs
        if not read:
            return total
        total += read


def read_batch(engine: Engine) -> int:
    """Count one batch of new events in one transaction; how many were read."""
    with engine.begin() as connection:
        last = connection.execute(
            sa.select(PROGRESS.c.last_event_id).where(PROGRESS.c.reader == READER)
        ).scalar()
        events = connection.execute(
            sa.select(EVENTS)
            .where(EVENTS.c.id > (last or 0))
            .where(EVENTS.c.type_name.in_(["user", "action"]))
            .order_by(EVENTS.c.id)
            .limit(BATCH)
        ).all()
        if not events:
            return 0
        rows = [row for event in events for row in rows_for_event(event)]
        if rows:
            connection.execute(ROWS.insert(), rows)
        newest = events[-1].id
        if last is None:
            connection.execute(
                PROGRESS.insert(), {"reader": READER, "last_event_id": newest}
            )
        elif (
            connection.execute(
                PROGRESS.update()
                .where(PROGRESS.c.reader == READER, PROGRESS.c.last_event_id == last)
                .values(last_event_id=newest)
            ).rowcount
            != 1
        ):
            raise RacedError
    return len(events)


def rows_for_event(event: Any) -> list[dict[str, Any]]:
    """The aggregate rows one stored event adds."""
    data = json.loads(event.data or "{}")
    base = {"day": day_of(event.timestamp), "person": person_key(event.sender_id)}
    if event.type_name == "action":
        if event.action_name == PREP_SHEET_ACTION:
            return [
                {
                    **base,
                    "channel": "",
                    "kind": "prep_sheet",
                    "name": "",
                    "wording": None,
                }
            ]
        return []
    channel = str(data.get("input_channel") or "unknown")[:40]
    rows = rows_for_user_event(
        data.get("parse_data") or {}, str(data.get("text") or "")
    )
    return [
        {**base, "channel": channel, "name": "", "wording": None, **row} for row in rows
    ]


def days_between(start: date, end: date) -> list[str]:
    """Every day from start to end, inclusive, as ISO dates."""
    return [
        date.fromordinal(ordinal).isoformat()
        for ordinal in range(start.toordinal(), end.toordinal() + 1)
    ]


@dataclass
class Theme:
    """A theme of questions the guide doesn't cover, as the page shows it."""

    name: str
    questions: int = 0
    people: int = 0
    wording: str | None = None
    # How many of its questions a clinic note answered when they were asked.
    from_notes: int = 0
    # A note that matches its questions now (it may not have existed then).
    note_now: str | None = None

    @property
    def status(self) -> str:
        """What answered this theme's questions when they were asked, in words."""
        if self.from_notes >= self.questions:
            return "answered from your notes"
        if self.from_notes:
            return f"answered from your notes: {self.from_notes} of {self.questions}"
        if self.note_now:
            return (
                "not covered when asked; your note "
                f"\u201c{self.note_now}\u201d may answer it now"
            )
        return "not answered yet: write a note"

    def as_dict(self) -> dict[str, Any]:
        """The theme as the JSON export carries it."""
        return {**vars(self), "status": self.status}


@dataclass
class Summary:
    """Everything the clinic page shows for a date range: counts only."""

    start: date
    end: date
    conversations_by_day: dict[str, int] = field(default_factory=dict)
    conversations_by_channel: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    themes: list[Theme] = field(default_factory=list)
    prep_sheets: int = 0
    handoffs: int = 0
    urgent: dict[str, int] = field(default_factory=dict)
    answered_by_notes: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The summary as the JSON export carries it (README, Clinic page)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "conversations_by_day": self.conversations_by_day,
            "conversations_by_channel": self.conversations_by_channel,
            "topics": self.topics,
            "uncovered_themes": [theme.as_dict() for theme in self.themes],
            "prep_sheets": self.prep_sheets,
            "handoffs": self.handoffs,
            "urgent": self.urgent,
            "answered_by_notes": self.answered_by_notes,
        }


def summary(engine: Engine, start: date, end: date, notes: list[Note]) -> Summary:
    """The counts for the days from start to end (inclusive)."""
    update(engine)
    result = Summary(start, end)
    in_range = ROWS.c.day.between(start.isoformat(), end.isoformat())
    with engine.connect() as connection:

        def grouped(kind: str, column: Any, distinct: bool = True) -> dict[str, int]:
            counted = (
                sa.func.count(sa.distinct(ROWS.c.person))
                if distinct
                else sa.func.count()
            )
            query = (
                sa.select(column, counted)
                .where(in_range, ROWS.c.kind == kind)
                .group_by(column)
                .order_by(column)
            )
            return {str(key): int(count) for key, count in connection.execute(query)}

        by_day = grouped("message", ROWS.c.day)
        result.conversations_by_day = {
            day: by_day.get(day, 0) for day in days_between(start, end)
        }
        result.conversations_by_channel = grouped("message", ROWS.c.channel)
        result.topics = dict(
            sorted(
                grouped("topic", ROWS.c.name, distinct=False).items(),
                key=lambda kv: -kv[1],
            )
        )
        result.prep_sheets = sum(
            grouped("prep_sheet", ROWS.c.kind, distinct=False).values()
        )
        result.handoffs = sum(grouped("handoff", ROWS.c.kind, distinct=False).values())
        result.urgent = grouped("urgent", ROWS.c.name, distinct=False)
        result.answered_by_notes = sum(
            grouped("note", ROWS.c.kind, distinct=False).values()
        )
        asked = sa.and_(in_range, ROWS.c.kind.in_(QUESTION_KINDS))
        people = sa.func.count(sa.distinct(ROWS.c.person))
        from_notes = sa.func.sum(sa.case((ROWS.c.kind == "note", 1), else_=0))
        named = connection.execute(
            sa.select(ROWS.c.name, sa.func.count(), people, from_notes)
            .where(asked, ROWS.c.name != "")
            .group_by(ROWS.c.name)
        ).all()
        wordings = connection.execute(
            sa.select(ROWS.c.name, ROWS.c.wording, sa.func.count(), people)
            .where(asked, ROWS.c.name != "", ROWS.c.wording.is_not(None))
            .group_by(ROWS.c.name, ROWS.c.wording)
        ).all()
        others = connection.execute(
            sa.select(ROWS.c.person, ROWS.c.wording, ROWS.c.kind).where(
                asked, ROWS.c.name == ""
            )
        ).all()
    result.themes = themes_of(named, wordings, others, notes)
    return result


# (wording, times asked, people who asked it)
Said = tuple[str, int, int]


def themes_of(
    named: Sequence[Any],
    wordings: Sequence[Any],
    others: Sequence[Any],
    notes: list[Note],
) -> list[Theme]:
    """The themes, most asked first.

    `named` holds (theme, questions, people, answered from notes) and
    `wordings` (theme, wording, times, people), as SQL grouped them; `others`
    the (person, wording, kind) of the questions no listed theme covers,
    grouped here by meaning.
    """
    said: dict[str, list[Said]] = defaultdict(list)
    for key, wording, times, asked_by in wordings:
        said[theme_name(key)].append((wording, int(times), int(asked_by)))
    themes = [
        Theme(theme_name(key), int(count), int(asked_by), from_notes=int(noted or 0))
        for key, count, asked_by, noted in named
    ]
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row, name in zip(
        others, group_others([r.wording or "" for r in others]), strict=True
    ):
        grouped[name].append(row)
    for name, rows in grouped.items():
        noted = sum(1 for row in rows if row.kind == "note")
        people_count = len({row.person for row in rows})
        themes.append(Theme(name, len(rows), people_count, from_notes=noted))
        askers: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row.wording:
                askers[row.wording].add(row.person)
        times = Counter(row.wording for row in rows if row.wording)
        said[name] = [(w, times[w], len(p)) for w, p in askers.items()]
    index = notes_index_for(notes)
    for theme in themes:
        theme.wording = representative(said[theme.name], theme.people)
        theme.note_now = note_for(said[theme.name], index)
    return sorted(themes, key=lambda theme: (-theme.questions, theme.name))


def notes_index_for(notes: list[Note]) -> NotesIndex | None:
    """The index of these notes (None without notes), built once per version."""
    return notes_index(tuple(notes)) if notes else None


@lru_cache(maxsize=4)
def notes_index(notes: tuple[Note, ...]) -> NotesIndex:
    """The notes' index, built once per version of the notes.

    Embedding the notes takes most of a second; every page request would
    pay it again.
    """
    return NotesIndex(list(notes))


def representative(said: list[Said], people: int) -> str | None:
    """The wording most people used, if at least 3 people used it; else None."""
    common = [entry for entry in said if entry[2] >= MIN_PEOPLE_FOR_WORDING]
    if not common or people < MIN_PEOPLE_FOR_WORDING:
        return None
    return max(common, key=lambda entry: (entry[2], -len(entry[0])))[0]


def note_for(said: list[Said], index: NotesIndex | None) -> str | None:
    """The clinic note that now answers most of a theme's questions, if any.

    Judged on the theme's most asked wordings, each weighted by how often it
    was asked.
    """
    if not index:
        return None
    sample = sorted(said, key=lambda entry: -entry[1])[:NOTE_SAMPLE]
    headings: Counter[str] = Counter()
    for wording, times, _ in sample:
        note = index.answer(wording)
        if note:
            headings[note.heading] += times
    total = sum(times for _, times, _ in sample)
    heading, count = headings.most_common(1)[0] if headings else (None, 0)
    return heading if count * 2 > total else None
