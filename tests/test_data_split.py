"""Held-out test sets stay out of the training data."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.paths import ROOT


def normalise(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def nlu_examples(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        normalise(line[2:])
        for block in data.get("nlu", [])
        for line in block.get("examples", "").splitlines()
        if line.startswith("- ")
    }


def training_examples() -> set[str]:
    return set().union(
        *(nlu_examples(p) for p in (ROOT / "data" / "nlu").rglob("*.yml"))
    )


def story_user_texts(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        normalise(step["user"])
        for story in data.get("stories", [])
        for step in story["steps"]
        if "user" in step
    }


def test_nlu_test_set_is_held_out() -> None:
    held_out = nlu_examples(ROOT / "tests" / "nlu" / "test_nlu.yml")
    assert len(held_out) >= 8 * 30
    assert not held_out & training_examples()


def test_safety_test_set_is_held_out() -> None:
    data = yaml.safe_load((ROOT / "tests" / "safety" / "red_flags.yml").read_text())
    messages = {normalise(m) for group in data.values() for m in group}
    assert not messages & training_examples()


def test_question_kinds_test_set_is_held_out() -> None:
    path = ROOT / "tests" / "heldout" / "question_kinds.yml"
    kinds = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages = {normalise(q) for row in kinds.values() for q in row["asks"]}
    assert len(messages) >= 100
    assert not messages & training_examples()


def test_test_story_texts_are_held_out() -> None:
    for path in (ROOT / "tests" / "stories").glob("*.yml"):
        assert not story_user_texts(path) & training_examples(), path.name


def risk_corpus() -> set[str]:
    return {
        normalise(line)
        for path in (ROOT / "data" / "risk").rglob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }


def test_after_session_test_sets_are_held_out() -> None:
    """No message of the after-session test sets is in any training data."""
    training = training_examples() | risk_corpus()
    paths = sorted((ROOT / "tests" / "heldout" / "after").glob("*.txt"))
    assert len(paths) >= 8
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        messages = {normalise(line) for line in lines if line.strip()}
        assert not messages & training, path.name


# The understanding rounds folded into the training data after their one
# evaluation (data/nlu/writers/round_*.yml, data/risk/round_*/): each round
# file's header names its writers. Every later writer's messages stay out.
def folded_writers() -> set[str]:
    return {
        name
        for path in (ROOT / "data" / "nlu" / "writers").glob("round_*.yml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
        for name in re.findall(r"\bwriter_\w+", line)
    }


def test_the_first_rounds_are_folded() -> None:
    assert {"writer_a", "writer_x", "writer_ab"} <= folded_writers()
    assert {"writer_ap", "writer_ao"} <= folded_writers()


# Written without sight of the data, the shortest things people write still
# coincide with training examples word for word; a longer one is listed with
# the writers who wrote it alike.
WRITTEN_ALIKE = {
    "why is that",
    "why tho",
    "heyyy",
    "ok cya",
    "and for how long roughly",
    "when can i wash my hair after",
    "when can i put wax back in my hair",
    "wait why is that",
    "hiya",
    "and for how long",
    "whys that then",
    "yo",
    # Two writers, the third round's and the eleventh's, asked it alike.
    "should i eat before or go in on an empty stomach",
}


def test_understanding_test_sets_are_held_out() -> None:
    root = ROOT / "tests" / "heldout" / "understanding"
    held_out = [p for p in root.iterdir() if p.name not in folded_writers()]
    messages = {
        normalise(line.split("\t")[-1])
        for folder in held_out
        for path in folder.glob("*.t*")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(messages) >= 400
    assert messages & (training_examples() | risk_corpus()) <= WRITTEN_ALIKE
