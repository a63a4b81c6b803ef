"""Parameter parsing, normalisation and defaults from config and command line."""

import datetime
import enum
from pathlib import Path

import pytest

import trun
from trun import date_interval as di
from trun.configuration import ConfigError, get_config
from trun.parameter import FrozenDict, set_cmdline_value


class Color(enum.Enum):
    red = 1
    blue = 2


def test_scalar_parsing():
    assert trun.IntParameter().parse("42") == 42
    assert trun.FloatParameter().parse("2.5") == 2.5
    b = trun.BoolParameter()
    assert b.parse("True") is True and b.parse("false") is False
    with pytest.raises(ValueError):
        b.parse("maybe")
    with pytest.raises(ValueError):
        trun.IntParameter().parse("4.2")
    assert trun.EnumParameter(enum=Color).parse("blue") is Color.blue
    with pytest.raises(ValueError):
        trun.EnumParameter(enum=Color).parse("green")
    assert trun.EnumListParameter(enum=Color).parse("red,blue") == (Color.red, Color.blue)


def test_choice_and_numerical():
    c = trun.ChoiceParameter(choices=["a", "b"])
    assert c.parse("a") == "a"
    with pytest.raises(ValueError):
        c.parse("z")
    assert trun.ChoiceParameter(choices=[1, 2], var_type=int).parse("2") == 2
    n = trun.NumericalParameter(var_type=int, min_value=0, max_value=10)
    assert n.parse("9") == 9
    with pytest.raises(ValueError):
        n.parse("10")


def test_dates():
    assert trun.DateParameter().parse("2024-02-29") == datetime.date(2024, 2, 29)
    assert trun.MonthParameter().parse("2024-03") == datetime.date(2024, 3, 1)
    assert trun.YearParameter().parse("2024") == datetime.date(2024, 1, 1)
    dh = trun.DateHourParameter()
    assert dh.parse("2024-01-02T05") == datetime.datetime(2024, 1, 2, 5)
    assert dh.serialize(datetime.datetime(2024, 1, 2, 5)) == "2024-01-02T05"
    assert dh.normalize(datetime.datetime(2024, 1, 2, 5, 33)) == datetime.datetime(2024, 1, 2, 5)
    assert trun.DateMinuteParameter().parse("2024-01-02T0530") == datetime.datetime(2024, 1, 2, 5, 30)
    with pytest.raises(ValueError):
        trun.DateParameter().parse("2024-02-30")
    assert trun.MonthParameter().next_in_enumeration(datetime.date(2024, 12, 1)) == datetime.date(2025, 1, 1)


def test_date_interval_algebra():
    p = trun.DateIntervalParameter()
    month = p.parse("2024-01")
    assert isinstance(month, di.Month) and len(month) == 31
    week = p.parse("2024-W02")
    assert isinstance(week, di.Week) and week.date_a == datetime.date(2024, 1, 8) and len(week) == 7
    custom = p.parse("2024-01-02-2024-01-09")
    assert isinstance(custom, di.Custom) and len(custom.dates()) == 7
    assert datetime.date(2024, 1, 8) in custom and datetime.date(2024, 1, 9) not in custom
    assert p.serialize(custom) == "2024-01-02-2024-01-09"
    assert p.parse("2024-01-05").to_string() == "2024-01-05"
    assert p.parse("2024") == di.Year(2024)
    assert month.next() == di.Month(2024, 2) and month.prev() == di.Month(2023, 12)
    for bad in ("2024-13", "2024-W60", "2024-01-09-2024-01-02", "yesterday"):
        with pytest.raises(ValueError):
            p.parse(bad)


def test_timedelta():
    p = trun.TimeDeltaParameter()
    assert p.parse("1 day") == datetime.timedelta(days=1)
    assert p.parse("2h 30m") == datetime.timedelta(hours=2, minutes=30)
    assert p.parse("1 w 2 d") == datetime.timedelta(days=9)
    assert p.parse("P1DT2H") == datetime.timedelta(days=1, hours=2)
    assert p.parse("90") == datetime.timedelta(seconds=90)
    td = datetime.timedelta(days=1, seconds=61)
    assert p.parse(p.serialize(td)) == td
    with pytest.raises(trun.parameter.ParameterException, match="Invalid time delta"):  # as Luigi
        p.parse("soon")


