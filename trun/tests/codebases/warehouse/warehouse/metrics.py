"""Our scheduler's own metrics: counts of what happened to each family, for the on-call page."""

from collections import Counter

from luigi.metrics import MetricsCollector


class FamilyCounts(MetricsCollector):
    latest = None

    def __init__(self):
        self.counts = Counter()
        FamilyCounts.latest = self

    def handle_task_started(self, task):
        self.counts["started", task.family] += 1

    def handle_task_failed(self, task):
        self.counts["failed", task.family] += 1

    def handle_task_disabled(self, task, config):
        self.counts["disabled", task.family] += 1

    def handle_task_done(self, task):
        self.counts["done", task.family] += 1

    def generate_latest(self):
        return "\n".join(f"{what} {family} {n}" for (what, family), n in sorted(self.counts.items()))
