"""Step metrics for Prometheus (``[scheduler] metrics_collector = prometheus``; needs the
``prometheus-client`` package): counters of started, failed, disabled and done steps and the run
time of the last run, each labelled with the step family."""

from __future__ import annotations

import time
from typing import Any

from trun.metrics import MetricsCollector

try:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
except ImportError as e:  # a clear message instead of a bare ModuleNotFoundError
    raise ImportError("[scheduler] metrics_collector = prometheus needs the 'prometheus-client' package "
                      "(pip install 'trun[prometheus]')") from e


class PrometheusMetricsCollector(MetricsCollector):
    """Counts steps by family in its own registry (``generate_latest()`` is the exposition text)."""

    labels = ("family",)

    def __init__(self) -> None:
        super().__init__()
        self.registry = CollectorRegistry()
        self.step_started_counter = Counter("trun_step_started_total", "steps started", self.labels,
                                            registry=self.registry)
        self.step_failed_counter = Counter("trun_step_failed_total", "steps failed", self.labels,
                                           registry=self.registry)
        self.step_disabled_counter = Counter("trun_step_disabled_total", "steps disabled", self.labels,
                                             registry=self.registry)
        self.step_done_counter = Counter("trun_step_done_total", "steps done", self.labels,
                                         registry=self.registry)
        self.step_execution_time = Gauge("trun_step_execution_time_seconds", "run time of the last run",
                                         self.labels, registry=self.registry)

    def _family(self, step: Any) -> str:
        return step.family or step.id

    def handle_step_started(self, step: Any) -> None:
        self.step_started_counter.labels(self._family(step)).inc()

    def handle_step_failed(self, step: Any) -> None:
        self.step_failed_counter.labels(self._family(step)).inc()

    def handle_step_disabled(self, step: Any, config: Any) -> None:
        self.step_disabled_counter.labels(self._family(step)).inc()

    def handle_step_done(self, step: Any) -> None:
        self.step_done_counter.labels(self._family(step)).inc()
        if step.time_running:
            self.step_execution_time.labels(self._family(step)).set(time.time() - step.time_running)

    def generate_latest(self) -> bytes:
        return generate_latest(self.registry)

    def configure_http_handler(self, http_handler: Any) -> None:
        http_handler.set_header("Content-Type", CONTENT_TYPE_LATEST)