def test_list_dict_path():
    lp = trun.ListParameter()
    v = lp.normalize(lp.parse('[1, [2, 3]]'))  # parse gives the list, the step holds tuples
    assert v == (1, (2, 3)) and hash(v)
    assert lp.serialize(v) == "[1, [2, 3]]"
    assert lp.parse('{"a": 1}') == ["a"] and lp.parse('"ab"') == ["a", "b"]  # list() of it, as Luigi
    with pytest.raises(TypeError):
        lp.parse("5")
    dp = trun.DictParameter()
    d = dp.normalize(dp.parse('{"a": {"b": [1]}}'))
    assert isinstance(d, FrozenDict) and d["a"]["b"] == (1,) and hash(d)
    assert dp.serialize(d) == '{"a": {"b": [1]}}'
    assert trun.PathParameter().normalize("a/b") == Path("a/b")
    with pytest.raises(ValueError):
        trun.PathParameter(exists=True).normalize("does/not/exist")


def test_list_and_dict_values_make_hashable_steps():
    class S(trun.Step):
        items = trun.ListParameter()
        opts = trun.DictParameter(default={})

    assert S(items=[1, 2], opts={"k": [1]}) is S(items=(1, 2), opts={"k": (1,)})


def test_step_parameter():
    class Target_(trun.Step):
        pass

    class Uses(trun.Step):
        cls = trun.StepParameter()

    assert Uses(cls=Target_).cls is Target_
    assert Uses.get_param_values(Uses.get_params(), [], {"cls": "Target_"}) == [("cls", "Target_")]
    assert trun.StepParameter().parse("Target_") is Target_  # from the command line or a config
    assert trun.StepParameter().serialize(Target_) == "Target_"
    with pytest.raises(AttributeError):  # as Luigi's: a name given in code is not looked up
        Uses(cls="Target_")


def test_defaults_from_config_and_cmdline(tmp_path):
    class Cfgd(trun.Step):
        n = trun.IntParameter(default=1)
        when = trun.DateParameter(default=datetime.date(2020, 1, 1))

    assert Cfgd().n == 1
    (tmp_path / "trun.toml").write_text('[Cfgd]\nn = 5\nwhen = "2021-02-03"\n')
    trun.configuration.reset_config()
    assert Cfgd().n == 5 and Cfgd().when == datetime.date(2021, 2, 3)
    set_cmdline_value("Cfgd", "n", "7")
    assert Cfgd().n == 7
    assert Cfgd(n=9).n == 9


def test_wrong_type_in_config_names_key_and_file(tmp_path):
    class Typed(trun.Step):
        n = trun.IntParameter(default=1)

    (tmp_path / "trun.toml").write_text('[Typed]\nn = "lots"\n')
    trun.configuration.reset_config()
    with pytest.raises(ConfigError) as e:
        Typed()
    assert "trun.toml" in str(e.value) and "[Typed] n" in str(e.value)
    get_config().set("Typed", "n", True)  # a TOML boolean is not an integer
    with pytest.raises(ConfigError):
        Typed()


def test_ini_config(tmp_path):
    class Ini(trun.Step):
        flag = trun.BoolParameter()
        items = trun.ListParameter(default=[])

    (tmp_path / "trun.cfg").write_text("[Ini]\nflag = true\nitems = [1, 2]\n")
    trun.configuration.reset_config()
    assert Ini().flag is True and Ini().items == (1, 2)


def test_config_path_param():
    class Aliased(trun.Step):
        v = trun.Parameter(config_path={"section": "elsewhere", "name": "value"})

    get_config().set("elsewhere", "value", "found")
    assert Aliased().v == "found"
