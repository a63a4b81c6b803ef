"""Range steps: require a step family for every date (or hour) of a range, but only the missing ones.

``RangeDaily(of=Report, start=date(2024, 1, 1), stop=date(2024, 2, 1))`` requires ``Report(date=d)``
for each day d in [start, stop) whose output is missing, at most ``step_limit`` of them per run.
If the family implements ``bulk_complete(dates)`` it is used for one batched completeness check.
"""

from __future__ import annotations

import datetime
from typing import Any

from trun.parameter import (
    BoolParameter,
    DateHourParameter,
    DateParameter,
    DictParameter,
    IntParameter,
    OptionalParameter,
    StepParameter,
)
from trun.step import BulkCompleteNotImplementedError, WrapperStep


class RangeBase(WrapperStep):
    """Shared logic of RangeDaily and RangeHourly."""

    of = StepParameter(description="The step family to require for each time in the range")
    of_params = DictParameter(default={}, description="Other parameters of `of`")
    reverse = BoolParameter(default=False, description="Schedule the most recent times first")
    step_limit = IntParameter(default=50, description="At most this many missing steps per run")
    param_name = OptionalParameter(default=None, description="Name of the time parameter of `of` "
                                                                "(default: its first positional one)")

    def _time_param(self) -> str:
        if self.param_name:
            return self.param_name
        for name, param in self.of.get_params():
            if param.positional and name not in self.of_params:
                return name
        raise ValueError(f"{self.of.get_step_family()} has no parameter to range over")

    def finite_datetimes(self) -> list[Any]:
        raise NotImplementedError

    def _instantiate(self, t: Any) -> Any:
        return self.of(**{self._time_param(): t}, **dict(self.of_params))

    def missing_datetimes(self, times: list[Any]) -> list[Any]:
        try:
            done = set(self.of.bulk_complete(times))
            return [t for t in times if t not in done]
        except BulkCompleteNotImplementedError:
            return [t for t in times if not self._instantiate(t).complete()]

    def requires(self) -> list[Any]:
        cached = self.__dict__.get("_missing_steps")
        if cached is None:
            times = self.finite_datetimes()
            if self.reverse:
                times = list(reversed(times))
            missing = self.missing_datetimes(times)[: self.step_limit]
            cached = [self._instantiate(t) for t in missing]
            self._missing_steps = cached
        return cached


class RangeDaily(RangeBase):
    """Every day in ``[start, stop)``; without them, the ``days_back`` days before today (to
    ``days_forward`` days after)."""

    start = DateParameter(default=None)
    stop = DateParameter(default=None)
    days_back = IntParameter(default=100)
    days_forward = IntParameter(default=0)

    def finite_datetimes(self) -> list[datetime.date]:
        today = datetime.date.today()
        start = self.start or today - datetime.timedelta(days=self.days_back)
        stop = self.stop or today + datetime.timedelta(days=self.days_forward)
        return [start + datetime.timedelta(days=i) for i in range((stop - start).days)]


class RangeHourly(RangeBase):
    """Every hour in ``[start, stop)``; without them, the ``hours_back`` hours before now."""

    start = DateHourParameter(default=None)
    stop = DateHourParameter(default=None)
    hours_back = IntParameter(default=100 * 24)
    hours_forward = IntParameter(default=0)

    def finite_datetimes(self) -> list[datetime.datetime]:
        now = datetime.datetime.now().replace(minute=0, second=0, microsecond=0)
        start = self.start or now - datetime.timedelta(hours=self.hours_back)
        stop = self.stop or now + datetime.timedelta(hours=self.hours_forward)
        n = int((stop - start).total_seconds() // 3600)
        return [start + datetime.timedelta(hours=i) for i in range(n)]
