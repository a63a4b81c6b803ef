"""The interface the scheduler records step history through (Luigi's ``luigi.task_history``).

``[scheduler] record_step_history = true`` makes trund call a ``StepHistory``: ``step_scheduled``,
``step_started`` and ``step_finished`` with the scheduler's record of the step.  ``NopHistory``
records nothing; ``trun.db_step_history.DbStepHistory`` writes to a database.
"""

from __future__ import annotations

import abc
import logging
from typing import Any

logger = logging.getLogger("trun-interface")


class StoredStep:
    """A step as history keeps it: id, status, host, and the family and parameters it was made of."""

    def __init__(self, step: Any, status: str, host: str | None = None) -> None:
        self._step = step
        self.status = status
        self.record_id: int | None = None
        self.host = host

    @property
    def step_family(self) -> str:
        return self._step.family

    @property
    def parameters(self) -> dict[str, str]:
        return self._step.params


class StepHistory(abc.ABC):
    """Where the scheduler reports each step's lifecycle."""

    @abc.abstractmethod
    def step_scheduled(self, step: Any) -> None: ...

    @abc.abstractmethod
    def step_finished(self, step: Any, successful: bool) -> None: ...

    @abc.abstractmethod
    def step_started(self, step: Any, worker_host: str) -> None: ...


class NopHistory(StepHistory):
    """Records nothing."""

    def step_scheduled(self, step: Any) -> None:
        pass

    def step_finished(self, step: Any, successful: bool) -> None:
        pass

    def step_started(self, step: Any, worker_host: str) -> None:
        pass
