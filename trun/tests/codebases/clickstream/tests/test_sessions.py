"""The sessionizer container, with docker's client mocked."""

import json
from unittest import mock

import docker.errors
import luigi
import pytest
from clickstream.sessions import Sessionize
from conftest import DAY, SESSIONS


def test_pulls_the_image_when_missing(raw_day, docker_api):
    assert luigi.build([Sessionize(DAY)], local_scheduler=True)
    docker_api.pull.assert_called_once_with("clickstream/sessionizer:latest", stream=True)


def test_does_not_pull_an_image_it_has(raw_day, docker_api):
    docker_api.images.return_value = [{"Id": "sha256:1"}]
    assert luigi.build([Sessionize(DAY)], local_scheduler=True)
    docker_api.pull.assert_not_called()
    docker_api.images.assert_called_with(name="clickstream/sessionizer:latest")


def test_tagged_image_is_kept(raw_day, docker_api, config):
    config("clickstream", "sessionizer_image", "registry.local/sessionizer:2.1")
    assert luigi.build([Sessionize(DAY)], local_scheduler=True)
    assert docker_api.create_container.call_args.args == ("registry.local/sessionizer:2.1",)


def test_container_is_created_with_our_command_and_binds(raw_day, docker_api, workdir):
    assert luigi.build([Sessionize(DAY)], local_scheduler=True)
    kwargs = docker_api.create_container.call_args.kwargs
    assert kwargs["command"] == ["sessionize", "--in", "/work/clicks.tsv", "--out", "/work/sessions.jsonl"]
    assert kwargs["name"] == "sessionize-20240601"
    assert kwargs["environment"] == {"SESSION_GAP": "30"}
    assert kwargs["volumes"] == ["/tmp/luigi", "/work"]
    binds = docker_api.create_host_config.call_args.kwargs["binds"]
    assert binds[0].startswith("/tmp/luigi-docker-tmp-dir-") and binds[0].endswith(":/tmp/luigi")
    assert binds[1] == f"{workdir}/sessions/2024-06-01:/work"
    assert docker_api.create_host_config.call_args.kwargs["network_mode"] == ""
    docker_api.start.assert_called_once_with("c0ffee")


def test_clean_clicks_are_copied_out_for_the_container(raw_day, docker_api, workdir):
    luigi.build([Sessionize(DAY)], local_scheduler=True)
    copied = (workdir / "sessions/2024-06-01/clicks.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in copied] == ["ann", "ann", "bob"]


def test_sessions_written_by_the_container(raw_day, docker_api):
    assert luigi.build([Sessionize(DAY)], local_scheduler=True)
    with Sessionize(DAY).output().open("r") as f:
        assert [json.loads(line) for line in f] == SESSIONS


def test_clashing_container_removed_then_ours(raw_day, docker_api):
    luigi.build([Sessionize(DAY)], local_scheduler=True)
    assert docker_api.remove_container.call_args_list == [mock.call("sessionize-20240601", force=True),
                                                          mock.call("c0ffee")]


def test_gap_parameter(raw_day, docker_api):
    luigi.build([Sessionize(DAY, gap_minutes=45)], local_scheduler=True)
    assert docker_api.create_container.call_args.kwargs["environment"] == {"SESSION_GAP": "45"}


def test_failing_container_fails_the_task(raw_day, docker_api):
    docker_api.wait.return_value = {"StatusCode": 3}
    docker_api.start.side_effect = None
    docker_api.logs.return_value = b"sessionize: bad input"
    result = luigi.build([Sessionize(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    docker_api.logs.assert_called_once_with("c0ffee", stdout=False, stderr=True)
    assert not Sessionize(DAY).complete()


def test_failure_is_reported_as_a_container_error(raw_day, docker_api):
    docker_api.wait.return_value = 3  # older docker-py gives the bare status
    docker_api.start.side_effect = None
    docker_api.logs.return_value = b"boom"
    failures = []
    with mock.patch.object(Sessionize, "on_failure", lambda self, e: failures.append(e)):
        luigi.build([Sessionize(DAY)], local_scheduler=True)
    assert len(failures) == 1 and isinstance(failures[0], docker.errors.ContainerError)
    assert failures[0].exit_status == 3


def test_missing_image_is_an_error(raw_day, docker_api):
    docker_api.create_container.side_effect = docker.errors.ImageNotFound("no such image")
    docker_api.start.side_effect = None
    result = luigi.build([Sessionize(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.FAILED
    docker_api.start.assert_not_called()


def test_pull_error_is_raised(raw_day, docker_api):
    docker_api.pull.side_effect = docker.errors.APIError("registry down", explanation="registry down")
    assert luigi.build([Sessionize(DAY).requires()], local_scheduler=True)
    task = Sessionize(DAY)
    with pytest.raises(docker.errors.APIError):
        task.run()


def test_client_uses_dockers_default_socket(docker_api):
    with mock.patch("docker.APIClient") as api_class:
        Sessionize(DAY, gap_minutes=1)
    api_class.assert_called_once_with(None)
