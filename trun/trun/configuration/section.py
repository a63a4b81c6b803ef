"""One section of the configuration seen as a mapping, as ``ConfigParser``'s ``config["section"]``
is: reading, writing and deleting keys go through to the configuration."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any


class Section(MutableMapping):
    """``config[name]``: the keys of section ``name`` ([DEFAULT]'s included, as ConfigParser's)."""

    def __init__(self, config: Any, name: str) -> None:
        self._config = config
        self.name = name

    def __getitem__(self, key: str) -> Any:
        if not self._config.has_option(self.name, key):
            raise KeyError(key)
        return self._config.get(self.name, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._config.set(self.name, key, value)

    def __delitem__(self, key: str) -> None:
        if not self._config.remove_option(self.name, key):
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._config.options(self.name))

    def __len__(self) -> int:
        return len(self._config.options(self.name))

    def __repr__(self) -> str:
        return f"<Section: {self.name}>"
