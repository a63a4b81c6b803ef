"""Google Cloud Dataproc from trun, as Luigi's ``luigi.contrib.dataproc``: steps creating and
deleting a cluster, and running Spark or PySpark jobs on it.  Needs ``google-api-python-client``
(``pip install 'trun[dataproc]'``).

The steps' client (``dataproc_client``) is, unless a step class is given its own, the module's:
the one ``set_dataproc_client`` set, else one built from the application default credentials
when a step first needs it.  (Luigi builds it when the module is imported, and its import fails
without credentials; trun's import needs none and asks nothing of the network.)  Every step says its project
(``--gcloud-project-id``), cluster (``--dataproc-cluster-name``) and region (``global`` unless told).
Steps poll Dataproc until the cluster or job is ready (every 10 s for clusters, 5 s for jobs).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import trun
from trun.contrib import gcp

logger = logging.getLogger("trun-interface")

_dataproc_client = None
DEFAULT_CREDENTIALS = None
authenticate_kwargs: dict[str, Any] = {}

try:
    import google.auth
    from googleapiclient import discovery
    from googleapiclient.errors import HttpError
except ImportError:
    discovery = HttpError = None  # type: ignore[assignment,misc]
    logger.warning(
        "Loading the Dataproc module without the python packages googleapiclient and google-auth: "
        "using Dataproc will fail (pip install 'trun[dataproc]')"
    )


def _build_default_client() -> Any:
    """Dataproc's client from the application default credentials (kept in the module)."""
    global DEFAULT_CREDENTIALS
    DEFAULT_CREDENTIALS, _ = google.auth.default()
    authenticate_kwargs.update(gcp.get_authenticate_kwargs(DEFAULT_CREDENTIALS))
    return discovery.build("dataproc", "v1", cache_discovery=False, **authenticate_kwargs)


def get_dataproc_client() -> Any:
    """The client the steps use unless given theirs: the one set, else one built (on this first
    call) from the application default credentials; None without the client libraries."""
    global _dataproc_client
    if _dataproc_client is None and discovery is not None:
        _dataproc_client = _build_default_client()
    return _dataproc_client


def set_dataproc_client(client: Any) -> None:
    global _dataproc_client
    _dataproc_client = client


class _ModuleClient:
    """``dataproc_client`` of the step classes until one is assigned: ``get_dataproc_client()``,
    asked when a step first uses it (Luigi builds it when the module is imported).  Read from a
    class, it is the module's client as it is, None before one is set or built."""

    def __get__(self, step: Any, owner: type) -> Any:
        if step is None:  # the class looked over (its parameters listed): the client as it is now
            return _dataproc_client
        return get_dataproc_client()


def _not_found(exc: Any) -> bool:
    return exc.resp.status == 404


class _DataprocBaseStep(trun.Step):
    gcloud_project_id = trun.Parameter(significant=False, positional=False)
    dataproc_cluster_name = trun.Parameter(significant=False, positional=False)
    dataproc_region = trun.Parameter(default="global", significant=False, positional=False)

    dataproc_client: Any = _ModuleClient()

    def _regions(self) -> Any:
        return self.dataproc_client.projects().regions()


class DataprocBaseStep(_DataprocBaseStep):
    """A step running one job on the cluster; ``DataprocSparkStep`` and ``DataprocPysparkStep``
    are the ready ones, this the base for other kinds (``submit_job`` with Dataproc's job body)."""

    _job = None
    _job_name = None
    _job_id = None

    def submit_job(self, job_config: dict) -> dict:
        self._job = (
            self._regions()
            .jobs()
            .submit(projectId=self.gcloud_project_id, region=self.dataproc_region, body=job_config)
            .execute()
        )
        self._job_id = self._job["reference"]["jobId"]
        return self._job

    def _submit(self, kind: str, spec: dict, named_by: str) -> dict:
        self.submit_job({"job": {"placement": {"clusterName": self.dataproc_cluster_name}, kind: spec}})
        self._job_name = os.path.basename(self._job[kind][named_by])  # type: ignore[index]
        logger.info(f"Submitted new dataproc job:{self._job_name} id:{self._job_id}")
        return self._job  # type: ignore[return-value]

    def submit_spark_job(self, jars: list[str], main_class: str, job_args: list[str] | None = None) -> dict:
        spec = {"args": job_args or [], "mainClass": main_class, "jarFileUris": jars}
        return self._submit("sparkJob", spec, "mainClass")

    def submit_pyspark_job(
        self, job_file: str, extra_files: list[str] | None = None, job_args: list[str] | None = None
    ) -> dict:
        spec = {
            "mainPythonFileUri": job_file,
            "pythonFileUris": list(extra_files or []),
            "args": job_args or [],
        }
        return self._submit("pysparkJob", spec, "mainPythonFileUri")

    def wait_for_job(self) -> None:
        """Poll the submitted job until it is DONE; ERROR raises with Dataproc's details."""
        if self._job is None:
            raise Exception("You must submit a job before you can wait for it")
        while True:
            result = (
                self._regions()
                .jobs()
                .get(projectId=self.gcloud_project_id, region=self.dataproc_region, jobId=self._job_id)
                .execute()
            )
            status = result["status"]["state"]
            logger.info(f"Current dataproc status: {status} job:{self._job_name} id:{self._job_id}")
            if status == "DONE":
                return
            if status == "ERROR":
                raise Exception(result["status"]["details"])
            time.sleep(5)


