import datetime
import os

import luigi
import luigi.date_interval
import luigi.execution_summary
import pytest
from conftest import DAY
from etl import tasks
from etl.targets import PickleTarget, RowCountTarget
from luigi.execution_summary import LuigiStatusCode


@pytest.mark.parametrize(
    "region, expected",
    [
        (tasks.Region.north, {"apple": 2.5, "pear": 2.0, "plum": 1.75}),
        (tasks.Region.south, {"apple": 5.0}),
    ],
)
def test_daily_totals(sales, region, expected):
    result = luigi.build(
        [tasks.DailyTotals(day=DAY, region=region)], local_scheduler=True, detailed_summary=True
    )
    assert result.status == LuigiStatusCode.SUCCESS
    assert result.scheduling_succeeded
    assert tasks.DailyTotals(day=DAY, region=region).output().load() == expected
    assert "2 ran successfully" in result.summary_text
    assert "1 complete ones were encountered" in result.summary_text


@pytest.mark.parametrize("min_qty, items", [(None, 3), (3, 2), (100, 0)])
def test_optional_filter(sales, min_qty, items):
    assert luigi.build([tasks.DailyTotals(day=DAY, min_qty=min_qty)], local_scheduler=True)
    assert len(tasks.DailyTotals(day=DAY, min_qty=min_qty).output().load()) == items


def test_report_is_utf8_and_sorted(sales):
    assert luigi.build([tasks.ItemReport(day=DAY)], local_scheduler=True, workers=2)
    with open(tasks.ItemReport(day=DAY).output().path, encoding="utf8") as f:
        lines = f.read().splitlines()
    assert lines == ["Rapport über Verkäufe", "apple\t2.50", "pear\t2.00", "plum\t1.75"]
    assert tasks.STARTED == []  # START fires in the task processes


def test_period_report_dynamic(sales):
    interval = luigi.date_interval.Custom(DAY, DAY + datetime.timedelta(days=3))
    result = luigi.build(
        [tasks.PeriodReport(interval=interval)], local_scheduler=True, detailed_summary=True
    )
    assert result.status == LuigiStatusCode.SUCCESS
    data = tasks.PeriodReport(interval=interval).output().load()
    assert data == {"days": 3, "totals": {"apple": 7.5, "pear": 6.0, "plum": 5.25}}
    assert "7 ran successfully" in result.summary_text


def test_missing_input_is_reported(sales):
    later = DAY + datetime.timedelta(days=20)
    result = luigi.build(
        [tasks.ItemReport(day=later)], local_scheduler=True, detailed_summary=True
    )
    assert result.status == LuigiStatusCode.MISSING_EXT
    assert not result.scheduling_succeeded or result.status != LuigiStatusCode.SUCCESS
    assert "1 were missing external dependencies" in result.summary_text or (
        "missing external" in result.summary_text
    )
    assert "SalesFile(day=2024-03-21)" in result.summary_text
    assert luigi.build([tasks.ItemReport(day=later)], local_scheduler=True) is True


def test_custom_complete_and_target(sales):
    assert not tasks.LoadRows(day=DAY).complete()
    assert luigi.build([tasks.LoadRows(day=DAY)], local_scheduler=True)
    assert RowCountTarget.registry["sales_north_2024-03-01"][0] == ("apple", 2.5)
    assert tasks.LoadRows(day=DAY).complete()
    checkpoint = tasks.Checkpoint(name="x")
    assert not checkpoint.complete()
    assert luigi.build([checkpoint], local_scheduler=True)
    assert checkpoint.complete()
    with checkpoint.marker().open("w") as f:
        f.write("stale")
    assert not checkpoint.complete()


def test_batches(sales):
    result = luigi.build(
        [tasks.CompactWeek(start=DAY)], local_scheduler=True, detailed_summary=True
    )
    assert result.status == LuigiStatusCode.SUCCESS
    assert os.listdir(os.path.join("wh", "compact")) == ["2024-03-07.done"]
    assert tasks.CompactWeek(start=DAY).complete() is True
    assert "* 8 ran successfully:\n    - 7 Compact(day=2024-03-01...2024-03-07)" in (
        result.summary_text
    ), result.summary_text


def test_failure_summary_and_hooks(sales):
    result = luigi.build(
        [tasks.Exploding(attempt=1), tasks.Exploding(attempt=2)],
        local_scheduler=True,
        detailed_summary=True,
    )
    assert result.status == LuigiStatusCode.FAILED
    assert "2 failed:" in result.summary_text
    assert "- 2 Exploding(attempt=1,2)" in result.summary_text
    assert ":(" in result.summary_text
    text = luigi.execution_summary.summary(result.worker)
    assert text == result.summary_text


def test_pickle_target_roundtrip(workdir):
    target = PickleTarget(str(workdir / "a" / "b.pkl"))
    target.dump({"x": [1, 2]})
    assert target.load() == {"x": [1, 2]}
    assert target.exists()
    assert luigi.LocalTarget(str(workdir / "a" / "b.pkl"), format=luigi.format.Nop).open(
        "r"
    ).read()[:1] == b"\x80"


def test_processing_time_event(sales):
    del tasks.TIMES[:]
    assert luigi.build([tasks.CleanSales(day=DAY, label="t")], local_scheduler=True)
    assert tasks.TIMES == [(tasks.CleanSales(day=DAY, label="t").task_id, True)]
