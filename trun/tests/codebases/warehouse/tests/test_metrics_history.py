"""The scheduler's metrics collectors (Prometheus, Datadog, our own) and its task history in SQLite."""

from unittest import mock

import luigi
import luigi.scheduler
import luigi.worker
import pytest
from warehouse.metrics import FamilyCounts


class Tick(luigi.Task):
    n = luigi.IntParameter()
    fail = luigi.BoolParameter()

    def output(self):
        return luigi.LocalTarget(f"ticks/{self.n}")

    def run(self):
        if self.fail:
            raise RuntimeError("tick failed")
        with self.output().open("w") as f:
            f.write("tick")


def run_with_scheduler(*tasks, **scheduler_kwargs):
    scheduler = luigi.scheduler.Scheduler(**scheduler_kwargs)
    with luigi.worker.Worker(scheduler=scheduler) as worker:
        for task in tasks:
            worker.add(task)
        worker.run()
    return scheduler


@pytest.fixture(autouse=True)
def in_tmp(workdir, config):
    config("worker", "keep_alive", "false")


def test_prometheus_counts_by_family(config):
    config("scheduler", "metrics_collector", "prometheus")
    scheduler = run_with_scheduler(Tick(1), Tick(2), Tick(3, fail=True))
    text = scheduler._state._metrics_collector.generate_latest().decode()
    assert 'luigi_task_started_total{family="Tick"} 3.0' in text
    assert 'luigi_task_done_total{family="Tick"} 2.0' in text
    assert 'luigi_task_failed_total{family="Tick"} 1.0' in text
    assert 'luigi_task_execution_time_seconds{family="Tick"}' in text


def test_prometheus_labels_from_parameters(config):
    config("scheduler", "metrics_collector", "prometheus")
    config("prometheus", "use_task_family_in_labels", "false")
    config("prometheus", "task_parameters_to_use_in_labels", '["n"]')
    scheduler = run_with_scheduler(Tick(7))
    text = scheduler._state._metrics_collector.generate_latest().decode()
    assert 'luigi_task_done_total{n="7"} 1.0' in text


def test_prometheus_needs_a_label(config):
    from luigi.contrib.prometheus_metric import PrometheusMetricsCollector

    config("prometheus", "use_task_family_in_labels", "false")
    with pytest.raises(ValueError, match="labels cannot be empty"):
        PrometheusMetricsCollector()


def test_datadog_events_and_counters(config):
    config("scheduler", "metrics_collector", "datadog")
    config("datadog", "environment", "test")
    with mock.patch("luigi.contrib.datadog_metric.statsd") as statsd, \
            mock.patch("luigi.contrib.datadog_metric.api") as api, \
            mock.patch("luigi.contrib.datadog_metric.initialize") as initialize:
        run_with_scheduler(Tick(1), Tick(2, fail=True))
    initialize.assert_called_once_with(api_key="dummy_api_key", app_key="dummy_app_key",
                                       statsd_host="localhost", statsd_port=8125)
    increments = [c.args[0] for c in statsd.increment.call_args_list]
    assert sorted(increments) == ["luigi.task.done", "luigi.task.failed", "luigi.task.started",
                                  "luigi.task.started"]
    done = next(c for c in statsd.increment.call_args_list if c.args[0] == "luigi.task.done")
    assert done.kwargs["tags"] == ["task_name:Tick", "n:1", "fail:False", "environment:test",
                                   "application:luigi"]
    titles = [c.kwargs["title"] for c in api.Event.create.call_args_list]
    assert "Luigi: A task has failed!" in titles
    assert statsd.gauge.call_args.args[0] == "luigi.task.execution_time"


def test_own_collector_by_import_path(config):
    config("scheduler", "metrics_collector", "custom")
    config("scheduler", "metrics_custom_import", "warehouse.metrics.FamilyCounts")
    run_with_scheduler(Tick(1), Tick(2), Tick(9, fail=True))
    assert FamilyCounts.latest.counts == {("started", "Tick"): 3, ("done", "Tick"): 2, ("failed", "Tick"): 1}
    assert FamilyCounts.latest.generate_latest().splitlines()[0] == "done Tick 2"


def test_collector_must_be_a_metrics_collector(config):
    config("scheduler", "metrics_collector", "custom")
    config("scheduler", "metrics_custom_import", "collections.Counter")
    with pytest.raises(ValueError, match="not a subclass of MetricsCollector"):
        luigi.scheduler.Scheduler()


@pytest.fixture
def history(workdir, config):
    config("task_history", "db_connection", f"sqlite:///{workdir / 'history.db'}")
    from luigi import db_task_history

    return db_task_history


def test_history_records_runs(history):
    run_with_scheduler(Tick(1), Tick(2, fail=True), record_task_history=True)
    db = history.DbTaskHistory()
    runs = {tuple(sorted(p.value for p in r.parameters.values())): [e.event_name for e in r.events]
            for r in db.find_all_by_name("Tick")}
    assert sorted(runs) == [("1", "False"), ("2", "True")]
    assert runs["1", "False"] == ["DONE", "RUNNING", "PENDING"]
    assert runs["2", "True"] == ["FAILED", "RUNNING", "PENDING"]


def test_history_by_parameters_and_id(history):
    run_with_scheduler(Tick(1), Tick(2), record_task_history=True)
    db = history.DbTaskHistory()
    (record,) = db.find_all_by_parameters("Tick", n="2")
    assert record.name == "Tick" and record.task_id == Tick(2).task_id
    assert db.find_task_by_id(record.id).task_id == Tick(2).task_id
    assert [e.event_name for e in db.find_all_events()][:1] in (["DONE"], ["PENDING"], ["RUNNING"])


def test_history_of_a_task_done_before(history, workdir):
    (workdir / "ticks").mkdir()
    (workdir / "ticks" / "5").write_text("earlier")
    run_with_scheduler(Tick(5), record_task_history=True)
    events = [[e.event_name for e in r.events] for r in history.DbTaskHistory().find_all_by_name("Tick")]
    assert events == [["DONE"]]


def test_history_latest_runs(history):
    run_with_scheduler(Tick(3), record_task_history=True)
    latest = list(history.DbTaskHistory().find_latest_runs())
    assert [r.name for r in latest] == ["Tick"]