def _split(value: str) -> list[str]:
    return value.split(",") if value else []


class DataprocSparkStep(DataprocBaseStep):
    """A Spark job: ``main_class`` from the comma-separated ``jars``, with comma-separated ``job_args``."""

    main_class = trun.Parameter()
    jars = trun.Parameter(default="")
    job_args = trun.Parameter(default="")

    def run(self) -> None:
        self.submit_spark_job(
            main_class=self.main_class, jars=_split(self.jars), job_args=_split(self.job_args)
        )
        self.wait_for_job()


class DataprocPysparkStep(DataprocBaseStep):
    """A PySpark job: ``job_file`` with the comma-separated ``extra_files`` and ``job_args``."""

    job_file = trun.Parameter()
    extra_files = trun.Parameter(default="")
    job_args = trun.Parameter(default="")

    def run(self) -> None:
        self.submit_pyspark_job(
            job_file=self.job_file, extra_files=_split(self.extra_files), job_args=_split(self.job_args)
        )
        self.wait_for_job()


class CreateDataprocClusterStep(_DataprocBaseStep):
    """Create the cluster (complete when it exists) and wait until it is RUNNING."""

    gcloud_zone = trun.Parameter(default="europe-west1-c")
    gcloud_network = trun.Parameter(default="default")

    master_node_type = trun.Parameter(default="n1-standard-2")
    master_disk_size = trun.Parameter(default="100")
    worker_node_type = trun.Parameter(default="n1-standard-2")
    worker_disk_size = trun.Parameter(default="100")
    worker_normal_count = trun.Parameter(default="2")
    worker_preemptible_count = trun.Parameter(default="0")
    image_version = trun.Parameter(default="")

    def _get_cluster_status(self) -> dict:
        return (
            self._regions()
            .clusters()
            .get(
                projectId=self.gcloud_project_id,
                region=self.dataproc_region,
                clusterName=self.dataproc_cluster_name,
            )
            .execute()
        )

    def complete(self) -> bool:
        try:
            self._get_cluster_status()
        except HttpError as exc:
            if _not_found(exc):
                return False
            raise
        return True

    def _cluster_config(self) -> dict:
        base_uri = f"https://www.googleapis.com/compute/v1/projects/{self.gcloud_project_id}"
        zone_uri = f"{base_uri}/zones/{self.gcloud_zone}"
        return {
            "clusterName": self.dataproc_cluster_name,
            "projectId": self.gcloud_project_id,
            "config": {
                "configBucket": "",
                "gceClusterConfig": {
                    "networkUri": f"{base_uri}/global/networks/{self.gcloud_network}",
                    "zoneUri": zone_uri,
                    "serviceAccountScopes": ["https://www.googleapis.com/auth/cloud-platform"],
                },
                "masterConfig": {
                    "numInstances": 1,
                    "machineTypeUri": f"{zone_uri}/machineTypes/{self.master_node_type}",
                    "diskConfig": {"bootDiskSizeGb": self.master_disk_size, "numLocalSsds": 0},
                },
                "workerConfig": {
                    "numInstances": self.worker_normal_count,
                    "machineTypeUri": f"{zone_uri}/machineTypes/{self.worker_node_type}",
                    "diskConfig": {"bootDiskSizeGb": self.worker_disk_size, "numLocalSsds": 0},
                },
                "secondaryWorkerConfig": {
                    "numInstances": self.worker_preemptible_count,
                    "isPreemptible": True,
                },
                "softwareConfig": {"imageVersion": self.image_version} if self.image_version else {},
            },
        }

    def run(self) -> None:
        self._regions().clusters().create(
            projectId=self.gcloud_project_id, region=self.dataproc_region, body=self._cluster_config()
        ).execute()
        while True:
            time.sleep(10)
            status = self._get_cluster_status()["status"]
            logger.info(
                f"Creating new dataproc cluster: {self.dataproc_cluster_name} status: {status['state']}"
            )
            if status["state"] == "RUNNING":
                return
            if status["state"] == "ERROR":
                raise Exception(status["details"])


class DeleteDataprocClusterStep(_DataprocBaseStep):
    """Delete the cluster (complete when there is none) and wait until it is gone.  A step that
    requires the job steps, which require the cluster's creation, makes a cluster for one run."""

    def _get_cluster_status(self) -> dict | None:
        try:
            return (
                self._regions()
                .clusters()
                .get(
                    projectId=self.gcloud_project_id,
                    region=self.dataproc_region,
                    clusterName=self.dataproc_cluster_name,
                    fields="status",
                )
                .execute()
            )
        except HttpError as exc:
            if _not_found(exc):
                return None
            raise

    def complete(self) -> bool:
        return self._get_cluster_status() is None

    def run(self) -> None:
        self._regions().clusters().delete(
            projectId=self.gcloud_project_id,
            region=self.dataproc_region,
            clusterName=self.dataproc_cluster_name,
        ).execute()
        while True:
            time.sleep(10)
            status = self._get_cluster_status()
            if status is None:
                logger.info(f"Finished shutting down cluster: {self.dataproc_cluster_name}")
                return
            logger.info(
                f"Shutting down cluster: {self.dataproc_cluster_name} current status: "
                f"{status['status']['state']}"
            )
