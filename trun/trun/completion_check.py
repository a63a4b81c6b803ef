"""Checking whether steps are complete, optionally through a cache or in a pool of processes.

Luigi's worker helpers of the same names: ``check_complete_cached`` asks a step's ``complete()``
unless a cache already knows it is complete (only True answers are cached: a step does not become
incomplete while a run goes on, but may become complete); ``check_complete`` does so and puts
``(step, result)`` on a queue, the result being a ``TracebackWrapper`` when ``complete()`` raised.
``SingleProcessPool`` and ``DequeQueue`` stand in for a ``multiprocessing.Pool`` and its queue when
the checks run one by one in this process.
"""

from __future__ import annotations

import collections
import logging
import queue
import traceback
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("trun-interface")


class AsyncCompletionException(Exception):
    """A completeness check run elsewhere failed; ``trace`` is its formatted traceback."""

    def __init__(self, trace: str) -> None:
        super().__init__(trace)
        self.trace = trace


class TracebackWrapper:
    """A formatted traceback passed as a value, so it is not mistaken for an ordinary string."""

    def __init__(self, trace: str) -> None:
        self.trace = trace


def check_complete_cached(step: Any, completion_cache: dict | None = None) -> bool:
    """``step.complete()``, or True without asking when ``completion_cache`` knows it is complete."""
    key = step.step_id
    if completion_cache is not None and completion_cache.get(key):
        return True
    done = step.complete()
    if completion_cache is not None and done:
        completion_cache[key] = done
    return done


def check_complete(step: Any, out_queue: Any, completion_cache: dict | None = None) -> None:
    """Put ``(step, complete?)`` on ``out_queue``: a ``TracebackWrapper`` when ``complete()`` raised."""
    logger.debug("Checking if %s is complete", step)
    try:
        result: Any = check_complete_cached(step, completion_cache)
    except Exception:
        result = TracebackWrapper(traceback.format_exc())
    out_queue.put((step, result))


class SingleProcessPool:
    """The part of ``multiprocessing.Pool`` the graph walk uses, calling each function at once."""

    def apply_async(self, function: Callable, args: tuple) -> Any:
        return function(*args)

    def close(self) -> None:
        pass

    def join(self) -> None:
        pass


class DequeQueue(collections.deque):
    """A deque with the ``put`` / ``get`` of a queue (last in, first out); ``get`` on an empty one
    raises ``queue.Empty``."""

    def put(self, obj: Any, block: bool | None = None, timeout: float | None = None) -> None:
        self.append(obj)

    def get(self, block: bool | None = None, timeout: float | None = None) -> Any:
        try:
            return self.pop()
        except IndexError:
            raise queue.Empty from None
