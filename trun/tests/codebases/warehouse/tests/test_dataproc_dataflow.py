"""Jobs on the shared Dataproc cluster (its client mocked) and the Beam enrichment job (run for real,
with the direct runner's stand-in)."""

import json
from unittest import mock

import luigi
import pytest
from luigi.contrib import dataproc
from warehouse.cloud import ClusterRollup, ClusterScoring, Enrich

CLUSTER = dict(gcloud_project_id="acme-dwh", dataproc_cluster_name="shared")


@pytest.fixture
def cluster():
    client = mock.MagicMock(name="dataproc")
    jobs = client.projects.return_value.regions.return_value.jobs.return_value
    jobs.submit.return_value.execute.side_effect = lambda: dict(
        jobs.submit.call_args.kwargs["body"]["job"], reference={"jobId": "job-42"})
    jobs.get.return_value.execute.return_value = {"status": {"state": "DONE"}}
    with mock.patch.object(dataproc.DataprocBaseTask, "dataproc_client", client):
        yield jobs


def test_spark_job_submitted_to_the_cluster(cluster):
    task = ClusterRollup(main_class="com.acme.dwh.Rollup", jars="gs://acme-jars/rollup.jar",
                         job_args="--day,2024-05-01", **CLUSTER)
    assert luigi.build([task], local_scheduler=True)
    body = cluster.submit.call_args.kwargs
    assert body["projectId"] == "acme-dwh" and body["region"] == "global"
    assert body["body"] == {"job": {"placement": {"clusterName": "shared"},
                                    "sparkJob": {"args": ["--day", "2024-05-01"],
                                                 "mainClass": "com.acme.dwh.Rollup",
                                                 "jarFileUris": ["gs://acme-jars/rollup.jar"]}}}
    cluster.get.assert_called_with(projectId="acme-dwh", region="global", jobId="job-42")


def test_pyspark_job_and_region(cluster):
    task = ClusterScoring(job_file="gs://acme-jobs/score.py", extra_files="gs://acme-jobs/lib.py",
                          dataproc_region="europe-west1", **CLUSTER)
    assert luigi.build([task], local_scheduler=True)
    body = cluster.submit.call_args.kwargs
    assert body["region"] == "europe-west1"
    assert body["body"]["job"]["pysparkJob"] == {"mainPythonFileUri": "gs://acme-jobs/score.py",
                                                 "pythonFileUris": ["gs://acme-jobs/lib.py"], "args": []}


def test_cluster_parameters_are_insignificant(cluster):
    a = ClusterRollup(main_class="X", **CLUSTER)
    b = ClusterRollup(main_class="X", gcloud_project_id="other", dataproc_cluster_name="other")
    assert a.task_id == b.task_id
    assert "gcloud_project_id" not in a.to_str_params(only_significant=True)


def test_job_error_fails_the_task(cluster):
    cluster.get.return_value.execute.return_value = {"status": {"state": "ERROR", "details": "OOM"}}
    errors = []
    ClusterRollup.event_handler(luigi.Event.FAILURE)(lambda task, exc: errors.append(str(exc)))
    result = luigi.build([ClusterRollup(main_class="X", **CLUSTER)], local_scheduler=True,
                         detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert errors == ["OOM"]


def test_waiting_before_submitting_is_an_error(cluster):
    with pytest.raises(Exception, match="submit a job before"):
        ClusterRollup(main_class="X", **CLUSTER).wait_for_job()


@pytest.fixture
def events(workdir):
    folder = workdir / "out" / "events"
    folder.mkdir(parents=True)
    (folder / "a.json").write_text('{"user": "ann"}\n{"user": "bob"}\n')
    (folder / "b.json").write_text('{"user": "cy"}\n')
    (folder / "ignored.txt").write_text("not json\n")
    Enrich.validated.clear()
    return folder


def test_enrich_command_line(events):
    cmd = Enrich()._mk_cmd_line()
    assert cmd[1:3] == ["-m", "warehouse.enrich_job"]
    assert cmd[3:] == ["--runner=DirectRunner", "--project=acme-dwh", "--temp_location=gs://acme-tmp/dataflow",
                       "--num_workers=3", '--labels={"team": "dwh"}', "--country=NL",
                       "--input=out/events/*.json", "--output=out/enriched.json"]


def test_enrich_runs_the_job_and_validates(events, workdir):
    assert luigi.build([Enrich()], local_scheduler=True)
    rows = json.loads((workdir / "out" / "enriched.json").read_text())
    assert rows == [{"user": "ann", "country": "NL"}, {"user": "bob", "country": "NL"},
                    {"user": "cy", "country": "NL"}]
    assert Enrich.validated == [3]


def test_enrich_failing_validation_fails(events):
    for path in events.glob("*.json"):
        path.write_text("")
    result = luigi.build([Enrich()], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    assert Enrich.validated == [0]


def test_dataflow_params_must_be_given():
    class NoParams(Enrich):
        dataflow_params = None

    with pytest.raises(ValueError, match="dataflow_params"):
        NoParams()


def test_unknown_runner_is_refused():
    class Flink(Enrich):
        runner = "FlinkRunner"

    with pytest.raises(ValueError, match="FlinkRunner"):
        Flink()._get_runner()
