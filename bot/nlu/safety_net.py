"""Rasa NLU component that forces urgent intents for red-flag messages.

Placed after the intent classifier and the FallbackClassifier, it runs the
deterministic detector in `bot.safety.red_flags` on every message. When the
text reports a severe allergic reaction, infection signs or self-harm, the
predicted intent is replaced whatever the trained model said, so the urgent
answer cannot be lost to a misclassification or to `nlu_fallback`.

Config: `- name: bot.nlu.safety_net.SafetyNet` (no options, no training).
"""

from __future__ import annotations

import logging

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import set_intent
from bot.nlu.message_parts import is_part
from bot.nlu.rule_based import RuleBasedComponent
from bot.safety.red_flags import detect_red_flag

# Message key showing which intent the safety net forced (in parse output).
SAFETY_NET_KEY = "safety_net"

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class SafetyNet(RuleBasedComponent, IntentClassifier):
    """Overrides the intent of messages that report red-flag symptoms."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Force the urgent intent on every message that reports a red flag."""
        for message in messages:
            intent_name = self._red_flag(message)
            if intent_name is not None:
                set_intent(message, intent_name, 1.0, by=type(self).__name__)
                message.set(SAFETY_NET_KEY, intent_name, add_to_output=True)
        return messages

    @staticmethod
    def _red_flag(message: Message) -> str | None:
        """Run the detector on the message text, skipping intent payloads."""
        text = message.get(TEXT)
        # "/intent" payloads (buttons) already name their intent; the
        # clauses of a message are judged as part of the whole message.
        if not isinstance(text, str) or text.startswith("/") or is_part(message):
            return None
        return detect_red_flag(text)
