"""Luigi tasks whose constructor calls mypy checks with the mypy plugin (see test_luigi_same_mypy)."""
import datetime
import enum
from typing import ClassVar

import luigi


class Colour(enum.Enum):
    RED = 1
    BLUE = 2


class Base(luigi.Task):
    n: int = luigi.IntParameter()
    name: str = luigi.Parameter(default="x")


class Report(Base):
    day: datetime.date = luigi.DateParameter(default=datetime.date(2024, 1, 2))
    ratio: float = luigi.FloatParameter(default=1.0)
    verbose: bool = luigi.BoolParameter()
    limit: int | None = luigi.OptionalIntParameter(default=None)
    colour: Colour = luigi.EnumParameter(enum=Colour)
    kind: str = luigi.ChoiceParameter(choices=["a", "b"], default="a")
    untyped = luigi.IntParameter(default=3)
    shared: ClassVar[int] = 7

    def run(self) -> None:
        total: int = self.n + self.limit if self.limit is not None else self.n
        print(total, self.day.isoformat())


class Everything(luigi.WrapperTask):
    when: datetime.date = luigi.DateParameter()


class Outside(luigi.ExternalTask):
    path: str = luigi.Parameter()


class Settings(luigi.Config):
    retries: int = luigi.IntParameter(default=2)


class NoAnnotations(luigi.Task):
    n = luigi.IntParameter()


class OwnInit(luigi.Task):
    n: int = luigi.IntParameter()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)


wrong_default: str = luigi.IntParameter(default=1)
no_default: str = luigi.IntParameter()
