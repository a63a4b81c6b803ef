"""A worker's side of batched steps (``trun.scheduler_batches`` is the scheduler's).

When a step class has parameters with a ``batch_method``, the worker tells the scheduler once per
family (``add_step_batcher``, with the class's ``max_batch_size``) and adds each of its steps with
``batchable`` (the step's own ``batchable`` property).  The scheduler may then answer ``get_work``
with a batch: the worker builds the combined step from the members' parameter values (each batched
parameter's ``batch_method`` combines them), tells the scheduler it runs it for the batch, runs it,
and counts every member as it counts the combined step (ran, or failed).  A combined step that is
not one of the members is counted as "already done" when it succeeds, as Luigi counts it.
"""

from __future__ import annotations

import logging
from typing import Any

from trun import scheduler_api as sch
from trun.step import Step
from trun.step_register import load_step

logger = logging.getLogger("trun-interface")


class WorkerBatches:
    """The batch families a worker registered and the batches it runs."""

    def __init__(self, scheduler: sch.SchedulerAPI, worker_id: str) -> None:
        self._scheduler = scheduler
        self._worker = worker_id
        self._families: dict[type, bool] = {}  # step class -> whether it has batched parameters
        self._running: dict[str, list[str]] = {}  # combined step id -> its batch's member ids
        self.load_errors: dict[str, str] = {}  # members of batches that could not be built -> why

    def add_kwargs(self, step: Step) -> dict[str, Any]:
        """What ``add_step`` of ``step`` is told about batching (nothing for most classes); the
        first step of a batched family registers the family."""
        cls = type(step)
        batched = self._families.get(cls)
        if batched is None:
            names = cls.batch_param_names()
            batched = self._families[cls] = bool(names)
            if names:
                self._scheduler.add_step_batcher(self._worker, step.get_step_family(), names,
                                                 cls.max_batch_size)
        return {"batchable": bool(step.batchable)} if batched else {}

    def start(self, reply: dict[str, Any], steps: dict[str, Step], deps: dict[str, list[str]]) -> str | None:
        """Build the combined step of the batch ``reply`` (a get_work reply with a ``batch_id``) and
        tell the scheduler this worker runs it; its id, or None when it cannot be built (its members
        then fail, and are listed in ``load_errors``)."""
        members = list(reply.get("batch_step_ids") or [])
        try:
            step = load_step(reply.get("step_module"), reply["step_family"], reply.get("step_params") or {})
        except Exception as e:
            expl = f"could not build the batch of {', '.join(members)}: {e}"
            logger.error("%s", expl)
            for sid in members:
                self._scheduler.add_step(step_id=sid, status=sch.FAILED, runnable=False, expl=expl,
                                         worker=self._worker)
            self.load_errors.update(dict.fromkeys(members, expl))
            return None
        sid = step.step_id
        steps.setdefault(sid, step)
        deps.setdefault(sid, [])
        self._running[sid] = members
        self._scheduler.add_step(step_id=sid, status=sch.RUNNING, family=step.get_step_family(),
                                 params=step.to_str_params(only_significant=True), module=step.step_module,
                                 worker=self._worker, batch_id=reply["batch_id"])
        return sid

    def members(self, sid: str) -> list[str] | None:
        """The members of the batch ``sid`` ran for (None: ``sid`` ran alone); forgets the batch."""
        return self._running.pop(sid, None)
