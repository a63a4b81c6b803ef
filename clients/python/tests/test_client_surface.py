"""The sync and asyncio clients have the same public surface, so they cannot drift apart again.

For every public method of `Client` and `Stream` (and the context-manager and iteration dunders)
the asyncio class has the counterpart with the same parameters (names, kinds, defaults,
annotations) and the same kind of result: a value the sync one returns is awaited, what it yields
(an ``Iterator[T]``) is async-iterated (``AsyncIterator[T]``), a `Stream` is an `AsyncStream`.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from ticklab.client.aio import AsyncClient, AsyncStream
from ticklab.client.sync import Client, Stream

DUNDERS = {"__init__": "__init__", "__enter__": "__aenter__", "__exit__": "__aexit__",
           "__iter__": "__aiter__"}
#: Methods that do no I/O, so the asyncio flavour need not be a coroutine either.
LOCAL = {"cancel", "__init__"}
#: Async spelling -> sync spelling in annotations.
RENAMES = [("AsyncIterator[", "Iterator["), ("AsyncStream", "Stream"), ("AsyncClient", "Client"),
           ("grpc.aio.Channel", "grpc.Channel")]


def surface(cls: type, async_names: bool) -> dict[str, Any]:
    """Public methods of `cls` by their sync name (dunders mapped)."""
    out = {}
    for name, member in vars(cls).items():
        if not callable(member) and not isinstance(member, property):
            continue
        sync_name = {v: k for k, v in DUNDERS.items()}.get(name, name) if async_names else name
        if sync_name.startswith("_") and sync_name not in DUNDERS:
            continue
        out[sync_name] = member
    return out


def normalise(annotation: Any) -> str:
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    for a, s in RENAMES:
        text = text.replace(a, s)
    return text


def parameters(fn: Any) -> list[tuple[str, Any, Any, str]]:
    return [(p.name, p.kind, p.default, normalise(p.annotation))
            for p in inspect.signature(fn).parameters.values()]


def result_kind(fn: Any, is_async: bool) -> tuple[str, str]:
    """('iterates', T), ('returns', T), ('stream', 'Stream') or ('plain', T), T the normalised result
    type. A stream is returned at once by both flavours (the call starts when it is iterated)."""
    ret = normalise(inspect.signature(fn).return_annotation)
    iterated = re.fullmatch(r"Iterator\[(.*)\]", ret)
    if ret == "Stream":
        return ("stream" if not inspect.iscoroutinefunction(fn) else "awaited stream"), ret
    if not is_async:
        return ("iterates", iterated.group(1)) if iterated else ("returns", ret)
    if inspect.isasyncgenfunction(fn) or (iterated and not inspect.iscoroutinefunction(fn)):
        assert iterated, f"{fn.__qualname__}: an async generator should be annotated AsyncIterator[...]"
        return "iterates", iterated.group(1)
    return ("returns" if inspect.iscoroutinefunction(fn) else "plain"), ret


PAIRS = [(Client, AsyncClient), (Stream, AsyncStream)]


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=["client", "stream"])
def test_same_method_names(sync_cls: type, async_cls: type) -> None:
    assert sorted(surface(sync_cls, False)) == sorted(surface(async_cls, True))


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=["client", "stream"])
def test_same_parameters_and_result_kinds(sync_cls: type, async_cls: type) -> None:
    sync_methods, async_methods = surface(sync_cls, False), surface(async_cls, True)
    for name in sorted(set(sync_methods) & set(async_methods)):
        s, a = sync_methods[name], async_methods[name]
        assert parameters(s) == parameters(a), name
        s_kind, a_kind = result_kind(s, False), result_kind(a, True)
        if name in LOCAL or name in ("__enter__", "__exit__", "__iter__"):
            # Dunders: __aenter__/__aexit__ are coroutines, __aiter__ an async generator.
            assert a_kind[1] == s_kind[1], name
            continue
        assert s_kind[0] in ("iterates", "returns", "stream"), name
        assert a_kind == s_kind, f"{name}: sync {s_kind}, asyncio {a_kind}"


def test_streams_expose_the_same_state() -> None:
    sync, aio = Stream(call=iter(()), decode=None), AsyncStream(call=None, decode=None)
    public = {k for k in vars(sync) if not k.startswith("_")}
    assert public == {k for k in vars(aio) if not k.startswith("_")}
    assert {"resume_point", "feature_names"} <= public


def test_the_check_sees_a_drift() -> None:
    """The comparison fails for a method that returns a list where the sync one yields (the old
    ``aio.stats``) and for a missing method (the old ``aio.indicator_sets``)."""

    class Drifted(AsyncClient):
        async def stats(self, stock: str, start: Any = None, end: Any = None, *, set: str = "seed",
                        dry_run: bool = False) -> list:
            return []

    assert result_kind(Drifted.stats, True) != result_kind(Client.stats, False)
    missing = set(surface(Client, False)) - (set(surface(AsyncClient, True)) - {"indicator_sets"})
    assert missing == {"indicator_sets"}
