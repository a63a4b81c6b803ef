"""Scenario: luigi.contrib.ecs against ECS served by moto on loopback (AWS_ENDPOINT_URL): a task
definition given as a dict (registered by the task) and one given by ARN, commands merged into
run_task's overrides, the wait until moto's tasks pass RUNNING ... STOPPED (one state per
describe_tasks), the ValueError of neither or both definitions, and a worker's build.

The calls the module's ECS client makes are recorded (operation and parameters).  AWS's own words
contain "task", which the renaming for trun would change in this script's text: they are spelt
through TASK so that both engines ask AWS the same, and AWS's answers are reported with "task"
hidden (``aws``).
"""

import json
import re

import boto3
import luigi
from luigi.contrib import ecs

TASK = "ta" "sk"  # AWS's word, kept out of the renaming
ecs.POLL_TIME = 0.01
calls = []


def record(params, model, **kwargs):
    calls.append([model.name, json.loads(json.dumps(params, default=str))])


ecs.client.meta.events.register("provide-client-params.ecs", record)
admin = boto3.client("ecs")


def aws(value):
    """AWS's answers with its word "task" and the random ids hidden."""
    text = json.dumps(value).replace(TASK, "<t>").replace(TASK.capitalize(), "<T>")
    return json.loads(re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text))


def definition(family):
    return {"family": family, "containerDefinitions": [
        {"name": "main", "image": "busybox", "memory": 16, "essential": True, "command": ["echo", "main"]},
        {"name": "side", "image": "busybox", "memory": 16, "essential": True, "command": ["echo", "side"]}]}


admin.create_cluster(clusterName="default")
admin.create_cluster(clusterName="luigi-cluster")
registered = getattr(admin, f"register_{TASK}_definition")(**definition("luigi-registered"))
ARN = registered[f"{TASK}Definition"][f"{TASK}DefinitionArn"]


class Fargate(ecs.ECSTask):
    @property
    def run_task_kwargs(self):
        return {"launchType": "FARGATE", "count": 2}


class Merged(ecs.ECSTask):
    @property
    def command(self):
        return [{"name": "main", "command": ["sleep", "1"]}, {"name": "extra", "command": ["true"]}]

    @property
    def run_task_kwargs(self):
        return {"launchType": "FARGATE", "startedBy": "luigi-scenario",
                "overrides": {"containerOverrides": [{"name": "main", "command": ["replaced"]},
                                                     {"name": "main", "command": ["second"]}],
                              "ephemeralStorage": {"sizeInGiB": 30}}}


class CommandOnly(ecs.ECSTask):
    @property
    def command(self):
        return [{"name": "side", "command": ["echo", "overridden"]}]

    @property
    def run_task_kwargs(self):
        return {"launchType": "FARGATE"}


def run(task):
    del calls[:]
    before = task.ecs_task_ids
    try:
        task.run()
        raised = None
    except Exception as e:  # the type only: the wording is each engine's own
        raised = type(e).__name__
    return {"before": before, "ids": len(task.ecs_task_ids or []), "arn_after": aws(task.task_def_arn),
            "raised": raised, "calls": aws(calls)}


result = {
    "dict": run(Fargate(task_def=definition("luigi-inline"), cluster="luigi-cluster")),
    "arn": run(Fargate(task_def_arn=ARN)),
    "merged_overrides": Merged(task_def_arn=ARN).combined_overrides,
    "merged": run(Merged(task_def_arn=ARN)),
    "command_only": [CommandOnly(task_def_arn=ARN).combined_overrides, run(CommandOnly(task_def_arn=ARN))],
    "neither": run(Fargate()),
    "both": run(Fargate(task_def=definition("luigi-both"), task_def_arn=ARN)),
}
merge = [{"name": "a", "command": ["1"]}, {"name": "a", "command": ["2"]}]
ecs.ECSTask.update_container_overrides_command(merge, {"name": "a", "command": ["x"]})
ecs.ECSTask.update_container_overrides_command(merge, {"name": "b", "command": ["y"]})
result["update"] = merge
build = Fargate(task_def_arn=ARN, cluster="luigi-cluster")
result["build"] = [luigi.build([build], local_scheduler=True), len(build.ecs_task_ids)]
listed = getattr(admin, f"list_{TASK}s")(cluster="luigi-cluster")
result["in_cluster"] = len(listed[f"{TASK}Arns"])
print(json.dumps(result))
