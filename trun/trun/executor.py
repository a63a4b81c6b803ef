"""Where a step's ``run()`` executes: in-process, in a pool of long-lived worker processes, or on Dask.

Each executor runs steps with ``trun.step_process.execute_step`` and hands back ``(step_id, status,
payload)`` results (the statuses and payloads are described there).  ``fork_lock`` is held while a
pool process is forked and while the worker's heartbeat thread talks to the scheduler, so a child is
never forked in the middle of a request (Luigi's ``worker.fork_lock``).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import selectors
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from trun.event import Event
from trun.step import Step
from trun.step_process import (  # noqa: F401 (the statuses are part of this module's interface)
    DONE,
    FAILED,
    NEW_DEPS,
    UNFULFILLED,
    RunOptions,
    SchedulerMessage,
    execute_step,
    step_timeout,
)

logger = logging.getLogger("trun-interface")
fork_lock = threading.Lock()


# ---- executors ----------------------------------------------------------------------------------------
Result = tuple[str, str, Any]  # (step_id, status, payload)


class InlineExecutor:
    """Runs each step in the calling process, one at a time (timeouts enforced with SIGALRM).

    ``reporter_for(step)``: the ``StepStatusReporter`` the running step's set_status_message & co.
    are forwarded to (None: they only log)."""

    def __init__(self, opts: RunOptions, reporter_for: Callable[[Step], Any] | None = None) -> None:
        self.opts = opts
        self._reporter_for = reporter_for
        self._results: list[Result] = []

    processes = 1  # steps it runs at once

    def free_slots(self) -> int:
        return 0 if self._results else 1

    @property
    def running(self) -> int:
        return len(self._results)

    def submit(self, step: Step) -> None:
        reporter = self._reporter_for(step) if self._reporter_for is not None else None
        status, payload = execute_step(step, self.opts, use_alarm=True, reporter=reporter)
        self._results.append((step.step_id, status, payload))

    def wait(self, timeout: float) -> list[Result]:
        out, self._results = self._results, []
        return out

    def shutdown(self) -> None:
        pass


def _die_with_parent() -> None:
    """Linux: a pool process is killed when the worker that forked it dies (even by kill -9): it
    holds a copy of its own pipe's other end, so it would otherwise wait for work forever."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent or parent == 1:
        os._exit(1)


# What a step running in a pool process reports (Step.set_status_message & co.): the methods of
# trun.step_process.StepStatusReporter that a _PipeReporter sends to the worker to call.
REPORTED = ("update_tracking_url", "update_status_message", "update_progress_percentage",
            "decrease_running_resources", "report_step_statistics", "add_scheduler_message_response")


class _PoolMessages:
    """A pool process's ``scheduler_messages`` of one running step: the worker puts each message for
    its process on a queue as ``(step_id, message_id, content, payload)``; read here as Luigi's queue
    of ``SchedulerMessage`` (answered through the pipe).  Messages left from an earlier step are
    dropped."""

    def __init__(self, messages: Any, step_id: str, reporter: Any) -> None:
        self._messages, self._step_id, self._reporter = messages, step_id, reporter
        self._ready: deque[SchedulerMessage] = deque()

    def _pull(self) -> None:
        while not self._messages.empty():
            step_id, message_id, content, payload = self._messages.get()
            if step_id == self._step_id:
                self._ready.append(SchedulerMessage(self._reporter, step_id, message_id, content, **payload))

    def empty(self) -> bool:
        self._pull()
        return not self._ready

    def qsize(self) -> int:
        self._pull()
        return len(self._ready)

    def get(self, block: bool = True, timeout: float | None = None) -> SchedulerMessage:
        end = None if timeout is None else time.monotonic() + timeout
        while self.empty():
            if not block or (end is not None and time.monotonic() >= end):
                raise queue.Empty
            time.sleep(0.01)
        return self._ready.popleft()

    def get_nowait(self) -> SchedulerMessage:
        return self.get(block=False)


class _PipeReporter:
    """A pool process's reporter: each call is sent over the pipe as (step_id, method, args, kwargs)
    (results are 3-tuples) and the worker makes it on its own reporter, so the scheduler hears of a
    status message, progress or tracking URL as from a step run in the worker's process (Luigi's
    task processes call the scheduler themselves); ``scheduler_messages``: a step's messages, if it
    takes them."""

    def __init__(self, conn: Any, lock: threading.Lock, step_id: str, messages: Any = None) -> None:
        self._conn, self._lock, self._step_id = conn, lock, step_id
        self.scheduler_messages = None if messages is None else _PoolMessages(messages, step_id, self)

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name not in REPORTED:
            raise AttributeError(name)

        def send(*args: Any, **kwargs: Any) -> None:
            with self._lock:  # a step's own thread (a tracking-URL reader) may report too
                self._conn.send((self._step_id, name, args, kwargs))

        return send


