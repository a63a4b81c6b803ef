"""Scenario: parameter parsing, serialisation, validation errors and optional variants."""

import datetime
import enum
import json
import warnings
from unittest import mock

import luigi
from luigi import parameter as lp


class Color(enum.Enum):
    red = 1
    blue = 2


def attempt(fn):
    try:
        value = fn()
    except Exception as e:  # the class name is the observable outcome
        return ["error", type(e).__name__]
    if isinstance(value, (datetime.date, datetime.timedelta, enum.Enum)):
        return ["value", type(value).__name__, str(value)]
    if isinstance(value, (tuple, list, dict)) or hasattr(value, "items"):
        return ["value", type(value).__name__, repr(json.loads(json.dumps(value, default=list)))]
    if isinstance(value, (str, int, float, bool, type(None))):
        return ["value", type(value).__name__, value]
    return ["value", type(value).__name__]


res = {}
lst = luigi.ListParameter()
tup = luigi.TupleParameter()
dct = luigi.DictParameter()
res["list_ser"] = lst.serialize([1, "a", [2, 3], {"k": 1}])
res["list_parse"] = attempt(lambda: lst.parse('[1, "a", [2, 3]]'))
res["list_norm_type"] = type(lst.normalize([1, [2]])).__name__
res["list_inner_type"] = type(lst.normalize([1, [2]])[1]).__name__
res["tuple_ser"] = tup.serialize((1, (2, 3)))
res["tuple_parse"] = attempt(lambda: tup.parse("[[1, 2], [3]]"))
res["tuple_parse_inner"] = type(tup.parse("[[1, 2], [3]]")[0]).__name__
res["dict_ser"] = dct.serialize({"b": 1, "a": [1, 2], "c": {"d": 2}})
res["dict_parse"] = attempt(lambda: dct.parse('{"a": 1, "b": [1, 2]}'))
res["dict_hashable"] = hash(dct.normalize({"a": [1, 2], "b": {"c": 3}})) is not None
res["dict_frozen_set"] = attempt(lambda: dct.normalize({"a": 1}).__setitem__("a", 2))
res["dict_roundtrip"] = dct.serialize(dct.parse('{"x": {"y": [1, 2]}}'))
res["list_of_dicts_ser"] = lst.serialize(lst.normalize([{"a": 1}]))

schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]}
sdict = luigi.DictParameter(schema=schema)
res["schema_ok"] = attempt(lambda: sdict.normalize({"n": 3}))
res["schema_bad"] = attempt(lambda: sdict.normalize({"n": -1}))
res["schema_missing"] = attempt(lambda: sdict.parse('{"m": 1}'))
slist = luigi.ListParameter(schema={"type": "array", "items": {"type": "string"}})
res["list_schema_ok"] = attempt(lambda: slist.normalize(["a", "b"]))
res["list_schema_bad"] = attempt(lambda: slist.normalize(["a", 1]))

num = luigi.NumericalParameter(var_type=int, min_value=0, max_value=10)
res["num_ok"] = attempt(lambda: num.parse("3"))
res["num_max_excluded"] = attempt(lambda: num.parse("10"))
res["num_min"] = attempt(lambda: num.parse("-1"))
numf = luigi.NumericalParameter(var_type=float, min_value=0, max_value=1, left_op=lambda a, b: a < b,
                                right_op=lambda a, b: a <= b)
res["numf_edge"] = [attempt(lambda: numf.parse("0")), attempt(lambda: numf.parse("1"))]
res["num_no_bounds"] = attempt(lambda: luigi.NumericalParameter(var_type=int, min_value=0))
ch = luigi.ChoiceParameter(choices=["a", "b"])
res["choice_ok"] = attempt(lambda: ch.parse("a"))
res["choice_bad"] = attempt(lambda: ch.parse("c"))
res["choice_norm_bad"] = attempt(lambda: ch.normalize("c"))
chi = luigi.ChoiceParameter(choices=[1, 2], var_type=int)
res["choice_int"] = attempt(lambda: chi.parse("2"))
chl = luigi.ChoiceListParameter(choices=["a", "b", "c"])
res["choicelist"] = attempt(lambda: chl.parse("a,c"))
res["choicelist_ser"] = chl.serialize(("a", "c"))
res["choicelist_bad"] = attempt(lambda: chl.parse("a,z"))
en = luigi.EnumParameter(enum=Color)
res["enum"] = attempt(lambda: en.parse("blue"))
res["enum_ser"] = en.serialize(Color.red)
res["enum_bad"] = attempt(lambda: en.parse("green"))
enl = luigi.EnumListParameter(enum=Color)
res["enumlist_ser"] = enl.serialize((Color.red, Color.blue))
res["enumlist"] = [c.name for c in enl.parse("red,blue")]

