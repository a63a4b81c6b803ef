"""Step metrics for Prometheus, as Luigi's ``luigi.contrib.prometheus_metric``
(``[scheduler] metrics_collector = prometheus``; needs the ``prometheus-client`` package).

Counters of started, failed, disabled and done steps and a gauge of each step's last run time, in
the collector's own registry; trund serves ``generate_latest()`` at ``/metrics``.  Their labels are
chosen in ``[prometheus]``: ``use_step_family_in_labels`` (default true) adds ``family``, and
``step_parameters_to_use_in_labels`` (a JSON list) adds those parameters of each step.
"""

from __future__ import annotations

from typing import Any

from trun import parameter
from trun.metrics import MetricsCollector
from trun.step import Config

try:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
except ImportError as e:  # a clear message instead of a bare ModuleNotFoundError
    raise ImportError("[scheduler] metrics_collector = prometheus needs the 'prometheus-client' package "
                      "(pip install 'trun[prometheus]')") from e


class prometheus(Config):  # noqa: N801 (the [prometheus] section's name, as Luigi's)
    use_step_family_in_labels = parameter.BoolParameter(
        default=True, parsing=parameter.BoolParameter.EXPLICIT_PARSING)
    step_parameters_to_use_in_labels = parameter.ListParameter(default=())


class PrometheusMetricsCollector(MetricsCollector):
    """Counts steps by the ``[prometheus]`` labels; ``generate_latest()`` is the exposition text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.registry = CollectorRegistry()
        config = prometheus(**kwargs)
        self.labels = list(config.step_parameters_to_use_in_labels)
        if config.use_step_family_in_labels:
            self.labels.append("family")
        if not self.labels:
            raise ValueError("Prometheus labels cannot be empty (see prometheus configuration)")

        def metric(kind: type, name: str, text: str) -> Any:
            return kind(name, text, self.labels, registry=self.registry)

        self.step_started_counter = metric(Counter, "trun_step_started_total", "number of started trun steps")
        self.step_failed_counter = metric(Counter, "trun_step_failed_total", "number of failed trun steps")
        self.step_disabled_counter = metric(Counter, "trun_step_disabled_total",
                                            "number of disabled trun steps")
        self.step_done_counter = metric(Counter, "trun_step_done_total", "number of done trun steps")
        self.step_execution_time = metric(Gauge, "trun_step_execution_time_seconds",
                                          "trun step execution time in seconds")

    def _generate_step_labels(self, step: Any) -> dict[str, Any]:
        return {label: step.family if label == "family" else step.params.get(label) for label in self.labels}

    def _set_execution_time(self, step: Any) -> None:
        if step.time_running is not None:  # None: the step was complete already, it did not run
            self.step_execution_time.labels(**self._generate_step_labels(step)).set(
                step.updated - step.time_running)

    def handle_step_started(self, step: Any) -> None:
        self.step_started_counter.labels(**self._generate_step_labels(step)).inc()
        self.step_execution_time.labels(**self._generate_step_labels(step))  # the series exists from now

    def handle_step_failed(self, step: Any) -> None:
        self.step_failed_counter.labels(**self._generate_step_labels(step)).inc()
        self._set_execution_time(step)

    def handle_step_disabled(self, step: Any, config: Any) -> None:
        self.step_disabled_counter.labels(**self._generate_step_labels(step)).inc()
        self._set_execution_time(step)

    def handle_step_done(self, step: Any) -> None:
        self.step_done_counter.labels(**self._generate_step_labels(step)).inc()
        self._set_execution_time(step)

    def generate_latest(self) -> bytes:
        return generate_latest(self.registry)

    def configure_http_handler(self, http_handler: Any) -> None:
        http_handler.set_header("Content-Type", CONTENT_TYPE_LATEST)
