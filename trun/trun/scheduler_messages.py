"""The scheduler's messages: to a running step (answered through the scheduler) and to a worker.

A mixin of ``trun.scheduler.Scheduler``.  A message to a step goes to the worker running it as an
rpc message (``{"name": "dispatch_scheduler_message", "kwargs": ...}``), which the worker picks up
with its next ``ping`` (``trun.heartbeat``) and puts on the step's ``scheduler_messages`` queue; the
step's ``message.respond(x)`` comes back through ``add_scheduler_message_response``.  Asking a worker
for a number of processes travels the same way.  ``[scheduler] send_messages = false`` turns messages
to steps off.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from trun.step_state import StepState, WorkerState


class SchedulerMessages:
    """Messages to steps and workers (a mixin over ``Scheduler``'s state)."""

    _steps: dict[str, StepState]
    _workers: dict[str, WorkerState]
    _heard_from: Callable[[str | None], WorkerState | None]
    send_messages: bool
    _message_responses: dict[tuple[str, str], Any]  # (step id, message id) -> the step's answer
    _accepting_messages: set[str]  # the steps whose last add_step said accepts_messages=True

    def _note_accepts_messages(self, step_id: str, accepts: bool) -> None:
        """As Luigi: each add_step tells whether the step takes messages (not saying: it does not)."""
        if accepts:
            self._accepting_messages.add(step_id)
        elif self._accepting_messages:
            self._accepting_messages.discard(step_id)

    def _accepts_messages(self, st: StepState) -> bool:
        return st.id in self._accepting_messages

    def send_scheduler_message(self, worker: str, step: str, content: Any) -> dict[str, Any]:
        """Send ``content`` to step ``step`` running on ``worker``: ``{"message_id"}`` (None when
        messages are turned off or the worker is unknown)."""
        w = self._workers.get(worker)
        if not self.send_messages or w is None:
            return {"message_id": None}
        message_id = str(uuid.uuid4())
        w.add_rpc_message("dispatch_scheduler_message", step_id=step, message_id=message_id, content=content)
        return {"message_id": message_id}

    def add_scheduler_message_response(self, step_id: str, message_id: str, response: Any) -> None:
        """The running step's answer to a message."""
        if step_id in self._steps:
            self._message_responses[(step_id, message_id)] = response

    def get_scheduler_message_response(self, step_id: str, message_id: str) -> dict[str, Any]:
        """``{"response"}``: the step's answer, None until it has answered (handed out once)."""
        return {"response": self._message_responses.pop((step_id, message_id), None)}

    def set_worker_processes(self, worker: str, n: int) -> None:
        """Ask ``worker`` to run ``n`` steps at once."""
        w = self._workers.get(worker)
        if w is not None:
            w.add_rpc_message("set_worker_processes", n=n)

    def ping(self, worker: str | None = None) -> dict[str, Any]:
        """A worker's heartbeat (``worker`` given) or a health check; ``rpc_messages``: the calls
        waiting for that worker."""
        w = self._heard_from(worker)
        return {"rpc_messages": w.fetch_rpc_messages() if w is not None else []}
