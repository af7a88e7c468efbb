"""Base class for the pipeline's rule-based components: nothing to train or load."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self


class RuleBasedComponent(GraphComponent):
    """A component built from its config alone, leaving training data as it is."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Store the config over the defaults."""
        self.component_config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """Create the component from its config; nothing is stored."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are used as they are."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Process the messages of one parse; subclasses say how."""
        raise NotImplementedError
