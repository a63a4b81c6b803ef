"""Scheduler metrics: which collector ``[scheduler] metrics_collector`` names, and what one receives.

As Luigi's ``luigi.metrics``: ``MetricsCollectors.get(which, custom_import)`` gives a collector; the
scheduler calls its ``handle_step_*`` methods as steps start, fail, get disabled or finish.
``prometheus`` (``trun.contrib.prometheus_metric``) needs the ``prometheus-client`` package,
``datadog`` (``trun.contrib.datadog_metric``) the ``datadog`` package; ``custom`` takes any
``MetricsCollector``.
"""

from __future__ import annotations

import abc
import importlib
from enum import Enum
from typing import Any


class MetricsCollectors(Enum):
    """The values ``[scheduler] metrics_collector`` may take."""

    default = 1
    none = 1
    datadog = 2
    prometheus = 3
    custom = 4

    @classmethod
    def get(cls, which: MetricsCollectors, custom_import: str | None = None) -> MetricsCollector:
        """A new collector of kind ``which``; ``custom`` builds the class named by ``custom_import``
        (``module.Class``), which must be a ``MetricsCollector``."""
        if which == MetricsCollectors.none:
            return NoMetricsCollector()
        if which == MetricsCollectors.prometheus:
            return _load("trun.contrib.prometheus_metric.PrometheusMetricsCollector")()
        if which == MetricsCollectors.datadog:
            return _load("trun.contrib.datadog_metric.DatadogMetricsCollector")()
        if which == MetricsCollectors.custom:
            if not custom_import:
                raise ValueError("metrics_collector = custom needs [scheduler] metrics_custom_import "
                                 "(module.Class of a MetricsCollector)")
            collector_class = _load(custom_import)
            if not issubclass(collector_class, MetricsCollector):  # checked before it is built, as Luigi
                # the words Luigi's message has too: users' tests match on them
                raise ValueError(f"metrics_custom_import {custom_import!r} is not a subclass of "
                                 f"MetricsCollector")
            return collector_class()
        raise ValueError(f"MetricsCollectors value {which!r} isn't supported")


def _load(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class MetricsCollector(abc.ABC):
    """What the scheduler tells a metrics back-end.  ``step`` is the scheduler's record of the step
    (``trun.step_state.StepState``: ``.id``, ``.family``, ``.params``, ``.status``)."""

    def __init__(self) -> None:
        self._registry = None

    @abc.abstractmethod
    def handle_step_started(self, step: Any) -> None: ...

    @abc.abstractmethod
    def handle_step_failed(self, step: Any) -> None: ...

    @abc.abstractmethod
    def handle_step_disabled(self, step: Any, config: Any) -> None: ...

    @abc.abstractmethod
    def handle_step_done(self, step: Any) -> None: ...

    def handle_step_statistics(self, step: Any, statistics: dict) -> None:  # noqa: B027 (optional)
        """Per-step statistics a step reported (ignored unless a collector wants them)."""

    def generate_latest(self) -> Any:
        """The metrics in the collector's exposition format (``None``: nothing to show)."""
        return None

    def configure_http_handler(self, http_handler: Any) -> None:  # noqa: B027 (optional)
        """Set headers (content type) on the response that serves ``generate_latest()``."""


class NoMetricsCollector(MetricsCollector):
    """The default: collects nothing."""

    def handle_step_started(self, step: Any) -> None:
        pass

    def handle_step_failed(self, step: Any) -> None:
        pass

    def handle_step_disabled(self, step: Any, config: Any) -> None:
        pass

    def handle_step_done(self, step: Any) -> None:
        pass
