"""Cross-origin requests to trund's ``/api/<method>``: the ``[cors]`` section, with Luigi's keys.

With ``enabled = true`` a browser page from an allowed origin may call the API: an ``OPTIONS``
preflight gets ``Access-Control-Allow-Origin`` with the allowed methods, headers and max age, and a
call gets ``Access-Control-Allow-Origin``.  An origin is allowed when it is in ``allowed_origins``
or ``allow_any_origin`` is set (answered with ``*``); the ``null`` origin (a file:// page) only with
``allow_null_origin``.  A request without an ``Origin`` header, or from another origin, gets no
CORS headers (the browser then refuses the reply).
"""

from __future__ import annotations

from typing import Any

from trun import parameter
from trun.step import Config


class cors(Config):
    """The ``[cors]`` section."""

    enabled = parameter.BoolParameter(default=False, description="answer cross-origin API calls")
    allowed_origins = parameter.ListParameter(default=(), description="origins allowed (unless any is)")
    allow_any_origin = parameter.BoolParameter(default=False, description="allow every origin (*)")
    allow_null_origin = parameter.BoolParameter(default=False, description="allow the origin 'null'")
    max_age = parameter.IntParameter(default=86400, description="Access-Control-Max-Age of a preflight")
    allowed_methods = parameter.Parameter(default="GET, OPTIONS",
                                          description="Access-Control-Allow-Methods of a preflight")
    allowed_headers = parameter.Parameter(default="Accept, Content-Type, Origin",
                                          description="Access-Control-Allow-Headers of a preflight")
    exposed_headers = parameter.Parameter(default="", description="Access-Control-Expose-Headers")
    allow_credentials = parameter.BoolParameter(default=False,
                                                description="send Access-Control-Allow-Credentials: true")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # '*' and 'null' are not origins: they are allowed only by allow_any_origin / allow_null_origin
        self.allowed_origins = frozenset(o for o in self.allowed_origins if o not in ("*", "null"))


def _allowed_origin(config: cors, origin: str) -> str | None:
    """What Access-Control-Allow-Origin answers ``origin`` with (None: not allowed)."""
    if origin == "null":
        return "null" if config.allow_null_origin else None
    if config.allow_any_origin:
        return "*"
    return origin if origin in config.allowed_origins else None


def cors_headers(config: cors, origin: str | None, preflight: bool) -> dict[str, str]:
    """The CORS headers of a reply to a request from ``origin`` (a preflight or the call itself)."""
    if not config.enabled or not origin:
        return {}
    allowed = _allowed_origin(config, origin)
    if allowed is None:
        return {}
    headers = {"Access-Control-Allow-Origin": allowed}
    if preflight:
        headers["Access-Control-Max-Age"] = str(config.max_age)
        headers["Access-Control-Allow-Methods"] = config.allowed_methods
        headers["Access-Control-Allow-Headers"] = config.allowed_headers
        if config.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        if config.exposed_headers:
            headers["Access-Control-Expose-Headers"] = config.exposed_headers
    elif allowed not in ("*", "null"):
        headers["Vary"] = "Origin"
    return headers
