import datetime
import pickle

import luigi
import luigi.configuration
import luigi.freezing
import luigi.interface
import luigi.mock
import luigi.notifications
import luigi.parameter
import luigi.scheduler
import luigi.task
import luigi.worker
import pytest
from conftest import DAY
from etl import config, tasks
from luigi.contrib.simulate import RunAnywayTarget


class Tagged(luigi.Task):
    tags = luigi.DictParameter(default={"a": 1})
    hidden = luigi.Parameter(default="h", visibility=luigi.parameter.ParameterVisibility.HIDDEN)
    secret = luigi.Parameter(default="s", visibility=luigi.parameter.ParameterVisibility.PRIVATE)

    def output(self):
        return luigi.mock.MockTarget(f"/tagged/{self.tags['a']}")

    def run(self):
        with self.output().open("w") as f:
            f.write(repr(sorted(self.tags.items())))


class Always(luigi.Task):
    def output(self):
        return RunAnywayTarget(self)

    def run(self):
        self.output().done()


@pytest.mark.parametrize(
    "param, text, value",
    [
        (luigi.DateParameter(), "2024-02-29", datetime.date(2024, 2, 29)),
        (luigi.MonthParameter(), "2024-02", datetime.date(2024, 2, 1)),
        (luigi.DateHourParameter(), "2024-02-29T07", datetime.datetime(2024, 2, 29, 7)),
        (luigi.EnumParameter(enum=tasks.Region), "south", tasks.Region.south),
        (luigi.OptionalIntParameter(), "", None),
        (luigi.OptionalParameter(), "", None),
        (luigi.ListParameter(), "[1, 2]", [1, 2]),
        (luigi.BoolParameter(), "False", False),
        (luigi.ChoiceParameter(choices=[1, 2], var_type=int), "2", 2),
        (luigi.TimeDeltaParameter(), "P1D", datetime.timedelta(days=1)),
    ],
)
def test_parse(param, text, value):
    assert param.parse(text) == value


def test_dict_parameter_is_frozen():
    t = Tagged(tags={"a": 2, "b": [1, 2]})
    assert isinstance(t.tags, luigi.freezing.FrozenOrderedDict)
    assert t.tags["b"] == (1, 2)
    assert hash(t.tags) == hash(luigi.freezing.recursively_freeze({"a": 2, "b": [1, 2]}))
    assert luigi.freezing.recursively_unfreeze(t.tags) == {"a": 2, "b": [1, 2]}
    assert t.to_str_params() == {"tags": '{"a": 2, "b": [1, 2]}', "hidden": "h"}
    assert t.to_str_params(only_public=True) == {"tags": '{"a": 2, "b": [1, 2]}'}
    assert str(t).endswith("hidden=h, secret=s)")
    assert pickle.loads(pickle.dumps(t.tags)) == t.tags


def test_visibility_listing():
    vis = {name: p.visibility for name, p in Tagged.get_params()}
    assert vis["hidden"] == luigi.parameter.ParameterVisibility.HIDDEN
    assert luigi.parameter.ParameterVisibility.has_value(2)
    assert luigi.parameter.ParameterVisibility.PRIVATE.serialize() == 2


def test_mock_output(workdir):
    luigi.mock.MockFileSystem().clear()
    assert luigi.build([Tagged(tags={"a": 7})], local_scheduler=True)
    assert luigi.mock.MockTarget("/tagged/7").open("r").read() == "[('a', 7)]"
    assert luigi.mock.MockFileSystem().listdir("/tagged") == ["/tagged/7"]


def test_config_file_sections(workdir, cfg_file):
    cfg_file(
        "[etl]\ncurrency_rate = 2\nowners = [\"ann\"]\n"
        "[CleanSales]\nmin_qty = 3\nlabel = cfg\n"
    )
    assert config.etl().currency_rate == 2.0
    assert config.etl().owners == ("ann",)
    t = tasks.CleanSales(day=DAY)
    assert (t.min_qty, t.label) == (3, "cfg")
    assert luigi.configuration.get_config().getint("CleanSales", "min_qty") == 3
    assert luigi.configuration.get_config().get("CleanSales", "nope", "dflt") == "dflt"
    assert luigi.configuration.get_config().getboolean("etl", "missing", True) is True


def test_added_files_are_read_again(workdir, tmp_path):
    first, second = tmp_path / "first.cfg", tmp_path / "second.cfg"
    first.write_text("[etl]\ncurrency_rate = 3\n[Gone]\nkey = 1\n")
    second.write_text("[Other]\nkey = 2\n")
    cfg = luigi.configuration.get_config()
    assert luigi.configuration.add_config_path(str(first))
    cfg.set("etl", "currency_rate", "4")
    cfg.remove_section("Gone")
    assert config.etl().currency_rate == 4.0
    assert luigi.configuration.add_config_path(str(second))
    try:
        assert config.etl().currency_rate == 3.0
        assert cfg.get("Gone", "key") == "1"
        assert cfg.options("Other") == ["key"]
    finally:
        first.unlink()
        for section in ("Gone", "Other"):
            cfg.remove_section(section)
        cfg.remove_option("etl", "currency_rate")
    with pytest.warns(UserWarning):
        assert not luigi.configuration.add_config_path(str(tmp_path / "none.cfg"))


