"""Scenario: Scheduler(**kwargs) takes any [scheduler] key, the configuration file giving the rest, and
the names a user's test patches in luigi.scheduler (BatchNotifier, notifications) take effect."""

import json
import os
import sys
from unittest import mock

from luigi import configuration
from luigi.metrics import MetricsCollector, MetricsCollectors
from luigi.scheduler import Scheduler, scheduler

CALLS = []


class RecordingCollector(MetricsCollector):
    def __init__(self):
        super().__init__()

    def handle_task_started(self, task):
        CALLS.append(["started", task.id])

    def handle_task_failed(self, task):
        CALLS.append(["failed", task.id])

    def handle_task_disabled(self, task, config):
        CALLS.append(["disabled", task.id, config.disable_persist])

    def handle_task_done(self, task):
        CALLS.append(["done", task.id])


def status_after_failures(s, n):
    for _ in range(n):
        s.add_task(worker="w", task_id="A", status="FAILED", family="Fam", params={"p": "1"})
    return s.task_list("", "")["A"]["status"]


out = {}
config_file = os.path.join(os.getcwd(), "scheduler.cfg")
with open(config_file, "w") as f:
    f.write("[scheduler]\nretry_count = 1\ndisable_persist = 50\n")
configuration.get_config().add_config_path(config_file)
out["from_file"] = status_after_failures(Scheduler(), 1)
out["keyword_wins"] = status_after_failures(Scheduler(retry_count=2), 1)
out["keyword_wins_twice"] = status_after_failures(Scheduler(retry_count=2), 2)
out["config_object"] = status_after_failures(Scheduler(config=scheduler(retry_count=3)), 2)
s = Scheduler(pause_enabled=False)
s.pause()
out["pause_disabled"] = [s.is_paused(), s.is_pause_enabled()]
s = Scheduler(send_messages=False)
s.add_task(worker="w", task_id="M", family="M")
s.get_work(worker="w")
out["messages_off"] = [s.send_scheduler_message(worker="w", task="M", content="hi")]
out["history"] = [Scheduler().has_task_history(), Scheduler(record_task_history=False).has_task_history()]
try:
    Scheduler(no_such_option=1)
    out["unknown"] = None
except Exception as e:  # noqa: BLE001 (the type is what is compared)
    out["unknown"] = type(e).__name__

sys.modules[__name__].RecordingCollector = RecordingCollector
s = Scheduler(metrics_collector=MetricsCollectors.custom, metrics_custom_import="__main__.RecordingCollector",
              retry_count=2)
s.add_task(worker="w", task_id="A", family="Fam")
s.get_work(worker="w")
status_after_failures(s, 2)
s.add_task(worker="w", task_id="B", family="Fam", status="DONE")
out["metrics"] = CALLS

with mock.patch("luigi.scheduler.BatchNotifier") as notifier:
    s = Scheduler(batch_emails=True, retry_count=1)
    s.add_task_batcher(worker="w", task_family="Fam", batched_args=["p"])
    s.add_task(worker="w", task_id="A", family="Fam", params={"p": "1", "q": "2"}, status="FAILED",
               expl='"it broke"', owners=["o@example.com"])
    s.announce_scheduling_failure(worker="w", task_name="Fam(p=1)", family="Fam", params={"p": "1"},
                                  expl="bad", owners=None)
    updates_before_prune = notifier.return_value.update.call_count
    s.prune()
    s.dump()
    n = notifier.return_value
    out["batch"] = {"made": notifier.call_count,
                    "failure": [list(c.args) for c in n.add_failure.call_args_list],
                    "disable": [list(c.args) for c in n.add_disable.call_args_list],
                    "scheduling": [list(c.args) for c in n.add_scheduling_fail.call_args_list],
                    "pruned": n.update.call_count - updates_before_prune, "sent": n.send_email.call_count}
with mock.patch("luigi.scheduler.BatchNotifier") as notifier:
    Scheduler(batch_emails=False)
    out["no_batch"] = notifier.call_count
with mock.patch("luigi.scheduler.notifications") as notifications:
    s = Scheduler(retry_count=1, disable_window=100)
    s.add_task(worker="w", task_id="A", family="Fam", status="FAILED")
    out["disable_mail"] = [list(c.args) for c in notifications.send_error_email.call_args_list]
with mock.patch("time.time", return_value=1000.0) as clock:  # disabled for failures, or by hand
    s = Scheduler(retry_count=1, disable_persist=10)
    s.add_task(worker="w", task_id="A", status="FAILED")
    s.add_task(worker="w", task_id="B", status="DISABLED")
    s.add_task(worker="w", task_id="C", status="DONE")
    s.add_task(worker="w", task_id="C", status="DISABLED")
    out["disabled"] = {k: [v["status"], v["re_enable_able"]] for k, v in s.task_list("", "").items()}
    clock.return_value = 1011.0
    out["after_persist"] = {k: v["status"] for k, v in s.task_list("", "").items()}
    s.add_task(worker="w", task_id="A")
    s.add_task(worker="w", task_id="B")
    out["pending_again"] = {k: v["status"] for k, v in s.task_list("", "").items()}
print(json.dumps(out, sort_keys=True))
