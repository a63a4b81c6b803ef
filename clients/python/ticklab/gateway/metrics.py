"""Gateway metrics: the process-wide counters that GetMetrics exports.

One :class:`Metrics` value is made by the service and handed to the parts that count (the upstream
pump, the auth interceptor), so none of them needs the service itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Metrics:
    """Process-wide counters (exported by GetMetrics)."""

    upstream_calls_total: int = 0
    upstream_calls_active: int = 0
    subscribers_total: int = 0
    subscribers_active: int = 0
    slow_disconnects: int = 0
    catchup_subscriptions: int = 0
    catchup_joined: int = 0
    unauthenticated: int = 0
