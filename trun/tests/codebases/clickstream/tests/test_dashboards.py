"""The ECS refresh job, with the module's boto3 client mocked."""

from unittest import mock

import luigi
import luigi.contrib.ecs
import pytest
from clickstream.dashboards import REFRESH_TASK, RefreshDashboards

from conftest import DAY

ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/dashboard-refresh:7"
TASK = "arn:aws:ecs:eu-west-1:123456789012:task/analytics/abc123"


@pytest.fixture
def ecs(workdir):
    with mock.patch("luigi.contrib.ecs.client") as client, mock.patch("time.sleep") as sleep:
        client.register_task_definition.return_value = {"taskDefinition": {"taskDefinitionArn": ARN}}
        client.run_task.return_value = {"tasks": [{"taskArn": TASK}], "failures": []}
        client.describe_tasks.side_effect = [
            {"tasks": [{"lastStatus": status}], "failures": [], "ResponseMetadata": {"HTTPStatusCode": 200}}
            for status in ("PENDING", "RUNNING", "STOPPED")]
        client.sleep = sleep
        yield client


def run_alone(task):
    """Runs the task itself (its inputs are other tests' business)."""
    task.run()


def test_registers_the_definition_then_runs_it(ecs):
    task = RefreshDashboards(date=DAY)
    run_alone(task)
    assert ecs.register_task_definition.call_args.kwargs["family"] == "dashboard-refresh"
    kwargs = ecs.run_task.call_args.kwargs
    assert kwargs["taskDefinition"] == ARN and kwargs["cluster"] == "analytics"
    assert kwargs["launchType"] == "FARGATE"


def test_our_command_wins_over_the_default_override(ecs):
    run_alone(RefreshDashboards(date=DAY))
    overrides = ecs.run_task.call_args.kwargs["overrides"]["containerOverrides"]
    assert overrides == [{"name": "refresh", "command": ["refresh", "--date", "2024-06-01"]},
                         {"name": "notify", "command": ["notify", "#analytics"]}]


def test_waits_until_stopped(ecs):
    task = RefreshDashboards(date=DAY)
    run_alone(task)
    assert ecs.describe_tasks.call_count == 3
    assert ecs.describe_tasks.call_args == mock.call(tasks=[TASK], cluster="analytics")
    assert ecs.sleep.call_args_list == [mock.call(luigi.contrib.ecs.POLL_TIME)] * 2
    assert task.ecs_task_ids == [TASK]
    assert open(task.output().path).read() == TASK + "\n"


def test_failures_to_start_raise(ecs):
    ecs.run_task.return_value = {"tasks": [], "failures": [{"arn": ARN, "reason": "RESOURCE:MEMORY"}]}
    with pytest.raises(Exception, match="RESOURCE:MEMORY"):
        run_alone(RefreshDashboards(date=DAY))


def test_failed_status_request_raises(ecs):
    ecs.describe_tasks.side_effect = [{"tasks": [], "failures": [{"arn": TASK, "reason": "MISSING"}],
                                       "ResponseMetadata": {"HTTPStatusCode": 200}}]
    with pytest.raises(Exception, match="There were some failures"):
        run_alone(RefreshDashboards(date=DAY))


def test_a_registered_definition_is_used_as_is(ecs):
    run_alone(RefreshDashboards(date=DAY, task_def_arn=ARN, task_def=None))
    ecs.register_task_definition.assert_not_called()
    assert ecs.run_task.call_args.kwargs["taskDefinition"] == ARN


def test_both_or_neither_definition_is_an_error(ecs):
    with pytest.raises(ValueError):
        run_alone(RefreshDashboards(date=DAY, task_def=None))
    with pytest.raises(ValueError):
        run_alone(RefreshDashboards(date=DAY, task_def_arn=ARN))


def test_definition_is_not_significant():
    assert RefreshDashboards(date=DAY, task_def={"family": "x"}).task_id == RefreshDashboards(date=DAY).task_id
    assert RefreshDashboards(date=DAY).task_def["containerDefinitions"][0]["name"] == "refresh"
    assert REFRESH_TASK["family"] == "dashboard-refresh"


def test_no_ids_before_running():
    assert RefreshDashboards(date=DAY).ecs_task_ids is None


def test_through_the_scheduler(ecs, raw_day, docker_api, es, mongo):
    result = luigi.build([RefreshDashboards(date=DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert RefreshDashboards(date=DAY).complete()
