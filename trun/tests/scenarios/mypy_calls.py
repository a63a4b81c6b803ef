"""Calls of the tasks in mypy_steps: valid ones, then one error of each kind per line."""
import datetime

import luigi
from mypy_steps import Colour, Everything, NoAnnotations, Outside, OwnInit, Report, Settings


class Later(Report):
    extra: str = luigi.Parameter(default="e")


ok = [
    Report(n=1),
    Report(),
    Report(n=1, day=datetime.date(2024, 1, 3), colour=Colour.RED, limit=None, kind="b", verbose=True),
    Later(n=2, extra="f", ratio=2.5),
    Everything(when=datetime.date(2024, 1, 1)),
    Outside(path="/tmp/x"),
    Settings(retries=3),
    NoAnnotations(n=1),
    OwnInit(anything=1),
]
luigi.build(ok, local_scheduler=True)
options: dict[str, object] = {"local_scheduler": True, "workers": 2}
luigi.build(ok, **options)
luigi.run(["Report", "--n", "1"], local_scheduler=True)

Report(n="1")
Report(m=1)
Report(1)
Report(n=1, day="2024-01-02")
Report(n=1, colour=1)
Report(n=1, untyped=4)
Report(n=1, shared=4)
Later(extra=3)
Everything(when=1)
Outside(path=None)
Settings(retries="3")
