"""Where a step's ``run()`` executes: in-process, in a pool of long-lived worker processes, or on Dask.

``execute_step`` is the one function that runs a step anywhere; it returns ``(status, payload)``:
``("DONE", None)``, ``("FAILED", explanation)`` or ``("NEW_DEPS", [steps])`` when ``run()`` yielded
dependencies that are not complete yet (the step is re-run from the start once they are).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import selectors
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any

from trun.event import Event
from trun.step import DynamicRequirements, Step, flatten, getpaths

logger = logging.getLogger("trun-interface")

DONE, FAILED, NEW_DEPS = "DONE", "FAILED", "NEW_DEPS"
# the root logger, plus trun's own loggers, which do not propagate to the root
_STEP_LOG_LOGGERS = (None, "trun", "trun-interface")


class StepTimeout(Exception):
    """Raised inside a step that ran longer than its worker_timeout."""


@dataclass
class RunOptions:
    check_unfulfilled_deps: bool = True
    check_complete_on_run: bool = False
    step_log_dir: str | None = None
    default_timeout: float = 0.0
    step_process_context: str | None = None  # "module.Class", entered around each run()


class StepProcess:
    """What a ``[worker] step_process_context`` class is built with: the step being run and the pid
    of the process that runs it (Luigi passes its TaskProcess)."""

    def __init__(self, step: Step) -> None:
        self.step = step
        self.pid = os.getpid()


def _context_for(step: Step, class_path: str) -> Any:
    module, _, name = class_path.rpartition(".")
    if not module:
        raise ValueError(f"[worker] step_process_context must be module.Class, got {class_path!r}")
    return getattr(importlib.import_module(module), name)(StepProcess(step))


def step_timeout(step: Step, opts: RunOptions) -> float:
    t = step.worker_timeout
    if t is None:
        t = opts.default_timeout
    return float(t or 0)


def _on_alarm(signum: int, frame: Any) -> None:
    raise StepTimeout("step timed out")


def execute_step(step: Step, opts: RunOptions, use_alarm: bool = False) -> tuple[str, Any]:
    """Run one step here and now; never raises for the step's own errors."""
    handler = None
    if opts.step_log_dir:
        os.makedirs(opts.step_log_dir, exist_ok=True)
        handler = logging.FileHandler(os.path.join(opts.step_log_dir, f"{step.step_id}.log"))
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in _STEP_LOG_LOGGERS:
            logging.getLogger(name).addHandler(handler)
    timeout = step_timeout(step, opts) if use_alarm else 0.0
    alarm = timeout > 0 and threading.current_thread() is threading.main_thread()
    old_handler = None
    if alarm:
        old_handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        if opts.step_process_context:
            with _context_for(step, opts.step_process_context):
                return _execute(step, opts)
        return _execute(step, opts)
    except StepTimeout:
        message = f"Step {step!r} timed out after {timeout:g} seconds"
        step.trigger_event(Event.TIMEOUT, step, message)
        return FAILED, message
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        if handler is not None:
            for name in _STEP_LOG_LOGGERS:
                logging.getLogger(name).removeHandler(handler)
            handler.close()


def _execute(step: Step, opts: RunOptions) -> tuple[str, Any]:
    try:
        if opts.check_unfulfilled_deps:
            missing = [d for d in step.deps() if not d.complete()]
            if missing:
                names = ", ".join(repr(d) for d in missing)
                raise RuntimeError(f"Unfulfilled dependencies at run time: {names}")
        verbose = logger.isEnabledFor(logging.INFO)
        if verbose:
            logger.info("[pid %d] running   %r", os.getpid(), step)
        step.trigger_event(Event.START, step)
        t0 = time.time()
        result = step.run()  # type: ignore[misc]
        if result is not None and hasattr(result, "__next__"):
            new_deps = _drive_generator(result)
            if new_deps:
                return NEW_DEPS, new_deps
        if opts.check_complete_on_run and not step.complete():
            raise RuntimeError("Step finished running, but complete() is still returning false.")
        step.trigger_event(Event.PROCESSING_TIME, step, time.time() - t0)
        message = step.on_success()
        if verbose:
            logger.info("[pid %d] done      %r", os.getpid(), step)
        step.trigger_event(Event.SUCCESS, step)
        return DONE, message
    except StepTimeout:
        raise
    except BaseException as e:  # noqa: BLE001 - a step may raise anything, even SystemExit
        if isinstance(e, KeyboardInterrupt):
            raise
        logger.error("[pid %d] failed    %r\n%s", os.getpid(), step, traceback.format_exc())
        expl = step.on_failure(e)
        step.trigger_event(Event.FAILURE, step, e)
        return FAILED, expl or f"{type(e).__name__}: {e}"


