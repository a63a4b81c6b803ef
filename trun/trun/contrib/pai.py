"""Steps run as jobs of a Microsoft OpenPAI cluster through its REST server, as Luigi's
``luigi.contrib.pai`` (``requests``: ``pip install 'trun[pai]'``).

A ``PaiStep`` names its job (``name``), the Docker ``image`` and its step roles (``steps``: a list
of ``StepRole``, each with a command and the resources of its tasks).  Making the step asks the
server for a token (``POST <pai_url>/api/v1/token`` with the ``[OpenPai]`` username, password and
expiration); ``run()`` submits the job (``POST /api/v1/jobs`` with the token, expecting ``202``) and
asks for its state (``GET /api/v1/jobs/<name>``) every 5 seconds until it leaves ``UNKNOWN``,
``WAITING`` and ``RUNNING``: ``SUCCEED`` ends the step, any other state is a ``RuntimeError``.
``complete()`` is whether the job's state is ``SUCCEED`` (a missing job is not complete).

The job travels in OpenPAI's own field names (``jobName``, ``taskRoles``, ``taskNumber``...); the
classes take trun's spelling too (``StepRole(stepNumber=...)``, ``PaiJob.stepRoles``) and store
OpenPAI's.
"""

from __future__ import annotations

import abc
import json
import logging
import time
from typing import Any
from urllib.parse import urljoin

import trun

logger = logging.getLogger("trun-interface")

try:
    import requests as rs
    from requests.exceptions import HTTPError
except ImportError:
    logger.warning("requests is not installed. PaiStep requires requests.")


def slot_to_dict(o: Any) -> dict[str, Any]:
    """The fields of ``o`` (named in its ``__slots__``) that are set and not None: how a job and its
    parts become JSON (``json.dumps(job, default=slot_to_dict)``)."""
    fields: dict[str, Any] = {}
    for key in o.__slots__:
        if key.startswith("__"):
            continue
        value = getattr(o, key, None)
        if value is not None:
            fields[key] = value
    return fields


def _alias(field: str) -> property:
    """trun's spelling of an OpenPAI field (``stepRoles`` for ``taskRoles``)."""
    return property(lambda self: getattr(self, field), lambda self, value: setattr(self, field, value))


class PaiJob:
    """An OpenPAI job: its name, Docker image and step roles, plus optional directories, virtual
    cluster, GPU type and retry count (OpenPAI's job_tutorial.md describes each field)."""

    __slots__ = ("jobName", "image", "authFile", "dataDir", "outputDir", "codeDir", "virtualCluster",
                 "taskRoles", "gpuType", "retryCount")

    stepRoles = _alias("taskRoles")

    def __init__(self, jobName: str, image: str, steps: list[StepRole]) -> None:  # noqa: N803 (OpenPAI's)
        """``jobName`` must be unique on the cluster; ``steps`` needs at least one role."""
        self.jobName = jobName
        self.image = image
        if not isinstance(steps, list) or not steps:
            raise TypeError("you must specify one step at least.")
        self.taskRoles = steps


class Port:
    """Ports a step role's tasks reserve: ``port_number`` of them labelled ``label``, from
    ``begin_at`` (0: any)."""

    __slots__ = ("label", "beginAt", "portNumber")

    def __init__(self, label: str, begin_at: int = 0, port_number: int = 1) -> None:
        self.label = label
        self.beginAt = begin_at
        self.portNumber = port_number


class StepRole:
    """One role of an OpenPAI job (OpenPAI's "taskRole"): ``stepNumber`` tasks running ``command``,
    each with ``cpuNumber`` CPUs, ``memoryMB`` of memory, ``shmMB`` of shared memory, ``gpuNumber``
    GPUs and the ports in ``portList``."""

    __slots__ = ("name", "taskNumber", "cpuNumber", "memoryMB", "shmMB", "gpuNumber", "portList",
                 "command", "minFailedTaskCount", "minSucceededTaskCount")

    stepNumber = _alias("taskNumber")
    minFailedStepCount = _alias("minFailedTaskCount")
    minSucceededStepCount = _alias("minSucceededTaskCount")

    def __init__(self, name: str, command: str, stepNumber: int = 1, cpuNumber: int = 1,  # noqa: N803
                 memoryMB: int = 2048, shmMB: int = 64, gpuNumber: int = 0,  # noqa: N803
                 portList: list[Port] | None = None) -> None:  # noqa: N803
        self.name = name
        self.command = command
        self.taskNumber = stepNumber
        self.cpuNumber = cpuNumber
        self.memoryMB = memoryMB
        self.shmMB = shmMB
        self.gpuNumber = gpuNumber
        self.portList = [] if portList is None else portList


