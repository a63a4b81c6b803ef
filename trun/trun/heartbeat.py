"""The worker's heartbeat: a thread that pings the scheduler and carries out its messages.

``KeepAliveThread`` pings every ``[worker] ping_interval`` seconds, so the scheduler can tell a busy
worker from a dead one, and hands each message in the reply (``{"name", "kwargs"}``, e.g. the
visualiser asking for more processes) to a callback.  Only worker methods marked with
``rpc_message_callback`` may be called that way.  ``GetWorkResponse`` is Luigi's record of one
``get_work`` reply, as the worker reads it.
"""

from __future__ import annotations

import collections
import logging
import threading
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
