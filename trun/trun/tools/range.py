"""Range steps: require a step family for every day, hour, few minutes or month of a window, but only
the ones that are not complete (as ``luigi.tools.range``).

``RangeDaily(of=Report, start=date(2024, 1, 1))`` requires ``Report(date=d)`` for each missing day d
from ``start`` up to now.  The window is ``[start, stop)`` cut to ``[now - days_back, now +
days_forward)`` (``now`` is the current UTC time, or the ``now`` parameter in seconds since the
epoch); at most ``step_limit`` steps are required per run, the oldest first (``reverse``: the newest
first).  A family that implements ``bulk_complete(values)`` is asked once for the whole window;
otherwise file outputs are found by listing their directories once (``infer_bulk_complete_from_fs``).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import logging
import os
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from trun.event import Event
from trun.local_target import LocalTarget
from trun.parameter import (
    BoolParameter,
    DateHourParameter,
    DateMinuteParameter,
    DateParameter,
    DictParameter,
    IntParameter,
    MonthParameter,
    Parameter,
    ParameterException,
    StepParameter,
)
from trun.step import BulkCompleteNotImplementedError, Step, WrapperStep, flatten_output
from trun.target import FileSystem, FileSystemTarget

logger = logging.getLogger("trun-interface")


class RangeEvent(Event):
    """Events a range step fires on itself after working out what is missing."""

    COMPLETE_COUNT = "event.tools.range.complete.count"        # (family, number complete)
    COMPLETE_FRACTION = "event.tools.range.complete.fraction"  # (family, fraction complete)
    DELAY = "event.tools.range.delay"                          # (family, hours since the newest complete)


def most_common(items: Iterable[Any]) -> tuple[Any, int]:
    """The most frequent item and how often it occurs."""
    return Counter(items).most_common(1)[0]


def _has_bulk_complete(cls: type) -> bool:
    return getattr(cls.bulk_complete, "__func__", None) is not Step.bulk_complete.__func__


def _listable(target: Any) -> bool:
    """Whether ``target``'s existence can be read off a listing of its directory."""
    return isinstance(target, LocalTarget) or (
        isinstance(target, FileSystemTarget) and type(target.fs).listdir is not FileSystem.listdir)


def infer_bulk_complete_from_fs(datetimes: list[Any], datetime_to_step: Callable[[Any], Step],
                                datetime_to_re: Any = None) -> list[Any]:
    """The datetimes whose steps are missing (as Luigi's): the file outputs are looked up by listing
    each output directory once, through the target's file system (``datetime_to_re`` is accepted for
    Luigi's signature; the paths come from the steps); steps with other outputs are asked
    ``complete()``."""
    listings: dict[tuple[int, str], set[str]] = {}

    def exists(target: FileSystemTarget) -> bool:
        local = isinstance(target, LocalTarget)
        path = os.path.abspath(target.path) if local else target.path
        directory = os.path.dirname(path)
        key = (id(target.fs), directory)
        if key not in listings:
            try:
                if local:
                    listings[key] = {os.path.join(directory, n) for n in os.listdir(directory)}
                else:  # a file system's listdir gives the paths under the directory
                    listings[key] = set(target.fs.listdir(directory))
            except OSError:
                listings[key] = set()
        return path in listings[key]

    missing = []
    for d in datetimes:
        step = datetime_to_step(d)
        outputs = flatten_output(step)
        listable = outputs and all(_listable(o) for o in outputs)
        complete = all(exists(o) for o in outputs) if listable else step.complete()
        if not complete:
            missing.append(d)
    return missing