def _drive_generator(gen: Any) -> list[Step]:
    """Feed a run() generator the outputs of its yielded requirements while they are complete."""
    to_send = None
    while True:
        try:
            reqs = gen.send(to_send)
        except StopIteration:
            return []
        if isinstance(reqs, DynamicRequirements):
            if not reqs.complete():
                return [s for s in reqs.flat_requirements if not s.complete()] or reqs.flat_requirements
            to_send = reqs.paths
            continue
        steps = flatten(reqs)
        for s in steps:
            if not isinstance(s, Step):
                raise TypeError(f"run() yielded {s!r}, which is not a Step")
        missing = [s for s in steps if not s.complete()]
        if missing:
            return missing
        to_send = getpaths(reqs)


# ---- executors ----------------------------------------------------------------------------------------
Result = tuple[str, str, Any]  # (step_id, status, payload)


class InlineExecutor:
    """Runs each step in the calling process, one at a time (timeouts enforced with SIGALRM)."""

    def __init__(self, opts: RunOptions) -> None:
        self.opts = opts
        self._results: list[Result] = []

    def free_slots(self) -> int:
        return 0 if self._results else 1

    @property
    def running(self) -> int:
        return len(self._results)

    def submit(self, step: Step) -> None:
        status, payload = execute_step(step, self.opts, use_alarm=True)
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


def _pool_main(conn: multiprocessing.connection.Connection, opts: RunOptions, known: dict[str, Step]) -> None:
    """A pool process: receive a step (its id if it was known when this process was forked, else the
    pickled step), run it, send back (step_id, status, payload)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
        status, payload = execute_step(step, opts, use_alarm=False)
        try:
            conn.send((step.step_id, status, payload))
        except Exception as e:  # unpicklable payload
            conn.send((step.step_id, FAILED if status != DONE else DONE,
                       f"could not send result back to the worker: {e}" if status != DONE else None))


class _Slot:
    __slots__ = ("proc", "conn", "queue", "head_started", "deadline")

    def __init__(self, proc: Any, conn: Any) -> None:
        self.proc, self.conn = proc, conn
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

    def __init__(self, n: int, opts: RunOptions, known_steps: dict[str, Step] | None = None) -> None:
        self.opts = opts
        # Steps known before the processes are forked are in their memory already: only ids are sent.
        self._known = known_steps if known_steps is not None else {}
        self._known_ids = frozenset(self._known)
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._selector = selectors.DefaultSelector()
        self._slots: list[_Slot] = []
        for _ in range(n):
            self._slots.append(self._spawn())
        self._avg = 1.0  # running average of step durations (seconds); starts pessimistic
        self._depth = 1

    def _spawn(self) -> _Slot:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_pool_main, args=(child, self.opts, self._known), daemon=True)
        proc.start()
        child.close()
        slot = _Slot(proc, parent)
        self._selector.register(parent, selectors.EVENT_READ, slot)
        self._selector.register(proc.sentinel, selectors.EVENT_READ, slot)
        return slot

    def free_slots(self) -> int:
        return sum(max(0, self._depth - len(s.queue)) for s in self._slots)

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

    def submit(self, step: Step) -> None:
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

    def _finished(self, slot: _Slot, now: float) -> None:
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
                    out.append(slot.conn.recv())
                    self._finished(slot, now)
            except (EOFError, OSError):
                if slot not in dead:
                    dead.append(slot)
        for slot in dead:
            try:  # results sent just before the process died
                while slot.queue and slot.conn.poll():
                    out.append(slot.conn.recv())
                    self._finished(slot, now)
            except (EOFError, OSError):
                pass
            slot.proc.join(1)
            if slot.proc.is_alive() and not slot.queue:
                continue
            if slot.queue:
                step = slot.queue.popleft()
                code = slot.proc.exitcode
                step.trigger_event(Event.PROCESS_FAILURE, step, f"exit code {code}")
                out.append((step.step_id, FAILED, f"Worker process died while running {step!r} "
                                                  f"(exit code {code})"))
            self._replace(slot)
        for slot in list(self._slots):
            if slot.deadline is not None and now >= slot.deadline and slot.queue:
                step = slot.queue.popleft()
                t = step_timeout(step, self.opts)
                message = f"Step {step!r} timed out after {t:g} seconds and its process was killed"
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
