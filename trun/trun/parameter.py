"""Step parameters: declaration, parsing from the command line and config files, normalisation.

A parameter's value is resolved, first match wins, from: the keyword/positional argument given to the
step, the command line (``--param`` for the root step, ``--Family-param`` for any step), the config
section named after the step family, the parameter's ``config_path``, and its ``default``.
"""

from __future__ import annotations

import datetime
import enum
import json
import operator
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from trun import date_interval as di
from trun.configuration import ConfigError, get_config


class ParameterException(Exception):
    """Base class for errors about parameter values."""


class MissingParameterException(ParameterException):
    pass


class UnknownParameterException(ParameterException):
    pass


class DuplicateParameterException(ParameterException):
    pass


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


_no_value: Any = _NoValue()

# (family, param_name) -> textual value given on the command line
_cmdline_values: dict[tuple[str, str], str] = {}


def set_cmdline_value(family: str, name: str, value: str) -> None:
    _cmdline_values[(family, name)] = value


def clear_cmdline_values() -> None:
    _cmdline_values.clear()


class ParameterVisibility(enum.IntEnum):
    PUBLIC = 0
    HIDDEN = 1
    PRIVATE = 2


class Parameter:
    """An untyped (string) parameter; subclasses add parsing and normalisation."""

    _counter = 0

    def __init__(self, default: Any = _no_value, significant: bool = True, description: str | None = None,
                 config_path: dict | None = None, positional: bool = True, always_in_help: bool = False,
                 visibility: ParameterVisibility = ParameterVisibility.PUBLIC, batch_method: Any = None):
        self._default = default
        self.significant = significant
        self.description = description
        self._config_path = config_path
        self.positional = positional
        self.always_in_help = always_in_help
        self.visibility = visibility
        self._order = Parameter._counter
        Parameter._counter += 1

    # ---- value resolution ---------------------------------------------------
    def _from_config(self, section: str, key: str) -> Any:
        cfg = get_config()
        if not cfg.has_option(section, key):
            return _no_value
        raw = cfg.get(section, key)
        try:
            return self._parse_native(raw)
        except (ValueError, TypeError, ParameterException) as e:
            raise ConfigError(f"{cfg.source(section, key)}: [{section}] {key}: invalid value {raw!r} "
                              f"for {type(self).__name__}: {e}") from e

    def _parse_native(self, raw: Any) -> Any:
        """Turn a config value (a string from INI, or a native TOML value) into a parameter value."""
        if isinstance(raw, str):
            return self.normalize(self.parse(raw))
        return self.normalize(self._check_native(raw))

    def _check_native(self, value: Any) -> Any:
        return self.parse(str(value)) if not isinstance(value, (list, dict)) else value

    def step_value(self, family: str, name: str) -> Any:
        """The value from command line, config or default, or ``_no_value``."""
        cli = _cmdline_values.get((family, name))
        if cli is not None:
            try:
                return self.normalize(self.parse(cli))
            except (ValueError, TypeError) as e:
                raise ParameterException(f"invalid value {cli!r} for --{family}-{name}: {e}") from e
        value = self._from_config(family, name)
        if value is _no_value and self._config_path:
            value = self._from_config(self._config_path["section"], self._config_path["name"])
        if value is _no_value and self._default is not _no_value:
            value = self.normalize(self._default) if self._default is not None else None
        return value

    def has_step_value(self, family: str, name: str) -> bool:
        return self.step_value(family, name) is not _no_value

    # ---- conversions ----------------------------------------------------------
    def parse(self, x: str) -> Any:
        return x

    def serialize(self, x: Any) -> str:
        return str(x)

    def normalize(self, x: Any) -> Any:
        return x

    def next_in_enumeration(self, value: Any) -> Any:
        return None

    def _parser_kwargs(self) -> dict:
        return {}


StrParameter = Parameter


