"""The raw logs on HDFS and their cleaning, through the hadoop command line (faked)."""

import datetime

import luigi
import luigi.contrib.hdfs
import pytest
from clickstream.ingest import CleanClicks, RawClicks, days_on_hdfs
from conftest import DAY, hadoop_calls


def test_raw_clicks_are_missing_until_uploaded(hdfs):
    assert not RawClicks(DAY).complete()
    assert hadoop_calls(hdfs)[-1].startswith("fs -stat /data/clicks/2024-06-01.tsv")


def test_raw_clicks_present(raw_day):
    assert RawClicks(DAY).complete()
    assert RawClicks(DAY).output().path == "/data/clicks/2024-06-01.tsv"


def test_clean_clicks_drops_bots_and_broken_lines(raw_day):
    assert luigi.build([CleanClicks(DAY)], local_scheduler=True)
    cleaned = (raw_day / "warehouse/clicks/clean/2024/06/01/clicks.tsv").read_text().splitlines()
    assert cleaned == ["ann\t2024-06-01T08:00\t/home", "ann\t2024-06-01T08:05\t/cart",
                       "bob\t2024-06-01T09:00\t/home"]
    with CleanClicks(DAY).output().open("r") as f:
        assert len(f.read().splitlines()) == 3


def test_clean_clicks_writes_atomically(raw_day):
    luigi.build([CleanClicks(DAY)], local_scheduler=True)
    calls = [" ".join(c.split()[:2]) for c in hadoop_calls(raw_day)]
    assert "fs -put" in calls and "fs -mv" in calls
    assert calls.index("fs -put") < calls.index("fs -mv")
    put = next(c for c in hadoop_calls(raw_day) if c.startswith("fs -put"))
    assert put.split()[2] == "-" and "clicks.tsv-luigitemp-" in put.split()[3]


def test_clean_clicks_without_raw_data_is_missing(hdfs):
    result = luigi.build([CleanClicks(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert result.scheduling_succeeded  # a missing input is not a scheduling failure


def test_status_message_counts(raw_day):
    task = CleanClicks(DAY)
    messages = []
    task.set_status_message = messages.append
    task.run()
    assert messages == ["kept 3, dropped 2"]


def test_days_on_hdfs(raw_day):
    (raw_day / "data/clicks/2024-05-31.tsv").write_text("")
    (raw_day / "data/clicks/README").write_text("")
    assert days_on_hdfs() == ["2024-05-31", "2024-06-01"]


def test_missing_directory_raises(hdfs):
    with pytest.raises(luigi.contrib.hdfs.HDFSCliError) as caught:
        days_on_hdfs("/nowhere")
    assert caught.value.returncode == 1
    assert "No such file or directory" in caught.value.stderr


def test_client_is_the_command_line_one(hdfs):
    client = luigi.contrib.hdfs.get_autoconfig_client()
    assert isinstance(client, luigi.contrib.hdfs.HdfsClient)
    assert client.exists("/") and not client.exists("/data/none")


def test_target_remove_and_move(raw_day):
    target = RawClicks(DAY).output()
    target.move("/archive/2024-06-01.tsv")
    assert not target.exists()
    moved = luigi.contrib.hdfs.HdfsTarget("/archive/2024-06-01.tsv")
    assert moved.exists()
    moved.remove(skip_trash=True)
    assert not (raw_day / "archive/2024-06-01.tsv").exists()


@pytest.mark.parametrize("day, name", [(datetime.date(2024, 1, 9), "2024/01/09"),
                                       (datetime.date(2023, 12, 31), "2023/12/31")])
def test_clean_paths(hdfs, day, name):
    assert CleanClicks(day).output().path == f"/warehouse/clicks/clean/{name}/clicks.tsv"


def test_configured_roots(hdfs, config):
    config("clickstream", "raw_root", "/landing")
    assert RawClicks(DAY).output().path == "/landing/2024-06-01.tsv"
