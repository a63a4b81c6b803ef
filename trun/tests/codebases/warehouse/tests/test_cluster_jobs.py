"""The Kubernetes job on a mocked pykube, the Pig script through a fake ``pig``, the Presto query on
a mocked pyhive connection."""

import json
from unittest import mock

import luigi
import pytest
from conftest import DAY
from luigi.contrib.pig import PigJobError
from warehouse.cluster import Dedupe, Sessionize, TopPages


def submitted(kube):
    return kube.job.call_args_list[0].args[1]


def test_job_is_submitted_and_tracked(kube, workdir):
    assert luigi.build([Dedupe(DAY)], local_scheduler=True)
    kube.config.from_file.assert_called_once_with("~/.kube/config")
    body = submitted(kube)
    assert body["kind"] == "Job" and body["spec"]["backoffLimit"] == 6
    assert body["metadata"]["labels"]["spawned_by"] == "luigi"
    assert body["metadata"]["labels"]["team"] == "dwh"
    assert body["spec"]["template"]["metadata"]["labels"] == {"team": "dwh", "day": "20240501"}
    assert body["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert body["spec"]["template"]["spec"]["containers"][0]["args"] == ["--day", "2024-05-01"]
    kube.job.return_value.create.assert_called_once_with()


def test_job_name_and_completion_signal(kube, workdir):
    luigi.build([Dedupe(DAY)], local_scheduler=True)
    body = submitted(kube)
    name = body["metadata"]["name"]
    assert name.startswith("dedupe-") and len(name.split("-")) == 3
    assert (workdir / "out" / "dedupe" / "2024-05-01.done").read_text() == name
    selector = kube.job.objects.return_value.filter.call_args.kwargs["selector"]
    assert selector == "luigi_task_id=" + body["metadata"]["labels"]["luigi_task_id"]


def test_finished_job_is_scaled_down_and_deleted(kube):
    luigi.build([Dedupe(DAY)], local_scheduler=True)
    kube.job.return_value.scale.assert_called_with(replicas=0)
    kube.client.delete.assert_called_once_with(
        json={"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"},
        url="jobs/dedupe")


def test_namespace_and_service_account_from_configuration(kube, config):
    config("kubernetes", "kubernetes_namespace", "dwh")
    config("kubernetes", "auth_method", "service-account")
    luigi.build([Dedupe(DAY)], local_scheduler=True)
    kube.config.from_service_account.assert_called_once_with()
    assert submitted(kube)["metadata"]["namespace"] == "dwh"
    assert kube.pod.objects.call_args.kwargs == {"namespace": "dwh"}


def test_failed_pod_fails_the_task(kube, workdir):
    kube.pod.return_value.obj = {"status": {"containerStatuses": [
        {"state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}}
    result = luigi.build([Dedupe(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert not (workdir / "out" / "dedupe" / "2024-05-01.done").exists()


def test_failures_beyond_retrials_fail(kube, config):
    config("kubernetes", "max_retrials", "1")
    kube.job.return_value.obj = {"status": {"failed": 2}}
    result = luigi.build([Dedupe(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED


def test_bad_auth_method():
    class Odd(Dedupe):
        auth_method = "password"

    with pytest.raises(ValueError, match="auth_method"):
        Odd(DAY)._init_kubernetes()


def pig_calls(log):
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_pig_command_line(pig, workdir):
    assert luigi.build([Sessionize(DAY)], local_scheduler=True)
    (call,) = pig_calls(pig)
    argv = call["argv"]
    assert argv[:2] == ["-x", "local"]
    assert argv[2] == "-param_file" and argv[4] == "-propertyFile"
    assert argv[-2:] == ["-f", "scripts/sessionize.pig"]
    assert call["params"] == {"DAY": "2024-05-01", "OUT": "out/pig/2024-05-01"}
    assert call["properties"] == {"pig.tmpfilecompression": "true"}
    assert call["env"] == {"PIG_HOME": str(workdir / "pig-home"), "PIG_HEAPSIZE": "512"}
    assert (workdir / "out" / "pig" / "2024-05-01").read_text() == "sessions\n"


def test_pig_failure_is_a_pig_job_error(pig):
    class Broken(Sessionize):
        def pig_script_path(self):
            return "scripts/broken.pig"

    errors = []
    Broken.event_handler(luigi.Event.FAILURE)(lambda task, exc: errors.append(exc))
    result = luigi.build([Broken(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert isinstance(errors[0], PigJobError)
    assert "return value: 6" in errors[0].message
    assert "ERROR 1000" in errors[0].err


@pytest.fixture
def presto(config):
    config("presto", "host", "presto.acme")
    config("presto", "user", "etl")
    config("presto", "catalog", "hive")
    with mock.patch("luigi.contrib.presto.Connection") as connection, \
            mock.patch("luigi.contrib.presto.sleep"):
        cursor = connection.return_value.cursor.return_value
        running = {"infoUri": "http://presto.acme/ui/q1", "stats": {"progressPercentage": 40.0}}
        cursor.poll.side_effect = [running,
                                   None]
        cursor.fetchall.return_value = [(0,)]
        yield mock.Mock(connection=connection, cursor=cursor)


def test_presto_connection_options(presto):
    TopPages(DAY).output()
    kwargs = presto.connection.call_args.kwargs
    assert kwargs == {"host": "presto.acme", "port": 8090, "username": "etl", "catalog": "hive",
                      "schema": "web", "poll_interval": 1.0, "source": "pyhive", "protocol": "https",
                      "requests_kwargs": {"verify": False}}


def test_presto_target_counts_the_partition(presto):
    target = TopPages(DAY).output()
    presto.cursor.poll.side_effect = [None]
    presto.cursor.fetchall.return_value = [(12,)]
    assert target.exists()
    presto.cursor.execute.assert_called_once_with(
        "SELECT COUNT(*) AS cnt FROM hive.web.top_pages WHERE day = %s LIMIT 1", ["2024-05-01"])


def test_presto_query_runs_with_progress(presto):
    task = TopPages(DAY)
    # outside a worker, the task has no one to tell: the test listens instead
    task.set_tracking_url = tracking = mock.Mock()
    task.set_progress_percentage = progress = mock.Mock()
    task.run()
    assert presto.cursor.execute.call_args.args[0].startswith("INSERT INTO top_pages SELECT page")
    assert tracking.call_count == 1  # once, however many times the query is polled
    assert progress.call_count == 1
