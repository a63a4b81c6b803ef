"""Typed parameters, optional, enum, collection, date and task parameters, custom subclasses, inheritance
and util.requires/inherits, under mypy with the plugin (see test_luigi_same_mypy)."""
import datetime
import enum
from pathlib import Path
from typing import Any, reveal_type

import luigi
from luigi.util import inherits, requires


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


class Celsius(luigi.Parameter[float]):
    def parse(self, x: str) -> float:
        return float(x)


class Quiet(luigi.IntParameter):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)


class Typed(luigi.Task):
    a: luigi.Parameter[int] = luigi.Parameter(default=1)
    b: luigi.IntParameter = luigi.IntParameter()
    c: luigi.Parameter[str] = luigi.Parameter()
    d: luigi.OptionalParameter = luigi.OptionalParameter()
    e: luigi.EnumParameter[Colour] = luigi.EnumParameter(enum=Colour)
    f: luigi.DateParameter = luigi.DateParameter()
    g: luigi.ListParameter = luigi.ListParameter()
    h: luigi.DictParameter = luigi.DictParameter()
    i: luigi.TupleParameter = luigi.TupleParameter()
    j: luigi.TaskParameter = luigi.TaskParameter()
    k: Celsius = Celsius()
    m: luigi.PathParameter = luigi.PathParameter()
    o: luigi.FloatParameter = luigi.FloatParameter()
    p: luigi.BoolParameter = luigi.BoolParameter()
    q: luigi.OptionalIntParameter = luigi.OptionalIntParameter()
    r: luigi.TimeDeltaParameter = luigi.TimeDeltaParameter()


class Values(luigi.Task):
    n: int | None = luigi.OptionalIntParameter()
    s: str | None = luigi.OptionalParameter(default=None)
    colour: Colour = luigi.EnumParameter(enum=Colour)
    colours: tuple[Colour, ...] = luigi.EnumListParameter(enum=Colour)
    items: tuple[Any, ...] = luigi.ListParameter()
    mapping: dict[str, Any] = luigi.DictParameter()
    pairs: tuple[Any, ...] = luigi.TupleParameter()
    day: datetime.date = luigi.DateParameter()
    hour: datetime.datetime = luigi.DateHourParameter()
    other: type[luigi.Task] = luigi.TaskParameter()
    temp: float = Celsius()
    quiet = Quiet()
    quiet_typed: int = Quiet()
    path: Path = luigi.OptionalPathParameter()
    pick: str = luigi.ChoiceParameter(choices=["x", "y"])
    picks: tuple[int, ...] = luigi.ChoiceListParameter(choices=[1, 2])
    num: float = luigi.NumericalParameter(var_type=float, min_value=0.0, max_value=1.0)


class Child(Values):
    extra: int = luigi.IntParameter(default=0)

    def colour(self) -> int:
        return 1


@requires(Values)
class Needs(luigi.Task):
    own: int = luigi.IntParameter(default=1)


@inherits(Values)
class Gets(luigi.Task):
    pass


@requires(Values, Typed)
class NeedsBoth(luigi.Task):
    pass


class Positional(luigi.Task):
    x: str = luigi.Parameter("a")
    y: int = luigi.IntParameter(3, significant=False)


class Guarded(luigi.Task):
    import sys
    if sys.version_info >= (3, 0):  # noqa: UP036 (its else branch is unreachable: skipped)
        g: int = luigi.IntParameter()
    else:
        h: int = luigi.IntParameter()


wrong_choice: int = luigi.ChoiceParameter(choices=["a"])
wrong_enum: str = luigi.EnumParameter(enum=Colour)
wrong_default: int = luigi.DateParameter(default=datetime.date(2024, 1, 1))
bad_kw = luigi.IntParameter(nonsense=1)
bad_default = luigi.IntParameter(default="x")
bad_date = luigi.DateParameter(default="2024-01-01")
bad_enum = luigi.EnumParameter(enum=Colour, default=1)

Typed(a="x", b="y", c=3, d=4, e=1, f=2, g=3, h=4, i=5, j=6, k="k", m=7, o="o", p="p", q="q", r=8)
Typed(a=1, b=2, c="c", d=None, e=Colour.RED, f=datetime.date(2024, 1, 1), g=(1,), h={}, i=(), j=Values,
      k=1.5, m=Path("."), o=1.0, p=True, q=None, r=datetime.timedelta(1))
Values(n="1", s=1, colour="RED", colours=[Colour.RED], items=[1], mapping=1, pairs=[1], day="d", hour=1,
       other=1, temp="t", quiet="q", quiet_typed="q", path="p", pick=1, picks=("a",), num="n")
Values(n=None, s=None, colour=Colour.RED, colours=(Colour.RED,), items=(1,), mapping={}, pairs=(),
       day=datetime.date(2024, 1, 1))
Child(extra="1", n=2)
Needs(own="1")
Needs(n=1)
Gets(n=1)
NeedsBoth(n=1, zzz=3)
Guarded(g="1", h=2)
reveal_type(Typed().a)
reveal_type(Typed().b)
reveal_type(Typed().e)
reveal_type(Typed().j)
reveal_type(Typed.b)
reveal_type(Values().n)
reveal_type(Values().colours)
reveal_type(Values().quiet)
reveal_type(Values.quiet)
reveal_type(Values().picks)
reveal_type(Values.__init__)
reveal_type(Child.__init__)
reveal_type(Needs.__init__)
reveal_type(luigi.ListParameter())
reveal_type(luigi.Parameter())
reveal_type(luigi.Parameter(default=1))
reveal_type(luigi.OptionalParameter(default=None))
reveal_type(luigi.ChoiceListParameter(choices=("a",)))
reveal_type(luigi.EnumListParameter(enum=Colour))
