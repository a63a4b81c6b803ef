"""Apache Beam jobs (on Google Cloud Dataflow or locally) as trun steps, as Luigi's
``luigi.contrib.beam_dataflow``.

A ``BeamDataflowJobStep`` subclass says how to start its job (``dataflow_executable()``: the command
of a Java class, a Python file...) and which names the SDK gives the pipeline options
(``dataflow_params``: a ``DataflowParamKeys``, camelCase for Java, snake_case for Python).  The
step adds the options it has values for (``--runner=DataflowRunner``, ``--project=...``), then
``args()``, then one ``--<name>=<paths>`` per input (each input path followed by ``/part-*``, or
the pattern ``file_pattern()`` gives for it) and per output, and runs the command
(``cmd_line_runner``), logging its output.  A failed command ends the worker process with the
command's exit code, after ``cleanup_on_error``; ``validate_output()`` returning False fails the step.
"""

from __future__ import annotations

import abc
import json
import logging
import os
import subprocess
from typing import Any

import trun
from trun.contrib import bigquery, gcs
from trun.step import MixinNaiveBulkComplete, flatten

logger = logging.getLogger("trun-interface")

# the step's option attributes, in the order their arguments are given
_OPTIONS = (
    "project",
    "zone",
    "region",
    "staging_location",
    "temp_location",
    "gcp_temp_location",
    "num_workers",
    "autoscaling_algorithm",
    "max_num_workers",
    "disk_size_gb",
    "worker_machine_type",
    "worker_disk_type",
    "network",
    "subnetwork",
    "job_name",
    "service_account",
)


class DataflowParamKeys(metaclass=abc.ABCMeta):
    """The names an SDK gives Dataflow's pipeline options; each property is one name."""

    @property
    @abc.abstractmethod
    def runner(self) -> str: ...

    @property
    @abc.abstractmethod
    def project(self) -> str: ...

    @property
    @abc.abstractmethod
    def zone(self) -> str: ...

    @property
    @abc.abstractmethod
    def region(self) -> str: ...

    @property
    @abc.abstractmethod
    def staging_location(self) -> str: ...

    @property
    @abc.abstractmethod
    def temp_location(self) -> str: ...

    @property
    @abc.abstractmethod
    def gcp_temp_location(self) -> str: ...

    @property
    @abc.abstractmethod
    def num_workers(self) -> str: ...

    @property
    @abc.abstractmethod
    def autoscaling_algorithm(self) -> str: ...

    @property
    @abc.abstractmethod
    def max_num_workers(self) -> str: ...

    @property
    @abc.abstractmethod
    def disk_size_gb(self) -> str: ...

    @property
    @abc.abstractmethod
    def worker_machine_type(self) -> str: ...

    @property
    @abc.abstractmethod
    def worker_disk_type(self) -> str: ...

    @property
    @abc.abstractmethod
    def job_name(self) -> str: ...

    @property
    @abc.abstractmethod
    def service_account(self) -> str: ...

    @property
    @abc.abstractmethod
    def network(self) -> str: ...

    @property
    @abc.abstractmethod
    def subnetwork(self) -> str: ...

    @property
    @abc.abstractmethod
    def labels(self) -> str: ...


class _CmdLineRunner:
    """Runs a command, logging each line it prints (stdout and stderr together); a non-zero exit
    raises ``CalledProcessError`` with the output.  A step may name another runner class."""

    @staticmethod
    def run(cmd: list[str], step: Any = None) -> None:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, close_fds=True)
        lines = []
        for raw in iter(process.stdout.readline, b""):  # type: ignore[union-attr]
            line = raw.decode("utf-8")
            lines.append(line)
            logger.info(line.rstrip("\n"))
        process.stdout.close()  # type: ignore[union-attr]
        exit_code = process.wait()
        if exit_code:
            raise subprocess.CalledProcessError(exit_code, cmd, output="".join(lines))


