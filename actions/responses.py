"""Read response text from the domain, the one place where answer text lives."""

from __future__ import annotations

from typing import Any

DomainDict = dict[str, Any]


def response_text(domain: DomainDict, name: str) -> str:
    """Return the text of the first variation of response `name`.

    Raises KeyError with the response name when the domain lacks it, so a
    renamed response fails loudly in tests instead of sending empty text.
    """
    variations = domain.get("responses", {}).get(name)
    if not variations:
        raise KeyError(f"response '{name}' is missing from domain.yml")
    return variations[0]["text"]
