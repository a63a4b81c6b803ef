"""Date and time parameters: dates, months, years, date-hours/minutes/seconds, intervals, durations.

Each parses the format Luigi uses on the command line (``2024-01-31``, ``2024-01-31T13``, ``2024-W05``,
``1 d 2 h`` or ISO 8601 ``P1DT2H``) and knows the next value in its enumeration (for ranges).
"""

from __future__ import annotations

import datetime
import re
import warnings
from typing import TYPE_CHECKING, Any

from trun import date_interval as di
from trun.parameter_base import Parameter, ParameterException, T, _no_value, _NoValueType

if TYPE_CHECKING:
    from typing import Unpack

    from trun.parameter_base import _ParameterKwargs


class _DatetimeParameterBase(Parameter[T]):
    date_format = ""

    def __init__(self, default: T | _NoValueType = _no_value, interval: int = 1, start: T | None = None,
                 **kwargs: Unpack[_ParameterKwargs]) -> None:
        super().__init__(default, **kwargs)
        self.interval = interval
        self.start = start

    def serialize(self, x: Any) -> str:
        return "None" if x is None else x.strftime(self.date_format)

    def _check_native(self, value: Any) -> Any:
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value
        return self.parse(str(value))


class DateParameter(_DatetimeParameterBase[datetime.date]):
    date_format = "%Y-%m-%d"

    def parse(self, x: str) -> datetime.date:
        return datetime.datetime.strptime(x.strip(), self.date_format).date()

    def normalize(self, x: Any) -> Any:
        if isinstance(x, str):
            x = self.parse(x)
        if isinstance(x, di.DateInterval):  # Month(2015, 4) for a MonthParameter: its first day
            x = x.date_a
        if isinstance(x, datetime.datetime):
            x = x.date()
        if x is None or self.interval == 1:
            return x
        start = self.start or datetime.date.min  # values are start + k * interval, rounded down
        days = (x - start).days
        return start + datetime.timedelta(days=days - days % self.interval)

    def next_in_enumeration(self, value: datetime.date) -> datetime.date:
        return value + datetime.timedelta(days=self.interval)


