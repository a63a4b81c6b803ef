"""The scheduler's failures: retrying a failed step after ``retry_delay``, disabling one that failed
too often (``retry_count`` within ``disable_window``, or past ``disable_hard_timeout``), and enabling
it again ``disable_persist`` seconds later.

A mixin of ``trun.scheduler.Scheduler``; the retries and re-enables are heaps keyed by time, so
nothing is rescanned.  Each step's own retry policy overrides the scheduler's options.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from collections.abc import Callable

from trun.scheduler_api import DISABLED, FAILED, PENDING
from trun.step_state import StepState


class SchedulerRetries:
    """Failing, retrying, disabling and re-enabling steps (a mixin over ``Scheduler``'s state)."""

    _steps: dict[str, StepState]
    _seq: itertools.count
    _retry_heap: list[tuple[float, int, str]]
    _enable_heap: list[tuple[float, str]]
    retry_delay: float
    retry_count: int
    disable_window: float
    disable_hard_timeout: float | None
    disable_persist: float
    batch_emails: bool
    _set_status: Callable[[StepState, str], None]
    _maybe_queue: Callable[[StepState], None]
    _mail_disabled: Callable[[StepState, int, float], None]  # in trun.scheduler (tests patch its mailer)

    def _fail(self, st: StepState, counted: bool = True) -> None:
        """``counted``: a failure of the step itself (a dead worker's step is retried regardless)."""
        self._set_status(st, FAILED)
        now = time.time()
        if not counted:
            if self.retry_delay <= 0:  # pending at once: a worker waiting on it sees no gap to give up in
                self._set_status(st, PENDING)
                self._maybe_queue(st)
            else:
                self._schedule_retry(st, now + self.retry_delay)
            return
        window = st.policy("disable_window", self.disable_window)
        if not st.failures:
            st.failures = deque()
        st.failures.append(now)  # type: ignore[union-attr]
        first = st.failures[0]
        while st.failures and st.failures[0] < now - window:
            st.failures.popleft()  # type: ignore[union-attr]
        allowed = st.policy("retry_count", self.retry_count)
        hard = st.policy("disable_hard_timeout", self.disable_hard_timeout)
        # as Luigi: retry_count failures in the window, or one past the hard timeout, disable it
        if (hard is not None and now - first > hard) or len(st.failures) >= allowed:
            self._disable(st, now)
            if not self.batch_emails:
                self._mail_disabled(st, allowed, window)
        else:
            self._schedule_retry(st, now + st.policy("retry_delay", self.retry_delay))

    def _schedule_retry(self, st: StepState, at: float) -> None:
        st.retry_at = at
        heapq.heappush(self._retry_heap, (at, next(self._seq), st.id))

    def _disable(self, st: StepState, now: float) -> None:
        st.retry_at = None
        st.disabled_at = now
        self._set_status(st, DISABLED)
        heapq.heappush(self._enable_heap, (now + st.policy("disable_persist", self.disable_persist), st.id))

    def _due_retries(self, now: float) -> None:
        while self._retry_heap and self._retry_heap[0][0] <= now:
            at, _, sid = heapq.heappop(self._retry_heap)
            st = self._steps.get(sid)
            if st is not None and st.status == FAILED and st.retry_at == at:
                st.retry_at = None
                self._set_status(st, PENDING)
                self._maybe_queue(st)

    def _re_enable(self, st: StepState) -> None:
        st.disabled_at = None
        st.failures = ()
        self._set_status(st, FAILED)
        self._schedule_retry(st, time.time() + st.policy("retry_delay", self.retry_delay))
