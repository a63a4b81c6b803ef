"""[scheduler] metrics_collector: the scheduler tells the collector of each started, failed,
disabled and done step (a real prometheus_client registry; a custom class by import path)."""

import importlib.util

import pytest

import trun
from trun.metrics import MetricsCollector, MetricsCollectors, NoMetricsCollector
from trun.scheduler import Scheduler

pytest.importorskip("prometheus_client")


class Recording(MetricsCollector):
    """A custom collector (metrics_custom_import) that keeps what it was told."""

    seen: list = []

    def handle_step_started(self, step):
        self.seen.append(("started", step.id))

    def handle_step_failed(self, step):
        self.seen.append(("failed", step.id))

    def handle_step_disabled(self, step, config):
        self.seen.append(("disabled", step.id))

    def handle_step_done(self, step):
        self.seen.append(("done", step.id))


def _drive(scheduler):
    scheduler.add_step("A()", family="A", worker="w")
    scheduler.add_step("B()", family="B", worker="w")
    for _ in range(2):
        step = scheduler.get_work(worker="w")["step_id"]
        scheduler.add_step(step, status="DONE" if step == "A()" else "FAILED", worker="w", expl="boom")


def test_prometheus_collector_counts_by_family():
    trun.configuration.get_config().set("scheduler", "metrics_collector", "prometheus")
    scheduler = Scheduler()
    _drive(scheduler)
    (hook,) = [h for h in scheduler._hooks if hasattr(h, "collector")]
    text = hook.collector.generate_latest().decode()
    assert 'trun_step_started_total{family="A"} 1.0' in text
    assert 'trun_step_started_total{family="B"} 1.0' in text
    assert 'trun_step_done_total{family="A"} 1.0' in text
    assert 'trun_step_failed_total{family="B"} 1.0' in text


def test_custom_collector_and_the_default():
    cfg = trun.configuration.get_config()
    cfg.set("scheduler", "metrics_collector", "custom")
    cfg.set("scheduler", "metrics_custom_import", f"{__name__}.Recording")
    Recording.seen = []
    _drive(Scheduler(retry_count=2, disable_window=3600))
    assert Recording.seen == [("started", "A()"), ("done", "A()"), ("started", "B()"), ("failed", "B()")]
    assert isinstance(MetricsCollectors.get(MetricsCollectors.default), NoMetricsCollector)
    if importlib.util.find_spec("datadog"):  # trun.contrib.datadog_metric (test_trun_contrib_metrics.py)
        assert type(MetricsCollectors.get(MetricsCollectors.datadog)).__name__ == "DatadogMetricsCollector"
    with pytest.raises(ValueError, match="needs .scheduler. metrics_custom_import"):
        MetricsCollectors.get(MetricsCollectors.custom)
