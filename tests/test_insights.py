"""The clinic's insights: events read once, grouped into themes, scrubbed."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot.clinic_notes import load
from bot.database import EVENTS, delete_conversations, person_key
from bot.insights import __main__ as insights_main
from bot.insights import store, themes
from bot.insights.page import as_csv, render, whole_number_ticks
from bot.insights.privacy import scrub
from bot.insights.store import ROWS, summary, update
from bot.insights.themes import group_others, theme_name, theme_of
from bot.insights.words import counted
from bot.paths import ROOT

DAY = date(2026, 11, 2)
NOON = 1793620800.0  # 2026-11-02 12:00 UTC
THEMES = ROOT / "tests" / "heldout" / "insight_themes.yml"
EXAMPLE_NOTES = ROOT / "data" / "clinic_notes.example.md"
# The theme list's first evaluation on these wordings (by words alone) put
# 382 / 480 in their theme; it has been a development set since: by meaning,
# after words were added to themes.yml, 445 / 480 (README, Clinic page).
THEME_GATE = 445
# The second set's one evaluation (after the last change): 117 / 128.
THEMES_2 = ROOT / "tests" / "heldout" / "insight_themes_2.yml"
THEME_GATE_2 = 116


@pytest.fixture
def engine(tmp_path: Path) -> sa.engine.Engine:
    """A conversation database with Rasa's events table, empty."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "sender_id VARCHAR, type_name VARCHAR, timestamp FLOAT, "
                "intent_name VARCHAR, action_name VARCHAR, data TEXT)"
            )
        )
    return engine


def said(
    engine: sa.engine.Engine, sender: str, text: str, intent: str, **parse: Any
) -> None:
    """Store a user event as Rasa's tracker store does."""
    data = {
        "event": "user",
        "text": text,
        "input_channel": "rest",
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, **parse},
    }
    with engine.begin() as connection:
        connection.execute(
            EVENTS.insert(),
            {
                "sender_id": sender,
                "type_name": "user",
                "timestamp": NOON,
                "intent_name": intent,
                "data": json.dumps(data),
            },
        )


def did(engine: sa.engine.Engine, sender: str, action: str) -> None:
    """Store an action event."""
    with engine.begin() as connection:
        connection.execute(
            EVENTS.insert(),
            {"sender_id": sender, "type_name": "action", "timestamp": NOON,
             "action_name": action, "data": json.dumps({"name": action})},
        )  # fmt: skip


def test_each_event_is_read_once(engine) -> None:
    said(engine, "a", "does it hurt?", "ask_pain")
    assert update(engine) == 1
    assert update(engine) == 0
    said(engine, "b", "how much is it?", "ask_cost")
    assert update(engine) == 1
    with engine.connect() as connection:
        kinds = [row.kind for row in connection.execute(sa.select(ROWS))]
    assert kinds == ["message", "topic", "message", "topic"]


def test_the_summary_counts_what_the_page_shows(engine) -> None:
    said(engine, "a", "does it hurt?", "ask_pain")
    said(engine, "a", "my lips are swelling", "report_emergency")
    said(engine, "b", "can I talk to a human?", "request_human")
    did(engine, "b", "action_prep_sheet")
    for sender in "cde":
        said(engine, sender, "can I fly after meso?", "ask_beyond_guide")
    found = summary(engine, DAY, DAY, [])
    assert found.conversations_by_day == {DAY.isoformat(): 5}
    assert found.conversations_by_channel == {"rest": 5}
    assert found.topics == {"pain": 1}
    assert found.urgent == {"emergency": 1}
    assert (found.prep_sheets, found.handoffs) == (1, 1)
    travel = next(t for t in found.themes if t.name == "Travel and flying")
    assert (travel.questions, travel.people) == (3, 3)
    assert travel.wording == "can I fly after meso?"


def test_a_wording_fewer_than_three_people_asked_is_not_shown(engine) -> None:
    for sender in "ab":
        said(engine, sender, "can I fly after meso?", "ask_beyond_guide")
    travel = summary(engine, DAY, DAY, []).themes[0]
    assert travel.people == 2 and travel.wording is None


def test_a_note_moves_its_theme_from_not_covered_to_answered(engine) -> None:
    for sender in "abc":
        said(engine, sender, "when can I wash my hair after?", "ask_beyond_guide")
    before = summary(engine, DAY, DAY, []).themes[0]
    after = summary(engine, DAY, DAY, load(EXAMPLE_NOTES)).themes[0]
    assert before.name == after.name == "Hair washing"
    assert before.status == "not answered yet: write a note"
    # Asked before the note existed: still not covered, with the note named.
    assert after.from_notes == 0 and after.status.startswith("not covered when asked")
    assert "Washing your hair after a session" in after.status


