"""Scenario: what Luigi's own unit tests lean on — swapping the config instance, patching module names,
parsing edge cases of parameters, SysNewLine, config interpolation order."""

import json
import os
import warnings
from unittest import mock

import luigi
import luigi.batch_notifier
import luigi.configuration
import luigi.date_interval
import luigi.format
from luigi.cmdline_parser import CmdlineParser
from luigi.util import inherits

res = {}


def attempt(fn):
    try:
        return ["value", fn()]
    except Exception as e:
        return ["error", type(e).__name__]


# a test helper's way to run under another configuration: a fresh parser as the instance
orig = luigi.configuration.LuigiConfigParser.instance()
fresh = luigi.configuration.LuigiConfigParser()
fresh.add_section("Greeter")
fresh.set("Greeter", "name", "from-swapped-config")
luigi.configuration.LuigiConfigParser._instance = fresh


class Greeter(luigi.Config):
    name = luigi.Parameter(default="dflt")


res["swapped_config"] = Greeter().name
res["add_section_twice"] = attempt(lambda: fresh.add_section("Greeter"))
luigi.configuration.LuigiConfigParser._instance = orig
res["restored_config"] = Greeter(name="x").name


class Plain(luigi.Config):
    use_cmdline_section = False
    n_cats = luigi.IntParameter(default=1)


class Dogs(luigi.Config):
    n_dogs = luigi.IntParameter(default=1)


class Root(luigi.Task):
    pass


with CmdlineParser.global_instance(["--Dogs-n-dogs", "99", "--n-cats", "7", "Root"]) as cp:
    res["cmdline"] = [type(cp.get_task_obj()).__name__, Dogs().n_dogs, Plain().n_cats]


class Parent(luigi.Task):
    a = luigi.Parameter(default="a")
    b = luigi.Parameter(default="b")


@inherits(Parent)
class Child(luigi.Task):
    b = None


res["inherits_none_removes"] = sorted(name for name, _ in Child.get_params())


class Forgot(luigi.Task):
    needed = luigi.Parameter()


res["run_missing_param"] = attempt(lambda: luigi.run(["Forgot", "--local-scheduler", "--no-lock"]))

tp, lp = luigi.TupleParameter(), luigi.ListParameter()
res["tuple_python_syntax"] = attempt(lambda: list(tp.parse('(1, "a", (2, 3))')))
res["tuple_bad"] = attempt(lambda: tp.parse("((1,2),(3,4"))
res["list_of_string"] = attempt(lambda: lp.parse('"ab"'))
res["list_of_number"] = attempt(lambda: lp.parse("5"))
res["month_interval"] = str(luigi.MonthParameter().normalize(luigi.date_interval.Month(2015, 4)))
res["year_interval"] = str(luigi.YearParameter().normalize(luigi.date_interval.Year(2015)))
res["choice_without_choices"] = attempt(lambda: luigi.ChoiceParameter(var_type=int))
res["choice_wrong_type"] = attempt(lambda: luigi.ChoiceParameter(var_type=int, choices=[1, "2"]))
res["path_missing"] = attempt(lambda: luigi.PathParameter(exists=True).normalize("no/such/path"))
res["path_missing_text"] = ""
try:
    luigi.PathParameter(exists=True).normalize("no/such/path")
except ValueError as e:
    res["path_missing_text"] = str(e)


class Typed(luigi.Task):
    n = luigi.IntParameter(default=1)
    f = luigi.BoolParameter(default=False)
    p = luigi.Parameter(default=None)


res["int_kept_as_given"] = [repr(Typed(n="5").n), Typed(n="5") is Typed(n=5)]
res["bool_from_code"] = [repr(Typed(f="true").f), repr(Typed(f=1).f)]
with mock.patch("luigi.parameter.warnings") as patched:
    Typed()
res["default_none_warns"] = [list(c.args) for c in patched.warn.call_args_list]

path = os.path.abspath("newline.txt")
with mock.patch("os.linesep", "\r\n"):
    target = luigi.LocalTarget(path, luigi.format.SysNewLine)
    with target.open("w") as f:
        f.write(b"a\rb\nc\r\nd")
    with target.open("r") as f:
        res["sysnewline_read"] = f.read().decode()
with open(path, "rb") as f:
    res["sysnewline_disk"] = f.read().decode()

os.environ["HABITS_VAR"] = "1"
cfg = luigi.configuration.LuigiConfigParser.instance()
cfg.set("interp", "a", "${HABITS_VAR}")
cfg.set("interp", "c", "${HABITS_VAR} %(a)s")
res["interpolation_order"] = cfg.get("interp", "c")

sent = []
with mock.patch("luigi.batch_notifier.send_email", lambda *a: sent.append(list(a[:2]) + [list(a[3])])), \
        mock.patch("luigi.batch_notifier.email") as email:
    email().sender, email().receiver = "s@x", "r@x"
    bn = luigi.batch_notifier.BatchNotifier(batch_mode="all")
    bn.add_failure("T(a=1)", "T", {"a": 1}, "boom", [])
    bn.send_email()
res["batch_mail_patched"] = sent
warnings.simplefilter("ignore")
print(json.dumps(res, sort_keys=True, default=str))
