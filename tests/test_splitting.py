"""Splitting a message into the questions and statements it is made of."""

from __future__ import annotations

import pytest

from bot.nlu.splitting import is_question, split_message, topic_turns


def texts(message: str) -> list[str]:
    return [part.text for part in split_message(message)]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "does it hurt and how much does it cost?",
            ["does it hurt", "how much does it cost?"],
        ),
        ("Is there a risk? Will it scar?", ["Is there a risk?", "Will it scar?"]),
        (
            "is it painful, expensive and does it even work?",
            ["is it painful", "is it expensive", "does it even work?"],
        ),
        (
            "I'm on steroids, is infection a risk?",
            ["I'm on steroids", "is infection a risk?"],
        ),
        ("ok quick one: will it itch", ["ok quick one:", "will it itch"]),
        ("pain level + how long is a course", ["pain level", "how long is a course"]),
        ("r they permanent? n do they itch", ["r they permanent?", "n do they itch"]),
    ],
)
def test_a_new_question_starts_a_new_part(message: str, expected: list[str]) -> None:
    assert texts(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "does swelling and bruising last long?",
        "can I wash it tonight or should I wait?",
        "I'm 40 and have been thinning for years",
        "I take minoxidil and dont want to stop",
        "how long does it take?",
    ],
)
def test_one_question_or_statement_stays_whole(message: str) -> None:
    assert texts(message) == [message]


def test_fillers_are_dropped_and_questions_marked() -> None:
    parts = split_message("hi! I'm scared of needles. does it hurt?")
    assert [(p.text, p.is_question) for p in parts] == [
        ("I'm scared of needles.", False),
        ("does it hurt?", True),
    ]


@pytest.mark.parametrize(
    ("clause", "asks"),
    [
        ("so is it worth it", True),
        ("like, should I book now", True),
        ("I want to know if it works", True),
        ("wondering about the cost", True),
        ("cn i get it done twice", True),
        ("my lips are swelling", False),
        ("I have been losing hair", False),
        ("anything I should know?", True),
    ],
)
def test_is_question(clause: str, asks: bool) -> None:
    assert is_question(clause) is asks


def test_empty_text_gives_one_empty_part() -> None:
    assert texts("   ") == [""]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "My son, who would be the one treated, works night shifts",
            ["My son, who would be the one treated, works night shifts"],
        ),
        ("my wife, who is 40, has psoriasis", ["my wife, who is 40, has psoriasis"]),
        (
            "my sister Jo, who is booked in too, is breastfeeding",
            ["my sister Jo, who is booked in too, is breastfeeding"],
        ),
        (
            "my son, who is 28, does it work for him?",
            ["my son, who is 28", "does it work for him?"],
        ),
        (
            "I am torn between PRP and meso, which is better?",
            ["I am torn between PRP and meso", "which is better?"],
        ),
    ],
)
def test_a_relative_clause_stays_with_its_noun(
    message: str, expected: list[str]
) -> None:
    assert [part.text for part in split_message(message)] == expected


def test_a_ramble_is_cut_where_it_turns_to_another_subject() -> None:
    ramble = (
        "need to ask about the train times and whether the station is near you "
        "cause i dont drive oh and my ear has gone numb since this morning "
        "but anyway what time do you open on saturdays"
    )
    assert topic_turns(ramble) == [
        "need to ask about the train times and whether the station is near you "
        "cause i dont drive",
        "my ear has gone numb since this morning",
        "what time do you open on saturdays",
    ]


def test_a_short_sentence_is_no_ramble() -> None:
    assert topic_turns("oh and does it hurt anyway") == ["oh and does it hurt anyway"]
