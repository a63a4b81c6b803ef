"""What a step parameter is: the ``Parameter`` base class, how its value is resolved, and its errors.

A parameter's value is resolved, first match wins, from: the keyword/positional argument given to the
step, the command line (``--param`` for the root step, ``--Family-param`` for any step), the config
section named after the step family, the parameter's ``config_path``, and its ``default``.  Subclasses
only say how a value is parsed from text, normalised and written back.  The typed parameters live in
``scalar_parameter``, ``date_parameter`` and ``collection_parameter``; ``trun.parameter`` has them all.
"""

from __future__ import annotations

import enum
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypedDict, Unpack, overload

from trun.configuration import ConfigError, get_config

if TYPE_CHECKING:
    from typing_extensions import TypeVar  # a TypeVar with a default (typing's has it from 3.13 on)
elif sys.version_info >= (3, 13):
    from typing import TypeVar
else:
    import typing

    def TypeVar(name: str, *constraints: Any, default: Any = None, **kwargs: Any) -> Any:  # noqa: N802
        """typing.TypeVar, taking (and, before Python 3.13, dropping) the type checkers' ``default``."""
        return typing.TypeVar(name, *constraints, **kwargs)


class ParameterException(Exception):
    """Base class for errors about parameter values."""


class MissingParameterException(ParameterException):
    pass


class UnknownParameterException(ParameterException):
    pass


class DuplicateParameterException(ParameterException):
    pass


class _NoValueType:
    def __repr__(self) -> str:
        return "<no value>"


_no_value: Any = _NoValueType()

# (family, param_name) -> textual value given on the command line
_cmdline_values: dict[tuple[str, str], str] = {}


def set_cmdline_value(family: str, name: str, value: str) -> None:
    _cmdline_values[(family, name)] = value


def clear_cmdline_values() -> None:
    _cmdline_values.clear()


class OptionalParameterTypeWarning(UserWarning):
    """An Optional...Parameter got a value of another type than its own (or None)."""


class UnconsumedParameterWarning(UserWarning):
    """The configuration has a value, in a step's section, that is none of its parameters."""


class ParameterVisibility(enum.IntEnum):
    PUBLIC = 0
    HIDDEN = 1
    PRIVATE = 2

    @classmethod
    def has_value(cls, value: int) -> bool:
        return any(value == item.value for item in cls)

    def serialize(self) -> int:
        return self.value


T = TypeVar("T", default=str)  # a parameter's value type
_OptT = TypeVar("_OptT")  # an optional parameter's value type, without the None


class ConfigPath(TypedDict):
    """The ``config_path`` argument of a parameter: where else in the configuration its value is."""

    section: str
    name: str


class _ParameterKwargs(TypedDict, total=False):
    """The keyword arguments every parameter takes besides ``default`` (for type checkers)."""

    is_global: bool
    significant: bool
    description: str | None
    config_path: ConfigPath | None
    positional: bool
    always_in_help: bool
    batch_method: Callable[[Iterable[Any]], Any] | None
    visibility: ParameterVisibility


