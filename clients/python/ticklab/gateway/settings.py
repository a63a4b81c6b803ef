"""Gateway settings: addresses, auth/TLS files and the memory bounds of the fan-out.

:class:`GatewaySettings` is everything the gateway needs to run; :meth:`GatewaySettings.from_config`
fills it from a ticklab config (``[services]``), with command-line overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ticklab.config import Config


@dataclass(frozen=True)
class GatewaySettings:
    """What the gateway needs; :meth:`from_config` fills it from a ticklab config."""

    host: str = "127.0.0.1"
    port: int = 0
    upstreams: dict[str, str] = field(default_factory=dict)  # layer -> "host:port"
    token: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    history_bytes: int = 64 << 20
    queue_bytes: int = 32 << 20
    readahead_bytes: int = 8 << 20
    upstream_retry_seconds: float = 60.0
    # Ticks per upstream batch for unpaced tick streams (0 = the service's default, 8192), at most a
    # quarter of a queue. Fewer, larger messages to relay: 16384 used ~25% less gateway CPU per row
    # than 8192 in bench_gateway.py runs, and larger ones gained nothing more. Paced streams and
    # indicator streams keep the service's batches.
    upstream_batch_size: int = 16384
    # HTTP/2 receive window of each upstream call (bytes the service may send ahead of the hub).
    upstream_window_bytes: int = 4 << 20

    @classmethod
    def from_config(cls, cfg: Config, **overrides: Any) -> GatewaySettings:
        s = cfg.services
        values: dict[str, Any] = dict(
            host=s.host, port=s.gateway_port, token=s.token, tls_cert=s.tls_cert, tls_key=s.tls_key,
            upstreams={"ticks": f"{s.host}:{s.data_port}", "indicators": f"{s.host}:{s.indicators_port}",
                       "stats": f"{s.host}:{s.stats_port}"},
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def validate(self) -> None:
        if self.queue_bytes <= 0 or self.history_bytes < self.queue_bytes:
            raise ValueError("gateway: need 0 < queue_bytes <= history_bytes")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("gateway: tls_cert and tls_key go together")
