"""Backfills of the hourly counts and the quarter-hour snapshots with RangeHourly / RangeByMinutes."""

import datetime
import os

import luigi
import pytest
from luigi.tools.range import RangeByMinutes, RangeHourly
from warehouse import hourly
from warehouse.hourly import DayOfCounts, HourlyCount, QuarterSnapshot

START = datetime.datetime(2024, 5, 1, 0)
# 2024-05-01T12:00 UTC, in seconds: the "now" of every range here
NOON = int(datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.UTC).timestamp())


@pytest.fixture
def logs(workdir):
    """Hourly logs for the first six hours of the day."""
    folder = workdir / "out" / "logs"
    folder.mkdir(parents=True)
    for h in range(6):
        (folder / f"2024-05-01T{h:02d}.log").write_text("x\n" * (h + 1))
    del hourly.RAN[:]
    return folder


def count_of(hour):
    return int(open(HourlyCount(START + datetime.timedelta(hours=hour)).output().path).read())


def test_hourly_backfill_runs_the_hours_with_logs(logs):
    task = RangeHourly(of=HourlyCount, start=START, stop=START + datetime.timedelta(hours=6), now=NOON)
    assert luigi.build([task], local_scheduler=True)
    assert sorted(h.hour for h in hourly.RAN) == [0, 1, 2, 3, 4, 5]
    assert count_of(5) == 6


def test_hourly_range_requires_only_the_missing(logs):
    os.makedirs("out/counts")
    open("out/counts/2024-05-01T02", "w").write("3")
    task = RangeHourly(of=HourlyCount, start=START, stop=START + datetime.timedelta(hours=4), now=NOON)
    assert [t.hour.hour for t in task.requires()] == [0, 1, 3]


def test_hourly_range_is_missing_ext_past_the_logs(logs):
    task = RangeHourly(of=HourlyCount, start=START, stop=START + datetime.timedelta(hours=8), now=NOON)
    result = luigi.build([task], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert len(hourly.RAN) == 6


def test_hourly_task_limit_and_reverse(logs):
    task = RangeHourly(of=HourlyCount, start=START, stop=START + datetime.timedelta(hours=6), now=NOON,
                       task_limit=2, reverse=True)
    assert [t.hour.hour for t in task.requires()] == [5, 4]


def test_hourly_hours_back_bounds_the_range(logs):
    task = RangeHourly(of=HourlyCount, start=START, hours_back=3, now=NOON)
    assert [t.hour.hour for t in task.requires()] == [9, 10, 11]


def test_hourly_range_on_the_command_line(logs):
    assert luigi.interface.run(["RangeHourly", "--of", "HourlyCount", "--start", "2024-05-01T03",
                                "--stop", "2024-05-01T05", "--now", str(NOON), "--local-scheduler",
                                "--no-lock"], detailed_summary=True).status == luigi.LuigiStatusCode.SUCCESS
    assert sorted(h.hour for h in hourly.RAN) == [3, 4]


def test_hourly_range_task_id_and_params():
    task = RangeHourly(of=HourlyCount, start=START, stop=START + datetime.timedelta(hours=2), now=NOON)
    params = task.to_str_params()
    assert params["of"] == "HourlyCount" and params["start"] == "2024-05-01T00"
    assert task.of_cls is HourlyCount


def test_start_or_reverse_is_needed():
    task = RangeHourly(of=HourlyCount, now=NOON)
    with pytest.raises(luigi.parameter.ParameterException):
        task.requires()


def test_quarter_hour_snapshots(workdir):
    del hourly.RAN[:]
    task = RangeByMinutes(of=QuarterSnapshot, start=datetime.datetime(2024, 5, 1, 10, 0),
                          stop=datetime.datetime(2024, 5, 1, 11, 0), minutes_interval=15, now=NOON)
    assert [t.at.minute for t in task.requires()] == [0, 15, 30, 45]
    assert luigi.build([task], local_scheduler=True)
    assert sorted(os.listdir("out/snap")) == ["20240501T1000", "20240501T1015", "20240501T1030",
                                             "20240501T1045"]


def test_quarter_hour_interval_must_divide_the_hour(workdir):
    task = RangeByMinutes(of=QuarterSnapshot, start=datetime.datetime(2024, 5, 1, 10, 0),
                          stop=datetime.datetime(2024, 5, 1, 11, 0), minutes_interval=7, now=NOON)
    with pytest.raises(luigi.parameter.ParameterException):
        task.requires()


def test_minutes_back_and_forward(workdir):
    task = RangeByMinutes(of=QuarterSnapshot, start=datetime.datetime(2024, 5, 1, 0, 0),
                          minutes_back=30, minutes_forward=16, minutes_interval=15, now=NOON)
    assert [f"{t.at:%H%M}" for t in task.requires()] == ["1130", "1145", "1200", "1215"]


def test_day_of_counts_is_a_wrapper(logs):
    day = DayOfCounts(datetime.date(2024, 5, 1))
    assert len(luigi.task.flatten(day.requires())) == 24
    assert not day.complete()
    result = luigi.build([day], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert "- 18 HourlyCount(hour=2024-05-01T06...2024-05-01T23)" in result.summary_text
    assert len(hourly.RAN) == 6
