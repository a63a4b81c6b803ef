"""Structured parameters: JSON lists and objects, held as tuples and ``FrozenDict`` so steps stay hashable."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trun.parameter_base import OptionalParameterMixin, Parameter


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