res["month_parse"] = attempt(lambda: luigi.MonthParameter().parse("2024-03"))
res["month_norm"] = attempt(lambda: luigi.MonthParameter().normalize(datetime.date(2024, 3, 17)))
res["month_ser"] = luigi.MonthParameter().serialize(datetime.date(2024, 3, 17))
res["month_next"] = str(luigi.MonthParameter(interval=2).next_in_enumeration(datetime.date(2024, 11, 1)))
res["year_parse"] = attempt(lambda: luigi.YearParameter().parse("2024"))
res["year_ser"] = luigi.YearParameter().serialize(datetime.date(2024, 5, 5))
res["year_next"] = str(luigi.YearParameter().next_in_enumeration(datetime.date(2024, 1, 1)))
res["month_interval_norm"] = str(luigi.MonthParameter(interval=3).normalize(datetime.date(2024, 5, 9)))
res["date_interval_norm"] = str(luigi.DateParameter(interval=2,
                                                    start=datetime.date(2024, 1, 1)).normalize(
    datetime.date(2024, 1, 4)))
res["datehour_parse"] = attempt(lambda: luigi.DateHourParameter().parse("2024-01-02T05"))
res["dateminute_ser"] = luigi.DateMinuteParameter().serialize(datetime.datetime(2024, 1, 2, 5, 7))
res["dateminute_interval"] = str(luigi.DateMinuteParameter(interval=15).normalize(
    datetime.datetime(2024, 1, 2, 5, 7)))
res["datesecond_ser"] = luigi.DateSecondParameter().serialize(datetime.datetime(2024, 1, 2, 5, 7, 9))
td = luigi.TimeDeltaParameter()
res["td"] = [attempt(lambda s=s: td.parse(s)) for s in ["1 day", "2 hours", "1w 2d", "P1DT2H", "30"]]
res["td_ser"] = td.serialize(datetime.timedelta(days=1, hours=2, seconds=3))

res["opt_none_ser"] = luigi.OptionalParameter().serialize(None)
res["opt_parse_empty"] = attempt(lambda: luigi.OptionalParameter().parse(""))
res["optint_parse_empty"] = attempt(lambda: luigi.OptionalIntParameter().parse(""))
res["optint_parse"] = attempt(lambda: luigi.OptionalIntParameter().parse("4"))
res["optbool"] = [attempt(lambda s=s: luigi.OptionalBoolParameter().parse(s)) for s in ["", "true", "False"]]
res["optfloat"] = attempt(lambda: luigi.OptionalFloatParameter().parse("2.5"))
res["optlist_empty"] = attempt(lambda: luigi.OptionalListParameter().parse(""))
res["optlist"] = attempt(lambda: luigi.OptionalListParameter().parse("[1]"))
res["optdict_ser_none"] = luigi.OptionalDictParameter().serialize(None)
res["optchoice"] = attempt(lambda: luigi.OptionalChoiceParameter(choices=["x"]).parse(""))
res["bool"] = [attempt(lambda s=s: luigi.BoolParameter().parse(s)) for s in ["true", "False", "yes"]]
res["bool_ser"] = luigi.BoolParameter().serialize(True)
res["int_bad"] = attempt(lambda: luigi.IntParameter().parse("x"))
res["float"] = attempt(lambda: luigi.FloatParameter().parse("1e3"))
res["path"] = attempt(lambda: str(luigi.PathParameter().parse("a/b")))


class Dated(luigi.Task):
    day = luigi.DateParameter()
    tags = luigi.ListParameter(default=[1, 2])
    opts = luigi.DictParameter(default={"b": 2, "a": 1})
    pair = luigi.TupleParameter(default=((1, 2),))
    hidden = luigi.Parameter(default="h", visibility=lp.ParameterVisibility.HIDDEN)
    private = luigi.Parameter(default="p", visibility=lp.ParameterVisibility.PRIVATE)
    loose = luigi.Parameter(default="l", significant=False)


t = Dated(day=datetime.date(2024, 1, 2))
res["task_id"] = t.task_id
res["repr"] = repr(t)
res["str_params"] = t.to_str_params()
res["str_params_public"] = t.to_str_params(only_significant=True, only_public=True)
res["param_kwargs_types"] = {k: type(v).__name__ for k, v in t.param_kwargs.items()}
res["from_str"] = repr(Dated.from_str_params(t.to_str_params()))
res["missing"] = attempt(lambda: Dated())


class Meta(luigi.Task):
    other = luigi.TaskParameter()


res["task_param_class"] = Meta(other=Dated).other.__name__
with warnings.catch_warnings(record=True) as caught, mock.patch("luigi.parameter._JSONSCHEMA_ENABLED", False):
    warnings.simplefilter("always")
    unchecked = luigi.ListParameter(schema={"type": "array", "items": {"type": "string"}})
res["schema_without_jsonschema"] = [[str(w.message) for w in caught], unchecked.schema,
                                    attempt(lambda: unchecked.normalize([1]))]
with mock.patch("luigi.parameter.ParameterException") as exc:
    res["timedelta_mocked_error"] = [attempt(lambda: luigi.TimeDeltaParameter().parse("P6M")),
                                     [list(c.args) for c in exc.call_args_list]]
res["unknown"] = attempt(lambda: Dated(day=datetime.date(2024, 1, 2), nope=1))
res["twice"] = attempt(lambda: Dated(datetime.date(2024, 1, 2), day=datetime.date(2024, 1, 2)))
print(json.dumps(res, sort_keys=True))
