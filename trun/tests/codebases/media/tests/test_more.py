import datetime
import logging
import pickle
from unittest import mock

import jsonschema
import luigi
import luigi.cmdline_parser
import luigi.mock
import luigi.parameter
import luigi.scheduler
import luigi.task_register
import luigi.util
import luigi.worker
import pytest
from media import ordering
from media.ordering import AllRanked, Chooser, Conditional, Derived, Joined, Ranked, Source


def test_priority_decides_order(build):
    assert build(AllRanked()).status == luigi.LuigiStatusCode.SUCCESS
    assert open(ordering.ORDER_FILE).read().split() == ["high", "mid", "low"]


def test_delegates_and_requires(build):
    assert build(Joined()).scheduling_succeeded
    assert open("joined").read() == "a+b"
    d = Derived(kind="k", scale=2.0)
    assert d.requires() == Source(kind="k")
    assert build(d).status == luigi.LuigiStatusCode.SUCCESS
    assert open("derived/k-2024-05-01-2.0").read() == "kkkk"
    assert luigi.util.common_params(d, Source) == {"day": d.day, "kind": "k"}


def test_task_parameter_and_explicit_bool():
    with luigi.cmdline_parser.CmdlineParser.global_instance(
        ["Chooser", "--target-task", "Derived", "--mode", "false"]
    ) as cp:
        task = cp.get_task_obj()
    assert task.target_task is Derived
    assert task.mode is False
    assert task.to_str_params() == {"target_task": "Derived", "mode": "False"}
    assert Chooser().requires() == Source()


def test_load_task_and_instance_cache():
    t = luigi.task_register.load_task("media.ordering", "Source", {"kind": "z"})
    assert t is Source(kind="z")
    assert t == Source(kind="z", day=datetime.date(2024, 5, 1))
    assert len({Source(kind="z"), Source(kind="z"), Source(kind="w")}) == 2
    assert pickle.loads(pickle.dumps(t)) == t


def test_dynamic_requirements_with_custom_complete(build):
    result = build(Conditional())
    assert result.status == luigi.LuigiStatusCode.SUCCESS
    assert open("conditional").read() == "src/x-2024-05-01,src/y-2024-05-01"
    assert "3 ran successfully" in result.summary_text


def test_mocked_output(build):
    with mock.patch.object(Source, "output", lambda self: luigi.mock.MockTarget(f"/s/{self.kind}")):
        assert build(Source(kind="m")).status == luigi.LuigiStatusCode.SUCCESS
        assert luigi.mock.MockTarget("/s/m").open("r").read() == "m"


def test_scheduler_views(build):
    sch = luigi.scheduler.Scheduler()
    with luigi.worker.Worker(scheduler=sch, worker_id="w-test") as w:
        w.add(Derived(kind="v"))
        graph = sch.dep_graph(Derived(kind="v").task_id)
        assert set(graph) == {Derived(kind="v").task_id, Source(kind="v").task_id}
        assert graph[Derived(kind="v").task_id]["deps"] == [Source(kind="v").task_id]
        assert [w_["name"] for w_ in sch.worker_list()] == ["w-test"]
        found = sch.task_search("Derived")
        assert list(found["PENDING"]) == [Derived(kind="v").task_id]
        assert w.run()
    assert sch.task_list("DONE", "")[Derived(kind="v").task_id]["name"] == "Derived"


def test_logging_of_missing_external(build, caplog):
    class Absent(luigi.ExternalTask):
        def output(self):
            return luigi.LocalTarget("absent")

    with caplog.at_level(logging.INFO, logger="luigi-interface"):
        result = build(Absent())
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert "Data for Absent() does not exist (yet?)" in caplog.text
    assert any(r.levelno == logging.WARNING and r.name == "luigi-interface" for r in caplog.records)


def test_parameter_warnings():
    class Typed(luigi.Task):
        n = luigi.OptionalIntParameter(default=None)

    with pytest.warns(luigi.parameter.OptionalParameterTypeWarning):
        Typed(n="3")
    with pytest.raises(luigi.parameter.MissingParameterException):
        Ranked(name="a")
    with pytest.raises(jsonschema.exceptions.ValidationError):
        luigi.DictParameter(
            schema={"type": "object", "properties": {"a": {"type": "integer"}}}
        ).normalize({"a": "x"})


def test_dates_helpers():
    p = luigi.DateParameter(interval=2, start=datetime.date(2024, 1, 1))
    assert p.normalize(datetime.date(2024, 1, 4)) == datetime.date(2024, 1, 3)
    assert p.next_in_enumeration(datetime.date(2024, 1, 3)) == datetime.date(2024, 1, 5)
    assert luigi.MonthParameter().normalize(datetime.date(2024, 2, 17)) == datetime.date(2024, 2, 1)
    assert luigi.YearParameter().serialize(datetime.date(2024, 1, 1)) == "2024"


def test_root_logging_handler_gets_luigi_records(build):
    class Collect(logging.Handler):
        def __init__(self):
            super().__init__()
            self.names = []

        def emit(self, record):
            self.names.append(record.name)

    handler = Collect()
    logging.getLogger().addHandler(handler)
    try:
        assert build(Source(kind="logged")).status == luigi.LuigiStatusCode.SUCCESS
    finally:
        logging.getLogger().removeHandler(handler)
    assert "luigi-interface" in handler.names
    assert logging.getLogger("luigi-interface").propagate is True
