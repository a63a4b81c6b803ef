"""Targets kept in more than one place, as Luigi's ``luigi.contrib.target``: ``CascadingClient``
is a file system client over several clients that tries each in turn until one succeeds.

``CascadingClient([primary, fallback]).exists(path)`` asks ``primary``; when that raises (a timeout,
a lost connection) it logs a warning and asks ``fallback``.  A ``FileSystemException`` (the file is
not there, it exists already) is an answer, not a failure, and is raised at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import MethodType
from typing import Any

from trun.target import FileSystemException

logger = logging.getLogger("trun-interface")


class CascadingClient:
    """The methods ``method_names`` (default ``ALL_METHOD_NAMES``) of ``clients``, cascading."""

    ALL_METHOD_NAMES = ["exists", "rename", "remove", "chmod", "chown", "count", "copy", "get", "put",
                        "mkdir", "list", "listdir", "getmerge", "isdir", "rename_dont_move", "touchz"]

    def __init__(self, clients: list[Any], method_names: list[str] | None = None) -> None:
        self.clients = clients
        for name in self.ALL_METHOD_NAMES if method_names is None else method_names:
            setattr(self, name, MethodType(self._make_method(name), self))

    @classmethod
    def _make_method(cls, method_name: str) -> Callable[..., Any]:
        def cascading(self: CascadingClient, *args: Any, **kwargs: Any) -> Any:
            return self._chained_call(method_name, *args, **kwargs)
        return cascading

    def _chained_call(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        for i, client in enumerate(self.clients):
            try:
                return getattr(client, method_name)(*args, **kwargs)
            except FileSystemException:
                raise
            except BaseException:
                if i + 1 >= len(self.clients):
                    raise
                logger.warning("The %s failed to %s, using fallback class %s", type(client).__name__,
                               method_name, type(self.clients[i + 1]).__name__)
        return None  # no clients: as Luigi, no answer
