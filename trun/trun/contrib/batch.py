"""Steps that submit an AWS Batch job and wait for it, as Luigi's ``luigi.contrib.batch``; needs
boto3 (``pip install 'trun[batch]'``), AWS credentials, and an ENABLED, VALID job queue.

``BatchStep(job_definition, job_name=None, job_queue=None, poll_time=10)`` submits a job of a
registered job definition with the step's ``parameters`` (a property returning a dict) to
``job_queue``, or to the first ENABLED and VALID queue Batch lists, and polls ``describe_jobs``
every ``poll_time`` seconds until the job SUCCEEDED; a FAILED job raises ``BatchJobException``
with the last lines of its CloudWatch log stream (log group ``/aws/batch/job``).  ``BatchClient``
holds the Batch and CloudWatch Logs clients and the calls, for use on its own too.  A job without
a name gets ``batch-job-`` and eight random letters.
"""

from __future__ import annotations

import json
import logging
import random
import string
import time
from typing import Any

import trun

logger = logging.getLogger(__name__)

try:
    import boto3
except ImportError:
    logger.warning("Loading the batch module without the python package boto3: a BatchStep cannot run "
                   "(pip install 'trun[batch]')")

POLL_TIME = 10  # seconds between two describe_jobs calls, by default


class BatchJobException(Exception):
    """A Batch job FAILED; the message holds the end of its log."""


def _random_id() -> str:
    return "batch-job-" + "".join(random.sample(string.ascii_lowercase, 8))


def _check_ok(response: dict[str, Any], what: str) -> None:
    code = response["ResponseMetadata"]["HTTPStatusCode"]
    if code != 200:
        raise Exception(f"AWS Batch answered the {what} with HTTP status {code}: {response}")


class BatchClient:
    """AWS Batch's calls a BatchStep makes; the queue used by default is looked up on creation."""

    def __init__(self, poll_time: float = POLL_TIME) -> None:
        self.poll_time = poll_time
        self._client = boto3.client("batch")
        self._log_client = boto3.client("logs")
        self._queue = self.get_active_queue()

    def get_active_queue(self) -> str:
        """The name of the first job queue that is ENABLED and VALID (an Exception when none is)."""
        queues = [q["jobQueueName"] for q in self._client.describe_job_queues()["jobQueues"]
                  if q["state"] == "ENABLED" and q["status"] == "VALID"]
        if not queues:
            # in Luigi's words: users' tests match them
            raise Exception("No job queues with state=ENABLED and status=VALID")
        return queues[0]

    def get_job_id_from_name(self, job_name: str) -> str | None:
        """The id of the first RUNNING job called ``job_name`` in the default queue, if any."""
        jobs = self._client.list_jobs(jobQueue=self._queue, jobStatus="RUNNING")["jobSummaryList"]
        return next((job["jobId"] for job in jobs if job["jobName"] == job_name), None)

    def get_job_status(self, job_id: str) -> str:
        """SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED or FAILED."""
        response = self._client.describe_jobs(jobs=[job_id])
        _check_ok(response, "job description")
        return response["jobs"][0]["status"]

    def get_logs(self, log_stream_name: str, get_last: int = 50) -> str:
        """The last ``get_last`` messages of a job's CloudWatch log stream, one a line."""
        response = self._log_client.get_log_events(logGroupName="/aws/batch/job",
                                                   logStreamName=log_stream_name, startFromHead=False)
        return "\n".join(event["message"] for event in response["events"][-get_last:])

    def submit_job(self, job_definition: str, parameters: dict[str, str], job_name: str | None = None,
                   queue: str | None = None) -> str:
        """Submit a job (a random name when none is given; the first active queue when no queue
        is) and return its id."""
        response = self._client.submit_job(jobName=job_name if job_name is not None else _random_id(),
                                           jobQueue=queue or self.get_active_queue(),
                                           jobDefinition=job_definition, parameters=parameters)
        return response["jobId"]

    def wait_on_job(self, job_id: str) -> bool:
        """Poll until the job SUCCEEDED (True); a FAILED job raises BatchJobException."""
        while True:
            status = self.get_job_status(job_id)
            if status == "SUCCEEDED":
                logger.info("Batch job %s SUCCEEDED", job_id)
                return True
            if status == "FAILED":
                jobs = self._client.describe_jobs(jobs=[job_id])["jobs"]
                logger.debug("Batch job details:\n%s", json.dumps(jobs, indent=4))
                logs = self.get_logs(jobs[0]["attempts"][0]["container"]["logStreamName"])
                raise BatchJobException(f"Batch job {job_id} failed: {logs}")
            time.sleep(self.poll_time)
            logger.debug("Batch job %s is %s", job_id, status)

    def register_job_definition(self, json_fpath: str) -> dict[str, Any]:
        """Register the job definition in the JSON file ``json_fpath``; returns Batch's answer."""
        with open(json_fpath) as f:
            definition = json.load(f)
        response = self._client.register_job_definition(**definition)
        _check_ok(response, "job definition's registration")
        return response


class BatchStep(trun.Step):
    """Submits a job of ``job_definition`` to AWS Batch and waits until it SUCCEEDED."""

    job_definition = trun.Parameter()
    job_name = trun.OptionalParameter(default=None)
    job_queue = trun.OptionalParameter(default=None)
    poll_time = trun.IntParameter(default=POLL_TIME)

    def run(self) -> None:
        batch = BatchClient(self.poll_time)
        job_id = batch.submit_job(self.job_definition, self.parameters, job_name=self.job_name,
                                  queue=self.job_queue)
        batch.wait_on_job(job_id)

    @property
    def parameters(self) -> dict[str, str]:
        """The job's parameters (substituted into the definition's ``Ref::`` placeholders)."""
        return {}
