"""Claims no reply may make, whoever wrote it: the guide's answers or a clinic's."""

from __future__ import annotations

import re

# False reassurance: "painless", "it's safe", "no side effects", "guaranteed".
BANNED_CLAIMS = re.compile(
    r"\bpainless\b|\bit(?:'s| is) (?:perfectly |completely |totally |very )?safe\b|"
    r"\bno side[- ]effects?\b|\bguarantee[ds]?\b|\brisk-free\b|\bno risks?\b",
    re.IGNORECASE,
)
