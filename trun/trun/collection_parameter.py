"""Structured parameters: JSON lists, tuples and objects, held frozen (tuples, ``FrozenOrderedDict``)
so that steps stay hashable, and written back as ``json.dumps`` writes them."""

from __future__ import annotations

import ast
import importlib.util
import json
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trun.freezing import FrozenOrderedDict, recursively_freeze, recursively_unfreeze
from trun.parameter_base import OptionalParameterMixin, Parameter, TypeVar, _no_value

if TYPE_CHECKING:
    from typing import Unpack

    from trun.parameter_base import _ParameterKwargs

DictT = TypeVar("DictT", bound=dict, default=dict[Any, Any])
ListT = TypeVar("ListT", bound=tuple, default=tuple[Any, ...])

# as Luigi's: without the jsonschema package a schema is not checked (a warning says so)
_JSONSCHEMA_ENABLED = importlib.util.find_spec("jsonschema") is not None

# The older trun names of the same things
FrozenDict = FrozenOrderedDict
freeze = recursively_freeze
thaw = recursively_unfreeze


class _JsonEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, FrozenOrderedDict):
            return o.get_wrapped()
        return super().default(o)


class _JsonParameter(Parameter[Any]):
    """A JSON value; ``schema`` (a JSON Schema dict, or a ``jsonschema`` validator) checks each value
    when it is normalised."""

    def __init__(self, default: Any = _no_value, *args: Any, schema: Any = None,
                 **kwargs: Unpack[_ParameterKwargs]) -> None:
        super().__init__(default, *args, **kwargs)
        if schema is not None and not _JSONSCHEMA_ENABLED:
            warnings.warn("The 'jsonschema' package is not installed so the parameter can not be validated "
                          "even though a schema is given.", stacklevel=2)  # Luigi's words
            schema = None
        self.schema = schema

    def normalize(self, x: Any) -> Any:
        if self.schema is not None and x is not None:
            self._validate(recursively_unfreeze(x))
        return recursively_freeze(x)

    def _validate(self, value: Any) -> None:
        import jsonschema  # only needed when a schema is given

        if isinstance(self.schema, Mapping):
            jsonschema.validate(instance=value, schema=self.schema)
        else:
            self.schema.validate(value)

    def serialize(self, x: Any) -> str:
        return json.dumps(x, cls=_JsonEncoder)

    def _check_native(self, value: Any) -> Any:
        return value


class ListParameter(_JsonParameter, Parameter[ListT]):
    """A JSON list: ``parse`` gives the list, the step holds it as a tuple (of tuples...)."""

    def parse(self, x: str) -> Any:
        # as Luigi's: any JSON value made a list ('"ab"' gives ['a', 'b']; a number a TypeError)
        return list(json.loads(x, object_pairs_hook=FrozenOrderedDict))


class TupleParameter(ListParameter[ListT]):
    """A JSON list of lists, given back as a tuple of tuples."""

    def parse(self, x: str) -> Any:
        try:
            value = json.loads(x, object_pairs_hook=FrozenOrderedDict)
        except ValueError:  # Python's tuple syntax, '(1, "a")', which Luigi accepts too
            literal = ast.literal_eval(x)  # SyntaxError/ValueError for anything else
            if isinstance(literal, str):
                raise ValueError(f"expected a tuple, got the string {x!r}") from None
            return tuple(literal)
        if not isinstance(value, list):
            raise ValueError(f"expected a JSON list, got {x!r}")
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)


class OptionalListParameter(OptionalParameterMixin[ListT], ListParameter):  # type: ignore[misc]
    expected_type = tuple


class OptionalTupleParameter(OptionalParameterMixin[ListT], TupleParameter):  # type: ignore[misc]
    expected_type = tuple


class DictParameter(_JsonParameter, Parameter[DictT]):
    """A JSON object, held as a (hashable) FrozenOrderedDict."""

    def parse(self, x: str) -> Any:
        value = json.loads(x, object_pairs_hook=FrozenOrderedDict)
        if not isinstance(value, Mapping):
            raise ValueError(f"expected a JSON object, got {x!r}")
        return value


class OptionalDictParameter(OptionalParameterMixin[FrozenOrderedDict], DictParameter):  # type: ignore[misc]
    expected_type = FrozenOrderedDict

    def parse(self, x: str) -> Any:
        return None if x.strip() == "null" else super().parse(x)  # JSON's null, as in Luigi
