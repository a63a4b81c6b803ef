"""More of the jobs: on a central scheduler (the tracking URL Spark prints), PySpark's shipped
packages, and the Kubernetes job's options and pod logs."""

import logging

import luigi
import luigi.rpc
from conftest import DAY
from warehouse.cluster import Dedupe
from warehouse.spark_jobs import DailyRollup, WordCount


def test_spark_tracking_url_on_the_central_scheduler(raw_day, spark, luigid, config):
    config("worker", "wait_interval", "0.1")
    task = DailyRollup(DAY, partitions=11)  # a task of its own: the scheduler outlives the test
    assert luigi.build([task], scheduler_host="127.0.0.1", scheduler_port=luigid)
    done = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{luigid}").task_list("DONE", "")
    assert done[task.task_id]["tracking_url"] == "http://driver.local:4040"


def test_failed_spark_on_the_central_scheduler(raw_day, spark, luigid, config, monkeypatch):
    config("worker", "wait_interval", "0.1")
    monkeypatch.setenv("FAKE_SPARK_EXIT", "1")
    task = DailyRollup(DAY, partitions=12)
    result = luigi.build([task], scheduler_host="127.0.0.1", scheduler_port=luigid, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    failed = luigi.rpc.RemoteScheduler(f"http://127.0.0.1:{luigid}").task_list("FAILED", "")
    assert failed[task.task_id]["tracking_url"] == "http://driver.local:4040"
    assert failed[task.task_id]["status_message"] is None


def test_pyspark_ships_configured_packages(raw_day, spark, workdir, monkeypatch):
    # the runner reads the configuration in spark-submit's process: it needs a file
    (workdir / "spark.cfg").write_text("[spark]\npy-packages = warehouse\n")
    monkeypatch.setenv("LUIGI_CONFIG_PATH", str(workdir / "spark.cfg"))
    assert luigi.build([WordCount(DAY)], local_scheduler=True)
    context = spark()[-1]
    assert context["py_files"] == ["warehouse.tar.gz"]


def test_pod_logs_printed_on_exit(kube, caplog):
    class Chatty(Dedupe):
        print_pod_logs_on_exit = True

    kube.pod.return_value.logs.return_value = "2024-05-01T00:00Z start\n2024-05-01T00:01Z done\n"
    with caplog.at_level(logging.INFO, logger="luigi-interface"):
        assert luigi.build([Chatty(DAY)], local_scheduler=True)
    kube.pod.return_value.logs.assert_called_with(timestamps=True)
    messages = [r.getMessage() for r in caplog.records if r.name == "luigi-interface"]
    assert "2024-05-01T00:01Z done" in messages and "2024-05-01T00:00Z start" in messages


def test_deadline_and_no_delete(kube):
    class Kept(Dedupe):
        active_deadline_seconds = 600
        delete_on_success = False

    assert luigi.build([Kept(DAY)], local_scheduler=True)
    assert kube.job.call_args_list[0].args[1]["spec"]["activeDeadlineSeconds"] == 600
    kube.client.delete.assert_not_called()


def test_pod_still_creating_is_waited_for(kube):
    creating = {"status": {"containerStatuses": [{"state": {"waiting": {"reason": "ContainerCreating"}}}],
                           "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                                           "message": "containers with unready status"}]}}
    done = kube.pod.return_value.obj
    states = iter([creating, creating])
    type(kube.pod.return_value).obj = property(lambda self: next(states, done))
    assert luigi.build([Dedupe(DAY)], local_scheduler=True)
    assert next(states, "used up") == "used up"