class RangeBase(WrapperStep):
    """What every range step shares; subclasses say what a point in time is and how to step."""

    of = StepParameter(description="The step family to require for each time in the range")
    of_params = DictParameter(default={}, description="Other parameters of `of`")
    start = Parameter(default=None)
    stop = Parameter(default=None)
    reverse = BoolParameter(default=False, description="Require the most recent missing times first")
    step_limit = IntParameter(default=50, description="At most this many missing steps per run")
    now = IntParameter(default=None, description="The current time, in seconds since the epoch")
    param_name = Parameter(default=None, description="Name of the time parameter of `of` "
                                                     "(default: its first positional one)", positional=False)

    # ---- what subclasses define ------------------------------------------------------------------
    def datetime_to_parameter(self, dt: datetime.datetime) -> Any:
        raise NotImplementedError

    def parameter_to_datetime(self, p: Any) -> datetime.datetime:
        raise NotImplementedError

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        raise NotImplementedError

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        raise NotImplementedError

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        """The whole points in time in ``[finite_start, finite_stop)``."""
        raise NotImplementedError

    # ---- the shared logic ------------------------------------------------------------------------
    @property
    def of_cls(self) -> type:
        return self.of

    def _param_name(self) -> str:
        if self.param_name:
            return self.param_name
        for name, param in self.of.get_params():
            if param.positional and name not in self.of_params:
                return name
        raise ParameterException(f"{self.of.get_step_family()} has no positional parameter to range over")

    def datetime_to_parameters(self, dt: datetime.datetime) -> dict[str, Any]:
        """The keyword arguments of the ``of`` step for time ``dt``: ``of_params`` and the ranged one."""
        return {**dict(self.of_params), self._param_name(): self.datetime_to_parameter(dt)}

    def parameters_to_datetime(self, p: dict[str, Any]) -> datetime.datetime:
        """The time of the ``of`` step made of the keyword arguments ``p``."""
        return self.parameter_to_datetime(p[self._param_name()])

    def _instantiate_step_cls(self, param: Any) -> Step:
        return self.of(**dict(self.of_params), **{self._param_name(): param})

    def missing_datetimes(self, finite_datetimes: list[datetime.datetime]) -> list[datetime.datetime]:
        """The datetimes whose steps are not complete, asking each step (subclasses do bulk checks)."""
        return [d for d in finite_datetimes
                if not self._instantiate_step_cls(self.datetime_to_parameter(d)).complete()]

    def _missing_datetimes(self, finite_datetimes: list[datetime.datetime]) -> list[datetime.datetime]:
        """``missing_datetimes``, also of an override with Luigi's old signature ``(of_cls, datetimes)``."""
        try:
            return self.missing_datetimes(finite_datetimes)
        except TypeError as e:
            if "missing_datetimes()" not in repr(e):
                raise
            warnings.warn("In your Range* subclass, missing_datetimes() should only take 1 argument "
                          "(see latest docs)", stacklevel=2)
            return self.missing_datetimes(self.of_cls, finite_datetimes)  # type: ignore[call-arg]

    def _format_datetime(self, dt: datetime.datetime) -> Any:
        return self.datetime_to_parameter(dt)

    def _format_range(self, datetimes: list[datetime.datetime]) -> str:
        """``[first, last]`` of ``datetimes`` as parameter values, for the log."""
        return f"[{self._format_datetime(datetimes[0])}, {self._format_datetime(datetimes[-1])}]"

    def _window(self) -> tuple[datetime.datetime, datetime.datetime]:
        if self.start is None and self.stop is None:
            raise ParameterException("At least one of start and stop needs to be specified")
        if self.start is None and not self.reverse:
            raise ParameterException("Either start needs to be specified or reverse needs to be True")
        if self.start is not None and self.stop is not None and self.start > self.stop:
            raise ParameterException("Can't have start > stop")
        now = datetime.datetime.fromtimestamp(self.now if self.now is not None else time.time(),
                                              datetime.UTC).replace(tzinfo=None)
        start, stop = self.moving_start(now), self.moving_stop(now)
        if self.start is not None:
            start = max(start, self.parameter_to_datetime(self.start))
        if self.stop is not None:
            stop = min(stop, self.parameter_to_datetime(self.stop))
        return start, stop

    def requires(self) -> list[Step]:
        """The ``of`` steps of the missing times of the window (worked out once per range step)."""
        cached = self.__dict__.get("_cached_requires")
        if cached is not None:
            return cached
        finite_start, finite_stop = self._window()
        datetimes = self.finite_datetimes(finite_start, finite_stop) if finite_start <= finite_stop else []
        family = self.of_cls.get_step_family()
        if datetimes:
            missing = sorted(self._missing_datetimes(datetimes))
            logger.debug("Range %s lacked %d of expected %d %s instances", self._format_range(datetimes),
                         len(missing), len(datetimes), family)
        else:
            missing = []
            logger.debug("Empty range. No %s instances expected", family)
        self._emit_metrics(missing, finite_start, finite_stop)
        limit = self.step_limit
        required = (missing[-limit:] if limit else []) if self.reverse else missing[:limit]
        if self.reverse:
            required.reverse()
        self._cached_requires = [self._instantiate_step_cls(self.datetime_to_parameter(d)) for d in required]
        return self._cached_requires

    def _emit_metrics(self, missing: list, finite_start: datetime.datetime,
                      finite_stop: datetime.datetime) -> None:
        """As Luigi: over the whole range (start and stop included when given), the delay in steps
        since the first missing one, the complete count and the complete fraction."""
        family = self.of_cls.get_step_family()
        first, last = finite_start, finite_stop
        if self.start is not None:
            first = min(first, self.parameter_to_datetime(self.start))
        if self.stop is not None:
            last = max(last, self.parameter_to_datetime(self.stop))
        datetimes = self.finite_datetimes(first, last)
        delay = len(datetimes) - datetimes.index(missing[0]) if datetimes and missing else 0
        self.trigger_event(RangeEvent.DELAY, family, delay)
        complete = len(datetimes) - len(missing)
        self.trigger_event(RangeEvent.COMPLETE_COUNT, family, complete)
        self.trigger_event(RangeEvent.COMPLETE_FRACTION, family,
                           float(complete) / len(datetimes) if datetimes else 1)


