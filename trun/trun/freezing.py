"""Immutable, hashable versions of JSON-like values, so that list and dict parameters keep steps hashable.

``recursively_freeze`` turns lists into tuples and mappings into ``FrozenOrderedDict``;
``recursively_unfreeze`` goes back to plain lists and dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class FrozenOrderedDict(Mapping):
    """An immutable, hashable mapping that keeps insertion order (DictParameter values)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._dict = dict(*args, **kwargs)
        self._hash: int | None = None

    def __getitem__(self, key: Any) -> Any:
        return self._dict[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __hash__(self) -> int:
        if self._hash is None:
            # order-free, as equality (Mapping's) is: equal mappings must hash alike
            self._hash = hash(frozenset(self._dict.items()))
        return self._hash

    def __repr__(self) -> str:
        return repr(self._dict)

    def get_wrapped(self) -> dict:
        return self._dict


def recursively_freeze(value: Any) -> Any:
    """Lists and tuples become tuples, mappings FrozenOrderedDicts, at every depth."""
    if isinstance(value, Mapping):
        return FrozenOrderedDict((k, recursively_freeze(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(recursively_freeze(v) for v in value)
    return value


def recursively_unfreeze(value: Any) -> Any:
    """Tuples become lists and mappings dicts, at every depth."""
    if isinstance(value, Mapping):
        return {k: recursively_unfreeze(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [recursively_unfreeze(v) for v in value]
    return value
