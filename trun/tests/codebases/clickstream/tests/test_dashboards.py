"""The ECS refresh job: what we send is built from our definition and overrides (the calls to
ECS itself are boto3's business)."""

import pytest
from clickstream.dashboards import REFRESH_TASK, RefreshDashboards
from conftest import DAY

ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/dashboard-refresh:7"


def test_our_command_wins_over_the_default_override():
    overrides = RefreshDashboards(date=DAY).combined_overrides["containerOverrides"]
    assert overrides == [{"name": "refresh", "command": ["refresh", "--date", "2024-06-01"]},
                         {"name": "notify", "command": ["notify", "#analytics"]}]


def test_the_default_overrides_are_not_changed():
    task = RefreshDashboards(date=DAY)
    assert task.combined_overrides != task.run_task_kwargs["overrides"]
    assert task.run_task_kwargs["overrides"]["containerOverrides"][0]["command"] == ["refresh", "--all"]


def test_the_command_alone_makes_the_overrides(monkeypatch):
    monkeypatch.setattr(RefreshDashboards, "run_task_kwargs", property(lambda self: {}))
    assert RefreshDashboards(date=DAY).combined_overrides == {
        "containerOverrides": [{"name": "refresh", "command": ["refresh", "--date", "2024-06-01"]}]}


def test_no_command_no_overrides(monkeypatch):
    monkeypatch.setattr(RefreshDashboards, "run_task_kwargs", property(lambda self: {}))
    monkeypatch.setattr(RefreshDashboards, "command", property(lambda self: None))
    assert RefreshDashboards(date=DAY).combined_overrides == {}


def test_both_or_neither_definition_is_an_error():
    with pytest.raises(ValueError):
        RefreshDashboards(date=DAY, task_def=None).run()
    with pytest.raises(ValueError):
        RefreshDashboards(date=DAY, task_def_arn=ARN).run()


def test_definition_is_not_significant():
    other = RefreshDashboards(date=DAY, task_def={"family": "x"})
    assert other.task_id == RefreshDashboards(date=DAY).task_id
    assert RefreshDashboards(date=DAY).task_def["containerDefinitions"][0]["name"] == "refresh"
    assert REFRESH_TASK["family"] == "dashboard-refresh"


def test_no_ids_before_running():
    assert RefreshDashboards(date=DAY).ecs_task_ids is None


def test_the_marker_path():
    assert RefreshDashboards(date=DAY).output().path == "markers/dashboards-2024-06-01"


def test_it_waits_for_the_day_to_be_published():
    assert RefreshDashboards(date=DAY).requires().date == DAY
    assert RefreshDashboards(date=DAY).cluster == "analytics"