def _whole(start: datetime.datetime, stop: datetime.datetime, first: datetime.datetime,
           step: Callable[[datetime.datetime], datetime.datetime]) -> list[datetime.datetime]:
    out = []
    t = first if first >= start else step(first)
    while t < stop:
        out.append(t)
        t = step(t)
    return out


class RangeDailyBase(RangeBase):
    """Every day (a ``DateParameter``) of the window; ``days_back``/``days_forward`` bound it."""

    start = DateParameter(default=None, description="The first day of the range")
    stop = DateParameter(default=None, description="The day after the last one of the range")
    days_back = IntParameter(default=100, description="How far back from now the range may reach")
    days_forward = IntParameter(default=0, description="How far ahead of now the range may reach")

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.date:
        return dt.date()

    def parameter_to_datetime(self, p: datetime.date) -> datetime.datetime:
        return datetime.datetime(p.year, p.month, p.day)

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(days=self.days_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(days=self.days_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        midnight = finite_start.replace(hour=0, minute=0, second=0, microsecond=0)
        return _whole(finite_start, finite_stop, midnight, lambda t: t + datetime.timedelta(days=1))


class RangeHourlyBase(RangeBase):
    """Every hour (a ``DateHourParameter``) of the window; ``hours_back``/``hours_forward`` bound it."""

    start = DateHourParameter(default=None, description="The first hour of the range")
    stop = DateHourParameter(default=None, description="The hour after the last one of the range")
    hours_back = IntParameter(default=100 * 24, description="How far back from now the range may reach")
    hours_forward = IntParameter(default=0, description="How far ahead of now the range may reach")

    def _format_datetime(self, dt: datetime.datetime) -> str:
        return DateHourParameter().serialize(dt)

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.datetime:
        return dt

    def parameter_to_datetime(self, p: datetime.datetime) -> datetime.datetime:
        return p

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(hours=self.hours_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(hours=self.hours_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        hour = finite_start.replace(minute=0, second=0, microsecond=0)
        return _whole(finite_start, finite_stop, hour, lambda t: t + datetime.timedelta(hours=1))


class RangeByMinutesBase(RangeBase):
    """Every ``minutes_interval`` minutes (a ``DateMinuteParameter``) of the window; the interval must
    divide 60, and the times are whole multiples of it within each hour."""

    start = DateMinuteParameter(default=None, description="The first minute of the range")
    stop = DateMinuteParameter(default=None, description="The end of the range (excluded)")
    minutes_back = IntParameter(default=60 * 24, description="How far back from now the range may reach")
    minutes_forward = IntParameter(default=0, description="How far ahead of now the range may reach")
    minutes_interval = IntParameter(default=1, description="Minutes between two steps; divides 60")

    def _format_datetime(self, dt: datetime.datetime) -> str:
        return DateMinuteParameter().serialize(dt)

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.datetime:
        return dt

    def parameter_to_datetime(self, p: datetime.datetime) -> datetime.datetime:
        return p

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(minutes=self.minutes_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(minutes=self.minutes_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        interval = self.minutes_interval
        if interval <= 0 or 60 % interval:
            raise ParameterException("minutes-interval does not evenly divide 60")
        first = finite_start.replace(minute=finite_start.minute - finite_start.minute % interval, second=0,
                                     microsecond=0)
        return _whole(finite_start, finite_stop, first, lambda t: t + datetime.timedelta(minutes=interval))


def _add_months(dt: datetime.datetime, months: int) -> datetime.datetime:
    index = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(index, 12)
    return dt.replace(year=year, month=month + 1, day=min(dt.day, calendar.monthrange(year, month + 1)[1]))


class RangeMonthly(RangeBase):
    """Every month (a ``MonthParameter``) of the window; ``months_back``/``months_forward`` (whole
    months from the current one) bound it."""

    start = MonthParameter(default=None, description="The first month of the range")
    stop = MonthParameter(default=None, description="The month after the last one of the range")
    months_back = IntParameter(default=13, description="How far back from this month the range may reach")
    months_forward = IntParameter(default=0, description="How far ahead of this month the range may reach")

    def _format_datetime(self, dt: datetime.datetime) -> str:
        return MonthParameter().serialize(dt)

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.date:
        return dt.date()

    def parameter_to_datetime(self, p: datetime.date) -> datetime.datetime:
        return datetime.datetime(p.year, p.month, 1)

    def _this_month(self, now: datetime.datetime) -> datetime.datetime:
        return datetime.datetime(now.year, now.month, 1)

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return _add_months(self._this_month(now), -self.months_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return _add_months(self._this_month(now), self.months_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        # as Luigi: up to the first of the month of finite_stop
        return _whole(finite_start, self._this_month(finite_stop), self._this_month(finite_start),
                      lambda t: _add_months(t, 1))


class _BulkMissing:
    """The missing times found at once: by the family's ``bulk_complete``, else by listing the
    directories of its file outputs (``infer_bulk_complete_from_fs``)."""

    def missing_datetimes(self, finite_datetimes: list[datetime.datetime]) -> list[datetime.datetime]:
        if _has_bulk_complete(self.of):  # type: ignore[attr-defined]
            with_params = functools.partial(self.of, **dict(self.of_params))  # type: ignore[attr-defined]
            to_parameter = self.datetime_to_parameter  # type: ignore[attr-defined]
            try:
                complete = set(self.of.bulk_complete.__func__(  # type: ignore[attr-defined]
                    with_params, [to_parameter(d) for d in finite_datetimes]))
                return [d for d in finite_datetimes if to_parameter(d) not in complete]
            except BulkCompleteNotImplementedError:
                pass
        return infer_bulk_complete_from_fs(
            finite_datetimes,
            lambda d: self._instantiate_step_cls(self.datetime_to_parameter(d)))  # type: ignore[attr-defined]


class RangeDaily(_BulkMissing, RangeDailyBase):
    """Requires the missing days of a daily step family: ``trun RangeDaily --of Family --start D``."""


class RangeHourly(_BulkMissing, RangeHourlyBase):
    """Requires the missing hours of an hourly step family."""


class RangeByMinutes(_BulkMissing, RangeByMinutesBase):
    """Requires the missing ``minutes_interval`` slots of a step family with a DateMinuteParameter."""
