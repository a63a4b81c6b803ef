"""Scenario: luigi.contrib.batch's BatchTask against AWS Batch served by moto on loopback
(AWS_ENDPOINT_URL), whose jobs run as containers of the local image IMAGE on the real Docker
daemon (moto's batch use_docker=true) and log to CloudWatch: a job that exits 0 and one that
exits 3, built by a worker; the failed one's BatchJobException must carry the container's output.
"""

import json
import os

import boto3
import luigi
from luigi.contrib import batch

admin = boto3.client("batch")
role = boto3.client("iam").create_role(RoleName="luigi-batch", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
environment = admin.create_compute_environment(computeEnvironmentName="luigi-ce", type="UNMANAGED",
                                               state="ENABLED", serviceRole=role)
admin.create_job_queue(jobQueueName="luigi-queue", state="ENABLED", priority=1,
                       computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "luigi-ce"}])
admin.register_job_definition(
    jobDefinitionName="luigi-sh", type="container",
    containerProperties={"image": os.environ["IMAGE"], "vcpus": 1, "memory": 64,
                         "command": ["sh", "-c", "echo said $0; exit $1", "Ref::word", "Ref::code"]})
errors = []


class Shell(batch.BatchTask):
    word = luigi.Parameter()
    code = luigi.Parameter()

    @property
    def parameters(self):
        return {"word": self.word, "code": self.code}


@Shell.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    errors.append([type(exception).__name__, "said goodbye" in str(exception)])


ok = Shell(job_definition="luigi-sh", job_name="luigi-ok", poll_time=0, word="hello", code="0")
bad = Shell(job_definition="luigi-sh", job_name="luigi-bad", poll_time=0, word="goodbye", code="3")
result = {"built": [luigi.build([task], local_scheduler=True) for task in (ok, bad)], "errors": errors}
jobs = admin.list_jobs(jobQueue="luigi-queue", jobStatus="SUCCEEDED")["jobSummaryList"]
jobs += admin.list_jobs(jobQueue="luigi-queue", jobStatus="FAILED")["jobSummaryList"]
result["jobs"] = sorted([j["jobName"], j["status"]] for j in jobs)
print(json.dumps(result))
