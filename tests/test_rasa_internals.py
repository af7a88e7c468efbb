"""The Rasa internals this project patches are still there, in the same shape.

bot.processor replaces the processor class the Agent builds, bot.action_validation
replaces RemoteAction's result check, and bot.serve hands Rasa its command line
through sys.argv. A Rasa upgrade that moves or reshapes any of them must fail
here, with a message naming what changed, not misbehave in production.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import rasa.__main__
import rasa.core.agent
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from bot import action_validation, processor, tracker_history


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_agent_builds_its_processor_by_the_module_level_name() -> None:
    assert rasa.core.agent.MessageProcessor is MessageProcessor or issubclass(
        rasa.core.agent.MessageProcessor, MessageProcessor
    ), "rasa.core.agent no longer imports MessageProcessor by that name"
    source = inspect.getsource(rasa.core.agent.Agent.load_model)
    assert "MessageProcessor(" in source, (
        "Agent.load_model no longer builds MessageProcessor by name: "
        "bot.processor.install() would have no effect"
    )


def test_run_action_keeps_the_signature_the_apology_overrides() -> None:
    assert hasattr(MessageProcessor, "_run_action"), (
        "MessageProcessor._run_action is gone: bot.processor must be rewritten"
    )
    assert parameters(MessageProcessor._run_action) == parameters(
        processor.ApologisingProcessor._run_action
    ), "MessageProcessor._run_action's parameters changed"
    assert parameters(MessageProcessor._predict_next_with_tracker) == parameters(
        processor.ProductionProcessor._predict_next_with_tracker
    ), "MessageProcessor._predict_next_with_tracker's parameters changed"


def test_install_makes_the_agent_build_the_production_processor() -> None:
    original = rasa.core.agent.MessageProcessor
    try:
        processor.install()
        assert rasa.core.agent.MessageProcessor is processor.ProductionProcessor
        assert issubclass(processor.ProductionProcessor, processor.ApologisingProcessor)
        assert DialogueStateTracker.applied_events is tracker_history.applied_events
        assert DialogueStateTracker.copy is tracker_history.copy_tracker
    finally:
        rasa.core.agent.MessageProcessor = original
        DialogueStateTracker.applied_events = tracker_history.RASAS_APPLIED_EVENTS
        DialogueStateTracker.copy = tracker_history.RASAS_COPY


def test_the_tracker_methods_replaced_keep_their_shape() -> None:
    """bot.tracker_history re-implements the fold of these; they must not move."""
    for name in ("applied_events", "copy", "_undo_till_previous", "init_copy"):
        assert callable(getattr(DialogueStateTracker, name, None)), name
    source = inspect.getsource(tracker_history.RASAS_APPLIED_EVENTS)
    for branch in (
        "Restarted, SessionStarted",
        "ActionReverted",
        "UserUtteranceReverted",
    ):
        assert branch in source, f"applied_events changed: {branch} no longer handled"
    assert parameters(DialogueStateTracker.applied_events) == ["self"]


def test_remote_action_result_check_keeps_its_shape() -> None:
    assert hasattr(RemoteAction, "_validate_action_result"), (
        "RemoteAction._validate_action_result is gone: "
        "bot.action_validation must be rewritten"
    )
    # The replacement is installed as a method: its first parameter is self.
    assert (
        parameters(RemoteAction._validate_action_result)[1:]
        == parameters(action_validation.validate_action_result)[1:]
    ), "RemoteAction._validate_action_result's parameters changed"
    assert callable(getattr(RemoteAction, "action_response_format_spec", None)), (
        "RemoteAction.action_response_format_spec is gone: the schema comes from it"
    )


def test_install_replaces_the_result_check() -> None:
    original = RemoteAction._validate_action_result
    try:
        action_validation.install()
        assert (
            RemoteAction._validate_action_result
            is action_validation.validate_action_result
        )
    finally:
        RemoteAction._validate_action_result = original


def test_rasa_main_reads_its_command_line_from_sys_argv() -> None:
    assert parameters(rasa.__main__.main) == [], (
        "rasa.__main__.main takes arguments now: bot.serve passes them in sys.argv"
    )
    assert "parse_args()" in inspect.getsource(rasa.__main__.main), (
        "rasa.__main__.main no longer parses sys.argv itself"
    )
