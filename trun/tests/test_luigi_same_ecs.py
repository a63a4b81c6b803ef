"""trun.contrib.ecs as Luigi's, both against ECS served by moto on loopback (reset before each
engine): the ECS calls the step makes (registration, run_task with merged overrides, polling until
STOPPED), its errors and a worker's build; the suite's ECS test needs moto's removed mock_ecs."""

from __future__ import annotations

import pytest
import s3_server  # moto's server: it answers every AWS service
from luigi_pair import same_result, scenario
from moto_server import aws_env, reset_before_each


@pytest.fixture(scope="module")
def endpoint():
    with s3_server.s3_server() as url:
        yield url


def test_ecs_step_same_as_luigi(tmp_path, endpoint):
    result = same_result(tmp_path, scenario("ecs"), env=aws_env(endpoint), setup=reset_before_each(endpoint))
    inline = result["dict"]
    assert [call[0] for call in inline["calls"]] == [
        "Register<T>Definition", "Run<T>", "Describe<T>s", "Describe<T>s", "Describe<T>s", "Describe<T>s"]
    assert inline["ids"] == 2 and inline["before"] is None and inline["raised"] is None
    assert inline["arn_after"].endswith(":<t>-definition/trun-inline:1")
    assert inline["calls"][1][1]["cluster"] == "trun-cluster" and inline["calls"][1][1]["overrides"] == {}
    merged = [{"name": "main", "command": ["sleep", "1"]}, {"name": "main", "command": ["second"]},
              {"name": "extra", "command": ["true"]}]
    assert result["merged_overrides"] == {"containerOverrides": merged, "ephemeralStorage": {"sizeInGiB": 30}}
    assert result["merged"]["calls"][0][1]["overrides"] == result["merged_overrides"]
    overridden = [{"name": "side", "command": ["echo", "overridden"]}]
    assert result["command_only"][0] == {"containerOverrides": overridden}
    assert [result["neither"]["raised"], result["both"]["raised"]] == ["ValueError", "ValueError"]
    assert result["neither"]["calls"] == [] and result["both"]["calls"] == []
    assert result["update"] == [{"name": "a", "command": ["x"]}, {"name": "a", "command": ["2"]},
                                {"name": "b", "command": ["y"]}]
    assert result["build"] == [True, 2]
    assert result["in_cluster"] == 4  # the dict run and the build, two each
