"""Range steps: require a step family for every day, hour, few minutes or month of a window, but only
the ones that are not complete (as ``luigi.tools.range``).

``RangeDaily(of=Report, start=date(2024, 1, 1))`` requires ``Report(date=d)`` for each missing day d
from ``start`` up to now.  The window is ``[start, stop)`` cut to ``[now - days_back, now +
days_forward)`` (``now`` is the current UTC time, or the ``now`` parameter in seconds since the
epoch); at most ``step_limit`` steps are required per run, the oldest first (``reverse``: the newest
first).  A family that implements ``bulk_complete(values)`` is asked once for the whole window;
otherwise file outputs are found by listing their locations once (``infer_bulk_complete_from_fs``,
in ``trun.tools.range_listing``).  ``RangeDailyBase``, ``RangeHourlyBase``, ``RangeByMinutesBase`` and
``RangeMonthly`` ask each step's ``complete()``, unless a subclass overrides ``missing_datetimes``.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import logging
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from trun.event import Event
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
from trun.step import Step, WrapperStep
from trun.step_register import Register
from trun.tools.range_listing import (  # noqa: F401 - luigi.tools.range's names live here too
    _constrain_glob,
    _get_filesystems_and_globs,
    _get_per_location_glob,
    _list_existing,
    infer_bulk_complete_from_fs,
    most_common,
)

logger = logging.getLogger("trun-interface")


class RangeEvent(Event):
    """Events a range step fires on itself after working out what is missing."""

    COMPLETE_COUNT = "event.tools.range.complete.count"        # (family, number complete)
    COMPLETE_FRACTION = "event.tools.range.complete.fraction"  # (family, fraction complete)
    DELAY = "event.tools.range.delay"                          # (family, hours since the newest complete)


class RangeBase(WrapperStep):
    """What every range step shares; subclasses say what a point in time is and how to step.

    ``requires()`` works the window out once per instance (it may list file systems) and keeps
    the answer; it fires ``RangeEvent.DELAY`` (how many whole times from the oldest missing one
    to the end of the range), ``COMPLETE_COUNT`` and ``COMPLETE_FRACTION`` on the way."""

    of = StepParameter(description="The step family to require for each time in the range")
    of_params = DictParameter(default={}, description="Other parameters of `of`")
    start = Parameter()
    stop = Parameter()
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

    def datetime_to_parameters(self, dt: datetime.datetime) -> dict[str, Any]:
        """The keyword arguments of the ``of`` step for time ``dt``: ``of_params`` and the ranged one."""
        raise NotImplementedError

    def parameters_to_datetime(self, p: dict[str, Any]) -> datetime.datetime:
        """The time of the ``of`` step made of the keyword arguments ``p``."""
        raise NotImplementedError

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        raise NotImplementedError

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        raise NotImplementedError

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        """The whole points in time in ``[finite_start, finite_stop)``, sorted."""
        raise NotImplementedError

    # ---- the shared logic ------------------------------------------------------------------------
    @property
    def of_cls(self) -> type:
        """The family as a class (``of`` given as a name is looked up, with a warning)."""
        if isinstance(self.of, str):
            warnings.warn("When using Range programmatically, pass the 'of' step class, not its name",
                          stacklevel=2)
            return Register.get_step_cls(self.of)
        return self.of

    @property
    def _param_name(self) -> str:
        if self.param_name is not None:
            return self.param_name
        for name, param in self.of.get_params():
            if param.positional:
                return name
        raise ParameterException(f"{self.of.get_step_family()} has no positional parameter to range over")

    def _step_parameters(self, param: Any) -> dict[str, Any]:
        return {**dict(self.of_params), self._param_name: param}

    def _instantiate_step_cls(self, param: Any) -> Step:
        return self.of(**self._step_parameters(param))

    def _format_datetime(self, dt: datetime.datetime) -> Any:
        return self.datetime_to_parameter(dt)

    def _format_range(self, datetimes: list[datetime.datetime]) -> str:
        return f"[{self._format_datetime(datetimes[0])}, {self._format_datetime(datetimes[-1])}]"

    def missing_datetimes(self, finite_datetimes: list[datetime.datetime]) -> Iterable[datetime.datetime]:
        """The datetimes whose steps are not complete, asking each step (subclasses override this
        with a bulk check)."""
        return [d for d in finite_datetimes
                if not self._instantiate_step_cls(self.datetime_to_parameter(d)).complete()]

    def _missing_datetimes(self, finite_datetimes: list[datetime.datetime]) -> Iterable[datetime.datetime]:
        # A subclass written for the old signature missing_datetimes(step_cls, finite_datetimes)
        # still works, with a warning.
        try:
            return self.missing_datetimes(finite_datetimes)
        except TypeError as error:
            if "missing_datetimes()" not in repr(error):
                raise
            warnings.warn("In your Range* subclass, missing_datetimes() should only take 1 argument "
                          "(finite_datetimes)", stacklevel=2)
            return self.missing_datetimes(self.of_cls, finite_datetimes)  # type: ignore[call-arg]

    def _finite_window(self) -> tuple[datetime.datetime, datetime.datetime]:
        if not self.start and not self.stop:
            raise ParameterException("At least one of start and stop needs to be specified")
        if not self.start and not self.reverse:
            raise ParameterException("Either start needs to be specified or reverse needs to be True")
        if self.start and self.stop and self.start > self.stop:
            raise ParameterException("Can't have start > stop")
        now = datetime.datetime.fromtimestamp(time.time() if self.now is None else self.now,
                                              datetime.UTC).replace(tzinfo=None)
        finite_start = self.moving_start(now)
        if self.start is not None:
            finite_start = max(self.parameter_to_datetime(self.start), finite_start)
        finite_stop = self.moving_stop(now)
        if self.stop is not None:
            finite_stop = min(self.parameter_to_datetime(self.stop), finite_stop)
        return finite_start, finite_stop

    def requires(self) -> list[Step]:
        cached = self.__dict__.get("_cached_requires")
        if cached is not None:
            return cached
        family = self.of_cls.get_step_family()
        finite_start, finite_stop = self._finite_window()
        datetimes = self.finite_datetimes(finite_start, finite_stop) if finite_start <= finite_stop else []
        if datetimes:
            logger.debug("Actually checking if range %s of %s is complete", self._format_range(datetimes),
                         family)
            missing = sorted(self._missing_datetimes(datetimes))
            logger.debug("Range %s lacked %d of expected %d %s instances", self._format_range(datetimes),
                         len(missing), len(datetimes), family)
        else:
            missing = []
            logger.debug("Empty range. No %s instances expected", family)
        self._emit_metrics(missing, finite_start, finite_stop)
        if self.step_limit is None:
            required = list(missing)
        else:  # Luigi's slicing, quirks included (reverse with a limit of 0 keeps every time)
            required = missing[-self.step_limit:] if self.reverse else missing[: self.step_limit]
        if required:
            logger.debug("Requiring %d missing %s instances in range %s", len(required), family,
                         self._format_range(required))
        if self.reverse:
            required = required[::-1]
        self._cached_requires = [self._instantiate_step_cls(self.datetime_to_parameter(d)) for d in required]
        return self._cached_requires

    def _emit_metrics(self, missing: list[datetime.datetime], finite_start: datetime.datetime,
                      finite_stop: datetime.datetime) -> None:
        # The metrics cover the whole range asked for (start..stop), not only the part within
        # days_back/days_forward; an open end is cut where the window is.
        whole_start = finite_start if self.start is None else \
            min(finite_start, self.parameter_to_datetime(self.start))
        whole_stop = finite_stop if self.stop is None else \
            max(finite_stop, self.parameter_to_datetime(self.stop))
        datetimes = self.finite_datetimes(whole_start, whole_stop)
        family = self.of_cls.get_step_family()
        delay = len(datetimes) - datetimes.index(missing[0]) if datetimes and missing else 0
        self.trigger_event(RangeEvent.DELAY, family, delay)
        complete = len(datetimes) - len(missing)
        self.trigger_event(RangeEvent.COMPLETE_COUNT, family, complete)
        self.trigger_event(RangeEvent.COMPLETE_FRACTION, family,
                           float(complete) / len(datetimes) if datetimes else 1)


def _whole_times(finite_start: datetime.datetime, finite_stop: datetime.datetime, first: datetime.datetime,
                 advance: Callable[[datetime.datetime], datetime.datetime]) -> list[datetime.datetime]:
    """``first``, ``advance(first)``, … that fall in ``[finite_start, finite_stop)``."""
    out = []
    t = first
    while t < finite_stop:
        if t >= finite_start:
            out.append(t)
        t = advance(t)
    return out


class _BulkCompleteness:
    """For a range step (a mixin, so that it registers no family of its own): the family's
    completeness comes from ``bulk_complete`` or, failing that, from listing
    its output locations (``datetime_re`` says how a time is written in a path)."""

    datetime_re = ""

    def missing_datetimes(self: Any, finite_datetimes: list[datetime.datetime]
                          ) -> Iterable[datetime.datetime]:
        try:
            with_params = functools.partial(self.of, **dict(self.of_params))
            values = [self.datetime_to_parameter(d) for d in finite_datetimes]
            complete = self.of.bulk_complete.__func__(with_params, values)
            return set(finite_datetimes) - {self.parameter_to_datetime(p) for p in complete}
        except NotImplementedError:
            return infer_bulk_complete_from_fs(
                finite_datetimes, lambda d: self._instantiate_step_cls(self.datetime_to_parameter(d)),
                lambda d: d.strftime(self.datetime_re))


class RangeDailyBase(RangeBase):
    """Every day (a ``DateParameter``) of the window; ``days_back``/``days_forward`` bound it.
    Completeness is asked of each day's step."""

    start = DateParameter(default=None, description="The first day of the range")
    stop = DateParameter(default=None, description="The day after the last one of the range")
    days_back = IntParameter(default=100, description="How far back from now the range may reach")
    days_forward = IntParameter(default=0, description="How far ahead of now the range may reach")

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.date:
        return dt.date()

    def parameter_to_datetime(self, p: datetime.date) -> datetime.datetime:
        return datetime.datetime(p.year, p.month, p.day)

    def datetime_to_parameters(self, dt: datetime.datetime) -> dict[str, Any]:
        return self._step_parameters(dt.date())

    def parameters_to_datetime(self, p: dict[str, Any]) -> datetime.datetime:
        return self.parameter_to_datetime(p[self._param_name])

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(days=self.days_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(days=self.days_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        midnight = datetime.datetime(finite_start.year, finite_start.month, finite_start.day)
        return _whole_times(finite_start, finite_stop, midnight, lambda t: t + datetime.timedelta(days=1))


class RangeHourlyBase(RangeBase):
    """Every hour (a ``DateHourParameter``) of the window; ``hours_back``/``hours_forward`` bound it."""

    start = DateHourParameter(default=None, description="The first hour of the range")
    stop = DateHourParameter(default=None, description="The hour after the last one of the range")
    hours_back = IntParameter(default=100 * 24, description="How far back from now the range may reach")
    hours_forward = IntParameter(default=0, description="How far ahead of now the range may reach")

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.datetime:
        return dt

    def parameter_to_datetime(self, p: datetime.datetime) -> datetime.datetime:
        return p

    def datetime_to_parameters(self, dt: datetime.datetime) -> dict[str, Any]:
        return self._step_parameters(dt)

    def parameters_to_datetime(self, p: dict[str, Any]) -> datetime.datetime:
        return p[self._param_name]

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(hours=self.hours_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(hours=self.hours_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        hour = datetime.datetime(finite_start.year, finite_start.month, finite_start.day, finite_start.hour)
        return _whole_times(finite_start, finite_stop, hour, lambda t: t + datetime.timedelta(hours=1))

    def _format_datetime(self, dt: datetime.datetime) -> str:
        return DateHourParameter().serialize(dt)


class RangeByMinutesBase(RangeBase):
    """Every ``minutes_interval`` minutes (a ``DateMinuteParameter``) of the window; the interval must
    divide 60, and the times are whole multiples of it within each hour."""

    start = DateMinuteParameter(default=None, description="The first minute of the range")
    stop = DateMinuteParameter(default=None, description="The end of the range (excluded)")
    minutes_back = IntParameter(default=60 * 24, description="How far back from now the range may reach")
    minutes_forward = IntParameter(default=0, description="How far ahead of now the range may reach")
    minutes_interval = IntParameter(default=1, description="Minutes between two steps; divides 60")

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.datetime:
        return dt

    def parameter_to_datetime(self, p: datetime.datetime) -> datetime.datetime:
        return p

    def datetime_to_parameters(self, dt: datetime.datetime) -> dict[str, Any]:
        return self._step_parameters(dt)

    def parameters_to_datetime(self, p: dict[str, Any]) -> datetime.datetime:
        return p[self._param_name]

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return now - datetime.timedelta(minutes=self.minutes_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return now + datetime.timedelta(minutes=self.minutes_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        interval = self.minutes_interval
        if not 0 < interval < 60:
            raise ParameterException("minutes-interval must be within 0..60")
        if 60 % interval:
            raise ParameterException("minutes-interval does not evenly divide 60")
        first = datetime.datetime(finite_start.year, finite_start.month, finite_start.day, finite_start.hour,
                                  finite_start.minute // interval * interval)
        return _whole_times(finite_start, finite_stop, first,
                            lambda t: t + datetime.timedelta(minutes=interval))

    def _format_datetime(self, dt: datetime.datetime) -> str:
        return DateMinuteParameter().serialize(dt)


def _add_months(dt: datetime.datetime, months: int) -> datetime.datetime:
    year, month = divmod(dt.year * 12 + dt.month - 1 + months, 12)
    return dt.replace(year=year, month=month + 1, day=min(dt.day, calendar.monthrange(year, month + 1)[1]))


def _month_start(dt: datetime.datetime) -> datetime.datetime:
    return datetime.datetime(dt.year, dt.month, 1)


class RangeMonthly(RangeBase):
    """Every month (a ``MonthParameter``) of the window; ``months_back``/``months_forward`` (whole
    months from the current one) bound it.  Completeness is asked of each month's step."""

    start = MonthParameter(default=None, description="The first month of the range")
    stop = MonthParameter(default=None, description="The month after the last one of the range")
    months_back = IntParameter(default=13, description="How far back from this month the range may reach")
    months_forward = IntParameter(default=0, description="How far ahead of this month the range may reach")

    def datetime_to_parameter(self, dt: datetime.datetime) -> datetime.date:
        return datetime.date(dt.year, dt.month, 1)

    def parameter_to_datetime(self, p: datetime.date) -> datetime.datetime:
        return datetime.datetime(p.year, p.month, 1)

    def datetime_to_parameters(self, dt: datetime.datetime) -> dict[str, Any]:
        return self._step_parameters(dt.date())

    def parameters_to_datetime(self, p: dict[str, Any]) -> datetime.datetime:
        return self.parameter_to_datetime(p[self._param_name])

    def _format_datetime(self, dt: datetime.datetime) -> str:
        return dt.strftime("%Y-%m")

    def moving_start(self, now: datetime.datetime) -> datetime.datetime:
        return _add_months(_month_start(now), -self.months_back)

    def moving_stop(self, now: datetime.datetime) -> datetime.datetime:
        return _add_months(_month_start(now), self.months_forward)

    def finite_datetimes(self, finite_start: datetime.datetime, finite_stop: datetime.datetime) -> list:
        return _whole_times(finite_start, _month_start(finite_stop), _month_start(finite_start),
                            lambda t: _add_months(t, 1))


class RangeDaily(_BulkCompleteness, RangeDailyBase):
    """Requires the missing days of a daily step family: ``trun RangeDaily --of Family --start D``;
    completeness from the family's ``bulk_complete``, else from listing its outputs."""

    datetime_re = "(%Y).*(%m).*(%d)"


class RangeHourly(_BulkCompleteness, RangeHourlyBase):
    """Requires the missing hours of an hourly step family (bulk, as ``RangeDaily``)."""

    datetime_re = "(%Y).*(%m).*(%d).*(%H)"


class RangeByMinutes(_BulkCompleteness, RangeByMinutesBase):
    """Requires the missing ``minutes_interval`` slots of a step family with a DateMinuteParameter
    (bulk, as ``RangeDaily``)."""

    datetime_re = "(%Y).*(%m).*(%d).*(%H).*(%M)"
