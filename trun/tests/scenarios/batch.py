"""Scenario: luigi.contrib.batch against AWS Batch served by moto on loopback (AWS_ENDPOINT_URL),
whose jobs end at once without running (moto's batch use_docker=false): SUCCEEDED, or FAILED when
the server was started to fail them (MOTO_SIMPLE_BATCH_FAIL_AFTER in its environment).

Reports the active queue (a disabled queue listed first is passed over), submitted jobs (named,
randomly named, in a given queue, in a queue that does not exist), their statuses, the CloudWatch
lines a failed job's exception carries, job definitions registered from a JSON file, the queue
lookup with no active queue, and BatchTask run by a worker; and the Batch calls made, in order.
"""

import json
import re
import time

import boto3
import luigi
from luigi.contrib import batch

calls = []
admin = boto3.client("batch")
logs = boto3.client("logs")


def record(params, model, **kwargs):
    calls.append(model.name)


def queue(name, state):
    admin.create_job_queue(jobQueueName=name, state=state, priority=1,
                           computeEnvironmentOrder=[{"order": 1, "computeEnvironment": "luigi-ce"}])


def outcome(action):
    try:
        return ["ok", action()]
    except Exception as e:  # the type only: the wording is each engine's own (or AWS's)
        return ["raised", type(e).__name__, "log line 2" in str(e)]


role = boto3.client("iam").create_role(RoleName="luigi-batch", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
admin.create_compute_environment(computeEnvironmentName="luigi-ce", type="UNMANAGED", state="ENABLED",
                                 serviceRole=role)
result = {"no_queue": outcome(lambda: batch.BatchClient(poll_time=0))}
try:  # users' tests match this one's words (pytest.raises(match=...))
    batch.BatchClient(poll_time=0)
except Exception as e:
    result["no_queue_says"] = str(e)
queue("luigi-disabled", "DISABLED")
queue("luigi-queue", "ENABLED")
queue("luigi-second", "ENABLED")
admin.register_job_definition(jobDefinitionName="luigi-def", type="container",
                              containerProperties={"image": "busybox", "vcpus": 1, "memory": 64,
                                                   "command": ["echo", "Ref::greeting"]})

client = batch.BatchClient(poll_time=0)
client._client.meta.events.register("provide-client-params.batch", record)
with open("definition.json", "w") as f:
    json.dump({"jobDefinitionName": "luigi-from-file", "type": "container",
               "containerProperties": {"image": "busybox", "vcpus": 1, "memory": 64, "command": ["true"]}}, f)
registered = client.register_job_definition("definition.json")
result["registered"] = [registered["jobDefinitionName"], registered["revision"]]
result["queue"] = [client._queue, client.get_active_queue()]

named = client.submit_job("luigi-def", {"greeting": "hi"}, job_name="luigi-named")
anonymous = client.submit_job("luigi-def", {})
in_second = client.submit_job("luigi-def", {}, job_name="luigi-second-job", queue="luigi-second")
jobs = {j["jobId"]: j for j in admin.describe_jobs(jobs=[named, anonymous, in_second])["jobs"]}
random_name = jobs[anonymous]["jobName"]
result["names"] = [jobs[named]["jobName"], bool(re.fullmatch(r"batch-job-[a-z]{8}", random_name)),
                   len(set(random_name[10:])) == 8]
result["queues"] = [jobs[named]["jobQueue"].rsplit("/", 1)[1], jobs[in_second]["jobQueue"].rsplit("/", 1)[1]]
result["parameters"] = jobs[named]["parameters"]
result["missing_queue"] = outcome(lambda: client.submit_job("luigi-def", {}, queue="luigi-nowhere"))
result["status"] = client.get_job_status(named)
result["running_by_name"] = client.get_job_id_from_name("luigi-named")

stream = jobs[named]["attempts"][0]["container"]["logStreamName"] if jobs[named]["attempts"] else "none"
now = int(time.time() * 1000)  # CloudWatch refuses events older than 14 days
logs.create_log_group(logGroupName="/aws/batch/job")
logs.create_log_stream(logGroupName="/aws/batch/job", logStreamName=stream)
logs.put_log_events(logGroupName="/aws/batch/job", logStreamName=stream,
                    logEvents=[{"timestamp": now + i, "message": f"log line {i}"} for i in range(60)])
result["logs"] = client.get_logs(stream, get_last=3)
result["logs_default"] = len(client.get_logs(stream).splitlines())
result["wait"] = outcome(lambda: client.wait_on_job(named))


class Greet(batch.BatchTask):
    @property
    def parameters(self):
        return {"greeting": "from a task"}


step = Greet(job_definition="luigi-def", job_name="luigi-greet", poll_time=0)
result["task_parameters"] = step.parameters
result["build"] = luigi.build([step], local_scheduler=True, detailed_summary=True).status.name
greeted = admin.list_jobs(jobQueue="luigi-queue", filters=[{"name": "JOB_NAME", "values": ["luigi-greet"]}])
result["greeted"] = [j["status"] for j in greeted["jobSummaryList"]]
result["calls"] = calls
print(json.dumps(result))
