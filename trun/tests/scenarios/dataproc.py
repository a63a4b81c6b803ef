"""luigi.contrib.dataproc against the loopback Google Cloud (google_server: Dataproc's v1 API, each
cluster and job moving one state on at every look): creating a cluster from the command line
(and finding it there the second time), Spark and PySpark jobs, a failing job, deleting the
cluster, a second cluster with an image version in another region; the requests sent, and the
polling sleeps asked for (recorded, not slept).  Application default credentials are an
authorized-user file (GOOGLE_APPLICATION_CREDENTIALS), so the module builds its client on import."""

import json
import time

import luigi
from google_server import GoogleCloudServer, descriptor
from googleapiclient import discovery
from googleapiclient.http import build_http
from luigi.contrib import dataproc

SLEEPS = []
_real_sleep = time.sleep


def record_sleep(seconds):
    if seconds in (5, 10):  # the module's polling intervals
        SLEEPS.append(seconds)
    else:
        _real_sleep(seconds)


def run(*args):
    return luigi.run(
        ["--local-scheduler", "--no-lock", *args, "--gcloud-project-id=proj", "--log-level=ERROR"]
    )


def error_of(call):
    try:
        call()
    except Exception as exc:
        status = getattr(getattr(exc, "resp", None), "status", None)
        return [type(exc).__name__, status or str(exc)]
    return None


if __name__ == "__main__":
    time.sleep = record_sleep
    default = dataproc.get_dataproc_client()
    with GoogleCloudServer() as SERVER:
        client = discovery.build_from_document(descriptor("dataproc", "v1", SERVER.url), http=build_http())
        # the step classes took the client when they were defined: a test gives them its own
        for cls in (
            dataproc.DataprocBaseTask,
            dataproc.CreateDataprocClusterTask,
            dataproc.DeleteDataprocClusterTask,
        ):
            cls.dataproc_client = client
        result = {"default_client": type(default).__name__, "from_adc": sorted(dataproc.authenticate_kwargs)}
        result["create"] = [run("CreateDataprocClusterTask", "--dataproc-cluster-name=c1"), list(SLEEPS)]
        result["create_again"] = run("CreateDataprocClusterTask", "--dataproc-cluster-name=c1")
        spark = [
            "--dataproc-cluster-name=c1",
            "--main-class=org.example.Main",
            "--jars=gs://b/a.jar,gs://b/b.jar",
        ]
        result["spark"] = [run("DataprocSparkTask", *spark, "--job-args=x,y"), list(SLEEPS)]
        result["pyspark"] = run(
            "DataprocPysparkTask",
            "--dataproc-cluster-name=c1",
            "--job-file=gs://b/job.py",
            "--extra-files=gs://b/lib.py",
        )
        failing = dataproc.DataprocSparkTask(
            gcloud_project_id="proj", dataproc_cluster_name="c1", main_class="org.example.FailingMain"
        )
        result["failing"] = [error_of(failing.run), failing._job_name, failing._job_id]
        result["unsubmitted"] = error_of(
            dataproc.DataprocBaseTask(gcloud_project_id="proj", dataproc_cluster_name="c1").wait_for_job
        )
        base = dataproc.DataprocBaseTask(gcloud_project_id="proj", dataproc_cluster_name="c1")
        result["own_job"] = base.submit_pyspark_job("gs://b/main.py")["reference"]
        result["no_cluster"] = error_of(
            dataproc.DataprocSparkTask(
                gcloud_project_id="proj", dataproc_cluster_name="nope", main_class="M"
            ).run
        )
        result["delete"] = [run("DeleteDataprocClusterTask", "--dataproc-cluster-name=c1"), list(SLEEPS)]
        result["delete_again"] = run("DeleteDataprocClusterTask", "--dataproc-cluster-name=c1")
        result["image"] = run(
            "CreateDataprocClusterTask",
            "--dataproc-cluster-name=c2",
            "--image-version=1-0",
            "--dataproc-region=europe-west1",
            "--worker-normal-count=5",
            "--gcloud-zone=europe-west1-b",
        )
        result["significant"] = dataproc.DataprocSparkTask(
            gcloud_project_id="a", dataproc_cluster_name="b", main_class="M"
        ).task_id
        result["requests"] = list(SERVER.requests)
    print(json.dumps(result))
