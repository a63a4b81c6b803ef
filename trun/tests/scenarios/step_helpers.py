"""Scenario: the helpers of luigi.task as a user's code meets them: getpaths() keeps mapping classes,
flatten_output() of wrapper diamonds, externalize() under a namespace, namespace scopes that are
reset, pickling with callbacks set, the timedelta type warning, a bad value in the config."""

import collections
import json
import pickle
import warnings

import luigi
import luigi.util
from luigi import configuration


class Leaf(luigi.ExternalTask):
    def output(self):
        return [luigi.LocalTarget("file.txt")]


@luigi.util.requires(Leaf)
class Left(luigi.WrapperTask):
    pass


@luigi.util.requires(Leaf)
class Right(luigi.WrapperTask):
    pass


@luigi.util.requires(Left, Right)
class Top(luigi.WrapperTask):
    pass


luigi.namespace("lets.externalize")


class Named(luigi.Task):
    pass


luigi.namespace()
luigi.namespace("outer", scope="")
luigi.namespace(scope=__name__)  # reset: the scope around it ("outer") applies


class Scoped(luigi.Task):
    pass


luigi.namespace()


class Timed(luigi.Task):
    wait = luigi.TimeDeltaParameter()


class DurationLike:
    """Not a timedelta, though it looks like one."""

    days = 1
    seconds = 1

    def __str__(self):
        return "a day and a second"


class Strict(luigi.Task):
    n = luigi.IntParameter()


res = {}
paths = luigi.task.getpaths({"ordered": collections.OrderedDict([("k", Leaf())]), "plain": {"k": Leaf()}})
res["getpaths_types"] = [type(paths["ordered"]).__name__, type(paths["plain"]).__name__]
res["flatten_output_diamond"] = [t.path for t in luigi.task.flatten_output(Top())]
res["externalized_ids"] = [Named().task_id, luigi.task.externalize(Named()).task_id,
                           luigi.task.externalize(Named)().task_id]
res["scoped_family"] = Scoped.get_task_family()
step = luigi.Task()
step.set_tracking_url = lambda url: url
with step.no_unpicklable_properties():
    res["pickled_with_callbacks"] = type(pickle.loads(pickle.dumps(step))).__name__
res["callbacks_back"] = step.set_tracking_url("http://x")
with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    Timed(wait=DurationLike())
res["timedelta_warning"] = [str(w.message) for w in record]
config = configuration.get_config()
config.add_section("Strict")
config.set("Strict", "n", "bad_value")
try:
    Strict()
except ValueError as e:  # Luigi's words begin the message
    res["bad_config_value"] = [type(e).__mro__[-3].__name__, str(e).split(": Error")[0],
                               "Error when parsing the default value of 'n'" in str(e)]
print(json.dumps(res, sort_keys=True))
