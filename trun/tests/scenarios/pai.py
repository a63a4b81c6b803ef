"""Scenario: luigi.contrib.pai against the loopback OpenPAI REST server of trun/tests/pai_server.py
(its URL and the account are in ./pai.cfg, written by the test; the test sets how each job's state
goes and compares the requests the server got).

Jobs that end SUCCEED (OpenPAI 0.7's word), SUCCEEDED (later OpenPAI's), FAILED and STOPPED; a
job name already in use; a server failing while the job runs; a job without roles; a job with
every optional field and ports; a user whose password is wrong.  The result: what each build
returned, complete() before and after, and each failure's exception.
"""

import json

import luigi
from luigi.contrib.pai import OpenPai, PaiJob, PaiTask, Port, TaskRole, slot_to_dict

PaiTask._PaiTask__POLL_TIME = 0.01  # seconds between two state requests (Luigi's: 5)

failures = []


@luigi.Task.event_handler(luigi.Event.FAILURE)
def failed(task, exception):
    failures.append([task.name, type(exception).__name__, str(exception)])


class Digits(PaiTask):
    job = luigi.Parameter()
    image = "openpai/pai.example.sklearn"

    @property
    def name(self):
        return self.job

    @property
    def tasks(self):
        return [TaskRole("train", "cd bench && python digits.py", memoryMB=4096)]


class Full(Digits):
    auth_file_path = "hdfs://auth/registry.json"
    data_dir = "hdfs://data/digits"
    code_dir = "hdfs://code/digits"
    virtual_cluster = "research"
    gpu_type = "K80"
    retry_count = 2

    @property
    def tasks(self):
        return [TaskRole("ps", "python ps.py", taskNumber=2, cpuNumber=4, memoryMB=8192, shmMB=128,
                         gpuNumber=1, portList=[Port("grpc", 2222, 2), Port("http")]),
                TaskRole("worker", "python worker.py", taskNumber=4)]


class NoRoles(Digits):
    @property
    def tasks(self):
        return []


def main():
    result = {}
    steps = {name: Digits(job=f"digits-{name}") for name in ("ok", "new-api", "failed", "stopped", "flaky")}
    steps["taken"] = Full(job="digits-failed")  # another class: a job of the same name, failed
    steps["full"] = Full(job="digits-full")
    steps["no_roles"] = NoRoles(job="digits-none")
    result["complete_before"] = {name: step.complete() for name, step in steps.items()}
    result["built"] = {name: luigi.build([step], local_scheduler=True) for name, step in steps.items()}
    result["complete_after"] = {name: step.complete() for name, step in steps.items()}
    result["failures"] = sorted(failures)
    result["output_dir"] = steps["ok"].output_dir
    result["config"] = [OpenPai().username, OpenPai().expiration]
    result["port"] = slot_to_dict(Port("ssh", port_number=3))
    try:
        PaiJob("j", "img", [])
    except TypeError as error:
        result["no_roles_job"] = str(error)
    luigi.configuration.get_config().set("OpenPai", "password", "wrong")
    try:
        Digits(job="digits-denied")
    except Exception as error:
        result["denied"] = [type(error).__name__, str(error)]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
