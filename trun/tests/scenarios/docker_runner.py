"""Scenario: luigi.contrib.docker_runner against a real Docker daemon and a local image (IMAGE, a
repository without a tag; PRESENT, a tag of it under an unreachable registry 127.0.0.1:1).

Containers write through a bind of ./shared; the scenario reports what they wrote, how each run
ended (exception, exit status, stderr), whether the temporary host directory and the container
were left, the pulls asked for, and the container's configuration as the daemon inspects it.
"""

import json
import os
import re
import shutil

import docker
import luigi
from docker.errors import APIError, ContainerError, NotFound
from luigi.contrib.docker_runner import DockerTask

IMAGE = os.environ["IMAGE"]
PRESENT = os.environ["PRESENT"]
WORK = os.getcwd()
SHARED = os.path.join(WORK, "shared")
os.makedirs(SHARED, exist_ok=True)
api = docker.APIClient()


def clean(value):
    """Paths and ids that differ between runs, made comparable."""
    text = json.dumps(value).replace(WORK, "<work>")
    text = re.sub(r"(luigi-docker-tmp-dir-)[a-z0-9_]{8}", r"\1<random>", text)
    return json.loads(re.sub(r"\b[0-9a-f]{64}\b", "<id>", text))


def inspect(name_or_id):
    info = api.inspect_container(name_or_id)
    config, host = info["Config"], info["HostConfig"]
    seen = clean({
        "name": info["Name"], "image": config["Image"], "cmd": config["Cmd"], "workdir": config["WorkingDir"],
        "env": sorted(e for e in config["Env"] or [] if not e.startswith("PATH=")),
        "volumes": sorted(config.get("Volumes") or {}), "binds": host["Binds"],
        "network": host["NetworkMode"], "read_only": host["ReadonlyRootfs"],
        "exit": info["State"]["ExitCode"],
        "mounts": [[m["Source"], m["Destination"], m["RW"]] for m in info["Mounts"]],
    })
    seen["mounts"].sort()  # the daemon's order is not the binds' (sorted once the paths are comparable)
    return seen


def gone(name):
    try:
        api.inspect_container(name)
        return False
    except NotFound:
        return True


def attempt(task):
    """Run ``task`` directly (as tests of DockerTask do), counting the pulls it asks for."""
    pulls = []
    real_pull = task._client.pull
    task._client.pull = lambda image, **kw: pulls.append(image) or real_pull(image, **kw)
    outcome = {"pulls": pulls}
    try:
        task.run()
        outcome["raised"] = None
    except ContainerError as e:
        outcome.update(raised="ContainerError", status=e.exit_status, stderr=e.stderr.decode(),
                       command=e.command, image=e.image, message=str(e))
    except APIError as e:
        outcome.update(raised=type(e).__name__, http=getattr(e.response, "status_code", None))
    outcome["tmp_left"] = os.path.exists(task._host_tmp_dir) if task.mount_tmp else None
    return outcome


class Write(DockerTask):
    """A class-level environment: the tmp-dir variable is stored into it and reaches the container."""
    image = IMAGE
    name = "luigi-docker-write"
    environment = {"GREETING": "hello"}
    binds = [f"{SHARED}:/shared"]
    auto_remove = False
    command = ["sh", "-c", "echo $GREETING > /shared/write.txt; echo $LUIGI_TMP_DIR >> /shared/write.txt;"
               " test -d /tmp/luigi && echo tmp-mounted >> /shared/write.txt"]


class DefaultEnvironment(DockerTask):
    """The default environment property: a new dict each time, so no tmp-dir variable inside."""
    image = IMAGE
    name = "luigi-docker-default-env"
    binds = f"{SHARED}:/shared"
    command = "sh -c 'env | grep -c LUIGI_TMP_DIR > /shared/default-env.txt; true'"


class Fails(DockerTask):
    image = IMAGE
    name = "luigi-docker-fails"
    command = ["sh", "-c", "echo partial > $0/fails.txt; echo broken pipe >&2; exit 3", "/shared"]
    binds = [f"{SHARED}:/shared"]


class Options(DockerTask):
    image = IMAGE
    mount_tmp = False
    auto_remove = False
    network_mode = "none"
    binds = f"{SHARED}:/shared:ro"
    command = "sh -c 'pwd > /tmp/pwd; ls /shared'"
    name = "luigi-docker-options"

    @property
    def container_options(self):
        return {"working_dir": "/shared", "user": "0:0"}

    @property
    def host_config_options(self):
        return {"read_only": False, "tmpfs": {"/tmp": ""}}


class Present(DockerTask):
    image = PRESENT
    name = "luigi-docker-present"
    command = "true"


class ForcePull(Present):
    force_pull = True


class Absent(DockerTask):
    image = "127.0.0.1:1/luigi-absent"
    command = "true"


class Built(DockerTask):
    """Run by a worker: its output is a file the container writes through the bind."""
    image = IMAGE
    name = "luigi-docker-built"
    binds = [f"{SHARED}:/shared"]
    command = "sh -c 'echo built > /shared/built.txt'"

    def output(self):
        return luigi.LocalTarget(os.path.join(SHARED, "built.txt"))


for leftover in ("write", "default-env", "fails", "options", "present", "built"):  # of a run cut short
    try:
        api.remove_container(f"luigi-docker-{leftover}", force=True)
    except NotFound:
        pass
# a stopped container holding Built's name: auto_remove with a name removes it first
api.create_container(IMAGE + ":latest", command="true", name="luigi-docker-built")

result = {}
write = Write()
result["write"] = [attempt(write), inspect("luigi-docker-write"), write._image, write._volumes]
api.remove_container("luigi-docker-write")
result["default_env"] = [attempt(DefaultEnvironment()), gone("luigi-docker-default-env")]
result["fails"] = [attempt(Fails()), gone("luigi-docker-fails")]
result["options"] = [attempt(Options()), inspect("luigi-docker-options")]
api.remove_container("luigi-docker-options")
result["present"] = attempt(Present())
result["force_pull"] = attempt(ForcePull())
result["absent"] = attempt(Absent())
result["built"] = [luigi.build([Built()], local_scheduler=True), gone("luigi-docker-built")]
result["again"] = luigi.build([Built()], local_scheduler=True, detailed_summary=True).status.name
result["shared"] = {name: open(os.path.join(SHARED, name)).read() for name in sorted(os.listdir(SHARED))}
for task in (Fails(), Present(), ForcePull(), Absent(), Built()):  # left by failures, or never run
    shutil.rmtree(task._host_tmp_dir, ignore_errors=True)
print(json.dumps(clean(result)))
