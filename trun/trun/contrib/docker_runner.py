"""Steps that run a command in a Docker container, as Luigi's ``luigi.contrib.docker_runner``; needs
the ``docker`` package (``pip install 'trun[docker_runner]'``) and a Docker daemon.

A ``DockerStep`` talks to the daemon through docker's low-level ``APIClient`` (at ``docker_url``,
or the environment's ``DOCKER_HOST``): the only API that binds a single host file into a container.
Its ``run()``:

  1. pulls ``image`` (``:latest`` added when the name has no ``:``) when ``force_pull`` is set or
     the daemon does not have it;
  2. with ``auto_remove`` and a ``name``, removes a left-over container of that name (errors
     ignored);
  3. creates the container with ``command``, ``environment``, the binds (a fresh host directory
     under /tmp mounted at ``container_tmp_dir`` when ``mount_tmp``, then ``binds``),
     ``network_mode`` and the extra ``host_config_options`` / ``container_options``, starts it
     and waits for it;
  4. removes the container when ``auto_remove``; a non-zero exit raises docker's
     ``ContainerError`` carrying the container's stderr; a missing image raises ``ImageNotFound``,
     other daemon errors ``APIError``;
  5. on success, deletes the temporary host directory.

Every knob is a property a subclass overrides (or a plain class attribute).  As in Luigi, the
constructor stores ``TRUN_TMP_DIR`` into whatever ``environment`` returns: the default property
returns a new dict each time, so the variable reaches the container only when ``environment`` is
a dict kept on the class or the instance.
"""

from __future__ import annotations

import logging
from tempfile import mkdtemp
from typing import Any

import trun
from trun.local_target import LocalFileSystem

logger = logging.getLogger("trun-interface")

try:
    import docker
    from docker.errors import APIError, ContainerError, ImageNotFound
except ImportError:
    logger.warning("Loading the docker_runner module without the python package docker: a DockerStep "
                   "cannot be made (pip install 'trun[docker_runner]')")
    docker = None


class DockerStep(trun.Step):
    """Runs ``command`` in a container of ``image``; see the module's docstring for the steps."""

    @property
    def image(self) -> str:
        return "alpine"

    @property
    def command(self) -> str | list[str]:
        return "echo hello world"

    @property
    def name(self) -> str | None:
        """The container's name; ``None`` lets Docker choose one."""
        return None

    @property
    def host_config_options(self) -> dict[str, Any]:
        """Extra keyword arguments of ``APIClient.create_host_config`` (shm_size, device_requests, ...)."""
        return {}

    @property
    def container_options(self) -> dict[str, Any]:
        """Extra keyword arguments of ``APIClient.create_container`` (user, ports, working_dir, ...)."""
        return {}

    @property
    def environment(self) -> dict[str, str]:
        return {}

    @property
    def container_tmp_dir(self) -> str:
        """Where the temporary host directory appears inside the container."""
        return "/tmp/trun"

    @property
    def binds(self) -> str | list[str] | None:
        """More ``host_path:container_path[:mode]`` binds: one string or a list of them."""
        return None

    @property
    def network_mode(self) -> str:
        return ""

    @property
    def docker_url(self) -> str | None:
        """The daemon's address; ``None``: docker's default (``DOCKER_HOST`` or the local socket)."""
        return None

    @property
    def auto_remove(self) -> bool:
        return True

    @property
    def force_pull(self) -> bool:
        return False

    @property
    def mount_tmp(self) -> bool:
        return True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if docker is None:
            raise ImportError("trun.contrib.docker_runner needs the 'docker' package "
                              "(pip install 'trun[docker_runner]' or pip install docker)")
        self._client = docker.APIClient(self.docker_url)
        self._image = self.image if ":" in self.image else f"{self.image}:latest"
        self._binds: list[str] = []
        if self.mount_tmp:
            # under /tmp explicitly: macOS's default temporary directory cannot be shared with Docker
            self._host_tmp_dir = mkdtemp(suffix=self.step_id, prefix="trun-docker-tmp-dir-", dir="/tmp")
            self._binds.append(f"{self._host_tmp_dir}:{self.container_tmp_dir}")
        self.environment["TRUN_TMP_DIR"] = self.container_tmp_dir
        extra = self.binds
        if isinstance(extra, str):
            self._binds.append(extra)
        elif isinstance(extra, list):
            self._binds.extend(extra)
        self._volumes = [bind.split(":")[1] for bind in self._binds]

    def _pull_if_needed(self) -> None:
        if not self.force_pull and self._client.images(name=self._image):
            return
        logger.info("Pulling docker image %s", self._image)
        try:
            for line in self._client.pull(self._image, stream=True):
                logger.debug(line.decode("utf-8"))
        except APIError as e:
            logger.warning("Docker API error while pulling %s: %s", self._image, e.explanation)
            raise

    def _remove_clashing_container(self) -> None:
        if not (self.auto_remove and self.name):
            return
        try:
            self._client.remove_container(self.name, force=True)
        except APIError as e:  # usually: there was no such container
            logger.warning("Docker API error ignored while removing container %s: %s", self.name,
                           e.explanation)

    def _run_container(self) -> None:
        host_config = self._client.create_host_config(binds=self._binds, network_mode=self.network_mode,
                                                      **self.host_config_options)
        logger.debug("Creating a container of %s running %s with binds %s", self._image, self.command,
                     self._binds)
        container = self._client.create_container(
            self._image, command=self.command, name=self.name, environment=self.environment,
            volumes=self._volumes, host_config=host_config, **self.container_options)
        self._client.start(container["Id"])
        status = self._client.wait(container["Id"])
        if isinstance(status, dict):  # docker >= 3 answers {"StatusCode": ..., "Error": ...}
            status = status["StatusCode"]
        stderr = None
        if status != 0:
            stderr = self._client.logs(container["Id"], stdout=False, stderr=True)
        if self.auto_remove:
            try:
                self._client.remove_container(container["Id"])
            except APIError:
                logger.warning("Container %s could not be removed", container["Id"])
        if status != 0:
            raise ContainerError(container, status, self.command, self._image, stderr)

    def run(self) -> None:
        self._pull_if_needed()
        self._remove_clashing_container()
        try:
            self._run_container()
        except ContainerError as e:
            logger.error("Container %s exited with a non-zero code: %s", self.name or "",
                         getattr(e, "message", str(e)))
            raise
        except ImageNotFound:
            logger.error("Docker image %s not found", self._image)
            raise
        except APIError as e:
            logger.error("Docker API error: %s", e.explanation)
            raise
        filesystem = LocalFileSystem()
        if self.mount_tmp and filesystem.exists(self._host_tmp_dir):
            filesystem.remove(self._host_tmp_dir, recursive=True)