class Parameter(Generic[T]):
    """A parameter whose value is a ``T`` (a string, unless a subclass says otherwise); subclasses add
    parsing and normalisation.  For type checkers it is a descriptor: ``step.p`` is a ``T``."""

    _counter = 0

    # the arguments in Luigi's order, so that positional ones mean what they mean there
    def __init__(self, default: T | _NoValueType = _no_value, is_global: bool = False,
                 significant: bool = True, description: str | None = None,
                 config_path: ConfigPath | None = None, positional: bool = True,
                 always_in_help: bool = False,
                 batch_method: Callable[[Iterable[Any]], Any] | None = None,
                 visibility: ParameterVisibility = ParameterVisibility.PUBLIC):
        if is_global:  # Luigi's old keyword: accepted with its warning, and such a parameter is keyword-only
            warnings.warn("is_global support is removed. Assuming positional=False", DeprecationWarning,
                          stacklevel=2)
            positional = False
        self._default = default
        self.significant = significant
        self.description = description
        self._config_path = config_path
        self.positional = positional
        self.always_in_help = always_in_help
        # as Luigi: a value that is no ParameterVisibility is PUBLIC
        self.visibility = ParameterVisibility(visibility) if ParameterVisibility.has_value(visibility) \
            else ParameterVisibility.PUBLIC
        self._batch_method = batch_method  # combines the values of steps run together as one batch
        self._order = Parameter._counter
        Parameter._counter += 1
        self._attribute_name: str | None = None  # set when the class is made (__set_name__)

    @staticmethod
    def _parser_kwargs(param_name: str, step_name: str | None = None) -> dict[str, Any]:
        """What the command line's parser is told about this parameter's flag: a value stored
        under ``param_name`` (BoolParameter makes it a switch; a subclass may override it)."""
        return {"action": "store", "dest": param_name}

    def __set_name__(self, owner: type, name: str) -> None:
        """The attribute name this parameter has in its class (Luigi 3.8's ``_attribute_name``;
        code that adds a parameter to a class after the fact calls this itself, as with Luigi)."""
        self._attribute_name = name

    if TYPE_CHECKING:  # the value types a type checker sees; at run time a step keeps its values itself
        @overload
        def __get__(self, instance: None, owner: Any) -> Parameter[T]: ...

        @overload
        def __get__(self, instance: Any, owner: Any) -> T: ...

        def __get__(self, instance: Any, owner: Any) -> Any: ...

        def __set__(self, instance: Any, value: T) -> None: ...

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
            section, key = self._config_path["section"], self._config_path["name"]
            value = self._from_config(section, key)
            if value is not _no_value and (section, key) != (family, name):
                warnings.warn(f"The use of the configuration [{section}] {key} is deprecated. Please use "
                              f"[{family}] {name}", DeprecationWarning, stacklevel=2)
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

    def _is_batchable(self) -> bool:
        """Whether steps differing only in this parameter may run together (it has a batch_method)."""
        return self._batch_method is not None

    def _parse_list(self, xs: Any) -> Any:
        """The value of a batch: each text in ``xs`` parsed, then combined by the batch_method."""
        if not self._is_batchable():
            raise NotImplementedError(f"{type(self).__name__} has no batch_method: cannot combine {xs!r}")
        if not xs:
            raise ValueError("an empty batch has no value to combine")
        return self._batch_method(map(self.parse, xs))

    def _warn_on_wrong_param_type(self, param_name: str, param_value: Any) -> None:
        if type(self) is Parameter and not isinstance(param_value, str):
            warnings.warn(f'Parameter "{param_name}" with value "{param_value}" is not of type string.')  # noqa: B028 (Luigi's exact call)


StrParameter = Parameter


class OptionalParameterMixin(Generic[_OptT]):
    """Accepts ``None`` (written as an empty string on the command line); a value of another type
    than ``expected_type`` gives an ``OptionalParameterTypeWarning``."""

    expected_type: Any = type(None)

    def __init__(self, default: _OptT | None | _NoValueType = None, *args: Any,
                 **kwargs: Unpack[_ParameterKwargs]) -> None:
        # as Luigi: an optional parameter without a default is None, not missing
        super().__init__(default, *args, **kwargs)  # type: ignore[call-arg]

    if TYPE_CHECKING:
        @overload
        def __get__(self, instance: None, owner: Any) -> Parameter[_OptT | None]: ...

        @overload
        def __get__(self, instance: Any, owner: Any) -> _OptT | None: ...

        def __get__(self, instance: Any, owner: Any) -> Any: ...

        def __set__(self, instance: Any, value: _OptT | None) -> None: ...

    def _warn_on_wrong_param_type(self, param_name: str, param_value: Any) -> None:
        if param_value is not None and not isinstance(param_value, self.expected_type):
            if isinstance(self.expected_type, tuple):
                names = ", ".join(f'"{t.__name__}"' for t in self.expected_type)
                kind = f"any type in [{names}]"
            else:
                kind = f'type "{self.expected_type.__name__}"'
            message = f'{type(self).__name__} "{param_name}" with value "{param_value}" is not of {kind} ' \
                "or None."
            warnings.warn(message, OptionalParameterTypeWarning)  # noqa: B028 (Luigi's exact call)

    def next_in_enumeration(self, value: Any) -> Any:
        return None

    def serialize(self, x: Any) -> str:
        return "" if x is None else super().serialize(x)  # type: ignore[misc]

    def parse(self, x: str) -> Any:
        return None if x == "" else super().parse(x)  # type: ignore[misc]

    def normalize(self, x: Any) -> Any:
        return None if x is None else super().normalize(x)  # type: ignore[misc]


class OptionalParameter(OptionalParameterMixin[str], Parameter[str | None]):
    expected_type = str


OptionalStrParameter = OptionalParameter
