"""Steps that run a Kubernetes Job and wait for it, as Luigi's ``luigi.contrib.kubernetes``; needs
pykube (``pip install 'trun[kubernetes]'``, the ``pykube-ng`` package) and a cluster.

A ``KubernetesJobStep`` subclass gives a ``name`` and a pod ``spec_schema``.  ``run()`` connects
(``auth_method``: ``kubeconfig``, from ``kubeconfig_path``, or ``service-account``, from inside a
pod), creates a ``batch/v1`` Job named ``<name>-<UTC %Y%m%d%H%M%S>-<16 hex digits>`` and labelled
``spawned_by=trun`` and ``trun_step_id=<uuid>`` (plus ``labels``, also on the pod template), with
``backoffLimit``, ``activeDeadlineSeconds`` when set, and ``restartPolicy: Never`` unless the spec
has one.  It then polls every ``poll_interval`` seconds: until the Job's pods run (a container
that terminated non-zero, waits for another reason than ContainerCreating, or a pod condition that
is False raises ``AssertionError``); then until the Job has a success (scaled to 0, logs printed
when ``print_pod_logs_on_exit``, deleted with its pods when ``delete_on_success``; then
``signal_complete()``) or more failures than ``max_retrials`` (scaled to 0, ``AssertionError``).

Defaults come from the ``[kubernetes]`` config section (class ``kubernetes``).  Tests of Luigi's
step reach its private helpers by their mangled names (``_KubernetesJobStep__track_job``, ...):
those names are kept.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import trun

logger = logging.getLogger("trun-interface")

try:
    from pykube.config import KubeConfig
    from pykube.http import HTTPClient
    from pykube.objects import Job, Pod
except ImportError:
    logger.warning("Loading the kubernetes module without the python package pykube-ng: a "
                   "KubernetesJobStep cannot run (pip install 'trun[kubernetes]')")


class kubernetes(trun.Config):  # noqa: N801 (the [kubernetes] section, named as Luigi's class)
    auth_method = trun.Parameter(default="kubeconfig",
                                 description="How to reach the cluster: kubeconfig or service-account")
    kubeconfig_path = trun.Parameter(default="~/.kube/config",
                                     description="The kubeconfig file, with auth_method = kubeconfig")
    max_retrials = trun.IntParameter(default=0, description="Failed pods tolerated before the job fails")
    kubernetes_namespace = trun.OptionalParameter(default=None,
                                                  description="The namespace of the jobs (the default: "
                                                              "the kubeconfig context's)")


class KubernetesJobStep(trun.Step):
    """Runs ``spec_schema`` as a Kubernetes Job; see the module's docstring."""

    __DEFAULT_POLL_INTERVAL = 5
    __DEFAULT_POD_CREATION_INTERVAL = 5
    _kubernetes_config = None  # the [kubernetes] section, read when first asked for

    def _init_kubernetes(self) -> None:
        self.__logger = logger
        self.__logger.debug("Reaching Kubernetes by %s", self.auth_method)
        if self.auth_method == "kubeconfig":
            self.__kube_api = HTTPClient(KubeConfig.from_file(self.kubeconfig_path))
        elif self.auth_method == "service-account":
            self.__kube_api = HTTPClient(KubeConfig.from_service_account())
        else:
            raise ValueError(f"Unknown Kubernetes auth_method {self.auth_method!r}: "
                             "expected kubeconfig or service-account")
        self.job_uuid = uuid.uuid4().hex
        started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.uu_name = f"{self.name}-{started}-{self.job_uuid[:16]}"

    @property
    def auth_method(self) -> str:
        """``kubeconfig`` (the default) or ``service-account``."""
        return self.kubernetes_config.auth_method

    @property
    def kubeconfig_path(self) -> str:
        """The kubeconfig file (``~/.kube/config`` by default); unused with a service account."""
        return self.kubernetes_config.kubeconfig_path

    @property
    def kubernetes_namespace(self) -> str | None:
        """The namespace the job runs in; ``None``: the kubeconfig context's (and pods and jobs
        are looked up in every namespace)."""
        return self.kubernetes_config.kubernetes_namespace

    @property
    def name(self) -> str:
        """The job's name, before the time and id ``run()`` appends."""
        raise NotImplementedError("a KubernetesJobStep subclass must define name")

    @property
    def labels(self) -> dict[str, str]:
        """More labels for the job and its pod template."""
        return {}

    @property
    def spec_schema(self) -> dict[str, Any]:
        """The pod template's spec: ``{"containers": [{"name": ..., "image": ..., "command": [...]}]}``;
        restartPolicy OnFailure restarts failing containers for ever, whatever max_retrials says."""
        raise NotImplementedError("a KubernetesJobStep subclass must define spec_schema")

    @property
    def max_retrials(self) -> int:
        """Failed pods tolerated before the step fails."""
        return self.kubernetes_config.max_retrials

    @property
    def backoff_limit(self) -> int:
        """The Job's backoffLimit: retries before Kubernetes marks it failed."""
        return 6

    @property
    def delete_on_success(self) -> bool:
        """Delete the Job and its pods once it succeeded."""
        return True

    @property
    def print_pod_logs_on_exit(self) -> bool:
        """Log the pods' logs when the Job ends."""
        return False

    @property
    def active_deadline_seconds(self) -> int | None:
        """The Job's activeDeadlineSeconds (``None``: not set)."""
        return None

    @property
    def kubernetes_config(self) -> kubernetes:
        if not self._kubernetes_config:
            self._kubernetes_config = kubernetes()
        return self._kubernetes_config

    @property
    def poll_interval(self) -> float:
        """Seconds between two looks at the job."""
        return self.__DEFAULT_POLL_INTERVAL

    @property
    def pod_creation_wait_interal(self) -> float:  # sic: Luigi's name
        """Seconds to wait once for the first pod of a job just created."""
        return self.__DEFAULT_POD_CREATION_INTERVAL

    def signal_complete(self) -> None:
        """Called once the job succeeded; override to mark completion (touch the output, ...)."""

    def __track_job(self) -> None:
        while not self.__verify_job_has_started():
            time.sleep(self.poll_interval)
            self.__logger.debug("Kubernetes job %s has not started yet", self.uu_name)
        self.__print_kubectl_hints()
        status = self.__get_job_status()
        while status == "RUNNING":
            self.__logger.debug("Kubernetes job %s still runs", self.uu_name)
            time.sleep(self.poll_interval)
            status = self.__get_job_status()
        assert status != "FAILED", f"Kubernetes job {self.uu_name} failed more than {self.max_retrials} times"
        self.__logger.info("Kubernetes job %s ended well", self.uu_name)
        self.signal_complete()

    def __get_pods(self) -> list[Any]:
        query = Pod.objects(self.__kube_api, namespace=self.kubernetes_namespace)
        items = query.filter(selector=f"job-name={self.uu_name}").response["items"]
        return [Pod(self.__kube_api, item) for item in items]

    def __get_job(self) -> Any:
        query = Job.objects(self.__kube_api, namespace=self.kubernetes_namespace)
        items = query.filter(selector=f"trun_step_id={self.job_uuid}").response["items"]
        assert len(items) == 1, f"Kubernetes has {len(items)} jobs {self.uu_name}, not one"
        return Job(self.__kube_api, items[0])

    def __print_pod_logs(self) -> None:
        for pod in self.__get_pods():
            logs = pod.logs(timestamps=True).strip()
            self.__logger.info("The logs of pod %s:", pod.name)
            for line in logs.split("\n") if logs else []:
                self.__logger.info(line)

    def __print_kubectl_hints(self) -> None:
        self.__logger.info("The pods' logs can be followed with:")
        for pod in self.__get_pods():
            self.__logger.info("`kubectl logs -f pod/%s -n %s`", pod.name, pod.namespace)

    @staticmethod
    def __check_pod(pod: Any) -> bool:
        """False while the pod's containers are not ready; AssertionError when it cannot run."""
        status = pod.obj["status"]
        for container in status.get("containerStatuses", []):
            state = container["state"]
            if "terminated" in state:
                ended = state["terminated"]
                assert ended["exitCode"] == 0, (f"A container of pod {pod.name} ended ({ended['reason']}) "
                                                f"with exit code {ended['exitCode']}: see "
                                                f"`kubectl logs pod/{pod.name}`")
            if "waiting" in state:
                reason = state["waiting"]["reason"]
                assert reason == "ContainerCreating", (f"A container of pod {pod.name} waits: {reason}; see "
                                                       f"`kubectl logs pod/{pod.name}`")
        for condition in status.get("conditions", []):
            if "message" in condition:
                if condition["reason"] == "ContainersNotReady":
                    return False
                assert condition["status"] != "False", (f"Pod {pod.name} is not {condition['type']}: "
                                                        f"{condition['reason']}, {condition['message']}")
        return True

    def __verify_job_has_started(self) -> bool:
        self.__get_job()  # asserts that it exists
        pods = self.__get_pods()
        if not pods:
            self.__logger.debug("Kubernetes job %s has no pod yet: waiting once", self.uu_name)
            time.sleep(self.pod_creation_wait_interal)
            pods = self.__get_pods()
        assert len(pods) > 0, f"Kubernetes job {self.uu_name} has no pod"
        # every pod is checked: the first one not ready ends the look (as a pod that cannot run does)
        for pod in pods:
            if not self.__check_pod(pod):
                return False
        return True

    def __get_job_status(self) -> str:
        """SUCCEEDED, FAILED or RUNNING; a job that ended is scaled to 0 (and, on success, deleted
        when ``delete_on_success``)."""
        job = self.__get_job()
        status = job.obj["status"]
        if status.get("succeeded", 0) > 0:
            job.scale(replicas=0)
            if self.print_pod_logs_on_exit:
                self.__print_pod_logs()
            if self.delete_on_success:
                self.__delete_job_cascade(job)
            return "SUCCEEDED"
        if "failed" in status:
            failed = status["failed"]
            self.__logger.debug("Kubernetes job %s has %s failed pods", self.uu_name, failed)
            if self.print_pod_logs_on_exit:
                self.__print_pod_logs()
            if failed > self.max_retrials:
                job.scale(replicas=0)  # no more retrials
                return "FAILED"
        return "RUNNING"

    def __delete_job_cascade(self, job: Any) -> None:
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        response = self.__kube_api.delete(json=options, **job.api_kwargs())
        if response.status_code != 200:
            self.__kube_api.raise_for_status(response)

    def run(self) -> None:
        self._init_kubernetes()
        labels = {"spawned_by": "trun", "trun_step_id": self.job_uuid, **self.labels}
        spec = {"backoffLimit": self.backoff_limit,
                "template": {"metadata": {"name": self.uu_name, "labels": dict(self.labels)},
                             "spec": self.spec_schema}}
        metadata: dict[str, Any] = {"name": self.uu_name, "labels": labels}
        if self.kubernetes_namespace is not None:
            metadata["namespace"] = self.kubernetes_namespace
        if self.active_deadline_seconds is not None:
            spec["activeDeadlineSeconds"] = self.active_deadline_seconds
        if "restartPolicy" not in self.spec_schema:
            spec["template"]["spec"]["restartPolicy"] = "Never"
        self.__logger.info("Creating Kubernetes job %s", self.uu_name)
        job = Job(self.__kube_api, {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
                                    "spec": spec})
        job.create()
        self.__logger.info("Following Kubernetes job %s", self.uu_name)
        self.__track_job()

    def output(self) -> Any:
        """None: override (or ``complete``) so that a finished job counts as done."""
        return None
