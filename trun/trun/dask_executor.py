"""Run steps' ``run()`` on a Dask cluster; scheduling stays with trun.

Selected with ``trun.build(..., executor="dask", dask_address="tcp://host:8786")`` or ``[worker]
executor = "dask"`` / ``dask_address``.  Without an address a LocalCluster with ``workers`` processes
is started for the run.  Needs the optional extra: ``pip install trun[dask]``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from trun.event import Event
from trun.executor import Result
from trun.step import Step
from trun.step_process import FAILED, RunOptions, execute_step, step_timeout


def _run_on_dask(step: Step, opts: RunOptions) -> tuple[str, Any]:
    return execute_step(step, opts, use_alarm=False)


class DaskExecutor:
    """Submits each step as one Dask task; up to ``n`` (or the cluster's thread count) at a time."""

    def __init__(self, n: int, opts: RunOptions, address: Any = None) -> None:
        try:
            from dask import distributed
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise RuntimeError("executor='dask' needs dask.distributed: pip install 'trun[dask]'") from e
        self._distributed = distributed
        self.opts = opts
        self._cluster = None
        if address is None:
            self._cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1)
            address = self._cluster
        self._client = distributed.Client(address)
        threads = sum(self._client.nthreads().values()) or n
        self._capacity = max(n, threads)
        self._futures: dict[Any, tuple[Step, float]] = {}

    def free_slots(self) -> int:
        return self._capacity - len(self._futures)

    @property
    def running(self) -> int:
        return len(self._futures)

    def submit(self, step: Step) -> None:
        key = f"trun-{step.step_id}-{uuid.uuid4().hex[:8]}"
        fut = self._client.submit(_run_on_dask, step, self.opts, key=key, pure=False)
        self._futures[fut] = (step, time.monotonic())

    def wait(self, timeout: float) -> list[Result]:
        if not self._futures:
            return []
        try:
            done, _ = self._distributed.wait(list(self._futures), timeout=max(timeout, 0.001),
                                             return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        out: list[Result] = []
        for fut in done:
            step, _ = self._futures.pop(fut)
            try:
                status, payload = fut.result()
            except Exception as e:
                status, payload = FAILED, f"Dask task for {step!r} failed: {type(e).__name__}: {e}"
            out.append((step.step_id, status, payload))
        now = time.monotonic()
        for fut, (step, started) in list(self._futures.items()):
            t = step_timeout(step, self.opts)
            if t > 0 and now - started > t:
                fut.cancel()
                del self._futures[fut]
                step.trigger_event(Event.TIMEOUT, step, t)
                out.append((step.step_id, FAILED, f"Step {step!r} timed out after {t:g} seconds on Dask"))
        return out

    def shutdown(self) -> None:
        for fut in self._futures:
            fut.cancel()
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