class BeamDataflowJobStep(MixinNaiveBulkComplete, trun.Step, metaclass=abc.ABCMeta):
    """A Beam job run by a command; see the module's description.  Options left None (or empty)
    are not passed: ``project`` and ``temp_location`` are the ones Dataflow requires, ``runner``
    is ``DirectRunner`` unless set (``DataflowRunner`` is the other accepted), ``labels`` go as JSON.
    """

    project = None
    runner = None
    temp_location = None
    staging_location = None
    gcp_temp_location = None
    num_workers = None
    autoscaling_algorithm = None
    max_num_workers = None
    network = None
    subnetwork = None
    disk_size_gb = None
    worker_machine_type = None
    job_name = None
    worker_disk_type = None
    service_account = None
    zone = None
    region = None
    labels: dict[str, str] = {}

    cmd_line_runner = _CmdLineRunner
    dataflow_params = None

    def __init__(self) -> None:
        if not isinstance(self.dataflow_params, DataflowParamKeys):
            raise ValueError("dataflow_params must be of type DataflowParamKeys")
        super().__init__()

    @abc.abstractmethod
    def dataflow_executable(self) -> list[str]:
        """The command starting the job, e.g. ``["java", "com.example.MyPipeline"]``."""

    def args(self) -> list[str]:
        """More arguments for the job, after the options."""
        return []

    def before_run(self) -> None:
        """Called just before the command starts."""

    def on_successful_run(self) -> None:
        """Called when the command succeeded, before ``validate_output``."""

    def validate_output(self) -> bool:
        """Whether the output is right; False fails the step (after ``cleanup_on_error``)."""
        return True

    def file_pattern(self) -> dict[str, str]:
        """Per input name, the file pattern added to its paths instead of ``part-*``."""
        return {}

    def on_successful_output_validation(self) -> None:
        """Called when ``validate_output`` accepted the output."""

    def cleanup_on_error(self, error: BaseException) -> None:
        """Called with the error when the command failed or the output was refused."""

    def run(self) -> None:
        cmd_line = self._mk_cmd_line()
        logger.info(" ".join(cmd_line))
        self.before_run()
        try:
            self.cmd_line_runner.run(cmd_line, self)
        except subprocess.CalledProcessError as exc:
            logger.error(exc, exc_info=True)
            self.cleanup_on_error(exc)
            os._exit(exc.returncode)  # as Luigi: the worker process ends with the job's code
        self.on_successful_run()
        if not self.validate_output():
            error = ValueError("Output validation failed")
            self.cleanup_on_error(error)
            raise error
        self.on_successful_output_validation()

    def _mk_cmd_line(self) -> list[str]:
        cmd_line = self.dataflow_executable()
        cmd_line.extend(self._get_dataflow_args())
        cmd_line.extend(self.args())
        cmd_line.extend(self._format_input_args())
        cmd_line.extend(self._format_output_args())
        return cmd_line

    def _get_runner(self) -> str:
        if not self.runner:
            logger.warning("Runner not supplied to BeamDataflowJobStep. Defaulting to DirectRunner.")
            return "DirectRunner"
        if self.runner in ("DataflowRunner", "DirectRunner"):
            return self.runner
        raise ValueError(f"Runner {self.runner} is unsupported.")

    def _get_dataflow_args(self) -> list[str]:
        keys = self.dataflow_params
        out = [f"--{keys.runner}={self._get_runner()}"]  # type: ignore[union-attr]
        for option in _OPTIONS:
            value = getattr(self, option)
            if value:
                out.append(f"--{getattr(keys, option)}={value}")
        if self.labels:
            out.append(f"--{keys.labels}={json.dumps(self.labels)}")  # type: ignore[union-attr]
        return out

    def _format_input_args(self) -> list[str]:
        """``--<name>=<path>/<pattern>,...`` per input: a single target is named ``input``, a
        tuple ``(name, target)`` or a list of them names its own, a dict's keys are the names (a
        requirement with several outputs gives ``<name>-<output key>``), a plain list is ``input``."""
        job_input = self.input()
        if isinstance(job_input, trun.Target):
            job_input = {"input": job_input}
        elif isinstance(job_input, tuple):
            job_input = {job_input[0]: job_input[1]}
        elif isinstance(job_input, list):
            job_input = (
                dict(job_input) if all(isinstance(i, tuple) for i in job_input) else {"input": job_input}
            )
        elif not isinstance(job_input, dict):
            raise ValueError(
                "Invalid job input requires(). Supported types: [Target, tuple of (name, Target), "
                "dict of (name: Target), list of Targets]"
            )
        if not isinstance(self.file_pattern(), dict):
            raise ValueError("file_pattern() must return a dict type")
        args = []
        for name, targets in job_input.items():
            paths = [self.get_target_path(target) for target in flatten(targets)]
            names = [f"{name}-{key}" for key in targets] if isinstance(targets, dict) else [name] * len(paths)
            grouped: dict[str, list[str]] = {}
            for arg_name, path in zip(names, paths, strict=False):
                pattern = self.file_pattern().get(name, "part-*")
                grouped.setdefault(arg_name, []).append(path.rstrip("/") + "/" + pattern)
            args += [f"--{key}={','.join(values)}" for key, values in grouped.items()]
        return args

    def _format_output_args(self) -> list[str]:
        """``--<name>=<path>`` per output: a single target is ``output``, a dict's keys name theirs."""
        job_output = self.output()
        if isinstance(job_output, trun.Target):
            job_output = {"output": job_output}
        elif not isinstance(job_output, dict):
            raise ValueError("Step output must be a Target or a dict from String to Target")
        return [f"--{name}={self.get_target_path(target)}" for name, target in job_output.items()]

    @staticmethod
    def get_target_path(target: Any) -> str:
        """The path of a local or GCS target, ``project:dataset.table`` of a BigQuery one."""
        if isinstance(target, (trun.LocalTarget, gcs.GCSTarget)):
            return target.path
        if isinstance(target, bigquery.BigQueryTarget):
            return f"{target.table.project_id}:{target.table.dataset_id}.{target.table.table_id}"
        raise ValueError(f"Target {target} not supported")