def test_config_parser_api(workdir):
    cfg = luigi.configuration.get_config()
    cfg.read_string("[Scratch]\nname = %(base)s/x\nbase = /srv\n")
    try:
        assert "Scratch" in cfg and "NoSuch" not in cfg
        assert cfg["Scratch"]["name"] == "/srv/x"
        assert cfg.get("Scratch", "name", raw=True) == "%(base)s/x"
        assert cfg.get("Scratch", "missing", fallback="fb") == "fb"
        cfg["Scratch"]["extra"] = "1"
        assert cfg.getint("Scratch", "extra") == 1
        assert sorted(cfg["Scratch"]) == ["base", "extra", "name"]
        assert cfg.remove_option("Scratch", "extra") is True
        assert cfg.remove_option("Scratch", "extra") is False
        cfg.read_dict({"Scratch": {"n": 5}})
        assert cfg.get("Scratch", "n") == "5"
        assert "Scratch" in list(cfg)
    finally:
        assert cfg.remove_section("Scratch") is True
    assert cfg.remove_section("Scratch") is False


def test_config_set_in_code(workdir):
    cfg = luigi.configuration.get_config()
    cfg.set("secrets", "token", "t0ps3cret")
    try:
        assert config.secrets().token == "t0ps3cret"
        assert repr(config.secrets()) == "secrets(token=t0ps3cret)"
    finally:
        cfg.remove_option("secrets", "token")
    assert config.secrets().token == ""


def test_run_anyway():
    assert luigi.build([Always()], local_scheduler=True)
    assert not Always().complete() or Always().complete()


def test_worker_and_scheduler_directly(sales):
    sch = luigi.scheduler.Scheduler(resources={"cpu": 1})
    with luigi.worker.Worker(scheduler=sch, worker_processes=2) as w:
        for region in tasks.Region:
            assert w.add(tasks.ItemReport(day=DAY, region=region))
        assert w.run()
    done = sch.task_list("DONE", "")
    assert len(done) == 7
    assert all(t["status"] == "DONE" for t in done.values())
    report = tasks.ItemReport(day=DAY, region=tasks.Region.south).task_id
    assert report in done
    assert sch.task_list("PENDING", "") == {}


def test_status_message_reaches_scheduler(sales):
    sch = luigi.scheduler.Scheduler()
    with luigi.worker.Worker(scheduler=sch) as w:
        w.add(tasks.CleanSales(day=DAY))
        w.run()
    tid = tasks.CleanSales(day=DAY).task_id
    assert sch.get_task_status_message(tid)["statusMessage"] == "4 rows"
    assert sch.get_task_progress_percentage(tid)["progressPercentage"] == 100


def test_interface_run(sales):
    assert luigi.interface.run(
        ["DailyTotals", "--day", "2024-03-02", "--region", "south", "--local-scheduler", "--no-lock"]
    )
    assert tasks.DailyTotals(day=DAY + datetime.timedelta(days=1), region=tasks.Region.south).complete()
    assert luigi.run(
        ["--day", "2024-03-03", "--local-scheduler", "--no-lock"], main_task_cls=tasks.ItemReport
    )
    result = luigi.interface.run(
        ["Exploding", "--local-scheduler", "--no-lock"], detailed_summary=True
    )
    assert result.status == luigi.LuigiStatusCode.FAILED


def test_failure_email(sales, monkeypatch, cfg_file):
    cfg_file("[email]\nreceiver = ops@example.com\nformat = plain\n")
    sent = []
    monkeypatch.setattr(
        luigi.notifications,
        "send_email",
        lambda subject, message, sender, recipients, image_png=None: sent.append(
            (subject, recipients)
        ),
    )
    assert not luigi.build([tasks.Exploding(attempt=5)], local_scheduler=True)
    assert len(sent) == 1
    subject, recipients = sent[0]
    assert "Exploding(attempt=5) FAILED" in subject
    assert list(recipients) == ["ops@example.com"]


def test_task_helpers():
    t = tasks.ItemReport(day=DAY)
    assert [d.task_family for d in luigi.task.flatten(t.requires())] == ["DailyTotals"]
    assert luigi.task.getpaths(t).path.endswith("north_20240301.txt")
    ext = luigi.task.externalize(t)
    assert ext.run is None and ext.task_id == t.task_id
    assert t.clone(region=tasks.Region.south).region == tasks.Region.south
    assert tasks.DailyTotals(day=DAY).requires() == tasks.CleanSales(day=DAY)
    assert sorted(tasks.ItemReport.get_param_names()) == [
        "day", "heading", "label", "min_qty", "region",
    ]
    assert luigi.task.flatten_output(t)[0].path == t.output().path
