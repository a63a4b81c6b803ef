"""Which class a task family names when several classes claim it (Register._get_reg, get_task_cls)."""
import json

import luigi
from luigi.task_register import Register, TaskClassAmbigiousException


class A(luigi.Task):
    n = luigi.IntParameter(default=0)

class B(luigi.Task):
    n = luigi.IntParameter(default=0)

first_b = B

class B(luigi.Task):  # noqa: F811  the same family again, not a subclass
    pass

class C(luigi.Task):
    n = luigi.IntParameter(default=0)

class C(C):  # noqa: F811  a subclass of the same name replaces it
    pass

D = type("Shared", (luigi.Task,), {"__module__": "module_one", "n": luigi.IntParameter(default=0)})
E = type("Shared", (luigi.Task,), {"__module__": "module_two", "n": luigi.IntParameter(default=0)})
Override = type("A", (A,), {"__module__": "module_three"})  # a subclass elsewhere, under the same name

reg = Register._get_reg()
FAMILIES = ("A", "B", "C", "Shared")
seen = {name: ("AMBIGUOUS" if reg[name] is Register.AMBIGUOUS_CLASS else reg[name].__module__)
        for name in ("A", "B", "C", "Shared")}
errors = {}
for name in ("A", "B", "C", "Shared"):
    try:
        found = Register.get_task_cls(name)
        errors[name] = f"{found.__module__}.{found.__name__}"
    except (TaskClassAmbigiousException, luigi.task_register.TaskClassNotFoundException) as e:
        errors[name] = type(e).__name__
seen["get"] = errors
seen["names"] = [n for n in Register.task_names() if n in ("A", "B", "C", "Shared")]
seen["sentinel is a class"] = isinstance(Register.AMBIGUOUS_CLASS, type)
# the parameters of every family but the ambiguous ones
seen["params of"] = sorted({family for family, _, _, _ in Register.get_all_params()} & set(FAMILIES))
print(json.dumps(seen, sort_keys=True))
