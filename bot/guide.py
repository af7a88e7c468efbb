"""The source document, read as sections: the one parser of its layout.

The guide has numbered section headings ("1. Allergic Reactions:"), group
headings ("Uneven Results:") and a closing paragraph that starts "In
conclusion", which answers cite as "Conclusion".
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.paths import GUIDE_PATH

CLOSING_SECTION = "Conclusion"
_HEADING = re.compile(r"^(?:\d+\. )?([A-Z][^:\n]+):\s*$")
_CLOSING = re.compile(r"^In conclusion\b")


def parse_sections(text: str) -> dict[str, str]:
    """Map each heading (and "Conclusion") to the text of its paragraphs.

    Group headings ("Uneven Results") map to the text of the sections under
    them, so a citation of a group is checked against what it groups.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    groups: list[list[str]] = []
    for line in (line.strip() for line in text.splitlines()):
        heading = _HEADING.match(line)
        if heading:
            current = sections.setdefault(heading.group(1), [])
            if not re.match(r"^\d+\.", line):
                groups = [current]  # a group heading collects what follows
            continue
        if not line:
            continue
        if _CLOSING.match(line):
            current, groups = sections.setdefault(CLOSING_SECTION, []), []
        current.append(line)
        for group in groups:
            if group is not current:
                group.append(line)
    return {name: " ".join(lines) for name, lines in sections.items()}


def read_sections(path: Path = GUIDE_PATH) -> dict[str, str]:
    """The guide's sections, read from disk."""
    return parse_sections(path.read_text(encoding="utf-8"))
