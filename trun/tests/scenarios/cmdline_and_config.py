"""Scenario: the command line and the configuration as a Luigi user meets them: abbreviated flags of
a namespaced step, the root step's flags in --help, no step given, Luigi's deprecated spellings
(dashed keys, [core] default-scheduler-port, is_global), config.write(), time delta errors."""

import contextlib
import io
import json
import warnings

import luigi
import luigi.interface
from luigi import configuration


class Listed(luigi.Task):
    task_namespace = "mynamespace"
    l_param = luigi.ListParameter(default=[1, 2, 3])
    expected = luigi.ListParameter()

    def complete(self):
        return list(self.l_param) == list(self.expected)


def run(*argv):
    """What luigi.run gives for argv: its result, or the SystemExit code and the printed text."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return {"ok": luigi.run(list(argv) + ["--local-scheduler", "--no-lock", "--log-level",
                                                  "CRITICAL"])}
    except SystemExit as e:
        return {"exit": str(e.code), "stdout": out.getvalue(), "stderr": err.getvalue()}


def warned(fn):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        value = fn()
    return [value, sorted({f"{w.category.__name__}: {w.message}" for w in record
                           if w.category is DeprecationWarning})]


res = {}
res["abbreviated_flag"] = run("mynamespace.Listed", "--mynamespace.Listed-l", "[4,5]", "--expected", "[4,5]")
res["abbreviated_flag_wrong"] = run("mynamespace.Listed", "--mynamespace.Listed-l", "[4,5]",
                                    "--expected", "[1,2,3]")
helped = run("mynamespace.Listed", "--help")
res["help_exit"] = helped["exit"]
res["help_shows"] = [flag in helped["stdout"] for flag in ("--mynamespace.Listed-l-param", "--l-param",
                                                           "--expected")]
nothing = run()
res["no_step"] = [nothing["exit"].split(":")[0].split(";")[0]]

config = configuration.get_config()
config.add_section("core")
config.set("core", "default-scheduler-port", "6543")
res["default_scheduler_port"] = warned(lambda: luigi.interface.core().scheduler_port)
config.remove_section("core")
config.add_section("core")
config.set("core", "scheduler-port", "6544")
res["dashed_key"] = warned(lambda: luigi.interface.core().scheduler_port)
config.add_section("extra")
config.set("extra", "answer", "42")
written = io.StringIO()
config.write(written)
res["written_has"] = ["[extra]" in written.getvalue(), "answer = 42" in written.getvalue()]


def is_global():
    class Old(luigi.Task):
        x = luigi.Parameter(default="y", is_global=True)

    try:
        Old("arg")
    except luigi.parameter.UnknownParameterException:
        return "keyword only"
    return "positional"


res["is_global"] = warned(is_global)
for text in ("P6M", "P3Y6M4DT12H30M5S", "soon"):
    try:
        luigi.TimeDeltaParameter().parse(text)
    except Exception as e:  # the class and text are what a user sees
        res[f"timedelta_{text}"] = [type(e).__name__, str(e)]
print(json.dumps(res, sort_keys=True))
