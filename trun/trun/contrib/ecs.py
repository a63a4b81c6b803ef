"""Steps that run an Amazon ECS task and wait for it, as Luigi's ``luigi.contrib.ecs``; needs boto3
(``pip install 'trun[ecs]'``) and AWS credentials boto3 can find.

An ``ECSStep`` names its task definition either by ARN (``step_def_arn``, registered beforehand)
or as the dict of ECS's ``RegisterTaskDefinition`` (``step_def``, registered by ``run()``, which
then stores the new ARN in ``step_def_arn``); exactly one of them must be given.  ``run()`` calls
``run_task`` on ``cluster`` with ``run_step_kwargs`` (launch type, network configuration, ...) and
``combined_overrides`` (those kwargs' ``overrides`` with ``command``'s container commands merged
in), then polls ``describe_tasks`` every ``POLL_TIME`` seconds until every task is STOPPED.  Any
failure ECS reports raises ``Exception``.

The ECS client is the module's ``client``, made on import as in Luigi (so tests may replace it).
Unlike Luigi, importing the module where boto3 finds no region does not fail: ``client`` is then
made on first use, and that use raises boto3's ``NoRegionError``.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

import trun

logger = logging.getLogger("trun-interface")

POLL_TIME = 2  # seconds between two describe_tasks calls; read at each wait, so tests may lower it

client: Any = None
try:
    import boto3
    from botocore.exceptions import NoRegionError
except ImportError:
    logger.warning("Loading the ecs module without the python package boto3: an ECSStep cannot run "
                   "(pip install 'trun[ecs]')")
else:
    try:
        client = boto3.client("ecs")
    except NoRegionError:  # made, and the error raised, on first use instead
        pass


def _ecs() -> Any:
    global client
    if client is None:
        client = boto3.client("ecs")
    return client


def _get_step_statuses(step_ids: list[str], cluster: str) -> list[str]:
    """The ``lastStatus`` (PENDING, RUNNING, STOPPED, ...) of each of the tasks ``step_ids``."""
    response = _ecs().describe_tasks(tasks=step_ids, cluster=cluster)
    if response["failures"] != []:
        raise Exception(f"ECS could not describe the tasks: {response['failures']}")
    code = response["ResponseMetadata"]["HTTPStatusCode"]
    if code != 200:
        raise Exception(f"ECS answered the task description with HTTP status {code}: {response}")
    return [task["lastStatus"] for task in response["tasks"]]


def _track_steps(step_ids: list[str], cluster: str) -> None:
    """Return once every one of the tasks ``step_ids`` is STOPPED."""
    while True:
        statuses = _get_step_statuses(step_ids, cluster)
        if all(status == "STOPPED" for status in statuses):
            logger.info("ECS tasks %s STOPPED", ",".join(step_ids))
            return
        time.sleep(POLL_TIME)
        logger.debug("ECS tasks %s are %s", step_ids, statuses)


class ECSStep(trun.Step):
    """Runs an ECS task definition on ``cluster`` and waits until its tasks stop."""

    step_def_arn = trun.OptionalParameter(default=None)
    step_def = trun.OptionalParameter(default=None)
    cluster = trun.Parameter(default="default")

    @property
    def ecs_step_ids(self) -> list[str] | None:
        """The ARNs of the tasks ``run()`` started (``None`` before)."""
        return getattr(self, "_step_ids", None)

    @property
    def command(self) -> list[dict[str, Any]] | None:
        """Container commands for run_task's ``containerOverrides``: a list of
        ``{"name": container, "command": [...]}``; ``None`` keeps the definition's."""
        return None

    @staticmethod
    def update_container_overrides_command(container_overrides: list[dict[str, Any]],
                                           command: dict[str, Any]) -> None:
        """Set ``command`` in ``container_overrides`` (in place): on the first override naming the
        same container, else as a new override at the end."""
        for override in container_overrides:
            if override["name"] == command["name"]:
                override["command"] = command["command"]
                return
        container_overrides.append(command)

    @property
    def combined_overrides(self) -> dict[str, Any]:
        """A copy of ``run_step_kwargs``'s ``overrides`` with ``command``'s commands merged into
        its ``containerOverrides`` (they win over the ones of the same container)."""
        overrides = copy.deepcopy(self.run_step_kwargs.get("overrides", {}))
        if self.command:
            if "containerOverrides" in overrides:
                for command in self.command:
                    self.update_container_overrides_command(overrides["containerOverrides"], command)
            else:
                overrides["containerOverrides"] = self.command
        return overrides

    @property
    def run_step_kwargs(self) -> dict[str, Any]:
        """More keyword arguments of ECS's run_task (``launchType``, ``networkConfiguration``,
        ``overrides``, ...); ``taskDefinition``, ``cluster`` and ``overrides`` are set by ``run()``."""
        return {}

    def run(self) -> None:
        if bool(self.step_def) == bool(self.step_def_arn):
            raise ValueError("An ECSStep needs exactly one of step_def (a task definition dict) and "
                             "step_def_arn (the ARN of a registered one)")
        if not self.step_def_arn:
            registered = _ecs().register_task_definition(**self.step_def)
            self.step_def_arn = registered["taskDefinition"]["taskDefinitionArn"]
        kwargs = self.run_step_kwargs
        kwargs.update({"taskDefinition": self.step_def_arn, "cluster": self.cluster,
                       "overrides": self.combined_overrides})
        response = _ecs().run_task(**kwargs)
        if response["failures"]:
            raise Exception(", ".join(f"ECS could not run task {failure['arn']}: {failure['reason']}"
                                      for failure in response["failures"]))
        self._step_ids = [task["taskArn"] for task in response["tasks"]]
        _track_steps(self._step_ids, self.cluster)