def _pool_main(conn: multiprocessing.connection.Connection, opts: RunOptions, known: dict[str, Step],
               messages: Any = None) -> None:
    """A pool process: receive a step (its id if it was known when this process was forked, else the
    pickled step), run it, send back (step_id, status, payload), and before that what it reported."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()
    _die_with_parent()
    while True:
        try:
            msg = conn.recv_bytes()
        except EOFError:
            return
        kind, body = msg[:1], msg[1:]
        if kind == b"Q":
            return
        step = known[body.decode()] if kind == b"I" else pickle.loads(body)
        status, payload = execute_step(step, opts, use_alarm=False,
                                       reporter=_PipeReporter(conn, lock, step.step_id,
                                                              messages if step.accepts_messages else None))
        try:
            with lock:
                conn.send((step.step_id, status, payload))
        except Exception as e:  # unpicklable payload
            conn.send((step.step_id, FAILED if status != DONE else DONE,
                       f"could not send result back to the worker: {e}" if status != DONE else None))


class _Slot:
    __slots__ = ("proc", "conn", "queue", "head_started", "deadline", "messages")

    def __init__(self, proc: Any, conn: Any, messages: Any) -> None:
        self.proc, self.conn, self.messages = proc, conn, messages
        self.queue: deque[Step] = deque()  # steps sent to this process; the first one is running
        self.head_started = 0.0
        self.deadline: float | None = None


class ProcessPoolExecutor:
    """A pool of long-lived processes, each fed pickled steps through its own pipe.

    When steps are short (under ``PREFETCH_BELOW`` seconds on average) each process is sent up to
    ``PREFETCH_DEPTH`` steps ahead, so it never waits for the parent between two steps.  A process that
    dies while running a step fails that step (the steps queued behind it go to its replacement); a step
    running past its timeout has its process killed and replaced.
    """

    PREFETCH_DEPTH = 4
    PREFETCH_BELOW = 0.02

    def __init__(self, n: int, opts: RunOptions, known_steps: dict[str, Step] | None = None,
                 reporter_for: Callable[[Step], Any] | None = None) -> None:
        self.opts = opts
        self._reporter_for = reporter_for  # as InlineExecutor's: where the steps' reports go
        self._reporters: dict[str, Any] = {}
        # Steps known before the processes are forked are in their memory already: only ids are sent.
        self._known = known_steps if known_steps is not None else {}
        self._known_ids: frozenset[str] = frozenset()
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._selector = selectors.DefaultSelector()
        # The processes are forked at the first submit(): a run with nothing to run forks none.
        self._n = n
        self._slots: list[_Slot] = []
        self._avg = 1.0  # running average of step durations (seconds); starts pessimistic
        self._depth = 1

    def _start(self) -> None:
        self._known_ids = frozenset(self._known)  # what every process forked from now on holds
        for _ in range(self._n):
            self._slots.append(self._spawn())

    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        messages = self._ctx.SimpleQueue()  # the scheduler's messages to the step it runs
        proc = self._ctx.Process(target=_pool_main, args=(child, self.opts, self._known, messages),
                                 daemon=True)
        with fork_lock:
            proc.start()
        child.close()
        slot = _Slot(proc, parent, messages)
        self._selector.register(parent, selectors.EVENT_READ, slot)
        self._selector.register(proc.sentinel, selectors.EVENT_READ, slot)
        return slot

    @property
    def processes(self) -> int:
        """How many steps it runs at once."""
        return self._n

    def resize(self, n: int) -> None:
        """Run ``n`` steps at once from now on: more processes are forked now, idle ones beyond ``n``
        stop (busy ones once their steps end)."""
        self._n = max(1, n)
        if not self._slots:
            return
        while len(self._slots) < self._n:
            self._slots.append(self._spawn())
        self._retire_extra()

    def _retire_extra(self) -> None:
        for slot in [s for s in self._slots[self._n:] if not s.queue]:
            self._slots.remove(slot)
            self._selector.unregister(slot.conn)
            self._selector.unregister(slot.proc.sentinel)
            try:
                slot.conn.send_bytes(b"Q")
            except OSError:
                pass
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.proc.kill()
            slot.conn.close()

    def free_slots(self) -> int:
        if not self._slots:
            return self._n * self._depth
        return sum(max(0, self._depth - len(s.queue)) for s in self._slots[:self._n])

    @property
    def running(self) -> int:
        return sum(len(s.queue) for s in self._slots)

    def _start_head(self, slot: _Slot, now: float) -> None:
        slot.head_started = now
        slot.deadline = None
        if slot.queue:
            timeout = step_timeout(slot.queue[0], self.opts)
            slot.deadline = now + timeout if timeout > 0 else None

    def _encode(self, step: Step) -> bytes:
        if step.step_id in self._known_ids and self._known.get(step.step_id) is step:
            return b"I" + step.step_id.encode()
        try:
            return b"P" + pickle.dumps(step, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            raise RuntimeError(f"cannot send {step!r} to a worker process (not picklable?): {e}") from e

    def deliver(self, step_id: str, message_id: str, content: Any, payload: dict[str, Any]) -> bool:
        """Pass a scheduler message to the process running ``step_id``; False if none runs it."""
        for slot in list(self._slots):
            if slot.queue and slot.queue[0].step_id == step_id:
                slot.messages.put((step_id, message_id, content, payload))
                return True
        return False

    def submit(self, step: Step) -> None:
        if not self._slots:
            self._start()
        slot = min(self._slots, key=lambda s: len(s.queue))
        data = self._encode(step)
        slot.queue.append(step)
        if len(slot.queue) == 1:
            self._start_head(slot, time.monotonic())
        slot.conn.send_bytes(data)

    def _replace(self, slot: _Slot) -> None:
        """Kill (if needed) and replace a slot's process; re-send the steps queued behind its head."""
        self._selector.unregister(slot.conn)
        self._selector.unregister(slot.proc.sentinel)
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        slot.conn.close()
        waiting = list(slot.queue)
        new = self._spawn()
        self._slots[self._slots.index(slot)] = new
        for step in waiting:
            self.submit_to(new, step)

    def submit_to(self, slot: _Slot, step: Step) -> None:
        slot.queue.append(step)
        if len(slot.queue) == 1:
            self._start_head(slot, time.monotonic())
        slot.conn.send_bytes(self._encode(step))

    def _receive(self, slot: _Slot, now: float, out: list[Result]) -> None:
        """Take one message of a slot's process: a result, or a report of its running step."""
        msg = slot.conn.recv()
        if len(msg) == 3:
            out.append(msg)
            self._finished(slot, now)
            return
        sid, method, args, kwargs = msg
        step = next((s for s in slot.queue if s.step_id == sid), None)
        if step is None or self._reporter_for is None:
            return
        if sid not in self._reporters:
            self._reporters[sid] = self._reporter_for(step)
        try:
            getattr(self._reporters[sid], method)(*args, **kwargs)
        except Exception:  # the step runs on; as inline, a report that fails is not its failure here
            logger.warning("Could not pass on %s of %s", method, sid, exc_info=True)

    def _finished(self, slot: _Slot, now: float) -> None:
        self._reporters.pop(slot.queue[0].step_id, None)
        slot.queue.popleft()
        took = now - slot.head_started
        self._avg = 0.8 * self._avg + 0.2 * took
        self._depth = self.PREFETCH_DEPTH if self._avg < self.PREFETCH_BELOW else 1
        self._start_head(slot, now)

    def wait(self, timeout: float) -> list[Result]:
        if not self.running:
            return []
        deadlines = [s.deadline for s in self._slots if s.deadline is not None]
        if deadlines:
            timeout = max(0.0, min(timeout, min(deadlines) - time.monotonic()))
        events = self._selector.select(timeout)
        out: list[Result] = []
        now = time.monotonic()
        dead: list[_Slot] = []
        for key, _ in events:
            slot: _Slot = key.data
            if key.fileobj is not slot.conn:
                if slot not in dead:
                    dead.append(slot)
                continue
            try:
                while slot.queue and slot.conn.poll():
                    self._receive(slot, now, out)
            except (EOFError, OSError):
                if slot not in dead:
                    dead.append(slot)
        for slot in dead:
            try:  # results sent just before the process died
                while slot.queue and slot.conn.poll():
                    self._receive(slot, now, out)
            except (EOFError, OSError):
                pass
            slot.proc.join(1)
            if slot.proc.is_alive() and not slot.queue:
                continue
            if slot.queue:
                step = slot.queue.popleft()
                message = f"Step {step.step_id} died unexpectedly with exit code {slot.proc.exitcode}"
                step.trigger_event(Event.PROCESS_FAILURE, step, message)  # Luigi's words
                out.append((step.step_id, FAILED, message))
            self._replace(slot)
        for slot in list(self._slots):
            if slot.deadline is not None and now >= slot.deadline and slot.queue:
                step = slot.queue.popleft()
                t = step_timeout(step, self.opts)
                message = f"Step {step.step_id} timed out after {t} seconds and was terminated."
                step.trigger_event(Event.TIMEOUT, step, message)
                out.append((step.step_id, FAILED, message))
                self._replace(slot)
        return out

    def shutdown(self) -> None:
        for slot in self._slots:
            try:
                slot.conn.send_bytes(b"Q")
            except OSError:
                pass
        for slot in self._slots:
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join(2)
            slot.conn.close()
        self._selector.close()