class OpenPai(trun.Config):
    """The ``[OpenPai]`` section: the REST server and the account its token is asked for."""

    pai_url = trun.Parameter(default="http://127.0.0.1:9186", description="the OpenPAI REST server's URL")
    username = trun.Parameter(default="admin", description="the OpenPAI user")
    password = trun.Parameter(default=None, description="the user's password")
    expiration = trun.IntParameter(default=3600, description="how long the token lasts, in seconds")


_RUNNING_STATES = ("UNKNOWN", "WAITING", "RUNNING")


class PaiStep(trun.Step):
    """A step that is an OpenPAI job (see the module's documentation): define ``name``, ``image``
    and ``steps``; the other job fields have defaults."""

    __POLL_TIME = 5  # seconds between two state requests while the job runs

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The job's name, unique on the cluster."""

    @property
    @abc.abstractmethod
    def image(self) -> str:
        """The Docker image every task of the job runs in."""

    @property
    @abc.abstractmethod
    def steps(self) -> list[StepRole]:
        """The job's roles: at least one ``StepRole``."""

    @property
    def auth_file_path(self) -> str | None:
        """A Docker registry authentication file on HDFS (optional)."""
        return None

    @property
    def data_dir(self) -> str | None:
        """The job's data directory on HDFS (optional)."""
        return None

    @property
    def code_dir(self) -> str | None:
        """The job's code directory on HDFS (optional; no data, under 200 MB)."""
        return None

    @property
    def output_dir(self) -> str:
        """Where the job writes on HDFS: ``$PAI_DEFAULT_FS_URI/<name>/output`` by default."""
        return f"$PAI_DEFAULT_FS_URI/{self.name}/output"

    @property
    def virtual_cluster(self) -> str:
        """The virtual cluster the job runs on."""
        return "default"

    @property
    def gpu_type(self) -> str | None:
        """The GPU type the tasks need (None: any)."""
        return None

    @property
    def retry_count(self) -> int:
        """How many times OpenPAI retries the job."""
        return 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.__init_token()

    def __init_token(self) -> None:
        self.__openpai = OpenPai()
        body = json.dumps({"username": self.__openpai.username, "password": self.__openpai.password,
                           "expiration": self.__openpai.expiration})
        logger.debug("Requesting token from OpenPai")
        response = rs.post(urljoin(self.__openpai.pai_url, "/api/v1/token"),
                           headers={"Content-Type": "application/json"}, data=body)
        logger.debug("Get token response %s", response.text)
        if response.status_code != 200:
            message = f"Get token request failed, response is {response.text}"
            logger.error(message)
            raise Exception(message)
        self.__token = response.json()["token"]

    def __check_job_status(self) -> bool:
        """False while the job runs, True once it SUCCEEDed; raises HTTPError when the server does
        not know it (or fails), RuntimeError when it ended otherwise."""
        response = rs.get(urljoin(self.__openpai.pai_url, f"/api/v1/jobs/{self.name}"))
        logger.debug("Check job response %s", response.text)
        if response.status_code == 404:
            message = f"Job {self.name} is not found"
            logger.debug(message)
            raise HTTPError(message, response=response)
        if response.status_code != 200:
            message = f"Get job request failed, response is {response.text}"
            logger.error(message)
            raise HTTPError(message, response=response)
        state = response.json()["jobStatus"]["state"]
        if state in _RUNNING_STATES:
            logger.debug("Job %s is running in state %s", self.name, state)
            return False
        message = f"Job {self.name} finished in state {state}"
        logger.info(message)
        if state != "SUCCEED":
            raise RuntimeError(message)
        return True

    def _job(self) -> PaiJob:
        job = PaiJob(self.name, self.image, self.steps)
        job.virtualCluster = self.virtual_cluster
        job.authFile = self.auth_file_path
        job.codeDir = self.code_dir
        job.dataDir = self.data_dir
        job.outputDir = self.output_dir
        job.retryCount = self.retry_count
        job.gpuType = self.gpu_type
        return job

    def run(self) -> None:
        body = json.dumps(self._job(), default=slot_to_dict)
        logger.debug("Submit job request %s", body)
        response = rs.post(urljoin(self.__openpai.pai_url, "/api/v1/jobs"),
                           headers={"Content-Type": "application/json",
                                    "Authorization": f"Bearer {self.__token}"},
                           data=body)
        logger.debug("Submit job response %s", response.text)
        if response.status_code != 202:  # OpenPAI accepts a job with 202
            message = f"Submit job failed, response code is {response.status_code}, body is {response.text}"
            logger.error(message)
            raise HTTPError(message, response=response)
        while not self.__check_job_status():
            time.sleep(self.__POLL_TIME)

    def output(self) -> Any:
        # Luigi's wraps itself in an HdfsTarget of luigi.contrib.hdfs, which trun does not have
        raise AttributeError("module 'trun.contrib' has no attribute 'hdfs'")

    def complete(self) -> bool:
        try:
            return self.__check_job_status()
        except (HTTPError, RuntimeError):
            return False
