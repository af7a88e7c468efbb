"""The clinic's own notes: answers to what the guide leaves open, kept apart from it.

A clinic writes them in one Markdown file (``CLINIC_NOTES``, by default
``data/clinic_notes.md``; none in the default deployment): a ``## Heading``
for each note and plain text under it. They are read when the server starts,
so a change takes effect on the next start. ``python -m bot.clinic_notes
check [file]`` (``make notes-check``) validates the file: every note has a
heading and text, no heading is used twice, and no note makes a banned
claim ("painless", "guaranteed", "no side effects", "it's safe").
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.banned_claims import BANNED_CLAIMS
from bot.paths import ROOT

DEFAULT_NOTES = ROOT / "data" / "clinic_notes.md"
NOTE_HEADING = re.compile(r"^##\s+(.*?)\s*#*\s*$")
FILE_TITLE = re.compile(r"^#\s+\S")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass(frozen=True)
class Note:
    """One note: its heading and its text, one paragraph."""

    heading: str
    text: str


class NotesError(ValueError):
    """What is wrong with a notes file, one problem per line, with line numbers."""


def notes_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where this deployment's notes are (CLINIC_NOTES), relative to the project."""
    configured = environ.get("CLINIC_NOTES")
    return ROOT / configured if configured else DEFAULT_NOTES


def parse(text: str) -> tuple[list[Note], list[str]]:
    """The notes in a file's text, and the problems found in it."""
    notes: list[tuple[int, str, list[str]]] = []
    problems: list[str] = []
    lines = COMMENT.sub(lambda m: "\n" * m[0].count("\n"), text).splitlines()
    for number, line in enumerate(lines, start=1):
        found = NOTE_HEADING.match(line)
        if found:
            notes.append((number, found[1], []))
        elif notes:
            notes[-1][2].append(line.strip())
        elif line.strip() and not FILE_TITLE.match(line):
            problems.append(f"line {number}: text before any '## ' heading")
    seen: dict[str, int] = {}
    for number, heading, body in notes:
        body_text = " ".join(" ".join(body).split())
        if not heading:
            problems.append(f"line {number}: a note without a heading")
        if not body_text:
            problems.append(f"line {number}: note {heading!r} has no text")
        if heading.casefold() in seen:
            problems.append(
                f"line {number}: heading {heading!r} is also on line "
                f"{seen[heading.casefold()]}"
            )
        seen.setdefault(heading.casefold(), number)
        claim = BANNED_CLAIMS.search(f"{heading} {body_text}")
        if claim:
            problems.append(f"line {number}: note {heading!r} claims {claim[0]!r}")
    good = [Note(h, " ".join(" ".join(b).split())) for _, h, b in notes]
    return good, problems


def load(path: Path) -> list[Note]:
    """The notes in `path` (none if it doesn't exist); NotesError if invalid."""
    if not path.exists():
        return []
    notes, problems = parse(path.read_text(encoding="utf-8"))
    if problems:
        raise NotesError(f"{path.name}: " + f"\n{path.name}: ".join(problems))
    return notes


def main(argv: Sequence[str] | None = None) -> int:
    """`check [file]`: validate a notes file; one line per problem."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["check"] or len(args) > 2:
        print("usage: python -m bot.clinic_notes check [notes.md]", file=sys.stderr)
        return 2
    path = Path(args[1]) if len(args) == 2 else notes_path()
    try:
        notes = load(path)
    except NotesError as error:
        print(error, file=sys.stderr)
        return 1
    if not path.exists():
        print(f"clinic notes: {path.name} absent, so none are used (the default)")
    else:
        print(f"clinic notes: {path.name}: {len(notes)} notes, all valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
