"""What the on-call person hears about: failure mails, and a count of every task event."""

import collections

import luigi
import luigi.notifications

EVENTS = collections.Counter()


class Settle(luigi.Task):
    """Settles one batch of payments; the payments team owns it and gets its failure mails."""

    batch = luigi.IntParameter()
    fail = luigi.BoolParameter(default=False)
    owner_email = "payments@example.com"

    def output(self):
        return luigi.LocalTarget(f"settled/{self.batch}.txt")

    def run(self):
        if self.fail:
            raise ValueError(f"batch {self.batch} has an unknown currency")
        with self.output().open("w") as f:
            f.write("ok")


class Nightly(luigi.WrapperTask):
    batches = luigi.ListParameter()
    broken = luigi.ListParameter(default=[])

    def requires(self):
        return [Settle(batch=b, fail=b in self.broken) for b in self.batches]


@luigi.Task.event_handler(luigi.Event.SUCCESS)
def count_success(task):
    EVENTS[("success", task.task_family)] += 1


@luigi.Task.event_handler(luigi.Event.FAILURE)
def count_failure(task, exception):
    EVENTS[("failure", type(exception).__name__)] += 1


@Settle.event_handler(luigi.Event.FAILURE)
def page_on_call(task, exception):
    luigi.notifications.send_error_email(f"settlement {task.batch} failed", str(exception))
