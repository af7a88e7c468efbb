"""Group the questions the guide doesn't cover into themes (themes.yml).

Each theme is a list of word beginnings; a question goes to the theme with
the most of them, ties to the theme listed first. A question that no theme
knows goes to "other: <word>", the content word it shares with most other
such questions, so that what the list did not foresee still gathers.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml

from bot.nlu.guide_index import content_stems

THEMES_FILE = Path(__file__).with_name("themes.yml")
OTHER_PREFIX = "other: "
# Terms this short match as whole words: "sun" must not find "sunday".
WHOLE_WORD_MAX = 3


def term_pattern(term: str) -> str:
    """A regular expression for one term of a theme."""
    escaped = re.escape(term.lower()).replace(r"\ ", r"\s+")
    if len(term) <= WHOLE_WORD_MAX:
        return rf"\b{escaped}s?\b"
    return rf"\b{escaped}"


@lru_cache(maxsize=1)
def themes() -> dict[str, tuple[re.Pattern[str], list[re.Pattern[str]]]]:
    """Each theme's terms as one pattern (a quick test) and one by one."""
    listed = yaml.safe_load(THEMES_FILE.read_text(encoding="utf-8"))
    return {
        name: (
            re.compile("|".join(term_pattern(str(t)) for t in terms), re.IGNORECASE),
            [re.compile(term_pattern(str(term)), re.IGNORECASE) for term in terms],
        )
        for name, terms in listed.items()
    }


@lru_cache(maxsize=4096)
def theme_of(question: str) -> str | None:
    """The listed theme a question belongs to, or None when none knows it."""
    scores = {
        name: sum(1 for pattern in patterns if pattern.search(question))
        if any_term.search(question)
        else 0
        for name, (any_term, patterns) in themes().items()
    }
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] else None


def group_others(questions: list[str]) -> list[str]:
    """A theme for each question no listed theme knows: "other: <word>".

    The word is the question's content word that most of these questions
    share, so questions about the same unforeseen thing gather together.
    """
    stems = [sorted(set(content_stems(q))) for q in questions]
    counts = Counter(stem for words in stems for stem in words)
    return [
        OTHER_PREFIX + max(words, key=lambda w: (counts[w], len(w)))
        if words
        else OTHER_PREFIX + "unclear"
        for words in stems
    ]
