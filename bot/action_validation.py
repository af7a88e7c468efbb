"""Check action-server answers with a JSON-schema validator built once.

Rasa 3.6's RemoteAction._validate_action_result calls `jsonschema.validate`,
which first re-checks the schema itself against the JSON-schema meta-schema
on every call: about 20 ms of CPU per custom action, the largest single cost
of a turn that runs one (urgent-care replies included, since their rules load
the settings first). This builds the validator for the same schema once; the
answers accepted and the errors raised are the same.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction

HELP = (
    ". Failed to validate Action server response from API, make sure your "
    "response from the Action endpoint is valid."
)


@lru_cache(maxsize=1)
def action_answer_validator() -> Validator:
    """The validator for Rasa's action-server answer schema, built once."""
    schema = RemoteAction.action_response_format_spec()
    return validators.validator_for(schema)(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for RemoteAction._validate_action_result, minus the re-check."""
    try:
        action_answer_validator().validate(result)
    except ValidationError as error:
        error.message += HELP
        raise
    return True


def install() -> None:
    """Make every RemoteAction use the prebuilt validator."""
    RemoteAction._validate_action_result = validate_action_result
