"""What extensions do with parameters and step classes beyond the documented API (gokart's habits):
a parameter class asking the command line for a plain value (``_parser_kwargs``), a parameter added
to a class after it was made (``__set_name__``), a wrapping subclass keeping the family
(``task._task_wraps``), list values kept as tuples, and files that are io's text or binary kinds."""
import io
import json

import luigi
import luigi.task
from luigi.cmdline_parser import CmdlineParser


class ExplicitFlag(luigi.BoolParameter):
    def _parser_kwargs(self, *args, **kwargs):
        return luigi.Parameter._parser_kwargs(*args, **kwargs)


class Flagged(luigi.Task):
    flag = ExplicitFlag(default=False)
    switch = luigi.BoolParameter()


def parsed(argv):
    try:
        with CmdlineParser.global_instance(argv) as cp:
            task = cp.get_task_obj()
            return [task.flag, task.switch]
    except SystemExit as e:
        return f"exit {e.code}"


class Late(luigi.Task):
    pass


def add_late(value):
    param = luigi.Parameter(default=value)
    param.__set_name__(Late, "late")
    Late.late = param
    return Late().late, [name for name, _ in Late.get_params()]


class Base(luigi.Task):
    items = luigi.Parameter(default=None)
    both = luigi.IntParameter(default=0)


@luigi.task._task_wraps(Base)
class Wrapped(Base):
    pass


def kinds(fmt):
    target = luigi.LocalTarget("kind.out", format=fmt)
    with target.open("w") as f:
        written = [isinstance(f, io.TextIOBase), isinstance(f, io.BufferedIOBase)]
        f.write("x" if isinstance(f, io.TextIOBase) else b"x")
    with target.open("r") as f:
        return written + [isinstance(f, io.TextIOBase), isinstance(f, io.BufferedIOBase)]


first = add_late("one")
second = add_late("two")  # replaced: the new parameter, not one remembered from before
with_list = Base(items=[1, [2]], both=3)
print(json.dumps({
    "flag": [parsed(["Flagged", "--flag", "true"]), parsed(["Flagged", "--flag", "false", "--switch"]),
             parsed(["Flagged", "--flag"])],
    "late": [first, second],
    "wrapped": [Wrapped.__name__, Wrapped.get_task_family(), Wrapped.__qualname__, Wrapped(both=1).task_id],
    "items": [type(with_list.items).__name__, repr(with_list.items), type(Base(items={1}).items).__name__],
    "kinds": {"text": kinds(luigi.format.Text), "nop": kinds(luigi.format.Nop),
              "gzip_text": kinds(luigi.format.UTF8 >> luigi.format.Gzip), "gzip": kinds(luigi.format.Gzip)},
}))
