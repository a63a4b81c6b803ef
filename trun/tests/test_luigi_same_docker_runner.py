"""trun.contrib.docker_runner as Luigi's: DockerStep run by both engines against a real Docker daemon
(a local busybox image; no registry), and, with no daemon at all, the calls both make on a
recording stand-in for docker's APIClient."""

from __future__ import annotations

import docker
import docker_daemon
import pytest
from luigi_pair import same_result, scenario


def test_docker_step_calls_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("docker_runner_calls"))
    names = {case: [call[0] for call in outcome["calls"]] for case, outcome in result.items()
             if case != "environment_after"}
    assert names["defaults"] == ["APIClient", "images", "pull", "create_host_config", "create_container",
                                 "start", "wait", "remove_container"]
    assert result["defaults"]["calls"][4][2]["volumes"] == ["/tmp/trun"]
    assert result["defaults"]["tmp_left"] is False
    assert names["named_fails"] == ["APIClient", "images", "remove_container", "create_host_config",
                                    "create_container", "start", "wait", "logs", "remove_container"]
    assert result["named_fails"]["raised"] == "ContainerError" and result["named_fails"]["status"] == 2
    assert result["named_fails"]["levels"] == ["WARNING", "DEBUG", "WARNING", "ERROR"]
    assert result["image_not_found"]["raised"] == "ImageNotFound" and result["image_not_found"]["tmp_left"]
    assert result["pull_fails"]["raised"] == "APIError" and "create_host_config" not in names["pull_fails"]
    assert names["remote"][:2] == ["APIClient", "pull"] and result["remote"]["calls"][0][1] == [
        "tcp://127.0.0.1:2375"]
    assert "remove_container" not in names["plain"] and result["plain"]["volumes"] == ["/in"]
    assert result["environment_after"] == {"A": "1", "TRUN_TMP_DIR": "/scratch"}


@pytest.fixture(scope="module")
def images():
    docker_daemon.ready()
    image = docker_daemon.busybox_image()
    api = docker.APIClient()
    repository, tag = image.split(":")
    tags = ["trun-test-busybox:latest", "127.0.0.1:1/luigi-present:1", "127.0.0.1:1/trun-present:1"]
    for name in tags:
        api.tag(image, *name.rsplit(":", 1))
    yield
    for name in tags:
        api.remove_image(name)


def test_docker_step_same_as_luigi_on_a_real_daemon(tmp_path, images):
    env = {"IMAGE": "trun-test-busybox", "PRESENT": "127.0.0.1:1/luigi-present:1"}
    result = same_result(tmp_path, scenario("docker_runner"), env=env)
    run, config, image, volumes = result["write"]
    assert run == {"pulls": [], "raised": None, "tmp_left": False} and image == "trun-test-busybox:latest"
    assert config["env"] == ["GREETING=hello", "TRUN_TMP_DIR=/tmp/trun"]
    assert volumes == ["/tmp/trun", "/shared"]
    assert config["binds"][1] == "<work>/shared:/shared" and config["name"] == "/trun-docker-write"
    assert result["default_env"] == [{"pulls": [], "raised": None, "tmp_left": False}, True]
    fails, removed = result["fails"]
    assert [fails["raised"], fails["status"], fails["stderr"], fails["tmp_left"], removed] == [
        "ContainerError", 3, "broken pipe\n", True, True]
    options = result["options"][1]
    assert [options["network"], options["workdir"], options["mounts"]] == [
        "none", "/shared", [["<work>/shared", "/shared", False]]]
    assert result["present"]["pulls"] == [] and result["present"]["raised"] is None
    assert result["force_pull"]["pulls"] == ["127.0.0.1:1/trun-present:1"]
    assert [result["force_pull"]["raised"], result["absent"]["raised"]] == ["APIError", "APIError"]
    assert result["built"] == [True, True]
    assert result["shared"] == {"built.txt": "built\n", "default-env.txt": "0\n", "fails.txt": "partial\n",
                                "write.txt": "hello\n/tmp/trun\ntmp-mounted\n"}
