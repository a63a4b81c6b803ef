"""Parameters holding one plain value: numbers, booleans, choices, enums, paths and step classes."""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from trun.parameter_base import (
    OptionalParameter,
    OptionalParameterMixin,
    Parameter,
    ParameterException,
    TypeVar,
    _no_value,
    _NoValueType,
    _ParameterKwargs,
)

if TYPE_CHECKING:
    from typing import Unpack

    import trun.step  # noqa: F401 (StepType's bound)

StepType = TypeVar("StepType", bound="trun.step.Step")
EnumParameterType = TypeVar("EnumParameterType", bound=enum.Enum)
NumericalType = TypeVar("NumericalType", int, float)
ChoiceType = TypeVar("ChoiceType", default=str)


class IntParameter(Parameter[int]):
    def parse(self, x: str) -> int:
        return int(x)

    def _check_native(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an integer, got {type(value).__name__}")
        return value

    def next_in_enumeration(self, value: int) -> int:
        return value + 1


class FloatParameter(Parameter[float]):
    def parse(self, x: str) -> float:
        return float(x)

    def _check_native(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a number, got {type(value).__name__}")
        return float(value)


class BoolParameter(Parameter[bool]):
    """A boolean; on the command line ``--flag`` means True (implicit parsing) unless explicit parsing
    is chosen, in which case ``--flag true``/``--flag false`` is required."""

    IMPLICIT_PARSING = "implicit"
    EXPLICIT_PARSING = "explicit"
    parsing = IMPLICIT_PARSING

    def __init__(self, default: bool | _NoValueType = _no_value, *args: Any, parsing: str | None = None,
                 **kwargs: Unpack[_ParameterKwargs]) -> None:
        self.parsing = parsing or self.__class__.parsing
        super().__init__(default, *args, **kwargs)
        if self._default is _no_value:
            self._default = False

    def _parser_kwargs(self, param_name: str, step_name: str | None = None) -> dict[str, Any]:
        """Implicit parsing: a bare ``--flag`` is true; explicit: ``--flag true``/``--flag false``
        (a bare ``--flag`` is true there too)."""
        kwargs = Parameter._parser_kwargs(param_name, step_name)
        if self.parsing == BoolParameter.IMPLICIT_PARSING:
            return {**kwargs, "action": "store_const", "const": "true"}
        return {**kwargs, "nargs": "?", "const": "true"}

    def parse(self, x: str) -> bool:
        s = str(x).strip().lower()
        if s == "true":
            return True
        if s == "false":
            return False
        raise ValueError(f"cannot parse {x!r} as a boolean (true or false)")

    def _check_native(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"expected a boolean, got {type(value).__name__}")
        return value

    def serialize(self, x: Any) -> str:
        return str(bool(x))

    def normalize(self, x: Any) -> Any:
        # as Luigi: a value given in code is read as its text ("true"/"false"), anything else is None
        try:
            return self.parse(x)
        except ValueError:
            return None


class OptionalIntParameter(OptionalParameterMixin[int], IntParameter):  # type: ignore[misc]
    expected_type = int


class OptionalFloatParameter(OptionalParameterMixin[float], FloatParameter):  # type: ignore[misc]
    expected_type = float


class OptionalBoolParameter(OptionalParameterMixin[bool], BoolParameter):  # type: ignore[misc]
    expected_type = bool


class NumericalParameter(Parameter[NumericalType]):
    """A number of ``var_type`` constrained to ``[min_value, max_value)`` (operators configurable)."""

    def __init__(self, default: NumericalType | _NoValueType = _no_value, *args: Any,
                 var_type: type[NumericalType] | None = None, min_value: NumericalType | None = None,
                 max_value: NumericalType | None = None, left_op: Callable = operator.le,
                 right_op: Callable = operator.lt, **kwargs: Unpack[_ParameterKwargs]) -> None:
        if var_type is None or min_value is None or max_value is None:
            raise ParameterException("NumericalParameter needs var_type, min_value and max_value")
        self._type, self._min, self._max = var_type, min_value, max_value
        self._left_op, self._right_op = left_op, right_op
        left = "[" if left_op is operator.le else "("
        right = ")" if right_op is operator.lt else "]"
        self._permitted_range = f"{var_type.__name__} in {left}{min_value}, {max_value}{right}"
        super().__init__(default, *args, **kwargs)
        # as Luigi: the range is told in the description (--help)
        self.description = f"{self.description} " if self.description else ""
        self.description += f"permitted values: {self._permitted_range}"

    def parse(self, x: str) -> Any:
        # as Luigi: only text (command line, config) is converted and range-checked; a value given in
        # code is kept as it is
        value = self._type(x)
        if self._left_op(self._min, value) and self._right_op(value, self._max):
            return value
        raise ValueError(f"{x} is not in the set of {self._permitted_range}")


class OptionalNumericalParameter(OptionalParameterMixin[NumericalType],  # type: ignore[misc]
                                 NumericalParameter[NumericalType]):
    def __init__(self, default: NumericalType | None | _NoValueType = _no_value, *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(default, *args, **kwargs)  # as Luigi: no default unless given
        self.expected_type = self._type


class ChoiceParameter(Parameter[ChoiceType]):
    def __init__(self, default: ChoiceType | _NoValueType = _no_value, *args: Any,
                 choices: Sequence[ChoiceType] | None = None, var_type: type[ChoiceType] = str,  # type: ignore[assignment]
                 **kwargs: Unpack[_ParameterKwargs]) -> None:
        if choices is None:
            raise ParameterException("A choices iterable must be specified")
        self._choices = tuple(choices)
        self._var_type = var_type
        # as Luigi: every choice is of var_type (an AssertionError otherwise)
        assert all(type(c) is var_type for c in self._choices), \
            f"Invalid type in choices {list(self._choices)}: expected {var_type.__name__}"
        super().__init__(default, *args, **kwargs)

    def parse(self, x: str) -> Any:
        return self.normalize(self._var_type(x))

    def normalize(self, x: Any) -> Any:
        if x not in self._choices:
            raise ValueError(f"{x!r} is not a valid choice among {list(self._choices)}")
        return x


class OptionalChoiceParameter(OptionalParameterMixin[ChoiceType],  # type: ignore[misc]
                              ChoiceParameter[ChoiceType]):
    def __init__(self, default: ChoiceType | None | _NoValueType = _no_value, *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(default, *args, **kwargs)  # as Luigi: no default unless given
        self.expected_type = self._var_type


class ChoiceListParameter(ChoiceParameter[ChoiceType]):
    if TYPE_CHECKING:  # its value is a tuple of choices
        def __init__(self, default: tuple[ChoiceType, ...] | _NoValueType = _no_value,
                     var_type: type[ChoiceType] = str, choices: Sequence[ChoiceType] | None = None,  # type: ignore[assignment]
                     **kwargs: Unpack[_ParameterKwargs]) -> None: ...

        @overload  # type: ignore[override]
        def __get__(self, instance: None, owner: Any) -> Parameter[tuple[ChoiceType, ...]]: ...

        @overload
        def __get__(self, instance: Any, owner: Any) -> tuple[ChoiceType, ...]: ...

        def __get__(self, instance: Any, owner: Any) -> Any: ...

    def parse(self, x: str) -> tuple:
        return self.normalize(tuple(self._var_type(v.strip()) for v in x.split(",") if v.strip()))

    def normalize(self, x: Any) -> tuple:
        values = tuple(x)
        for v in values:
            super().normalize(v)
        return values

    def serialize(self, x: Any) -> str:
        return ",".join(str(v) for v in x)


def _enum_class(enum: type[enum.Enum] | None) -> type[enum.Enum]:
    if enum is None:
        raise ParameterException("EnumParameter needs enum=...")
    return enum


def _enum_member(enum: type[enum.Enum], x: str) -> enum.Enum:
    try:
        return enum[x]
    except KeyError:
        raise ValueError(f"{x!r} is not a member of {enum.__name__}") from None


class EnumParameter(Parameter[EnumParameterType]):
    def __init__(self, default: EnumParameterType | _NoValueType = _no_value, *args: Any,
                 enum: type[EnumParameterType] | None = None, **kwargs: Unpack[_ParameterKwargs]) -> None:
        self._enum = _enum_class(enum)
        super().__init__(default, *args, **kwargs)

    def parse(self, x: str) -> enum.Enum:
        return _enum_member(self._enum, x)

    def normalize(self, x: Any) -> Any:
        return self.parse(x) if isinstance(x, str) else x

    def serialize(self, x: enum.Enum) -> str:
        return x.name


class EnumListParameter(Parameter[tuple[EnumParameterType, ...]]):
    def __init__(self, default: tuple[EnumParameterType, ...] | _NoValueType = _no_value, *args: Any,
                 enum: type[EnumParameterType] | None = None, **kwargs: Unpack[_ParameterKwargs]) -> None:
        self._enum = _enum_class(enum)
        super().__init__(default, *args, **kwargs)

    def parse(self, x: str) -> tuple:
        return tuple(_enum_member(self._enum, v.strip()) for v in x.split(",") if v.strip())

    def normalize(self, x: Any) -> tuple:
        if isinstance(x, str):
            return self.parse(x)
        return tuple(x)

    def serialize(self, x: Any) -> str:
        return ",".join(e.name for e in x)


class PathParameter(Parameter[Path]):
    """A pathlib.Path; ``absolute=True`` makes it absolute, ``exists=True`` requires it to exist."""

    def __init__(self, default: Path | _NoValueType = _no_value, *args: Any, absolute: bool = False,
                 exists: bool = False, **kwargs: Unpack[_ParameterKwargs]) -> None:
        self.absolute, self.exists = absolute, exists
        super().__init__(default, *args, **kwargs)

    def normalize(self, x: Any) -> Path:
        path = Path(x)
        if self.absolute:
            path = path.absolute()
        if self.exists and not path.exists():
            raise ValueError(f"The path {path} does not exist.")
        return path

    def _check_native(self, value: Any) -> Any:
        return value


class OptionalPathParameter(OptionalParameter, PathParameter):  # type: ignore[misc]
    expected_type = (str, Path)


class StepParameter(Parameter[type[StepType]]):
    """A step class, given on the command line by its family name."""

    def parse(self, x: str) -> type:
        from trun.step_register import Register

        return Register.get_step_cls(x)

    def serialize(self, x: Any) -> str:
        # as Luigi's: a family name given in code is not looked up, and fails here (AttributeError)
        return x.get_step_family()
