"""trun.contrib.batch as Luigi's, both against AWS Batch served by moto on loopback (its jobs end at
once without a container; reset before each engine): BatchClient's queue lookup, submissions,
statuses, job definitions from a file and CloudWatch logs, and BatchStep run by a worker; once with
jobs that succeed and once with jobs that fail; and, where a Docker daemon runs, jobs that moto
runs as containers of a local image (their CloudWatch output in the failed job's exception)."""

from __future__ import annotations

import docker
import docker_daemon
import pytest
import s3_server  # moto's server: it answers every AWS service
from luigi_pair import same_result, scenario
from moto_server import aws_env, configure, reset_before_each

CALLS = ["RegisterJobDefinition", "DescribeJobQueues", "DescribeJobQueues", "SubmitJob", "DescribeJobQueues",
         "SubmitJob", "SubmitJob", "SubmitJob", "DescribeJobs", "ListJobs", "DescribeJobs"]


@pytest.fixture(scope="module")
def endpoint():
    with s3_server.s3_server() as url:
        yield url


def run(tmp_path, endpoint):
    configure(endpoint, {"batch": {"use_docker": False}})
    return same_result(tmp_path, scenario("batch"), env=aws_env(endpoint), setup=reset_before_each(endpoint))


def test_batch_step_same_as_luigi(tmp_path, endpoint, monkeypatch):
    monkeypatch.delenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", raising=False)
    result = run(tmp_path, endpoint)
    assert result["no_queue"] == ["raised", "Exception", False]
    assert result["no_queue_says"] == "No job queues with state=ENABLED and status=VALID"
    assert result["registered"] == ["trun-from-file", 1] and result["queue"] == ["trun-queue", "trun-queue"]
    assert result["names"] == ["trun-named", True, True] and result["queues"] == ["trun-queue", "trun-second"]
    assert result["parameters"] == {"greeting": "hi"}
    assert result["missing_queue"][:2] == ["raised", "ClientException"]
    assert [result["status"], result["running_by_name"], result["wait"]] == ["SUCCEEDED", None, ["ok", True]]
    assert result["logs"] == "log line 57\nlog line 58\nlog line 59" and result["logs_default"] == 50
    assert result["build"] == "SUCCESS" and result["greeted"] == ["SUCCEEDED"]
    assert result["calls"] == CALLS


def test_failed_batch_job_same_as_luigi(tmp_path, endpoint, monkeypatch):
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")  # read by the server (this process) per job
    result = run(tmp_path, endpoint)
    assert result["status"] == "FAILED" and result["wait"] == ["raised", "BatchJobException", True]
    assert result["build"] == "FAILED" and result["greeted"] == ["FAILED"]
    assert result["calls"] == CALLS[:-1] + ["DescribeJobs", "DescribeJobs"]


def test_batch_jobs_in_containers_same_as_luigi(tmp_path, endpoint):
    docker_daemon.ready()
    image = docker_daemon.busybox_image()
    local = "localhost/" + image  # a registry host in the name: moto then takes it as it is
    docker.APIClient().tag(image, *local.rsplit(":", 1))
    configure(endpoint, {"batch": {"use_docker": True}})
    try:
        result = same_result(tmp_path, scenario("batch_docker"), env={**aws_env(endpoint), "IMAGE": local},
                             setup=reset_before_each(endpoint))
    finally:
        configure(endpoint, {"batch": {"use_docker": False}})
        docker.APIClient().remove_image(local)
    assert result == {"built": [True, False], "errors": [["BatchJobException", True]],
                      "jobs": [["trun-bad", "FAILED"], ["trun-ok", "SUCCEEDED"]]}
