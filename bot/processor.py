"""Apologise, instead of falling silent, when a custom action cannot run.

When the action server is down or fails, Rasa logs a traceback, drops the
action's events and carries on, so "help me prepare for my consultation"
gets no reply at all. ApologisingProcessor wraps each custom action: if it
fails, the log gets one line and the person gets the
``utter_technical_problem`` response from the domain instead
(data/rules/robustness.yml then has the assistant listen).

Answers from the guide, urgent-care advice and the contact route are domain
responses and keep working; action_load_settings only refreshes settings
whose slot defaults are already safe, so its failure is only logged.

ProductionProcessor adds one more change: the dialogue policies are shown
the conversation's recent turns only (bot.recent_history), and trackers
fold and copy their events without replaying the whole conversation
(bot.tracker_history), so a turn costs the same at the hundredth message as
at the first.

``install()`` makes Rasa's Agent build that processor; bot.serve calls it
before the server starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import rasa.core.agent
from rasa.core.actions.action import (
    Action,
    ActionExecutionRejection,
    RemoteAction,
)
from rasa.core.channels.channel import OutputChannel
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, FollowupAction
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot import tracker_history
from bot.recent_history import recent_tracker
from bot.settings import slot_values

logger = logging.getLogger(__name__)

APOLOGY_RESPONSE = "utter_technical_problem"
# Actions whose failure needs no apology: the slots they refresh have safe
# defaults, and an apology before urgent-care advice would only distract.
SILENT_ON_FAILURE = frozenset({"action_load_settings", "action_note_open_question"})


class ApologisingAction(Action):
    """A custom action that apologises and listens if it cannot run."""

    def __init__(self, action: RemoteAction, apologise: bool = True) -> None:
        self.action = action
        self.apologise = apologise

    def name(self) -> str:
        """The wrapped action's name, so the tracker records that action."""
        return self.action.name()

    async def run(
        self,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        """Run the custom action; on failure, the apology (if any) instead."""
        try:
            return await self.action.run(output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # a deliberate rejection lets the policies choose again
        except (RasaException, OSError) as error:
            # One line, no traceback: the cause is the action server's.
            logger.warning("Custom action %s failed: %s", self.name(), error)
        if not self.apologise:
            return []
        # The apology runs as the next action, so the transcript shows it like
        # any reply; a rule then has the assistant wait for the person. That
        # also stops the rest of the turn, e.g. an acknowledgement that would
        # quote a factor the failed action never noted.
        return [FollowupAction(APOLOGY_RESPONSE)]


class ApologisingProcessor(MessageProcessor):
    """Rasa's processor, with every custom action wrapped in ApologisingAction."""

    async def _run_action(
        self,
        action: Action,
        tracker: DialogueStateTracker,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        prediction: PolicyPrediction,
    ) -> bool:
        """Run the action as Rasa does, custom actions with an apology."""
        if type(action) is RemoteAction:
            apologise = action.name() not in SILENT_ON_FAILURE
            action = ApologisingAction(action, apologise)
        return await super()._run_action(
            action, tracker, output_channel, nlg, prediction
        )


class ProductionProcessor(ApologisingProcessor):
    """The apologising processor, predicting from the recent turns.

    Every new conversation starts with this deployment's settings in the
    settings slots (bot.settings), so a reply has the clinic's details and
    the region's numbers from the first turn, with or without the action
    server.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Rasa's processor, its settings slots starting from the environment."""
        super().__init__(*args, **kwargs)
        start_with_settings(self.domain, os.environ)

    def _predict_next_with_tracker(
        self, tracker: DialogueStateTracker
    ) -> PolicyPrediction:
        """Rasa's prediction, with the policies shown the recent turns only.

        A pending follow-up action is Rasa's to handle on the tracker itself.
        """
        if tracker.followup_action:
            return super()._predict_next_with_tracker(tracker)
        return super()._predict_next_with_tracker(recent_tracker(tracker))


def start_with_settings(domain: Domain, env: Mapping[str, str]) -> None:
    """Make the settings slots' initial values this environment's settings."""
    values = slot_values(env)
    for slot in domain.slots:
        if slot.name in values:
            slot.initial_value = slot.value = values[slot.name]


def install() -> None:
    """Make every Agent (and so `rasa run`) build a ProductionProcessor."""
    # Agent.load_model constructs the processor by this module-level name,
    # also when a new model is loaded through the HTTP API.
    rasa.core.agent.MessageProcessor = ProductionProcessor
    tracker_history.install()