def test_the_status_is_what_answered_each_question_when_asked(engine) -> None:
    question = "when can I wash my hair after?"
    said(engine, "a", question, "ask_beyond_guide")
    for sender in "bc":
        said(engine, sender, question, "ask_clinic_note", clinic_note={"heading": "W"})
    theme = summary(engine, DAY, DAY, load(EXAMPLE_NOTES)).themes[0]
    assert (theme.questions, theme.from_notes) == (3, 2)
    assert theme.status == "answered from your notes: 2 of 3"
    said(engine, "d", "can I fly after meso?", "ask_beyond_guide")
    travel = next(t for t in summary(engine, DAY, DAY, []).themes if t.from_notes == 0)
    assert travel.status == "not answered yet: write a note"


UNFORESEEN = [
    "is there parking near the clinic?",
    "where can I park my car when I come?",
    "do you have a car park or is it street parking?",
    "can I pay by card?",
    "do you take card payments or only cash?",
    "is payment by credit card possible?",
]


def test_unforeseen_questions_are_grouped_by_meaning_and_named_in_words() -> None:
    names = group_others(UNFORESEEN)
    assert len(set(names[:3])) == 1 and len(set(names[3:])) == 1
    assert names[0] != names[3]
    for name in set(names):  # a whole word people wrote, never a stem
        written = [q for q, n in zip(UNFORESEEN, names, strict=True) if n == name]
        assert any(name in re.findall(r"[a-z]+", q.lower()) for q in written)
    assert names[0] == "parking" and names[3] == "card"


def test_a_clinic_can_rename_a_found_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = yaml.safe_load(themes.THEMES_FILE.read_text(encoding="utf-8"))
    listed["rename"] = {"parking": "Parking at the clinic"}
    renamed = tmp_path / "themes.yml"
    renamed.write_text(yaml.safe_dump(listed), encoding="utf-8")
    monkeypatch.setattr(themes, "THEMES_FILE", renamed)
    themes.themes_file.cache_clear()
    try:
        assert group_others(UNFORESEEN)[0] == "Parking at the clinic"
    finally:
        themes.themes_file.cache_clear()


def test_listed_themes_have_names_and_every_theme_word_is_a_word() -> None:
    listed, _ = themes.themes_file()
    assert len(listed) >= 16 and all(theme.name[0].isupper() for theme in listed)
    assert theme_name("travel") == "Travel and flying"


SENSITIVE = {
    "Priya": "Hi it's Priya, can I dye my hair after?",
    "jo.bloggs@example.com": "mail jo.bloggs@example.com: can I dye my hair after?",
    "07700 900123": "call 07700 900123, can I dye my hair after?",
    "14 March": "my session is on 14 March, can I dye my hair after?",
    "I'm 34": "I'm 34, can I dye my hair after?",
}


def test_nothing_personal_reaches_the_page_or_the_exports(engine) -> None:
    """Names, contacts, dates, ages, facts, red flags and crises: never shown."""
    for text in SENSITIVE.values():
        for sender in "abc":  # enough people for a wording to be shown
            said(engine, f"{sender}-{text}", text, "ask_beyond_guide")
    for sender in "abc":
        said(engine, sender, "I'm pregnant, can I dye my hair?", "ask_beyond_guide")
        said(
            engine,
            sender,
            "my lips are swelling and I can't breathe",
            "report_emergency",
        )
        said(engine, sender, "I want to end my life", "express_distress")
    found = summary(engine, DAY, DAY, [])
    shown = [render(found, "Clinic"), as_csv(found), json.dumps(found.as_dict())]
    private = [*SENSITIVE, "pregnant", "swelling", "breathe", "end my life"]
    for output in shown:
        assert not [secret for secret in private if secret in output]
    assert found.urgent == {"emergency": 3, "crisis": 3}
    assert any(theme.wording for theme in found.themes)  # scrubbed ones remain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, it's Priya here, can I swim?", "Hi, it's [name] here, can I swim?"),
        ("email a.b@c.com or 07700 900123", "email [e-mail] or [phone]"),
        ("I'm 34, on 14 March can I fly?", "[age], on [date] can I fly?"),
        ("is 12/03/2026 too soon", "is [date] too soon"),
        ("can I swim? thanks, Tom", "can I swim? thanks, [name]"),
        ("my friend Anya says no sauna", "my friend [name] says no sauna"),
        ("I'm on warfarin, can I drink?", None),
        ("my scalp is oozing pus after washing", None),
    ],
)
def test_scrubbing(text: str, expected: str | None) -> None:
    assert scrub(text) == expected