class OptionalParameterMixin:
    """Accepts ``None`` (written as an empty string on the command line)."""

    def serialize(self, x: Any) -> str:
        return "" if x is None else super().serialize(x)  # type: ignore[misc]

    def parse(self, x: str) -> Any:
        return None if x == "" else super().parse(x)  # type: ignore[misc]

    def normalize(self, x: Any) -> Any:
        return None if x is None else super().normalize(x)  # type: ignore[misc]


class OptionalParameter(OptionalParameterMixin, Parameter):
    pass


OptionalStrParameter = OptionalParameter


class IntParameter(Parameter):
    def parse(self, x: str) -> int:
        return int(x)

    def _check_native(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an integer, got {type(value).__name__}")
        return value

    def normalize(self, x: Any) -> Any:
        return int(x) if isinstance(x, str) else x

    def next_in_enumeration(self, value: int) -> int:
        return value + 1


class FloatParameter(Parameter):
    def parse(self, x: str) -> float:
        return float(x)

    def normalize(self, x: Any) -> Any:
        return float(x) if isinstance(x, (str, int)) and not isinstance(x, bool) else x

    def _check_native(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        return float(value)


class BoolParameter(Parameter):
    """A boolean; on the command line ``--flag`` means True (implicit parsing) unless explicit parsing
    is chosen, in which case ``--flag true``/``--flag false`` is required."""

    IMPLICIT_PARSING = "implicit"
    EXPLICIT_PARSING = "explicit"
    parsing = IMPLICIT_PARSING

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.parsing = kwargs.pop("parsing", self.__class__.parsing)
        super().__init__(*args, **kwargs)
        if self._default is _no_value:
            self._default = False

    def parse(self, x: str) -> bool:
        s = str(x).strip().lower()
        if s in ("true", "1", "yes", "on"):
            return True
        if s in ("false", "0", "no", "off", ""):
            return False
        raise ValueError(f"cannot parse {x!r} as a boolean")

    def _check_native(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected a boolean, got {type(value).__name__}")
        return value

    def serialize(self, x: Any) -> str:
        return "true" if x else "false"

    def normalize(self, x: Any) -> Any:
        return self.parse(x) if isinstance(x, str) else (None if x is None else bool(x))


class OptionalIntParameter(OptionalParameterMixin, IntParameter):
    pass


class OptionalFloatParameter(OptionalParameterMixin, FloatParameter):
    pass


class OptionalBoolParameter(OptionalParameterMixin, BoolParameter):
    pass


class NumericalParameter(Parameter):
    """A number of ``var_type`` constrained to ``[min_value, max_value)`` (operators configurable)."""

    def __init__(self, *args: Any, var_type: type = int, min_value: Any = None, max_value: Any = None,
                 left_op: Callable = operator.le, right_op: Callable = operator.lt, **kwargs: Any) -> None:
        self._type, self._min, self._max = var_type, min_value, max_value
        self._left_op, self._right_op = left_op, right_op
        super().__init__(*args, **kwargs)

    def parse(self, x: str) -> Any:
        return self.normalize(self._type(x))

    def normalize(self, x: Any) -> Any:
        x = self._type(x)
        if self._min is not None and not self._left_op(self._min, x):
            raise ValueError(f"{x} is below the permitted range starting at {self._min}")
        if self._max is not None and not self._right_op(x, self._max):
            raise ValueError(f"{x} is above the permitted range ending at {self._max}")
        return x


class OptionalNumericalParameter(OptionalParameterMixin, NumericalParameter):
    pass


class ChoiceParameter(Parameter):
    def __init__(self, *args: Any, choices: Any = (), var_type: type = str, **kwargs: Any) -> None:
        self._choices = tuple(choices)
        self._var_type = var_type
        super().__init__(*args, **kwargs)

    def parse(self, x: str) -> Any:
        return self.normalize(self._var_type(x))

    def normalize(self, x: Any) -> Any:
        if x not in self._choices:
            raise ValueError(f"{x!r} is not a valid choice among {list(self._choices)}")
        return x


class OptionalChoiceParameter(OptionalParameterMixin, ChoiceParameter):
    pass


class ChoiceListParameter(ChoiceParameter):
    def parse(self, x: str) -> tuple:
        return self.normalize(tuple(self._var_type(v.strip()) for v in x.split(",") if v.strip()))

    def normalize(self, x: Any) -> tuple:
        values = tuple(x)
        for v in values:
            super().normalize(v)
        return values

    def serialize(self, x: Any) -> str:
        return ",".join(str(v) for v in x)


class EnumParameter(Parameter):
    def __init__(self, *args: Any, enum: type[enum.Enum] | None = None, **kwargs: Any) -> None:
        if enum is None:
            raise ParameterException("EnumParameter needs enum=...")
        self._enum = enum
        super().__init__(*args, **kwargs)

    def parse(self, x: str) -> enum.Enum:
        try:
            return self._enum[x]
        except KeyError:
            raise ValueError(f"{x!r} is not a member of {self._enum.__name__}") from None

    def normalize(self, x: Any) -> Any:
        return self.parse(x) if isinstance(x, str) else x

    def serialize(self, x: enum.Enum) -> str:
        return x.name


class EnumListParameter(EnumParameter):
    def parse(self, x: str) -> tuple:
        return tuple(super(EnumListParameter, self).parse(v.strip()) for v in x.split(",") if v.strip())

    def normalize(self, x: Any) -> tuple:
        if isinstance(x, str):
            return self.parse(x)
        return tuple(x)

    def serialize(self, x: Any) -> str:
        return ",".join(e.name for e in x)


# ---- dates and times ----------------------------------------------------------------------------
class _DatetimeParameterBase(Parameter):
    date_format = ""

    def __init__(self, interval: int = 1, start: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.interval = interval
        self.start = start

    def serialize(self, x: Any) -> str:
        return "None" if x is None else x.strftime(self.date_format)

    def _check_native(self, value: Any) -> Any:
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value
        return self.parse(str(value))


class DateParameter(_DatetimeParameterBase):
    date_format = "%Y-%m-%d"

    def parse(self, x: str) -> datetime.date:
        return datetime.datetime.strptime(x.strip(), self.date_format).date()

    def normalize(self, x: Any) -> Any:
        if isinstance(x, str):
            return self.parse(x)
        if isinstance(x, datetime.datetime):
            return x.date()
        return x

    def next_in_enumeration(self, value: datetime.date) -> datetime.date:
        return value + datetime.timedelta(days=self.interval)


class MonthParameter(DateParameter):
    date_format = "%Y-%m"

    def normalize(self, x: Any) -> Any:
        x = super().normalize(x)
        return None if x is None else datetime.date(x.year, x.month, 1)

    def next_in_enumeration(self, value: datetime.date) -> datetime.date:
        m = value.month - 1 + self.interval
        return datetime.date(value.year + m // 12, m % 12 + 1, 1)


class YearParameter(DateParameter):
    date_format = "%Y"

    def normalize(self, x: Any) -> Any:
        x = super().normalize(x)
        return None if x is None else datetime.date(x.year, 1, 1)

    def next_in_enumeration(self, value: datetime.date) -> datetime.date:
        return datetime.date(value.year + self.interval, 1, 1)


class _DatetimeParameter(_DatetimeParameterBase):
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
        return x.replace(**self._truncate)

    def next_in_enumeration(self, value: datetime.datetime) -> datetime.datetime:
        return value + self.timedelta * self.interval


class DateHourParameter(_DatetimeParameter):
    date_format = "%Y-%m-%dT%H"
    _truncate = {"minute": 0, "second": 0, "microsecond": 0}


class DateMinuteParameter(_DatetimeParameter):
    date_format = "%Y-%m-%dT%H%M"
    timedelta = datetime.timedelta(minutes=1)
    _truncate = {"second": 0, "microsecond": 0}


class DateSecondParameter(_DatetimeParameter):
    date_format = "%Y-%m-%dT%H%M%S"
    timedelta = datetime.timedelta(seconds=1)
    _truncate = {"microsecond": 0}


class DateIntervalParameter(Parameter):
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


class TimeDeltaParameter(Parameter):
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
            raise ValueError(f"cannot parse {x!r} as a time delta")
        return datetime.timedelta(**parts)

    def normalize(self, x: Any) -> Any:
        if isinstance(x, str):
            return self.parse(x)
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return datetime.timedelta(seconds=x)
        return x

    def _check_native(self, value: Any) -> Any:
        return self.normalize(value)

    def serialize(self, x: datetime.timedelta) -> str:
        total = x.total_seconds()
        days, rem = divmod(total, 86400)
        hours, rem = divmod(rem, 3600)
        minutes, seconds = divmod(rem, 60)
        out = [f"{int(v)} {u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
        if seconds or not out:
            out.append(f"{seconds:g} s")
        return " ".join(out)


# ---- structured -----------------------------------------------------------------------------------
class FrozenDict(Mapping):
    """An immutable, hashable, order-preserving mapping (DictParameter values)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._d = dict(*args, **kwargs)
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self):  # type: ignore[override]
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._d.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenDict({self._d!r})"

    def get_wrapped(self) -> dict:
        return self._d


def freeze(value: Any) -> Any:
    """Recursively turn lists into tuples and dicts into FrozenDicts."""
    if isinstance(value, Mapping):
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


class _JsonParameter(Parameter):
    def parse(self, x: str) -> Any:
        return freeze(json.loads(x))

    def normalize(self, x: Any) -> Any:
        return freeze(x)

    def serialize(self, x: Any) -> str:
        return json.dumps(thaw(x), separators=(",", ":"), sort_keys=False, default=str)

    def _check_native(self, value: Any) -> Any:
        return value


class ListParameter(_JsonParameter):
    """A JSON list (tuples internally, so the value is hashable)."""

    def parse(self, x: str) -> Any:
        value = json.loads(x)
        if not isinstance(value, list):
            raise ValueError(f"expected a JSON list, got {x!r}")
        return freeze(value)


TupleParameter = ListParameter


class OptionalListParameter(OptionalParameterMixin, ListParameter):
    pass


OptionalTupleParameter = OptionalListParameter


class DictParameter(_JsonParameter):
    """A JSON object (a FrozenDict internally, so the value is hashable)."""

    def parse(self, x: str) -> Any:
        value = json.loads(x)
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {x!r}")
        return freeze(value)


class OptionalDictParameter(OptionalParameterMixin, DictParameter):
    pass


class PathParameter(Parameter):
    """A pathlib.Path; ``absolute=True`` makes it absolute, ``exists=True`` requires it to exist."""

    def __init__(self, *args: Any, absolute: bool = False, exists: bool = False, **kwargs: Any) -> None:
        self.absolute, self.exists = absolute, exists
        super().__init__(*args, **kwargs)

    def normalize(self, x: Any) -> Path:
        path = Path(x)
        if self.absolute:
            path = path.absolute()
        if self.exists and not path.exists():
            raise ValueError(f"path {path} does not exist")
        return path

    def _check_native(self, value: Any) -> Any:
        return value


class OptionalPathParameter(OptionalParameterMixin, PathParameter):
    pass


class StepParameter(Parameter):
    """A step class, given on the command line by its family name."""

    def parse(self, x: str) -> type:
        from trun.step_register import Register

        return Register.get_step_cls(x)

    def normalize(self, x: Any) -> Any:
        return self.parse(x) if isinstance(x, str) else x

    def serialize(self, x: Any) -> str:
        return x.get_step_family()
