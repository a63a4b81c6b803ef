"""Step metrics and events for Datadog, as Luigi's ``luigi.contrib.datadog_metric``
(``[scheduler] metrics_collector = datadog``; needs the ``datadog`` package).

Each started, failed, disabled or done step increments ``<metric_namespace>.step.<state>`` on the
StatsD agent (``[datadog] statsd_host``/``statsd_port``) and posts an event to the Datadog API
(``DATADOG_HOST``, default https://api.datadoghq.com); a done step also sets the gauge
``<metric_namespace>.step.execution_time``.  Metrics and events are tagged with the step's family
(``step_name:<family>``), its parameters (``name:value``), ``environment:<environment>`` and
``default_tags`` (comma-separated).
"""

from __future__ import annotations

import logging
from typing import Any

from trun import parameter
from trun.metrics import MetricsCollector
from trun.step import Config

logger = logging.getLogger("trun-interface")

try:
    from datadog import api, initialize, statsd
except ImportError:  # as Luigi: the module loads, a collector cannot be made
    api = initialize = statsd = None
    logger.warning("Loading datadog module without datadog installed. Will crash at runtime if datadog "
                   "functionality is used.")


class datadog(Config):  # noqa: N801 (the [datadog] section's name, as Luigi's)
    api_key = parameter.Parameter(default="dummy_api_key", description="API key provided by Datadog")
    app_key = parameter.Parameter(default="dummy_app_key", description="APP key provided by Datadog")
    default_tags = parameter.Parameter(default="application:trun", description="Default tags for every "
                                       "events and metrics sent to Datadog")
    environment = parameter.Parameter(default="development", description="Environment of which the "
                                      "pipeline is ran from (eg: 'production', 'staging', ...")
    metric_namespace = parameter.Parameter(default="trun", description="Default namespace for events and "
                                           "metrics (eg: 'trun' for 'trun.step.started')")
    statsd_host = parameter.Parameter(default="localhost", description="StatsD host implementing the "
                                      "Datadog service")
    statsd_port = parameter.IntParameter(default=8125, description="StatsD port implementing the Datadog "
                                         "service")


class DatadogMetricsCollector(MetricsCollector):
    """Sends each step's state changes to StatsD (counts, run time) and the event stream."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        if initialize is None:
            raise ImportError("[scheduler] metrics_collector = datadog needs the 'datadog' package "
                              "(pip install 'trun[datadog]')")
        self._config = datadog(**kwargs)
        initialize(api_key=self._config.api_key, app_key=self._config.app_key,
                   statsd_host=self._config.statsd_host, statsd_port=self._config.statsd_port)

    def _report(self, step: Any, state: str, title: str, text: str, alert_type: str, priority: str) -> None:
        tags = [f"step_name:{step.family}", *self._format_step_params_to_tags(step)]
        self._send_increment(f"step.{state.lower()}", tags=tags)
        self._send_event(title=title, text=text, tags=[*tags, f"step_state:{state}"], alert_type=alert_type,
                         priority=priority)

    def handle_step_started(self, step: Any) -> None:
        self._report(step, "STARTED", "Trun: A step has been started!",
                     f"A step has been started in the pipeline named: {step.family}", "info", "low")

    def handle_step_failed(self, step: Any) -> None:
        self._report(step, "FAILED", "Trun: A step has failed!",
                     f"A step has failed in the pipeline named: {step.family}", "error", "normal")

    def handle_step_disabled(self, step: Any, config: Any) -> None:
        text = (f"A step has been disabled in the pipeline named: {step.family}. The step has failed "
                f"{config.retry_count} times in the last {config.disable_window} seconds, so it is being "
                f"disabled for {config.disable_persist} seconds.")
        self._report(step, "DISABLED", "Trun: A step has been disabled!", text, "error", "normal")

    def handle_step_done(self, step: Any) -> None:
        if step.time_running is None:  # complete already: it did not run, no event
            return
        self._report(step, "DONE", "Trun: A step has been completed!",
                     f"A step has completed in the pipeline named: {step.family}", "info", "low")
        self._send_gauge("step.execution_time", step.updated - step.time_running,
                         tags=[f"step_name:{step.family}", *self._format_step_params_to_tags(step)])

    def _send_event(self, **params: Any) -> None:
        params["tags"] += self.default_tags
        api.Event.create(**params)

    def _send_gauge(self, metric_name: str, value: float, tags: list[str] | None = None) -> None:
        statsd.gauge(f"{self._config.metric_namespace}.{metric_name}", value,
                     tags=[*(tags or []), *self.default_tags])

    def _send_increment(self, metric_name: str, value: int = 1, tags: list[str] | None = None) -> None:
        statsd.increment(f"{self._config.metric_namespace}.{metric_name}", value,
                         tags=[*(tags or []), *self.default_tags])

    def _format_step_params_to_tags(self, step: Any) -> list[str]:
        return [f"{key}:{value}" for key, value in step.params.items()]

    @property
    def default_tags(self) -> list[str]:
        """``environment:<environment>`` and the configured ``default_tags``."""
        tags = [f"environment:{self._config.environment}"]
        if self._config.default_tags:
            tags += self._config.default_tags.split(",")
        return tags
