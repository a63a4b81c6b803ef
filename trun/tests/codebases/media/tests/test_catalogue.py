import json
import os
import socket

import luigi
import luigi.scheduler
import luigi.task_register
import luigi.worker
import pytest
import sqlalchemy
from luigi.execution_summary import LuigiStatusCode
from media import catalogue
from media.catalogue import BadComplete, BadRequires, Checksum, Crash, Flaky, Plain, ShelfStats, Titles


def test_namespaces():
    assert Titles.get_task_family() == "media.Titles"
    assert Titles(shelf="a").task_family == "media.Titles"
    assert Titles.get_task_namespace() == "media"
    assert Plain.get_task_family() == "Plain"
    assert Titles(shelf="a").task_id.startswith("media.Titles_3_a_")
    assert luigi.task_register.Register.get_task_cls("media.Titles") is Titles
    with pytest.raises(luigi.task_register.TaskClassNotFoundException):
        luigi.task_register.Register.get_task_cls("Titles")


def test_dict_requirements_and_discovery_events(build):
    result = build(ShelfStats(shelves=["x", "y"]))
    assert result.status == LuigiStatusCode.SUCCESS
    with open("cat/stats.json") as f:
        assert json.load(f) == {"x": 3, "y": 3}
    assert sorted(catalogue.DISCOVERED) == [
        ("media.ShelfStats", "media.Titles"),
        ("media.ShelfStats", "media.Titles"),
    ]
    assert "- 2 media.Titles(" in result.summary_text


def test_sql_load(build, in_tmp):
    url = f"sqlite:///{in_tmp / 'cat.db'}"
    result = build(catalogue.LoadTitles(shelf="s", url=url))
    assert result.status == LuigiStatusCode.SUCCESS
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("select title, n from titles order by n")).fetchall()
    assert [tuple(r) for r in rows] == [("s-0", 0), ("s-1", 1), ("s-2", 2)]
    assert catalogue.LoadTitles(shelf="s", url=url).complete()
    assert catalogue.LoadTitles(shelf="s", url=url).output().exists()
    assert not catalogue.LoadTitles(shelf="t", url=url).complete()


def test_external_program(build):
    result = build(Checksum(shelf="p"))
    assert result.status == LuigiStatusCode.SUCCESS
    size = os.path.getsize("cat/p/titles.jsonl")
    assert open("cat/p/sum.txt").read() == str(size)


def test_external_program_failure(build):
    result = build(Crash())
    assert result.status == LuigiStatusCode.FAILED
    with pytest.raises(luigi.contrib.external_program.ExternalProgramRunError) as err:
        Crash().run()
    assert "bad input" in err.value.err
    assert "Program failed with return code=3" in str(err.value)


def test_scheduling_errors(build):
    result = build(BadComplete())
    assert result.status == LuigiStatusCode.SCHEDULING_FAILED
    assert result.scheduling_succeeded is False
    assert catalogue.BROKEN == []
    result = build(BadRequires())
    assert catalogue.BROKEN == [("media.BadRequires", "ValueError")]
    assert result.status == LuigiStatusCode.SCHEDULING_FAILED
    assert "failed scheduling" in result.summary_text
    assert luigi.build([BadRequires()], local_scheduler=True) is False


def test_retries_then_disabled(build):
    result = build(Flaky())
    assert result.status == LuigiStatusCode.FAILED
    assert open("flaky.count").read() == "1"


def test_mixed_list(build):
    result = build(Plain(), Titles(shelf="z", count=1), workers=2)
    assert result.status == LuigiStatusCode.SUCCESS
    assert "2 ran successfully" in result.summary_text
    assert open("plain.txt").read() == "plain"


def test_worker_attributes():
    with luigi.worker.Worker(scheduler=luigi.scheduler.Scheduler()) as w:
        assert w.host == socket.gethostname()
        assert w.add(Plain()) and w.add_succeeded
        assert not w.add(BadComplete())
        assert w.add_succeeded is False
        assert w.run() is True
