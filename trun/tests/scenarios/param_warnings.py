"""Scenario: the warnings a task's parameters give: a plain Parameter given a non-string, an
Optional...Parameter given another type, and config values in a task's section that no parameter
consumes (once per task class and key; ignore_unconsumed keeps quiet)."""

import json
import warnings

import luigi
from luigi.parameter import ParameterVisibility


class Job(luigi.Task):
    a = luigi.Parameter(default="d")
    b = luigi.OptionalIntParameter(default=None)
    c = luigi.OptionalParameter(default=None)
    d = luigi.OptionalListParameter(default=None)
    e = luigi.OptionalPathParameter(default=None)
    f = luigi.OptionalChoiceParameter(default=None, choices=[1, 2], var_type=int)


class Quiet(luigi.Task):
    ignore_unconsumed = {"extra"}
    x = luigi.IntParameter(default=1)


def caught(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fn()
    return [[w.category.__name__, str(w.message)] for w in seen]


if __name__ == "__main__":
    cfg = luigi.configuration.get_config()
    cfg.set("Job", "zzz", "1")
    cfg.set("Job", "other_key", "2")
    cfg.set("Quiet", "extra", "3")
    cfg.set("Quiet", "loud", "4")
    cases = [dict(a=None), dict(a=3), dict(b=2.5), dict(b=2), dict(c=5), dict(c="s"), dict(d=[1]),
             dict(d="s"), dict(e="p"), dict(f=1), {}]
    res = {str(kw): caught(lambda kw=kw: Job(**kw)) for kw in cases}
    res["quiet"] = caught(lambda: Quiet())
    res["quiet_again"] = caught(lambda: Quiet(x=2))
    res["visibility"] = [ParameterVisibility.has_value(1), ParameterVisibility.has_value(9),
                         ParameterVisibility.PRIVATE.serialize()]
    res["expected_types"] = [luigi.OptionalIntParameter.expected_type.__name__,
                             luigi.OptionalListParameter.expected_type.__name__,
                             luigi.OptionalParameter.expected_type.__name__]
    print(json.dumps(res, sort_keys=True))
