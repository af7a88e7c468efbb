"""Setting a message's intent from a rule-based component, the same way everywhere."""

from __future__ import annotations

import logging

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)


def set_intent(message: Message, name: str, confidence: float, by: str) -> None:
    """Make `name` the intent and put it first in the ranking.

    The classifier's other ranking entries stay, so the parse result still
    shows what the model thought.
    """
    previous = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    ranking = [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(intent), *ranking], add_to_output=True)
    logger.debug(f"{by}: '{previous}' -> '{name}'.")
