"""The worker's heartbeat: a thread that pings the scheduler and carries out its messages.

``KeepAliveThread`` pings every ``[worker] ping_interval`` seconds, so the scheduler can tell a busy
worker from a dead one, and hands each message in the reply (``{"name", "kwargs"}``, e.g. the
visualiser asking for more processes) to a callback.  Only worker methods marked with
``rpc_message_callback`` may be called that way.  ``GetWorkResponse`` is Luigi's record of one
``get_work`` reply, as the worker reads it; ``keeps_alive`` decides whether an idle worker waits.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from trun.executor import fork_lock

logger = logging.getLogger("trun-interface")

GetWorkResponse = collections.namedtuple("GetWorkResponse", (
    "step_id", "running_steps", "n_pending_steps", "n_unique_pending", "n_pending_last_scheduled",
    "worker_state"))


def rpc_message_callback(fn: Callable) -> Callable:
    """Mark a worker method as callable by the scheduler's messages."""
    fn.is_rpc_message_callback = True  # type: ignore[attr-defined]
    return fn


class KeepAliveThread(threading.Thread):
    """Pings ``scheduler`` as ``worker_id`` every ``ping_interval`` seconds until ``stop()``."""

    def __init__(self, scheduler: Any, worker_id: str, ping_interval: float,
                 rpc_message_callback: Callable[[dict], None]) -> None:
        super().__init__(daemon=True, name=f"trun-keep-alive-{worker_id}")
        self._should_stop = threading.Event()
        self._scheduler = scheduler
        self._worker_id = worker_id
        self._ping_interval = ping_interval
        self._rpc_message_callback = rpc_message_callback

    def stop(self) -> None:
        self._should_stop.set()

    def run(self) -> None:
        while not self._should_stop.wait(self._ping_interval):
            with fork_lock:
                try:
                    reply = self._scheduler.ping(worker=self._worker_id)
                except Exception as e:  # the scheduler is unreachable for now: try again next time
                    logger.warning("Failed pinging the scheduler: %s", e)
                    continue
            for message in (reply or {}).get("rpc_messages", []):
                self._rpc_message_callback(message)
        logger.info("Worker %s was stopped: its keep-alive thread ends", self._worker_id)


def keeps_alive(config: Any, assistant: bool, counts: dict[str, Any], idle_since: float | None) -> bool:
    """Whether a worker with nothing to run now waits for more (Luigi's ``[worker] keep_alive``),
    from the scheduler's last counts for it: only with keep_alive (always, for an assistant); with
    count_last_scheduled only while a pending step was last scheduled by it, with count_uniques only
    while one is wanted by it alone; otherwise while any of its steps is pending, for at most
    max_keep_alive_idle_duration of idling (monotonic seconds since ``idle_since``) when set."""
    if not config.keep_alive:
        return False
    if assistant:
        return True
    if config.count_last_scheduled:
        return counts.get("n_pending_last_scheduled", 0) > 0
    if config.count_uniques:
        return counts.get("n_unique_pending", 0) > 0
    if not counts.get("n_pending_steps"):
        return False
    limit = config.max_keep_alive_idle_duration.total_seconds()
    return not limit or idle_since is None or time.monotonic() - idle_since < limit
