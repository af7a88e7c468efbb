"""What the clinic may see of a question: scrubbed wording, or nothing.

A question is shown only in aggregate (bot.insights.store), and its wording
only once scrubbed here: e-mail addresses, phone numbers, dates, ages and
names are replaced by a placeholder, and any other number too. A message
that states a personal fact, or matches a red-flag or crisis pattern, is
never kept at all: it is counted, not quoted.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.nlu.personal_factors import FACTOR_PATTERNS
from bot.safety.red_flags import detect_red_flag

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
# Order matters: each pattern runs on what the ones before it left.
SCRUBBERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"\+?\(?\d[\d\s().-]{6,}\d"), "[phone]"),
    (
        re.compile(
            rf"\b\d{{1,4}}[/.-]\d{{1,2}}(?:[/.-]\d{{2,4}})?\b"
            rf"|\b{_ORDINAL}(?:\s+of)?\s+{_MONTH}(?:\s+\d{{2,4}})?"
            rf"|\b{_MONTH}\s+{_ORDINAL}\b(?:,?\s+\d{{2,4}})?",
            re.IGNORECASE,
        ),
        "[date]",
    ),
    (
        re.compile(
            r"\b(?:i'?m|i am|im|aged?|age of)\s+\d{1,3}\b"
            r"|\b\d{1,3}\s*(?:years?|yrs?)[\s-]*old\b|\b\d{1,3}\s*(?:yo|y/o)\b",
            re.IGNORECASE,
        ),
        "[age]",
    ),
    # Introductions and sign-offs: "it's Priya here", "thanks, Tom", "- Ana".
    (
        re.compile(
            r"\b((?i:name is|name's|it's|its|this is|call me|i am|i'm|im)\s+)"
            r"[A-Z][a-z]+(?: [A-Z][a-z]+)?"
            r"|\b((?i:hi|hey|hello|dear|thanks|thank you|cheers|regards),?\s+)"
            r"(?!Doctor\b|Doc\b|There\b|Again\b)[A-Z][a-z]+\b"
            r"|((?:^|\s)[-\u2013]\s*)[A-Z][a-z]+\s*$"
        ),
        r"\1\2\3[name]",
    ),
    (re.compile(r"\d+"), "[number]"),
]
# A capitalised word inside a sentence that is not a word anyone uses in
# lower case is taken for a name ("my sister Anya"); "I" and the start of a
# sentence are not.
_INNER_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b")
_COMMON_CAPITALS = frozenset(
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Christmas",
        "Easter",
        "English",
    ]
)


def withheld(text: str) -> bool:
    """A personal fact, a red flag or a crisis: never shown, only counted."""
    return bool(detect_red_flag(text)) or any(
        pattern.search(text) for pattern in FACTOR_PATTERNS.values()
    )


@lru_cache(maxsize=4096)
def scrub(text: str) -> str | None:
    """The wording fit to show in aggregate, or None when it must not be kept."""
    if withheld(text):
        return None
    for pattern, placeholder in SCRUBBERS:
        text = pattern.sub(placeholder, text)
    text = _INNER_CAPITAL.sub(
        lambda m: m[0] if m[0] in _COMMON_CAPITALS else "[name]", text
    )
    return " ".join(text.split())
