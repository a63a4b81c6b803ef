"""Scenario: parameter values given in code and in the configuration, as Luigi treats them: clone()
from plain attributes, values kept as given, Optional... defaults and type warnings, batches of
nothing, underscore and dashed config keys, unknown keys in the built-in sections."""

import json
import operator
import warnings

import luigi
from luigi import configuration


def attempt(fn):
    try:
        value = fn()
    except Exception as e:  # the class name is the observable outcome
        return ["error", type(e).__name__]
    plain = isinstance(value, (int, float, str, type(None)))
    return ["value", type(value).__name__, value if plain else None]


def warned(fn):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn()
    return [f"{w.category.__name__}: {w.message}" for w in record
            if w.category.__name__ != "DeprecationWarning"]


class LinearSum(luigi.Task):
    lo = luigi.IntParameter()
    hi = luigi.IntParameter()


class Source(luigi.Task):
    lo = 1

    @property
    def hi(self):
        return 2


class Bounded(luigi.Task):
    n = luigi.OptionalNumericalParameter(var_type=int, min_value=0, max_value=10)
    k = luigi.NumericalParameter(var_type=float, min_value=0, max_value=1, left_op=operator.lt,
                                 right_op=operator.le, default=0.5, description="a share")


class Maybe(luigi.Task):
    text = luigi.OptionalParameter()
    flag = luigi.OptionalBoolParameter()
    count = luigi.OptionalIntParameter()


class FloatOrNone(luigi.parameter.OptionalParameter, luigi.FloatParameter):
    expected_type = (int, float)


class Mixed(luigi.Task):
    x = FloatOrNone()


class Styled(luigi.Config):
    max_rate = luigi.IntParameter()
    min_rate = luigi.IntParameter()


class Done(luigi.Task):
    def complete(self):
        return True


res = {}
cloned = Source().clone(cls=LinearSum)
res["clone_from_attributes"] = [cloned.lo, cloned.hi, cloned.task_id]
res["clone_kwargs_win"] = LinearSum(lo=1, hi=2).clone(hi=5).hi
res["numerical_bad_in_code"] = warned(lambda: Bounded(n="bad data"))
res["numerical_out_of_range_in_code"] = attempt(lambda: Bounded(n=99).n)
res["numerical_parse_out_of_range"] = attempt(lambda: Bounded.n.parse("99"))
res["numerical_parse_bad"] = attempt(lambda: Bounded.k.parse("0"))
res["numerical_description"] = Bounded.k.description
res["optional_defaults"] = [Maybe().text, Maybe().flag, Maybe().count]
res["optional_numerical_no_default"] = attempt(lambda: Bounded().n)
res["optional_choice_no_default"] = attempt(
    lambda: type("Pick", (luigi.Task,), {"c": luigi.OptionalChoiceParameter(choices=["a"])})().c)
res["multi_type_warning"] = warned(lambda: Mixed(x="1"))
res["empty_batch"] = [attempt(lambda m=m: luigi.Parameter(batch_method=m)._parse_list([]))
                      for m in (max, min, tuple, ",".join)]
odd = type("OddVisibility", (luigi.Task,), {"a": luigi.Parameter(default="v", visibility=5)})()
res["unknown_visibility_is_public"] = [odd.to_str_params(only_public=True),
                                       int(odd.get_params()[0][1].visibility)]
config = configuration.get_config()
config.add_section("Styled")
config.set("Styled", "max_rate", "1")
config.set("Styled", "max-rate", "2")
config.set("Styled", "min-rate", "3")
res["config_underscore_wins"] = [Styled().max_rate, Styled().min_rate]
config.add_section("core")
config.set("core", "wrokers", "2")
config.add_section("worker")
config.set("worker", "timeuot", "3")
res["unknown_builtin_keys"] = [w for w in warned(
    lambda: res.setdefault("unknown_builtin_keys_ran", luigi.build([Done()], local_scheduler=True,
                                                                   log_level="CRITICAL")))
    if w.startswith("UnconsumedParameterWarning")]
print(json.dumps(res, sort_keys=True))
