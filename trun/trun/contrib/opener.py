"""Targets named by URI, as Luigi's ``luigi.contrib.opener``: ``OpenerTarget("mock://a/b.txt")``
is a ``MockTarget``, ``OpenerTarget("/data/a.txt")`` or ``file://...`` a ``LocalTarget``, so a
pipeline's locations can come from configuration and tests can swap them for in-memory ones.

The URI's query string gives the target's keyword arguments (``?is_tmp=true&format=...``): an
opener keeps only those in its ``allowed_kwargs`` (unless ``filter_kwargs`` is false), parsing as
JSON the ones flagged true there.  ``s3://`` (and ``s3n://``) is a ``trun.contrib.s3.S3Target``
(boto3 needed once it is used).  ``opener`` is the registry of the three; a registry of one's own
takes ``Opener`` subclasses.
"""

from __future__ import annotations

import importlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from trun.local_target import LocalTarget
from trun.mock import MockTarget
from trun.target import FileSystemException

__all__ = ["OpenerError", "NoOpenerError", "InvalidQuery", "OpenerRegistry", "Opener", "MockOpener",
           "LocalOpener", "S3Opener", "opener", "OpenerTarget"]


class OpenerError(FileSystemException):
    """What the openers raise."""


class NoOpenerError(OpenerError):
    """No opener for the URI's scheme."""


class InvalidQuery(OpenerError):
    """An opener got arguments it does not take."""


class OpenerRegistry:
    """Openers by the schemes they serve; a URI without a scheme is a ``file``."""

    def __init__(self, openers: list[type[Opener]] | None = None) -> None:
        self.registry: dict[str, int] = {}
        self.openers: dict[int, type[Opener]] = {}
        self.default_opener = "file"
        for one in openers or []:
            self.add(one)

    def get_opener(self, name: str) -> type[Opener]:
        """The opener of scheme ``name``; ``NoOpenerError`` if none serves it."""
        if name not in self.registry:
            raise NoOpenerError(f"No opener for {name}")
        return self.openers[self.registry[name]]

    def add(self, opener: type[Opener]) -> None:
        """Serve ``opener.names`` with ``opener`` (a later opener takes a name over)."""
        index = len(self.openers)
        self.openers[index] = opener
        for name in opener.names:
            self.registry[name] = index

    def open(self, target_uri: str, **kwargs: Any) -> Any:
        """The target ``target_uri`` names; ``kwargs`` are added to its query's arguments."""
        parts = urlsplit(target_uri, scheme=self.default_opener)
        chosen = self.get_opener(parts.scheme)
        query = chosen.conform_query(parts.query)
        target = chosen.get_target(parts.scheme, parts.path, parts.fragment, parts.username, parts.password,
                                   parts.hostname, parts.port, query, **kwargs)
        target.opener_path = target_uri
        return target


class Opener:
    """Makes a target of one kind from a parsed URI."""

    names: list[str] = []
    # the keyword arguments a URI's query may give, and whether each is parsed as JSON
    allowed_kwargs: dict[str, bool] = {}
    filter_kwargs = True  # drop the query's other arguments

    @classmethod
    def conform_query(cls, query: str) -> dict[str, Any]:
        """The arguments of a query string: the first value of each name; a name without a value
        is true; JSON-flagged ones are parsed."""
        parsed = parse_qs(query, keep_blank_values=True)
        if cls.filter_kwargs:
            parsed = {k: v for k, v in parsed.items() if k in cls.allowed_kwargs}
        return {k: json.loads(v[0] or "true") if cls.allowed_kwargs.get(k, False) else v[0] or "true"
                for k, v in parsed.items()}

    @classmethod
    def get_target(cls, scheme: str, path: str, fragment: str, username: str | None, password: str | None,
                   hostname: str | None, port: int | None, query: dict[str, Any], **kwargs: Any) -> Any:
        """The target for these parts of a URI."""
        raise NotImplementedError("get_target must be overridden")


class MockOpener(Opener):
    """``mock://foo/bar.txt``: a ``MockTarget`` (an in-memory file)."""

    names = ["mock"]
    allowed_kwargs = {"is_tmp": True, "mirror_on_stderr": True, "format": False}

    @classmethod
    def get_target(cls, scheme: str, path: str, fragment: str, username: str | None, password: str | None,
                   hostname: str | None, port: int | None, query: dict[str, Any], **kwargs: Any) -> Any:
        return MockTarget((hostname or "") + path, **{**query, **kwargs})


class LocalOpener(Opener):
    """A path, ``file://relative/path`` or ``file:///absolute/path``: a ``LocalTarget``."""

    names = ["file"]
    allowed_kwargs = {"is_tmp": True, "format": False}

    @classmethod
    def get_target(cls, scheme: str, path: str, fragment: str, username: str | None, password: str | None,
                   hostname: str | None, port: int | None, query: dict[str, Any], **kwargs: Any) -> Any:
        return LocalTarget((hostname or "") + path, **{**query, **kwargs})


class S3Opener(Opener):
    """``s3://bucket/key`` (or ``s3n://``): a ``trun.contrib.s3.S3Target``."""

    names = ["s3", "s3n"]
    allowed_kwargs = {"format": False, "client": True}
    filter_kwargs = False

    @classmethod
    def get_target(cls, scheme: str, path: str, fragment: str, username: str | None, password: str | None,
                   hostname: str | None, port: int | None, query: dict[str, Any], **kwargs: Any) -> Any:
        s3 = importlib.import_module("trun.contrib.s3")  # when first needed: it imports trun.step
        return s3.S3Target(f"{scheme}://{hostname}{path}", **{**query, **kwargs})


opener = OpenerRegistry([MockOpener, LocalOpener, S3Opener])
OpenerTarget = opener.open
