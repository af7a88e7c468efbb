"""Spelling normalisation for symptom reports, with symspellpy.

People in a hurry type "lipz swolen" and "cant breth". Only words that are
not English (not in symspellpy's bundled frequency dictionary, nor in the
project's domain list) are corrected, so real words are never rewritten
("injection" stays "injection"). Among the candidates within the edit
distance, a domain word wins over a more frequent general word one edit
closer ("swolen" is "swollen", not "stolen"; "feva" is "fever", not "eva").

The corrector is built once per process (about a second: the 20,000 most
frequent English words plus the domain list) and caches every word it has
looked up, so a message costs a few set look-ups.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from symspellpy import SymSpell, Verbosity

DOMAIN_WORDS_FILE = Path(__file__).with_name("domain_words.txt")
# Words of another language people write in, known but never a correction.
OTHER_LANGUAGE_FILES = (Path(__file__).with_name("hindi_words.txt"),)
# symspellpy's bundled English unigram counts (most frequent first).
FREQUENCY_FILE = "frequency_dictionary_en_82_765.txt"
# Candidates come from the most frequent words only: building the index over
# all 82,765 costs six seconds at start-up; unknown words are rarer than these.
CANDIDATE_WORDS = 20_000
MAX_EDIT_DISTANCE = 2
# Words shorter than this are only corrected to a domain word ("hed" is
# "head"), never to a general one: short words collide too easily.
GENERAL_MIN_LENGTH = 5
# A domain word is preferred over a general word this many edits closer.
DOMAIN_PREFERENCE = 1


def _domain_words(path: Path = DOMAIN_WORDS_FILE) -> frozenset[str]:
    """The domain list: every word of the file outside comments."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


class SpellingCorrector:
    """Corrects unknown words to the nearest English or domain word."""

    def __init__(self) -> None:
        """Build the candidate index; this is the only slow step."""
        self.domain = _domain_words()
        self.symspell = SymSpell(max_dictionary_edit_distance=MAX_EDIT_DISTANCE)
        self.known: set[str] = set(self.domain)
        lines = (files("symspellpy") / FREQUENCY_FILE).read_text().splitlines()
        for rank, line in enumerate(lines):
            word, _, count = line.partition(" ")
            # Contractions are known without their apostrophe ("dont"), as
            # the text reaches the corrector.
            self.known.add(word.replace("'", ""))
            if rank < CANDIDATE_WORDS:
                self.symspell.create_dictionary_entry(word, int(count))
        for word in self.domain:
            self.symspell.create_dictionary_entry(word, 1)
        for path in OTHER_LANGUAGE_FILES:
            self.known.update(_domain_words(path))

    @lru_cache(maxsize=16_384)  # noqa: B019 (one instance per process)
    def correct(self, word: str) -> str:
        """The word itself if known or unfixable, else its best correction."""
        if word in self.known or not word.isalpha() or len(word) < 3:
            return word
        # A possessive without its apostrophe ("wifes", "dads") is known.
        if word.endswith("s") and word[:-1] in self.known:
            return word
        reach = 1 if len(word) < 4 else MAX_EDIT_DISTANCE
        suggestions = self.symspell.lookup(word, Verbosity.ALL, max_edit_distance=reach)
        if not suggestions:
            return word
        nearest = min(s.distance for s in suggestions)
        in_domain = [
            s
            for s in suggestions
            if s.term in self.domain and s.distance <= nearest + DOMAIN_PREFERENCE
        ]
        if in_domain:
            return min(in_domain, key=lambda s: (s.distance, -s.count)).term
        general = [s for s in suggestions if s.distance <= self._general_reach(word)]
        if len(word) < GENERAL_MIN_LENGTH or not general:
            return word
        return min(general, key=lambda s: (s.distance, -s.count)).term

    @staticmethod
    def _general_reach(word: str) -> int:
        """One edit for general words, two from eight letters ("temprature")."""
        return MAX_EDIT_DISTANCE if len(word) >= 8 else 1

    def correct_tokens(self, tokens: list[str]) -> list[str]:
        """Each lower-case token corrected."""
        return [self.correct(token) for token in tokens]


@cache
def corrector() -> SpellingCorrector:
    """The process's one corrector, built on first use."""
    return SpellingCorrector()