class MonthParameter(DateParameter):
    date_format = "%Y-%m"

    def normalize(self, x: Any) -> Any:
        x = DateParameter(start=self.start).normalize(x)
        if x is None:
            return None
        start = self.start or datetime.date.min
        months = (x.year - start.year) * 12 + x.month - start.month
        m = start.month - 1 + months - months % self.interval
        return datetime.date(start.year + m // 12, m % 12 + 1, 1)

    def next_in_enumeration(self, value: datetime.date) -> datetime.date:
        m = value.month - 1 + self.interval
        return datetime.date(value.year + m // 12, m % 12 + 1, 1)


class YearParameter(DateParameter):
    date_format = "%Y"

    def normalize(self, x: Any) -> Any:
        x = DateParameter(start=self.start).normalize(x)
        if x is None:
            return None
        start = self.start.year if self.start else 1
        return datetime.date(x.year - (x.year - start) % self.interval, 1, 1)

    def next_in_enumeration(self, value: datetime.date) -> datetime.date:
        return datetime.date(value.year + self.interval, 1, 1)


class _DatetimeParameter(_DatetimeParameterBase[datetime.datetime]):
    timedelta = datetime.timedelta(hours=1)
    _truncate: dict = {}

    def parse(self, x: str) -> datetime.datetime:
        return datetime.datetime.strptime(x.strip(), self.date_format)

    def normalize(self, x: Any) -> Any:
        if isinstance(x, str):
            x = self.parse(x)
        if x is None:
            return None
        if not isinstance(x, datetime.datetime):
            x = datetime.datetime.combine(x, datetime.time())
        x = x.replace(**self._truncate)
        if self.interval == 1:
            return x
        start = self.start or datetime.datetime.min  # values are start + k * interval, rounded down
        steps = (x - start) // self.timedelta
        return start + self.timedelta * (steps - steps % self.interval)

    def next_in_enumeration(self, value: datetime.datetime) -> datetime.datetime:
        return value + self.timedelta * self.interval


class DateHourParameter(_DatetimeParameter):
    date_format = "%Y-%m-%dT%H"
    _truncate = {"minute": 0, "second": 0, "microsecond": 0}


class DateMinuteParameter(_DatetimeParameter):
    date_format = "%Y-%m-%dT%H%M"
    deprecated_date_format = "%Y-%m-%dT%HH%M"  # still read, with a DeprecationWarning (as Luigi)
    timedelta = datetime.timedelta(minutes=1)
    _truncate = {"second": 0, "microsecond": 0}

    def parse(self, x: str) -> datetime.datetime:
        try:
            value = datetime.datetime.strptime(x.strip(), self.deprecated_date_format)
        except ValueError:
            return super().parse(x)
        warnings.warn('Using "H" between hours and minutes is deprecated, omit it instead.',
                      DeprecationWarning, stacklevel=2)
        return value


class DateSecondParameter(_DatetimeParameter):
    date_format = "%Y-%m-%dT%H%M%S"
    timedelta = datetime.timedelta(seconds=1)
    _truncate = {"microsecond": 0}


class DateIntervalParameter(Parameter[di.DateInterval]):
    """A DateInterval: ``2024-01-02``, ``2024-W02``, ``2024-01``, ``2024`` or ``2024-01-02-2024-01-09``."""

    def parse(self, x: str) -> di.DateInterval:
        return di.parse_interval(x)

    def normalize(self, x: Any) -> Any:
        return self.parse(x) if isinstance(x, str) else x

    def serialize(self, x: di.DateInterval) -> str:
        return x.to_string()


_TD_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_TD_SIMPLE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*"
                        r"(weeks?|w|days?|d|hours?|h|minutes?|mins?|m|seconds?|secs?|s)\s*,?")
_TD_ISO = re.compile(r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?"
                     r"(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")


class TimeDeltaParameter(Parameter[datetime.timedelta]):
    """A timedelta, written ``1 day``, ``2h 30m``, ``1 w 2 d`` or ISO 8601 ``P1DT2H``; numbers are seconds."""

    def parse(self, x: str) -> datetime.timedelta:
        s = x.strip()
        m = _TD_ISO.fullmatch(s)
        if m and s != "P":
            return datetime.timedelta(**{k: float(v) for k, v in m.groupdict().items() if v})
        try:
            return datetime.timedelta(seconds=float(s))
        except ValueError:
            pass
        pos, parts = 0, {}
        for mm in _TD_SIMPLE.finditer(s):
            if mm.start() != pos:
                break
            unit = _TD_UNITS[mm.group(2)[0]]
            parts[unit] = parts.get(unit, 0.0) + float(mm.group(1))
            pos = mm.end()
        if not parts or pos != len(s):
            raise ParameterException(f"Invalid time delta - could not parse {x}")  # Luigi's words
        return datetime.timedelta(**parts)

    def normalize(self, x: Any) -> Any:
        if isinstance(x, str):
            return self.parse(x)
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return datetime.timedelta(seconds=x)
        return x

    def _check_native(self, value: Any) -> Any:
        return self.normalize(value)

    def _warn_on_wrong_param_type(self, param_name: str, param_value: Any) -> None:
        if type(self) is TimeDeltaParameter and not isinstance(param_value, datetime.timedelta):
            warnings.warn(f'Parameter "{param_name}" with value "{param_value}" is not of type '  # noqa: B028
                          "timedelta.")  # (Luigi's exact call)

    def serialize(self, x: datetime.timedelta) -> str:
        weeks, days = divmod(x.days, 7)
        hours, rem = divmod(x.seconds, 3600)
        minutes, seconds = divmod(rem, 60)
        return f"{weeks} w {days} d {hours} h {minutes} m {seconds} s"
