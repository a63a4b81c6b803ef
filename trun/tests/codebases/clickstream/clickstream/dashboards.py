"""Once a day is published, the dashboards' cache is rebuilt by a job on our ECS cluster."""

import os

import luigi
from luigi.contrib.ecs import ECSTask

from clickstream.publish import Publish

REFRESH_TASK = {
    "family": "dashboard-refresh",
    "volumes": [],
    "containerDefinitions": [
        {"name": "refresh", "image": "clickstream/dashboards:3", "memory": 256, "essential": True,
         "command": ["refresh", "--all"]},
        {"name": "notify", "image": "clickstream/notify:1", "memory": 64, "essential": False},
    ],
}


class RefreshDashboards(ECSTask):
    date = luigi.DateParameter()
    task_def = luigi.DictParameter(default=REFRESH_TASK, significant=False)
    cluster = luigi.Parameter(default="analytics")

    @property
    def command(self):
        return [{"name": "refresh", "command": ["refresh", "--date", f"{self.date:%Y-%m-%d}"]}]

    @property
    def run_task_kwargs(self):
        defaults = [{"name": "refresh", "command": ["refresh", "--all"]},
                    {"name": "notify", "command": ["notify", "#analytics"]}]
        return {"launchType": "FARGATE", "overrides": {"containerOverrides": defaults}}

    def requires(self):
        return Publish(self.date)

    def output(self):
        return luigi.LocalTarget(os.path.join("markers", f"dashboards-{self.date:%Y-%m-%d}"))

    def run(self):
        super().run()
        with self.output().open("w") as marker:
            marker.write("\n".join(self.ecs_task_ids) + "\n")
