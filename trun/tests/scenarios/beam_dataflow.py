"""luigi.contrib.beam_dataflow running a real command: a small Python "job" that records the
arguments it was given.  The command lines built from the options, the inputs (single,
dicts, lists, file patterns, requirements with several outputs) and the outputs (local, GCS and
BigQuery targets), the callbacks' order, the logged output, the errors, and the exit code of a
worker whose job failed."""

import json
import logging
import os
import subprocess
import sys

import luigi
import luigi.mock
import luigi.task
from luigi.contrib import beam_dataflow, bigquery, gcs

JOB = "import json, sys\nprint('job started')\nprint(json.dumps(sys.argv[1:]))\nsys.exit(int('{code}'))\n"
CALLS = []
LOGGED = []


class Keys(beam_dataflow.DataflowParamKeys):
    runner = "runner"
    project = "project"
    zone = "zone"
    region = "region"
    staging_location = "stagingLocation"
    temp_location = "tempLocation"
    gcp_temp_location = "gcpTempLocation"
    num_workers = "numWorkers"
    autoscaling_algorithm = "autoscalingAlgorithm"
    max_num_workers = "maxNumWorkers"
    disk_size_gb = "diskSizeGb"
    worker_machine_type = "workerMachineType"
    worker_disk_type = "workerDiskType"
    job_name = "jobName"
    service_account = "serviceAccount"
    network = "network"
    subnetwork = "subnetwork"
    labels = "labels"


class Data(luigi.ExternalTask):
    name = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(f"data/{self.name}/")


class TwoOutputs(luigi.ExternalTask):
    def output(self):
        return {
            "left": luigi.LocalTarget("data/left"),
            "right": gcs.GCSTarget("gs://b/right", client=object()),
        }


class Job(beam_dataflow.BeamDataflowJobTask):
    dataflow_params = Keys()
    code = 0
    inputs = None

    def dataflow_executable(self):
        return [sys.executable, "-c", JOB.format(code=self.code)]

    def requires(self):
        return self.inputs if self.inputs is not None else Data(name="plain")

    def output(self):
        return luigi.LocalTarget("out/simple.txt")

    def before_run(self):
        CALLS.append("before_run")

    def on_successful_run(self):
        CALLS.append("on_successful_run")

    def validate_output(self):
        CALLS.append("validate_output")
        return self.code == 0 and not getattr(self, "refuse", False)

    def on_successful_output_validation(self):
        CALLS.append("on_successful_output_validation")

    def cleanup_on_error(self, error):
        CALLS.append(f"cleanup_on_error {type(error).__name__}")
        print(CALLS[-1], file=sys.stderr)


class Full(Job):
    project = "a-project"
    runner = "DataflowRunner"
    temp_location = "gs://tmp"
    staging_location = "gs://staging"
    gcp_temp_location = "gs://gcp-tmp"
    num_workers = 3
    autoscaling_algorithm = "THROUGHPUT_BASED"
    max_num_workers = 7
    network = "net"
    subnetwork = "subnet"
    disk_size_gb = 50
    worker_machine_type = "n1-standard-4"
    job_name = "the-job"
    worker_disk_type = "pd-ssd"
    service_account = "robot@example.com"
    zone = "europe-west1-c"
    region = "europe-west1"
    labels = {"team": "data", "env": "test"}

    def args(self):
        return ["--extra=1", "--flag"]

    def output(self):
        return {
            "table": bigquery.BigQueryTarget("p", "d", "t", client=object()),
            "files": gcs.GCSTarget("gs://b/out", client=object()),
        }


class Patterns(Job):
    def requires(self):
        return {
            "first": Data(name="one"),
            "second": Data(name="two"),
            "pair": TwoOutputs(),
            "many": [Data(name="x"), Data(name="y")],
        }

    def file_pattern(self):
        return {"second": "*.avro", "pair": "*.txt"}


def command(step):
    try:
        return step._mk_cmd_line()[3:]  # the interpreter and the job's code left out
    except Exception as exc:
        return [type(exc).__name__, str(exc)]


def ran(step):
    del CALLS[:], LOGGED[:]
    try:
        step.run()
        outcome = "ok"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    return [outcome, list(CALLS), [line.replace(sys.executable, "PYTHON") for line in LOGGED]]


def variant(name, **attributes):
    """A Job subclass changed by ``attributes``: the job steps take no parameters, and Job() is one
    cached instance."""
    return type(name, (Job,), attributes)()


class Recorder(logging.Handler):
    def emit(self, record):
        LOGGED.append(record.getMessage().split("\n")[0])


if __name__ == "__main__":
    if sys.argv[1:] == ["fail"]:  # a worker process whose job fails
        variant("Failing", code=3).run()
        sys.exit(0)
    logging.getLogger("luigi-interface").addHandler(Recorder())
    logging.getLogger("luigi-interface").setLevel(logging.INFO)
    failed = subprocess.run([sys.executable, sys.argv[0], "fail"], capture_output=True, text=True)
    result = {
        "commands": {
            name: command(step)
            for name, step in [
                ("simple", Job()),
                ("full", Full()),
                ("patterns", Patterns()),
                ("list", variant("List", inputs=[Data(name="l1"), Data(name="l2")])),
                # (requires() giving a (name, step) tuple or an int is left out: Luigi's input() fails
                # on those before beam_dataflow sees them, trun's passes them on)
                ("bad_runner", variant("BadRunner", runner="SparkRunner")),
                ("bad_pattern", variant("BadPattern", file_pattern=lambda self: ["x"])),
                ("bad_output", variant("BadOutput", output=lambda self: [luigi.LocalTarget("x")])),
            ]
        },
        "ran": ran(Full()),
        "refused": ran(variant("Refused", refuse=True)),
        "failed": [failed.returncode, [line for line in failed.stderr.splitlines() if "cleanup" in line]],
        "target_paths": [
            beam_dataflow.BeamDataflowJobTask.get_target_path(luigi.LocalTarget("l")),
            beam_dataflow.BeamDataflowJobTask.get_target_path(
                bigquery.BigQueryTarget("p", "d", "t", client=object())
            ),
        ],
        "unsupported_target": command(variant("Odd", output=lambda self: luigi.mock.MockTarget("m"))),
        "bulk": issubclass(Job, luigi.task.MixinNaiveBulkComplete),
        "defaults": [Job.runner, Job.labels, Job.cmd_line_runner.__name__, os.path.exists("out")],
    }
    try:
        variant("NoKeys", dataflow_params=None)
    except ValueError as exc:
        result["no_keys"] = str(exc)
    try:
        beam_dataflow.DataflowParamKeys()
    except TypeError:
        result["abstract_keys"] = True
    print(json.dumps(result))