def test_the_theme_list_groups_held_out_wordings() -> None:
    """Wordings written for each theme by someone who never saw the list."""
    themes = yaml.safe_load(THEMES.read_text(encoding="utf-8"))
    grouped = sum(theme_of(q) == theme for theme, qs in themes.items() for q in qs)
    print(f"themes: {grouped} of {sum(map(len, themes.values()))} in their theme")
    assert grouped >= THEME_GATE


def test_the_second_held_out_theme_set() -> None:
    themes_2 = yaml.safe_load(THEMES_2.read_text(encoding="utf-8"))
    grouped = sum(theme_of(q) == theme for theme, qs in themes_2.items() for q in qs)
    print(f"themes (second set): {grouped} of {sum(map(len, themes_2.values()))}")
    assert grouped >= THEME_GATE_2


def test_workers_reading_at_once_count_each_event_once(engine) -> None:
    """Several workers may serve the page at the same moment."""
    for number in range(300):
        said(engine, f"p{number}", "does it hurt?", "ask_pain")
    shared = sa.create_engine(engine.url, connect_args={"timeout": 60})
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: update(shared), range(4)))
    with engine.connect() as connection:
        counted = connection.execute(
            sa.select(sa.func.count()).select_from(ROWS)
        ).scalar()
    assert counted == 600  # a message row and a topic row per message


def test_a_table_another_worker_created_meanwhile_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers starting together both see the tables missing."""
    fresh = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    create_all = store.METADATA.create_all
    raced = []

    def other_worker_wins_once(bind: Any, checkfirst: bool = True) -> None:
        if not raced:
            raced.append(True)
            store.ROWS.create(bind)  # the other worker's CREATE lands first
            store.ROWS.create(bind)  # so ours fails: it already exists
        create_all(bind, checkfirst=checkfirst)

    monkeypatch.setattr(store.METADATA, "create_all", other_worker_wins_once)
    store.ensure_tables(fresh)
    assert all(sa.inspect(fresh).has_table(t) for t in store.METADATA.tables)


def test_deleting_a_conversation_deletes_what_the_page_counted_of_it(engine) -> None:
    """Erasure on request and the retention job leave no aggregate behind."""
    said(engine, "gone", "can I fly after meso?", "ask_beyond_guide")
    said(engine, "kept", "does it hurt?", "ask_pain")
    update(engine)
    delete_conversations(engine, ["gone"])
    with engine.connect() as connection:
        people = {row.person for row in connection.execute(sa.select(ROWS))}
    assert people == {person_key("kept")}


# ---- The page's words and numbers ----------------------------------------------


def test_channels_are_named_in_plain_words_and_counts_are_whole(engine) -> None:
    for sender in "abc":
        said(engine, sender, "does it hurt?", "ask_pain")
    page = render(summary(engine, DAY, DAY, []), "Clinic")
    assert "website widget" in page and ">rest<" not in page
    labels = re.findall(r'class="axis y[^"]*".*?</g></g>', page, flags=re.DOTALL)
    numbers = re.findall(r"<text[^>]*>([\d.,]+)</text>", "".join(labels))
    assert numbers and all(n.isdigit() for n in numbers), numbers


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [(0, [0, 1]), (3, [0, 1, 2, 3]), (6, [0, 2, 4, 6]), (27, [0, 10, 20, 30])],
)
def test_count_axes_have_whole_number_ticks(largest: int, ticks: list[int]) -> None:
    assert whole_number_ticks(largest) == ticks


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 question, 1 person"), (2, "2 questions, 2 people")],
)
def test_plurals(count: int, expected: str) -> None:
    said_as = f"{counted(count, 'question')}, {counted(count, 'person', 'people')}"
    assert said_as == expected


def test_the_terminal_summary_speaks_plainly(
    engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    said(engine, "a", "can I fly after meso?", "ask_beyond_guide")
    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    monkeypatch.setattr(insights_main, "date", FixedDay)
    assert insights_main.main(["--days", "1"]) == 0
    out = capsys.readouterr().out
    assert "website widget: 1" in out
    assert "Travel and flying: 1 question, 1 person, not answered yet" in out


class FixedDay(date):
    """`date.today()` on the test's day."""

    @classmethod
    def today(cls) -> FixedDay:
        """The test's day."""
        return cls(DAY.year, DAY.month, DAY.day)


def test_the_notes_are_embedded_once_per_version_not_per_request() -> None:
    """Every page request would otherwise pay most of a second for the notes."""
    notes = tuple(load(ROOT / "data" / "clinic_notes.example.md"))
    assert store.notes_index(notes) is store.notes_index(notes)
    edited = (*notes[1:], notes[0])
    assert store.notes_index(edited) is not store.notes_index(notes)
