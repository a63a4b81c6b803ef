"""Scenario: luigi.contrib.docker_runner's calls on docker's APIClient, with no daemon: the client
class is replaced by a recorder (as a user's unit test would) that answers as a daemon does, and
the scenario reports each DockerTask's calls, outcome, log levels and temporary directory.

Cases: the defaults (pull of a missing alpine:latest, a nameless container, removal); a named task
whose clash removal and final removal fail, exiting 2 (ContainerError with the logs' stderr);
an image the daemon does not have at create time (ImageNotFound); a failed pull (APIError); a
daemon URL with force_pull and a bare-int wait status (docker-py < 3); no tmp mount, a string
bind, extra options and no auto_remove; and a class-level environment dict that gets the
tmp-dir variable stored into it.
"""

import json
import logging
import os
import re
import shutil

import docker
from docker.errors import APIError, ContainerError, ImageNotFound

LOG_LEVELS = []


class Levels(logging.Handler):
    def emit(self, record):
        LOG_LEVELS.append(record.levelname)


logging.getLogger("luigi-interface").addHandler(Levels())
logging.getLogger("luigi-interface").setLevel(logging.DEBUG)


class Recorder:
    """Stands in for docker.APIClient: records calls, answers from the class's settings."""

    calls = []
    images_present = False
    wait_answer = {"StatusCode": 0}
    failing_removals = ()
    create_error = None
    pull_error = None

    def __init__(self, base_url=None, *args, **kwargs):
        Recorder.calls.append(["APIClient", [base_url, *args], kwargs])

    def _record(self, name, args, kwargs):
        Recorder.calls.append([name, list(args), kwargs])

    def images(self, *args, **kwargs):
        self._record("images", args, kwargs)
        return [{"Id": "sha256:img"}] if self.images_present else []

    def pull(self, *args, **kwargs):
        self._record("pull", args, kwargs)
        if self.pull_error:
            raise self.pull_error
        return iter([b'{"status": "Pulling"}', b'{"status": "Downloaded"}'])

    def remove_container(self, *args, **kwargs):
        self._record("remove_container", args, kwargs)
        if args[0] in self.failing_removals:
            raise APIError("removal refused", explanation=f"No such container: {args[0]}")

    def create_host_config(self, *args, **kwargs):
        self._record("create_host_config", args, kwargs)
        return {"host_config": kwargs}

    def create_container(self, *args, **kwargs):
        self._record("create_container", args, kwargs)
        if self.create_error:
            raise self.create_error
        return {"Id": "c0ffee", "Warnings": []}

    def start(self, *args, **kwargs):
        self._record("start", args, kwargs)

    def wait(self, *args, **kwargs):
        self._record("wait", args, kwargs)
        return self.wait_answer

    def logs(self, *args, **kwargs):
        self._record("logs", args, kwargs)
        return b"it went wrong\n"


docker.APIClient = Recorder
from luigi.contrib.docker_runner import DockerTask  # noqa: E402  (after the client is replaced)


def clean(value):
    text = re.sub(r"(luigi-docker-tmp-dir-)[a-z0-9_]{8}", r"\1<random>", json.dumps(value))
    return json.loads(text)


def case(make, **settings):
    """Make the task and run it with the recorder set up as ``settings`` say."""
    defaults = {"images_present": False, "wait_answer": {"StatusCode": 0}, "failing_removals": (),
                "create_error": None, "pull_error": None}
    for key, value in {**defaults, **settings}.items():
        setattr(Recorder, key, value)
    Recorder.calls = []
    del LOG_LEVELS[:]
    task = make()
    out = {}
    try:
        task.run()
        out["raised"] = None
    except ContainerError as e:
        out.update(raised="ContainerError", status=e.exit_status, stderr=e.stderr.decode(),
                   container=e.container, image=e.image, command=e.command)
    except APIError as e:
        out.update(raised=type(e).__name__, explanation=e.explanation)
    tmp = getattr(task, "_host_tmp_dir", None)
    out.update(calls=Recorder.calls, levels=LOG_LEVELS[:], tmp_left=os.path.exists(tmp) if tmp else None,
               image=task._image, binds=task._binds, volumes=task._volumes)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


class Defaults(DockerTask):
    pass


class ImageMissing(DockerTask):
    pass


class PullFails(DockerTask):
    pass


class Named(DockerTask):
    name = "luigi-named"
    image = "busybox:1.36"
    command = ["sh", "-c", "exit 2"]


class CustomEnvironment(DockerTask):
    environment = {"A": "1"}
    binds = ["/data:/data", "/etc/hosts:/etc/hosts:ro"]
    container_tmp_dir = "/scratch"


class Remote(DockerTask):
    docker_url = "tcp://127.0.0.1:2375"
    force_pull = True
    image = "registry.example:5000/team/tool"


class Plain(DockerTask):
    mount_tmp = False
    auto_remove = False
    binds = "/srv/in:/in"
    network_mode = "host"
    name = "luigi-plain"

    @property
    def container_options(self):
        return {"user": "1000:1000", "working_dir": "/in"}

    @property
    def host_config_options(self):
        return {"shm_size": "64m"}


result = {
    "defaults": case(Defaults),
    "named_fails": case(Named, images_present=True, wait_answer={"StatusCode": 2, "Error": None},
                        failing_removals=("luigi-named", "c0ffee")),
    "image_not_found": case(ImageMissing, images_present=True,
                            create_error=ImageNotFound("gone", explanation="No such image: alpine:latest")),
    "pull_fails": case(PullFails, pull_error=APIError("pull refused", explanation="denied")),
    "remote": case(Remote, images_present=True, wait_answer=0),
    "plain": case(Plain, images_present=True),
    "custom_environment": case(CustomEnvironment, images_present=True),
    "environment_after": CustomEnvironment.environment,
}
print(json.dumps(clean(result)))
