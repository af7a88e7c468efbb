"""The prebuilt validator accepts and rejects action answers as Rasa does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot.action_validation import action_answer_validator, validate_action_result

SCHEMA = RemoteAction.action_response_format_spec()
VALID = {
    "events": [{"event": "slot", "name": "emergency_number", "value": "999"}],
    "responses": [{"text": "hello"}],
}
INVALID = {"events": "not a list", "responses": []}


def test_valid_answer_passes_like_rasa() -> None:
    validate(VALID, SCHEMA)
    assert validate_action_result(None, VALID) is True


def test_invalid_answer_fails_like_rasa_with_help() -> None:
    with pytest.raises(ValidationError):
        validate(INVALID, SCHEMA)
    with pytest.raises(ValidationError, match="Failed to validate Action server"):
        validate_action_result(None, INVALID)


def test_validator_is_built_once() -> None:
    assert action_answer_validator() is action_answer_validator()
