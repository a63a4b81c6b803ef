"""How our tasks behave as Luigi objects: identity, parameters' string forms, pickling, cloning, the
simulate and mock targets, and runs through luigi.build / luigi.interface.run with our config files."""

import datetime
import pickle

import luigi
import luigi.configuration
import luigi.mock
import pytest
from conftest import DAY
from luigi.contrib.simulate import RunAnywayTarget
from warehouse import hourly
from warehouse.cloud import LoadEvents
from warehouse.hourly import Refresh
from warehouse.spark_jobs import DailyRollup, RawEvents, WordCount


def test_instances_are_cached_and_equal():
    assert DailyRollup(DAY) is DailyRollup(date=DAY)
    assert DailyRollup(DAY) is not DailyRollup(DAY, partitions=4)
    assert DailyRollup(DAY) == DailyRollup(DAY) and hash(DailyRollup(DAY)) == hash(DailyRollup(date=DAY))
    assert DailyRollup(DAY) != WordCount(DAY)


def test_task_id_string():
    task = DailyRollup(DAY, partitions=3)
    family, params, digest = task.task_id.split("_", 2)[0], task.task_id.split("_")[1:-1], task.task_id[-10:]
    assert family == "DailyRollup" and params == ["2024", "05", "01", "3"]
    assert len(digest) == 10 and int(digest, 16) >= 0
    assert task.task_id == luigi.task.task_id_str("DailyRollup", {"date": "2024-05-01", "partitions": "3"})
    assert str(task) == "DailyRollup(date=2024-05-01, partitions=3)"


def test_str_params_round_trip():
    task = WordCount(DAY, min_count=4)
    assert task.to_str_params(only_significant=True) == {"date": "2024-05-01", "min_count": "4"}
    params = task.to_str_params()
    assert params == {"date": "2024-05-01", "min_count": "4", "capture_output": "True"}
    assert WordCount.from_str_params(params) is task
    assert WordCount.get_param_names() == ["date", "min_count"]
    assert WordCount.get_param_names(include_significant=True) == ["capture_output", "date", "min_count"]


def test_clone_keeps_what_it_shares():
    rollup = DailyRollup(DAY, partitions=5)
    raw = rollup.clone(RawEvents)
    assert raw == RawEvents(DAY)
    next_day = datetime.date(2024, 5, 2)
    assert rollup.clone(date=next_day) == DailyRollup(next_day, partitions=5)


def test_pickled_task_is_the_same_task():
    task = LoadEvents(DAY)
    copy = pickle.loads(pickle.dumps(task))
    assert copy == task and copy.task_id == task.task_id
    assert copy.date == DAY


def test_flatten_and_getpaths():
    day = hourly.DayOfCounts(DAY)
    paths = luigi.task.getpaths(day.requires())
    assert len(paths) == 24 and paths[0].path.endswith("2024-05-01T00")
    assert luigi.task.flatten({"a": [1, (2, 3)], "b": 4}) == [1, 2, 3, 4]
    assert luigi.task.flatten("one") == ["one"]
    assert luigi.task.flatten(None) == []


def test_run_anyway_runs_every_build(workdir):
    del hourly.RAN[:]
    assert luigi.build([Refresh("cache")], local_scheduler=True)
    assert luigi.build([Refresh("cache")], local_scheduler=True)
    assert hourly.RAN == ["cache"]  # the same process: its target remembers


def test_run_anyway_target_states(workdir):
    target = RunAnywayTarget(Refresh("other"))
    assert not target.exists()
    target.done()
    assert target.exists()
    assert target.task_id == Refresh("other").task_id


def test_mock_filesystem_round_trip():
    fs = luigi.mock.MockFileSystem()
    fs.clear()
    target = luigi.mock.MockTarget("/stage/a.txt")
    with target.open("w") as f:
        f.write("hello\n")
    assert fs.exists("/stage/a.txt") and fs.listdir("/stage") == ["/stage/a.txt"]
    fs.move("/stage/a.txt", "/stage/b.txt")
    assert luigi.mock.MockTarget("/stage/b.txt").open().read() == "hello\n"
    fs.remove("/stage")
    assert not fs.exists("/stage/b.txt")


def test_build_summary_and_status(workdir):
    result = luigi.build([RawEvents(DAY)], local_scheduler=True, detailed_summary=True)
    assert result.status == luigi.LuigiStatusCode.MISSING_EXT
    assert result.scheduling_succeeded is True
    assert "1 RawEvents(date=2024-05-01)" in result.summary_text
    assert luigi.build([RawEvents(DAY)], local_scheduler=True) is True  # a missing external is no failure


def test_interface_run_with_argv(workdir):
    del hourly.RAN[:]
    ok = luigi.interface.run(["--module", "warehouse.hourly", "Refresh", "--name", "from-argv",
                              "--local-scheduler", "--no-lock"])
    assert ok is True and hourly.RAN == ["from-argv"]


def test_interface_run_bad_parameter_exits(workdir):
    with pytest.raises(SystemExit):
        luigi.interface.run(["Refresh", "--no-such-flag", "1", "--local-scheduler"])


@pytest.fixture
def config_file(tmp_path):
    """A config file added for one test; the parser is made anew afterwards (the file forgotten)."""
    path = tmp_path / "warehouse.cfg"

    def add(text):
        path.write_text(text)
        luigi.configuration.add_config_path(str(path))

    yield add
    luigi.configuration.LuigiConfigParser._instance = None
    luigi.configuration.LuigiConfigParser._config_paths.remove(str(path))


def test_settings_from_a_config_file(config_file):
    from warehouse.settings import warehouse

    config_file("[warehouse]\nbucket = from-file\nproject = p9\n")
    assert warehouse().bucket == "from-file"
    assert LoadEvents(DAY).output().table.project_id == "p9"


def test_config_parser_is_a_fresh_instance_after_reset(config_file):
    config_file("[spark]\nmaster = local[4]\n")
    assert DailyRollup(DAY).master == "local[4]"
    luigi.configuration.LuigiConfigParser._instance = None
    assert luigi.configuration.get_config() is luigi.configuration.LuigiConfigParser.instance()
    assert luigi.configuration.get_config().get("spark", "master") == "local[4]"  # re-read from the file


def test_task_parameter_from_config(config_file):
    config_file("[DailyRollup]\npartitions = 16\n")
    assert DailyRollup(DAY).partitions == 16
    assert DailyRollup(DAY, partitions=2).partitions == 2


def test_wrapper_complete_when_its_requirements_are(workdir):
    class Pair(luigi.WrapperTask):
        def requires(self):
            return [Refresh("x1"), Refresh("x2")]

    assert not Pair().complete()
    luigi.build([Pair()], local_scheduler=True)
    assert Pair().complete()
