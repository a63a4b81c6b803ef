"""Resumable streams: reconnect with backoff and continue after the last row received.

Every streamed row of ticklab carries a sequence number (its position in the stream its request
defines) and the fingerprint of its tick, so ``(sequence, fingerprint)`` of the last row a client
processed is a resume point. :func:`resilient` wraps a function that opens a stream from resume
points into an iterator that survives lost connections:

    stream = resilient(lambda points: gateway_call(resume_after=points))
    for batch in stream:           # client.Batch objects, per stock in sequence order
        ...

On ``UNAVAILABLE`` (connection lost, service restarting) and on ``RESOURCE_EXHAUSTED`` sent by the
gateway to a subscriber that fell behind (trailing metadata ``ticklab-reason: slow-subscriber``),
it waits (exponential backoff with jitter), then reopens the stream with the resume points of the
last rows it yielded. Any other error is raised. Rows are checked on the way: a row at or before
the resume point is dropped (0 duplicates) and a jump in sequence numbers raises
:class:`StreamGapError` (0 losses, or an error, never a silent hole).

Resume points are kept per stream key; the key of a batch is its stock by default (the gateway's
streams are per stock), or ``""`` for one direct service request over several stocks, whose
sequence numbers run across stocks.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc

from ticklab.client.batch import Batch, frame

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Trailing metadata key and value the gateway sets when it disconnects a slow subscriber.
REASON_KEY = "ticklab-reason"
SLOW_SUBSCRIBER = "slow-subscriber"

#: A resume point: (sequence, fingerprint) of the last row received.
Point = tuple[int, int]


class StreamGapError(RuntimeError):
    """Rows were skipped: a batch started after the row following the last one received."""


def is_retryable(error: grpc.RpcError) -> bool:
    """True for errors after which resuming makes sense: the server went away or dropped us."""
    code = error.code() if hasattr(error, "code") else None
    if code == grpc.StatusCode.UNAVAILABLE:
        return True
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        return any(k == REASON_KEY and v == SLOW_SUBSCRIBER for k, v in (trailing or ()))
    return False


@dataclass
class Backoff:
    """Exponential backoff with full jitter; gives up after `give_up_after` s without progress."""

    initial: float = 0.05
    maximum: float = 2.0
    multiplier: float = 2.0
    give_up_after: float | None = 120.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1, 2, ...)."""
        cap = min(self.maximum, self.initial * self.multiplier ** max(0, attempt - 1))
        return random.uniform(cap / 2, cap)


@dataclass
class ResumeState:
    """Last (sequence, fingerprint) per stream key; trims repeats and detects gaps."""

    points: dict[str, Point] = field(default_factory=dict)
    key: Callable[[Batch], str] = field(default=lambda b: b.stock)

    def accept(self, batch: Batch) -> Batch | None:
        """The part of `batch` after the key's resume point (None if nothing is new)."""
        n = len(batch)
        if n == 0:
            return None
        k = self.key(batch)
        last = self.points.get(k)
        if last is not None:
            expected = last[0] + 1
            if batch.first_sequence > expected:
                raise StreamGapError(
                    f"stream {k or '(request)'}: rows {expected}..{batch.first_sequence - 1} missing "
                    f"(last received {last[0]}, batch starts at {batch.first_sequence})")
            skip = expected - batch.first_sequence
            if skip >= n:
                return None
            if skip > 0:
                batch = Batch(batch.stock, batch.date, expected, batch.array[skip:], batch.feature_names)
        self.points[k] = (batch.first_sequence + len(batch) - 1, int(batch.array["fingerprint"][-1]))
        return batch


class ResilientStream(Iterable[Batch]):
    """An iterator of Batches that reopens its stream after retryable failures.

    ``open_stream(points)`` must return an iterable of Batches resuming after ``points`` (key ->
    resume point; empty at first unless `resume_after` is given) and may have a ``cancel()``.
    ``reconnects`` counts the reopenings; ``resume_points`` is the state to resume from later.
    """

    def __init__(self, open_stream: Callable[[Mapping[str, Point]], Iterable[Batch]], *,
                 resume_after: Mapping[str, Point] | None = None, backoff: Backoff | None = None,
                 key: Callable[[Batch], str] | None = None,
                 on_retry: Callable[[grpc.RpcError, float], None] | None = None) -> None:
        self._open = open_stream
        self.state = ResumeState(dict(resume_after or {}))
        if key is not None:
            self.state.key = key
        self.backoff = backoff or Backoff()
        self.on_retry = on_retry
        self.reconnects = 0
        self.feature_names: tuple[str, ...] = ()
        self._current: Any = None
        self._cancelled = False

    @property
    def resume_points(self) -> dict[str, Point]:
        return dict(self.state.points)

    def cancel(self) -> None:
        """Stops the stream; a running iteration ends (quietly) at its next step."""
        self._cancelled = True
        if self._current is not None and hasattr(self._current, "cancel"):
            self._current.cancel()

    def __iter__(self) -> Iterator[Batch]:
        attempt = 0
        last_progress = time.monotonic()
        while not self._cancelled:
            self._current = self._open(dict(self.state.points))
            try:
                for batch in self._current:
                    accepted = self.state.accept(batch)
                    if accepted is None:
                        continue
                    attempt, last_progress = 0, time.monotonic()
                    if accepted.feature_names:
                        self.feature_names = accepted.feature_names
                    yield accepted
                return
            except grpc.RpcError as e:
                if self._cancelled:
                    return
                if not is_retryable(e):
                    raise
                attempt += 1
                limit = self.backoff.give_up_after
                if limit is not None and time.monotonic() - last_progress > limit:
                    raise
                delay = self.backoff.delay(attempt)
                if self.on_retry is not None:
                    self.on_retry(e, delay)
                self.reconnects += 1
                time.sleep(delay)
            finally:
                if self._current is not None and hasattr(self._current, "cancel"):
                    self._current.cancel()

    def batches(self) -> list[Batch]:
        return list(self)

    def to_numpy(self) -> np.ndarray:
        """All rows (every key, in arrival order) as one structured array."""
        import numpy as np

        batches = self.batches()
        if not batches:
            raise ValueError("the stream had no rows")
        return np.concatenate([b.array for b in batches])

    def to_pandas(self) -> pd.DataFrame:
        """All rows as a DataFrame (stock, date, sequence, the record fields, time)."""
        batches = self.batches()
        return frame(batches, self.feature_names)


def resilient(open_stream: Callable[[Mapping[str, Point]], Iterable[Batch]],
              **kwargs: Any) -> ResilientStream:
    """A :class:`ResilientStream` over `open_stream` (see the module docstring)."""
    return ResilientStream(open_stream, **kwargs)


def resilient_request(open_call: Callable[[Point | None], Iterable[Batch]], *,
                      resume_after: Point | None = None, **kwargs: Any) -> ResilientStream:
    """A resilient stream over one direct service request, whose sequence runs across its stocks.

        c = ticklab.connect(data_address)
        stream = resilient_request(lambda point: c.ticks(["AAPL", "MSFT"], resume_after=point))
    """
    start = {"": resume_after} if resume_after is not None else None
    return ResilientStream(lambda points: open_call(points.get("")), resume_after=start,
                           key=lambda b: "", **kwargs)
