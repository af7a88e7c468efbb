"""The many-writer corpus of data/nlu/writers/: its shape, not its content."""

from __future__ import annotations

import yaml

from bot.paths import ROOT
from tools.nlu_cv import FAMILIES, WRITERS_DIR

MIN_WRITERS = 8


def writer_intents() -> dict[str, dict[str, int]]:
    """Per writer file: the number of examples of each intent."""
    counts: dict[str, dict[str, int]] = {}
    for path in sorted(WRITERS_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        counts[path.stem] = {
            block["intent"]: block["examples"].count("\n- ") + 1
            for block in data["nlu"]
        }
        for block in data["nlu"]:
            assert block["metadata"]["writer"] == path.stem
    return counts


# Understanding rounds folded into the corpus (round_*.yml): their writers
# wrote covered, practical and fact messages only, so not every family.
FOLDED_ROUND = "round_"


def test_at_least_eight_writers_cover_every_family() -> None:
    counts = writer_intents()
    styles = {w: i for w, i in counts.items() if not w.startswith(FOLDED_ROUND)}
    assert len(styles) >= MIN_WRITERS
    for writer, intents in styles.items():
        for family, members in FAMILIES.items():
            assert any(intents.get(i) for i in members), (writer, family)


def test_every_corpus_intent_is_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    known = set(domain["intents"])
    used = {i for intents in writer_intents().values() for i in intents}
    assert used <= known
